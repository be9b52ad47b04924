# Threads create and drop reference cycles while they and the main thread collect: every
# dropped cycle is freed exactly once (its weak reference's callback records it), nothing still
# reachable is freed or damaged, and after the last collection every dropped cycle is gone.
import gc
import threading
import weakref

NTHREADS = 4
ROUNDS = 300
KEEP_EVERY = 10

freed = []  # list.append is atomic: callbacks take no lock (one taking a lock could run
            # inside a collection started on a thread that holds it)
start = threading.Barrier(NTHREADS + 1)


class Node:
    def __init__(self, owner, i):
        self.owner = owner
        self.i = i
        self.me = self
        self.peer = Pair(self)


class Pair:
    def __init__(self, node):
        self.node = node
        self.items = [node, {"node": node}]


def recorder(tag):
    def record(w):
        freed.append(tag)
    return record


def worker(k, kept, refs):
    start.wait()
    for i in range(ROUNDS):
        n = Node(k, i)
        refs.append(weakref.ref(n, recorder((k, i))))
        if i % KEEP_EVERY == 0:
            kept.append(n)
        del n
        if i % 50 == 25:
            gc.collect()


kept = [[] for _ in range(NTHREADS)]
refs = [[] for _ in range(NTHREADS)]
threads = [threading.Thread(target=worker, args=(k, kept[k], refs[k])) for k in range(NTHREADS)]
for t in threads:
    t.start()
start.wait()
for _ in range(5):
    gc.collect()
for t in threads:
    t.join()
gc.collect()

dropped = set((k, i) for k in range(NTHREADS) for i in range(ROUNDS) if i % KEEP_EVERY != 0)
print("freed", len(freed), "distinct", len(set(freed)), "expected", len(dropped))
print("freed are the dropped", set(freed) == dropped)
intact = all(n.me is n and n.peer.node is n and n.peer.items[1]["node"] is n
             for ks in kept for n in ks)
print("kept intact", intact, sum(len(ks) for ks in kept))
alive = sum(1 for rs in refs for w in rs if w() is not None)
print("alive", alive)
del kept
gc.collect()
print("freed at the end", len(freed), len(set(freed)))
print("alive at the end", sum(1 for rs in refs for w in rs if w() is not None))
