/** @file
 * The threading primitives a VM offers its users as a `threading` module, as objects:
 * Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier.
 *
 * Semantics follow Python's `threading` documentation; the differences are in the C shape:
 *   - Each primitive is an ftc_object (so a VM can keep it in its dicts and lists) created with
 *     one reference; release it with ftc_decref(). Primitives are marked as hot shared objects
 *     (src/refcount_hot.c), so many threads taking references to one lock do not contend on
 *     its count.
 *   - Every call checks its object's type: FTC_EINVAL for NULL, FTC_ETYPE for another type.
 *   - Every blocking call takes a timeout in seconds: < 0 waits forever, 0 only tries, NaN is
 *     FTC_EINVAL. Timeouts are measured on the monotonic clock, and a timed call never returns
 *     FTC_ETIMEDOUT before its timeout has passed.
 *   - A blocking call detaches its thread state while it sleeps (FTC_BEGIN_ALLOW_THREADS: the
 *     GIL is released in the GIL build, the thread is QSBR-offline in the nogil build).
 *   - A blocking call of an attached thread returns early with the code of an asynchronous
 *     exception sent to its thread (ftc_thread_set_async_exc, eval.h), which it consumes (the
 *     VM raises it). It has then acquired nothing. Threads without a thread state may use every
 *     primitive; their waits cannot be interrupted.
 */
#ifndef FTCORE_SYNC_H
#define FTCORE_SYNC_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

FTC_API extern const ftc_type ftc_lock_type;              /**< the type of a Lock */
FTC_API extern const ftc_type ftc_rlock_type;             /**< the type of an RLock */
FTC_API extern const ftc_type ftc_semaphore_type;         /**< the type of a Semaphore */
FTC_API extern const ftc_type ftc_bounded_semaphore_type; /**< the type of a BoundedSemaphore */
FTC_API extern const ftc_type ftc_sync_event_type;        /**< the type of an Event object */
FTC_API extern const ftc_type ftc_condition_type;         /**< the type of a Condition */
FTC_API extern const ftc_type ftc_barrier_type;           /**< the type of a Barrier */

/* ---- Lock: not reentrant, no owner (any thread may release it) ---- */
/** Returns a new reference to an unlocked Lock, or NULL (ftc_last_error()). */
FTC_API ftc_object *ftc_lock_new(void);
/** 0 once acquired; FTC_ETIMEDOUT (also for a failed try, timeout 0); an async code. */
FTC_API int ftc_lock_acquire(ftc_object *lock, double timeout);
/** 0, or FTC_ESTATE if the lock is not locked (Python's RuntimeError). */
FTC_API int ftc_lock_release(ftc_object *lock);
/** 1 if locked, 0 if not (a snapshot), or a negative code. */
FTC_API int ftc_lock_locked(ftc_object *lock);

/* ---- RLock: reentrant; owned by the thread that acquired it, with a level ---- */
/** Returns a new reference to an unowned RLock, or NULL (ftc_last_error()). */
FTC_API ftc_object *ftc_rlock_new(void);
/** 0 (the owner acquiring again only raises the level; FTC_EOVERFLOW at the limit),
 * FTC_ETIMEDOUT, or an async code. */
FTC_API int ftc_rlock_acquire(ftc_object *rlock, double timeout);
/** Lowers the level; the lock is free at level 0. FTC_EPERM if the caller does not own it. */
FTC_API int ftc_rlock_release(ftc_object *rlock);
/** 1 if the calling thread owns it, 0 if not, or a negative code. */
FTC_API int ftc_rlock_is_owned(ftc_object *rlock);
/** The owner's level as seen by the owner; 0 for any other thread. Negative code on error. */
FTC_API int64_t ftc_rlock_level(ftc_object *rlock);

/* ---- Semaphore and BoundedSemaphore ---- */
/** The largest count a semaphore can hold. */
#define FTC_SEMAPHORE_MAX (INT64_MAX / 2)
/** @{ */
/** A new reference to a Semaphore (or a BoundedSemaphore) whose count starts at value (for a
 * BoundedSemaphore, also its bound). NULL and FTC_EOVERFLOW if value exceeds
 * FTC_SEMAPHORE_MAX; NULL and FTC_ENOMEM if out of memory. */
FTC_API ftc_object *ftc_semaphore_new(uint64_t value);
FTC_API ftc_object *ftc_bounded_semaphore_new(uint64_t value);
/** @} */
/** Takes one unit: 0, FTC_ETIMEDOUT, or an async code. Waiters are served first come, first
 * served. Works for both types. */
FTC_API int ftc_semaphore_acquire(ftc_object *sem, double timeout);
/** Returns n >= 1 units (FTC_EINVAL for 0), waking up to n waiters. FTC_EINVAL (and no change)
 * if a BoundedSemaphore would exceed its initial value; FTC_EOVERFLOW past FTC_SEMAPHORE_MAX. */
