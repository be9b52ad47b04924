# threading.Barrier: arrival indices, the action, reuse across rounds, abort, timeout, reset.
import threading

N = 5
rounds = []
lock = threading.Lock()
idx = []


def action():
    rounds.append(len(rounds))


b = threading.Barrier(N, action=action)


def worker(k):
    for r in range(3):
        i = b.wait()
        with lock:
            idx.append((r, i))


ts = [threading.Thread(target=worker, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(rounds)
for r in range(3):
    print(r, sorted(i for (rr, i) in idx if rr == r))
print(b.parties, b.n_waiting, b.broken)

# abort(): waiting threads get BrokenBarrierError.
b2 = threading.Barrier(3)
errors = []
arrived = threading.Semaphore(0)


def blocked():
    arrived.release()
    try:
        b2.wait()
    except threading.BrokenBarrierError as e:
        errors.append(type(e).__name__)


ts = [threading.Thread(target=blocked) for _ in range(2)]
for t in ts:
    t.start()
arrived.acquire()
arrived.acquire()
while b2.n_waiting < 2:
    arrived.acquire(timeout=0.001)
b2.abort()
for t in ts:
    t.join()
print(errors, b2.broken)
try:
    b2.wait()
except threading.BrokenBarrierError:
    print("still broken")
b2.reset()
print("after reset", b2.broken)

# A timed-out wait breaks the barrier.
b3 = threading.Barrier(2, timeout=0.01)
try:
    b3.wait()
except threading.BrokenBarrierError:
    print("timed out ->", b3.broken)
print(issubclass(threading.BrokenBarrierError, RuntimeError))

# An action that raises: the thread that ran it gets the exception, the others are broken.
def bad_action():
    raise ValueError("action failed")


b4 = threading.Barrier(2, action=bad_action)
outcome = []


def w4():
    try:
        b4.wait()
        outcome.append("ok")
    except threading.BrokenBarrierError:
        outcome.append("broken")
    except ValueError as e:
        outcome.append(str(e))


ts = [threading.Thread(target=w4) for _ in range(2)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(outcome))
