# Operators: precedence, associativity, unary, power, comparisons (chained), boolean logic.
print(2 + 3 * 4, (2 + 3) * 4, 2 ** 3 ** 2, (2 ** 3) ** 2, -2 ** 2, (-2) ** 2, 2 ** -1, -3 ** -2)
print(10 - 4 - 3, 100 / 10 / 5, 100 // 7 // 2, 2 * 3 % 4, 7 % 4 * 3, -7 // 2 * 2 + -7 % 2)
print(1 + 2 << 3, 1 << 2 + 3, 6 & 3 | 8, 6 | 3 & 8, 5 ^ 3 & 1, ~0 + 1, -~5, ~-5, not 1 + 1 == 3)
print(1 < 2 < 3, 1 < 3 < 2, 3 > 2 > 1 > 0, 1 == 1.0 == True, 1 < 2 > 0, 2 != 3 != 2, 5 >= 5 <= 5)
calls = []
def v(x):
    calls.append(x)
    return x
print(v(1) < v(0) < v(3), calls)
calls.clear()
print(v(1) < v(2) < v(3), calls)
calls.clear()
print(v(0) and v(1), v(1) and v(2), v(0) or v(3), v(4) or v(5), calls)
print(not 0, not 'x', not not [], 0 or 0.0 or '' or 'last', '' and 'never', None or None)
print(3 if True else 4, 3 if False else 4, 'a' if 0 else 'b' if 0 else 'c', (lambda: 1)() if 1 else 0)
print(1 in [1, 2], 3 not in (1, 2), 'a' in 'abc', 'k' in {'k': 1}, 2 in {2}, 2 in range(3), [1] in [[1]])
a = [1]
b = a
c = [1]
print(a is b, a is c, a == c, a is not c, None is None, type(a) is list)
print(-7 % 3, 7 % -3, -7.5 % 2, 7.5 // -2, 2 ** 10 % 1000, (3 + 4) * (5 - 2) // 2)
x = 5
print(x * -1, x - -x, x + +x, -(-x), --x, x ** 2 ** 1, (x > 3) + (x > 4) + (x > 5))
print(1 + 2.5, 3 * 1.5, True + 1.5, 10 / 2, type(10 // 2).__name__, type(10 // 2.0).__name__)
print('ab' < 'b', [1, 2] < [1, 2, 3], (1, 'a') < (1, 'b'), 'a' * 3 + 'b' * 2, [0] * 2 + [1])
print(max(1, 2) + min(3, 4) * abs(-2), round(7 / 2), 7 // 2 == int(7 / 2))
for bad in [lambda: 1 + 'a', lambda: 'a' - 'b', lambda: [] * [], lambda: 1 < 'a', lambda: -'x', lambda: ~1.5, lambda: None + 1, lambda: {} < {}]:
    try:
        bad()
    except TypeError as e:
        print('TypeError:', e)
