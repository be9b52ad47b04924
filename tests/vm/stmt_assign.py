# Assignment forms: chained, unpacking, starred, augmented, attribute and subscript targets.
a = b = c = 5
print(a, b, c)
x, y = 1, 2
x, y = y, x
print(x, y)
(p, q), r = (1, 2), 3
[s, t] = 'ab'
print(p, q, r, s, t)
first, *rest = [1, 2, 3, 4]
*init, last = range(5)
head, *mid, tail = 'abcdef'
one, *empty = [1]
print(first, rest, init, last, head, mid, tail, one, empty)
m, (n, *o), *z = 1, (2, 3, 4), 5, 6
print(m, n, o, z)
for i, (ch, *more) in enumerate(['ab', 'cde']):
    print(i, ch, more)
class Box:
    pass
bx = Box()
bx.v = 10
bx.v += 5
bx.items = [0, 0]
bx.items[1] += 7
print(bx.v, bx.items)
lst = [1, 2, 3]
lst[0] = lst[-1] = 9
d = {}
d['k'] = d['j'] = []
d['k'].append(1)
print(lst, d)
n = 10
n += 1; n -= 2; n *= 3; n //= 2; n %= 7; n **= 3; n <<= 2; n >>= 1; n |= 1; n &= 0xff; n ^= 0b101
print(n)
f = 7.0
f /= 2
print(f)
s = 'ab'
s += 'cd'
s *= 2
print(s)
l2 = [1]
alias = l2
l2 += [2]
print(alias, alias is l2)
t2 = (1,)
alias_t = t2
t2 += (2,)
print(alias_t, t2, alias_t is t2)
i = 0
arr = [0, 0, 0]
i, arr[i] = 1, 5
print(i, arr)
try:
    a1, b1 = [1, 2, 3]
except ValueError as e:
    print('ValueError:', e)
try:
    a1, b1, c1 = [1, 2]
except ValueError as e:
    print('ValueError:', e)
try:
    a1, *b1, c1 = [1]
except ValueError as e:
    print('ValueError:', e)
try:
    a1, b1 = 5
except TypeError as e:
    print('TypeError:', e)
