# import forms for the built-in modules.
import math
import sys
import time as t
import threading, queue
import concurrent.futures
from math import sqrt, pi as PI, floor
from queue import Queue, Empty
from concurrent.futures import ThreadPoolExecutor
print(math.sqrt(16), sqrt(2), PI, math.pi == PI, floor(2.7), math.floor(-2.5), math.ceil(2.1))
print(type(sys.argv).__name__, len(sys.argv), sys.argv[0].endswith('stmt_import.py'))
print(isinstance(t.time(), float), t.monotonic() <= t.monotonic(), t.perf_counter() >= 0)
print(threading.current_thread().name, queue.Queue().empty(), Queue().qsize())
try:
    Queue().get_nowait()
except Empty:
    print('Empty raised')
with ThreadPoolExecutor(max_workers=2) as ex:
    print(ex.submit(pow, 2, 10).result())
with concurrent.futures.ThreadPoolExecutor(2) as ex2:
    print(sorted(ex2.map(abs, [-3, 2, -1])))
def uses_import():
    import math as m2
    from math import gcd
    return m2.e > 2.7, gcd(12, 18)
print(uses_import())
print(math.isqrt(17), math.gcd(0, 5), math.exp(0), math.log(1), math.sin(0), math.cos(0), math.atan2(0, 1), math.inf > 1e308)
