# Classes: attributes, methods, inheritance, super(), class vs instance attributes.
class Animal:
    kingdom = 'animalia'
    count = 0
    def __init__(self, name, sound='...'):
        self.name = name
        self.sound = sound
        Animal.count += 1
    def speak(self):
        return f'{self.name} says {self.sound}'
    def kind(self):
        return 'animal'
    def describe(self):
        return f'{self.name} is an {self.kind()}'
class Dog(Animal):
    def __init__(self, name):
        super().__init__(name, 'woof')
        self.tricks = []
    def kind(self):
        return 'dog'
    def add_trick(self, trick):
        self.tricks.append(trick)
        return self
class Puppy(Dog):
    def kind(self):
        return 'young ' + super().kind()
    def speak(self):
        return super().speak().upper()
a = Animal('generic')
d = Dog('rex')
p = Puppy('bit')
d.add_trick('sit').add_trick('roll')
print(a.speak(), '|', d.speak(), '|', p.speak())
print(a.describe(), '|', d.describe(), '|', p.describe())
print(d.tricks, p.tricks, Animal.count, d.kingdom, Dog.kingdom)
print(isinstance(p, Puppy), isinstance(p, Dog), isinstance(p, Animal), isinstance(d, Puppy), isinstance(p, object), isinstance(3, (str, int)))
print(type(p).__name__, type(p) is Puppy, type(d) == Dog, Puppy.__name__)
d.kingdom = 'instance override'
print(d.kingdom, Dog.kingdom, a.kingdom)
Dog.kingdom = 'changed on Dog'
print(d.kingdom, p.kingdom, a.kingdom)
class Empty:
    pass
e = Empty()
e.dynamic = 1
print(e.dynamic, hasattr(e, 'dynamic'), hasattr(e, 'other'), getattr(e, 'other', 'dflt'))
setattr(e, 'other', 2)
print(e.other)
del e.other
print(hasattr(e, 'other'))
class Stack:
    def __init__(self):
        self._items = []
    def push(self, x):
        self._items.append(x)
    def pop(self):
        return self._items.pop()
    def __len__(self):
        return len(self._items)
st = Stack()
for v in range(5):
    st.push(v * v)
print(st.pop(), st.pop(), len(st), bool(st), bool(Stack()))
class Base:
    def __init__(self):
        self.log = ['Base']
class Mid(Base):
    def __init__(self):
        super().__init__()
        self.log.append('Mid')
class Leaf(Mid):
    def __init__(self):
        super(Leaf, self).__init__()
        self.log.append('Leaf')
print(Leaf().log)
m = d.speak
print(m(), m.__name__ if hasattr(m, '__name__') else 'speak')
print(Animal.speak(d))
try:
    a.missing
except AttributeError as ex:
    print('AttributeError:', ex)
try:
    Animal()
except TypeError as ex:
    print('TypeError:', ex)
class WithClassLevel:
    items = []
    def add(self, x):
        self.items.append(x)
w1, w2 = WithClassLevel(), WithClassLevel()
w1.add(1); w2.add(2)
print(w1.items, w2.items is w1.items)
