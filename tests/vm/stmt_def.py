# Functions: parameters of every kind, defaults, *args, **kwargs, keyword-only, recursion.
def f(a, b=2, *args, c, d=4, **kw):
    return (a, b, args, c, d, sorted(kw.items()))
print(f(1, c=3))
print(f(1, 5, 6, 7, c=8, e=9, f=10))
print(f(*[1, 2, 3], **{'c': 4, 'z': 0}))
print(f(a=1, c=2, b=3))
def g(*, key, reverse=False):
    return key, reverse
print(g(key=1), g(reverse=True, key=2))
def h(x, y, /, z):
    return x + y + z
print(h(1, 2, 3), h(1, 2, z=3))
def varargs(*items):
    return len(items), items
print(varargs(), varargs(1), varargs(*'abc'), varargs(*range(3), *[9]))
def kwonly(**opts):
    return opts
print(kwonly(), kwonly(a=1), kwonly(**{'b': 2}, c=3))
def defaults(x, acc=[]):
    acc.append(x)
    return acc
print(defaults(1), defaults(2), defaults(3, []))
def multi():
    return 1, 'two', [3]
a, b, c = multi()
print(a, b, c, multi())
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fact(20), [fib(i) for i in range(15)])
def noret():
    x = 1
print(noret())
def early(n):
    for i in range(n):
        if i == 3:
            return i
    return -1
print(early(10), early(2))
def doc():
    """A docstring is just an expression."""
    return 'doc'
print(doc())
def outer(n):
    def inner(m):
        return n * m
    return inner(n + 1)
print(outer(4))
print(f.__name__, h.__name__)
def ack(m, n):
    if m == 0:
        return n + 1
    if n == 0:
        return ack(m - 1, 1)
    return ack(m - 1, ack(m, n - 1))
print(ack(2, 3))
for call in [lambda: f(), lambda: f(1, 2), lambda: g(1), lambda: h(1, 2, 3, 4), lambda: f(1, c=2, a=3),
             lambda: g(key=1, nope=2), lambda: h(1, y=2, z=3), lambda: varargs(x=1)]:
    try:
        call()
    except TypeError as e:
        print('TypeError:', e)
