# Matrices as lists of lists: multiplication, transpose, determinant, identity, powers.
def matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]
def transpose(m):
    return [list(row) for row in zip(*m)]
def identity(n):
    return [[1 if i == j else 0 for j in range(n)] for i in range(n)]
def det(m):
    if len(m) == 1:
        return m[0][0]
    total = 0
    for c in range(len(m)):
        minor = [row[:c] + row[c + 1:] for row in m[1:]]
        total += (-1) ** c * m[0][c] * det(minor)
    return total
def mpow(m, p):
    result = identity(len(m))
    while p:
        if p & 1:
            result = matmul(result, m)
        m = matmul(m, m)
        p >>= 1
    return result
A = [[1, 2, 3], [4, 5, 6], [7, 8, 10]]
B = [[2, 0, 1], [1, 3, 2], [0, 1, 1]]
for row in matmul(A, B):
    print(' '.join(f'{v:4d}' for v in row))
print(transpose(A), det(A), det(B), det(identity(4)), det([[2, 1], [1, 2]]))
fibm = mpow([[1, 1], [1, 0]], 40)
print('fib(40) =', fibm[0][1])
print(matmul(A, identity(3)) == A, transpose(transpose(B)) == B)
grid = [[(r * 7 + c * 3) % 10 for c in range(6)] for r in range(4)]
for row in grid:
    print(row, sum(row), max(row))
print([sum(col) for col in zip(*grid)])
F = [[0.5, 0.25], [0.125, 1.0]]
print(matmul(F, F), det(F))
