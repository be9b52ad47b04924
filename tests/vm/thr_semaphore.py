# Semaphore bounds concurrency; BoundedSemaphore refuses over-release; acquire arguments.
import threading

sem = threading.Semaphore(3)
state = {"inside": 0, "max": 0}
guard = threading.Lock()
log = []


def worker(k):
    for _ in range(50):
        with sem:
            with guard:
                state["inside"] += 1
                if state["inside"] > state["max"]:
                    state["max"] = state["inside"]
            with guard:
                state["inside"] -= 1
    with guard:
        log.append(k)


ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print("max inside <= 3:", state["max"] <= 3, "inside now:", state["inside"], sorted(log))

s = threading.Semaphore(2)
print(s.acquire(), s.acquire(), s.acquire(blocking=False), s.acquire(timeout=0.01))
s.release()
s.release(2)
print(s.acquire(False), s.acquire(False), s.acquire(False), s.acquire(False))
for bad in [lambda: threading.Semaphore(-1), lambda: s.release(0), lambda: s.acquire(False, 1)]:
    try:
        bad()
    except ValueError as e:
        print("ValueError:", e)

b = threading.BoundedSemaphore(2)
b.acquire()
b.release()
try:
    b.release()
except ValueError as e:
    print("ValueError:", e)
print(isinstance(b, threading.Semaphore))

# A zero semaphore as a one-way signal between threads (release before acquire is kept).
sig = threading.Semaphore(0)
got = []


def signaller():
    got.append("signalled")
    sig.release()


t = threading.Thread(target=signaller)
t.start()
sig.acquire()
t.join()
print(got)
