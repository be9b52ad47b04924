/* One-shot event on the parking lot (CPython's PyEvent design, written fresh).
 *
 * The byte is 0 (unset), 1 (set: final) or 2 (unset, threads parked). A waiter moves 0 -> 2
 * and parks expecting 2; the setter exchanges in 1 and, if it took a 2 out, unparks everyone.
 * No wake-up is lost: a waiter parks only while the byte is still 2 (checked under the bucket
 * lock), and any setter that changes it from 2 unparks under that same lock afterwards.
 *
 * A NaN timeout is a fatal error naming the call: the waits return a bool (set or not), so
 * there is no code to report it with, and treating it as "forever" or "try" would hide the bug.
 */
#include "internal/parking_lot.h"

enum { EV_UNSET = 0, EV_SET = 1, EV_PARKED = 2 };

void ftc_event_set(ftc_event *e)
{
    /* acq_rel: release publishes what the setter did before setting to every waiter that sees
     * 1 (their acquire loads); acquire is not needed but keeps the exchange symmetric. */
    uint8_t old = ftc_atomic_exchange_acq_rel(&e->v, (uint8_t)EV_SET);
    if (old == EV_PARKED)
        _ftc_parking_lot_unpark_all(&e->v);
}

bool ftc_event_is_set(ftc_event *e)
{
    return ftc_atomic_load_acquire(&e->v) == EV_SET; /* acquire: pairs with the set's release */
}

static bool event_wait(ftc_event *e, double timeout, int flags, const char *api)
{
    if (timeout != timeout)
        ftc_fatal("%s: the timeout is NaN", api);
    int64_t timeout_ns = _ftc_timeout_to_ns(timeout);
    int64_t deadline = timeout_ns > 0 ? _ftc_monotonic_ns() + timeout_ns : 0;
    for (;;) {
        /* acquire: pairs with the release of ftc_event_set. */
        uint8_t v = ftc_atomic_load_acquire(&e->v);
        if (v == EV_SET)
            return true;
        if (timeout_ns == 0)
            return false;
        if (v == EV_UNSET) {
            /* relaxed: only announces a waiter; the park re-checks under the bucket lock. */
            if (!ftc_atomic_cas_relaxed(&e->v, &v, (uint8_t)EV_PARKED))
                continue;
        }
        int64_t left = -1;
        if (timeout_ns > 0) {
            left = deadline - _ftc_monotonic_ns();
            if (left <= 0)
                return ftc_event_is_set(e);
        }
        uint8_t expected = EV_PARKED;
        if (_ftc_parking_lot_park(&e->v, &expected, 1, left, NULL, flags & FTC_LOCK_DETACH) ==
            FTC_PARK_TIMEOUT)
            return ftc_event_is_set(e);
    }
}

bool ftc_event_wait_flags(ftc_event *e, double timeout, int flags)
{
    return event_wait(e, timeout, flags, "ftc_event_wait_flags");
}

bool ftc_event_wait(ftc_event *e, double timeout)
{
    return event_wait(e, timeout, FTC_LOCK_DETACH, "ftc_event_wait");
}
