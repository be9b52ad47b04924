# dicts: word counting, inverted indexes, memoization and dict comprehensions (dict get/set,
# setdefault, items, update, pop, membership). Self-checking: totals agree between methods.
import sys


def words_of(n):
    out = []
    x = 12345
    for _ in range(n):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append("w" + str(x % 5000))
    return out


def count_get(words):
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    return counts


def count_setdefault(words):
    index = {}
    for i, w in enumerate(words):
        index.setdefault(w, []).append(i)
    return index


memo = {}


def collatz_len(n):
    if n == 1:
        return 1
    got = memo.get(n)
    if got is not None:
        return got
    if n % 2 == 0:
        r = 1 + collatz_len(n // 2)
    else:
        r = 1 + collatz_len(3 * n + 1)
    memo[n] = r
    return r


def main(n):
    words = words_of(n)
    counts = count_get(words)
    index = count_setdefault(words)
    assert sum(counts.values()) == n
    assert {k: len(v) for k, v in index.items()} == counts
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    inverse = {}
    for k, v in counts.items():
        inverse.setdefault(v, set()).add(k)
    assert sum(len(s) for s in inverse.values()) == len(counts)
    merged = dict(counts)
    merged.update({k: 0 for k in list(counts)[:100]})
    removed = 0
    for k in list(merged):
        if merged[k] == 0:
            merged.pop(k)
            removed += 1
    assert removed == 100 and len(merged) == len(counts) - 100
    best = max(range(1, n // 10), key=collatz_len)
    print(len(counts), top, len(inverse), best, collatz_len(best), len(memo) > 0)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 300000)
