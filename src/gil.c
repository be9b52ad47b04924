/* The GIL: the "new GIL" of CPython 3.2+ (Antoine Pitrou's design), written fresh, with an
 * I/O priority against the convoy effect (bpo-7946) and a direct handoff to the requester.
 *
 * State (under gil->mutex): locked, holder, last_holder, switch_number, the queue of waiters
 * (oldest first, each a _ftc_gil_waiter on its thread's stack with its own condition
 * variable), and `requester`: the waiter whose drop request on the holder is pending.
 *
 * Two kinds of takers. The take that follows a drop made by ftc_eval_tick() on a drop request
 * (the thread was computing and was asked to let others run; eval.c sets ts->gil_compute) is
 * a compute take. Every other take (after a voluntary detach: a blocking call, a lock wait, a
 * new thread) is a priority take, unless the I/O priority is off or the thread was detached
 * for less than GIL_IO_MIN_DETACHED_S (50 us): such a detach blocked on nothing, and threads
 * that detach and re-attach in a loop must not preempt every holder at its first tick.
 *
 * Waiting. A compute waiter waits one switch interval (default 5 ms); if no other compute
 * thread got the GIL meanwhile (priority holdings in between do not count: they do not end a
 * compute thread's turn) it requests the drop: it becomes the requester and sets FTC_EB_GIL_DROP_REQUEST in
 * the holder's eval breaker. A priority waiter requests after the I/O grace (default 0: at
 * once), whatever the switches. The holder sees the bit at its next ftc_eval_tick(),
 * detaches, and its release hands the GIL to the requester: `holder` becomes the requester's
 * tstate and its `granted` flag is set, so nobody else (the dropper included) can take it in
 * between. That gives, without a separate wait:
 *  - forced switching: a holder that drops on request cannot take the GIL back before another
 *    thread has had it (it is handed to the requester, or on a requested drop with no
 *    requester named, to the best waiter), so a computing thread cannot starve the waiters;
 *  - priority: only one requester at a time, ranked urgent > priority > compute; a higher
 *    rank replaces a lower one (the replaced waiter asks again when the slot frees), so a drop
 *    that a compute waiter asked for still goes to a priority waiter that asked since.
 *    A GIL freed voluntarily (no requester) may be taken at once by a priority taker; a
 *    compute taker may take a free GIL only while no priority waiter waits (it waits behind
 *    them), and the release wakes the best waiter: urgent, else priority, else the oldest.
 *  - no starvation by priority: a compute waiter that has waited (compute waiters + 1) switch
 *    intervals is urgent: it requests the drop, outranks priority waiters and may take a free
 *    GIL. With compute waiters served about in turn (the first whose interval runs out
 *    asks, and gets it), a fair wait is (compute waiters) intervals, so the bound is one
 *    interval beyond it and only threads doing I/O all the time make it fire.
 *
 * The handoff without a wake-up. A requester that has just set the bit spins on its `granted`
 * flag (pause instructions, up to GIL_SPIN_S, only when the machine has more than one CPU)
 * before it sleeps: the holder normally honours the bit within one tick,
 * and a spinning requester takes over at once instead of waiting for the scheduler to wake it
 * while the GIL lies idle. The old holder then sleeps; no thread is woken on the switch's
 * critical path. Likewise a thread that starts waiting while a priority taker holds the GIL
 * (a thread back from I/O, which usually runs briefly and blocks again) spins once for the GIL
 * to be freed before it sleeps. Each waiter spins at most once per request or wait.
 *
 * The requests' bookkeeping: a compute waiter whose interval ran out without a compute switch
 * is `asking` until the next compute turn begins, and a grant (which frees the request slot)
 * wakes the highest-ranked waiter that wants to ask, so that a request refused or replaced by
 * a higher-ranked one is made again to the new holder at once, not an interval later.
 *
 * Why a drop request cannot be lost or misdirected: it is set under gil->mutex on `holder`,
 * whose tstate is alive then (a tstate is deleted only detached, after its release took the
 * mutex), and the holder clears its own bit under the mutex when it releases, before anyone
 * else can become the holder; so a bit seen at a tick was meant for this holding. The
 * requester stays in the queue until it is granted the GIL (a take never gives up), so
 * `requester` never dangles; a granted waiter is unlinked by the grant itself.
 *
 * Statistics are counted under gil->mutex: acquisitions, switches (the switch number),
 * switches that followed a requested drop (forced), drop requests (and those by priority and
 * by urgent waiters), handoffs, priority handoffs (a priority waiter got the GIL while a
 * compute waiter waited), and the time takers spent waiting (total and maximum).
 *
 * In the nogil build the GIL exists but is disabled unless switched on (ftc_config.gil, env
 * FTC_GIL, ftc_gil_set_enabled); switching happens with the world stopped (stw.c), and a thread
 * that took the GIL re-checks `enabled` (tstate.c) so that it never holds a disabled GIL.
 */
