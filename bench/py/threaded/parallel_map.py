# concurrent.futures.ThreadPoolExecutor.map over CPU-bound tasks.
# Usage: parallel_map.py THREADS TASKS. Self-checking: results equal the serial computation.
import sys
import time
from concurrent.futures import ThreadPoolExecutor


def task(seed):
    # Count primes below a bound that depends on the seed (pure computation).
    bound = 2000 + seed % 7
    count = 0
    for n in range(2, bound):
        d = 2
        prime = True
        while d * d <= n:
            if n % d == 0:
                prime = False
                break
            d += 1
        if prime:
            count += 1
    return count


def main():
    nthreads = int(sys.argv[1])
    ntasks = int(sys.argv[2])
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=nthreads) as ex:
        results = list(ex.map(task, range(ntasks)))
    elapsed = time.perf_counter() - t0
    expected = {s: task(s) for s in range(7)}
    assert results == [expected[s % 7] for s in range(ntasks)]
    print(f"parallel_map {nthreads} seconds={elapsed:.6f} total={sum(results)}")


main()
