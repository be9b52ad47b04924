# if/elif/else, while/else, for/else, break, continue, pass, nested loops.
def classify(n):
    if n < 0:
        return 'neg'
    elif n == 0:
        return 'zero'
    elif n < 10:
        return 'small'
    else:
        return 'big'
print([classify(v) for v in (-5, 0, 3, 99)])
i = 0
while i < 10:
    i += 1
    if i % 2:
        continue
    if i > 7:
        break
    print('even', i)
else:
    print('not reached')
n = 0
while n < 3:
    n += 1
else:
    print('while else ran, n =', n)
for x in [1, 2, 3]:
    if x == 5:
        break
else:
    print('for else ran')
for x in [1, 5, 3]:
    if x == 5:
        print('found 5')
        break
else:
    print('not reached')
for x in []:
    print('never')
else:
    print('empty for else')
primes = []
for cand in range(2, 40):
    for div in range(2, cand):
        if cand % div == 0:
            break
    else:
        primes.append(cand)
print(primes)
for a in range(3):
    for b in range(3):
        if b > a:
            continue
        if a == 2 and b == 1:
            break
        print((a, b), end=' ')
print()
count = 0
while True:
    count += 1
    if count >= 5:
        break
print('count', count)
if []:
    pass
elif {}:
    pass
else:
    pass
for ch in 'hello':
    pass
print('ch after loop:', ch)
for k in {'x': 1, 'y': 2}:
    print(k, end='')
print()
for a, b in zip('abc', [1, 2, 3]):
    print(a * b, end=' ')
print()
j = 10
while j:
    j -= 3
    if j < 0:
        print('below zero', j)
        break
