# Decorators: plain, with arguments, stacked, staticmethod, classmethod, property.
calls = []
def trace(fn):
    def wrapper(*args, **kwargs):
        calls.append(fn.__name__)
        return fn(*args, **kwargs)
    return wrapper
def repeat(n):
    def deco(fn):
        def wrapper(*args):
            return [fn(*args) for _ in range(n)]
        return wrapper
    return deco
def tag(label):
    return lambda fn: (lambda *a: f'<{label}>{fn(*a)}</{label}>')
@trace
def add(a, b):
    return a + b
@repeat(3)
def hello(name):
    return 'hi ' + name
@tag('b')
@tag('i')
def text(s):
    return s
print(add(2, 3), add(b=1, a=2), calls)
print(hello('x'), text('bold italic'))
registry = {}
def register(fn):
    registry[fn.__name__] = fn
    return fn
@register
def first():
    return 1
@register
def second():
    return 2
print(sorted(registry), registry['second']())
class Temperature:
    scale = 'C'
    def __init__(self, celsius):
        self._c = celsius
    @property
    def celsius(self):
        return self._c
    @celsius.setter
    def celsius(self, value):
        if value < -273.15:
            raise ValueError('below absolute zero')
        self._c = value
    @property
    def fahrenheit(self):
        return self._c * 9 / 5 + 32
    @staticmethod
    def convert(c):
        return c * 9 / 5 + 32
    @classmethod
    def freezing(cls):
        return cls(0)
    @classmethod
    def describe(cls):
        return cls.__name__ + ' in ' + cls.scale
class Kelvinish(Temperature):
    scale = 'K-ish'
tc = Temperature(25)
print(tc.celsius, tc.fahrenheit, Temperature.convert(100), tc.convert(-40))
tc.celsius = 30
print(tc.celsius, tc.fahrenheit)
try:
    tc.celsius = -300
except ValueError as e:
    print('ValueError:', e)
try:
    tc.fahrenheit = 1
except AttributeError as e:
    print('AttributeError raised')
fz = Kelvinish.freezing()
print(type(fz).__name__, fz.celsius, Kelvinish.describe(), Temperature.describe(), tc.describe())
class Counter:
    instances = 0
    def __init__(self):
        Counter.instances += 1
    @classmethod
    def how_many(cls):
        return cls.instances
Counter(); Counter()
print(Counter.how_many(), Counter().how_many())
