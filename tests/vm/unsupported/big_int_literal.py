# ftpy-expect: SyntaxError: ftpy does not support integers beyond 64 bits
print(123456789012345678901234567890)
