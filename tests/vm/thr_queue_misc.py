# queue: Empty and Full, timeouts, put_nowait/get_nowait, LifoQueue, SimpleQueue, task_done errors.
import queue
import threading

q = queue.Queue(maxsize=1)
try:
    q.get_nowait()
except queue.Empty:
    print("Empty from get_nowait")
try:
    q.get(timeout=0.01)
except queue.Empty:
    print("Empty after timeout")
try:
    q.get(block=False)
except queue.Empty as e:
    print("Empty", repr(str(e)))
q.put_nowait("a")
try:
    q.put_nowait("b")
except queue.Full:
    print("Full from put_nowait")
try:
    q.put("b", timeout=0.01)
except queue.Full:
    print("Full after timeout")
try:
    q.put("b", block=False)
except queue.Full:
    print("Full non-blocking")
print(q.get(), q.qsize())
try:
    q.get(timeout=-1)
except ValueError as e:
    print("ValueError:", e)
q.task_done()
try:
    q.task_done()
except ValueError as e:
    print("ValueError:", e)
q.join()
print(issubclass(queue.Empty, Exception), issubclass(queue.Full, Exception))

lq = queue.LifoQueue()
for i in range(5):
    lq.put(i)
print([lq.get() for _ in range(5)])

sq = queue.SimpleQueue()
print(sq.empty(), sq.qsize())
sq.put(1)
sq.put_nowait(2)
print(sq.qsize(), sq.get(), sq.get_nowait(), sq.empty())
try:
    sq.get(timeout=0.01)
except queue.Empty:
    print("SimpleQueue Empty")
print(hasattr(sq, "task_done"), hasattr(sq, "join"))

# A get blocked in one thread is woken by a put from another.
handoff = queue.SimpleQueue()
back = queue.SimpleQueue()


def echo():
    for _ in range(3):
        back.put(handoff.get() + 1)


t = threading.Thread(target=echo)
t.start()
vals = []
for i in range(3):
    handoff.put(i * 10)
    vals.append(back.get(timeout=30))
t.join()
print(vals)

unbounded = queue.Queue()
for i in range(1000):
    unbounded.put(i)
print(unbounded.qsize(), unbounded.full(), sum(unbounded.get() for _ in range(1000)))
