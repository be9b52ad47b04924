# range: forms, len, membership, iteration, reversed, indexing.
print(range(5), range(1, 5), range(1, 10, 2), range(10, 0, -3))
print(list(range(5)), list(range(2, 5)), list(range(0, 10, 3)), list(range(5, 0, -1)), list(range(0)), list(range(5, 2)))
r = range(3, 20, 4)
print(len(r), r[0], r[-1], r[2], 7 in r, 8 in r, 19 in r, list(reversed(r)), sum(r), max(r), min(r))
print(len(range(0, -10, -2)), list(range(-5, 5, 3)), len(range(10**6)), range(10**6)[-1])
total = 0
for i in range(1, 101):
    total += i
print(total)
for i in range(3, 0, -1):
    print(i, end=' ')
print()
print([i * i for i in range(6)], list(enumerate(range(3), 1)), list(zip(range(3), range(10, 13))))
print(range(4) == range(4), bool(range(0)), bool(range(1)))
try:
    range(3)[5]
except IndexError as e:
    print('IndexError:', e)
try:
    range(1, 2, 0)
except ValueError as e:
    print('ValueError:', e)
