/* Condition (threading.Condition), bound to a Lock or an RLock object.
 *
 * Like Python's, each waiter has its own wake-up (here a waiter struct in its frame; Python
 * uses one lock per waiter) in a FIFO queue, so notify(n) wakes exactly the n oldest waiters.
 * The queue is guarded by the condition's own one-byte ftc_mutex `mu`, held only for queue
 * operations, never while sleeping or acquiring the user's lock.
 *
 * No lost wake-up: wait() queues its waiter while it still holds the user's lock, and only
 * then releases it; notify() must be called with the user's lock held (FTC_EPERM otherwise).
 * So a notify that follows (in the lock's order) the waiter's release finds the waiter queued.
 *
 * RLock: wait() releases every level (saving the level and clearing the owner, as Python's
 * _release_save), and restores both after re-acquiring (_acquire_restore). Re-acquiring cannot
 * be interrupted and has no timeout: wait() always returns holding the lock, whatever its
 * result, so that the caller's unlock on every path is right. An async exception that arrives
 * meanwhile stays pending and is returned (consumed) right after the lock is back.
 *
 * Ownership for a plain Lock is "locked by someone" (Python can check no more either).
 *
 * Notify with nobody waiting (the common case of a ring handing a turn round, or a producer
 * with no idle consumer) takes no mutex: nwaiting counts the waiters from their enqueue to
 * their finish (both under mu), and notify returns at once when it reads 0. That read needs no
 * mu: a waiter increments nwaiting while it still holds the user's lock and releases the lock
 * afterwards, and the notifier holds the lock when it reads, so the increment happens before
 * the read (lock release -> acquire) and the read sees it or a later value; a 0 therefore means
 * that every waiter the notifier must wake (those ordered before it by the lock) has finished
 * already: woken by someone else, timed out or interrupted. A waiter not ordered before the
 * notify by the lock is concurrent with it; not waking it is what taking mu could do as well.
 */
#include "internal/sync.h"

#include <math.h>

typedef _ftc_cond_obj cond_obj;

static void cond_dealloc(ftc_object *self)
{
    cond_obj *c = (cond_obj *)self;
    ftc_assert(_ftc_waitq_empty(&c->q));
    ftc_xdecref(c->lock);
    c->lock = NULL;
}

const ftc_type ftc_condition_type = {
    .name = "Condition",
    .basicsize = sizeof(cond_obj),
    .dealloc = cond_dealloc,
};

static int cond_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_condition_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_condition_new(ftc_object *lock)
{
    bool own_lock = false;
    if (lock == NULL) {
        lock = ftc_rlock_new();
        if (lock == NULL)
            return NULL;
        own_lock = true;
    } else if (ftc_type_of(lock) != &ftc_lock_type && ftc_type_of(lock) != &ftc_rlock_type) {
        ftc_set_last_error(FTC_ETYPE);
        return NULL;
    }
    ftc_object *o = ftc_object_new(&ftc_condition_type);
    if (o == NULL) {
        if (own_lock)
            ftc_decref(lock);
        return NULL;
    }
    cond_obj *c = (cond_obj *)o;
    if (!own_lock)
        ftc_incref(lock);
    c->lock = lock;
    c->is_rlock = ftc_type_of(lock) == &ftc_rlock_type;
    _ftc_sync_mark_shared(o);
    return o;
}

ftc_object *ftc_condition_get_lock_ref(ftc_object *cond)
{
    int rc = cond_check(cond);
    if (rc) {
        ftc_set_last_error(rc);
        return NULL;
    }
    ftc_object *l = ((cond_obj *)cond)->lock;
    ftc_incref(l);
    return l;
}

static _ftc_lockcore *plain_core(cond_obj *c) { return &((_ftc_lock_obj *)c->lock)->core; }
static _ftc_rlockcore *rcore(cond_obj *c) { return &((_ftc_rlock_obj *)c->lock)->core; }

static bool cond_owned(cond_obj *c)
{
    return c->is_rlock ? _ftc_rlockcore_owned(rcore(c)) : _ftc_lockcore_locked(plain_core(c));
}

int ftc_condition_acquire(ftc_object *cond, double timeout)
{
    int rc = cond_check(cond);
    if (rc)
        return rc;
    cond_obj *c = (cond_obj *)cond;
    if (isnan(timeout))
        return FTC_EINVAL;
    if (c->is_rlock)
        return _ftc_rlockcore_acquire(rcore(c), timeout, FTC_SYNC_INTERRUPTIBLE);
    return _ftc_lockcore_acquire(plain_core(c), timeout, FTC_SYNC_INTERRUPTIBLE);
}

int ftc_condition_release(ftc_object *cond)
{
    int rc = cond_check(cond);
    if (rc)
        return rc;
    cond_obj *c = (cond_obj *)cond;
    if (c->is_rlock)
        return _ftc_rlockcore_release(rcore(c));
    return _ftc_lockcore_release(plain_core(c));
}

