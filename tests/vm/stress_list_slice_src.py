# Stress: l[:] = src while another thread rewrites src whole (src[:] = [k] * N, atomic). A
# slice assignment reads its source atomically, so every copy holds N equal items. The
# assigning list may lock its source alone only when no other thread can reach it (a list the
# caller just built, as in l[:k] = l[k::-1]); here the source is shared, so both are locked.
# The last part checks the private path: sources built on the spot, also reversed.
import threading

N = 64
ROUNDS = 3000
src = [0] * N
start = threading.Barrier(2)
stop = threading.Event()


def writer():
    start.wait()
    k = 0
    while not stop.is_set():
        k += 1
        src[:] = [k] * N


def copier(out):
    start.wait()
    mixed = 0
    dst = []
    for _ in range(ROUNDS):
        dst[:] = src
        if len(dst) != N or dst.count(dst[0]) != N:
            mixed += 1
    stop.set()
    out.append(mixed)


res = []
w = threading.Thread(target=writer)
c = threading.Thread(target=copier, args=(res,))
w.start()
c.start()
c.join()
w.join()
print("mixed copies:", res[0])

# private sources: built by the expression, held by the assigning thread only
perm = list(range(10))
for k in range(1, 10):
    perm[:k + 1] = perm[k::-1]
print(perm)
perm[2:5] = [x * 10 for x in perm[2:5]]
print(perm)
perm[:] = perm[::-1]
print(perm)
