/* Wait queues and the one sleep every blocking call of the threading API goes through.
 *
 * A waiter (src/internal/sync.h) sits in its primitive's FIFO queue, guarded by the primitive's
 * mu, and sleeps on the parking lot keyed by its own state word. This file holds the queue
 * operations, the sleep, and the asynchronous-exception wake-up.
 *
 * Why a sleeping thread cannot miss its wake-up:
 *   - a notifier changes the waiter's state word (WAITING -> WOKEN/HANDOFF) before it unparks
 *     that word's address, and the parking lot parks only if the word still reads WAITING under
 *     the bucket lock, so the change is seen either before parking or by the unpark;
 *   - the async-exception hook does the same with WAITING -> INTERRUPTED. To find the waiter it
 *     reads the tstate's sync_wait word, which the waiter sets before it checks the tstate's
 *     async_exc; the sender stores async_exc before it reads sync_wait. Both sides put a
 *     sequentially consistent fence between their store and their load (Dekker), so at least
 *     one of them sees the other: either the waiter finds async_exc set and interrupts itself,
 *     or the hook finds the waiter.
 *
 * Why the hook never touches a dead frame: sync_wait holds the waiter's address with bit 0 as a
 * busy flag. The hook claims the word by CAS (setting bit 0), works on the waiter, then clears
 * bit 0. The waiter, leaving, CASes the word from "address, not busy" to 0 and spins (yielding)
 * while a hook is busy; hooks are short (one CAS and one unpark).
 *
 * Timeouts: deadlines are absolute on the monotonic clock (ns). The sleep loops until the
 * state changes or the clock has passed the deadline, so a timed wait never returns early
 * (the tests assert exactly this lower bound).
 */
#include "internal/sync.h"

#include <math.h>
#include <sched.h>

/* ---- queue ---- */

void _ftc_waitq_push_back(_ftc_waitq *q, _ftc_waiter *w)
{
    ftc_atomic_store_relaxed(&w->state, (uint32_t)FTC_W_WAITING); /* ordered by mu */
    w->next = NULL;
    w->prev = q->tail;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    w->queued = true;
    q->n++;
}

void _ftc_waitq_push_front(_ftc_waitq *q, _ftc_waiter *w)
{
    ftc_atomic_store_relaxed(&w->state, (uint32_t)FTC_W_WAITING); /* ordered by mu */
    w->prev = NULL;
    w->next = q->head;
    if (q->head)
        q->head->prev = w;
    else
        q->tail = w;
    q->head = w;
    w->queued = true;
    q->n++;
}

void _ftc_waitq_remove(_ftc_waitq *q, _ftc_waiter *w)
{
    ftc_assert(w->queued);
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    w->next = w->prev = NULL;
    w->queued = false;
    q->n--;
}

int _ftc_waitq_wake_one(_ftc_waitq *q, uint32_t state)
{
    while (q->head) {
        _ftc_waiter *w = q->head;
        _ftc_waitq_remove(q, w);
        uint32_t expected = FTC_W_WAITING;
        /* release: the waiter's acquire load of its state sees everything we did before
         * (for HANDOFF, the previous holder's critical section). */
        if (ftc_atomic_cas_release(&w->state, &expected, state)) {
            /* Still under mu: the waiter takes mu before leaving its frame. */
            _ftc_parking_lot_unpark(&w->state, NULL, NULL);
            return 1;
        }
        /* INTERRUPTED first: the waiter handles that; pass our wake-up to the next one. */
    }
    return 0;
}

size_t _ftc_waitq_wake(_ftc_waitq *q, size_t n)
{
    size_t woken = 0;
    while (woken < n && _ftc_waitq_wake_one(q, FTC_W_WOKEN))
        woken++;
    return woken;
}

/* ---- deadlines ---- */

int64_t _ftc_sync_deadline(double timeout, int *err)
{
    *err = 0;
    if (isnan(timeout)) {
        *err = FTC_EINVAL;
        return -1;
    }
    int64_t rel = _ftc_timeout_to_ns(timeout);
    if (rel < 0)
        return -1;
    int64_t now = _ftc_monotonic_ns();
    if (rel > INT64_MAX - now)
        return -1; /* beyond the clock's range: forever */
    return now + rel;
}

/* ---- the async-exception wake-up ---- */

#define SYNC_WAIT_BUSY ((uintptr_t)1)

