# Ends with an uncaught exception raised from another (raise ... from ...): the last line is the
# final exception's.
def convert(s):
    try:
        return float(s)
    except ValueError as e:
        raise RuntimeError(f'cannot convert {s!r}') from e
print(convert('2.5'))
print(convert('abc'))
