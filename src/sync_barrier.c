/* Barrier (threading.Barrier): `parties` threads wait until all have arrived.
 *
 * The state machine is Python's, with one state added because our action does not run under
 * the barrier's lock (a one-byte ftc_mutex `mu`, never held while sleeping or calling out):
 *
 *   FILLING   threads arrive and wait; the last one to arrive runs the action
 *   ACTION    the last thread runs the action; arrivals and abort()/reset() wait for it
 *   DRAINING  everyone passes; new arrivals wait until the last leaver sets FILLING again
 *   RESETTING reset() while threads waited: they get FTC_EBROKEN; the last leaver sets FILLING
 *   BROKEN    abort(), a timed-out or interrupted waiter, or a failed action; waiters and new
 *             arrivals get FTC_EBROKEN until reset()
 *
 * Invariants (mu held): count is the number of threads inside wait() past the entry check;
 * FILLING with count == parties never lasts past the arrival that made it so; only the thread
 * running the action moves the barrier out of ACTION. Every state change wakes the whole queue
 * (entry waiters and arrived waiters share it, and re-check their own condition). Because a new
 * cycle (FILLING) starts only when count is back to 0, a waiter of one cycle can never be
 * mistaken for one of the next: no generation counter is needed.
 *
 * Timeouts and interruptions break the barrier only while it is FILLING: a waiter that wakes
 * to find the action running waits (uninterruptibly) for its end, and one that finds DRAINING
 * has passed (as in Python, where the action holds the lock the waiter must re-take). An
 * interrupted waiter breaks the barrier and returns the async code.
 */
#include "internal/sync.h"

enum { B_FILLING, B_ACTION, B_DRAINING, B_RESETTING, B_BROKEN };

typedef struct barrier_obj {
    FTC_OBJECT_HEAD;
    size_t parties;           /* immutable */
    int (*action)(void *arg); /* immutable */
    void *action_arg;
    double timeout; /* default for ftc_barrier_wait_default; immutable */
    ftc_mutex mu;
    _ftc_waitq q;           /* mu */
    int state;              /* atomic (read by ftc_barrier_broken without mu); written under mu */
    size_t count;           /* mu */
    uint64_t action_thread; /* mu: ident of the thread running the action (ACTION) */
} barrier_obj;

const ftc_type ftc_barrier_type = {
    .name = "Barrier",
    .basicsize = sizeof(barrier_obj),
};

static int barrier_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_barrier_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_barrier_new(size_t parties, int (*action)(void *arg), void *arg, double timeout)
{
    if (parties == 0 || parties > (size_t)INT64_MAX || timeout != timeout) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
    ftc_object *o = ftc_object_new(&ftc_barrier_type);
    if (o == NULL)
        return NULL;
    barrier_obj *b = (barrier_obj *)o;
    b->parties = parties;
    b->action = action;
    b->action_arg = arg;
    b->timeout = timeout;
    _ftc_sync_mark_shared(o);
    return o;
}

static int get_state(barrier_obj *b) { return ftc_atomic_load_relaxed(&b->state); }

/* mu held. relaxed: every reader that acts on the state holds mu; broken() is a snapshot. */
static void set_state(barrier_obj *b, int s)
{
    ftc_atomic_store_relaxed(&b->state, s);
    _ftc_waitq_wake(&b->q, SIZE_MAX);
}

/* mu held: whether the caller is the thread running the action (which must not wait for
 * itself: a call from inside the action gets FTC_EDEADLK). */
static bool in_own_action(barrier_obj *b)
{
    return get_state(b) == B_ACTION && b->action_thread == ftc_thread_ident();
}

/* The common start of reset() and abort(): checks the object, takes mu and waits
 * (uninterruptibly) while an action runs. 0 with mu held and *out set; else the error code,
 * mu not held (FTC_EDEADLK when called from inside the caller's own action, which must not
 * wait for itself). */
static int lock_outside_action(ftc_object *barrier, barrier_obj **out)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    barrier_obj *b = (barrier_obj *)barrier;
    _ftc_mu_lock(&b->mu);
    if (in_own_action(b)) {
        ftc_mutex_unlock(&b->mu);
        return FTC_EDEADLK;
    }
    while (get_state(b) == B_ACTION)
        _ftc_waitq_wait(&b->q, &b->mu, -1, FTC_SYNC_UNINTERRUPTIBLE);
    *out = b;
    return 0;
}

/* mu held: the leaving half of wait(). */
static void barrier_exit(barrier_obj *b)
{
    b->count--;
    int s = get_state(b);
    if (b->count == 0 && (s == B_DRAINING || s == B_RESETTING))
        set_state(b, B_FILLING);
}

