# (lib's program: the built-in value types; keep it passing) # int, float, bool arithmetic, formatting and errors (lib): compared with CPython.
print(7 // 2, -7 // 2, 7 // -2, -7 // -2, 7 % 3, -7 % 3, 7 % -3, -7 % -3, divmod(7, -2), divmod(-7, 2))
print(7 / 2, -7 / 2, 1 / 3, 2 ** 10, 2 ** -1, (-2) ** 3, 0 ** 0, pow(3, 4, 5), pow(-3, 3, 7), pow(2, 10, -7))
print(1 << 10, -1 << 3, 1024 >> 3, -1024 >> 3, -1 >> 100, 5 & 3, 5 | 3, 5 ^ 3, ~5, -(-5), +5, abs(-5))
print(7.5 // 2, -7.5 // 2, 7.5 % 2, -7.5 % 2, 7.5 % -2, divmod(7.5, 2), divmod(-7.5, 2), 2.0 ** 0.5, 10 ** -2)
print(1 + 2.5, 2.5 + 1, 3 * 1.5, 1 - 0.5, 1 == 1.0, 1 < 1.5, 2 > 1.5, 1.0 == True, 0 == False, True + True, True * 3)
print(True & False, True | False, True ^ True, True & 3, type(True & False).__name__, type(True + 1).__name__)
print(round(2.5), round(3.5), round(-2.5), round(0.125, 2), round(2.675, 2), round(1234.5678, -2), round(15, -1), round(25, -1), round(-25, -1))
print(round(1.5), round(1e15 + 0.5), round(5, 2), type(round(2.5)).__name__, type(round(2.5, 0)).__name__, round(-0.4))
print(int(3.9), int(-3.9), int("12"), int(True), float(3), float("1e3"), float(" -inf "), float("nan") != float("nan"))
print(abs(-2.5), -0.0, 0.0 == -0.0, 1e308 * 10, -(1e308 * 10), 5e-324, 2.5e-5, 1e-4, 123e-20)
print(hash(1), hash(-1), hash(-2), hash(1.0), hash(1.5), hash(-1.5), hash(2 ** 61 - 1), hash(2 ** 61), hash(True), hash(()), hash((1, 2)), hash((1, (2, 3))))
print(hash(float("inf")), hash(float("-inf")), hash(0.1), hash(1e100), hash((1, 2.0)) == hash((1.0, 2)))
print(min(3, 1, 2), max([3, 1, 2]), min("bca"), max([], default=0), min([(2, "a"), (1, "b")]), max([1, 5, 3], key=lambda x: -x))
print(sum([1, 2, 3]), sum([0.5, 0.25]), sum([[1], [2]], []), sum(range(101)), sum([1, 2.5]), sum((), 10))
print(sorted([3, 1, 2]), sorted([3, 1, 2], reverse=True), sorted(["b", "A", "c"], key=str.lower), sorted([(1, "b"), (1, "a"), (0, "z")]))
print(any([]), all([]), any([0, 0, 1]), all([1, 1, 0]), any(x > 2 for x in range(5)))
print(isinstance(True, int), isinstance(1, bool), isinstance(1.0, (int, float)), isinstance("a", str), issubclass(bool, int))
print(f"{1234.5:,.2f} {-1234.5:012,.1f} {0.5:.0%} {1e-7:.3e} {123.456:10.2e}|{3:<5}|{3:^5}|{3:05d}|{-3:05d}|")
print(f"{1.0:.3}|{1.0:.1}|{123456.0:.3}|{1e16:}|{0.1:.20f}|{2.5:.0f}|{3.5:.0f}|{1e100:.2g}|{float('inf'):>6}|")
print(int.__name__, float.__name__, bool.__name__, type(1).__name__, type(1.0).__name__, type(None).__name__)
print(0.1 * 3, 1.1 + 2.2, 3.0 * 1.1, 1 / 7, 2 / 3, 10 / 4, 1e16 + 1, 9007199254740993, float(9007199254740993))
print((1).bit_length(), (255).bit_length(), (-8).bit_length(), 3.0.is_integer(), 2.5.is_integer(), (5).real, 2.0.imag)
print(bool(0), bool(1), bool(""), bool("a"), bool([]), bool([0]), bool({}), bool(None), bool(0.0), bool(range(0)))
print(9223372036854775807, -9223372036854775808, 0x7fffffffffffffff, 1_000_000, 0b1010, 0o17, 0xFF)
bads = [
    lambda: 1 / 0, lambda: 1 // 0, lambda: 1 % 0, lambda: 1.0 / 0, lambda: 1.0 // 0, lambda: 1.0 % 0,
    lambda: divmod(1, 0), lambda: divmod(1.0, 0), lambda: 0.0 ** -1, lambda: 0 ** -1, lambda: 1 << -1,
    lambda: int("x"), lambda: int(float("nan")), lambda: int(float("inf")), lambda: round(float("inf")),
    lambda: 1 + "a", lambda: "a" - 1, lambda: -"a", lambda: ~1.5, lambda: 1 < "a", lambda: None < None,
    lambda: abs("a"), lambda: min([]), lambda: max(), lambda: hash([]),
    lambda: pow(2, 3, 0), lambda: float("1.2.3"), lambda: sum(["a", "b"], ""), lambda: chr(0x110000), lambda: int([1]),
]
for bad in bads:
    try:
        print("no error", bad())
    except Exception as e:
        print(type(e).__name__ + ":", e)
