# ftpy-expect: SyntaxError: ftpy does not support metaclasses
class Meta(type):
    pass
class C(metaclass=Meta):
    pass
print(C)
