# Closures run by other threads: free variables (cells) made by one thread and read, and
# written through nonlocal under a lock, by others; lambdas as targets; a closure-based pool.
import threading
from concurrent.futures import ThreadPoolExecutor


def main():
    data = list(range(100))
    factor = 3
    results = {}
    lock = threading.Lock()
    total = 0

    def worker(k):
        nonlocal total
        part = sum(v * factor for v in data[k::4])
        with lock:
            results[k] = part
            total += part

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(sorted(results.items()), total == sum(data) * factor)

    seen = []
    ts = [threading.Thread(target=lambda k=k: seen.append(k * factor)) for k in range(5)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(sorted(seen))

    def make_adder(n):
        def add(x):
            return x + n
        return add

    adders = [make_adder(n) for n in range(5)]
    with ThreadPoolExecutor(max_workers=3) as ex:
        print(list(ex.map(lambda f: f(100), adders)))
        print(ex.submit(lambda: [v for v in data if v % 25 == 0]).result())

    counter = 0
    barrier = threading.Barrier(4)

    def bump():
        nonlocal counter
        barrier.wait()
        for _ in range(1000):
            with lock:
                counter += 1

    ts = [threading.Thread(target=bump) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    print(counter)


main()
