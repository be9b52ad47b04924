# Calls of Python functions with exactly their positional parameters (the eval loop's fast
# path moves the caller's stack references into the new frame): the function and every
# argument stay alive exactly as long as something refers to them, whether the call is
# plain, a method call, on a temporary function, with a parameter captured by a closure, or
# fails (recursion limit, an exception inside). A reference taken twice keeps an object alive
# after its last use (the weak references below stay set); one dropped twice frees it early.
import sys
import weakref

events = []


class Obj:
    def __init__(self, name):
        self.name = name

    def method(self, a, b):
        return (self.name, a.name, b.name)


def note(name):
    def cb(w):
        events.append(name)
    return cb


def ident(x):
    return x


def drop(x, y):
    return 0


# arguments that only the call's stack holds (temporaries) die when the callee returns
refs = []
r = drop(Obj("t1"), Obj("t2"))
print(r, events)


def probe(x):
    refs.append(weakref.ref(x, note("probe-arg")))
    return 7


print(probe(Obj("p")), events)
events.clear()

# a returned argument survives its frame and dies with its last reference
o = ident(Obj("kept"))
w = weakref.ref(o, note("kept"))
print(o.name, w() is o, events)
del o
print(w() is None, events)
events.clear()


# a temporary function (not a module-level one) called at once: its frame holds the only
# reference, so it dies when the call returns
def make_adder(n):
    def add(x):
        return x + n
    return add


print(make_adder(3)(4))
adder = make_adder(10)
wa = weakref.ref(adder, note("adder"))
print(adder(5), wa() is adder)
del adder
print(wa() is None, events)
events.clear()


# a parameter captured by a closure (the frame's cell takes the moved argument)
def capture(v):
    refs.append(weakref.ref(v, note("cell")))

    def get():
        return v.name
    return get


getter = capture(Obj("cell"))
print(getter(), events)
del getter
print(refs[-1]() is None, events)
events.clear()

# method calls: self and the arguments move too
m = Obj("self")
a1, a2 = Obj("a1"), Obj("a2")
wm = weakref.ref(m, note("self"))
print(m.method(a1, b=a2), m.method(a1, a2))
del m
print(wm() is None, events)
events.clear()


# an exception inside the callee releases the moved arguments as its frame unwinds
def boom(x, y):
    raise ValueError(y)


t = Obj("exc-arg")
wt = weakref.ref(t, note("exc-arg"))
try:
    boom(t, 3)
except ValueError as e:
    print("ValueError", e)
del t
print(wt() is None, events)
events.clear()


# the recursion limit refuses the frame before anything moved: the caller's stack still
# holds the arguments and releases them while it unwinds
def deep(x, n):
    return deep(x, n + 1)


d = Obj("deep")
wd = weakref.ref(d, note("deep"))
try:
    deep(d, 0)
except RecursionError:
    print("RecursionError")
del d
print(wd() is None, events)
events.clear()

# wrong arity still raises CPython's messages (the general path)
try:
    drop(1)
except TypeError as e:
    print(e)
try:
    drop(1, 2, 3)
except TypeError as e:
    print(e)
print(sys.getrecursionlimit() > 0)
