# queue.Queue: producers and consumers with sentinels, task_done/join, bounded put blocking.
import queue
import threading

q = queue.Queue()
results = []
lock = threading.Lock()
STOP = None


def producer(base):
    for i in range(100):
        q.put(base + i)


def consumer():
    local = []
    while True:
        item = q.get()
        if item is STOP:
            q.task_done()
            break
        local.append(item * 2)
        q.task_done()
    with lock:
        results.extend(local)


producers = [threading.Thread(target=producer, args=(k * 1000,)) for k in range(4)]
consumers = [threading.Thread(target=consumer) for _ in range(3)]
for t in producers + consumers:
    t.start()
for t in producers:
    t.join()
q.join()
print("after join: unfinished work done, qsize", q.qsize(), q.empty())
for _ in consumers:
    q.put(STOP)
for t in consumers:
    t.join()
print(len(results), sum(results), results == results and sorted(results)[:3])

# A bounded queue: put blocks until a consumer makes room; the order is FIFO.
bq = queue.Queue(maxsize=2)
print(bq.maxsize, bq.full(), bq.empty())
order = []


def slow_consumer():
    for _ in range(6):
        order.append(bq.get())


c = threading.Thread(target=slow_consumer)
c.start()
for i in range(6):
    bq.put(i)
c.join()
print(order, bq.full(), bq.qsize())

# Work queue with results returned through a second queue.
tasks = queue.Queue()
answers = queue.Queue()


def square_worker():
    while True:
        n = tasks.get()
        if n < 0:
            break
        answers.put((n, n * n))


ws = [threading.Thread(target=square_worker) for _ in range(4)]
for w in ws:
    w.start()
for n in range(20):
    tasks.put(n)
for _ in ws:
    tasks.put(-1)
for w in ws:
    w.join()
got = []
while not answers.empty():
    got.append(answers.get_nowait())
print(sorted(got)[:5], len(got))
