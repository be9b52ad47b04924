# dict: insertion order, methods, views, keys of mixed types, repr.
d = {'b': 2, 'a': 1}
d['c'] = 3
d['b'] = 20
print(d, len(d), d['a'], 'a' in d, 'z' in d, 'z' not in d)
print(d.get('a'), d.get('z'), d.get('z', 0), d.setdefault('a', 100), d.setdefault('e', 5), d)
print(d.pop('e'), d.pop('zz', 'dflt'), d)
print(list(d.keys()), list(d.values()), list(d.items()))
print(d.keys(), d.values(), d.items())
k = d.keys()
d['new'] = 0
print(len(k), 'new' in k, sorted(k))
e = d.copy()
e.update({'x': 1}, y=2)
e.update([('z', 3)])
print(e, d == e, d != e)
print(e.popitem(), e.popitem(), e)
for key in d:
    print(key, d[key], end='; ')
print()
for key, value in d.items():
    print(f'{key}={value}', end=' ')
print()
del d['a']
print(d)
d.clear()
print(d, len(d), bool(d))
m = {1: 'int', 1.0: 'float', True: 'bool', (1, 2): 'tuple', None: 'none', 'k': [1, 2]}
print(m, len(m), m[1], m[(1, 2)], m[None])
print(dict(), dict(a=1, b=2), dict([(1, 2), (3, 4)]), dict({'x': 1}, y=2), dict(zip('ab', range(2))))
cnt = {}
for w in 'a b a c b a'.split():
    cnt[w] = cnt.get(w, 0) + 1
print(cnt, sorted(cnt.items(), key=lambda kv: -kv[1]))
nested = {'outer': {'inner': [1, {'deep': True}]}}
print(nested, nested['outer']['inner'][1]['deep'])
print({'q': "it's"}, {1: {2: {3: {}}}})
r = {}
r['self'] = r
print(r)
grid = {}
for i in range(3):
    for j in range(3):
        grid[i, j] = i * j
print(grid[2, 2], len(grid), list(grid)[:4])
print({k: v for k, v in sorted(grid.items()) if v})
try:
    print(d['missing'])
except KeyError as ex:
    print('KeyError:', ex, repr(ex), ex.args)
try:
    d[[1]] = 2
except TypeError as ex:
    print('TypeError:', ex)
try:
    {}.popitem()
except KeyError as ex:
    print('KeyError:', ex)
try:
    for kk in grid:
        grid[(9, kk[0])] = 0
except RuntimeError as ex:
    print('RuntimeError:', ex)
