# ftpy-expect: SyntaxError: ftpy does not support except* (exception groups)
try:
    pass
except* ValueError:
    pass
