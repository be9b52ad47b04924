/* Semaphore and BoundedSemaphore.
 *
 * State: one word, value << 1 | HAS_WAITERS, plus a FIFO queue of sleeping acquirers guarded by
 * a one-byte ftc_mutex `mu`.
 *
 * Invariants (mu held):
 *   - HAS_WAITERS is set iff the queue is non-empty, or a waiter that set it is about to queue
 *     or has just left it (both under mu, so with mu held it means "queue non-empty");
 *   - HAS_WAITERS set implies value == 0: an acquirer sets the bit only when it finds no unit,
 *     and while the bit is set a release never raises the value; it hands its units directly to
 *     the oldest waiters (HANDOFF: the unit never becomes visible to a barging acquirer), and
 *     adds what is left to the value only when it empties the queue, clearing the bit in the
 *     same store.
 * So the fast paths are single CASes without mu: acquire takes a unit when value >= 1 (which
 * implies no waiters); release adds units when HAS_WAITERS is clear. A release that finds the
 * bit set takes mu and hands off. No unit can be added while a waiter sleeps, hence no lost
 * wake-up, and waiters are served in arrival order.
 *
 * Python's rule for the count at a wait: release(n) wakes up to n waiters. A BoundedSemaphore
 * refuses (FTC_EINVAL, nothing changed) a release that would take value + n above the initial
 * value; with waiters queued the value is 0 and every handed-off unit leaves the count
 * unchanged, so the check is n <= bound there.
 */
#include "internal/sync.h"

#include <math.h>

#define SEM_HAS_WAITERS UINT64_C(1)
#define SEM_UNIT UINT64_C(2)

typedef struct sem_obj {
    FTC_OBJECT_HEAD;
    uint64_t word;  /* atomic: value << 1 | SEM_HAS_WAITERS */
    uint64_t bound; /* BoundedSemaphore: the initial value; immutable */
    ftc_mutex mu;   /* guards q */
    _ftc_waitq q;
} sem_obj;

const ftc_type ftc_semaphore_type = {
    .name = "Semaphore",
    .basicsize = sizeof(sem_obj),
};

const ftc_type ftc_bounded_semaphore_type = {
    .name = "BoundedSemaphore",
    .basicsize = sizeof(sem_obj),
};

static int sem_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    const ftc_type *t = ftc_type_of(o);
    return t == &ftc_semaphore_type || t == &ftc_bounded_semaphore_type ? 0 : FTC_ETYPE;
}

static ftc_object *sem_new(const ftc_type *type, uint64_t value)
{
    if (value > (uint64_t)FTC_SEMAPHORE_MAX) {
        ftc_set_last_error(FTC_EOVERFLOW);
        return NULL;
    }
    ftc_object *o = ftc_object_new(type);
    if (o == NULL)
        return NULL;
    sem_obj *s = (sem_obj *)o;
    ftc_atomic_store_relaxed(&s->word, value * SEM_UNIT); /* published with the object */
    s->bound = value;
    _ftc_sync_mark_shared(o);
    return o;
}

ftc_object *ftc_semaphore_new(uint64_t value) { return sem_new(&ftc_semaphore_type, value); }

ftc_object *ftc_bounded_semaphore_new(uint64_t value)
{
    return sem_new(&ftc_bounded_semaphore_type, value);
}

static bool sem_try(sem_obj *s)
{
    uint64_t v = ftc_atomic_load_relaxed(&s->word);
    while (v >= SEM_UNIT) {
        /* acquire: pairs with the release CAS/store that added the unit, so the releaser's
         * earlier writes are visible to us (a semaphore used as a signal). */
        if (ftc_atomic_cas_weak_acquire(&s->word, &v, v - SEM_UNIT))
            return true;
    }
    return false;
}

static int sem_acquire(sem_obj *s, double timeout);

/* The lock-order checker (include/ftcore/lockorder.h) sees a unit as a shared hold: released by
 * whichever thread releases it (a semaphore has no owner), units of one semaphore may nest. */
int ftc_semaphore_acquire(ftc_object *sem, double timeout)
{
    int rc = sem_check(sem);
    if (rc)
        return rc;
    if (isnan(timeout))
        return FTC_EINVAL;
    if (timeout == 0) {
        rc = sem_acquire((sem_obj *)sem, 0);
        if (rc == 0)
            FTC_LO_ACQUIRE_(sem, 0, FTC_LO_TRY | FTC_LO_SHARED, __FILE__, __LINE__);
        return rc;
    }
    FTC_LO_ACQUIRE_(sem, 0, FTC_LO_WAIT_(timeout, 1) | FTC_LO_SHARED, __FILE__, __LINE__);
    rc = sem_acquire((sem_obj *)sem, timeout);
    if (rc != 0)
        FTC_LO_RELEASE_(sem);
    return rc;
}

