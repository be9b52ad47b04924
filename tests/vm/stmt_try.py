# try/except/else/finally ordering, raise, raise from, re-raise, nesting.
# ftpy-report-leaks
def attempt(kind):
    log = []
    try:
        log.append('try')
        if kind == 'value':
            raise ValueError('bad value')
        if kind == 'key':
            {}['k']
        if kind == 'zero':
            1 / 0
    except ValueError as e:
        log.append('except ValueError: ' + str(e))
    except (KeyError, IndexError) as e:
        log.append('except lookup: ' + repr(e))
    except Exception as e:
        log.append('except Exception: ' + type(e).__name__)
    else:
        log.append('else')
    finally:
        log.append('finally')
    return log
for k in ['none', 'value', 'key', 'zero']:
    print(attempt(k))
def finally_return():
    try:
        return 'from try'
    finally:
        print('finally runs before return')
print(finally_return())
def finally_overrides():
    try:
        raise ValueError('lost')
    finally:
        return 'finally wins'
print(finally_overrides())
def reraise():
    try:
        try:
            raise KeyError('inner')
        except KeyError:
            print('handling, then re-raise')
            raise
    except KeyError as e:
        return 'outer caught ' + repr(e)
print(reraise())
try:
    try:
        1 / 0
    except ZeroDivisionError as e:
        raise ValueError('converted') from e
except ValueError as e:
    print(e, type(e.__cause__).__name__, e.__cause__)
try:
    try:
        raise TypeError('first')
    except TypeError:
        raise RuntimeError('second')
except RuntimeError as e:
    print(e, type(e.__context__).__name__)
try:
    raise ValueError
except ValueError as e:
    print('bare class raised:', repr(e), e.args)
try:
    raise KeyError('a', 1)
except LookupError as e:
    print('args:', e.args)
def gen_error(n):
    if n:
        raise IndexError(f'n={n}')
for n in range(3):
    try:
        gen_error(n)
        print('no error for', n)
    except IndexError as e:
        print('caught', e)
        continue
    finally:
        print('cleanup', n)
try:
    raise NotImplementedError('todo')
except RuntimeError as e:
    print('NotImplementedError is a RuntimeError:', e)
try:
    pass
finally:
    print('try/finally without except')
e_name = 'still here'
try:
    raise ValueError('x')
except ValueError as e_name:
    pass
try:
    print(e_name)
except NameError as err:
    print('NameError:', err)
count = 0
while True:
    try:
        count += 1
        if count < 3:
            continue
        break
    finally:
        print('loop finally', count)
try:
    raise Exception('a', 'b')
except Exception as e:
    print(str(e), e.args, len(e.args))
try:
    raise BaseException('base')
except Exception:
    print('not here')
except BaseException as e:
    print('BaseException caught', e)
