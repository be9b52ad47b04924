# Parser edge cases: nested f-strings, soft keywords as names, displays with unpacking, deep
# nesting, long chains, unicode identifiers, ellipsis, odd but valid layouts.
x, y = 3, 4
d = {'k': 'v', 'n': 2}
print(f"{f'{x}' + f'{y}'}", f'''{"double" + 'single'}''', f"{d['k']}", f"{ {'a': 1}['a'] }")
print(f'{x if x > y else y}', f'{x != y}', f'{(lambda v: v * 2)(x)}', f'{[i for i in range(3)]}')
print(f'{x!r:>{y}}|{x:{"<"}{y}}|{3.14159:.{y - 2}f}|{"é"!a}|{"tab"!s:^9}|')
print(f"""{
    x
    +
    y
}""", f'{x}' 'plain' f'{y}', 'plain' f'{x}{y}{{}}')
w = 7
print(f'{w = }', f'{w=!s}', f'{w=:>4}', f'{x + y=}')
match = 1
case = 2
_ = 3
type = 'shadowed builtin name'
print(match, case, _, type)
del type
print(type(1).__name__)
class K:
    match = 'attr named match'
    def case(self):
        return 'method named case'
print(K.match, K().case())
a, b = [1, 2], (3, 4)
print([*a, *b], (*a, *b), {*a, *b} == {1, 2, 3, 4}, {**d, 'extra': 0, **{'k': 'override'}}, [*'xy', *range(2)])
print(*a, *b, sep='/')
first, *_, last = range(10)
print(first, last)
nest = ((((((((((((((((((((1))))))))))))))))))))
deep = [[[[[[[[[[[[[[[[[[[[2]]]]]]]]]]]]]]]]]]]]
print(nest, deep, len(str(deep)))
chain = 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20 + 21 + 22 + 23 + 24 + 25
print(chain, -(-(-(-(-(-(-(-1))))))), not not not not True, 2 ** 2 ** 2 ** 2, - - - 5)
π = 3.14159
größe = 'size'
名前 = 'name'
print(π, größe, 名前)
e = ...
print(e, e is Ellipsis, ...)
values = [
    1,
    2,
    # comment between elements
    3,
]
result = (values
          [1]
          )
print(values, result)
def f(
    a,
    b=2,
    *args,
    c=3,
    **kw,
):
    return a + b + c + len(args) + len(kw)
print(f(1,), f(1, 2, 3, 4, c=5, d=6,))
if (x
        and y):
    print('multi-line condition')
print(1 if x else 2 if y else 3, (1 if x else 2) if y else 3, [1, 2][x > y], {True: 'yes', False: 'no'}[x < y])
print(x < y is not None, 1 not in [2] not in [[1]], not x == y, not (x == y), (not x) == y)
lst = list(range(10))
print(lst[::], lst[:], lst[::-2], lst[-3::], lst[:-7:-1], lst[1:-1:3])
print('''one''' '''two''', """three""" 'four', 'a' 'b' 'c')
print('\'', "\"", '\\', '\x41\x42', '\u0041', '\101\102', 'a\
b')
lam = lambda: 'lambda ok'
print(lam.__name__ if hasattr(lam, '__name__') else '<lambda>', lam())
print(0xFF, 0o777, 0b1111_0000, 1_2_3, 1e1_0, 0.000_1)
print(((1, 2), (3, 4))[1][0], [[1, 2], [3, 4]][-1][-1], 'abc'[1:][::-1])
