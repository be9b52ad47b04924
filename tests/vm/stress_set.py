# Stress: set.add / discard / in from many threads on one set; exact final membership.
import threading

N = 8
PER = 4000
s = set()
go = threading.Barrier(N)


def adder(k):
    go.wait()
    for i in range(PER):
        s.add(i)
        s.add(("t", k, i % 10))


ts = [threading.Thread(target=adder, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(s), sum(1 for x in s if isinstance(x, int)))

go2 = threading.Barrier(N)
found = []
lock = threading.Lock()


def discarder(k):
    n = 0
    go2.wait()
    for i in range(k, PER, N):
        if i in s:
            n += 1
        s.discard(i)
    with lock:
        found.append(n)


ts = [threading.Thread(target=discarder, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(found), len(s), sorted(s)[:3])
