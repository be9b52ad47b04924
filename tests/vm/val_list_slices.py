# Slices with step -1 and slice assignments of as many values as the slice has items: the
# paths vm/list.c takes for them (a reversed plain slice; replacement in place) must give
# CPython's results at every bound, including empty and clamped ones.
a = list(range(10))
for k in range(-12, 13):
    print(k, a[k::-1], a[:k:-1], a[k:2:-1], a[k:-3:-1], a[k:k:-1])
print([][::-1], [1][::-1], [1, 2][5::-1], [1, 2][-5::-1], a[::-1] == list(reversed(a)))
r = a[4::-1]
r.append("new")
print(a, r)

b = a[:]
b[:4] = b[3::-1]
print(b)
b[2:5] = "xyz"
print(b)
b[2:5] = (1,)
print(b)
b[8:20] = [7, 7]
print(b)
b[3:3] = []
print(b)
b[-3:] = b[-3:][::-1]
print(b)
b[-100:2] = ["p", "q"]
print(b)
b[5:2] = []
print(b)
c = [1, 2, 3]
c[:] = c
print(c)
c[0:2] = c[1:3]
print(c)
d = [[1], [2], [3]]
d[0:3] = d[2::-1]
print(d)


def flips(perm):
    n = 0
    k = perm[0]
    while k:
        perm[:k + 1] = perm[k::-1]
        n += 1
        k = perm[0]
    return n


print(flips([3, 1, 4, 0, 2]), flips([4, 3, 2, 1, 0]), flips([0, 1]))
try:
    b[0:2] = 5
except TypeError as e:
    print("TypeError", e)

# Plain slices (no step, int or None bounds) are one ftc_list_set_slice: growing, shrinking,
# deleting, inserting where stop < start, self-assignment, any iterable as the values.
for lo in (None, -12, -3, 0, 2, 5, 9, 30):
    for hi in (None, -12, -2, 0, 3, 6, 30):
        for vals in ([], ["x"], ["x", "y", "z"], list("abcdefgh"), (1, 2), "pq",
                     (i * i for i in range(3)), {7: 0}):
            e = list(range(8))
            v = list(vals) if not isinstance(vals, (list, tuple, str, dict)) else vals
            e[lo:hi] = v
            f = list(range(8))
            del f[lo:hi]
            print(lo, hi, e, f)
g = [1, 2, 3]
g[1:1] = g
print(g)
g[1:] = g
print(g)
g[:-1] = g[::2]
print(g)
h = [0, 1, 2]
h[True:2] = [9]
print(h)
try:
    h[0:1] = None
except TypeError as e:
    print("TypeError", e)
print(h)
