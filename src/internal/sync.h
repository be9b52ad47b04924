/* Internal to the threading API (src/sync_*.c, src/tls.c, src/future.c, src/pool.c): wait
 * queues of parked threads, and the lock cores that the Lock, RLock and Condition objects, the
 * futures and the pool share.
 *
 * The one waiting mechanism. Every primitive here (Lock, RLock, Semaphore, Event, Condition,
 * Barrier, Future, the pool's work queue) keeps its own FIFO queue of waiters, guarded by a
 * short-held ftc_mutex ("mu") of that primitive. A waiter is a struct in the waiting thread's
 * frame; the thread enqueues it while holding mu, drops mu, and sleeps on the parking lot keyed
 * by the address of the waiter's own state word, so a wake-up can be aimed at one thread (the
 * parking lot compares the word with WAITING under its bucket lock: a state change made before
 * the thread parks is never missed).
 *
 * Waiter state (atomic, in the waiter's frame):
 *   WAITING      enqueued (or about to be) and sleeping;
 *   WOKEN        dequeued by a notifier: re-check the condition (Event, Condition, retry a lock);
 *   HANDOFF      dequeued by a releaser that gave the resource to this waiter directly (a Lock
 *                stays locked for it; a semaphore unit was not returned to the count);
 *   INTERRUPTED  an asynchronous exception was sent to the thread (ftc_thread_set_async_exc).
 * Only WAITING changes, and only by CAS: a notifier (holding mu) CASes WAITING->WOKEN/HANDOFF
 * after dequeuing; the async-exception hook CASes WAITING->INTERRUPTED without mu. Whoever wins
 * decides; a notifier that loses skips that waiter (it is already dequeued) and wakes the next.
 *
 * Lifetime of a waiter's frame: notifiers wake while still holding mu, and a waiter always
 * takes mu after it stops sleeping (_ftc_waiter_finish) before it leaves the frame; the
 * async hook reaches the waiter through the tstate's sync_wait word, which the waiter clears
 * (waiting out a hook in progress) before leaving. So no one touches a dead frame. (The
 * parking lot itself only hashes addresses, so a late unpark of a stale address is harmless.)
 *
 * Detaching: a waiter sleeps detached (GIL released / QSBR offline) when its caller is
 * attached, and re-attaches before it takes mu again. mu is never held while attaching,
 * ticking or sleeping. And mu itself is taken WITHOUT detaching (_ftc_mu_lock): a thread that
 * parked detached on a mutex may be handed it and then block in attach (on the GIL, or while
 * the world is stopped) while holding it; a stop-the-world requester that then needs mu
 * (fork's prepare handler needs the TLS keys' lock, found by tests/stress/tls_stress.c
 * fork_while_keys_churn) would wait forever. Taking mu attached is safe because its holders
 * only run a few instructions: they never attach, tick or sleep while holding it, so a
 * stop-the-world completes once they let go, and in the GIL build a holder that runs while
 * a GIL holder waits for mu is a detached thread, which does not need the GIL.
 */
#ifndef FTCORE_INTERNAL_SYNC_H
#define FTCORE_INTERNAL_SYNC_H

#include "internal/core.h"
#include "internal/parking_lot.h"

/* Locks a primitive's short-held internal mutex (see above: never detaches). */
static inline void _ftc_mu_lock_at(ftc_mutex *m, const char *file, int line)
{
    /* For the lock-order checker a blocking lock that does not detach, though it tries first. */
    FTC_LO_ACQUIRE_(m, 0, 0, file, line);
    FTC_UNUSED(file);
    FTC_UNUSED(line);
    if (FTC_UNLIKELY(!_ftc_mutex_trylock_raw(m)))
        (void)_ftc_mutex_lock_timed_raw(m, -1, FTC_LOCK_NODETACH);
}
#define _ftc_mu_lock(m) _ftc_mu_lock_at((m), __FILE__, __LINE__)

/* ---- waiters and wait queues ---- */

enum {
    FTC_W_WAITING = 0,
    FTC_W_WOKEN = 1,
    FTC_W_HANDOFF = 2,
    FTC_W_INTERRUPTED = 3,
    FTC_W_TIMEDOUT = 4 /* never stored: a result of _ftc_waiter_sleep / _ftc_waiter_finish */
};

/* Flags of the internal waits. */
enum {
    FTC_SYNC_UNINTERRUPTIBLE = 0,
    FTC_SYNC_INTERRUPTIBLE = 1 /* an async exception sent to the thread ends the sleep */
};

