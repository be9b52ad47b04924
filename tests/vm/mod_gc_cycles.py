# Reference cycles are collected by gc.collect(): each case builds a cycle, keeps only a weak
# reference to one of its objects, drops the strong ones and checks the weak reference is still
# alive (a cycle is not freed by reference counting) and then dead after the collection.
import gc
import weakref

gc.disable()  # only the explicit collections below run


class Node:
    def __init__(self, name):
        self.name = name

    def method(self):
        return self.name


def check(label, r):
    before = r() is not None
    gc.collect()
    print(label, before, r() is None)


# an instance that refers to itself
n = Node("self")
n.me = n
r = weakref.ref(n)
del n
check("self-cycle", r)

# a doubly linked list of 50 nodes
head = Node(0)
prev = head
refs = [weakref.ref(head)]
for i in range(1, 50):
    nd = Node(i)
    nd.prev = prev
    prev.next = nd
    refs.append(weakref.ref(nd))
    prev = nd
print("list alive", sum(1 for w in refs if w() is not None))
del head, prev, nd
print("after del", sum(1 for w in refs if w() is not None))
gc.collect()
print("after collect", sum(1 for w in refs if w() is not None))


# a closure cell holding its own function
def outer():
    def f():
        return f
    return f


f = outer()
print(f() is f)
r = weakref.ref(f)
del f
check("closure cell", r)

# a cycle through a dict and a list
x = Node("dl")
x.d = {"items": [1, 2, x]}
r = weakref.ref(x)
del x
check("dict and list", r)

# a list holding itself and a dict holding itself, reachable from an instance
y = Node("containers")
lst = [y]
lst.append(lst)
dct = {"y": y}
dct["self"] = dct
y.keep = (lst, dct)
r = weakref.ref(y)
del y, lst, dct
check("self-referencing containers", r)

# a bound method stored on its own instance
z = Node("bound")
z.m = z.method
print(z.m())
r = weakref.ref(z)
del z
check("bound method", r)

# a suspended generator whose frame holds the object that holds the generator
def gen(box):
    yield box.name
    yield box.name


b = Node("gen")
b.g = gen(b)
print(next(b.g))
r = weakref.ref(b)
rg = weakref.ref(b.g)
del b
check("generator frame", r)
print("generator dead", rg() is None)

# a generator that was never started: its arguments are in its frame already
b = Node("gen2")
b.g = gen(b)
r = weakref.ref(b)
del b
check("unstarted generator", r)

# an exception in a cycle: its args and its attributes
class MyError(Exception):
    pass


e = MyError("boom")
holder = Node("exc")
holder.err = e
e.holder = holder
r = weakref.ref(holder)
del e, holder
check("exception attribute", r)

holder = Node("exc-args")
holder.err = MyError(holder)
r = weakref.ref(holder)
del holder
check("exception args", r)

# an exception caught and stored: __context__ points at the one it was raised while handling
holder = Node("ctx")
try:
    try:
        raise ValueError("first")
    except ValueError as first:
        holder.first = first
        first.holder = holder
        raise KeyError("second")
except KeyError as second:
    holder.second = second
print(type(holder.second.__context__).__name__)
r = weakref.ref(holder)
del holder
check("exception context", r)

# a cycle through a set and a tuple
s = Node("set")
s.s = {(1, s)}
r = weakref.ref(s)
del s
check("set and tuple", r)

# a property, a staticmethod and a classmethod hold functions; a cycle through them
def getter(self):
    return 1


p = Node("prop")
p.props = [property(getter), staticmethod(getter), classmethod(getter)]
getter.owner = p
r = weakref.ref(p)
del p, getter
check("descriptors", r)

# iterators hold their source
it = Node("iter")
it.lst = [it]
it.i = iter(it.lst)
it.e = enumerate(it.lst)
it.z = zip(it.lst, it.lst)
it.m = map(len, [it.lst])
it.f = filter(None, it.lst)
it.d = iter({1: it})
it.k = {1: it}.items()
it.c = iter(lambda: it, None)
r = weakref.ref(it)
del it
check("iterators", r)

# an instance of a subclass of a builtin type that holds references
class MyEnumerate(enumerate):
    pass


me = Node("subclass")
me.e = MyEnumerate([me])
me.e.back = me
r = weakref.ref(me)
del me
check("builtin subclass", r)

# something still reachable is not collected, and its cycle stays intact
keep = Node("kept")
keep.me = keep
keep.child = Node("child")
keep.child.parent = keep
r = weakref.ref(keep.child)
gc.collect()
print("kept", r() is not None, keep.me is keep, keep.child.parent.name)
del keep
check("kept then dropped", r)

# collect returns a count; a cycle makes it positive
a = Node("count")
a.me = a
del a
print(gc.collect() > 0)
