/** @file
 * ftc_mutex (one byte), and the primitives built on the same parking lot: a one-shot event, a
 * once-flag, a reader-writer lock, a seqlock and a recursive mutex.
 *
 * ftc_mutex is CPython's PyMutex design, written fresh. The whole lock is one byte, so that
 * every object header can embed one:
 *
 *   0b00: unlocked
 *   0b01: locked, no thread parked
 *   0b10: unlocked, threads parked (the lock was just released to let a running thread barge;
 *         a woken waiter is about to retry)
 *   0b11: locked, threads parked
 *
 * Uncontended lock and unlock are one CAS each (the inline fast paths below). A contended
 * locker spins briefly (nogil build only: with a GIL, the holder cannot run while we spin),
 * then sets HAS_PARKED and parks on the global parking lot keyed by the mutex's address,
 * detaching its thread state while it sleeps when asked to. An unlocker that sees HAS_PARKED
 * wakes the oldest waiter: if that waiter has waited more than 1 ms, the lock is handed to it
 * directly (the byte stays LOCKED: no running thread can steal it); otherwise the byte is
 * cleared and the woken thread competes with running threads ("barging"), which keeps the lock
 * fast under contention while bounding starvation.
 *
 * Timeouts everywhere are in seconds, measured on the monotonic clock: < 0 waits forever,
 * 0 only tries. A timed-out call returns FTC_ETIMEDOUT and has changed nothing.
 *
 * Detaching: a thread that blocks while attached must detach (otherwise it could hold the GIL,
 * or the world could not stop, or its critical sections' locks would stay held while it waits).
 * ftc_mutex_lock() and the other blocking calls here therefore detach while parked when the
 * caller is attached (FTC_LOCK_DETACH); ftc_mutex_lock_timed() lets the caller choose. Threads
 * without a thread state may use every primitive here.
 */
#ifndef FTCORE_MUTEX_H
#define FTCORE_MUTEX_H

#include <ftcore/runtime.h>
#include <ftcore/lockorder.h>

FTC_EXTERN_C_BEGIN

#define FTC_MUTEX_LOCKED ((uint8_t)1)     /**< lock-word bit: the mutex is held */
#define FTC_MUTEX_HAS_PARKED ((uint8_t)2) /**< lock-word bit: threads are parked on it */

/** The one-byte mutex (states above). Zero (FTC_MUTEX_INIT) is unlocked; needs no destroy. */
typedef struct ftc_mutex {
    uint8_t bits; /**< atomic; FTC_MUTEX_* */
} ftc_mutex;

/** The initializer of an unlocked ftc_mutex. */
#define FTC_MUTEX_INIT \
    {                  \
        0              \
    }

/// @cond
#ifdef __cplusplus
static_assert(sizeof(ftc_mutex) == 1, "the object header reserves one byte for its mutex");
#else
_Static_assert(sizeof(ftc_mutex) == 1, "the object header reserves one byte for its mutex");
#endif
/// @endcond

/** Flags of the timed lock calls. */
enum {
    FTC_LOCK_NODETACH = 0, /**< keep the thread state attached while parked */
    FTC_LOCK_DETACH = 1    /**< detach while parked if the caller is attached (the default) */
};

/* ---- ftc_mutex ---- */

/** @{ */
/** Slow paths (src/mutex.c). Call the inline functions below instead. */
FTC_API void ftc_mutex_lock_slow(ftc_mutex *m);
FTC_API void ftc_mutex_unlock_slow(ftc_mutex *m);
/** @} */

/** @{ */
/** The lock operations without the lock-order checker's hooks (the same as the public ones when
 * the checker is compiled out): for the library's own lock code, which reports the acquisition
 * itself with the lock's class (critical sections, ftc_rmutex, the seqlock). */
static inline void _ftc_mutex_lock_raw(ftc_mutex *m)
{
    uint8_t expected = 0;
    /* acquire: pairs with the release in ftc_mutex_unlock / the unpark callback, so the
     * previous holder's critical section happens before ours. */
    if (!ftc_atomic_cas_acquire(&m->bits, &expected, FTC_MUTEX_LOCKED))
        ftc_mutex_lock_slow(m);
}

