# Threads with target, args, kwargs and names; join, is_alive, ident; results collected and sorted.
import threading

results = []
lock = threading.Lock()


def work(n, scale=1, tag="t"):
    total = 0
    for i in range(n):
        total += i * scale
    with lock:
        results.append((tag, n, total))


threads = []
for k in range(6):
    t = threading.Thread(target=work, args=(100 * (k + 1),), kwargs={"scale": k, "tag": f"w{k}"})
    threads.append(t)

print(threads[0].is_alive(), threads[0].ident is None, threads[0].native_id is None)
print([t.name.split("-")[0] for t in threads])
print(all(t.name.endswith("(work)") for t in threads))
for t in threads:
    t.start()
for t in threads:
    t.join()
print([t.is_alive() for t in threads])
print(all(isinstance(t.ident, int) for t in threads))
for r in sorted(results):
    print(r)

named = threading.Thread(target=work, name="custom", args=(3,))
print(named.name, named.daemon)
named.start()
named.join()
named.name = "renamed"
print(named.name)
print(len(results))

noarg = threading.Thread()
noarg.start()
noarg.join()
print("no target ok", noarg.is_alive())

t = threading.Thread(target=work, args=(5,))
try:
    t.join()
except RuntimeError as e:
    print("RuntimeError", e)
t.start()
try:
    t.start()
except RuntimeError as e:
    print("RuntimeError", e)
t.join()
t.join(timeout=0.5)
try:
    threading.current_thread().join()
except RuntimeError as e:
    print("RuntimeError", e)
try:
    t.daemon = True
except RuntimeError as e:
    print("RuntimeError", e)
print(len(results))
