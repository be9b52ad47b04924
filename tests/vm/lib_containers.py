# (lib's program: the built-in value types; keep it passing) # list, tuple, dict, set, range behaviour and errors (lib): compared with CPython.
K = 'a'
a = [5, 3, 8, 1]
a.append(7); a.insert(0, 9); a.insert(-1, 4); a.insert(100, 0)
print(a, len(a), a[0], a[-1], a[1:3], a[::2], a[::-1], a[-3:-1], a[10:])
a.sort(); print(a); a.sort(reverse=True); print(a); a.reverse(); print(a)
print(a.pop(), a.pop(0), a.pop(-2), a, a.index(5), a.count(5), 5 in a, 42 in a)
a.remove(5); print(a); a.extend(range(3)); a.extend((7, 8)); a += [1]; print(a)
b = a.copy(); b.clear(); print(a, b, [1, 2] + [3], [0] * 3, 2 * [1, 2], [] * 5)
c = list(range(10)); c[2:5] = ["x", "y"]; print(c); c[::3] = [0, 0, 0]; print(c); del c[1::2]; print(c); del c[0]; print(c)
c[1:1] = [8, 9]; print(c); c[:] = []; print(c); c[5:] = [1]; print(c)
print([1, 2] == [1, 2], [1, 2] < [1, 3], [1] < [1, 0], [2] > [1, 9], [] == [], (1, 2) < (1, 2, 0), (3,) > (2, 9))
nested = [1, [2, [3]]]; nested.append(nested); print(nested)
words = ["banana", "Apple", "cherry", "apple"]
print(sorted(words), sorted(words, key=len), sorted(words, key=lambda w: (len(w), w)), max(words, key=len))
t = (1, 2, 3, 2)
print(t, t[1:], t[::-1], t.index(2), t.count(2), t + (4,), t * 2, (1,), (), tuple([1, 2]), len(t), 2 in t)
d = {"b": 1, "a": 2}
d["c"] = 3; d["b"] = 10
print(d, len(d), d["a"], d.get("z"), d.get("z", 0), "a" in d, list(d), list(d.keys()), list(d.values()), list(d.items()))
print(d.setdefault("a", 99), d.setdefault("n", []), d.pop("c"), d.pop("zz", "dflt"), d)
print(d.popitem(), d, d.copy(), dict(a=1, b=2), dict([("x", 1), ("y", 2)]), dict({1: 2}, z=3))
d.update({"q": 1}); d.update(r=2); d.update([("s", 3)]); print(d, d.keys(), d.values(), d.items())
print({1: "int", 1.0: "float", True: "bool"}, {(1, 2): "t"}[(1, 2)], {1: 2} == {1: 2}, {1: 2} != {1: 3})
print(d.keys() & {"q", "zz"}, sorted(d.keys() | {"new"}), sorted(d.keys() - {"q"}), ("q", 1) in d.items())
del d["q"]; print(d); d.clear(); print(d, dict.fromkeys("ab", 0), {**{"a": 1}, "b": 2})
dd = {}; dd[dd.__class__.__name__] = dd; print(dd); dd.clear()
s = {3, 1, 2}
s.add(10); s.add(3); s.discard(1); s.discard(99); print(s, len(s), 3 in s, 1 in s)
print({1, 2, 3} | {3, 4}, {1, 2, 3} & {2, 3, 4}, {1, 2, 3} - {2}, {1, 2, 3} ^ {3, 4}, {1, 2} <= {1, 2, 3}, {1, 2} < {1, 2}, {1} == {1.0})
print(set(), set([3, 3, 1]), set(range(20)), set("a") == {"a"}, set([10, 20, 30, 1, 2, 3]), set((100, 8, 16, 0, 64)), {10, 20, 30, 1, 2, 3}, {100, 8, 16, 0, 64}, {5, 13, 21})
u = {1, 2}; print(u.union([3], (4,)), u.intersection({2, 5}), u.difference([1]), u.symmetric_difference({2, 9}), u.issubset([1, 2, 3]), u.issuperset({1}), u.isdisjoint({7}))
v = set(range(12)); print(v.pop(), v.pop(), v); v.update([100, 200], {-1}); print(v); v.clear(); print(v)
w = {5, 6}; w.remove(5); print(w, w.copy())
big = set(); [big.add(i * 7 % 50) for i in range(40)]; print(big)
big2 = {x * 3 for x in range(30)}; big2.difference_update(range(0, 90, 2)); print(big2)
print(list(range(5)), list(range(2, 10, 3)), list(range(10, 0, -3)), range(10)[2], range(10)[-1], range(10)[2:8:2], len(range(0, 100, 7)))
print(range(5) == range(0, 5), 3 in range(10), 10 in range(10), range(0, 10, 2).index(4), list(reversed(range(5))), range(1, 10, 2))
print(list(enumerate("abc")), list(enumerate("ab", 1)), list(zip([1, 2, 3], "ab")), list(zip()), list(map(str, [1, 2])), list(map(lambda x, y: x + y, [1, 2], [10, 20])))
print(list(filter(None, [0, 1, 2, "", "a"])), list(filter(lambda x: x % 2, range(7))), list(reversed([1, 2, 3])), list(reversed("abc")), list(reversed((1, 2))))
it = iter([1, 2, 3]); print(next(it), next(it), next(it), next(it, "end"))
print(list(iter([4, 5].pop, 4)), [x for x in {3: 1, 1: 2}], sorted({"k": 1}.items()), dict(zip("ab", range(2))))
bads = [
    lambda: [][0], lambda: [].pop(), lambda: [1].pop(5), lambda: [].remove(1), lambda: [].index(1), lambda: [1, 2].index(3),
    lambda: (1,)[5], lambda: {}[1], lambda: {}["k"], lambda: [1][K], lambda: [] + (), lambda: (1,) + [2],
    lambda: {}.popitem(), lambda: set().pop(), lambda: set().remove(1), lambda: (1, 2).index(3), lambda: hash([]),
    lambda: {[]: 1}, lambda: {[1]}, lambda: next(iter([])), lambda: range(1, 2, 0), lambda: [1, 2][1:2:0],
    lambda: list(1), lambda: iter(1), lambda: dict([(1, 2, 3)]), lambda: dict([1]), lambda: reversed(5),
    lambda: [1, 2].sort(key=1), lambda: [3, "a"].sort(), lambda: range(5)[10], lambda: range(3).index(7),
    lambda: {1: 2} < {1: 3}, lambda: list(zip([1], [1, 2], strict=True)), lambda: list(zip([1, 2], [1], strict=True)),
]
for bad in bads:
    try:
        print("no error", bad())
    except Exception as e:
        print(type(e).__name__ + ":", e)
d = {1: 1, 2: 2}
try:
    for k in d:
        d[k + 10] = 0
except RuntimeError as e:
    print("RuntimeError:", e)
s = {1, 2, 3}
try:
    for x in s:
        s.add(x + 10)
except RuntimeError as e:
    print("RuntimeError:", e)
it = iter({1: 2}.items()); print(next(it), next(it, "done"), next(it, "done"))
