# Stress: generator objects shared between threads; each generator is driven by one thread at a
# time (a second caller gets ValueError and retries), so every value is produced exactly once.
import threading

N = 8


def numbers(lo, hi):
    for i in range(lo, hi):
        yield i


def pipeline(src):
    for v in src:
        yield v * 2


gens = [pipeline(numbers(k * 1000, (k + 1) * 1000)) for k in range(4)]
collected = []
lock = threading.Lock()
retries = [0]
go = threading.Barrier(N)


def drain(k):
    mine = []
    go.wait()
    for g in gens[k % 4:] + gens[:k % 4]:
        while True:
            try:
                v = next(g)
            except StopIteration:
                break
            except ValueError:
                continue
            mine.append(v)
    with lock:
        collected.extend(mine)


ts = [threading.Thread(target=drain, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(collected), sorted(collected) == [2 * i for i in range(4000)])

# Generator expressions and comprehensions run privately in many threads.
out = []


def compute(k):
    r = sum(x * x for x in range(2000) if x % (k + 2) == 0)
    d = {i: i * k for i in range(100)}
    s = {i % 7 for i in range(100)}
    with lock:
        out.append((k, r, sum(d.values()), len(s)))


ts = [threading.Thread(target=compute, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for row in sorted(out):
    print(row)
