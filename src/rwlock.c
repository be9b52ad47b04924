/* Reader-writer lock on the parking lot (after CPython's _PyRWMutex, written fresh).
 *
 * One word: bit 0 WRITE_LOCKED, bit 1 HAS_PARKED, bits 2.. the number of readers holding it.
 *
 *   read lock:   if neither WRITE_LOCKED nor HAS_PARKED, CAS the reader count up; otherwise
 *                set HAS_PARKED and park (writer preference: a waiting writer, which always
 *                sets HAS_PARKED, stops new readers, so readers cannot starve it).
 *   read unlock: count down; the last reader out, if HAS_PARKED, wakes every waiter.
 *   write lock:  if the word has no writer and no reader, CAS WRITE_LOCKED in (keeping
 *                HAS_PARKED); otherwise set HAS_PARKED and park.
 *   write unlock: exchange in 0 and, if HAS_PARKED was set, wake every waiter.
 *
 * Woken threads re-run their loop; those that still cannot proceed set HAS_PARKED again and
 * park again.
 *
 * Timed waits (ftc_rwlock_rdlock_timed / _wrlock_timed). A writer that gives up may leave
 * HAS_PARKED set with nobody left to clear it: it set the bit while readers held the lock,
 * readers that came later parked because of it, and once the writer has left, the last
 * reader out wakes them only to find the bit still set, so they park again, for good. So a
 * writer that times out clears HAS_PARKED and wakes every parked thread: each re-runs its
 * loop and sets the bit again if it still has to wait (a thread about to park expecting the
 * old word finds it changed and does not sleep). While the bit is clear new readers may pass
 * other waiting writers, until one of those sets it again. A reader that times out changes
 * nothing: the argument below never rests on a waiting reader (the bit is set by, or for, a
 * writer that holds or waits), so no clean-up is owed, and readers that keep timing out
 * cannot open the lock to more readers ahead of a waiting writer (a reader's clean-up did:
 * helper review, a writer waiting 170-390 ms behind readers instead of 2-5). HAS_PARKED is
 * thus cleared by a write unlock or by a writer that gives up. (stress.rwlock_timed: without
 * the writer's clean-up a reader parked behind it never gets in.)
 *
 * Why every parked thread is eventually woken: HAS_PARKED is cleared only by a write unlock
 * or a writer giving up, each of which wakes everyone. While it is set, either a writer holds
 * the lock (its unlock will wake everyone), or readers hold it (the last one out wakes
 * everyone), or a writer is waiting (it set the bit, or a reader set it because a writer held
 * the lock); a waiting writer is woken by one of the first two and then takes the lock, parks
 * again or gives up, so the chain ends in a write unlock or a give-up. A park that races with
 * any of these wakes does not sleep: it expects the exact word it saw, and every release
 * changes the word before it unparks under the bucket lock.
 *
 * Memory order: lock CASes are acquire, unlocks are release (reader count down: release, so a
 * writer that then sees zero readers sees their reads done before its writes).
 */
#include "internal/parking_lot.h"

#define RW_WRITE_LOCKED FTC_RW_WRITE_LOCKED /* the word's bits: internal/parking_lot.h */
#define RW_HAS_PARKED FTC_RW_HAS_PARKED
#define RW_READER FTC_RW_READER
#define RW_READER_MASK FTC_RW_READER_MASK

/* Sets HAS_PARKED (if needed) and parks expecting the result, until woken or the deadline
 * (monotonic ns; -1: none). Reloads *bits. Returns false if the deadline passed. */
static bool set_parked_and_wait(ftc_rwlock *rw, uintptr_t *bits, int64_t deadline, int flags)
{
    uintptr_t want = *bits | RW_HAS_PARKED;
    if (!(*bits & RW_HAS_PARKED)) {
        /* relaxed: the bit only announces a waiter; the park re-checks under the bucket lock. */
        if (!ftc_atomic_cas_relaxed(&rw->bits, bits, want))
            return true;
    }
    int64_t left = -1;
    if (deadline >= 0 && (left = deadline - _ftc_monotonic_ns()) <= 0)
        return false;
    int r =
        _ftc_parking_lot_park(&rw->bits, &want, sizeof want, left, NULL, flags & FTC_LOCK_DETACH);
    *bits = ftc_atomic_load_relaxed(&rw->bits);
    return r != FTC_PARK_TIMEOUT;
}

/* A timed writer gives up: clear HAS_PARKED and wake everyone (see the essay). */
static int writer_gives_up(ftc_rwlock *rw)
{
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    /* relaxed: the parked threads re-read the word after the wake (bucket lock). */
    while (bits & RW_HAS_PARKED) {
        if (ftc_atomic_cas_relaxed(&rw->bits, &bits, bits & ~RW_HAS_PARKED)) {
            _ftc_parking_lot_unpark_all(&rw->bits);
            break;
        }
    }
    return FTC_ETIMEDOUT;
}

/* The deadline of a wait of timeout seconds: -1 (forever), 0 (try only) or monotonic ns. */
static int64_t deadline_of(double timeout)
{
    int64_t ns = _ftc_timeout_to_ns(timeout);
    return ns > 0 ? _ftc_monotonic_ns() + ns : ns;
}

static bool tryrdlock(ftc_rwlock *rw)
{
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    while (!(bits & (RW_WRITE_LOCKED | RW_HAS_PARKED))) {
        /* acquire: pairs with the release of the last write unlock. */
        if (ftc_atomic_cas_acquire(&rw->bits, &bits, bits + RW_READER))
            return true;
    }
    return false;
}

