# Closure cells shared by threads: other threads read and write a cell made by the main thread
# (regression test for the nogil cell fix: the readers saw "cannot access free variable").
# Updates to the cell are unsynchronized `c += 1`, so only bounds are checked, never the exact sum.
import threading
def make(c):
    def get():
        return c
    def inc():
        nonlocal c
        c += 1
        return c
    return get, inc
get, inc = make(12345678)
for i in range(1000):
    inc()
out = []
def worker():
    for i in range(2000):
        inc()
    out.append(get() >= 12345678)
ts = [threading.Thread(target=worker) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(out, get() <= 12345678 + 9000)
