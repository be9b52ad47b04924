# weakref.WeakValueDictionary, WeakKeyDictionary and finalize: entries go away with their
# objects (by reference counting and by the collector), finalizers run once, at death, by
# hand or at exit.
import gc
import weakref


class Obj:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "Obj(" + self.name + ")"


# ---- WeakValueDictionary ----
d = weakref.WeakValueDictionary()
a, b, c = Obj("a"), Obj("b"), Obj("c")
d["a"] = a
d["b"] = b
d[3] = c
print(len(d), sorted(str(k) for k in d), d["a"], d.get("b"), d.get("zz", "default"))
print("a" in d, "zz" in d, sorted(str(k) for k in d.keys()), sorted(o.name for o in d.values()))
del a
print(len(d), "a" in d, d.get("a"))
try:
    d["a"]
except KeyError as e:
    print("KeyError", e)
b.me = b  # a cycle: gone only after a collection
del b
gc.collect()
print(len(d), sorted(str(k) for k in d))
print(sorted((str(k), v.name) for k, v in d.items()))
print(d.pop(3).name, len(d), d.pop(3, "gone"))
x = Obj("x")
print(d.setdefault("x", x) is x, d.setdefault("x", Obj("y")) is x)
d.update({"p": x}, q=x)
print(sorted(d.keys()), len(d.valuerefs()))
d["x"] = Obj("temp")  # replaced by a value that dies at once: its callback removes "x"
print(sorted(d.keys()))
d2 = d.copy()
print(sorted(d2.keys()), d2 == d)
del d["p"]
print(sorted(d.keys()))
d.clear()
print(len(d), list(d.items()))
print(repr(d).startswith("<WeakValueDictionary at 0x"))

# ---- WeakKeyDictionary ----
k = weakref.WeakKeyDictionary()
o1, o2, o3 = Obj("1"), Obj("2"), Obj("3")
k[o1] = "one"
k[o2] = "two"
k[o3] = [o3]  # the value refers to its own key: kept alive by the dictionary, as in CPython
print(len(k), k[o1], k.get(o2), k.get(Obj("z"), "none"), o1 in k, Obj("z") in k, 5 in k)
print(sorted(o.name for o in k), sorted(k.values(), key=str))
del o1
print(len(k), sorted(o.name for o in k.keys()))
o2.me = o2
del o2
gc.collect()
print(len(k), sorted((o.name, str(v)) for o, v in k.items()))
print(k.pop(o3)[0] is o3, len(k), k.pop(o3, "missing"))
k[o3] = 1
k.update({o3: 2})
print(k[o3], k.setdefault(o3, 5), len(k.keyrefs()))
del k[o3]
print(len(k))
try:
    k[Obj("none")]
except KeyError:
    print("KeyError")
try:
    k[1] = 2
except TypeError as e:
    print("TypeError:", e)
print(repr(k).startswith("<WeakKeyDictionary at 0x"))

# ---- finalize ----
log = []


def done(*args, **kwargs):
    log.append((args, sorted(kwargs.items())))
    return "result"


f1 = Obj("f1")
fin = weakref.finalize(f1, done, "f1", extra=1)
print(fin.alive, fin.atexit, fin.peek()[0] is f1, fin.peek()[1] is done, fin.peek()[2:])
print(repr(fin).split(";")[1].split(" at ")[0])
del f1
print(fin.alive, log, fin(), fin.peek(), fin.detach())
print(repr(fin).split(";")[1])

f2 = Obj("f2")
fin2 = weakref.finalize(f2, done, "f2")
print(fin2(), fin2.alive, fin2(), log[-1])
del f2
print(len(log))

f3 = Obj("f3")
fin3 = weakref.finalize(f3, done, "f3")
obj, func, args, kwargs = fin3.detach()
print(obj is f3, func is done, args, kwargs, fin3.alive)
del obj, f3
print(len(log))

f4 = Obj("f4")
f4.me = f4
weakref.finalize(f4, done, "f4 collected")  # kept alive by the registry, not by us
del f4
gc.collect()
print(log[-1])

# finalizers still alive at exit run then, newest first, unless atexit is False
keep1, keep2, keep3 = Obj("k1"), Obj("k2"), Obj("k3")
weakref.finalize(keep1, print, "at exit: k1")
weakref.finalize(keep2, print, "at exit: k2")
weakref.finalize(keep3, print, "never: k3").atexit = False
print("end of program")