static int sem_acquire(sem_obj *s, double timeout)
{
    if (FTC_LIKELY(sem_try(s)))
        return 0;
    int err; /* only a NaN timeout sets it, and that was refused above */
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (timeout == 0)
        return FTC_ETIMEDOUT;

    _ftc_mu_lock(&s->mu);
    for (;;) {
        uint64_t v = ftc_atomic_load_relaxed(&s->word);
        if (v >= SEM_UNIT) {
            if (ftc_atomic_cas_acquire(&s->word, &v, v - SEM_UNIT)) /* acquire: as sem_try */
                break;
            continue;
        }
        if (!(v & SEM_HAS_WAITERS) && !ftc_atomic_cas_relaxed(&s->word, &v, v | SEM_HAS_WAITERS))
            continue; /* relaxed: the bit only routes releasers through mu, which orders */
        _ftc_waiter w = {0};
        _ftc_waitq_push_back(&s->q, &w);
        ftc_mutex_unlock(&s->mu);
        int slept = _ftc_waiter_sleep(&w, deadline, FTC_SYNC_INTERRUPTIBLE);
        _ftc_mu_lock(&s->mu);
        int r = _ftc_waiter_finish(&s->q, &w, slept);
        if (r == FTC_W_HANDOFF)
            break; /* a releaser gave us its unit */
        ftc_assert(r == FTC_W_TIMEDOUT || r == FTC_W_INTERRUPTED);
        if (_ftc_waitq_empty(&s->q))
            ftc_atomic_fetch_and_relaxed(&s->word, ~SEM_HAS_WAITERS); /* under mu; value is 0 */
        if (r == FTC_W_TIMEDOUT) {
            ftc_mutex_unlock(&s->mu);
            return FTC_ETIMEDOUT;
        }
        ftc_mutex_unlock(&s->mu);
        int code = _ftc_sync_take_interrupt();
        if (code < 0)
            return code;
        _ftc_mu_lock(&s->mu);
    }
    ftc_mutex_unlock(&s->mu);
    return 0;
}

static int sem_release(ftc_object *sem, uint64_t n);

int ftc_semaphore_release(ftc_object *sem, uint64_t n)
{
    int rc = sem_release(sem, n);
#if FTC_DEBUG_LEVEL >= 1
    /* The units' holds end, whoever took them (a thread holds at most 64 locks in the
     * checker's view, so more than 64 releases find nothing more to drop). */
    for (uint64_t i = 0; rc == 0 && i < n && i < 64; i++)
        _ftc_lockorder_release(sem);
#endif
    return rc;
}

static int sem_release(ftc_object *sem, uint64_t n)
{
    int rc = sem_check(sem);
    if (rc)
        return rc;
    if (n == 0)
        return FTC_EINVAL;
    sem_obj *s = (sem_obj *)sem;
    bool bounded = ftc_type_of(sem) == &ftc_bounded_semaphore_type;
    if (bounded && n > s->bound)
        return FTC_EINVAL;
    if (n > (uint64_t)FTC_SEMAPHORE_MAX)
        return FTC_EOVERFLOW;

    uint64_t v = ftc_atomic_load_relaxed(&s->word);
    while (!(v & SEM_HAS_WAITERS)) {
        uint64_t value = v / SEM_UNIT;
        if (bounded && value + n > s->bound)
            return FTC_EINVAL;
        if (value + n > (uint64_t)FTC_SEMAPHORE_MAX)
            return FTC_EOVERFLOW;
        /* release: pairs with the acquire CAS that takes one of these units. */
        if (ftc_atomic_cas_weak_release(&s->word, &v, v + n * SEM_UNIT))
            return 0;
    }

    _ftc_mu_lock(&s->mu);
    v = ftc_atomic_load_relaxed(&s->word);
    if (!(v & SEM_HAS_WAITERS)) {
        /* The queue emptied meanwhile; retry the plain add under mu (no fast acquirer can
         * make this CAS fail forever: each failure is a unit taken, and units are finite). */
        for (;;) {
            uint64_t value = v / SEM_UNIT;
            if (bounded && value + n > s->bound) {
                rc = FTC_EINVAL;
                break;
            }
            if (value + n > (uint64_t)FTC_SEMAPHORE_MAX) {
                rc = FTC_EOVERFLOW;
                break;
            }
            if (ftc_atomic_cas_release(&s->word, &v, v + n * SEM_UNIT)) /* release: as above */
                break;
        }
        ftc_mutex_unlock(&s->mu);
        return rc;
    }
    /* Waiters queued, value 0: hand units to them in order. */
    while (n > 0 && _ftc_waitq_wake_one(&s->q, FTC_W_HANDOFF))
        n--;
    if (_ftc_waitq_empty(&s->q)) {
        /* release: units left over become visible to fast acquirers. Under mu, HAS_WAITERS
         * set, value 0: no fast path can change the word, so a plain store is exact. */
        ftc_atomic_store_release(&s->word, n * SEM_UNIT);
    }
    /* else every unit went to a waiter and the word stays 0 | HAS_WAITERS. */
    ftc_mutex_unlock(&s->mu);
    return 0;
}

int64_t ftc_semaphore_value(ftc_object *sem)
{
    int rc = sem_check(sem);
    if (rc)
        return rc;
    /* relaxed: a snapshot. */
    return (int64_t)(ftc_atomic_load_relaxed(&((sem_obj *)sem)->word) / SEM_UNIT);
}
