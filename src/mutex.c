/* ftc_mutex slow paths: spinning, parking, handoff. The lock-word states and the fast paths are
 * in include/ftcore/mutex.h; the design follows CPython's PyMutex (Python/lock.c), written fresh.
 *
 * Locking (slow path). Loop: if LOCKED is clear, CAS it set (keeping HAS_PARKED) and return.
 * Otherwise, in the nogil build, yield a few times while nobody is parked (the holder is
 * probably running on another core and about to unlock). Then set HAS_PARKED and park on the
 * mutex's address, expecting exactly the value we just saw: if the byte changed meanwhile, the
 * parking lot returns at once and we look again. Our entry in the parking lot carries the time
 * after which we are owed fairness (1 ms after we started waiting) and a handed-off flag.
 *
 * Unlocking (slow path: HAS_PARKED is set, or the byte is not LOCKED at all, which is fatal).
 * The unlocker asks the parking lot to wake the oldest waiter; the lot calls unpark_cb with the
 * bucket lock held, so no thread can park on the mutex while it decides:
 *   - no waiter left (they timed out): store 0;
 *   - the waiter has waited over 1 ms: store LOCKED (plus HAS_PARKED if others wait) and mark
 *     the waiter handed_off: it wakes up owning the lock, no running thread can barge in;
 *   - otherwise store 0 (plus HAS_PARKED if others wait) and let the woken waiter compete.
 * HAS_PARKED is thus set whenever a thread is queued (a parker sets it before it queues, under
 * the check of the expected value; only unpark_cb clears it, knowing whether more remain), so
 * an unlock never misses a parked thread.
 *
 * Memory order: the fast-path CASes are acquire/release. In the slow path the lock is taken by
 * an acquire CAS, or by handoff: unpark_cb's store then happens before the waiter's wake-up
 * (the parking lot posts its semaphore with a release store that the waiter acquires), and the
 * unlocker's critical section is before unpark_cb, so it happens before the new owner's.
 *
 * A waiter that times out after the lock was handed to it cannot happen: the parking lot reports
 * FTC_PARK_OK to a waiter that an unparker dequeued, even if its timeout expired meanwhile, and
 * the waiter then takes the lock it was given.
 */
#include "internal/parking_lot.h"

#include <sched.h>

#define TIME_TO_BE_FAIR_NS 1000000 /* 1 ms */
#define MAX_SPIN_COUNT 40

struct mutex_entry {
    int64_t time_to_be_fair; /* monotonic ns after which an unlock hands the lock to us */
    bool handed_off;         /* written by unpark_cb (bucket lock held), read after the wake */
};

static uint64_t handoff_count; /* atomic: number of handoffs since start, for tests */

uint64_t _ftc_mutex_handoff_count(void)
{
    return ftc_atomic_load_relaxed(&handoff_count); /* relaxed: a statistic */
}

int _ftc_mutex_lock_timed_raw(ftc_mutex *m, double timeout, int flags)
{
    if (FTC_UNLIKELY(timeout != timeout))
        return FTC_EINVAL; /* NaN: checked first, so the lock is left as found */
    uint8_t v = ftc_atomic_load_relaxed(&m->bits);
    if (!(v & FTC_MUTEX_LOCKED)) {
        /* acquire: pairs with the release that unlocked it. */
        if (ftc_atomic_cas_acquire(&m->bits, &v, (uint8_t)(v | FTC_MUTEX_LOCKED)))
            return 0;
    }
    int64_t timeout_ns = _ftc_timeout_to_ns(timeout);
    if (timeout_ns == 0) {
        /* Try only: one more attempt if the byte changed to unlocked under us. */
        return _ftc_mutex_trylock_raw(m) ? 0 : FTC_ETIMEDOUT;
    }

    int64_t now = _ftc_monotonic_ns();
    int64_t deadline = timeout_ns > 0 ? now + timeout_ns : 0;
    struct mutex_entry entry = {.time_to_be_fair = now + TIME_TO_BE_FAIR_NS};
    int spins = 0;

    for (;;) {
        if (!(v & FTC_MUTEX_LOCKED)) {
            /* acquire: as above. */
            if (ftc_atomic_cas_acquire(&m->bits, &v, (uint8_t)(v | FTC_MUTEX_LOCKED)))
                return 0;
            continue;
        }
#ifdef FTC_GIL_DISABLED
        if (!(v & FTC_MUTEX_HAS_PARKED) && spins < MAX_SPIN_COUNT) {
            sched_yield();
            spins++;
            v = ftc_atomic_load_relaxed(&m->bits);
            continue;
        }
#else
        FTC_UNUSED(spins);
#endif
        uint8_t want = (uint8_t)(v | FTC_MUTEX_HAS_PARKED);
        if (!(v & FTC_MUTEX_HAS_PARKED)) {
            /* relaxed: the bit only tells unlockers to look in the parking lot; the park below
             * re-reads the byte under the bucket lock. */
            if (!ftc_atomic_cas_relaxed(&m->bits, &v, want))
                continue;
        }
        int64_t left = -1;
        if (timeout_ns > 0) {
            left = deadline - _ftc_monotonic_ns();
            if (left <= 0)
                return FTC_ETIMEDOUT;
        }
        int r = _ftc_parking_lot_park(&m->bits, &want, sizeof want, left, &entry,
                                      flags & FTC_LOCK_DETACH);
        if (r == FTC_PARK_OK && entry.handed_off) {
            ftc_assert(ftc_atomic_load_relaxed(&m->bits) & FTC_MUTEX_LOCKED);
            return 0;
        }
        if (r == FTC_PARK_TIMEOUT)
            return FTC_ETIMEDOUT;
        v = ftc_atomic_load_relaxed(&m->bits);
    }
}

