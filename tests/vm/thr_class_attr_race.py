# Class attributes replaced while other threads call methods and update a class counter:
# method lookups must always find a callable (attribute caches revalidated), never crash.
# K.counter += 1 may lose updates, as in CPython, so only its bounds are checked.
import threading
class K:
    counter = 0
    def m(self):
        return 1
def worker(res):
    k = K()
    s = 0
    for i in range(3000):
        s += k.m()
        K.counter += 1
        if i % 100 == 0:
            K.m = lambda self: 1
    res.append(s)
res = []
ts = [threading.Thread(target=worker, args=(res,)) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(res), 0 < K.counter <= 12000)
