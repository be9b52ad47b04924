# Subclassing threading.Thread: run() overridden, super().__init__(), attributes on the instance.
import threading


class Summer(threading.Thread):
    def __init__(self, lo, hi):
        super().__init__()
        self.lo = lo
        self.hi = hi
        self.total = None

    def run(self):
        s = 0
        for i in range(self.lo, self.hi):
            s += i
        self.total = s


class Named(threading.Thread):
    def __init__(self, n):
        super().__init__(name=f"named-{n}", daemon=False)
        self.n = n
        self.out = []

    def run(self):
        self.out.append(threading.current_thread().name)
        self.out.append(self.n * self.n)


class WithTarget(threading.Thread):
    def run(self):
        self.before = "before"
        super().run()
        self.after = "after"


workers = [Summer(i * 1000, (i + 1) * 1000) for i in range(8)]
for w in workers:
    w.start()
for w in workers:
    w.join()
print([w.total for w in workers])
print(sum(w.total for w in workers) == sum(range(8000)))

ns = [Named(i) for i in range(4)]
for t in ns:
    t.start()
for t in ns:
    t.join()
for t in ns:
    print(t.name, t.out, isinstance(t, threading.Thread), t.is_alive())

box = []
wt = WithTarget(target=box.append, args=(42,))
wt.start()
wt.join()
print(box, wt.before, wt.after)
print(type(wt).__name__, issubclass(WithTarget, threading.Thread))
