# bool and None: truthiness, arithmetic, identity, repr.
print(True, False, None, repr(True), str(None), type(True).__name__, type(None).__name__)
print(True + True, True * 10, False - 1, True / 2, -True, ~True, True & False, True | False, True ^ True)
print(bool(0), bool(1), bool(''), bool('a'), bool([]), bool([0]), bool({}), bool({0: 0}), bool(()), bool(None), bool(0.0), bool(-0.0), bool(range(0)), bool(set()))
print(not None, not 0, not 'x', None is None, None is not None, None == None, None == 0, None != False)
print(True == 1, False == 0, True is True, isinstance(True, int), isinstance(True, bool), isinstance(1, bool))
print(1 if None else 2, 'yes' if [] else 'no', 'yes' if [[]] else 'no')
print(int(True), float(False), str(True), True > False, max(True, 2), sorted([True, False, 0, 1, -1]))
d = {True: 'a', 1: 'b', 1.0: 'c'}
print(d, len(d))
print({None: 1}[None], [None] * 3, (None,), hash(None) == hash(None))
x = None
if x is None:
    print('x is None')
if not x:
    print('None is falsy')
def f():
    pass
print(f(), f() is None)
print(True and 'a', False and 'a', True or 'b', None or 'default', 0 or '' or [] or 'last', 1 and 2 and 3)
