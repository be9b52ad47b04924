# ftpy-expect: SyntaxError: ftpy does not support multiple inheritance
class A:
    pass
class B:
    pass
class C(A, B):
    pass
print(C.__mro__)
