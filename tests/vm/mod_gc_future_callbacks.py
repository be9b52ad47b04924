# A cycle through concurrent.futures.Future.add_done_callback: the callback closes over an
# object that refers back to the future. Reference counting cannot free it; gc.collect() does,
# the pending callback never runs, and a weak reference's callback observes the collection.
# A future that is finished runs its callbacks once, in order, and then holds none of them.
import gc
import weakref
from concurrent.futures import Future

gc.disable()  # only the explicit collections below run


class Box:
    def __init__(self, name):
        self.name = name


def died(w):
    print("weakref callback: a box was collected")


# The callback closes over a box that holds the future: future -> callback -> box -> future.
def make_cycle(name):
    f = Future()
    b = Box(name)
    b.f = f
    f.add_done_callback(lambda fut: print("never:", b.name))
    return weakref.ref(b, died)


r = make_cycle("pending")
print("alive before collect:", r() is not None)
gc.collect()
print("dead after collect:", r() is None)

# Several callbacks, one of them a bound method of an object that holds the future.
class Watcher:
    def __init__(self, f):
        self.f = f

    def done(self, fut):
        print("never: watcher")


def make_watched():
    f = Future()
    w = Watcher(f)
    f.add_done_callback(w.done)
    f.add_done_callback(lambda fut: print("never: lambda", fut is f))
    return weakref.ref(w, died)


rw = make_watched()
print("watcher alive before collect:", rw() is not None)
gc.collect()
print("watcher dead after collect:", rw() is None)

# Kept from outside: the cycle survives a collection and its callbacks run once when the
# future finishes, in the order added; then the future holds no callback, so the box is
# freed by reference counting alone once the program drops it.
def add_box_callback(f, b, order):
    f.add_done_callback(lambda fut: order.append(("first", b.name, fut.result())))


def kept():
    f = Future()
    b = Box("kept")
    b.f = f
    order = []
    add_box_callback(f, b, order)
    f.add_done_callback(lambda fut: order.append(("second", fut is f)))
    rb = weakref.ref(b, died)
    del b
    gc.collect()
    print("kept box alive:", rb() is not None)
    f.set_result(42)
    print(order)
    try:
        f.set_result(43)
    except Exception as e:
        print(type(e).__name__)
    gc.collect()
    print(order)
    f.add_done_callback(lambda fut: print("added after done runs at once:", fut.result()))
    # the callbacks ran and were dropped: nothing holds the box but the first lambda's cell,
    # which went with the callback
    print("box freed once the callbacks ran:", rb() is None)


kept()

# A callback that raises is reported and the others still run; it runs once.
f = Future()
calls = []
def bad(fut):
    calls.append("bad")
    raise ValueError("boom")
f.add_done_callback(bad)
f.add_done_callback(lambda fut: calls.append("good"))
f.cancel()
print(calls, f.cancelled())
gc.collect()
print(calls)
print("end")
