# Weak references dereferenced by several threads while another thread drops the last strong
# reference: each dereference gives the live, intact object or None, never anything else, and
# once None always None. Each round's callback runs exactly once.
import threading
import weakref

NREADERS = 3
ROUNDS = 200

calls = []  # the rounds whose callback ran (list.append is atomic: no lock in a callback)


class Box:
    def __init__(self, i):
        self.i = i
        self.items = [i, str(i)]


def callback_for(i):
    def cb(w):
        calls.append(i)
    return cb


shared = [None]
ready = threading.Barrier(NREADERS + 1)
done = threading.Barrier(NREADERS + 1)
bad = []


def reader():
    for i in range(ROUNDS):
        ready.wait()
        w = shared[0]
        seen_dead = False
        for _ in range(50):
            o = w()
            if o is None:
                seen_dead = True
            elif seen_dead or o.i != i or o.items != [i, str(i)]:
                bad.append(i)
            o = None
        done.wait()


threads = [threading.Thread(target=reader) for _ in range(NREADERS)]
for t in threads:
    t.start()
for i in range(ROUNDS):
    b = Box(i)
    shared[0] = weakref.ref(b, callback_for(i))
    ready.wait()
    del b  # the readers are dereferencing now
    done.wait()
for t in threads:
    t.join()
print("bad", bad)
print("dead", shared[0]() is None, "callbacks once each", sorted(calls) == list(range(ROUNDS)))
