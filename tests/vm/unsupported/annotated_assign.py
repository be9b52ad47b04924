# ftpy-expect: SyntaxError: ftpy does not support annotations
count: int = 0
print(count)
