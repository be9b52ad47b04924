# ftpy-expect: NotImplementedError: ftpy does not support weakref.WeakValueDictionary
import weakref
d = weakref.WeakValueDictionary()
print(d)
