# assert: passing assertions, a caught failure, then an uncaught one with a message.
def checked_sqrt(x):
    assert x >= 0, f'negative input: {x}'
    return x ** 0.5
print(checked_sqrt(16))
try:
    checked_sqrt(-1)
except AssertionError as e:
    print('caught:', e)
assert True
assert [1], 'non-empty list is true'
values = [3, 1, 2]
assert sorted(values) == [1, 2, 3]
assert len(values) == 4, f'expected four values, got {len(values)}'
