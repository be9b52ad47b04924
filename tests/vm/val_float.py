# float: shortest repr, special values, arithmetic, conversions.
vals = [0.1, 0.2, 0.1 + 0.2, 1.0, -1.5, 1e16, 1e15, 123456789.123, 1e-5, 0.0001, 1e22, 1.0e-7, 2.5e-300,
        1 / 3, 2 / 3, 10 / 3, 100.0, 1e100, -0.0, 5e-324, 1.7976931348623157e308, 3.141592653589793]
for v in vals:
    print(repr(v), str(v))
inf = float('inf')
nan = float('nan')
print(inf, -inf, nan, float('-inf'), float('Infinity'), inf > 1e308, -inf < -1e308)
print(nan == nan, nan != nan, inf == inf, inf - inf, inf * 0, 1 / inf)
print(float('1.5'), float(' 2 '), float('-3e2'), float(7), float('1_0.5'), float(True))
print(1.5 + 2, 3 * 0.5, 7.5 // 2, 7.5 % 2, -7.5 // 2, -7.5 % 2, 2 ** 0.5, 4 ** 0.5, 2.0 ** 10, (-8) ** 2.0)
print(round(2.5), round(3.5), round(-2.5), round(0.125, 2), round(2.675, 2), round(1.23456, 3), round(1234.5, -2))
print(int(2.9), int(-2.9), abs(-3.5), max(1.5, 2), min(-0.5, 0), sum([0.1] * 10))
print(1.0 == 1, 0.5 < 1, 2.0 > 1.5, hash(1.0) == hash(1), hash(0.5), hash(-0.0), hash(2.5))
print(divmod(7.5, 2), divmod(-7.5, 2), 10.0 / 4, 1e308 * 10, -1e308 * 10)
print(float.__name__, type(1.0).__name__, isinstance(1.0, float), isinstance(1, float))
print(f'{0.1:.20f}', f'{1e-10:.3e}', f'{123.456:g}', f'{1e6:g}', f'{1e16:g}', f'{2.0:.0f}')
for s in ['abc', '', '1.2.3']:
    try:
        float(s)
    except ValueError as e:
        print('ValueError:', e)
for a, b in [(1.0, 0.0), (1.0, 0), (0.0, 0.0)]:
    try:
        print(a / b)
    except ZeroDivisionError as e:
        print('ZeroDivisionError:', e)
try:
    print(2.0 // 0.0)
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
try:
    print(2.0 % 0.0)
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
