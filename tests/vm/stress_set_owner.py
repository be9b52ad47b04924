# Stress: a set's owner tests membership without the set's section while the set is private
# (vm/set.c, "The owner's membership tests"); here another thread makes it shared and changes
# it (adds that grow the table, discards, clear) while the owner keeps probing. The owner's
# probes use strings equal to the ones being added and removed (fresh objects on both sides,
# so a probe compares the contents of the set's own key, which the writer frees when it
# removes it): a probe that read a freed key or table is caught under ASan, a wrong answer by
# the checks (keys that stay are always found, keys never added never are).
import threading

ROUNDS = 150
WRITES = 240
errors = []

for r in range(ROUNDS):
    s = set()
    stay = [f"stay-{r}-{i}" for i in range(4)]
    for k in stay:
        s.add(k)
    probing = threading.Event()
    done = threading.Event()

    def writer():
        probing.wait()  # the owner is in its probe loop: the first write races its probes
        for i in range(WRITES):
            k = f"v-{r}-{i}"
            s.add(k)
            if i % 3 == 0:
                s.discard(f"v-{r}-{i // 2}")
            if i % 100 == 99:
                s.difference_update([x for x in list(s) if x.startswith("v-")])
        done.set()

    t = threading.Thread(target=writer)
    t.start()
    probes = 0
    probing.set()
    while not done.is_set() or probes < 50:
        for i in range(0, WRITES, 7):
            f"v-{r}-{i}" in s  # any answer: the key comes and goes
        for k in stay:
            if f"stay-{r}-{int(k.split('-')[2])}" not in s:
                errors.append(("lost", r, k))
        if f"never-{r}" in s:
            errors.append(("phantom", r))
        probes += 1
    t.join()
    if sorted(x for x in s if x.startswith("stay-")) != sorted(stay):
        errors.append(("final", r))

# A set the owner fills and empties alone: every answer is exact.
u = set()
for r in range(200):
    for i in range(r % 40):
        u.add(f"k{i}")
    assert all(f"k{i}" in u for i in range(r % 40))
    assert f"k{r % 40}" not in u
    if r % 2:
        u.clear()
    else:
        for i in range(r % 40):
            u.discard(f"k{i}")
    assert len(u) == 0 and "k0" not in u

print("errors", errors[:5], len(errors))
