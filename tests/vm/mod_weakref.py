# weakref.ref: dereferencing, callbacks (once, newest first, given the weak reference), hashing,
# equality, repr, the types that cannot be weakly referenced, and gc's switches.
import gc
import weakref


class A:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return isinstance(other, A) and self.v == other.v

    def __hash__(self):
        return hash(self.v)

    def __repr__(self):
        return "A(%d)" % self.v


class Plain:
    pass


a = A(1)
r = weakref.ref(a)
print(r() is a, r().v)
print(type(r).__name__, type(r) is weakref.ref, weakref.ReferenceType is weakref.ref)
print(isinstance(r, weakref.ref), callable(r))

# repr without the addresses
text = repr(r)
print(text.startswith("<weakref at 0x"), text.split(";")[1].split(" at ")[0])


# callbacks: newest first, each once, given its weak reference
events = []


def cb1(w):
    events.append(("cb1", w is r1, w() is None))


def cb2(w):
    events.append(("cb2", w is r2, w() is None))


r1 = weakref.ref(a, cb1)
r2 = weakref.ref(a, cb2)
print(r1 is r2, r1 is r, r1() is a)
print(r1 == r2, r1 == r, hash(r1) == hash(a), hash(r) == hash(1))
del a
print(events)
print(r(), r1(), r2())
print(repr(r).split(";")[1])
gc.collect()
print(len(events))

# a dead reference keeps its hash if it had one; otherwise hashing it fails
b = A(2)
rb = weakref.ref(b)
h = hash(rb)
del b
print(hash(rb) == h)
c = A(3)
rc = weakref.ref(c)
del c
try:
    hash(rc)
except TypeError as e:
    print("TypeError:", e)

# equality: live references compare their referents, dead ones by identity
d1 = A(4)
d2 = A(4)
w1 = weakref.ref(d1)
w2 = weakref.ref(d2)
print(w1 == w2, w1 != w2, w1 is w2)
del d1
print(w1 == w2, w1 != w2, w1 == w1)

# weak references as dict keys
p1 = Plain()
p2 = Plain()
table = {weakref.ref(p1): "one", weakref.ref(p2): "two"}
print(table[weakref.ref(p1)], table[weakref.ref(p2)])

# a callback that is not called because its weak reference died first
calls = []
q = Plain()
wq = weakref.ref(q, lambda w: calls.append("should not run"))
del wq
del q
print(calls)

# a callback that raises: the exception is reported, the program goes on (stderr is not
# compared unless it is the last line, so nothing is printed here)

# the callback sees its own weak reference dead, and may create new objects
made = []
t = Plain()
wt = weakref.ref(t, lambda w: made.append(Plain()))
del t
print(len(made), wt() is None)

# objects that can be weakly referenced
def f():
    pass


def g():
    yield 1


class B:
    def m(self):
        return 0


for obj in [Plain(), f, g(), B().m, {1, 2}, Plain, gc]:
    w = weakref.ref(obj)
    print(type(obj).__name__, w() is obj)

# objects that cannot
for obj in [1, "s", (1,), None, [1], {}, 1.5, True, range(3), iter([]), object(),
            ValueError("x"), property()]:
    try:
        weakref.ref(obj)
        print("no error for", type(obj).__name__)
    except TypeError as e:
        print("TypeError:", e)

# arguments
try:
    weakref.ref()
except TypeError as e:
    print("TypeError")
try:
    weakref.ref(Plain(), None, 3)
except TypeError as e:
    print("TypeError")
w = weakref.ref(Plain(), None)
print(w())

# gc's switches
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.disable()
print(gc.isenabled())
gc.enable()
print(gc.isenabled())
# a collection still runs while disabled
gc.disable()
n = Plain()
n.me = n
wn = weakref.ref(n)
del n
gc.collect()
print(wn())
gc.enable()
