/* Event (threading.Event): a flag that threads wait for.
 *
 * The flag is read without locks (is_set, and wait's fast path: acquire load, paired with the
 * release store in set, so a waiter that sees the flag sees what the setter did before). The
 * waiters' queue and every change of the flag happen under the one-byte ftc_mutex `mu`.
 *
 * No lost wake-up: a waiter checks the flag and queues itself under mu; set() stores the flag
 * and wakes the whole queue under mu. So a waiter either saw the flag or was queued when set()
 * looked. Python's rule that wait() returns True if a set() woke it, even if clear() came
 * before the waiter ran again, holds: a WOKEN waiter returns 0 without re-reading the flag.
 */
#include "internal/sync.h"

#include <math.h>

typedef struct event_obj {
    FTC_OBJECT_HEAD;
    uint32_t flag; /* atomic; written under mu */
    ftc_mutex mu;
    _ftc_waitq q;
} event_obj;

const ftc_type ftc_sync_event_type = {
    .name = "Event",
    .basicsize = sizeof(event_obj),
};

static int event_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_sync_event_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_sync_event_new(void)
{
    ftc_object *o = ftc_object_new(&ftc_sync_event_type);
    if (o)
        _ftc_sync_mark_shared(o);
    return o;
}

int ftc_sync_event_set(ftc_object *ev)
{
    int rc = event_check(ev);
    if (rc)
        return rc;
    event_obj *e = (event_obj *)ev;
    _ftc_mu_lock(&e->mu);
    /* release: pairs with the acquire loads in is_set/wait. */
    ftc_atomic_store_release(&e->flag, 1u);
    _ftc_waitq_wake(&e->q, SIZE_MAX);
    ftc_mutex_unlock(&e->mu);
    return 0;
}

int ftc_sync_event_clear(ftc_object *ev)
{
    int rc = event_check(ev);
    if (rc)
        return rc;
    event_obj *e = (event_obj *)ev;
    _ftc_mu_lock(&e->mu);
    ftc_atomic_store_relaxed(&e->flag, 0u); /* relaxed: clearing publishes nothing */
    ftc_mutex_unlock(&e->mu);
    return 0;
}

int ftc_sync_event_is_set(ftc_object *ev)
{
    int rc = event_check(ev);
    if (rc)
        return rc;
    /* acquire: pairs with the release store in set. */
    return ftc_atomic_load_acquire(&((event_obj *)ev)->flag) != 0;
}

int ftc_sync_event_wait(ftc_object *ev, double timeout)
{
    int rc = event_check(ev);
    if (rc)
        return rc;
    event_obj *e = (event_obj *)ev;
    if (isnan(timeout))
        return FTC_EINVAL;
    if (ftc_atomic_load_acquire(&e->flag)) /* acquire: as is_set */
        return 0;
    int err; /* only a NaN timeout sets it, and that was refused above */
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (timeout == 0)
        return FTC_ETIMEDOUT;

    _ftc_mu_lock(&e->mu);
    for (;;) {
        if (ftc_atomic_load_relaxed(&e->flag)) { /* relaxed: under mu, which set() held */
            rc = 0;
            break;
        }
        int r = _ftc_waitq_wait(&e->q, &e->mu, deadline, FTC_SYNC_INTERRUPTIBLE);
        if (r == FTC_W_WOKEN) {
            rc = 0;
            break;
        }
        if (r == FTC_W_TIMEDOUT) {
            rc = ftc_atomic_load_relaxed(&e->flag) ? 0 : FTC_ETIMEDOUT;
            break;
        }
        /* Interrupted: only if still unset does the exception end the wait. */
        if (ftc_atomic_load_relaxed(&e->flag)) {
            rc = 0;
            break;
        }
        ftc_mutex_unlock(&e->mu);
        int code = _ftc_sync_take_interrupt();
        if (code < 0)
            return code;
        _ftc_mu_lock(&e->mu);
    }
    ftc_mutex_unlock(&e->mu);
    return rc;
}
