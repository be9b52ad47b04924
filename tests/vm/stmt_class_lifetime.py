# A class outlives its instances whatever the order its names go away in: deleted while
# instances exist, or torn down with the module (instances stored after the class).
class A:
    def __init__(self, x):
        self.x = x

    def __repr__(self):
        return f"A({self.x})"


a = A(1)
del A
print(a, type(a).__name__)
b = type(a)(2)
print(b, isinstance(b, type(a)))


class B:
    pass


keep = [B() for _ in range(3)]
print(len(keep), type(keep[0]).__name__)