/* Releases the user's lock completely; returns the RLock level to restore. */
static uint64_t release_save(cond_obj *c)
{
    if (!c->is_rlock) {
        int rc = _ftc_lockcore_release(plain_core(c));
        ftc_assert(rc == 0);
        FTC_UNUSED(rc);
        return 1;
    }
    _ftc_rlockcore *r = rcore(c);
    uint64_t level = r->level;
    r->level = 0;
    ftc_atomic_store_relaxed(&r->owner, (uint64_t)0); /* relaxed: sync_lock.c, top */
    int rc = _ftc_lockcore_release(&r->lock);
    ftc_assert(rc == 0);
    FTC_UNUSED(rc);
    return level;
}

static void acquire_restore(cond_obj *c, uint64_t level)
{
    _ftc_lockcore *l = c->is_rlock ? &rcore(c)->lock : plain_core(c);
    int rc = _ftc_lockcore_acquire(l, -1, FTC_SYNC_UNINTERRUPTIBLE);
    if (rc != 0)
        ftc_fatal("re-acquiring a condition's lock failed: %s", ftc_strerror(rc));
    if (c->is_rlock) {
        _ftc_rlockcore *r = rcore(c);
        ftc_atomic_store_relaxed(&r->owner, ftc_thread_ident()); /* relaxed: as above */
        r->level = level;
    }
}

/* One wait; the caller holds the lock and has checked it. */
static int cond_wait_deadline(cond_obj *c, int64_t deadline)
{
    for (;;) {
        _ftc_waiter w = {0};
        _ftc_mu_lock(&c->mu);
        _ftc_waitq_push_back(&c->q, &w);
        /* relaxed, under mu: ordered for notifiers by our release of the user's lock below. */
        ftc_atomic_fetch_add_relaxed(&c->nwaiting, 1u);
        ftc_mutex_unlock(&c->mu);
        uint64_t level = release_save(c);
        int slept = _ftc_waiter_sleep(&w, deadline, FTC_SYNC_INTERRUPTIBLE);
        _ftc_mu_lock(&c->mu);
        int r = _ftc_waiter_finish(&c->q, &w, slept);
        ftc_atomic_fetch_sub_relaxed(&c->nwaiting, 1u); /* off the queue: see the top */
        ftc_mutex_unlock(&c->mu);
        acquire_restore(c, level);
        if (r == FTC_W_WOKEN)
            return 0;
        if (r == FTC_W_TIMEDOUT)
            return FTC_ETIMEDOUT;
        ftc_assert(r == FTC_W_INTERRUPTED);
        int code = _ftc_sync_take_interrupt();
        if (code < 0)
            return code;
        /* The exception was withdrawn: wait on, until the same deadline. */
    }
}

int ftc_condition_wait(ftc_object *cond, double timeout)
{
    int rc = cond_check(cond);
    if (rc)
        return rc;
    cond_obj *c = (cond_obj *)cond;
    if (!cond_owned(c))
        return FTC_EPERM;
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err)
        return err;
    return cond_wait_deadline(c, deadline);
}

int ftc_condition_wait_for(ftc_object *cond, int (*pred)(void *arg), void *arg, double timeout)
{
    int rc = cond_check(cond);
    if (rc)
        return rc;
    if (pred == NULL)
        return FTC_EINVAL;
    cond_obj *c = (cond_obj *)cond;
    if (!cond_owned(c))
        return FTC_EPERM;
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err)
        return err;
    for (;;) {
        int p = pred(arg);
        if (p < 0)
            return p;
        if (p > 0)
            return 0;
        if (deadline >= 0 && _ftc_monotonic_ns() >= deadline)
            return FTC_ETIMEDOUT;
        rc = cond_wait_deadline(c, deadline);
        if (rc != 0 && rc != FTC_ETIMEDOUT)
            return rc; /* an async exception */
        /* Woken or timed out: re-evaluate (a timed-out wait still reports a true predicate). */
    }
}

int ftc_condition_notify(ftc_object *cond, size_t n)
{
    int rc = cond_check(cond);
    if (rc)
        return rc;
    cond_obj *c = (cond_obj *)cond;
    if (!cond_owned(c))
        return FTC_EPERM;
    /* relaxed: the user's lock orders the waiters' increments before this (see the top). */
    if (ftc_atomic_load_relaxed(&c->nwaiting) == 0)
        return 0;
    _ftc_mu_lock(&c->mu);
    _ftc_waitq_wake(&c->q, n);
    ftc_mutex_unlock(&c->mu);
    return 0;
}

int ftc_condition_notify_all(ftc_object *cond) { return ftc_condition_notify(cond, SIZE_MAX); }
