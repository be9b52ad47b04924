# threading.Event: set, clear, is_set, wait with and without timeout, many waiters.
import threading

ev = threading.Event()
print(ev.is_set(), ev.wait(0), ev.wait(timeout=0.01))
started = []
woke = []
lock = threading.Lock()
all_started = threading.Event()


def waiter(k):
    with lock:
        started.append(k)
        if len(started) == 6:
            all_started.set()
    r = ev.wait()
    with lock:
        woke.append((k, r))


ts = [threading.Thread(target=waiter, args=(k,)) for k in range(6)]
for t in ts:
    t.start()
all_started.wait()
ev.set()
for t in ts:
    t.join()
print(sorted(woke))
print(ev.is_set(), ev.wait(), ev.wait(0))
ev.clear()
print(ev.is_set(), ev.wait(0.001))

# Ping-pong between two threads with two events.
ping = threading.Event()
pong = threading.Event()
trace = []


def player():
    for i in range(5):
        ping.wait()
        ping.clear()
        trace.append(f"pong{i}")
        pong.set()


p = threading.Thread(target=player)
p.start()
for i in range(5):
    trace.append(f"ping{i}")
    ping.set()
    pong.wait()
    pong.clear()
p.join()
print(trace)
