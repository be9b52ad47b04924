# Generators and threads: private generators per thread, a shared generator behind a lock,
# and a shared generator driven without a lock (ValueError "generator already executing" is
# retried: no item is lost or repeated).
import threading


def counter(n):
    for i in range(n):
        yield i


def squares(n):
    yield from (i * i for i in range(n))


lock = threading.Lock()
totals = []


def private(k):
    s = sum(squares(1000 + k))
    with lock:
        totals.append(s)


ts = [threading.Thread(target=private, args=(k,)) for k in range(6)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(totals))

shared = counter(5000)
taken = []


def take_locked():
    mine = []
    while True:
        with lock:
            v = next(shared, None)
        if v is None:
            break
        mine.append(v)
    with lock:
        taken.extend(mine)


ts = [threading.Thread(target=take_locked) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(taken), sorted(taken) == list(range(5000)))

unlocked = counter(5000)
got = []
busy = [0]


def take_unlocked():
    mine = []
    while True:
        try:
            v = next(unlocked)
        except StopIteration:
            break
        except ValueError as e:
            if str(e) != "generator already executing":
                raise
            with lock:
                busy[0] += 1
            continue
        mine.append(v)
    with lock:
        got.extend(mine)


ts = [threading.Thread(target=take_unlocked) for _ in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(len(got), sorted(got) == list(range(5000)))
