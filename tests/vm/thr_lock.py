# threading.Lock: mutual exclusion of a read-modify-write, acquire's blocking and timeout
# arguments, locked(), release errors, the context manager.
import threading

counter = 0
lock = threading.Lock()


def bump(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1


threads = [threading.Thread(target=bump, args=(5000,)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter", counter)

lk = threading.Lock()
print(lk.locked(), lk.acquire(), lk.locked())
print(lk.acquire(blocking=False), lk.acquire(False), lk.acquire(timeout=0.01))
print(lk.acquire(True, 0))
lk.release()
print(lk.locked())
try:
    lk.release()
except RuntimeError as e:
    print("RuntimeError:", e)
for args, kw in [((False, 1), {}), ((True, -2), {}), ((), {"timeout": -5})]:
    try:
        lk.acquire(*args, **kw)
    except ValueError as e:
        print("ValueError:", e)
with lk as got:
    print("in with", got, lk.locked())
print("after with", lk.locked())

# A lock held by one thread and released by another (locks have no owner).
held = threading.Lock()
held.acquire()
done = threading.Event()


def releaser():
    held.release()
    done.set()


t = threading.Thread(target=releaser)
t.start()
done.wait()
t.join()
print("released by other thread", held.locked())

# Handshake: a thread blocked in acquire() is let in by the owner's release.
gate = threading.Lock()
gate.acquire()
order = []


def waiter():
    with gate:
        order.append("waiter got it")


w = threading.Thread(target=waiter)
w.start()
order.append("main releases")
gate.release()
w.join()
print(order)

try:
    with lk:
        raise KeyError("inside")
except KeyError as e:
    print("KeyError", e, lk.locked())
