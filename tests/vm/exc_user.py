# User exception classes: hierarchy, custom __init__/__str__, args, catching by base.
class AppError(Exception):
    pass
class ConfigError(AppError):
    def __init__(self, key, reason='missing'):
        super().__init__(key, reason)
        self.key = key
        self.reason = reason
    def __str__(self):
        return f'config key {self.key!r}: {self.reason}'
class RetryableError(AppError):
    def __init__(self, attempts):
        super().__init__(f'gave up after {attempts} attempts')
        self.attempts = attempts
def load(key):
    if key == 'bad':
        raise ConfigError(key, 'invalid')
    if key == 'gone':
        raise ConfigError(key)
    if key == 'flaky':
        raise RetryableError(3)
    return key.upper()
for k in ['ok', 'bad', 'gone', 'flaky']:
    try:
        print('loaded', load(k))
    except ConfigError as e:
        print('ConfigError:', e, '| args:', e.args, '| key:', e.key, '| repr:', repr(e))
    except AppError as e:
        print(type(e).__name__ + ':', e, e.attempts, isinstance(e, AppError), isinstance(e, Exception))
class Plain(Exception):
    pass
try:
    raise Plain
except Plain as e:
    print('Plain:', repr(e), str(e) == '', e.args)
try:
    raise Plain('with', 'args')
except Exception as e:
    print('Plain:', e, repr(e))
class WithDefault(ValueError):
    def __init__(self, msg='default message'):
        super().__init__(msg)
try:
    raise WithDefault()
except ValueError as e:
    print('caught as ValueError:', e, type(e).__name__)
errors = []
for exc in [AppError('a'), ConfigError('b'), RetryableError(1), WithDefault('c')]:
    try:
        raise exc
    except (ConfigError, WithDefault) as e:
        errors.append('specific ' + type(e).__name__)
    except AppError as e:
        errors.append('general ' + type(e).__name__)
print(errors)
class Chained(Exception):
    pass
try:
    try:
        load('bad')
    except ConfigError as inner:
        raise Chained('while loading') from inner
except Chained as e:
    print(e, '| cause:', e.__cause__, '|', type(e.__cause__).__name__)
def cleanup_order():
    log = []
    try:
        try:
            raise AppError('x')
        except AppError:
            log.append('handler')
            raise
        finally:
            log.append('inner finally')
    except AppError:
        log.append('outer handler')
    return log
print(cleanup_order())
e1 = AppError('msg')
e1.extra = 'attribute on exception'
print(e1.extra, e1.args)
