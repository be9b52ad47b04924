# threading.Condition: producer/consumer, wait_for, notify(n), notify_all, timeouts, errors.
import threading

cond = threading.Condition()
items = []
consumed = []
DONE = object()


def consumer(k):
    got = []
    while True:
        with cond:
            cond.wait_for(lambda: len(items) > 0)
            x = items.pop(0)
            if x is DONE:
                items.append(DONE)
                cond.notify_all()
                break
            got.append(x)
    with cond:
        consumed.extend(got)


cs = [threading.Thread(target=consumer, args=(k,)) for k in range(4)]
for t in cs:
    t.start()
for i in range(200):
    with cond:
        items.append(i)
        cond.notify()
with cond:
    items.append(DONE)
    cond.notify_all()
for t in cs:
    t.join()
print(len(consumed), sorted(consumed) == list(range(200)))

c2 = threading.Condition(threading.Lock())
with c2:
    print("wait timeout ->", c2.wait(0.01))
    print("wait_for timeout ->", c2.wait_for(lambda: False, timeout=0.01))
    print("wait_for value ->", c2.wait_for(lambda: 7))
try:
    c2.wait()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    c2.notify()
except RuntimeError as e:
    print("RuntimeError:", e)
try:
    c2.notify_all()
except RuntimeError as e:
    print("RuntimeError:", e)

# notify(n) wakes at most n waiters: a turnstile that counts who got through.
gate = threading.Condition()
ready = []
passed = []
go = [0]


def waiter(k):
    with gate:
        ready.append(k)
        gate.notify_all()
        gate.wait_for(lambda: go[0] > 0)
        go[0] -= 1
        passed.append(k)
        gate.notify_all()


ws = [threading.Thread(target=waiter, args=(k,)) for k in range(5)]
for t in ws:
    t.start()
with gate:
    gate.wait_for(lambda: len(ready) == 5)
    go[0] = 2
    gate.notify(2)
with gate:
    gate.wait_for(lambda: len(passed) == 2)
    print("after notify(2):", len(passed))
    go[0] = 3
    gate.notify_all()
for t in ws:
    t.join()
print("all passed:", sorted(passed))

rc = threading.Condition(threading.RLock())
with rc:
    with rc:
        print("rlock condition wait ->", rc.wait(timeout=0))
print(rc.acquire(), rc.release())
