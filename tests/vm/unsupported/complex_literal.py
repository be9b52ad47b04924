# ftpy-expect: SyntaxError: ftpy does not support complex numbers
z = 3 + 4j
print(abs(z))
