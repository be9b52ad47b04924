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


line_of_error(4)
