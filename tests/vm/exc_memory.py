# MemoryError for allocations no machine can satisfy: a repeated list or tuple whose size in
# bytes does not fit the address space is refused at once (never grown until the process dies).
for seq in ([0], (0,), [1, 2, 3]):
    try:
        big = seq * (2 ** 62)
    except MemoryError as e:
        print(type(seq).__name__, "MemoryError", e.args)
# The program goes on normally afterwards.
small = [0] * 5
print(small, (1, 2) * 2)
