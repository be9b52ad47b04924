# tuple and set.
t = (1, 'two', 3.0, None, (4, 5))
print(t, len(t), t[1], t[-1][0], t[1:3], t[::-1], (), (1,), tuple(), tuple([1, 2]), tuple('ab'))
print(t.index('two'), (1, 2, 1, 1).count(1), (1, 2) + (3,), (0,) * 3, 2 in (1, 2), (1, 2) < (1, 3), (1, 2) == (1, 2), (2,) > (1, 9))
a, b, c = (1, 2, 3)
print(a, b, c, hash((1, 2)) == hash((1, 2)), hash(()), hash((1, 2)), hash((1, 'a')) == hash((1, 'a')))
single = 5,
print(single, type(single).__name__, repr((('a',),)))
try:
    t[0] = 1
except TypeError as e:
    print('TypeError:', e)
try:
    (1, 2).index(3)
except ValueError as e:
    print('ValueError:', e)
try:
    hash((1, [2]))
except TypeError as e:
    print('TypeError:', e)
s = {3, 1, 2}
s.add(4)
s.add(1)
s.discard(10)
s.discard(3)
print(sorted(s), len(s), 1 in s, 3 in s, 5 not in s)
s.remove(4)
print(sorted(s))
try:
    s.remove(42)
except KeyError as e:
    print('KeyError:', e)
u = {1, 2, 3}
v = {2, 3, 4}
print(sorted(u | v), sorted(u & v), sorted(u - v), sorted(u ^ v), sorted(u.union(v, [9])), sorted(u.intersection(v)), sorted(u.difference(v)))
print(u <= {1, 2, 3, 4}, u < u, u == {3, 2, 1}, u != v, {1} < u, u > {1}, u >= u)
w = u.copy()
w.update([7, 8], {9})
print(sorted(w), sorted(u))
x = w.pop()
print(x in w, len(w))
w.clear()
print(w, set(), len(w), bool(w), set('abca') == {'a', 'b', 'c'})
print({1, 2, 3}, {5}, set([3, 3, 3]))
print(sorted({x % 3 for x in range(10)}), {1.0, 1, True}, len({(1, 2), (1, 2)}))
try:
    set().pop()
except KeyError as e:
    print('KeyError:', e)
try:
    {[1]}
except TypeError as e:
    print('TypeError:', e)
seen = set()
out = []
for ch in 'mississippi':
    if ch not in seen:
        seen.add(ch)
        out.append(ch)
print(out)