#include "internal/state.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The policy, shared by every GIL (process-wide, like CPython's sys.setswitchinterval).
 * Relaxed: a new value only needs to be seen by the next wait; nothing is published with it. */
static uint64_t switch_interval_ns = 5000000;
static uint64_t io_grace_ns = 0;
static int io_priority = 1;

/* How long a requester spins for the handoff before it sleeps (several times a tick's
 * latency, a fraction of a wake-up's on a virtual machine). */
#define GIL_SPIN_S 50e-6

/* A re-attach after a shorter detach is not a return from a blocking call (no priority). */
#define GIL_IO_MIN_DETACHED_S 50e-6

static double switch_interval_s(void)
{
    return (double)ftc_atomic_load_relaxed(&switch_interval_ns) * 1e-9;
}

static const char gil_lockorder_key; /* the GIL's class for the lock-order checker */

struct ftc_gil *_ftc_gil_new(int enabled)
{
    struct ftc_gil *gil = ftc_mem_calloc(1, sizeof *gil);
    if (!gil)
        return NULL;
    pthread_mutex_init(&gil->mutex, NULL);
    gil->enabled = enabled;
    gil->spin = sysconf(_SC_NPROCESSORS_ONLN) > 1;
    ftc_lockorder_set_class(gil, &gil_lockorder_key, "the GIL"); /* one class, every interp */
    return gil;
}

void _ftc_gil_free(struct ftc_gil *gil)
{
    if (!gil)
        return;
    _ftc_pforget(&gil->mutex); /* its memory may hold another lock next */
    pthread_mutex_destroy(&gil->mutex);
    ftc_lockorder_forget(gil);
    ftc_mem_free(gil);
}

/* ---- the queue (all under gil->mutex) ---- */

static void enqueue(struct ftc_gil *gil, _ftc_gil_waiter *w)
{
    w->next = NULL;
    w->prev = gil->last;
    if (gil->last)
        gil->last->next = w;
    else
        gil->first = w;
    gil->last = w;
    gil->waiters++;
    gil->prio_waiters += w->prio;
}

static void unlink_waiter(struct ftc_gil *gil, _ftc_gil_waiter *w)
{
    if (w->prev)
        w->prev->next = w->next;
    else
        gil->first = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        gil->last = w->prev;
    w->next = w->prev = NULL;
    gil->waiters--;
    gil->prio_waiters -= w->prio;
    if (gil->requester == w)
        gil->requester = NULL;
}

/* The waiter a free GIL should go to: the oldest urgent one, else the oldest priority one,
 * else the oldest. */
static _ftc_gil_waiter *best_waiter(struct ftc_gil *gil)
{
    _ftc_gil_waiter *prio = NULL;
    for (_ftc_gil_waiter *w = gil->first; w; w = w->next) {
        if (w->urgent)
            return w;
        if (w->prio && !prio)
            prio = w;
    }
    return prio ? prio : gil->first;
}

static int rank(const _ftc_gil_waiter *w) { return w->urgent ? 2 : w->prio; }

/* ts becomes the holder (mutex held); prio: it took the GIL as a priority taker. */
static void become_holder(struct ftc_gil *gil, ftc_tstate *ts, int prio)
{
    gil->holder_prio = prio;
    if (!prio && gil->last_compute != ts) {
        /* A new compute turn: the waiters that asked for the end of the previous one have
         * to wait an interval of this one before they ask again. */
        gil->last_compute = ts;
        gil->compute_switch_number++;
        for (_ftc_gil_waiter *o = gil->first; o; o = o->next)
            o->asking = 0;
    }
    /* Relaxed: `locked` is written under the mutex; the atomic store only keeps lock-free
     * diagnostic reads race-free. */
    ftc_atomic_store_relaxed(&gil->locked, 1);
    gil->holder = ts;
    gil->stats.acquisitions++;
    if (gil->last_holder != ts) {
        gil->last_holder = ts;
        gil->switch_number++;
        gil->stats.switches++;
        if (gil->forced_pending)
            gil->stats.forced_switches++;
    }
    gil->forced_pending = 0;
}

