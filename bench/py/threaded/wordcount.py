# Parallel word count: N threads count words of their share of a text into private dicts, then
# merge into one shared dict under a lock. Usage: wordcount.py THREADS WORDS.
# Self-checking: the merged counts equal a serial count.
import sys
import threading
import time

VOCAB = ["the", "of", "and", "to", "in", "is", "it", "that", "was", "for", "on", "are",
         "with", "as", "be", "at", "one", "have", "this", "from", "or", "had", "by", "word"]


def make_text(nwords):
    out = []
    x = 7
    for _ in range(nwords):
        x = (x * 1103515245 + 12345) % 2147483648
        out.append(VOCAB[x % len(VOCAB)] + str(x % 50))
    return out


def count(words, lo, hi):
    local = {}
    for i in range(lo, hi):
        w = words[i]
        local[w] = local.get(w, 0) + 1
    return local


def main():
    nthreads = int(sys.argv[1])
    nwords = int(sys.argv[2])
    words = make_text(nwords)
    total = {}
    lock = threading.Lock()

    def worker(lo, hi):
        local = count(words, lo, hi)
        with lock:
            for k, v in local.items():
                total[k] = total.get(k, 0) + v

    step = (nwords + nthreads - 1) // nthreads
    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i * step, min(nwords, (i + 1) * step)))
               for i in range(nthreads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert total == count(words, 0, nwords)
    print(f"wordcount {nthreads} seconds={elapsed:.6f} distinct={len(total)}")


main()
