# Generators: yield, yield from, generator expressions, exhaustion, laziness.
def count_up(n):
    i = 0
    while i < n:
        yield i
        i += 1
print(list(count_up(5)), sum(count_up(101)), list(count_up(0)))
g = count_up(3)
print(next(g), next(g), next(g), next(g, 'done'))
try:
    next(g)
except StopIteration:
    print('StopIteration raised')
def chain(*iterables):
    for it in iterables:
        yield from it
print(list(chain([1, 2], 'ab', range(3), (x * x for x in range(3)))))
def with_return():
    yield 1
    return 'result'
def delegator():
    r = yield from with_return()
    yield r
print(list(delegator()))
def fib():
    a, b = 0, 1
    while True:
        yield a
        a, b = b, a + b
out = []
for v in fib():
    if v > 100:
        break
    out.append(v)
print(out)
def lazy():
    print('  started')
    yield 'first'
    print('  resumed')
    yield 'second'
    print('  finishing')
lz = lazy()
print('created')
for item in lz:
    print('got', item)
squares = (x * x for x in range(10) if x % 2)
print(type(squares).__name__, list(squares), list(squares))
print(sum(x for x in range(10)), max(len(w) for w in ['a', 'abc', 'ab']), any(x > 3 for x in [1, 5]), all(x > 3 for x in [1, 5]))
def tree(n):
    if n:
        yield from tree(n - 1)
        yield n
        yield from tree(n - 1)
print(list(tree(3)))
def gen_try():
    try:
        yield 1
        yield 2
    finally:
        print('  generator finally')
for x in gen_try():
    print('gen_try', x)
def pairs(seq):
    it = iter(seq)
    for a in it:
        yield a, next(it, None)
print(list(pairs([1, 2, 3, 4, 5])))
gen = (c.upper() for c in 'abc')
print(next(gen), list(gen))
def raises():
    yield 1
    raise ValueError('inside generator')
try:
    for v in raises():
        print('value', v)
except ValueError as e:
    print('ValueError:', e)
nested = [[x + y for y in range(3)] for x in range(0, 30, 10)]
print(nested)
def running_avg():
    total, n = 0, 0
    for v in [10, 20, 30, 40]:
        total += v
        n += 1
        yield total / n
print(list(running_avg()))
def stop_inside():
    yield 1
    return
    yield 2
print(list(stop_inside()))
print(list(enumerate(count_up(3))), dict(zip(count_up(3), 'xyz')))
