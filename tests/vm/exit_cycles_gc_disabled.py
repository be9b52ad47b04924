# ftpy-report-leaks
# gc disabled: CPython 3.11's exit collection with the modules intact (PyGC_Collect) does
# nothing, and its later collections find the weak references below garbage together with the
# __main__ globals that hold them, so no callback runs; ftpy runs none either and still frees
# every cycle at exit (no leak report).
import gc
import weakref

gc.disable()


class A:
    pass


def make():
    a = A()
    a.me = a
    return weakref.ref(a, lambda w: print("never: callback at exit"))


keep = [make(), make()]
held = A()
held.me = held
wh = weakref.ref(held, lambda w: print("never: held"))
print("alive:", keep[0]() is not None, keep[1]() is not None, wh() is not None)