FTC_API int ftc_semaphore_release(ftc_object *sem, uint64_t n);
/** The current count (a snapshot), or a negative code. */
FTC_API int64_t ftc_semaphore_value(ftc_object *sem);

/* ---- Event (threading.Event; the lock layer's one-shot ftc_event is another thing) ---- */
/** Returns a new reference to an Event whose flag is clear, or NULL (ftc_last_error()). */
FTC_API ftc_object *ftc_sync_event_new(void);
/** Sets the flag and wakes every waiter. */
FTC_API int ftc_sync_event_set(ftc_object *ev);
/** Clears the flag: later waiters block until the next set. */
FTC_API int ftc_sync_event_clear(ftc_object *ev);
/** 1 if set, 0 if not, or a negative code. */
FTC_API int ftc_sync_event_is_set(ftc_object *ev);
/** 0 once the flag is set (or a set() woke us, even if clear() came after: Python's rule);
 * FTC_ETIMEDOUT; or an async code. */
FTC_API int ftc_sync_event_wait(ftc_object *ev, double timeout);

/* ---- Condition: bound to a Lock or an RLock ---- */
/** lock: a Lock or an RLock (a reference is taken), or NULL for a new RLock. */
FTC_API ftc_object *ftc_condition_new(ftc_object *lock);
/** Returns a new reference to the condition's lock. */
FTC_API ftc_object *ftc_condition_get_lock_ref(ftc_object *cond);
/** Acquires the condition's lock, as ftc_lock_acquire() or ftc_rlock_acquire() on it. */
FTC_API int ftc_condition_acquire(ftc_object *cond, double timeout);
/** Releases the condition's lock, as ftc_lock_release() or ftc_rlock_release() on it. */
FTC_API int ftc_condition_release(ftc_object *cond);
/** The caller must hold the lock (FTC_EPERM otherwise; for a plain Lock "held" means locked,
 * as in Python). Releases it (all levels of an RLock), sleeps until notified or timed out,
 * and re-acquires it (restoring the RLock's level) before returning, whatever the result:
 * 0 notified, FTC_ETIMEDOUT, or an async code. */
FTC_API int ftc_condition_wait(ftc_object *cond, double timeout);
/** Waits until pred(arg) returns non-zero, re-evaluating it after each wake-up, as Python's
 * wait_for. pred runs with the lock held and returns 1 (true), 0 (false) or a negative code,
 * which is returned. Returns 0 once pred is true, FTC_ETIMEDOUT if it is still false when the
 * timeout expires, or an async code. The lock is held on return. */
FTC_API int ftc_condition_wait_for(ftc_object *cond, int (*pred)(void *arg), void *arg,
                                   double timeout);
/** Wakes up to n waiters (first come, first served); FTC_EPERM without the lock. */
FTC_API int ftc_condition_notify(ftc_object *cond, size_t n);
/** Wakes every waiter; FTC_EPERM without the lock. */
FTC_API int ftc_condition_notify_all(ftc_object *cond);

/* ---- Barrier ---- */
/** parties >= 1 (FTC_EINVAL otherwise). action (may be NULL) is run by one of the threads once
 * all have arrived, before any leaves; a negative return breaks the barrier and is returned to
 * that thread. timeout is the default used by ftc_barrier_wait_default(). */
FTC_API ftc_object *ftc_barrier_new(size_t parties, int (*action)(void *arg), void *arg,
                                    double timeout);
/** Returns the arrival index (0 .. parties-1), or FTC_EBROKEN if the barrier is or becomes
 * broken (abort, reset, a timed-out or interrupted waiter, a failed action) while waiting.
 * A waiter whose timeout expires breaks the barrier and gets FTC_EBROKEN (Python's rule).
 * An interrupted waiter breaks it and gets the async code. */
FTC_API int64_t ftc_barrier_wait(ftc_object *barrier, double timeout);
/** ftc_barrier_wait() with the timeout given to ftc_barrier_new(). */
FTC_API int64_t ftc_barrier_wait_default(ftc_object *barrier);
/** Back to the empty state; threads waiting get FTC_EBROKEN. */
FTC_API int ftc_barrier_reset(ftc_object *barrier);
/** Puts it in the broken state: current and future waiters get FTC_EBROKEN until reset. */
FTC_API int ftc_barrier_abort(ftc_object *barrier);
/* wait, reset and abort called from inside the barrier's own action return FTC_EDEADLK (they
 * would wait for the action to finish); from any other thread they wait for it. */
/** The number of threads the barrier waits for, or a negative code. */
FTC_API int64_t ftc_barrier_parties(ftc_object *barrier);
/** How many threads are waiting now (a snapshot), or a negative code. */
FTC_API int64_t ftc_barrier_n_waiting(ftc_object *barrier);
/** 1 if broken, 0 if not, or a negative code. */
FTC_API int ftc_barrier_broken(ftc_object *barrier);

FTC_EXTERN_C_END

#endif /* FTCORE_SYNC_H */
