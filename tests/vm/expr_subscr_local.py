# A subscript of a local variable (x[k], x a local) reads the container from the local itself,
# without pushing it (compile.c's CHECK_FAST / BINARY_SUBSCR_FAST): results, errors and their
# order must be CPython's: an unbound container fails before its key is evaluated, keys that
# consume the container ((-x[0]), x[x[1]]), errors raised by the subscript, and __getitem__
# that drops every other reference to the container.
def f(x, i, d, t, s):
    r = []
    r.append(x[i])
    r.append(x[i % 3])
    r.append((-x[0]))
    r.append(x[x[1]])
    r.append(x[i] + x[i + 1] * x[-1])
    r.append(d["k"])
    r.append(d[t[0]])
    r.append(t[1])
    r.append(s[1:3])
    r.append(x[len(x) - 1])
    r.append(x[i] if i else x[0])
    return r
print(f([5, 1, 7, 9], 1, {"k": 3, 2: 4}, (2, 5), "hello"))
def neg(v):
    return (-v)[0] if False else -v[0]
print(neg([3]))
def unb():
    try:
        print(y[print("key evaluated")])
    except UnboundLocalError as e:
        print("ULE", e)
    y = [1]
    print(y[0])
unb()
def errs(x):
    for k in (0, 5, "a", -1):
        try:
            print(x[k])
        except (IndexError, TypeError, KeyError) as e:
            print(type(e).__name__, e)
errs([1, 2])
errs({"a": 1})
errs((9,))
class G:
    def __getitem__(self, k):
        global keep
        keep = None
        return k * 2
keep = G()
def drop():
    g = keep
    return g[21], g[g[1]]
print(drop())


# Stores: x[key] = v with x a local (STORE_SUBSCR_FAST); v is evaluated first, then the
# unbound check of x, then the key.
def stores(x, d, i):
    x[i] = "a"
    x[i % 2 - 1] = x[0]
    x[-x[4]] = -1
    d[i * 2] = x[i]
    d["k" + str(i)] = d[i * 2]
    return x, sorted(d.items(), key=str)


print(stores([0, 1, 2, 3, 1], {}, 2))


def store_errs(x):
    for k in (9, "s", -9):
        try:
            x[k] = 0
        except (IndexError, TypeError) as e:
            print(type(e).__name__, e)
    print(x)


store_errs([1, 2])
store_errs((1, 2))


def store_unbound():
    try:
        z[print("key evaluated")] = print("value evaluated")
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    z = {}
    z[1] = 2
    print(z)


store_unbound()


class S:
    def __setitem__(self, k, v):
        global keep2
        keep2 = None
        print("set", k, v)


keep2 = S()


def store_drop():
    s = keep2
    s[1] = 2
    s[s is None] = 3


store_drop()
