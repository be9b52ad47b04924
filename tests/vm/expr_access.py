# Subscripts, slices with steps, attribute access, calls with * and ** arguments.
s = 'abcdefghij'
l = list(range(10))
t = tuple(l)
for seq in (s, l, t):
    print(seq[0], seq[-1], seq[2:5], seq[:3], seq[7:], seq[::3], seq[::-3], seq[8:2:-2], seq[-4:-1], seq[-1:-4:-1], seq[3:3], seq[5:2], seq[::-1][:2])
print(s[1:100:4], l[-100:100:5], t[100:], s[-3], l[len(l) - 1])
m = [[1, 2, 3], [4, 5, 6]]
print(m[1][2], m[-1][-1], [row[1] for row in m], m[0][::2])
d = {'a': {'b': {'c': 42}}}
print(d['a']['b']['c'])
class Node:
    def __init__(self, v, nxt=None):
        self.v = v
        self.nxt = nxt
chain = Node(1, Node(2, Node(3)))
print(chain.v, chain.nxt.v, chain.nxt.nxt.v, chain.nxt.nxt.nxt)
chain.nxt.nxt.v = 30
print(chain.nxt.nxt.v)
def f(*args, **kwargs):
    return args, sorted(kwargs.items())
args = [1, 2]
kw = {'x': 1}
print(f(*args), f(*args, 3), f(0, *args, *args), f(**kw), f(**kw, y=2), f(*args, **kw), f(*'ab', **{'k': 'v'}, z=0))
print(f(*(i for i in range(3))), f(*{'only': 1}), f(*range(2), sep='-'))
print(print is print, len('abc'), 'abc'.upper(), [3, 1, 2].index(1), {'k': 1}.get('k'), (1, 2).count(1))
up = 'xyz'.upper
print(up(), up())
lst = [5, 3]
app = lst.append
app(1)
print(lst)
try:
    l[10]
except IndexError as e:
    print('IndexError:', e)
try:
    t[-11]
except IndexError as e:
    print('IndexError:', e)
try:
    l['a']
except TypeError as e:
    print('TypeError:', e)
five = 5
try:
    five[0]
except TypeError as e:
    print('TypeError:', e)
try:
    None.attr
except AttributeError as e:
    print('AttributeError:', e)
try:
    five()
except TypeError as e:
    print('TypeError:', e)
try:
    f(**{1: 2})
except TypeError as e:
    print('TypeError:', e)
try:
    f(*5)
except TypeError as e:
    print('TypeError:', e)
