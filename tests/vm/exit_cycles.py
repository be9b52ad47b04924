# ftpy-report-leaks
# A program that leaves reference cycles alive at exit: instances in a cycle held by module
# globals, a closure cell holding its function, classes in cycles with their instances, self-
# containing dicts and lists, a Future whose done callback refers back to it, a suspended
# generator, a saved exception (its traceback's frames), a threading.local and a queue holding
# themselves. ftpy's exit releases the globals and collects: ftcore's leak report
# (FTC_REPORT_LEAKS=1) stays silent. What the program prints matches CPython 3.11, whose exit
# collection (gc enabled, every module intact) runs the callbacks of weak references that are
# still alive to cycles the program dropped, and none for weak references held by the globals
# it clears afterwards.
import gc
import queue
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor

# No automatic collection (in both interpreters, whose thresholds differ): the dropped cycles
# below are then freed by the exit collection, which still runs (gc.isenabled() is True).
gc.set_threshold(0)


class Node:
    registry = []

    def __init__(self, name):
        self.name = name
        self.peers = [self]
        Node.registry.append(self)


a = Node("a")
b = Node("b")
a.peers.append(b)
b.peers.append(a)


class Meta:
    pass


Meta.me = Meta
Meta.inst = Meta()
Meta.inst.me = Meta.inst


def outer():
    x = []

    def inner():
        return x, inner

    x.append(inner)
    return inner


f = outer()


def gen():
    got = yield 1
    yield got


g = gen()
next(g)
try:
    raise ValueError("saved")
except ValueError as e:
    saved = e
d = {}
d["d"] = d
lst = [1]
lst.append(lst)
fut = Future()
fut.add_done_callback(lambda x: fut)
with ThreadPoolExecutor(2) as ex:
    r = ex.submit(lambda: a).result()
q = queue.Queue()
q.put(q)
loc = threading.local()
loc.me = loc
t = threading.Thread(target=lambda: None)
t.start()
t.join()

# weak references held by the globals to objects in the globals' cycles: their referents die
# only when the globals are cleared, after the callbacks stopped (CPython: the weak
# references die with the same globals first)
wa = weakref.ref(a, lambda w: print("never: a"))
wm = weakref.ref(Meta.inst, lambda w: print("never: Meta.inst"))

# weak references kept alive (in a global list) to cycles the program dropped: the exit
# collection frees the cycles and runs these callbacks, after the program's last output
keep = []


def dropped_cycle(tag):
    c = Node(tag)
    Node.registry.remove(c)
    keep.append(weakref.ref(c, lambda w: print("exit collection freed a dropped cycle")))


dropped_cycle("x")
dropped_cycle("y")

# weakref.finalize runs at exit for an object still alive, before the exit collection
weakref.finalize(b, print, "finalize at exit:", "b")
print("end of program")
