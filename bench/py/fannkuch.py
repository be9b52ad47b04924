# fannkuch: the "pancake flipping" benchmark (list slicing, slice reversal, swaps, index
# arithmetic). Self-checking: the maximum flip counts and checksums are known for n = 7..10.
import sys

KNOWN = {7: (228, 16), 8: (1616, 22), 9: (8629, 30), 10: (73196, 38)}


def fannkuch(n):
    perm1 = list(range(n))
    count = [0] * n
    max_flips = 0
    checksum = 0
    sign = 1
    r = n
    while True:
        while r != 1:
            count[r - 1] = r
            r -= 1
        perm = perm1[:]
        flips = 0
        k = perm[0]
        while k:
            perm[:k + 1] = perm[k::-1]
            flips += 1
            k = perm[0]
        if flips > max_flips:
            max_flips = flips
        checksum += flips if sign == 1 else -flips
        sign = -sign
        while True:
            if r == n:
                return checksum, max_flips
            p0 = perm1[0]
            for i in range(r):
                perm1[i] = perm1[i + 1]
            perm1[r] = p0
            count[r] -= 1
            if count[r] > 0:
                break
            r += 1


def main(n):
    checksum, flips = fannkuch(n)
    print(checksum)
    print(f"Pfannkuchen({n}) = {flips}")
    if n in KNOWN:
        assert (checksum, flips) == KNOWN[n], (checksum, flips)


main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