/* Counts a priority waiter that gets the GIL while compute waiters wait (w already unlinked). */
static void count_prio(struct ftc_gil *gil, const _ftc_gil_waiter *w)
{
    if (w->prio && gil->waiters > gil->prio_waiters)
        gil->stats.prio_handoffs++;
}

/* Hands the GIL, still locked, to the waiter w (mutex held). */
static void grant(struct ftc_gil *gil, _ftc_gil_waiter *w)
{
    unlink_waiter(gil, w);
    count_prio(gil, w);
    become_holder(gil, w->ts, w->prio);
    gil->stats.handoffs++;
    /* Release: pairs with the acquire load of a spinning waiter (which then takes the mutex,
     * so it also sees everything written under it). */
    ftc_atomic_store_release(&w->granted, 1);
    pthread_cond_signal(&w->cond);
    /* The request slot is free again: wake the highest-ranked waiter that wants to ask (its
     * request was refused or replaced while w's was pending), so that it asks the new holder
     * now rather than an interval later. */
    _ftc_gil_waiter *next = NULL;
    for (_ftc_gil_waiter *o = gil->first; o; o = o->next)
        if ((o->prio || o->urgent || o->asking) && (next == NULL || rank(o) > rank(next)))
            next = o;
    if (next != NULL)
        pthread_cond_signal(&next->cond);
}

/* May waiter w (or a new taker of that rank, w NULL) take the GIL, which is free? */
static int may_take_free(const struct ftc_gil *gil, int prio, int urgent)
{
    return prio || urgent || gil->prio_waiters == 0;
}

/* w asks the holder to drop the GIL (locked, mutex held) unless a request of the same or a
 * higher rank is pending. Returns 1 if w became the requester. */
static int request(struct ftc_gil *gil, _ftc_gil_waiter *w)
{
    _ftc_gil_waiter *r = gil->requester;
    if (r == w || (r != NULL && rank(r) >= rank(w)))
        return 0;
    gil->requester = w;
    gil->stats.drop_requests++;
    if (w->urgent)
        gil->stats.urgent_requests++;
    else if (w->prio)
        gil->stats.prio_requests++;
    _ftc_eval_breaker_set(gil->holder, FTC_EB_GIL_DROP_REQUEST);
    return 1;
}

/* A compute waiter's interval ran out (GIL locked, mutex held): it becomes urgent past the
 * starvation bound, and asks if no other compute thread got the GIL during the interval. */
static int compute_checkpoint(struct ftc_gil *gil, _ftc_gil_waiter *w, uint64_t saved, double now)
{
    double fair = (double)(gil->waiters - gil->prio_waiters + 1) * switch_interval_s();
    if (!w->urgent && now - w->since >= fair)
        w->urgent = 1;
    if (!w->urgent && gil->compute_switch_number != saved)
        return 0;  /* another compute thread got the GIL during the interval: wait another */
    w->asking = 1; /* from now on it asks whenever the request slot is free */
    if (gil->requester == w) {
        /* Still pending after a whole interval (a holder that does not tick): set the bit
         * again, which is harmless. */
        _ftc_eval_breaker_set(gil->holder, FTC_EB_GIL_DROP_REQUEST);
        return 0;
    }
    return request(gil, w);
}

static struct timespec abs_deadline(double t)
{
    struct timespec ts;
    if (t > 1e12)
        t = 1e12;
    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    } else if (ts.tv_nsec < 0) {
        ts.tv_nsec = 0;
    }
    return ts;
}

/* Has the spinning waiter w what it waits for: the GIL granted, or (for_free) the GIL free? */
static int spin_done(struct ftc_gil *gil, _ftc_gil_waiter *w, int for_free)
{
    /* Acquire: pairs with the release store in grant(). */
    if (ftc_atomic_load_acquire(&w->granted))
        return 1;
    /* Relaxed: only a hint; the caller re-checks under the mutex. */
    return for_free && !ftc_atomic_load_relaxed(&gil->locked);
}

