# An uncaught exception in a thread is reported on stderr ("Exception in thread ...") and ends
# only that thread: the program and the other threads go on and the exit status is 0.
import threading

done = []


def fails(n):
    if n % 2:
        raise ValueError(f"bad {n}")
    done.append(n)


ts = [threading.Thread(target=fails, args=(k,)) for k in range(4)]
for t in ts:
    t.start()
for t in ts:
    t.join()
print(sorted(done))
print([t.is_alive() for t in ts])


def exits():
    raise SystemExit(3)


t = threading.Thread(target=exits)
t.start()
t.join()
print("SystemExit in a thread is silent; main continues")


class Boom(threading.Thread):
    def run(self):
        raise KeyError("boom")


b = Boom(name="boomer")
b.start()
b.join()
print("after boomer", b.is_alive())
