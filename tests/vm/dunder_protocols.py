# Iterator protocol, context managers, callables, reflected and in-place arithmetic.
class Countdown:
    def __init__(self, start):
        self.cur = start
    def __iter__(self):
        return self
    def __next__(self):
        if self.cur <= 0:
            raise StopIteration
        self.cur -= 1
        return self.cur + 1
print(list(Countdown(5)), sum(Countdown(4)), [x * x for x in Countdown(3)], max(Countdown(7)))
it = iter(Countdown(2))
print(next(it), next(it), next(it, 'end'))
for v in Countdown(2):
    print('loop', v)
class Range2:
    def __init__(self, n):
        self.n = n
    def __iter__(self):
        i = 0
        while i < self.n:
            yield i
            i += 1
r = Range2(3)
print(list(r), list(r), dict(zip(r, 'abc')), tuple(enumerate(r)))
class Multiplier:
    def __init__(self, k):
        self.k = k
        self.calls = 0
    def __call__(self, x, times=1):
        self.calls += 1
        return x * self.k * times
double = Multiplier(2)
print(double(5), double(5, times=3), double.calls, list(map(double, [1, 2])), sorted([3, 1, 2], key=Multiplier(-1)))
class Money:
    def __init__(self, cents):
        self.cents = cents
    def __repr__(self):
        return f'Money({self.cents})'
    def __add__(self, other):
        if isinstance(other, Money):
            return Money(self.cents + other.cents)
        if isinstance(other, int):
            return Money(self.cents + other)
        return NotImplemented
    def __radd__(self, other):
        return self.__add__(other)
    def __sub__(self, other):
        return Money(self.cents - other.cents)
    def __mul__(self, k):
        return Money(self.cents * k)
    def __rmul__(self, k):
        return Money(self.cents * k)
    def __eq__(self, other):
        return isinstance(other, Money) and self.cents == other.cents
    def __lt__(self, other):
        return self.cents < other.cents
m = Money(150)
print(m + Money(50), m + 5, 5 + m, sum([Money(1), Money(2)], Money(0)), sum([Money(1), Money(2)]), m * 2, 3 * m, m - Money(100))
total = Money(0)
total += Money(7)
total += 3
print(total, total == Money(10), total != Money(10), Money(1) > Money(0), Money(0) < Money(1))
try:
    m + 'str'
except TypeError as e:
    print('TypeError:', e)
try:
    'str' + m
except TypeError as e:
    print('TypeError:', e)
class Grid:
    def __init__(self):
        self.cells = {}
    def __getitem__(self, key):
        return self.cells.get(key, '.')
    def __setitem__(self, key, value):
        self.cells[key] = value
    def __len__(self):
        return len(self.cells)
g = Grid()
g[0, 0] = 'X'
g[1, 2] = 'O'
print(''.join(g[r, c] for r in range(2) for c in range(3)), len(g))
class Vec:
    def __init__(self, *c):
        self.c = c
    def __repr__(self):
        return 'Vec' + repr(self.c)
    def __eq__(self, o):
        return self.c == o.c
    def __hash__(self):
        return hash(self.c)
    def __len__(self):
        return len(self.c)
    def __getitem__(self, i):
        return self.c[i]
print(Vec(1, 2), {Vec(1, 2): 'a'}[Vec(1, 2)], len(Vec(1, 2, 3)), Vec(4, 5)[1], Vec() == Vec(), bool(Vec()))
class Ctx:
    def __enter__(self):
        print('Ctx enter')
        return 42
    def __exit__(self, et, ev, tb):
        print('Ctx exit', et is None)
with Ctx() as answer:
    print('answer', answer)
