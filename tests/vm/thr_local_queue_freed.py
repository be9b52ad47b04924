# A threading.local and a queue.Queue used by several threads are released with what they hold
# once the program drops them: each thread's value in the local goes when that thread ends, the
# creating thread's value and every item left in the queue once both are dropped (after gc.collect() at the latest: in the nogil build both are
# hot objects, counted per thread and freed by the collector).
import gc
import queue
import threading
import weakref


class Value:
    def __init__(self, n):
        self.n = n


refs = []
loc = threading.local()
q = queue.Queue()
loops_done = threading.Barrier(2)
barrier = threading.Barrier(3)


def worker(k):
    v = Value(k)
    refs.append(weakref.ref(v))
    loc.v = v
    for i in range(2000):
        if loc.v.n != k:
            raise RuntimeError("another thread's value")
        q.put(i)
        q.get()
    loops_done.wait()  # no get runs any more: the items below stay in the queue
    item = Value(100 + k)
    refs.append(weakref.ref(item))
    q.put(item)
    barrier.wait()  # both threads' values are in the local and the queue now


threads = [threading.Thread(target=worker, args=(k,)) for k in range(2)]
for t in threads:
    t.start()
barrier.wait()
for t in threads:
    t.join()
main_v = Value(-1)
refs.append(weakref.ref(main_v))
loc.v = main_v
del main_v
# The workers' values went with their threads; the queued items and main's value are alive.
alive = sorted(r().n for r in refs if r() is not None)
print(q.qsize(), len(refs), alive)
del loc, q
gc.collect()
print([r() for r in refs if r() is not None])