/* Spins (mutex not held) with pause instructions until spin_done() or GIL_SPIN_S passed. No
 * sched_yield(): on a busy machine it hands the CPU to other processes for a timeslice, which
 * costs more than sleeping and being woken (a woken thread is scheduled promptly). */
static void spin_wait(struct ftc_gil *gil, _ftc_gil_waiter *w, int for_free)
{
    double start = ftc_monotonic();
    for (;;) {
        for (int i = 0; i < 64; i++) {
            if (spin_done(gil, w, for_free))
                return;
            ftc_cpu_relax();
        }
        if (ftc_monotonic() - start >= GIL_SPIN_S)
            return;
    }
}

/* Waits until ts holds the GIL (mutex held on entry and exit). */
static void wait_for_gil(struct ftc_gil *gil, ftc_tstate *ts, int prio)
{
    _ftc_gil_waiter w;
    memset(&w, 0, sizeof w);
    w.ts = ts;
    w.prio = prio;
    w.since = ftc_monotonic();
    _ftc_cond_init_monotonic(&w.cond);
    enqueue(gil, &w);
    uint64_t saved = gil->compute_switch_number;
    double grace_end = w.since + (double)ftc_atomic_load_relaxed(&io_grace_ns) * 1e-9;
    double next = w.since + switch_interval_s(); /* the next compute checkpoint */
    /* A priority holder (back from I/O) usually keeps the GIL only briefly: spin once for it
     * before sleeping, so that the GIL does not lie idle while this thread is woken. */
    int spun = !gil->spin;
    for (;;) {
        /* Relaxed: written under the mutex, which we hold. */
        if (ftc_atomic_load_relaxed(&w.granted))
            break;
        if (!gil->locked && may_take_free(gil, w.prio, w.urgent)) {
            unlink_waiter(gil, &w);
            count_prio(gil, &w);
            become_holder(gil, ts, w.prio);
            break;
        }
        double now = ftc_monotonic();
        int asked = 0;
        if (gil->locked) {
            /* Priority (after the grace), urgent and asking compute waiters ask whenever no
             * request of their rank is pending: a grant wakes the next of them to ask the new
             * holder. */
            if (w.urgent || w.asking || (w.prio && now >= grace_end))
                asked = request(gil, &w);
            if (!asked && !w.prio && now >= next)
                asked = compute_checkpoint(gil, &w, saved, now);
        }
        if (now >= next) {
            saved = gil->compute_switch_number;
            next = now + switch_interval_s();
        }
        if (asked && gil->spin) {
            _ftc_punlock(&gil->mutex);
            spin_wait(gil, &w, 0);
            _ftc_plock(&gil->mutex, "the GIL's internal mutex");
            continue;
        }
        if (!spun && gil->holder_prio && may_take_free(gil, w.prio, w.urgent)) {
            spun = 1;
            _ftc_punlock(&gil->mutex);
            spin_wait(gil, &w, 1);
            _ftc_plock(&gil->mutex, "the GIL's internal mutex");
            continue;
        }
        double until = next;
        if (w.prio && now < grace_end && grace_end < until)
            until = grace_end;
        struct timespec dl = abs_deadline(until);
        pthread_cond_timedwait(&w.cond, &gil->mutex, &dl);
    }
    double waited = ftc_monotonic() - w.since;
    gil->stats.total_wait += waited;
    if (waited > gil->stats.max_wait)
        gil->stats.max_wait = waited;
    pthread_cond_destroy(&w.cond);
}

void _ftc_gil_take(struct ftc_gil *gil, ftc_tstate *ts)
{
    /* Owner-only fields: this thread's last drop, and how long ago it was, decide the kind of
     * this take. A detach shorter than GIL_IO_MIN_DETACHED_S blocked on nothing (a VM that
     * releases the GIL around a call that did not block): no priority for it, or threads that
     * detach and re-attach in a loop would preempt every holder at its first tick. */
    int prio =
        !ts->gil_compute && ftc_atomic_load_relaxed(&io_priority) &&
        (ts->gil_drop_time == 0 || ftc_monotonic() - ts->gil_drop_time >= GIL_IO_MIN_DETACHED_S);
    ts->gil_compute = 0;
    /* The lock-order checker: the GIL is released by every detach (include/ftcore/lockorder.h) */
    FTC_LO_ACQUIRE_(gil, 0, FTC_LO_DROPPED, __FILE__, __LINE__);
    _ftc_plock(&gil->mutex, "the GIL's internal mutex");
    if (!gil->locked && may_take_free(gil, prio, 0))
        become_holder(gil, ts, prio);
    else
        wait_for_gil(gil, ts, prio);
    _ftc_punlock(&gil->mutex);
    /* Relaxed: holds_gil is written by the owner only; others read it for the snapshot. */
    ftc_atomic_store_relaxed(&ts->holds_gil, 1);
}

