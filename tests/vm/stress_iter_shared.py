# (lib's program) Stress: one iterator advanced by several threads at once. List, tuple,
# range and str iterators hand out each item exactly once (as under CPython's GIL); dict and
# set iterators may repeat or skip an item when stepped concurrently but never produce
# anything that is not in the container, and never crash; a list mutated while iterated ends.
import threading

N = 6


def drain(it, n=N):
    got = [[] for _ in range(n)]
    go = threading.Barrier(n)

    def worker(k):
        go.wait()
        for x in it:
            got[k].append(x)

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return [x for g in got for x in g]


items = list(range(5000))
for name, src in [("list", items), ("tuple", tuple(items)), ("range", range(5000))]:
    out = drain(iter(src))
    print(name, len(out), sorted(out) == items)

text = "ab\u00e9\u4e2d" * 800
out = drain(iter(text))
print("str", len(out), sorted(out) == sorted(text))

d = {i: -i for i in range(2000)}
out = drain(iter(d.items()))
print("dict items subset", all(d[k] == v for k, v in out), len(out) >= 1)
st = set(range(2000))
out = drain(iter(st))
print("set subset", all(x in st for x in out), len(out) >= 1)

# enumerate / zip / map over one shared underlying iterator
out = drain(enumerate(iter(items)))
print("enumerate", len(out), sorted(x for _, x in out) == items, sorted(i for i, _ in out) == items)
out = drain(map(lambda x: x * 2, iter(items)))
print("map", len(out), sorted(out) == [x * 2 for x in items])

# a list that grows and shrinks while threads iterate over it: every loop ends
shared = list(range(1000))
stop = threading.Event()


def mutator():
    i = 0
    while not stop.is_set():
        shared.append(i)
        if len(shared) > 1500:
            del shared[:500]
        i += 1


def reader(k):
    total = 0
    for _ in range(8):
        for x in shared:
            total += 1
    return total


m = threading.Thread(target=mutator)
m.start()
rs = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
for r in rs:
    r.start()
for r in rs:
    r.join()
stop.set()
m.join()
print("mutated list iteration ended", len(shared) <= 1500)
