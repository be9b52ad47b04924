# ftpy-expect: SyntaxError: ftpy does not support annotations
def add(a: int, b: int) -> int:
    return a + b
print(add(1, 2))
