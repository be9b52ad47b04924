# current_thread, main_thread, get_ident, active_count, enumerate, daemon inheritance.
import threading

main = threading.main_thread()
print(main.name, main is threading.current_thread(), main.is_alive(), main.daemon)
print(threading.get_ident() == main.ident, isinstance(threading.get_native_id(), int))
print(threading.active_count(), [t.name for t in threading.enumerate()])

seen = []
lock = threading.Lock()
release = threading.Event()
inside = threading.Semaphore(0)


def worker():
    me = threading.current_thread()
    with lock:
        seen.append((me.name, me.ident == threading.get_ident(), me is not main,
                     threading.main_thread() is main, me.daemon))
    inside.release()
    release.wait()


ts = [threading.Thread(target=worker, name=f"w{k}") for k in range(3)]
ts.append(threading.Thread(target=worker, name="d", daemon=True))
for t in ts:
    t.start()
for _ in ts:
    inside.acquire()
print("while running:", threading.active_count())
print(sorted(t.name for t in threading.enumerate()))
release.set()
for t in ts:
    t.join()
print(sorted(seen))
print("after join:", threading.active_count(), [t.name for t in threading.enumerate()])


def spawn_child():
    child = threading.Thread(target=lambda: None)
    with lock:
        seen.append(("child daemon", child.daemon))


d = threading.Thread(target=spawn_child, daemon=True)
d.start()
d.join()
print(seen[-1])
print(repr(threading.Thread(name="x")))
