# Stress: many threads store into shared dicts (dict[k] = v, setdefault, pop); each single
# operation is atomic, so the final contents are exact.
import threading

N = 8
PER = 3000
d = {}
go = threading.Barrier(N)


def writer(k):
    go.wait()
    for i in range(PER):
        d[k * PER + i] = k
        d[f"s{i % 100}"] = i % 100


ts = [threading.Thread(target=writer, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(d), sum(1 for k in d if isinstance(k, int)), sorted(set(d[f"s{i}"] - i for i in range(100))))

counts = {}
go2 = threading.Barrier(N)
lists = {}


def setdefaulter(k):
    go2.wait()
    for i in range(PER):
        lists.setdefault(i % 50, []).append(k)


ts = [threading.Thread(target=setdefaulter, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(lists), sum(len(v) for v in lists.values()), sorted(set(len(v) for v in lists.values())))

popped = []
lock = threading.Lock()
go3 = threading.Barrier(N)


def popper(k):
    mine = 0
    go3.wait()
    for key in range(N * PER):
        if d.pop(key, None) is not None:
            mine += 1
    with lock:
        popped.append(mine)


ts = [threading.Thread(target=popper, args=(k,)) for k in range(N)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sum(popped), len(d))

# get/in/len from readers while writers add and delete keys.
stop = threading.Event()
errors = []
shared = {i: i for i in range(100)}


def churn(k):
    for r in range(300):
        for i in range(k, 100, N):
            shared[i] = i
            del shared[i]
            shared[i] = i


def read():
    while not stop.is_set():
        for i in range(100):
            v = shared.get(i)
            if v is not None and v != i:
                errors.append((i, v))
        _ = len(shared)
        _ = 5 in shared


rs = [threading.Thread(target=read) for _ in range(2)]
ws = [threading.Thread(target=churn, args=(k,)) for k in range(N)]
for t in rs + ws:
    t.start()
for t in ws:
    t.join()
stop.set()
for t in rs:
    t.join()
print("errors", errors, len(shared), sorted(shared) == list(range(100)))
