def gen(n):
    i = 0
    while True:
        if i >= n:
            return
        yield i
        i += 1
    else:
        pass
total = 0
for a, (b, *c) in [(1, (2, 3, 4))]:
    try:
        with ctx() as (p, q), other:
            total += a * b - len(c) // 2 % 3 | 1 ^ 2 & ~4 << 1 >> 1
    except (ValueError, TypeError) as e:
        raise RuntimeError("x") from e
    except Exception:
        continue
    else:
        break
    finally:
        del total
squares = {k: v for k, v in zip(range(3), map(lambda x: x * x, range(3))) if k if v}
nested = [[y for y in range(x)] for x in range(3)]
g = (x for x in gen(5) if x % 2)
assert all(isinstance(x, int) for x in g), "bad"
def outer():
    n = 0
    def inner():
        nonlocal n
        n += 1
        return n
    return inner
global_var = not 1 < 2 <= 3 != 4 is not None in [] not in ()
s = 'a\tb\\n\x41\u00e9\U0001F600\101' "con" 'cat' r'\raw'
x = 0xFF_FF + 0o7_7 + 0b1_0 + 1_0.5e-1_0 + .5 + 5. + 9223372036854775807 - -9223372036854775808
l = a[1:2], a[::2], a[:-1, ...], a[x:y:z]
