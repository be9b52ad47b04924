/* The GIL: the "new GIL" of CPython 3.2+ (Antoine Pitrou's design), written fresh.
 *
 * State (under gil->mutex): locked, holder, last_holder, switch_number, waiters.
 *
 * Taking: a thread that finds the GIL locked waits on `cond` for at most one switch interval
 * (default 5 ms). If the wait timed out, the GIL is still locked, and the switch number did not
 * change meanwhile (no other thread got it during the whole interval), the waiter sets
 * FTC_EB_GIL_DROP_REQUEST in the holder's eval breaker and waits again. The holder sees the bit
 * at its next ftc_eval_tick(), detaches (dropping the GIL) and attaches again (taking it).
 * Taking bumps switch_number when the taker differs from last_holder.
 *
 * Forced switching: a holder that drops the GIL while its drop-request bit is set waits on
 * `switch_cond` until last_holder is no longer itself, i.e. until another thread has taken the
 * GIL; without this, the dropper would usually re-take the GIL before the woken waiter is
 * scheduled, and the waiter would starve (the "convoy" the new GIL fixes). The wait ends early
 * when no thread is waiting any more, so it cannot hang.
 *
 * Why the drop request cannot be lost or misdirected: it is set under gil->mutex on the tstate
 * in `holder`, which holds the GIL at that moment, so the tstate is alive (a tstate is deleted
 * only detached, i.e. after it dropped the GIL, which takes gil->mutex). A request that arrives
 * just after the holder dropped is cleared by the next take (stale), and the waiter requests
 * again after another interval if it is still waiting.
 *
 * Statistics are counted under gil->mutex: acquisitions, switches (the switch number),
 * switches that followed a requested drop (forced), drop requests, and the time takers spent
 * waiting (total and maximum, monotonic clock).
 *
 * In the nogil build the GIL exists but is disabled unless switched on (ftc_config.gil, env
 * FTC_GIL, ftc_gil_set_enabled); switching happens with the world stopped (stw.c), and a thread
 * that took the GIL re-checks `enabled` (tstate.c) so that it never holds a disabled GIL.
 */
#include "internal/state.h"

#include <stdlib.h>

/* The switch interval in nanoseconds, shared by every GIL. Relaxed: a new value only needs to
 * be seen by the next wait; nothing else is published with it. */
static uint64_t switch_interval_ns = 5000000;

struct ftc_gil *_ftc_gil_new(int enabled)
{
    struct ftc_gil *gil = ftc_mem_calloc(1, sizeof *gil);
    if (!gil)
        return NULL;
    pthread_mutex_init(&gil->mutex, NULL);
    _ftc_cond_init_monotonic(&gil->cond);
    _ftc_cond_init_monotonic(&gil->switch_cond);
    gil->enabled = enabled;
    return gil;
}

void _ftc_gil_free(struct ftc_gil *gil)
{
    if (!gil)
        return;
    pthread_mutex_destroy(&gil->mutex);
    pthread_cond_destroy(&gil->cond);
    pthread_cond_destroy(&gil->switch_cond);
    ftc_mem_free(gil);
}

void _ftc_gil_take(struct ftc_gil *gil, ftc_tstate *ts)
{
    pthread_mutex_lock(&gil->mutex);
    double t0 = 0;
    int waited = 0;
    if (gil->locked) {
        waited = 1;
        t0 = ftc_monotonic();
        gil->waiters++;
        while (gil->locked) {
            uint64_t saved = gil->switch_number;
            uint64_t ns = ftc_atomic_load_relaxed(&switch_interval_ns);
            struct timespec dl = _ftc_deadline_after((double)ns * 1e-9);
            int rc = pthread_cond_timedwait(&gil->cond, &gil->mutex, &dl);
            if (rc == ETIMEDOUT && gil->locked && gil->switch_number == saved &&
                gil->holder != NULL) {
                _ftc_eval_breaker_set(gil->holder, FTC_EB_GIL_DROP_REQUEST);
                gil->stats.drop_requests++;
            }
        }
        gil->waiters--;
    }
    /* Relaxed: `locked` is written under the mutex; the atomic store only keeps lock-free
     * diagnostic reads (snapshot) race-free. */
    ftc_atomic_store_relaxed(&gil->locked, 1);
    gil->holder = ts;
    gil->stats.acquisitions++;
    if (gil->last_holder != ts) {
        gil->last_holder = ts;
        gil->switch_number++;
        gil->stats.switches++;
        if (gil->forced_pending)
            gil->stats.forced_switches++;
        pthread_cond_broadcast(&gil->switch_cond);
    }
    gil->forced_pending = 0;
    if (waited) {
        double w = ftc_monotonic() - t0;
        gil->stats.total_wait += w;
        if (w > gil->stats.max_wait)
            gil->stats.max_wait = w;
    }
    pthread_mutex_unlock(&gil->mutex);
    /* A request aimed at an earlier holding of ours is stale now. */
    if (_ftc_eval_breaker_load(ts) & FTC_EB_GIL_DROP_REQUEST)
        _ftc_eval_breaker_clear(ts, FTC_EB_GIL_DROP_REQUEST);
    /* Relaxed: holds_gil is written by the owner only; others read it for the snapshot. */
    ftc_atomic_store_relaxed(&ts->holds_gil, 1);
}

