# Tuple displays of constants are one constant of the code (CPython's AST optimizer folds
# them; ftpy's compiler does too): the same object on every evaluation, shared by threads
# without being rebuilt. Displays with a name, a call or a starred item are built each time.
import threading


def consts():
    return (1, 2, 3)


def nested():
    return ((1, "a"), (2.5, None), (True, (False, ...)))


def one():
    return ("x",)


def built(x):
    return (x, 1)


def starred(a):
    return (*a, 1)


print(consts() is consts(), consts())
print(nested() is nested(), nested()[0] is nested()[0], nested())
print(one() is one(), one())
print(built(1) is built(1), built(1) == built(1), built(1))
print(starred([0]) is starred([0]), starred([0]))

a, b, c = (1, 2, 3)
print(a, b, c)
total = 0
for x in (10, 20, 30):
    total += x
print(total, 20 in (10, 20, 30), (1, 2) < (1, 3), hash((1, 2, 3)) == hash(consts()))

t = (1, 2)
u = t
t += (3,)
print(t, u, t is u)
d = {(1, 2): "pair"}
print(d[(1, 2)], (1, 2) in d)


# Two threads evaluating the same constant tuple many times see the same object and values.
results = []
lock = threading.Lock()


def worker():
    seen = set()
    for _ in range(20000):
        t = (1, 2, 3)
        if t != (1, 2, 3):
            raise RuntimeError("bad tuple")
        seen.add(id(consts()))
    with lock:
        results.append(len(seen))


threads = [threading.Thread(target=worker) for _ in range(2)]
for th in threads:
    th.start()
for th in threads:
    th.join()
print(results)
