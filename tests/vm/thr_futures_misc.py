# Futures: done callbacks, cancel, Future used directly, timeouts, result order under load,
# shutdown(wait) runs queued work, as_completed timeout.
import concurrent.futures
from concurrent.futures import ThreadPoolExecutor, Future, CancelledError
import threading

calls = []
lock = threading.Lock()


def cb(fut):
    with lock:
        calls.append(fut.result())


block = threading.Event()
with ThreadPoolExecutor(max_workers=1) as ex:
    blocker = ex.submit(block.wait)
    queued = [ex.submit(pow, 2, i) for i in range(5)]
    for f in queued:
        f.add_done_callback(cb)
    victim = ex.submit(pow, 3, 3)
    print("cancel queued:", victim.cancel(), victim.cancelled(), victim.done())
    try:
        victim.result()
    except CancelledError:
        print("CancelledError")
    try:
        queued[0].result(timeout=0.01)
    except TimeoutError:
        print("TimeoutError while blocked", queued[0].done())
    block.set()
    print([f.result() for f in queued])
    print("cancel finished:", blocker.cancel(), blocker.result())
print(sorted(calls))

f = Future()
print(f.done(), f.running(), f.cancelled())
f.add_done_callback(lambda fut: calls.append("callback ran"))
f.set_result("hello")
print(f.result(), f.done(), calls[-1])
f.add_done_callback(lambda fut: calls.append("late callback ran at once"))
print(calls[-1])
try:
    f.set_result("again")
except concurrent.futures.InvalidStateError:
    print("InvalidStateError")
g = Future()
g.set_exception(KeyError("k"))
print(type(g.exception()).__name__, g.done())
try:
    g.result()
except KeyError as e:
    print("KeyError", e)

pending = Future()
try:
    for x in concurrent.futures.as_completed([pending], timeout=0.01):
        pass
except TimeoutError as e:
    print("TimeoutError:", e)
d, nd = concurrent.futures.wait([pending], timeout=0.01)
print(len(d), len(nd))

# shutdown(wait=True) lets queued work finish; results come back in submission order.
ex = ThreadPoolExecutor(max_workers=3)
futs = [ex.submit(sum, range(n)) for n in range(200)]
ex.shutdown(wait=True)
print(all(f.done() for f in futs), [f.result() for f in futs][-3:])

with ThreadPoolExecutor(4) as ex:
    results = list(ex.map(str, range(1000)))
print(len(results), results[:3], results[-1])

# A future whose result is None, and a callback that raises (reported, not propagated).
with ThreadPoolExecutor(2) as ex:
    n = ex.submit(lambda: None)
    print(n.result())
