# ftpy-expect: SyntaxError: ftpy does not support the @ operator
class M:
    def __matmul__(self, other):
        return 1
print(M() @ M())
