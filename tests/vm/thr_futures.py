# concurrent.futures.ThreadPoolExecutor: submit/result, map in order, exceptions, as_completed,
# wait, the context manager.
from concurrent.futures import ThreadPoolExecutor, as_completed, wait
from concurrent.futures import FIRST_COMPLETED, ALL_COMPLETED, FIRST_EXCEPTION
import threading


def square(x):
    return x * x


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a


def fails(x):
    if x == 3:
        raise ValueError(f"no {x}")
    return x


with ThreadPoolExecutor(max_workers=4) as ex:
    futs = [ex.submit(square, i) for i in range(20)]
    print([f.result() for f in futs])
    print(list(ex.map(fib, range(15))))
    print(list(ex.map(lambda a, b: a + b, [1, 2, 3], [10, 20, 30, 40])))
    f = ex.submit(fails, 3)
    try:
        f.result()
    except ValueError as e:
        print("ValueError:", e, f.done(), type(f.exception()).__name__)
    print(ex.submit(fails, 4).result(timeout=30), ex.submit(fails, 4).exception())
    done_values = sorted(f.result() for f in as_completed([ex.submit(square, i) for i in range(10)]))
    print(done_values)
    fs = [ex.submit(fib, n) for n in (10, 20, 30)]
    done, not_done = wait(fs)
    print(sorted(f.result() for f in done), len(not_done))
    it = ex.map(fails, range(6))
    got = []
    try:
        for v in it:
            got.append(v)
    except ValueError as e:
        print("map raised at item 3:", got, e)
    kw = ex.submit(dict, a=1, b=2)
    print(sorted(kw.result().items()))

names = set()
lock = threading.Lock()


def record():
    with lock:
        names.add(threading.current_thread().name.split("_")[0][:18])
    return threading.current_thread().name.startswith("ThreadPoolExecutor-")


ex = ThreadPoolExecutor(2)
print(all(ex.submit(record).result() for _ in range(10)), sorted(names))
ex.shutdown()
try:
    ex.submit(square, 2)
except RuntimeError as e:
    print("RuntimeError:", e)

gate = threading.Event()
with ThreadPoolExecutor(max_workers=3) as ex2:
    slow = ex2.submit(gate.wait)
    quick = ex2.submit(square, 7)
    done, not_done = wait([slow, quick], return_when=FIRST_COMPLETED)
    print("first completed:", [f.result() for f in done], len(not_done))
    bad = ex2.submit(fails, 3)
    done, not_done = wait([slow, bad], return_when=FIRST_EXCEPTION)
    print("first exception:", [type(f.exception()).__name__ for f in done], len(not_done))
    gate.set()
    done, not_done = wait([slow, quick, bad], return_when=ALL_COMPLETED)
    print("all:", len(done), len(not_done))
