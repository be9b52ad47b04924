# Iteration through __getitem__ alone (iter() and reversed() over __len__ and __getitem__):
# IndexError or StopIteration from __getitem__ ends it, other exceptions propagate, and an
# exhausted iterator stays exhausted.
class Seq:
    def __init__(self, n, stop=IndexError):
        self.n = n
        self.stop = stop
    def __getitem__(self, i):
        if i >= self.n:
            raise self.stop(i)
        return i * 10
    def __len__(self):
        return self.n

print(list(Seq(4)), list(Seq(3, StopIteration)), list(Seq(0)))
print(list(reversed(Seq(4))), list(reversed(Seq(0))))
it = iter(Seq(2))
print(next(it), next(it), next(it, 'end'), next(it, 'still end'))
r = reversed(Seq(2))
print(next(r), next(r), next(r, 'end'), next(r, 'still end'))
for x in Seq(3):
    print('for', x)

class Bad:
    def __getitem__(self, i):
        if i == 2:
            raise KeyError(i)
        return i
    def __len__(self):
        return 5

try:
    print(list(Bad()))
except KeyError as e:
    print('KeyError', e)
try:
    print(list(reversed(Bad())))
except KeyError as e:
    print('KeyError', e)

class Short:
    def __getitem__(self, i):
        if i < 2:
            raise IndexError(i)
        return i
    def __len__(self):
        return 4

print(list(reversed(Short())))
print(sum(Seq(5)), max(Seq(5)), 20 in Seq(5), 25 in Seq(5))
