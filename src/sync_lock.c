/* Lock and RLock: the lock core and the two object types built on it.
 *
 * The core (src/internal/sync.h) is a word with two bits, LOCKED and HAS_WAITERS, plus a FIFO
 * queue of sleeping waiters guarded by a one-byte ftc_mutex `mu`:
 *   0b00 free                 0b01 locked, nobody queued
 *   0b10 free, a woken waiter is retrying or queued waiters remain
 *   0b11 locked, waiters queued
 * Uncontended acquire and release are one CAS each (0 <-> LOCKED). Any other state sends the
 * caller to the slow path, which takes mu.
 *
 * Invariants (mu held):
 *   - the queue is non-empty only while HAS_WAITERS is set (a waiter sets the bit, by CAS,
 *     before it queues; whoever empties the queue clears it);
 *   - so a release that finds the word exactly LOCKED knows that nobody sleeps, and the fast
 *     release cannot strand a waiter: once HAS_WAITERS is set, the release CAS fails and goes
 *     through mu, where it sees the queue.
 * Fairness, after CPython's PyMutex: a release wakes the oldest waiter. If it has waited more
 * than 1 ms, the lock is handed to it (the word stays LOCKED, HANDOFF), so running threads
 * cannot starve it; otherwise the lock is freed and the woken thread competes with running
 * threads (barging keeps throughput high). A woken waiter that loses re-queues at the head, with
 * its original arrival time, so it soon qualifies for a handoff.
 * A woken waiter always tries once more, even past its deadline or when interrupted, so a
 * wake-up is never swallowed by a thread that then gives up.
 *
 * RLock = core + owner + level. The owner field is written only by the thread that holds the
 * core, and a thread compares it only with its own ident, so relaxed accesses suffice: a thread
 * can read its own ident there only if it stored it itself (program order).
 */
#include "internal/sync.h"

#include <math.h>

/* ---- the lock core ---- */

#define HANDOFF_AFTER_NS INT64_C(1000000)

int _ftc_lockcore_acquire_slow(_ftc_lockcore *l, double timeout, int flags)
{
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err)
        return err;
    if (timeout == 0)
        return _ftc_lockcore_try(l) ? 0 : FTC_ETIMEDOUT;

    _ftc_waiter w = {0};
    _ftc_mu_lock(&l->mu);
    for (;;) {
        uint32_t v = ftc_atomic_load_relaxed(&l->word);
        if (!(v & FTC_LOCK_LOCKED)) {
            /* acquire: as in _ftc_lockcore_try. Keeps HAS_WAITERS for the queued ones. */
            if (ftc_atomic_cas_acquire(&l->word, &v, v | FTC_LOCK_LOCKED))
                break;
            continue;
        }
        if (!(v & FTC_LOCK_HAS_WAITERS) &&
            !ftc_atomic_cas_relaxed(&l->word, &v, v | FTC_LOCK_HAS_WAITERS))
            continue; /* relaxed: the bit only routes releasers through mu, which orders */
        if (w.since_ns == 0) {
            w.since_ns = _ftc_monotonic_ns();
            _ftc_waitq_push_back(&l->q, &w);
        } else {
            _ftc_waitq_push_front(&l->q, &w); /* retrying: keep our place */
        }
        ftc_mutex_unlock(&l->mu);
        int slept = _ftc_waiter_sleep(&w, deadline, flags);
        _ftc_mu_lock(&l->mu);
        int r = _ftc_waiter_finish(&l->q, &w, slept);
        if (r == FTC_W_HANDOFF)
            break; /* the releaser left the word LOCKED for us */
        if (r == FTC_W_WOKEN)
            continue;
        /* Timed out or interrupted, and off the queue. */
        if (_ftc_waitq_empty(&l->q))
            ftc_atomic_fetch_and_relaxed(&l->word, ~FTC_LOCK_HAS_WAITERS); /* under mu */
        if (r == FTC_W_TIMEDOUT) {
            /* One last try: the lock may have been freed without waking us (a release that
             * woke another waiter). */
            bool got = _ftc_lockcore_try(l);
            ftc_mutex_unlock(&l->mu);
            return got ? 0 : FTC_ETIMEDOUT;
        }
        ftc_mutex_unlock(&l->mu);
        int code = _ftc_sync_take_interrupt();
        if (code < 0)
            return code;
        _ftc_mu_lock(&l->mu);
    }
    ftc_mutex_unlock(&l->mu);
    return 0;
}

