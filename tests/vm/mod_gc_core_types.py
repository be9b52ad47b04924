# Cycles through the objects ftpy builds on ftcore's own types are collected by gc.collect():
# a queue.Queue whose item refers back to the queue, a Future whose result refers back to the
# future, a threading.local whose attribute refers back to the local. Each case keeps only a
# weak reference, checks it is alive before the collection (reference counting cannot free a
# cycle) and dead after it; the same holders kept from outside survive with their contents.
import gc
import queue
import threading
import weakref
from concurrent.futures import Future

gc.disable()  # only the explicit collections below run


class Node:
    def __init__(self, name):
        self.name = name


def check(label, r):
    before = r() is not None
    gc.collect()
    print(label, before, r() is None)


# queue.Queue: the item refers to the queue
q = queue.Queue()
n = Node("queued")
n.q = q
q.put(n)
r = weakref.ref(n)
del n, q
check("queue item", r)

# SimpleQueue, two items, both referring back
sq = queue.SimpleQueue()
for i in range(2):
    m = Node(i)
    m.q = sq
    sq.put(m)
rs = weakref.ref(m)
del m, sq
check("simple queue items", rs)

# Future: the result refers to the future
f = Future()
n = Node("result")
n.f = f
f.set_result(n)
r = weakref.ref(n)
del n, f
check("future result", r)

# threading.local: the attribute refers to the local
loc = threading.local()
n = Node("local")
n.loc = loc
loc.attr = n
r = weakref.ref(n)
del n, loc
check("local attribute", r)

# held from outside: everything survives a collection, contents intact
q = queue.Queue()
n = Node("kept")
n.q = q
q.put(n)
f = Future()
f.set_result(Node("kept result"))
f.result().f = f
loc = threading.local()
loc.attr = Node("kept attr")
loc.attr.loc = loc
del n
gc.collect()
item = q.get_nowait()
print(item.name, item.q is q)
print(f.result().name, f.result().f is f)
print(loc.attr.name, loc.attr.loc is loc)
q.put(item)
r1, r2, r3 = weakref.ref(item), weakref.ref(f.result()), weakref.ref(loc.attr)
del item, q, f, loc
gc.collect()
print("after dropping the holders", r1() is None, r2() is None, r3() is None)
