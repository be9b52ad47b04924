# a[i:j] and a[i:j:k] build a slice object that takes the evaluation stack's references to
# its bounds: each bound lives exactly as long as something refers to it (the slice while a
# __getitem__ keeps it, nothing after), with and without a step, and when the subscript fails.
import weakref

class Bound:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return self.name


class Seq:
    def __getitem__(self, s):
        return (repr(s.start), repr(s.stop), repr(s.step))


class Keeper:
    def __getitem__(self, s):
        return s


class Fails:
    def __getitem__(self, s):
        raise KeyError(repr(s.start))


seq = Seq()
print(seq[Bound("a"):Bound("b")])
print(seq[Bound("a"):Bound("b"):Bound("c")])
print(seq[:Bound("z")], seq[Bound("y"):], seq[::Bound("x")])

a, b, c = Bound("a"), Bound("b"), Bound("c")
ra, rb, rc = weakref.ref(a), weakref.ref(b), weakref.ref(c)
kept = Keeper()[a:b:c]
del a, b, c
print(ra() is not None, rb() is not None, rc() is not None, kept.start, kept.stop, kept.step)
del kept
print(ra() is None, rb() is None, rc() is None)

a, b = Bound("a"), Bound("b")
ra, rb = weakref.ref(a), weakref.ref(b)
print(seq[a:b])
del a, b
print(ra() is None, rb() is None)

a = Bound("fa")
ra = weakref.ref(a)
try:
    Fails()[a:1:2]
except KeyError as e:
    print("KeyError", e)
del a
print(ra() is None)

# the list paths: plain and stepped slices, reads and assignments
lst = list(range(10))
print(lst[2:5], lst[::-1], lst[8:2:-2], lst[-3:])
lst[1:3] = lst[7:9]
lst[::2] = [0] * 5
print(lst)
