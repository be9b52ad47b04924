# threading.local: per-thread attributes; a subclass whose __init__ runs once per thread.
import threading

data = threading.local()
data.x = "main"
out = []
lock = threading.Lock()


def worker(k):
    print_missing = not hasattr(data, "x")
    data.x = k
    data.items = [k] * k
    for _ in range(100):
        data.x = data.x + 0
    with lock:
        out.append((k, print_missing, data.x, len(data.items)))


ts = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
for t in ts:
    t.start()
for t in ts:
    t.join()
for row in sorted(out):
    print(row)
print("main still sees", data.x, hasattr(data, "items"))
try:
    data.nothing
except AttributeError as e:
    print("AttributeError")
del data.x
print(hasattr(data, "x"))


class Counter(threading.local):
    inits = 0

    def __init__(self, start):
        self.value = start
        with lock:
            Counter.inits += 1

    def bump(self):
        self.value += 1
        return self.value


c = Counter(10)
res = []


def use_counter(k):
    for _ in range(k):
        c.bump()
    with lock:
        res.append((k, c.value))


ts = [threading.Thread(target=use_counter, args=(k,)) for k in range(1, 5)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(res))
print("main value", c.value, "inits", Counter.inits)