typedef struct _ftc_waiter {
    struct _ftc_waiter *next, *prev; /* the queue; its mu */
    uint32_t state;                  /* atomic: FTC_W_* */
    bool queued;                     /* in a queue; its mu */
    int64_t since_ns;                /* when it first queued (Lock fairness); 0 = not yet */
} _ftc_waiter;

typedef struct _ftc_waitq {
    _ftc_waiter *head, *tail; /* FIFO; the owning primitive's mu */
    size_t n;
} _ftc_waitq;

void _ftc_waitq_push_back(_ftc_waitq *q, _ftc_waiter *w);  /* mu held; sets WAITING */
void _ftc_waitq_push_front(_ftc_waitq *q, _ftc_waiter *w); /* mu held; sets WAITING */
void _ftc_waitq_remove(_ftc_waitq *q, _ftc_waiter *w);     /* mu held */
/* Dequeues waiters from the head and moves each from WAITING to `state` (WOKEN or HANDOFF),
 * waking it, until one succeeded (returns 1) or the queue is empty (0). Interrupted waiters
 * met on the way are dequeued and skipped. mu held. */
int _ftc_waitq_wake_one(_ftc_waitq *q, uint32_t state);
/* Wakes up to n waiters (WOKEN); returns how many. mu held. */
size_t _ftc_waitq_wake(_ftc_waitq *q, size_t n);
static inline bool _ftc_waitq_empty(const _ftc_waitq *q) { return q->head == NULL; }

/* Sleeps until w leaves WAITING or the deadline (ns on _ftc_monotonic_ns; < 0 = none) passes.
 * Called holding no lock, w enqueued; detaches while asleep if the caller is attached. With
 * FTC_SYNC_INTERRUPTIBLE (and an attached caller) an async exception ends the sleep.
 * Returns the state seen (WOKEN, HANDOFF, INTERRUPTED) or FTC_W_TIMEDOUT. */
int _ftc_waiter_sleep(_ftc_waiter *w, int64_t deadline_ns, int flags);
/* After _ftc_waiter_sleep, with mu held again: removes w from q if it is still there and
 * returns the final outcome: WOKEN / HANDOFF (a notifier got it first: this overrides a
 * timeout), INTERRUPTED, or FTC_W_TIMEDOUT. */
int _ftc_waiter_finish(_ftc_waitq *q, _ftc_waiter *w, int slept);

/* Condition-variable style wait on q, guarded by mu: mu held on entry and on return.
 * Returns the outcome as _ftc_waiter_finish does. */
int _ftc_waitq_wait(_ftc_waitq *q, ftc_mutex *mu, int64_t deadline_ns, int flags);

/* Timeout (seconds: < 0 forever, 0 try) to an absolute deadline in ns (-1 = none); NaN gives
 * FTC_EINVAL in *err. */
int64_t _ftc_sync_deadline(double timeout, int *err);

/* After an INTERRUPTED wake, holding no lock: runs the caller's eval tick (attached), which
 * consumes the pending async exception. Returns its code (< 0): the wait must return it; or 0
 * (the exception was withdrawn meanwhile): the wait goes on. */
int _ftc_sync_take_interrupt(void);

/* ---- the Lock core (Lock objects, RLock, Condition, futures' users) ----
 * word: bit 0 LOCKED, bit 1 HAS_WAITERS (some thread is, or is about to be, in q).
 *   0b00 free; 0b01 locked; 0b11 locked, waiters queued; 0b10 free, a woken waiter retrying.
 * Fast paths are single CASes on word; the slow paths take mu. Non-reentrant, no owner. */
#define FTC_LOCK_LOCKED 1u
#define FTC_LOCK_HAS_WAITERS 2u

typedef struct _ftc_lockcore {
    uint32_t word; /* atomic */
    ftc_mutex mu;  /* guards q */
    _ftc_waitq q;
} _ftc_lockcore;

int _ftc_lockcore_acquire_slow(_ftc_lockcore *l, double timeout, int flags);
int _ftc_lockcore_release_slow(_ftc_lockcore *l);

/* Takes l if it is free, whether or not waiters are queued (a free lock with HAS_WAITERS is
 * one whose woken waiter has not retried yet: barging is allowed, as with ftc_mutex). */
