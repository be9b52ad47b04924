# Futures finished by worker threads while the main thread adds done callbacks that close over
# objects referring back to their futures, and collects: every callback runs exactly once (in
# the worker or, if the future was done already, in the main thread), none runs for a future
# that is collected unfinished, and after the last collection every such cycle is gone.
import gc
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor

N = 200
lock = threading.Lock()
runs = {}
dead = []


class Box:
    def __init__(self, i):
        self.i = i


def on_dead(w):
    dead.append(1)


def work(i):
    return i * i


def attach(f, i, refs):
    b = Box(i)
    b.f = f  # future -> callback -> b -> future

    def cb(fut):
        with lock:
            runs[b.i] = runs.get(b.i, 0) + 1
        assert fut.result() == b.i * b.i

    f.add_done_callback(cb)
    refs.append(weakref.ref(b, on_dead))


refs = []
with ThreadPoolExecutor(max_workers=2) as ex:
    for i in range(N):
        attach(ex.submit(work, i), i, refs)
        if i % 50 == 0:
            gc.collect()
print("callbacks:", len(runs), all(v == 1 for v in runs.values()))

# Futures nobody finishes, in cycles through their callbacks: collected, callbacks never run.
never = []
for i in range(N):
    f = Future()
    b = Box(i)
    b.f = f
    f.add_done_callback(lambda fut, b=b: never.append(b.i))
    refs.append(weakref.ref(b, on_dead))
del f, b
gc.collect()
gc.collect()
print("never ran:", never)
print("all boxes dead:", all(r() is None for r in refs), len(dead) == 2 * N)
