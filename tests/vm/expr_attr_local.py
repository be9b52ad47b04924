# An attribute of a local variable (o.x) is read without a reference of its own to o
# (compile.c's LOAD_FAST_ATTR): it must behave as LOAD_FAST then LOAD_ATTR in every case that
# can reach it: an unbound local, a missing attribute inside try, properties and __getattr__
# that run Python code (even code that drops every other reference to o), a loop, and an
# uncaught error (whose traceback names the attribute's line, 85, as CPython's does).
import sys


class Box:
    def __init__(self, v):
        self.v = v

    @property
    def twice(self):
        return self.v * 2

    def __getattr__(self, name):
        return "dyn:" + name


registry = {}


class Dropper:
    def __init__(self):
        self.v = "kept"

    @property
    def drop(self):
        registry.clear()  # the dict held the only other reference to this object
        return self.v


def reads(o):
    return o.v, o.twice, o.nothing_here, o.v


print(reads(Box(3)))


def drop_all():
    o = registry["d"]
    first = o.drop
    return first, o.v


registry["d"] = Dropper()
print(drop_all(), registry)


def unbound():
    try:
        print(x.real)
    except UnboundLocalError as e:
        print("UnboundLocalError:", e)
    x = 7
    print(x.real, x.imag)


unbound()


def missing(o):
    try:
        return o.absent
    except AttributeError as e:
        return "AttributeError: " + str(e)


print(missing(5), missing("s"), missing(None))


def loop(items):
    total = 0
    for b in items:
        total += b.v
    return total


print(loop([Box(i) for i in range(10)]))


def line_of_error(o):
    return (1 +
            o.nope)




# Stores: x.name = v with x a local (STORE_FAST_ATTR): v first, then x's unbound check.
class Q:
    @property
    def ro(self):
        return 1

    def __init__(self):
        self.a = 1
        self.b = self.a + 1


def stores():
    q = Q()
    q.c = q.a + q.b
    print(q.a, q.b, q.c)
    for bad in (5, Q(), "s"):
        try:
            bad.z = 1
            bad.ro = 2
        except AttributeError as e:
            print("AttributeError", e)
    try:
        u.x = print("value evaluated")
    except UnboundLocalError as e:
        print("UnboundLocalError", e)
    u = Q()
    u.x = 1
    print(u.x)


stores()


class Dropping:
    def get(self):
        return self.__dict__.get("v")

    def put(self, value):
        registry.clear()  # the only other reference to self
        print("setter", value)
        self.__dict__["v"] = value

    v = property(get, put)


registry["x"] = Dropping()


def store_drop():
    o = registry["x"]
    o.v = 1
    o.v = 2
    return o.v


print(store_drop())

line_of_error(4)