void ftc_mutex_lock_slow(ftc_mutex *m) { (void)_ftc_mutex_lock_timed_raw(m, -1, FTC_LOCK_DETACH); }

/* The checked timed lock: the acquisition is reported before the wait (a try only once it
 * succeeded), and withdrawn if the wait timed out. */
int _ftc_mutex_lock_timed_at(ftc_mutex *m, double timeout, int flags, const char *file, int line)
{
    if (FTC_UNLIKELY(timeout != timeout))
        return FTC_EINVAL;
    if (timeout == 0) {
        int rc = _ftc_mutex_lock_timed_raw(m, 0, flags);
        if (rc == 0)
            FTC_LO_ACQUIRE_(m, 0, FTC_LO_TRY, file, line);
        return rc;
    }
    FTC_LO_ACQUIRE_(m, 0, FTC_LO_WAIT_(timeout, flags & FTC_LOCK_DETACH), file, line);
    int rc = _ftc_mutex_lock_timed_raw(m, timeout, flags);
    if (rc != 0)
        FTC_LO_RELEASE_(m);
    FTC_UNUSED(file);
    FTC_UNUSED(line);
    return rc;
}

int(ftc_mutex_lock_timed)(ftc_mutex *m, double timeout, int flags)
{
    return _ftc_mutex_lock_timed_at(m, timeout, flags, NULL, 0);
}

/* Called by the parking lot with the bucket lock held. */
static void unpark_cb(void *arg, void *park_arg, int has_more)
{
    ftc_mutex *m = arg;
    struct mutex_entry *entry = park_arg;
    uint8_t v = 0;
    if (entry) {
        bool fair = _ftc_monotonic_ns() > entry->time_to_be_fair;
        entry->handed_off = fair;
        if (fair) {
            v |= FTC_MUTEX_LOCKED;
            ftc_atomic_fetch_add_relaxed(&handoff_count, 1); /* relaxed: a statistic */
        }
        if (has_more)
            v |= FTC_MUTEX_HAS_PARKED;
    }
    /* release: publishes the unlocker's critical section to the next owner (a barging
     * acquire CAS, or the handed-off waiter through the parking lot's post). */
    ftc_atomic_store_release(&m->bits, v);
}

void ftc_mutex_unlock_slow(ftc_mutex *m)
{
    uint8_t v = ftc_atomic_load_relaxed(&m->bits);
    for (;;) {
        if (!(v & FTC_MUTEX_LOCKED))
            ftc_fatal("unlocking a mutex that is not locked (%p)", (void *)m);
        if (v & FTC_MUTEX_HAS_PARKED) {
            _ftc_parking_lot_unpark(&m->bits, unpark_cb, m);
            return;
        }
        /* release: as in ftc_mutex_unlock. */
        if (ftc_atomic_cas_release(&m->bits, &v, 0))
            return;
    }
}
