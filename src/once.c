/* Once-flag on the parking lot (after CPython's _PyOnceFlag, written fresh).
 *
 * States of the byte: 0 not run, 1 done (final), 2 running, 2|4 running with waiters parked.
 * The first caller moves 0 -> 2 and runs fn. On success it exchanges in 1; on failure (fn
 * returned < 0) it exchanges in 0, so the next caller runs fn again. Either way, if the old
 * value had the parked bit, it unparks every waiter: they re-read the byte and return (1), or
 * one of them wins the 0 -> 2 race and retries fn (0).
 *
 * Memory order: the "done" store is a release (in the acq_rel exchange) and every check of
 * "done" is an acquire load, so whatever fn initialized is visible to every caller that returns
 * 0 through the flag.
 */
#include "internal/parking_lot.h"

enum { ONCE_NOT_RUN = 0, ONCE_DONE = 1, ONCE_RUNNING = 2, ONCE_PARKED = 4 };

static void finish(ftc_once *o, uint8_t to)
{
    /* acq_rel: release publishes fn's work with "done" (pairs with the acquire loads in
     * ftc_once_call and below). */
    uint8_t old = ftc_atomic_exchange_acq_rel(&o->v, to);
    if (old & ONCE_PARKED)
        _ftc_parking_lot_unpark_all(&o->v);
}

int ftc_once_call_slow(ftc_once *o, int (*fn)(void *), void *arg)
{
    /* acquire: pairs with the release in finish(). */
    uint8_t v = ftc_atomic_load_acquire(&o->v);
    for (;;) {
        if (v == ONCE_DONE)
            return 0;
        if (v == ONCE_NOT_RUN) {
            /* acquire: if this fails because it became done, v is read with acquire. */
            if (!ftc_atomic_cas_acquire(&o->v, &v, (uint8_t)ONCE_RUNNING))
                continue;
            int r = fn(arg);
            finish(o, r < 0 ? (uint8_t)ONCE_NOT_RUN : (uint8_t)ONCE_DONE);
            return r < 0 ? r : 0;
        }
        /* Running in another thread: announce ourselves and sleep until it finishes. */
        uint8_t want = (uint8_t)(v | ONCE_PARKED);
        /* acquire: on failure v may now be "done", which we return through (see finish()). */
        if (v != want && !ftc_atomic_cas_acquire(&o->v, &v, want))
            continue;
        _ftc_parking_lot_park(&o->v, &want, 1, -1, NULL, FTC_LOCK_DETACH);
        v = ftc_atomic_load_acquire(&o->v);
    }
}
