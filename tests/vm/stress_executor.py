# Stress: several threads share one ThreadPoolExecutor, submitting, mapping and waiting at
# once; done callbacks from many workers append to one list; every result arrives once.
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed, wait

N = 4
PER = 300
ex = ThreadPoolExecutor(max_workers=4)
callbacks = []
sums = []
lock = threading.Lock()
go = threading.Barrier(N)


def cube(x):
    return x * x * x


def client(k):
    go.wait()
    futs = [ex.submit(cube, k * PER + i) for i in range(PER)]
    for f in futs[::10]:
        f.add_done_callback(lambda fut: callbacks.append(fut.result()))
    total = sum(f.result() for f in as_completed(futs))
    mapped = sum(ex.map(cube, range(k * PER, (k + 1) * PER)))
    done, not_done = wait(futs)
    with lock:
        sums.append((k, total == mapped, len(done), len(not_done)))


ts = [threading.Thread(target=client, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
ex.shutdown()
print(sorted(sums))
print(len(callbacks), sum(callbacks) == sum(cube(k * PER + i) for k in range(N) for i in range(0, PER, 10)))

# Executors created and shut down from several threads at once.
made = []


def churn(k):
    for r in range(5):
        with ThreadPoolExecutor(max_workers=2) as e:
            v = e.submit(sum, range(k + r)).result()
        with lock:
            made.append(v)


ts = [threading.Thread(target=churn, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(made), sum(made))
