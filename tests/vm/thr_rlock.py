# threading.RLock: reentrancy, ownership, release errors, use through a recursive function.
import threading

r = threading.RLock()
print(r.acquire(), r.acquire(), r.acquire(blocking=False))
r.release()
r.release()
r.release()
try:
    r.release()
except RuntimeError as e:
    print("RuntimeError:", e)

other_result = []


def try_other():
    other_result.append(r.acquire(blocking=False))
    other_result.append(r.acquire(timeout=0.01))


r.acquire()
t = threading.Thread(target=try_other)
t.start()
t.join()
print("other thread while held:", other_result)


def release_other():
    try:
        r.release()
    except RuntimeError as e:
        other_result.append(str(e))


t = threading.Thread(target=release_other)
t.start()
t.join()
print(other_result[-1])
r.release()

total = []


def visit(node, depth):
    with r:
        total.append(depth)
        for child in node:
            visit(child, depth + 1)


tree = [[[], [[]]], [], [[[[]]]]]


def walker(k):
    for _ in range(50):
        visit(tree, 0)


threads = [threading.Thread(target=walker, args=(k,)) for k in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(total), sum(total), max(total))

with r:
    with r:
        print("nested with ok")
print(r.acquire(blocking=False))
r.release()
