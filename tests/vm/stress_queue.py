# Stress: many producers and consumers on one Queue (bounded) and one SimpleQueue; every item
# is delivered exactly once.
import queue
import threading

P = 4
C = 4
PER = 2500
q = queue.Queue(maxsize=64)
sums = []
lock = threading.Lock()


def producer(k):
    for i in range(PER):
        q.put(k * PER + i)


def consumer():
    total = 0
    n = 0
    while True:
        v = q.get()
        if v < 0:
            break
        total += v
        n += 1
    with lock:
        sums.append((n, total))


ps = [threading.Thread(target=producer, args=(k,)) for k in range(P)]
cs = [threading.Thread(target=consumer) for _ in range(C)]
for t in cs + ps:
    t.start()
for t in ps:
    t.join()
for _ in cs:
    q.put(-1)
for t in cs:
    t.join()
print(sum(n for n, _ in sums), sum(s for _, s in sums) == sum(range(P * PER)), q.qsize())

sq = queue.SimpleQueue()
got = []


def sproducer(k):
    for i in range(PER):
        sq.put((k, i))


def sconsumer():
    mine = []
    while True:
        item = sq.get()
        if item is None:
            break
        mine.append(item)
    with lock:
        got.extend(mine)


ps = [threading.Thread(target=sproducer, args=(k,)) for k in range(P)]
cs = [threading.Thread(target=sconsumer) for _ in range(C)]
for t in cs + ps:
    t.start()
for t in ps:
    t.join()
for _ in cs:
    sq.put(None)
for t in cs:
    t.join()
print(len(got), len(set(got)), sq.empty())
per_producer = {}
for k, i in got:
    per_producer.setdefault(k, []).append(i)
print(sorted((k, len(v), min(v), max(v)) for k, v in per_producer.items()))
