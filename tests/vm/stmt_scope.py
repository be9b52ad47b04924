# lambda, closures, nonlocal, global, late binding, class scopes.
counter_total = 0
def make_counter(start=0):
    count = start
    def inc(step=1):
        nonlocal count
        count += step
        return count
    def get():
        return count
    return inc, get
inc, get = make_counter(10)
inc(); inc(5)
print(get(), inc(), get())
inc2, get2 = make_counter()
print(inc2(), get(), get2())
def bump():
    global counter_total
    counter_total += 1
    return counter_total
bump(); bump()
print(counter_total)
def set_new_global():
    global brand_new
    brand_new = 'created'
set_new_global()
print(brand_new)
square = lambda x: x * x
add = lambda a, b=10: a + b
print(square(7), add(1), add(1, 2), (lambda *a, **k: (a, k))(1, 2, z=3), (lambda: 'no args')())
funcs = [lambda: i for i in range(3)]
print([fn() for fn in funcs])
funcs = [lambda i=i: i for i in range(3)]
print([fn() for fn in funcs])
def adders():
    return [lambda x, n=n: x + n for n in range(3)]
print([a(10) for a in adders()])
def outer():
    x = 'outer'
    def middle():
        def inner():
            return x
        return inner()
    return middle()
print(outer())
def shadow():
    len = lambda s: 42
    return len('abc')
print(shadow(), len('abc'))
x = 'global x'
def reads_global():
    return x
def local_shadow():
    x = 'local x'
    return x
print(reads_global(), local_shadow(), x)
def nonlocal_chain():
    a = 1
    def f1():
        nonlocal a
        a += 1
        def f2():
            nonlocal a
            a *= 10
        f2()
    f1()
    return a
print(nonlocal_chain())
class K:
    attr = 'class attr'
    doubled = attr * 2
    def method(self):
        return self.attr
print(K.doubled, K().method())
comp_var = 'before'
vals = [comp_var for comp_var in range(3)]
print(comp_var, vals)
def unbound():
    try:
        print(y_local)
    except NameError as e:
        print(type(e).__name__, e)
    y_local = 1
unbound()
try:
    print(undefined_name)
except NameError as e:
    print('NameError:', e)
compose = lambda f, g: lambda v: f(g(v))
print(compose(square, add)(2))
sorted_pairs = sorted([(1, 'b'), (0, 'c'), (2, 'a')], key=lambda p: p[1])
print(sorted_pairs)
