/* The parking lot: a global table of wait queues keyed by address, after WebKit's
 * WTF::ParkingLot and CPython's Python/parking_lot.c (read, not copied).
 *
 * Why: ftc_mutex is one byte, far too small to hold a wait queue. Every lock in this layer keeps
 * only a HAS_PARKED bit in its own word; the threads that wait sleep here, in a FIFO queue in
 * the bucket that the lock's address hashes to.
 *
 * Structure. NBUCKETS buckets, each a raw mutex (below) and a doubly linked FIFO list of
 * waiters. Several addresses may share a bucket; the FIFO order among the waiters of one
 * address is their order of arrival. A waiter is a struct in the parking thread's stack frame,
 * so parking allocates nothing and cannot fail; it sleeps on a one-shot futex word inside that
 * struct. (A per-thread semaphore would also do, but a thread can nest waits: while parked with
 * detach, detaching releases critical-section locks, which may wait on a bucket's raw mutex; a
 * wake-up meant for one wait must never be consumed by another, and a word per wait makes that
 * impossible by construction. It also leaves nothing per thread to initialize, so threads
 * without a thread state park like any other, and nothing per thread to repair after fork.)
 *
 * Invariants (all under the bucket's lock):
 *   - a waiter is in its bucket's list iff w->queued;
 *   - only the thread that dequeues a waiter posts its semaphore, exactly once, after dropping
 *     the bucket lock; a waiter returns only after its semaphore was posted or after it removed
 *     itself from the list (timeout) — so no thread touches a waiter after its frame is gone,
 *     except the futex wake of the post, which is harmless on any address.
 *
 * Why no wake-up is lost: park() reads *addr and compares it with the expected value while
 * holding the bucket lock, and enqueues under the same hold. A thread that changes *addr and
 * then unparks takes the same bucket lock, so either park() saw the new value (and returns
 * FTC_PARK_AGAIN) or the waiter is already queued when unpark looks.
 *
 * Timeouts are measured on the monotonic clock (futex waits take a relative timeout that the
 * kernel measures on CLOCK_MONOTONIC). A waiter that times out takes the bucket lock and removes
 * itself; if it is no longer queued, an unparker dequeued it first and is about to post, so it
 * waits for that post and reports FTC_PARK_OK (the unparker's callback already acted on it:
 * for a mutex, the lock may have been handed to it).
 *
 * After fork(), only the forking thread exists in the child. Buckets may be locked by threads
 * that no longer exist and may list their dead frames: _ftc_locks_after_fork_child() resets
 * every bucket to empty and unlocked.
 */
#include "internal/parking_lot.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef __linux__
#error "the parking lot sleeps on Linux futexes"
#endif

/* ---- clock and timeouts ---- */

int64_t _ftc_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t _ftc_timeout_to_ns(double seconds)
{
    if (seconds < 0 || seconds != seconds)
        return -1;
    if (seconds >= 9.2e9) /* about 292 years: forever */
        return -1;
    return (int64_t)(seconds * 1e9);
}

/* ---- the one-shot semaphore ---- */

static long futex(uint32_t *uaddr, int op, uint32_t val, const struct timespec *timeout)
{
    return syscall(SYS_futex, uaddr, op, val, timeout, NULL, 0);
}

bool _ftc_sema_wait(ftc_sema *s, int64_t timeout_ns)
{
    int64_t deadline = timeout_ns >= 0 ? _ftc_monotonic_ns() + timeout_ns : 0;
    /* acquire: pairs with the release store in _ftc_sema_post, so everything the poster did
     * before posting (a handoff, a dequeue) is visible once we see the post. */
    while (ftc_atomic_load_acquire(&s->posted) == 0) {
        struct timespec rel, *relp = NULL;
        if (timeout_ns >= 0) {
            int64_t left = deadline - _ftc_monotonic_ns();
            if (left <= 0)
                return false;
            rel.tv_sec = (time_t)(left / 1000000000);
            rel.tv_nsec = (long)(left % 1000000000);
            relp = &rel;
        }
        /* Sleeps only while the word is still 0; EINTR, EAGAIN and spurious wake-ups loop. */
        futex(&s->posted, FUTEX_WAIT_PRIVATE, 0, relp);
    }
    return true;
}