static inline void _ftc_mutex_unlock_raw(ftc_mutex *m)
{
    uint8_t expected = FTC_MUTEX_LOCKED;
    /* release: publishes our critical section to the next locker's acquire. */
    if (!ftc_atomic_cas_release(&m->bits, &expected, 0))
        ftc_mutex_unlock_slow(m);
}

static inline bool _ftc_mutex_trylock_raw(ftc_mutex *m)
{
    uint8_t v = ftc_atomic_load_relaxed(&m->bits);
    while (!(v & FTC_MUTEX_LOCKED)) {
        /* acquire: as in ftc_mutex_lock. Keeps HAS_PARKED, so the unlock still wakes them. */
        if (ftc_atomic_cas_acquire(&m->bits, &v, (uint8_t)(v | FTC_MUTEX_LOCKED)))
            return true;
    }
    return false;
}
FTC_API int _ftc_mutex_lock_timed_raw(ftc_mutex *m, double timeout, int flags);
/** @} */

/** Locks m, waiting as long as needed (detached while parked, if attached). */
static inline void ftc_mutex_lock(ftc_mutex *m)
{
    FTC_LO_ACQUIRE_(m, 0, FTC_LO_DETACH, NULL, 0);
    _ftc_mutex_lock_raw(m);
}

/** Unlocks m; fatal if m is not locked. Any thread may unlock (the mutex has no owner). */
static inline void ftc_mutex_unlock(ftc_mutex *m)
{
    _ftc_mutex_unlock_raw(m);
    FTC_LO_RELEASE_(m);
}

/** Locks m if it is free right now; never waits. Returns true if locked. */
static inline bool ftc_mutex_trylock(ftc_mutex *m)
{
    bool ok = _ftc_mutex_trylock_raw(m);
    if (ok)
        FTC_LO_ACQUIRE_(m, 0, FTC_LO_TRY, NULL, 0);
    return ok;
}

/** Locks m within timeout seconds (< 0 forever, 0 try). flags: FTC_LOCK_*.
 * Returns 0, or FTC_ETIMEDOUT; FTC_EINVAL (m untouched) for a NaN timeout. */
FTC_API int ftc_mutex_lock_timed(ftc_mutex *m, double timeout, int flags);

/// @cond INTERNAL
/* Debug builds (the lock-order checker, include/ftcore/lockorder.h): the calls record the file
 * and line of the caller. The functions above remain (for their addresses, and `(name)(...)`). */
FTC_API int _ftc_mutex_lock_timed_at(ftc_mutex *m, double timeout, int flags, const char *file,
                                     int line);
#if FTC_DEBUG_LEVEL >= 1
static inline void _ftc_mutex_lock_at(ftc_mutex *m, const char *file, int line)
{
    _ftc_lockorder_acquire(m, 0, FTC_LO_DETACH, file, line);
    _ftc_mutex_lock_raw(m);
}
static inline bool _ftc_mutex_trylock_at(ftc_mutex *m, const char *file, int line)
{
    bool ok = _ftc_mutex_trylock_raw(m);
    if (ok)
        _ftc_lockorder_acquire(m, 0, FTC_LO_TRY, file, line);
    return ok;
}
#define ftc_mutex_lock(m) _ftc_mutex_lock_at((m), __FILE__, __LINE__)
#define ftc_mutex_trylock(m) _ftc_mutex_trylock_at((m), __FILE__, __LINE__)
#define ftc_mutex_lock_timed(m, timeout, flags) \
    _ftc_mutex_lock_timed_at((m), (timeout), (flags), __FILE__, __LINE__)
#endif
/// @endcond

/** Whether m is locked (by anyone); a snapshot, for assertions and tests. */
static inline bool ftc_mutex_is_locked(ftc_mutex *m)
{
    /* relaxed: a snapshot that orders nothing. */
    return (ftc_atomic_load_relaxed(&m->bits) & FTC_MUTEX_LOCKED) != 0;
}

/* ---- one-shot event ----
 * Starts unset; ftc_event_set() sets it for good and wakes every waiter. */