static int rdlock_timed(ftc_rwlock *rw, double timeout, int flags)
{
    if (timeout != timeout)
        return FTC_EINVAL; /* NaN */
    int64_t deadline = deadline_of(timeout);
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    for (;;) {
        if (bits & (RW_WRITE_LOCKED | RW_HAS_PARKED)) {
            if (deadline == 0)
                return FTC_ETIMEDOUT; /* try only: nothing was changed */
            if (!set_parked_and_wait(rw, &bits, deadline, flags))
                return FTC_ETIMEDOUT; /* a reader owes no clean-up (the essay) */
            continue;
        }
        /* acquire: as in ftc_rwlock_tryrdlock. */
        if (ftc_atomic_cas_acquire(&rw->bits, &bits, bits + RW_READER))
            return 0;
    }
}

void ftc_rwlock_rdlock(ftc_rwlock *rw) { (void)ftc_rwlock_rdlock_timed(rw, -1, FTC_LOCK_DETACH); }

/* The lock-order checker's view (include/ftcore/lockorder.h): a wait is reported before it
 * starts and withdrawn if it timed out; a try only once it succeeded. Both modes are one class:
 * a read hold waits for writers, and a writer for readers. */
static int checked(ftc_rwlock *rw, double timeout, int flags, int lo_flags,
                   int (*fn)(ftc_rwlock *, double, int))
{
    if (timeout != timeout)
        return FTC_EINVAL;
    if (timeout == 0) {
        int rc = fn(rw, 0, flags);
        if (rc == 0)
            FTC_LO_ACQUIRE_(rw, 0, lo_flags | FTC_LO_TRY, __FILE__, __LINE__);
        return rc;
    }
    FTC_LO_ACQUIRE_(rw, 0, lo_flags | FTC_LO_WAIT_(timeout, flags & FTC_LOCK_DETACH), __FILE__,
                    __LINE__);
    int rc = fn(rw, timeout, flags);
    if (rc != 0)
        FTC_LO_RELEASE_(rw);
    FTC_UNUSED(lo_flags);
    return rc;
}

int ftc_rwlock_rdlock_timed(ftc_rwlock *rw, double timeout, int flags)
{
    return checked(rw, timeout, flags, FTC_LO_READ | FTC_LO_SHARED, rdlock_timed);
}

bool ftc_rwlock_tryrdlock(ftc_rwlock *rw)
{
    bool ok = tryrdlock(rw);
    if (ok)
        FTC_LO_ACQUIRE_(rw, 0, FTC_LO_READ | FTC_LO_SHARED | FTC_LO_TRY, __FILE__, __LINE__);
    return ok;
}

void ftc_rwlock_rdunlock(ftc_rwlock *rw)
{
    FTC_LO_RELEASE_(rw);
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    for (;;) {
        if ((bits & RW_READER_MASK) == 0 || (bits & RW_WRITE_LOCKED))
            ftc_fatal("read-unlocking a rwlock that no reader holds (%p)", (void *)rw);
        /* release: our reads happen before a later writer's writes (its acquire CAS). */
        if (ftc_atomic_cas_release(&rw->bits, &bits, bits - RW_READER))
            break;
    }
    bits -= RW_READER;
    if ((bits & RW_READER_MASK) == 0 && (bits & RW_HAS_PARKED))
        _ftc_parking_lot_unpark_all(&rw->bits);
}

static bool trywrlock(ftc_rwlock *rw)
{
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    while (!(bits & (RW_WRITE_LOCKED | RW_READER_MASK))) {
        /* acquire: pairs with the release of the last unlock (read or write). */
        if (ftc_atomic_cas_acquire(&rw->bits, &bits, bits | RW_WRITE_LOCKED))
            return true;
    }
    return false;
}

static int wrlock_timed(ftc_rwlock *rw, double timeout, int flags)
{
    if (timeout != timeout)
        return FTC_EINVAL; /* NaN */
    int64_t deadline = deadline_of(timeout);
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    for (;;) {
        if (bits & (RW_WRITE_LOCKED | RW_READER_MASK)) {
            if (deadline == 0)
                return FTC_ETIMEDOUT; /* try only: nothing was changed */
            if (!set_parked_and_wait(rw, &bits, deadline, flags))
                return writer_gives_up(rw);
            continue;
        }
        /* acquire: as in ftc_rwlock_trywrlock. */
        if (ftc_atomic_cas_acquire(&rw->bits, &bits, bits | RW_WRITE_LOCKED))
            return 0;
    }
}

void ftc_rwlock_wrlock(ftc_rwlock *rw) { (void)ftc_rwlock_wrlock_timed(rw, -1, FTC_LOCK_DETACH); }

int ftc_rwlock_wrlock_timed(ftc_rwlock *rw, double timeout, int flags)
{
    return checked(rw, timeout, flags, 0, wrlock_timed);
}

bool ftc_rwlock_trywrlock(ftc_rwlock *rw)
{
    bool ok = trywrlock(rw);
    if (ok)
        FTC_LO_ACQUIRE_(rw, 0, FTC_LO_TRY, __FILE__, __LINE__);
    return ok;
}

void ftc_rwlock_wrunlock(ftc_rwlock *rw)
{
    FTC_LO_RELEASE_(rw);
    uintptr_t bits = ftc_atomic_load_relaxed(&rw->bits);
    if (!(bits & RW_WRITE_LOCKED))
        ftc_fatal("write-unlocking a rwlock that is not write-locked (%p)", (void *)rw);
    /* release: publishes the writer's critical section. */
    bits = ftc_atomic_exchange_release(&rw->bits, (uintptr_t)0);
    if (bits & RW_HAS_PARKED)
        _ftc_parking_lot_unpark_all(&rw->bits);
}
