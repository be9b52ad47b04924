# List, dict, set comprehensions and generator expressions: nesting, conditions, scoping.
print([x * 2 for x in range(5)], [x for x in range(20) if x % 3 == 0 if x % 2 == 0])
print([(x, y) for x in range(3) for y in range(x)], [[y for y in range(x)] for x in range(4)])
print({x: x * x for x in range(5)}, {k: v for k, v in zip('abc', range(3)) if v != 1})
print(sorted({x % 4 for x in range(20)}), sorted({c for c in 'hello world' if c.isalpha()}))
print(list(x for x in 'ab'), tuple(x + 1 for x in (1, 2)), sum(x * x for x in range(4)), dict((x, str(x)) for x in range(2)))
matrix = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
print([row[i] for i in range(3) for row in matrix], [[row[i] for row in matrix] for i in range(3)])
print([v for row in matrix for v in row if v % 2], [sum(row) for row in matrix])
words = ['apple', 'bob', 'kayak', 'level', 'python']
print([w for w in words if w == w[::-1]], {w: len(w) for w in words}, {len(w) for w in words} == {3, 5, 6})
x = 'outer'
print([x for x in range(2)], x)
n = 10
print([n + i for i in range(3)], [[n * j for j in range(i)] for i in range(3)])
def make():
    base = 100
    return [lambda k=k: base + k for k in range(3)]
print([f() for f in make()])
print([i if i % 2 else -i for i in range(6)], ['even' if i % 2 == 0 else 'odd' for i in range(3)])
print([(i, c) for i, c in enumerate('xyz')], {c: i for i, c in enumerate('xyz')})
gen = (i * i for i in range(3))
print(next(gen), list(gen))
pairs = [(a, b, c) for a in range(1, 15) for b in range(a, 15) for c in range(b, 15) if a * a + b * b == c * c]
print(pairs)
print([y for y in [x * 2 for x in range(4)] if y > 2], [[(i, j) for j in 'ab'] for i in (1, 2)])
print(sorted([(v, k) for k, v in {'a': 3, 'b': 1, 'c': 2}.items()]), len([0 for _ in range(1000)]))
flat = [item for sub in [[1], [2, 3], []] for item in sub]
print(flat, any(v > 2 for v in flat), all(v > 0 for v in flat), min(v for v in flat), max(v for v in flat))