/* mu held, count already includes us, not the last: waits for the others. */
static int64_t barrier_await(barrier_obj *b, size_t index, int64_t deadline)
{
    for (;;) {
        int s = get_state(b);
        if (s == B_DRAINING)
            return (int64_t)index;
        if (s == B_BROKEN || s == B_RESETTING)
            return FTC_EBROKEN;
        bool action = s == B_ACTION;
        int r = _ftc_waitq_wait(&b->q, &b->mu, action ? -1 : deadline,
                                action ? FTC_SYNC_UNINTERRUPTIBLE : FTC_SYNC_INTERRUPTIBLE);
        if (r == FTC_W_WOKEN || get_state(b) != B_FILLING)
            continue; /* re-evaluate the new state */
        set_state(b, B_BROKEN);
        if (r == FTC_W_TIMEDOUT)
            return FTC_EBROKEN;
        ftc_mutex_unlock(&b->mu);
        int code = _ftc_sync_take_interrupt();
        _ftc_mu_lock(&b->mu);
        return code < 0 ? code : FTC_EBROKEN;
    }
}

int64_t ftc_barrier_wait(ftc_object *barrier, double timeout)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    barrier_obj *b = (barrier_obj *)barrier;
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err)
        return err;

    _ftc_mu_lock(&b->mu);
    if (in_own_action(b)) {
        ftc_mutex_unlock(&b->mu);
        return FTC_EDEADLK;
    }
    /* Enter: wait while a previous cycle finishes (Python's _enter: no timeout). */
    for (;;) {
        int s = get_state(b);
        if (s == B_FILLING)
            break;
        if (s == B_BROKEN) {
            ftc_mutex_unlock(&b->mu);
            return FTC_EBROKEN;
        }
        int r = _ftc_waitq_wait(&b->q, &b->mu, -1, FTC_SYNC_INTERRUPTIBLE);
        if (r == FTC_W_INTERRUPTED) {
            ftc_mutex_unlock(&b->mu);
            int code = _ftc_sync_take_interrupt();
            if (code < 0)
                return code;
            _ftc_mu_lock(&b->mu);
        }
    }

    size_t index = b->count++;
    int64_t result;
    if (index + 1 == b->parties) {
        result = (int64_t)index;
        if (b->action) {
            b->action_thread = ftc_thread_ident();
            set_state(b, B_ACTION);
            ftc_mutex_unlock(&b->mu);
            int arc = b->action(b->action_arg);
            _ftc_mu_lock(&b->mu);
            ftc_assert(get_state(b) == B_ACTION);
            if (arc < 0) {
                set_state(b, B_BROKEN);
                result = arc;
            }
        }
        if (result >= 0)
            set_state(b, B_DRAINING);
    } else {
        result = barrier_await(b, index, deadline);
    }
    barrier_exit(b);
    ftc_mutex_unlock(&b->mu);
    return result;
}

int64_t ftc_barrier_wait_default(ftc_object *barrier)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    return ftc_barrier_wait(barrier, ((barrier_obj *)barrier)->timeout);
}

int ftc_barrier_reset(ftc_object *barrier)
{
    barrier_obj *b;
    int rc = lock_outside_action(barrier, &b);
    if (rc)
        return rc;
    int s = get_state(b);
    if (b->count > 0) {
        if (s == B_FILLING || s == B_BROKEN)
            set_state(b, B_RESETTING);
        /* DRAINING or RESETTING: the last leaver sets FILLING */
    } else {
        set_state(b, B_FILLING);
    }
    ftc_mutex_unlock(&b->mu);
    return 0;
}

int ftc_barrier_abort(ftc_object *barrier)
{
    barrier_obj *b;
    int rc = lock_outside_action(barrier, &b);
    if (rc)
        return rc;
    set_state(b, B_BROKEN);
    ftc_mutex_unlock(&b->mu);
    return 0;
}

int64_t ftc_barrier_parties(ftc_object *barrier)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    return (int64_t)((barrier_obj *)barrier)->parties;
}

int64_t ftc_barrier_n_waiting(ftc_object *barrier)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    barrier_obj *b = (barrier_obj *)barrier;
    _ftc_mu_lock(&b->mu);
    int64_t n = get_state(b) == B_FILLING ? (int64_t)b->count : 0;
    ftc_mutex_unlock(&b->mu);
    return n;
}

int ftc_barrier_broken(ftc_object *barrier)
{
    int rc = barrier_check(barrier);
    if (rc)
        return rc;
    return get_state((barrier_obj *)barrier) == B_BROKEN;
}