/** A one-shot event (see above). Zero (FTC_EVENT_INIT) is unset. */
typedef struct ftc_event {
    uint8_t v; /**< atomic: 0 unset, 1 set, 2 unset with waiters parked */
} ftc_event;
/** The initializer of an unset ftc_event. */
#define FTC_EVENT_INIT \
    {                  \
        0              \
    }

/** Sets e for good and wakes every waiter. */
FTC_API void ftc_event_set(ftc_event *e);
/** Whether e is set (acquire: what the setter did before setting it is visible). */
FTC_API bool ftc_event_is_set(ftc_event *e);
/** Waits until e is set, at most timeout seconds (< 0 forever, 0 try); detaches while parked.
 * Returns true if e is set. A NaN timeout is a fatal error (there is no code to return). */
FTC_API bool ftc_event_wait(ftc_event *e, double timeout);
/** The same with FTC_LOCK_* flags. */
FTC_API bool ftc_event_wait_flags(ftc_event *e, double timeout, int flags);

/* ---- once-flag ----
 * ftc_once_call(flag, fn, arg) runs fn(arg) unless a previous call succeeded. Concurrent callers
 * wait (detached) for the running one. If fn returns a negative code, the flag stays unset,
 * that code is returned, and the next caller (perhaps one that was waiting) runs fn again. */
/** A once-flag (see above). Zero (FTC_ONCE_INIT) has not run. */
typedef struct ftc_once {
    uint8_t v; /**< atomic: 0 not run, 1 done, 2 running, |4 waiters parked */
} ftc_once;
/** The initializer of an ftc_once that has not run. */
#define FTC_ONCE_INIT \
    {                 \
        0             \
    }

/** Slow path of ftc_once_call() (src/once.c). */
FTC_API int ftc_once_call_slow(ftc_once *o, int (*fn)(void *), void *arg);
/** Runs fn(arg) unless a previous call succeeded: 0 once done, or fn's negative code (see above). */
static inline int ftc_once_call(ftc_once *o, int (*fn)(void *), void *arg)
{
    /* acquire: pairs with the release store of "done" in ftc_once_call_slow, so whatever fn
     * initialized is visible to us. */
    if (FTC_LIKELY(ftc_atomic_load_acquire(&o->v) == 1))
        return 0;
    return ftc_once_call_slow(o, fn, arg);
}
/** Whether a call of o's function has succeeded. */
static inline bool ftc_once_is_done(ftc_once *o)
{
    return ftc_atomic_load_acquire(&o->v) == 1; /* acquire: as in ftc_once_call */
}

/* ---- reader-writer lock ----
 * Any number of readers or one writer. Writer-preferring: once a writer waits, new readers
 * wait too, so a stream of readers cannot starve writers. Not recursive (a reader that takes
 * the read lock again while a writer waits deadlocks itself). Blocking calls detach while
 * parked. */
/** A reader-writer lock (see above). Zero (FTC_RWLOCK_INIT) is unlocked. */
typedef struct ftc_rwlock {
    uintptr_t bits; /**< atomic: bit 0 write-locked, bit 1 waiters parked, bits 2.. reader count */
} ftc_rwlock;
/** The initializer of an unlocked ftc_rwlock. */
#define FTC_RWLOCK_INIT \
    {                   \
        0               \
    }

/** Takes the read lock, waiting (detached) as long as needed. */
FTC_API void ftc_rwlock_rdlock(ftc_rwlock *rw);
/** Takes the read lock if that needs no wait: true if taken. */
FTC_API bool ftc_rwlock_tryrdlock(ftc_rwlock *rw);
FTC_API void ftc_rwlock_rdunlock(ftc_rwlock *rw); /**< fatal if no reader holds it */
/** Takes the write lock, waiting (detached) as long as needed. */
FTC_API void ftc_rwlock_wrlock(ftc_rwlock *rw);
/** Takes the write lock if that needs no wait: true if taken. */
FTC_API bool ftc_rwlock_trywrlock(ftc_rwlock *rw);
FTC_API void ftc_rwlock_wrunlock(ftc_rwlock *rw); /**< fatal if not write-locked */
/** The read and write locks with a timeout in seconds (< 0 forever, 0 try once) and flags
 * FTC_LOCK_* (FTC_LOCK_DETACH: detach while parked, as the calls above always do). Return 0
 * (locked) or FTC_ETIMEDOUT (not locked; the lock's state is as if the call never waited,
 * though other waiters may have been woken to look again); FTC_EINVAL (nothing touched) for
 * a NaN timeout. */