void _ftc_sync_wake_for_async_exc(ftc_tstate *ts)
{
    /* seq_cst fence: the caller's store of ts->async_exc comes before our load of sync_wait
     * (Dekker with the fence in register_waiter). */
    ftc_atomic_fence();
    uintptr_t p = ftc_atomic_load(&ts->sync_wait);
    while (p != 0 && !(p & SYNC_WAIT_BUSY)) {
        if (ftc_atomic_cas(&ts->sync_wait, &p, p | SYNC_WAIT_BUSY)) {
            _ftc_waiter *w = (_ftc_waiter *)p;
            uint32_t expected = FTC_W_WAITING;
            if (ftc_atomic_cas(&w->state, &expected, (uint32_t)FTC_W_INTERRUPTED))
                _ftc_parking_lot_unpark(&w->state, NULL, NULL);
            /* release: our accesses to w happen before the waiter's acquire in
             * unregister_waiter, after which it may leave the frame. */
            ftc_atomic_store_release(&ts->sync_wait, p);
            return;
        }
    }
    /* p == 0: not waiting (it will see async_exc when it next waits or ticks);
     * busy: another sender is interrupting that very wait already. */
}

static void register_waiter(ftc_tstate *ts, _ftc_waiter *w)
{
    ftc_assert(ftc_atomic_load_relaxed(&ts->sync_wait) == 0);
    ftc_atomic_store(&ts->sync_wait, (uintptr_t)w);
    ftc_atomic_fence(); /* Dekker: see the comment at the top of the file */
    if (ftc_atomic_load(&ts->async_exc) != 0) {
        uint32_t expected = FTC_W_WAITING;
        ftc_atomic_cas(&w->state, &expected, (uint32_t)FTC_W_INTERRUPTED);
    }
}

static void unregister_waiter(ftc_tstate *ts, _ftc_waiter *w)
{
    uintptr_t expected = (uintptr_t)w;
    /* acquire: pairs with the hook's release store that ends its busy period. */
    while (!ftc_atomic_cas_acquire(&ts->sync_wait, &expected, (uintptr_t)0)) {
        ftc_assert(expected == ((uintptr_t)w | SYNC_WAIT_BUSY));
        expected = (uintptr_t)w;
        sched_yield();
    }
}

/* ---- sleeping ---- */

int _ftc_waiter_sleep(_ftc_waiter *w, int64_t deadline_ns, int flags)
{
    ftc_tstate *ts = ftc_tstate_get();
    bool interruptible = ts != NULL && (flags & FTC_SYNC_INTERRUPTIBLE);
    if (interruptible)
        register_waiter(ts, w);
    if (ts)
        ftc_detach();

    int result;
    for (;;) {
        /* acquire: pairs with the release CAS of the notifier (or hook). */
        uint32_t s = ftc_atomic_load_acquire(&w->state);
        if (s != FTC_W_WAITING) {
            result = (int)s;
            break;
        }
        int64_t timeout_ns = -1;
        if (deadline_ns >= 0) {
            int64_t now = _ftc_monotonic_ns();
            if (now >= deadline_ns) {
                result = FTC_W_TIMEDOUT;
                break;
            }
            timeout_ns = deadline_ns - now;
        }
        const uint32_t waiting = FTC_W_WAITING;
        _ftc_parking_lot_park(&w->state, &waiting, sizeof waiting, timeout_ns, NULL, 0);
    }

    /* Unregister while still detached: if a sender's hook is busy with w we wait for it
     * without holding the GIL (the hook never needs the GIL, nor anything we hold). */
    if (interruptible)
        unregister_waiter(ts, w);
    if (ts)
        ftc_attach(ts);
    return result;
}

int _ftc_waiter_finish(_ftc_waitq *q, _ftc_waiter *w, int slept)
{
    if (w->queued) {
        /* No notifier reached us: only the hook can still change the state, and it cannot
         * any more (unregistered). */
        _ftc_waitq_remove(q, w);
        uint32_t s = ftc_atomic_load_relaxed(&w->state); /* our own thread wrote it last, or the
                                                            hook before unregister (acquire there) */
        return s == FTC_W_INTERRUPTED ? FTC_W_INTERRUPTED : FTC_W_TIMEDOUT;
    }
    FTC_UNUSED(slept);
    /* Dequeued by a notifier under mu (which we now hold): its CAS result is final. */
    return (int)ftc_atomic_load_acquire(&w->state);
}

int _ftc_waitq_wait(_ftc_waitq *q, ftc_mutex *mu, int64_t deadline_ns, int flags)
{
    _ftc_waiter w = {0};
    _ftc_waitq_push_back(q, &w);
    ftc_mutex_unlock(mu);
    int slept = _ftc_waiter_sleep(&w, deadline_ns, flags);
    _ftc_mu_lock(mu);
    return _ftc_waiter_finish(q, &w, slept);
}

int _ftc_sync_take_interrupt(void)
{
    if (ftc_tstate_get() == NULL)
        return 0;
    int code = ftc_eval_tick();
    return code < 0 ? code : 0;
}
