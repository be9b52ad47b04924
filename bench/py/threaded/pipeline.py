# A queue.Queue pipeline: one producer, N worker threads that transform items, one collector.
# Usage: pipeline.py THREADS ITEMS. Self-checking: every item arrives exactly once, transformed.
import sys
import threading
import queue
import time


def work(x):
    # A little computation per item so that the workers, not the queue, dominate.
    acc = x
    for i in range(200):
        acc = (acc * 31 + i) % 1000003
    return acc


def main():
    nthreads = int(sys.argv[1])
    nitems = int(sys.argv[2])
    inq = queue.Queue(maxsize=256)
    outq = queue.Queue()

    def worker():
        while True:
            item = inq.get()
            if item is None:
                inq.task_done()
                return
            outq.put((item, work(item)))
            inq.task_done()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in threads:
        t.start()
    for i in range(nitems):
        inq.put(i)
    for _ in threads:
        inq.put(None)
    inq.join()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    results = {}
    while not outq.empty():
        k, v = outq.get_nowait()
        assert k not in results
        results[k] = v
    assert len(results) == nitems
    assert all(results[k] == work(k) for k in range(0, nitems, 97))
    print(f"pipeline {nthreads} seconds={elapsed:.6f} items={len(results)}")


main()
