# Automatic collections (a low threshold, so that they run at the ticks of every thread)
# while threads run generators that hold cycles in their frames, build closures, exceptions and
# bound methods in cycles, and share a dict: every computed result is exact, nothing reachable
# is freed, and every dropped cycle is freed exactly once.
import gc
import threading
import weakref

gc.set_threshold(50)
NTHREADS = 4
ROUNDS = 150
freed = []  # list.append is atomic: the callbacks take no lock
shared = {}


class Box:
    def __init__(self, k, r):
        self.k = k
        self.r = r
        self.items = []

    def total(self):
        return sum(self.items)


def gen(box, n):
    # the suspended frame holds box, and box holds the generator
    for i in range(n):
        box.items.append(i)
        yield i * box.r


def closure_cycle(box):
    def f():
        return f, box
    return f


def recorder(tag):
    def record(w):
        freed.append(tag)
    return record


def worker(k, out, refs):
    acc = 0
    for r in range(ROUNDS):
        b = Box(k, r)
        refs.append(weakref.ref(b, recorder((k, r))))
        b.g = gen(b, 6)
        acc += next(b.g) + next(b.g) + next(b.g)  # left suspended half way
        b.f = closure_cycle(b)
        b.m = b.total
        b.err = ValueError(b)  # not raised: CPython's traceback would hold this frame
        shared[(k, r)] = b
        if r % 3 == 0:
            acc += sum(b.g)  # finish it
        if r >= 2:
            old = shared.pop((k, r - 2))
            acc += old.total() + old.m() + len(old.err.args) + (old.f()[1] is old)
        del b
    for r in range(ROUNDS - 2, ROUNDS):
        shared.pop((k, r))
    out.append(acc)
    out.append(sum(1 for w in refs if w() is not None) <= ROUNDS)


outs = [[] for _ in range(NTHREADS)]
refs = [[] for _ in range(NTHREADS)]  # the weak references outlive the threads
threads = [threading.Thread(target=worker, args=(k, outs[k], refs[k])) for k in range(NTHREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
gc.collect()
print(outs)
print("shared left", len(shared))
print("freed", len(freed), "distinct", len(set(freed)), "of", NTHREADS * ROUNDS)
print("alive", sum(1 for rs in refs for w in rs if w() is not None))