void _ftc_sema_post(ftc_sema *s)
{
    /* release: pairs with the acquire load in _ftc_sema_wait. */
    ftc_atomic_store_release(&s->posted, 1u);
    futex(&s->posted, FUTEX_WAKE_PRIVATE, 1, NULL);
}

/* ---- raw mutex ----
 * The word is 0 (unlocked), 1 (locked), or a pointer to the newest waiter with bit 0 set
 * (locked, waiters stacked: each links to the one that came before). The holder pops one waiter
 * per unlock, leaving the word unlocked (pointer without bit 0), and the woken waiter competes
 * again. LIFO and unfair, which is fine for bucket locks that are held for a few list
 * operations. Only the holder pops, so the list cannot change under a pop except by pushes,
 * which the CAS detects. */

struct raw_waiter {
    struct raw_waiter *next;
    ftc_sema sema;
} __attribute__((aligned(8)));

void _ftc_raw_mutex_lock_slow(ftc_raw_mutex *m)
{
    unsigned spins = 0;
    uintptr_t v = ftc_atomic_load_relaxed(&m->v);
    for (;;) {
        if (!(v & 1)) {
            /* acquire: pairs with the release of the unlocker. */
            if (ftc_atomic_cas_acquire(&m->v, &v, v | 1))
                return;
            continue;
        }
        if (spins < 20) {
            spins++;
            ftc_cpu_relax();
            v = ftc_atomic_load_relaxed(&m->v);
            continue;
        }
        struct raw_waiter w;
        w.next = (struct raw_waiter *)(v & ~(uintptr_t)1);
        w.sema.posted = 0;
        /* release: publishes w's fields to the unlocker that pops w (its acquire load). */
        if (!ftc_atomic_cas_release(&m->v, &v, (uintptr_t)&w | 1))
            continue;
        _ftc_sema_wait(&w.sema, -1);
        v = ftc_atomic_load_relaxed(&m->v);
    }
}

void _ftc_raw_mutex_unlock_slow(ftc_raw_mutex *m)
{
    /* acquire: to read the top waiter's next field, published by its release CAS. */
    uintptr_t v = ftc_atomic_load_acquire(&m->v);
    for (;;) {
        if (!(v & 1))
            ftc_fatal("unlocking a raw mutex that is not locked");
        struct raw_waiter *w = (struct raw_waiter *)(v & ~(uintptr_t)1);
        uintptr_t next = w ? (uintptr_t)w->next : 0;
        /* acq_rel: release publishes our critical section; acquire for the next pop's read. */
        if (ftc_atomic_cas_acq_rel(&m->v, &v, next)) {
            if (w)
                _ftc_sema_post(&w->sema);
            return;
        }
    }
}

/* ---- buckets ---- */

#define NBUCKETS 257

struct waiter {
    struct waiter *next, *prev;
    const void *addr;
    void *park_arg;
    ftc_sema sema;
    bool queued;
};

struct bucket {
    ftc_raw_mutex lock;
    struct waiter *head, *tail;
} __attribute__((aligned(FTC_CACHE_LINE)));

static struct bucket buckets[NBUCKETS];

static struct bucket *bucket_for(const void *addr)
{
    uintptr_t a = (uintptr_t)addr;
    return &buckets[(a ^ (a >> 17)) % NBUCKETS];
}

static void enqueue(struct bucket *b, struct waiter *w)
{
    w->next = NULL;
    w->prev = b->tail;
    if (b->tail)
        b->tail->next = w;
    else
        b->head = w;
    b->tail = w;
    w->queued = true;
}

static void dequeue(struct bucket *b, struct waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        b->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        b->tail = w->prev;
    w->queued = false;
}

static struct waiter *find(struct waiter *from, const void *addr)
{
    for (struct waiter *w = from; w; w = w->next)
        if (w->addr == addr)
            return w;
    return NULL;
}

