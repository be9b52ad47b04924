# The time module: clocks move forward, sleep waits at least as long as asked, argument errors.
import time
import threading

t0 = time.time()
m0 = time.monotonic()
p0 = time.perf_counter()
time.sleep(0.02)
print(time.monotonic() - m0 >= 0.02, time.perf_counter() - p0 >= 0.02, time.time() >= t0)
print(type(time.time()).__name__, type(time.monotonic()).__name__, t0 > 1.6e9)
time.sleep(0)
time.sleep(1 / 1000)
for bad in [-1, "x", None]:
    try:
        time.sleep(bad)
    except (ValueError, TypeError) as e:
        print(type(e).__name__ + ":", e)

# Sleeping threads do not hold anything: four 0.05 s sleeps in parallel threads.
def nap():
    time.sleep(0.05)


start = time.monotonic()
ts = [threading.Thread(target=nap) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
elapsed = time.monotonic() - start
print(elapsed >= 0.05, elapsed < 5)
