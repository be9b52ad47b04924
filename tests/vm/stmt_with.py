# with: user context managers, exception suppression, nesting, locks.
import threading
class Tracker:
    def __init__(self, name, suppress=False):
        self.name = name
        self.suppress = suppress
    def __enter__(self):
        print('enter', self.name)
        return self.name.upper()
    def __exit__(self, exc_type, exc, tb):
        print('exit', self.name, exc_type.__name__ if exc_type else None, exc)
        return self.suppress
with Tracker('a') as value:
    print('body with', value)
with Tracker('outer') as o, Tracker('inner') as i:
    print('nested body', o, i)
with Tracker('suppressor', suppress=True):
    raise ValueError('swallowed')
print('after suppression')
try:
    with Tracker('passthrough'):
        raise KeyError('propagates')
except KeyError as e:
    print('caught outside:', e)
def early_return():
    with Tracker('ret'):
        return 'returned'
print(early_return())
for n in range(3):
    with Tracker(f'loop{n}'):
        if n == 1:
            continue
        if n == 2:
            break
        print('loop body', n)
lock = threading.Lock()
with lock:
    print('locked:', lock.locked())
print('unlocked:', lock.locked())
rlock = threading.RLock()
with rlock:
    with rlock:
        print('reentrant ok')
class Resource:
    opened = 0
    def __enter__(self):
        Resource.opened += 1
        return self
    def __exit__(self, *args):
        Resource.opened -= 1
        return False
    def use(self):
        return Resource.opened
with Resource() as r1:
    with Resource() as r2:
        print('open resources:', r2.use())
print('open after:', Resource.opened)
with Tracker('x') as (first):
    print(first)
class Swallow:
    def __enter__(self):
        return self
    def __exit__(self, t, v, tb):
        print('swallow got', t.__name__ if t else 'nothing')
        return t is ZeroDivisionError
with Swallow():
    1 / 0
try:
    with Swallow():
        [][1]
except IndexError as e:
    print('IndexError escaped:', e)
