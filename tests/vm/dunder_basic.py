# Special methods: __repr__, __str__, __eq__/__hash__, ordering, __len__/__bool__, containers.
class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y
    def __repr__(self):
        return f'Point({self.x}, {self.y})'
    def __eq__(self, other):
        if not isinstance(other, Point):
            return NotImplemented
        return (self.x, self.y) == (other.x, other.y)
    def __hash__(self):
        return hash((self.x, self.y))
    def __lt__(self, other):
        return (self.x, self.y) < (other.x, other.y)
    def __le__(self, other):
        return (self.x, self.y) <= (other.x, other.y)
    def __add__(self, other):
        return Point(self.x + other.x, self.y + other.y)
    def __sub__(self, other):
        return Point(self.x - other.x, self.y - other.y)
    def __mul__(self, k):
        return Point(self.x * k, self.y * k)
class Named:
    def __init__(self, n):
        self.n = n
    def __str__(self):
        return 'Named ' + self.n
    def __repr__(self):
        return f'<Named {self.n!r}>'
p, q = Point(1, 2), Point(3, 4)
print(p, repr(q), str(p), [p, q], (p,), {'k': p}, f'{p} {p!r}')
print(Named('a'), str(Named('b')), repr(Named('c')), [Named('d')], f'{Named("e")}', f'{Named("f")!r}')
print(p + q, q - p, p * 3, p == Point(1, 2), p != Point(1, 2), p == q, p != q, p == 5, p != 'x')
print(p < q, q < p, p <= p, q > p, q >= p, sorted([q, p, Point(0, 9)]), max(p, q), min([q, p]))
print(len({p, Point(1, 2), q}), {p: 'first', Point(1, 2): 'second'}, p in [Point(1, 2)], Point(9, 9) in {p, q})
class NoEq:
    pass
a, b = NoEq(), NoEq()
print(a == a, a == b, a != b, a is a, len({a, b, a}))
class EqOnly:
    def __init__(self, v):
        self.v = v
    def __eq__(self, other):
        return isinstance(other, EqOnly) and self.v == other.v
print(EqOnly(1) == EqOnly(1), EqOnly(1) != EqOnly(2), EqOnly(1) != EqOnly(1))
try:
    hash(EqOnly(1))
except TypeError as e:
    print('TypeError:', e)
class Bag:
    def __init__(self, *items):
        self.items = list(items)
    def __len__(self):
        return len(self.items)
    def __getitem__(self, i):
        return self.items[i]
    def __setitem__(self, i, v):
        self.items[i] = v
    def __contains__(self, v):
        return v in self.items
    def __iter__(self):
        return iter(self.items)
bag = Bag(3, 1, 2)
bag[0] = 30
print(len(bag), bag[0], bag[-1], bag[1:], 2 in bag, 5 in bag, 5 not in bag, list(bag), sorted(bag), bool(bag), bool(Bag()))
if not Bag():
    print('empty Bag is falsy')
class OnlyIter:
    def __iter__(self):
        return iter([10, 20])
print(20 in OnlyIter(), 30 in OnlyIter(), list(OnlyIter()), [x + 1 for x in OnlyIter()])
class Truthy:
    def __init__(self, b):
        self.b = b
    def __bool__(self):
        return self.b
print(bool(Truthy(True)), bool(Truthy(False)), 'yes' if Truthy(False) else 'no', not Truthy(True))
try:
    p + 1
except AttributeError as e:
    print('AttributeError:', e)
try:
    Named('x') + Named('y')
except TypeError as e:
    print('TypeError:', e)
try:
    NoEq() < NoEq()
except TypeError as e:
    print('TypeError:', e)
