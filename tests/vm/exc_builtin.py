# The built-in exception types: what raises them, their messages, the hierarchy.
def show(fn):
    try:
        fn()
    except BaseException as e:
        print(f'{type(e).__name__}: {e} | args={e.args}')
show(lambda: int('x'))
show(lambda: 1 + None)
show(lambda: {'a': 1}['b'])
show(lambda: [1, 2][5])
show(lambda: 10 // 0)
show(lambda: 1.5 / 0)
show(lambda: object().nothing)
show(lambda: undefined_variable)
show(lambda: next(iter(())))
def assert_false():
    assert 1 == 2, 'one is not two'
show(assert_false)
def assert_plain():
    assert False
show(assert_plain)
show(lambda: [].pop())
def raise_runtime():
    raise RuntimeError('runtime problem')
show(raise_runtime)
def raise_notimpl():
    raise NotImplementedError
show(raise_notimpl)
def raise_overflow():
    raise OverflowError('too big')
show(raise_overflow)
def raise_memory():
    raise MemoryError()
show(raise_memory)
def raise_kbd():
    raise KeyboardInterrupt
show(raise_kbd)
def raise_base():
    raise BaseException('root', 2)
show(raise_base)
def depth(n):
    return depth(n + 1)
try:
    depth(0)
except RecursionError as e:
    print('RecursionError:', e)
hierarchy = [
    (ValueError, Exception), (TypeError, Exception), (KeyError, LookupError), (IndexError, LookupError),
    (ZeroDivisionError, ArithmeticError), (OverflowError, ArithmeticError), (AttributeError, Exception),
    (NameError, Exception), (RecursionError, RuntimeError), (NotImplementedError, RuntimeError),
    (StopIteration, Exception), (AssertionError, Exception), (MemoryError, Exception),
    (KeyboardInterrupt, Exception), (KeyboardInterrupt, BaseException), (Exception, BaseException),
]
def is_sub(sub, base):
    try:
        raise sub()
    except base:
        return True
    except BaseException:
        return False
for sub, base in hierarchy:
    print(sub.__name__, 'is a', base.__name__ + ':', is_sub(sub, base))
for exc_type in (ValueError, KeyError, IndexError, ZeroDivisionError):
    try:
        raise exc_type('x')
    except LookupError:
        print(exc_type.__name__, 'caught as LookupError')
    except ArithmeticError:
        print(exc_type.__name__, 'caught as ArithmeticError')
    except Exception:
        print(exc_type.__name__, 'caught as Exception')
e = ValueError('a', 2, None)
print(str(e), repr(e), e.args, str(ValueError()), repr(ValueError()), str(KeyError('k')), str(KeyError()), repr(KeyError('k')))
print(isinstance(e, ValueError), isinstance(e, Exception), isinstance(e, BaseException), isinstance(e, TypeError))
try:
    try:
        raise ValueError('inner')
    finally:
        print('finally while propagating')
except ValueError as caught:
    print('propagated:', caught)
try:
    raise TypeError('t') from ValueError('v')
except TypeError as te:
    print(te, '<- cause:', repr(te.__cause__))
