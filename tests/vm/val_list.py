# list: methods, slicing, slice assignment, operators, repr.
a = [3, 1, 4, 1, 5, 9, 2, 6]
a.append(5)
a.extend([3, 5])
a.insert(0, 0)
a.insert(100, 99)
a.insert(-1, 98)
print(a, len(a))
print(a.pop(), a.pop(0), a.pop(-2), a)
a.remove(1)
print(a, a.index(5), a.index(5, 5), a.count(5), a.count(7))
b = a.copy()
b.sort()
print(b, a)
b.sort(reverse=True)
print(b)
b.reverse()
print(b)
words = ['banana', 'Apple', 'cherry', 'date']
print(sorted(words), sorted(words, key=str.lower), sorted(words, key=len, reverse=True))
words.sort(key=lambda w: w[-1])
print(words)
print(a[2:5], a[:3], a[-3:], a[::2], a[::-1], a[1:8:3], a[8:1:-2], a[100:], a[:-100])
c = list(range(10))
c[2:5] = ['x', 'y']
print(c)
c[::3] = [0, 0, 0]
print(c)
del c[1:3]
print(c)
del c[::2]
print(c)
c[:] = []
print(c, len(c))
d = [1, 2] + [3] * 3
print(d, d * 2, [0] * 0, d == [1, 2, 3, 3, 3], [1, 2] < [1, 3], [1, 2] < [1, 2, 0], [] < [0], [2] > [1, 9])
print(3 in d, 7 in d, 7 not in d, len([]), list(), list('abc'), list((1, 2)), list(range(3)))
nested = [[1, 2], [3, [4, 5]], []]
print(nested, nested[1][1][0], str(nested), repr(['a', "b'c"]))
r = [1, 2]
r.append(r)
print(r)
e = [5, 3, 8]
e += [1]
e *= 2
print(e, max(e), min(e), sum(e))
e.clear()
print(e)
m = [[0] * 3 for _ in range(3)]
m[1][1] = 5
print(m)
for bad in [lambda: [].pop(), lambda: [1].remove(2), lambda: [1, 2].index(3), lambda: [1][5]]:
    try:
        bad()
    except (IndexError, ValueError) as ex:
        print(type(ex).__name__ + ':', ex)
s = [(2, 'b'), (1, 'z'), (2, 'a'), (1, 'a')]
s.sort()
print(s)
s.sort(key=lambda p: p[1])
print(s)
