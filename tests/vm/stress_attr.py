# Stress: instance attributes of shared objects set and read from many threads; a method
# called concurrently; per-thread attributes are exact, a locked counter is exact.
import threading

N = 8
PER = 3000


class Box:
    kind = "box"

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.seen = []

    def incr(self):
        with self.lock:
            self.count += 1


box = Box()
go = threading.Barrier(N)


def worker(k):
    name = f"a{k}"
    go.wait()
    for i in range(PER):
        setattr(box, name, i)
        box.last = k
        box.incr()
        if getattr(box, name) != i:
            raise AssertionError("lost my own attribute")
        _ = box.kind


ts = [threading.Thread(target=worker, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(box.count, [getattr(box, f"a{k}") for k in range(N)], 0 <= box.last < N)

objs = [Box() for _ in range(50)]
go2 = threading.Barrier(N)


def spread(k):
    go2.wait()
    for r in range(200):
        for o in objs:
            o.incr()
            if r == 0:
                o.seen.append(k)


ts = [threading.Thread(target=spread, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(set(o.count for o in objs)), sorted(set(len(o.seen) for o in objs)))

# Class attributes changed while instances read them.
stop = threading.Event()
seen_kinds = set()
lock = threading.Lock()


def reader():
    local = set()
    while not stop.is_set():
        local.add(box.kind)
    with lock:
        seen_kinds.update(local)


def writer():
    for i in range(2000):
        Box.kind = "box" if i % 2 else "crate"
    Box.kind = "box"


r = threading.Thread(target=reader)
w = threading.Thread(target=writer)
r.start()
w.start()
w.join()
stop.set()
r.join()
print(seen_kinds <= {"box", "crate"}, box.kind)