static void release(struct ftc_gil *gil, ftc_tstate *ts, int requested)
{
    ftc_atomic_store_relaxed(&ts->holds_gil, 0);
    pthread_mutex_lock(&gil->mutex);
    if (!gil->locked || gil->holder != ts)
        ftc_fatal("the GIL is not held by the releasing thread state");
    ftc_atomic_store_relaxed(&gil->locked, 0);
    gil->holder = NULL;
    if (requested)
        gil->forced_pending = 1;
    pthread_cond_signal(&gil->cond);
    pthread_mutex_unlock(&gil->mutex);
}

void _ftc_gil_drop(struct ftc_gil *gil, ftc_tstate *ts)
{
    int requested = (_ftc_eval_breaker_load(ts) & FTC_EB_GIL_DROP_REQUEST) != 0;
    release(gil, ts, requested);
    if (!requested)
        return;
    ts->gil_forced_drops++;
    pthread_mutex_lock(&gil->mutex);
    _ftc_eval_breaker_clear(ts, FTC_EB_GIL_DROP_REQUEST);
    while (gil->last_holder == ts && gil->waiters > 0)
        pthread_cond_wait(&gil->switch_cond, &gil->mutex);
    pthread_mutex_unlock(&gil->mutex);
}

void _ftc_gil_drop_plain(struct ftc_gil *gil, ftc_tstate *ts) { release(gil, ts, 0); }

void _ftc_gil_lock_for_fork(struct ftc_gil *gil) { pthread_mutex_lock(&gil->mutex); }
void _ftc_gil_unlock_for_fork(struct ftc_gil *gil) { pthread_mutex_unlock(&gil->mutex); }

void _ftc_gil_after_fork_child(struct ftc_gil *gil, ftc_tstate *holder)
{
    pthread_mutex_init(&gil->mutex, NULL);
    _ftc_cond_init_monotonic(&gil->cond);
    _ftc_cond_init_monotonic(&gil->switch_cond);
    gil->locked = holder != NULL;
    gil->holder = holder;
    gil->last_holder = holder;
    gil->waiters = 0;
    gil->forced_pending = 0;
}

void _ftc_gil_set_enabled_stopped(struct ftc_gil *gil, ftc_tstate *requester, int on)
{
    int was = ftc_atomic_load_relaxed(&gil->enabled);
    if (was == on)
        return;
    if (on) {
        /* The requester is attached and the world is stopped: it takes the GIL it will drop at
         * its next detach. No other thread holds it (it was disabled). */
        ftc_atomic_store(&gil->enabled, 1);
        _ftc_gil_take(gil, requester);
    } else {
        ftc_atomic_store(&gil->enabled, 0);
        if (ftc_atomic_load_relaxed(&requester->holds_gil))
            _ftc_gil_drop_plain(gil, requester);
    }
}

/* ---- public controls ---- */

int ftc_set_switch_interval(double seconds)
{
    if (!(seconds > 0) || seconds > 1e6)
        return FTC_EINVAL;
    uint64_t ns = (uint64_t)(seconds * 1e9);
    ftc_atomic_store_relaxed(&switch_interval_ns, ns ? ns : 1);
    return 0;
}

double ftc_get_switch_interval(void)
{
    return (double)ftc_atomic_load_relaxed(&switch_interval_ns) * 1e-9;
}

static struct ftc_gil *caller_gil(void)
{
    ftc_tstate *ts = _ftc_tstate_current;
    if (ts)
        return ts->gil;
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized))
        return NULL;
    return _ftc_rt.main_interp->gil;
}

int ftc_gil_enabled(void)
{
#ifdef FTC_GIL_DISABLED
    struct ftc_gil *gil = caller_gil();
    /* Relaxed: a diagnostic read; attach itself reads `enabled` with acquire. */
    return gil ? ftc_atomic_load_relaxed(&gil->enabled) : 0;
#else
    return 1;
#endif
}

int ftc_gil_get_stats(ftc_gil_stats *out)
{
    if (!out)
        return FTC_EINVAL;
    struct ftc_gil *gil = caller_gil();
    if (!gil || !ftc_atomic_load_relaxed(&gil->enabled))
        return FTC_ENOTSUP;
    pthread_mutex_lock(&gil->mutex);
    *out = gil->stats;
    pthread_mutex_unlock(&gil->mutex);
    return 0;
}

void ftc_gil_reset_stats(void)
{
    struct ftc_gil *gil = caller_gil();
    if (!gil)
        return;
    pthread_mutex_lock(&gil->mutex);
    gil->stats = (ftc_gil_stats){0};
    pthread_mutex_unlock(&gil->mutex);
}

