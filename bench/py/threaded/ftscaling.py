# Scaling workloads in the manner of CPython's Tools/ftscalingbench: each of N threads runs the
# same function for the same number of iterations; the harness (bench/ab.py) compares the wall
# time of N threads with that of one, T1*N/TN (ideal: N with a free-threaded build on N idle
# cores; about 1 under a GIL).
#
# Usage: ftscaling.py WORKLOAD THREADS ITERATIONS
# Prints "WORKLOAD THREADS seconds=S" (from the first worker's start to the last one's end).
import sys
import threading
import time


def func():
    pass


class MyObject:
    def __init__(self):
        self.value = 1

    def method(self):
        return self.value


def pyfunction(n):
    for _ in range(n):
        func()


def pymethod(n):
    obj = MyObject()
    for _ in range(n):
        obj.method()


def module_function(n):
    for _ in range(n):
        len("abc")


def load_string_const(n):
    for _ in range(n):
        s = "this is a string constant"
        if s == "":
            raise RuntimeError


def load_tuple_const(n):
    for _ in range(n):
        t = (1, 2, 3)
        if t == ():
            raise RuntimeError


def create_pyobject(n):
    for _ in range(n):
        MyObject()


def create_closure(n):
    for _ in range(n):
        v = 1

        def inner():
            return v
        inner()


def create_dict(n):
    for _ in range(n):
        d = {"key": "value", "k2": 2}
        if not d:
            raise RuntimeError


def gen_numbers(k):
    for i in range(k):
        yield i


def generator(n):
    total = 0
    for _ in range(n // 10):
        for x in gen_numbers(10):
            total += x


tls = threading.local()


def thread_local_read(n):
    tls.x = 1
    for _ in range(n):
        y = tls.x
        y = tls.x
        y = tls.x
        y = tls.x
    return y


def mult_constant(n):
    x = 1.0
    for _ in range(n):
        x = x * 1.0000001


SHARED_DICT = {i: str(i) for i in range(100)}
SHARED_LIST = list(range(100))


def shared_dict_read(n):
    d = SHARED_DICT
    for i in range(n):
        v = d[i % 100]
        if v is None:
            raise RuntimeError


def shared_list_read(n):
    lst = SHARED_LIST
    for i in range(n):
        v = lst[i % 100]
        if v < 0:
            raise RuntimeError


class Shared:
    def __init__(self):
        self.a = 1
        self.b = "two"


SHARED_INSTANCE = Shared()


def shared_instance_attr(n):
    obj = SHARED_INSTANCE
    for _ in range(n):
        x = obj.a
        y = obj.b
        if x is None or y is None:
            raise RuntimeError


class Caller:
    def helper(self, x):
        return x + 1

    def call(self, n):
        total = 0
        for i in range(n):
            total = self.helper(total)
        return total


def method_caller(n):
    c = Caller()
    if c.call(n) != n:
        raise RuntimeError


WORKLOADS = {
    "pyfunction": pyfunction,
    "pymethod": pymethod,
    "module_function": module_function,
    "load_string_const": load_string_const,
    "load_tuple_const": load_tuple_const,
    "create_pyobject": create_pyobject,
    "create_closure": create_closure,
    "create_dict": create_dict,
    "generator": generator,
    "thread_local_read": thread_local_read,
    "mult_constant": mult_constant,
    "shared_dict_read": shared_dict_read,
    "shared_list_read": shared_list_read,
    "shared_instance_attr": shared_instance_attr,
    "method_caller": method_caller,
}


def main():
    name = sys.argv[1]
    nthreads = int(sys.argv[2])
    iters = int(sys.argv[3])
    fn = WORKLOADS[name]
    barrier = threading.Barrier(nthreads + 1)
    starts, ends = [], []

    # Each worker times itself: the main thread's clock after the barrier would start late
    # under a GIL (a worker can run its whole loop before main gets the GIL back), which
    # made a short run read as a few microseconds and the harness's calibration explode.
    def worker():
        barrier.wait()
        starts.append(time.perf_counter())
        fn(iters)
        ends.append(time.perf_counter())

    threads = [threading.Thread(target=worker) for _ in range(nthreads)]
    for t in threads:
        t.start()
    barrier.wait()
    for t in threads:
        t.join()
    elapsed = max(ends) - min(starts)
    print(f"{name} {nthreads} seconds={elapsed:.6f}")


if __name__ == "__main__":
    main()
