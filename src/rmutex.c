/* Recursive mutex: an ftc_mutex plus an owner and a level.
 *
 * The owner is an id of the calling OS thread that needs no thread state: the address of a
 * thread-local variable, unique among live threads and never 0. Only the owner writes owner
 * and level while it holds the mutex; other threads only compare owner with their own id, which
 * can never match by accident while the mutex is held by someone else, so a relaxed atomic load
 * suffices for that comparison (it is atomic so that the racing read is defined).
 *
 * Caveat: a thread that exits while owning an rmutex leaves it locked forever, and a later
 * thread whose thread-local block lands at the same address would be taken for the owner. Like
 * pthread's recursive mutexes, an rmutex must be unlocked by its owner before the owner exits.
 */
#include "internal/parking_lot.h"

static _Thread_local char thread_marker;

static uintptr_t self_id(void) { return (uintptr_t)&thread_marker; }

static bool owned(ftc_rmutex *r)
{
    /* relaxed: only our own thread can have stored our id (see the top of the file). */
    return ftc_atomic_load_relaxed(&r->owner) == self_id();
}

int ftc_rmutex_lock_timed(ftc_rmutex *r, double timeout, int flags)
{
    if (timeout != timeout)
        return FTC_EINVAL; /* NaN: before the owner's level is raised */
    if (owned(r)) {
        r->level++;
        return 0;
    }
    /* The checker sees the rmutex (its first lock; re-locks by the owner wait for nothing). */
    if (timeout != 0)
        FTC_LO_ACQUIRE_(r, 0, FTC_LO_WAIT_(timeout, flags & FTC_LOCK_DETACH), __FILE__, __LINE__);
    int rc = _ftc_mutex_lock_timed_raw(&r->mutex, timeout, flags);
    if (timeout != 0 && rc != 0)
        FTC_LO_RELEASE_(r);
    if (timeout == 0 && rc == 0)
        FTC_LO_ACQUIRE_(r, 0, FTC_LO_TRY, __FILE__, __LINE__);
    if (rc == 0) {
        ftc_atomic_store_relaxed(&r->owner, self_id()); /* relaxed: see owned() */
        r->level = 0;
    }
    return rc;
}

void ftc_rmutex_lock(ftc_rmutex *r)
{
    if (owned(r)) {
        r->level++;
        return;
    }
    FTC_LO_ACQUIRE_(r, 0, FTC_LO_DETACH, __FILE__, __LINE__);
    _ftc_mutex_lock_raw(&r->mutex);
    ftc_atomic_store_relaxed(&r->owner, self_id()); /* relaxed: see owned() */
    r->level = 0;
}

int ftc_rmutex_unlock_checked(ftc_rmutex *r)
{
    if (!owned(r))
        return FTC_EPERM;
    if (r->level > 0) {
        r->level--;
        return 0;
    }
    ftc_atomic_store_relaxed(&r->owner, (uintptr_t)0); /* relaxed: see owned() */
    _ftc_mutex_unlock_raw(&r->mutex);
    FTC_LO_RELEASE_(r);
    return 0;
}

void ftc_rmutex_unlock(ftc_rmutex *r)
{
    if (ftc_rmutex_unlock_checked(r) != 0)
        ftc_fatal("unlocking a recursive mutex the calling thread does not own (%p)", (void *)r);
}

bool ftc_rmutex_is_owned(ftc_rmutex *r) { return owned(r); }

size_t ftc_rmutex_count(ftc_rmutex *r) { return owned(r) ? r->level + 1 : 0; }
