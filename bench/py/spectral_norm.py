# spectral_norm: the largest eigenvalue of an infinite matrix by the power method (float
# arithmetic in nested loops, function calls, list comprehensions). Self-checking: the norm
# converges to 1.274224... for any size of at least 100.
import sys


def eval_a(i, j):
    ij = i + j
    return 1.0 / (ij * (ij + 1) // 2 + i + 1)


def eval_a_times_u(u):
    n = len(u)
    return [sum([eval_a(i, j) * u[j] for j in range(n)]) for i in range(n)]


def eval_at_times_u(u):
    n = len(u)
    return [sum([eval_a(j, i) * u[j] for j in range(n)]) for i in range(n)]


def eval_ata_times_u(u):
    return eval_at_times_u(eval_a_times_u(u))


def main(n):
    u = [1.0] * n
    v = None
    for _ in range(10):
        v = eval_ata_times_u(u)
        u = eval_ata_times_u(v)
    vbv = 0.0
    vv = 0.0
    for ue, ve in zip(u, v):
        vbv += ue * ve
        vv += ve * ve
    result = (vbv / vv) ** 0.5
    print(f"{result:.9f}")
    assert abs(result - 1.274224) < 1e-5, result


main(int(sys.argv[1]) if len(sys.argv) > 1 else 150)