int _ftc_lockcore_release_slow(_ftc_lockcore *l)
{
    _ftc_mu_lock(&l->mu);
    uint32_t v = ftc_atomic_load_relaxed(&l->word);
    if (!(v & FTC_LOCK_LOCKED)) {
        ftc_mutex_unlock(&l->mu);
        return FTC_ESTATE;
    }
    int64_t now = 0;
    for (;;) {
        _ftc_waiter *w = l->q.head;
        if (w == NULL) {
            /* release: publishes the critical section to the next acquirer. No fast path can
             * change the word meanwhile: it is LOCKED (no fast acquire) with HAS_WAITERS or
             * we would not be here (no fast release). */
            ftc_atomic_store_release(&l->word, 0u);
            break;
        }
        if (now == 0)
            now = _ftc_monotonic_ns();
        bool handoff = now - w->since_ns > HANDOFF_AFTER_NS;
        _ftc_waitq_remove(&l->q, w);
        uint32_t expected = FTC_W_WAITING;
        /* release: pairs with the waiter's acquire load of its state (for a handoff, the
         * waiter's critical section starts there). */
        if (!ftc_atomic_cas_release(&w->state, &expected,
                                    (uint32_t)(handoff ? FTC_W_HANDOFF : FTC_W_WOKEN)))
            continue; /* interrupted first: it handles itself; wake the next one */
        uint32_t rest = _ftc_waitq_empty(&l->q) ? 0u : FTC_LOCK_HAS_WAITERS;
        /* release: for a plain wake this frees the lock (the woken thread and bargers race
         * for it); for a handoff the word stays LOCKED for the waiter, which cannot leave
         * before we drop mu. */
        ftc_atomic_store_release(&l->word, handoff ? (FTC_LOCK_LOCKED | rest) : rest);
        _ftc_parking_lot_unpark(&w->state, NULL, NULL);
        break;
    }
    ftc_mutex_unlock(&l->mu);
    return 0;
}

/* ---- the RLock core ---- */

int _ftc_rlockcore_acquire(_ftc_rlockcore *r, double timeout, int flags)
{
    uint64_t me = ftc_thread_ident();
    if (ftc_atomic_load_relaxed(&r->owner) == me) {
        if (r->level == UINT64_MAX)
            return FTC_EOVERFLOW;
        r->level++;
        return 0;
    }
    int rc = _ftc_lockcore_acquire(&r->lock, timeout, flags);
    if (rc != 0)
        return rc;
    ftc_atomic_store_relaxed(&r->owner, me); /* relaxed: see the top of the file */
    r->level = 1;
    return 0;
}

int _ftc_rlockcore_release(_ftc_rlockcore *r)
{
    if (!_ftc_rlockcore_owned(r))
        return FTC_EPERM;
    if (--r->level == 0) {
        ftc_atomic_store_relaxed(&r->owner, (uint64_t)0);
        int rc = _ftc_lockcore_release(&r->lock);
        ftc_assert(rc == 0);
        FTC_UNUSED(rc);
    }
    return 0;
}

/* ---- objects ---- */

const ftc_type ftc_lock_type = {
    .name = "Lock",
    .basicsize = sizeof(_ftc_lock_obj),
};

const ftc_type ftc_rlock_type = {
    .name = "RLock",
    .basicsize = sizeof(_ftc_rlock_obj),
};

static int lock_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_lock_type ? 0 : FTC_ETYPE;
}

static int rlock_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_rlock_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_lock_new(void)
{
    ftc_object *o = ftc_object_new(&ftc_lock_type); /* zero-filled: a free core */
    if (o)
        _ftc_sync_mark_shared(o);
    return o;
}

int ftc_lock_acquire(ftc_object *lock, double timeout)
{
    int rc = lock_check(lock);
    if (rc)
        return rc;
    if (isnan(timeout))
        return FTC_EINVAL;
    return _ftc_lockcore_acquire(&((_ftc_lock_obj *)lock)->core, timeout, FTC_SYNC_INTERRUPTIBLE);
}

int ftc_lock_release(ftc_object *lock)
{
    int rc = lock_check(lock);
    if (rc)
        return rc;
    return _ftc_lockcore_release(&((_ftc_lock_obj *)lock)->core);
}

int ftc_lock_locked(ftc_object *lock)
{
    int rc = lock_check(lock);
    if (rc)
        return rc;
    return _ftc_lockcore_locked(&((_ftc_lock_obj *)lock)->core) ? 1 : 0;
}

ftc_object *ftc_rlock_new(void)
{
    ftc_object *o = ftc_object_new(&ftc_rlock_type);
    if (o)
        _ftc_sync_mark_shared(o);
    return o;
}

int ftc_rlock_acquire(ftc_object *rlock, double timeout)
{
    int rc = rlock_check(rlock);
    if (rc)
        return rc;
    if (isnan(timeout))
        return FTC_EINVAL;
    return _ftc_rlockcore_acquire(&((_ftc_rlock_obj *)rlock)->core, timeout,
                                  FTC_SYNC_INTERRUPTIBLE);
}

int ftc_rlock_release(ftc_object *rlock)
{
    int rc = rlock_check(rlock);
    if (rc)
        return rc;
    return _ftc_rlockcore_release(&((_ftc_rlock_obj *)rlock)->core);
}

int ftc_rlock_is_owned(ftc_object *rlock)
{
    int rc = rlock_check(rlock);
    if (rc)
        return rc;
    return _ftc_rlockcore_owned(&((_ftc_rlock_obj *)rlock)->core) ? 1 : 0;
}

int64_t ftc_rlock_level(ftc_object *rlock)
{
    int rc = rlock_check(rlock);
    if (rc)
        return rc;
    _ftc_rlockcore *r = &((_ftc_rlock_obj *)rlock)->core;
    if (!_ftc_rlockcore_owned(r))
        return 0;
    return r->level > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)r->level;
}

/* Sync primitives are shared by design and every thread that uses one takes references to it:
 * hot objects (object.h), so those counts never contend in the nogil build. If the object
 * layer cannot make it hot (FTC_ENOMEM) it stays an ordinary object, which is only slower. */
void _ftc_sync_mark_shared(ftc_object *o) { (void)ftc_object_set_hot(o); }