static inline bool _ftc_lockcore_try(_ftc_lockcore *l)
{
    uint32_t v = 0;
    /* acquire: pairs with the release CAS/store of the previous holder's release. The first
     * CAS assumes the common state (free, nobody queued); on failure v holds the real word. */
    while (!ftc_atomic_cas_acquire(&l->word, &v, v | FTC_LOCK_LOCKED)) {
        if (v & FTC_LOCK_LOCKED)
            return false;
    }
    return true;
}
/* 0, FTC_ETIMEDOUT, FTC_EINVAL (NaN timeout), or an async exception's code (interruptible). */
static inline int _ftc_lockcore_acquire(_ftc_lockcore *l, double timeout, int flags)
{
#if FTC_DEBUG_LEVEL >= 1
    /* The lock-order checker (include/ftcore/lockorder.h): the core is the Lock's, the RLock's
     * and the Condition's lock; its waits detach. A try is reported once it succeeded, a wait
     * before it starts (withdrawn if it fails). NaN is refused by the callers first. */
    if (timeout == 0) {
        bool ok = _ftc_lockcore_try(l);
        if (ok)
            _ftc_lockorder_acquire(l, 0, FTC_LO_TRY, __FILE__, __LINE__);
        return ok ? 0 : FTC_ETIMEDOUT;
    }
    _ftc_lockorder_acquire(l, 0, FTC_LO_WAIT_(timeout, 1), __FILE__, __LINE__);
    int rc = _ftc_lockcore_try(l) ? 0 : _ftc_lockcore_acquire_slow(l, timeout, flags);
    if (rc != 0)
        _ftc_lockorder_release(l);
    return rc;
#else
    if (FTC_LIKELY(_ftc_lockcore_try(l)))
        return 0;
    return _ftc_lockcore_acquire_slow(l, timeout, flags);
#endif
}
/* 0, or FTC_ESTATE if l is not locked. */
static inline int _ftc_lockcore_release(_ftc_lockcore *l)
{
    uint32_t expected = FTC_LOCK_LOCKED;
    /* release: publishes the critical section to the next acquirer's acquire CAS. */
    if (FTC_LIKELY(ftc_atomic_cas_release(&l->word, &expected, 0))) {
        FTC_LO_RELEASE_(l);
        return 0;
    }
    int rc = _ftc_lockcore_release_slow(l);
    if (rc == 0)
        FTC_LO_RELEASE_(l);
    return rc;
}
static inline bool _ftc_lockcore_locked(_ftc_lockcore *l)
{
    /* relaxed: a snapshot (Condition's ownership check for a plain Lock, as Python's). */
    return (ftc_atomic_load_relaxed(&l->word) & FTC_LOCK_LOCKED) != 0;
}

/* ---- the RLock core ---- */
typedef struct _ftc_rlockcore {
    _ftc_lockcore lock;
    uint64_t owner; /* atomic relaxed: ftc_thread_ident() of the holder, 0 when free */
    uint64_t level; /* owner only */
} _ftc_rlockcore;

int _ftc_rlockcore_acquire(_ftc_rlockcore *r, double timeout, int flags);
int _ftc_rlockcore_release(_ftc_rlockcore *r); /* 0 or FTC_EPERM */
static inline bool _ftc_rlockcore_owned(_ftc_rlockcore *r)
{
    /* relaxed: the only store of our own ident is ours (program order); any other value,
     * however stale, compares unequal. */
    return ftc_atomic_load_relaxed(&r->owner) == ftc_thread_ident();
}

/* ---- object layouts shared between the sync files ---- */
typedef struct _ftc_lock_obj {
    FTC_OBJECT_HEAD;
    _ftc_lockcore core;
} _ftc_lock_obj;

typedef struct _ftc_rlock_obj {
    FTC_OBJECT_HEAD;
    _ftc_rlockcore core;
} _ftc_rlock_obj;

typedef struct _ftc_cond_obj {
    FTC_OBJECT_HEAD;
    ftc_object *lock;  /* the Lock or RLock; a reference; immutable */
    bool is_rlock;     /* immutable */
    ftc_mutex mu;      /* guards q */
    uint32_t nwaiting; /* atomic; waiters between their enqueue and their finish; written
                          under mu, read without it by notify (src/sync_cond.c) */
    _ftc_waitq q;
} _ftc_cond_obj;

/* Finishes a future with code (< 0) or result (code 0; the reference is stolen); FTC_ESTATE
 * if it is done already (the result is released). src/future.c, for src/pool.c. */
int _ftc_future_finish(ftc_object *future, int code, ftc_object *result);

/* Marks a freshly created primitive as shared and hot (src/refcount_hot.c; docs/architecture.md,
 * "Hot shared objects"). */
void _ftc_sync_mark_shared(ftc_object *o);

#endif /* FTCORE_INTERNAL_SYNC_H */
