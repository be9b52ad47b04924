# ftpy-expect: SyntaxError: ftpy does not support yield in a lambda
g = lambda: (yield 1)
print(list(g()))
