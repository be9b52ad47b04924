# del: names, several targets, subscripts, slices, attributes, dict keys, tuples of targets.
a, b, c = 1, 2, 3
del a
del b, c
for name in ('a', 'b', 'c'):
    print(name, 'deleted')
try:
    print(a)
except NameError as e:
    print('NameError:', e)
lst = list(range(10))
del lst[0]
del lst[-1]
del lst[2:4]
del lst[::2]
print(lst)
d = {'x': 1, 'y': 2, 'z': 3}
del d['y']
print(d)
try:
    del d['missing']
except KeyError as e:
    print('KeyError:', e)
class Obj:
    cls_attr = 'kept'
o = Obj()
o.p, o.q = 1, 2
del o.p
print(hasattr(o, 'p'), o.q, o.cls_attr)
try:
    del o.nothing
except AttributeError as e:
    print('AttributeError:', e)
m, n = [1], [2]
del (m, n)
x, y = 5, 6
del [x, y]
grid = [[1, 2], [3, 4]]
del grid[0][1], grid[1]
print(grid)
def local_del():
    v = 'local'
    del v
    try:
        return v
    except NameError as e:
        return type(e).__name__
print(local_del())
def del_then_rebind():
    w = 1
    del w
    w = 2
    return w
print(del_then_rebind())
items = {'a': [1, 2, 3]}
del items['a'][1]
print(items)
try:
    del lst[100]
except IndexError as e:
    print('IndexError:', e)
s = 'text'
try:
    del s[0]
except TypeError as e:
    print('TypeError:', e)
