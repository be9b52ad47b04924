# nqueens: count and list the solutions of the n-queens problem with generators, yield from,
# generator expressions and comprehensions. Self-checking: the solution counts are known
# (n=4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352), and every solution is verified.
import sys

KNOWN = {4: 2, 5: 10, 6: 4, 7: 40, 8: 92, 9: 352, 10: 724}


def place(n, row, cols, diag1, diag2, partial):
    if row == n:
        yield tuple(partial)
        return
    for col in range(n):
        if col in cols or (row + col) in diag1 or (row - col) in diag2:
            continue
        partial.append(col)
        cols.add(col)
        diag1.add(row + col)
        diag2.add(row - col)
        yield from place(n, row + 1, cols, diag1, diag2, partial)
        partial.pop()
        cols.discard(col)
        diag1.discard(row + col)
        diag2.discard(row - col)


def valid(sol):
    n = len(sol)
    return all(sol[i] != sol[j] and abs(sol[i] - sol[j]) != j - i
               for i in range(n) for j in range(i + 1, n))


def solutions(n):
    return place(n, 0, set(), set(), set(), [])


def main(max_n):
    total = 0
    for n in range(4, max_n + 1):
        sols = [s for s in solutions(n)]
        assert all(valid(s) for s in sols)
        assert len(set(sols)) == len(sols)
        assert len(sols) == KNOWN[n], (n, len(sols))
        firsts = {s[0] for s in sols}
        total += len(sols)
        print(n, len(sols), sorted(firsts)[:3], sols[0])
    print("total", total)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