FTC_API int ftc_rwlock_rdlock_timed(ftc_rwlock *rw, double timeout, int flags);
/** The write lock with a timeout and flags, as ftc_rwlock_rdlock_timed(). */
FTC_API int ftc_rwlock_wrlock_timed(ftc_rwlock *rw, double timeout, int flags);

/* ---- seqlock ----
 * For small data read far more often than written. Writers serialize on a mutex and make the
 * sequence odd while they write; readers never write shared memory: they read the sequence,
 * read the data (with relaxed atomic loads: the data may change under them), and retry if the
 * sequence changed. A reader that finds a writer active waits for it on the writers' mutex.
 *
 *   uint32_t s;
 *   do { s = ftc_seqlock_read_begin(&sl); x = load_relaxed(&data.x); ... }
 *   while (!ftc_seqlock_read_end(&sl, s));
 */
/** A seqlock (see above). Zero (FTC_SEQLOCK_INIT) has no writer. */
typedef struct ftc_seqlock {
    uint32_t seq;     /**< atomic: even when no writer is active */
    ftc_mutex writer; /**< serializes writers */
} ftc_seqlock;
/** The initializer of an ftc_seqlock. */
#define FTC_SEQLOCK_INIT  \
    {                     \
        0, FTC_MUTEX_INIT \
    }

/** Begins a write: takes the writers' mutex and makes the sequence odd. */
FTC_API void ftc_seqlock_write_begin(ftc_seqlock *sl);
FTC_API void ftc_seqlock_write_end(ftc_seqlock *sl); /**< fatal if no write is in progress */
/** Begins a read: returns the (even) sequence to pass to ftc_seqlock_read_end(), waiting for
 * an active writer first. */
FTC_API uint32_t ftc_seqlock_read_begin(ftc_seqlock *sl);
FTC_API bool ftc_seqlock_read_end(ftc_seqlock *sl,
                                  uint32_t seq); /**< true: the read was consistent */

/* ---- recursive mutex ----
 * The owning thread may lock it again; it is released when unlocked as many times as locked.
 * Works for threads with or without a thread state. */
/** A recursive mutex (see above). Zero (FTC_RMUTEX_INIT) is unlocked. */
typedef struct ftc_rmutex {
    ftc_mutex mutex; /**< the underlying lock, held while owned */
    uintptr_t owner; /**< atomic: the owning thread's id (see src/rmutex.c), 0 when free */
    size_t level;    /**< extra locks by the owner beyond the first; owner only */
} ftc_rmutex;
/** The initializer of an unlocked ftc_rmutex. */
#define FTC_RMUTEX_INIT      \
    {                        \
        FTC_MUTEX_INIT, 0, 0 \
    }

/** Locks r (again, if the caller owns it), waiting (detached) as long as needed. */
FTC_API void ftc_rmutex_lock(ftc_rmutex *r);
/** timeout in seconds (< 0 forever, 0 try), flags FTC_LOCK_*: 0 or FTC_ETIMEDOUT; FTC_EINVAL
 * (no change, not even to the owner's level) for a NaN timeout. */
FTC_API int ftc_rmutex_lock_timed(ftc_rmutex *r, double timeout, int flags);
/** Unlocks once; fatal if the caller does not own r. */
FTC_API void ftc_rmutex_unlock(ftc_rmutex *r);
/** Unlocks once; FTC_EPERM (and no change) if the caller does not own r. */
FTC_API int ftc_rmutex_unlock_checked(ftc_rmutex *r);
FTC_API bool ftc_rmutex_is_owned(ftc_rmutex *r); /**< by the calling thread */
/** How many times the caller has locked r (0 if it does not own it). */
FTC_API size_t ftc_rmutex_count(ftc_rmutex *r);

FTC_EXTERN_C_END

#endif /* FTCORE_MUTEX_H */