static bool holds_expected(const void *addr, const void *expected, size_t size)
{
    /* relaxed: the bucket lock orders this load against the unparker's change of *addr (it
     * changes it before taking the same lock); the caller's own synchronization on *addr is
     * done with its own atomics. */
    switch (size) {
    case 1: return ftc_atomic_load_relaxed((const uint8_t *)addr) == *(const uint8_t *)expected;
    case 2: return ftc_atomic_load_relaxed((const uint16_t *)addr) == *(const uint16_t *)expected;
    case 4: return ftc_atomic_load_relaxed((const uint32_t *)addr) == *(const uint32_t *)expected;
    case 8: return ftc_atomic_load_relaxed((const uint64_t *)addr) == *(const uint64_t *)expected;
    default: ftc_fatal("parking on a value of %zu bytes (1, 2, 4 or 8 expected)", size);
    }
}

static uint64_t park_count; /* atomic: threads queued by park since start, for tests */

uint64_t _ftc_parking_lot_parks(void)
{
    return ftc_atomic_load_relaxed(&park_count); /* relaxed: a statistic */
}

int _ftc_parking_lot_park(const void *addr, const void *expected, size_t size, int64_t timeout_ns,
                          void *park_arg, int detach)
{
    struct bucket *b = bucket_for(addr);
    struct waiter w = {.addr = addr, .park_arg = park_arg};

    _ftc_raw_mutex_lock(&b->lock);
    if (!holds_expected(addr, expected, size)) {
        _ftc_raw_mutex_unlock(&b->lock);
        return FTC_PARK_AGAIN;
    }
    enqueue(b, &w);
    _ftc_raw_mutex_unlock(&b->lock);
    ftc_atomic_fetch_add_relaxed(&park_count, 1); /* relaxed: a statistic */

    /* Detach only now: detaching may release critical-section locks and so unpark others,
     * which must not happen under our bucket lock. */
    ftc_tstate *ts = detach ? _ftc_tstate_current : NULL;
    if (ts)
        ftc_detach();

    int result = FTC_PARK_OK;
    if (!_ftc_sema_wait(&w.sema, timeout_ns)) {
        _ftc_raw_mutex_lock(&b->lock);
        bool still_queued = w.queued;
        if (still_queued)
            dequeue(b, &w);
        _ftc_raw_mutex_unlock(&b->lock);
        if (still_queued)
            result = FTC_PARK_TIMEOUT;
        else
            _ftc_sema_wait(&w.sema, -1); /* dequeued by an unparker: its post is coming */
    }

    if (ts)
        ftc_attach(ts);
    return result;
}

int _ftc_parking_lot_unpark(const void *addr, ftc_unpark_fn fn, void *arg)
{
    struct bucket *b = bucket_for(addr);
    _ftc_raw_mutex_lock(&b->lock);
    struct waiter *w = find(b->head, addr);
    int has_more = 0;
    if (w) {
        dequeue(b, w);
        has_more = find(w->next, addr) != NULL;
    }
    if (fn)
        fn(arg, w ? w->park_arg : NULL, has_more);
    _ftc_raw_mutex_unlock(&b->lock);
    if (w)
        _ftc_sema_post(&w->sema);
    return w != NULL;
}

int _ftc_parking_lot_unpark_all(const void *addr)
{
    struct bucket *b = bucket_for(addr);
    struct waiter *woken = NULL;
    int n = 0;
    _ftc_raw_mutex_lock(&b->lock);
    for (struct waiter *w = find(b->head, addr); w;) {
        struct waiter *nx = find(w->next, addr);
        dequeue(b, w);
        w->next = woken; /* reuse the link for a private list, posted after unlocking */
        woken = w;
        n++;
        w = nx;
    }
    _ftc_raw_mutex_unlock(&b->lock);
    while (woken) {
        struct waiter *nx = woken->next; /* read before the post: the frame may vanish after */
        _ftc_sema_post(&woken->sema);
        woken = nx;
    }
    return n;
}

int _ftc_parking_lot_count(const void *addr)
{
    struct bucket *b = bucket_for(addr);
    int n = 0;
    _ftc_raw_mutex_lock(&b->lock);
    for (struct waiter *w = find(b->head, addr); w; w = find(w->next, addr))
        n++;
    _ftc_raw_mutex_unlock(&b->lock);
    return n;
}

void _ftc_locks_after_fork_child(void)
{
    /* Only this thread exists now; every listed waiter belonged to a thread that does not.
     * Plain stores are fine: no other thread can observe them. */
    memset(buckets, 0, sizeof buckets);
}
