# A daemon thread still blocked at exit does not keep the program alive; non-daemon threads
# are joined at exit even when the main thread does not join them, and their output is kept.
import threading

never = threading.Event()
started = threading.Event()


def blocked_forever():
    started.set()
    never.wait()
    print("never printed")


d = threading.Thread(target=blocked_forever, daemon=True)
d.start()
started.wait()
print("daemon alive:", d.is_alive(), d.daemon)

go = threading.Event()
results = []


def late_worker():
    go.wait()
    total = 0
    for i in range(10000):
        total += i
    print("late worker finished", total)


w = threading.Thread(target=late_worker)
w.start()
print("main thread ends without joining")
go.set()
