# (lib's program) Stress: a set shared by threads, with keys of a user class whose __hash__
# and __eq__ run Python code (the set drops its lock around __eq__ and re-checks), plus
# iteration racing with mutation (RuntimeError is allowed, a crash is not), pop, update and the
# algebra. Every count printed is exact whatever the scheduling.
import threading


class Key:
    def __init__(self, v):
        self.v = v

    def __hash__(self):
        return self.v % 7          # many collisions: __eq__ runs on most probes

    def __eq__(self, other):
        return isinstance(other, Key) and self.v == other.v


N = 6
PER = 600
s = set()
go = threading.Barrier(N)


def adder(k):
    go.wait()
    for i in range(PER):
        s.add(Key(i))              # every thread adds the same 600 keys
        s.add(Key(10000 + k * PER + i))   # and 600 of its own


ts = [threading.Thread(target=adder, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("after add:", len(s), Key(5) in s, Key(-1) in s)

go2 = threading.Barrier(N + 1)
removed = [0] * N
errors = []


def remover(k):
    go2.wait()
    for i in range(k, PER, N):
        try:
            s.remove(Key(i))
            removed[k] += 1
        except KeyError:
            errors.append(i)


def iterator():
    go2.wait()
    seen = 0
    for _ in range(20):
        try:
            for _ in s:
                seen += 1
        except RuntimeError as e:
            assert str(e) == "Set changed size during iteration", e


ts = [threading.Thread(target=remover, args=(k,)) for k in range(N)]
ts.append(threading.Thread(target=iterator))
for t in ts:
    t.start()
for t in ts:
    t.join()
print("after remove:", len(s), sum(removed), len(errors))

# pop from several threads: each element comes out exactly once.
p = set(range(3000))
got = [[] for _ in range(N)]
go3 = threading.Barrier(N)


def popper(k):
    go3.wait()
    while True:
        try:
            got[k].append(p.pop())
        except KeyError:
            return


ts = [threading.Thread(target=popper, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
allgot = [x for g in got for x in g]
print("pop:", len(allgot), len(set(allgot)), sorted(allgot) == list(range(3000)), len(p))

# update/union/intersection racing with adds of other values
base = set(range(100))
go4 = threading.Barrier(4)
out = []


def algebra(k):
    go4.wait()
    for i in range(200):
        base.add(1000 + k * 200 + i)
        u = base | {-1}
        x = base & set(range(50))
        out.append((len(x), -1 in u))


ts = [threading.Thread(target=algebra, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("algebra:", len(base), all(o == (50, True) for o in out), len(out))
