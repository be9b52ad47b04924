# (lib's program: the built-in value types; keep it passing) # str methods, indexing and formatting (lib): compared with CPython.
K = 'x'
s = "Hello, Wörld! héllo"
print(len(s), s[0], s[-1], s[7:12], s[::-1], s[::2], s[1:10:3], s[-3:], s[100:], repr(s[5:5]))
print(s.upper(), s.lower(), s.swapcase(), s.title(), "hello world".capitalize())
print(s.find("l"), s.find("l", 5), s.rfind("l"), s.find("zz"), s.index("W"), s.count("l"), s.count(""))
print(s.find("é"), s.rfind("é"), "ö" in s, "xyz" in s)
print(s.startswith("Hell"), s.endswith(("x", "llo")), s.startswith("W", 7), s.endswith("W", 0, 8))
print(s.replace("l", "L"), s.replace("l", "", 2), "aaa".replace("", "-"), "abc".replace("", "-", 2))
print("  a b  c  ".split(), "a,b,,c".split(","), "a,b,,c".split(",", 1), "a b c".rsplit(None, 1), "a,b,c".rsplit(",", 1))
print("  x y ".split(None, 1), "".split(), "".split(","), " a ".rsplit(), "a\tb\nc".split())
print("line1\nline2\r\nline3".splitlines(), "a\nb\n".splitlines(True))
print(repr("  xx  ".strip()), repr("xxhixx".strip("x")), repr("  a ".lstrip()), repr(" a  ".rstrip()), "abcba".strip("ab"))
print("-".join(["a", "b", "c"]), "".join([]), ", ".join(str(i) for i in range(5)), "x".join("abc"))
print("abc".isalpha(), "ab1".isalpha(), "123".isdigit(), "12a".isdigit(), "".isdigit(), "  ".isspace(), "Ab".isupper(), "ab".islower(), "a1".isalnum())
print("ab".center(7, "*"), "ab".center(6), "ab".ljust(5, "."), "ab".rjust(5), "42".zfill(5), "-42".zfill(6))
print("a=b=c".partition("="), "a=b=c".rpartition("="), "abc".partition("x"))
print(repr("it's"), repr('say "hi"'), repr('both \' and "'), repr("tab\there\n"), repr("\x00\x7f\u00e9\u20ac"))
print("{} {} {}".format(1, "a", 2.5), "{0}{1}{0}".format("x", "y"), "{name}={val:>5}".format(name="k", val=3))
print("{:,}".format(1234567), "{:08.3f}".format(3.14159), "{:^10}|".format("mid"), "{!r}".format("q"), "{{}}".format())
print("{0[1]} {1[k]}".format([1, 2], {"k": "v"}), "{:{w}.{p}f}".format(2.71828, w=9, p=2))
print(f"{3.14159:.2f} {42:>6} {255:#x} {255:#o} {5:b} {1e10:e} {0.000123:g} {123456789:,} {0.25:%}")
print(f"{-3.5:+.1f} {3:+d} {7: d} {'s':*^7} {12345.678:_.2f} {1000000:_d} {0xff:_x}")
print(format(1.0), format(1e16), format(1e-5), format(0.1), format(123.456, ".1f"), format(-0.0), format(2**53 + 1))
print(str(1.5), repr(1/3), 1e300 * 1e10, -1e300 * 1e10, float("nan"), 0.1 + 0.2, 1e22, 1e23, 1.5e-7, 100.0, 12345678901234567.0)
print("ab" * 3, 3 * "ab", "ab" * 0, "ab" * -1, "a" + "b", "x" < "y", "abc" < "abd", "a" < "ab", "é" > "z")
print(str(), str(12), str([1, "a"]), str(None), str(True), str((1,)), int("  42 "), int("-0x1f", 16), int("0b101", 0), int("z", 36))
print(ord("a"), ord("é"), ord("€"), chr(97), chr(233), chr(8364), chr(128512))
print(sorted("hello"), list("héllo"), tuple("ab"), set("aab") == {"a", "b"})
bads = [
    lambda: int('x'),
    lambda: int('1_'),
    lambda: int('12', 1),
    lambda: float('abc'),
    lambda: 'a' + 1,
    lambda: 'a' * 'b',
    lambda: 'abc'[5],
    lambda: 'abc'[K],
    lambda: 'a'.index('z'),
    lambda: ord('ab'),
    lambda: ord(1),
    lambda: chr(-1),
    lambda: 'x'.join([1, 2]),
    lambda: '{}'.format(),
    lambda: '{'.format(),
    lambda: '}'.format(),
    lambda: '{0}{}'.format(1, 2),
    lambda: '{x}'.format(),
    lambda: format(1, 'z'),
    lambda: format('a', '+'),
    lambda: format(1.5, 'd'),
    lambda: format(1, '.2d'),
    lambda: 'a'.split(''),
    lambda: 'abc'.center(5, 'xy'),
    lambda: 1 in 'abc',
]
for bad in bads:
    try:
        bad()
        print('no error')
    except Exception as e:
        print(type(e).__name__ + ':', e)
