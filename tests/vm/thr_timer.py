# threading.Timer: fires once after its interval, cancel() before it fires stops it, a Timer
# is a Thread (name, join, is_alive), arguments reach the function.
import threading

fired = []
done = threading.Event()


def hit(tag, extra=None):
    fired.append((tag, extra))
    done.set()


t = threading.Timer(0.01, hit, args=("a",), kwargs={"extra": 1})
print(isinstance(t, threading.Thread), t.name.startswith("Thread-"), t.is_alive())
t.start()
done.wait()
t.join()
print(fired, t.is_alive())

c = threading.Timer(30, hit, args=("never",))
c.start()
c.cancel()
c.join()
print(fired)

c2 = threading.Timer(0, hit, ["cancelled before start"])
c2.cancel()
c2.start()
c2.join()
print(fired)


class Repeat(threading.Timer):
    def __init__(self, n):
        super().__init__(0.001, self.tick)
        self.n = n
        self.count = 0

    def tick(self):
        self.count = self.n * 2


r = Repeat(21)
r.start()
r.join()
print(r.count)
