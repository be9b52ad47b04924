# Stress: many threads append to and pop from shared lists; list.append and list.pop are
# atomic, so the final counts are exact in both builds.
import threading

N = 8
PER = 5000
shared = []
start = threading.Barrier(N)


def appender(k):
    start.wait()
    for i in range(PER):
        shared.append(k * PER + i)


ts = [threading.Thread(target=appender, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(shared), sum(shared) == sum(range(N * PER)), len(set(shared)))

popped = []
lock = threading.Lock()
start2 = threading.Barrier(N)


def popper():
    mine = []
    start2.wait()
    while True:
        try:
            mine.append(shared.pop())
        except IndexError:
            break
    with lock:
        popped.extend(mine)


ts = [threading.Thread(target=popper) for _ in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(popped), len(shared), sorted(popped) == list(range(N * PER)))

# Readers iterate and index while writers replace items; no crash, values stay in range.
data = list(range(1000))
stop = threading.Event()
bad = []


def writer(k):
    for r in range(200):
        for i in range(k, 1000, N):
            data[i] = (data[i] + 1000) % 1000


def reader():
    while not stop.is_set():
        s = 0
        for v in data:
            if v < 0 or v >= 1000:
                bad.append(v)
            s += v
        _ = data[len(data) // 2]


rs = [threading.Thread(target=reader) for _ in range(2)]
ws = [threading.Thread(target=writer, args=(k,)) for k in range(N)]
for t in rs + ws:
    t.start()
for t in ws:
    t.join()
stop.set()
for t in rs:
    t.join()
print("bad reads:", bad, "len", len(data), sorted(data) == list(range(1000)))

# extend and insert from many threads.
big = []


def extender(k):
    for i in range(500):
        big.extend([k, k])
        big.insert(0, -1)


ts = [threading.Thread(target=extender, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(big), big.count(-1), sorted(set(big)))
