# ftpy-expect: NotImplementedError: ftpy does not support weakref.WeakSet
import weakref
class A:
    pass
s = weakref.WeakSet([A()])
print(len(s))