static void release(struct ftc_gil *gil, ftc_tstate *ts, int requested)
{
    ftc_atomic_store_relaxed(&ts->holds_gil, 0);
    ts->gil_drop_time = ftc_monotonic();
    _ftc_plock(&gil->mutex, "the GIL's internal mutex");
    if (!gil->locked || gil->holder != ts)
        ftc_fatal("the GIL is not held by the releasing thread state");
    /* Any request aimed at this holding is served by this release (under the mutex: no new
     * request can target us until we hold the GIL again). */
    _ftc_eval_breaker_clear(ts, FTC_EB_GIL_DROP_REQUEST);
    if (requested)
        gil->forced_pending = 1;
    _ftc_gil_waiter *next = gil->requester;
    if (next == NULL && requested)
        next = gil->first ? best_waiter(gil) : NULL;
    if (next != NULL) {
        grant(gil, next);
    } else {
        ftc_atomic_store_relaxed(&gil->locked, 0);
        gil->holder = NULL;
        if (gil->first)
            pthread_cond_signal(&best_waiter(gil)->cond);
    }
    _ftc_punlock(&gil->mutex);
    FTC_LO_RELEASE_(gil);
}

void _ftc_gil_drop(struct ftc_gil *gil, ftc_tstate *ts)
{
    int requested = (_ftc_eval_breaker_load(ts) & FTC_EB_GIL_DROP_REQUEST) != 0;
    release(gil, ts, requested);
    if (requested)
        ts->gil_forced_drops++;
}

void _ftc_gil_drop_plain(struct ftc_gil *gil, ftc_tstate *ts) { release(gil, ts, 0); }

void _ftc_gil_lock_for_fork(struct ftc_gil *gil)
{
    _ftc_plock_nested(&gil->mutex, "the GIL's internal mutex"); /* every GIL's, in list order */
}
void _ftc_gil_unlock_for_fork(struct ftc_gil *gil) { _ftc_punlock(&gil->mutex); }

void _ftc_gil_after_fork_child(struct ftc_gil *gil, ftc_tstate *holder)
{
    /* The waiters were other threads: they do not exist in the child. */
    pthread_mutex_init(&gil->mutex, NULL);
    _ftc_pforget(&gil->mutex); /* the lock-order checker: fork_prepare's hold is gone */
    gil->locked = holder != NULL;
    gil->holder = holder;
    gil->last_holder = holder;
    gil->first = gil->last = NULL;
    gil->waiters = gil->prio_waiters = 0;
    gil->requester = NULL;
    gil->last_compute = NULL;
    gil->holder_prio = 0;
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

double ftc_get_switch_interval(void) { return switch_interval_s(); }

int ftc_set_gil_io_priority(int on, double grace)
{
    if ((on != 0 && on != 1) || !(grace >= 0) || grace > 1e6)
        return FTC_EINVAL;
    ftc_atomic_store_relaxed(&io_grace_ns, (uint64_t)(grace * 1e9));
    ftc_atomic_store_relaxed(&io_priority, on);
    return 0;
}

int ftc_get_gil_io_priority(double *grace)
{
    if (grace)
        *grace = (double)ftc_atomic_load_relaxed(&io_grace_ns) * 1e-9;
    return ftc_atomic_load_relaxed(&io_priority);
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
    _ftc_plock(&gil->mutex, "the GIL's internal mutex");
    *out = gil->stats;
    _ftc_punlock(&gil->mutex);
    return 0;
}

void ftc_gil_reset_stats(void)
{
    struct ftc_gil *gil = caller_gil();
    if (!gil)
        return;
    _ftc_plock(&gil->mutex, "the GIL's internal mutex");
    gil->stats = (ftc_gil_stats){0};
    _ftc_punlock(&gil->mutex);
}
