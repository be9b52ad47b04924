# int: arithmetic with Python's signs, powers, bit operations, conversions, 64-bit range.
a, b = 17, 5
print(a + b, a - b, a * b, a / b, a // b, a % b, a ** 2, -a // b, -a % b, a // -b, a % -b, -a // -b, -a % -b)
print(7 // 2, -7 // 2, 7 % 3, -7 % 3, 7 % -3, 0 // 5, 0 % 5, 2 ** 0, 0 ** 0, (-2) ** 3, -2 ** 2)
print(divmod(17, 5), divmod(-17, 5), divmod(17, -5), divmod(0, 3))
print(2 ** 62, 2 ** 62 + (2 ** 62 - 1), -(2 ** 62) * 2, 3 ** 39, 10 ** 18)
print(abs(-5), abs(5), abs(0), -0, +5, -(-5))
print(10 / 4, 9 / 3, 1 / 3, -1 / 3, 2 ** -1, 10 ** -2)
print(0b1100 & 0b1010, 0b1100 | 0b1010, 0b1100 ^ 0b1010, ~5, ~-1, 1 << 10, 1024 >> 3, -16 >> 2, -1 >> 10)
print(int('42'), int('-17'), int('  8  '), int('ff', 16), int('0x1f', 16), int('777', 8), int('101', 2), int('z', 36), int(3.99), int(-3.99), int(True))
print(int('1_000'), int('0'), int(), int('+5'))
print(str(123), repr(-45), hash(7), hash(-1), hash(0), hash(True))
print(1 == 1.0, 2 < 2.5, 3 > True, 5 != 5.0, 10 <= 10, -3 >= -4)
print(round(7), round(-2), pow(2, 10), pow(2, 10, 1000), pow(3, 4, 5), pow(-2, 3))
print(max(3, 9, 2), min(3, 9, 2), sum([1, 2, 3, 4]), sum(range(101)))
x = 9223372036854775807
print(x, x - 1, -x, -x - 1, x // 2, x % 1000)
n = 1
for i in range(20):
    n = n * 3 + 1
print(n)
print(isinstance(5, int), isinstance(True, int), type(5).__name__, type(5 // 2).__name__, type(5 / 1).__name__)
print(int.__name__, bool(0), bool(-1), 5 .__add__(3) if hasattr(5, '__add__') else 8)
for bad in ['abc', '', '1.5', '12a']:
    try:
        int(bad)
    except ValueError as e:
        print('ValueError:', e)
try:
    print(1 // 0)
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
try:
    print(1 % 0)
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
try:
    print(5 / 0)
except ZeroDivisionError as e:
    print('ZeroDivisionError:', e)
