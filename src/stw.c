/* Stop-the-world: pause every other thread of the runtime for an operation that needs exclusive
 * access (switching the GIL on or off, fork, debug checks), and the same machinery aimed at
 * SHUTTING_DOWN for finalization (runtime.c).
 *
 * Protocol (all bookkeeping under the head lock):
 *   1. The requester takes stw_mutex, detached while it waits: a second requester that blocks
 *      on it is detached, so the first one can park it (CPython gh-144513 is the lesson: the
 *      requester must never wait for something that a parked thread holds, and a would-be
 *      requester must never wait attached).
 *   2. Under the head lock it sets stw_requested (seq_cst) and then visits every tstate not
 *      owned by its own thread: DETACHED ones are moved to the target state by CAS at once;
 *      ATTACHED ones are counted and get FTC_EB_STOP_THE_WORLD (or FTC_EB_SHUTDOWN); DELETING
 *      ones are counted (their owner unlinks them soon, decrementing the count).
 *   3. A counted thread parks itself at its next tick or detach: its detach stores DETACHED,
 *      sees stw_requested, and under the head lock CASes DETACHED -> target and decrements the
 *      countdown. The CAS succeeds exactly for counted threads (an uncounted one was already
 *      moved by the requester or created SUSPENDED), so the countdown is exact, and by the
 *      seq_cst argument in tstate.c no detach is missed: the requester waits on a condition
 *      variable, never polls.
 *   4. The requester waits (head lock released) until the countdown is 0. It holds only
 *      stw_mutex, which no parked thread needs, and (in the nogil build with the GIL on) the
 *      GIL, which parked threads only need once the world restarts.
 *   5. ftc_start_the_world() CASes every SUSPENDED tstate back to DETACHED, clears the request,
 *      wakes them (resume_cond), and releases stw_mutex.
 * While the world is stopped no other thread is ATTACHED: a SUSPENDED tstate's owner waits in
 * ftc_attach() until step 5, and new tstates start SUSPENDED.
 *
 * Both builds run the same machinery. In the GIL build the caller's GIL already excludes the
 * threads of its own interpreter (and of every interpreter sharing that GIL), but
 * sub-interpreters with their own GIL run in parallel with it: their attached threads are
 * counted and parked like any other. Parking a thread that shares the requester's GIL costs
 * nothing (it is detached, or waiting for the GIL, whose take then finds it SUSPENDED and drops
 * the GIL again). The requester keeps its GIL while it waits: a counted thread holds another
 * GIL, so it never needs the requester's to reach its next tick or detach.
 *
 * The requester need not be attached (internal callers only: fork's prepare handler, whose
 * forking thread may be detached or have no thread state at all). A detached requester holds
 * no GIL and no critical section, so it blocks nobody while it waits.
 */
#include "internal/state.h"

/* Which thread requested the current stop; head lock. */
static pthread_t requester_thread;
static int requester_valid;

void _ftc_stw_mutex_lock(void)
{
    if (_ftc_ptrylock(&_ftc_rt.stw_mutex, "the stop-the-world lock") == 0)
        return;
    ftc_tstate *ts = _ftc_tstate_current;
    if (ts)
        ftc_detach();
    _ftc_plock(&_ftc_rt.stw_mutex, "the stop-the-world lock");
    if (ts) {
        /* Finalization may have stopped us while we waited: leave holding nothing. */
        if (ftc_atomic_load(&ts->state) == FTC_TSTATE_SHUTTING_DOWN) {
            _ftc_punlock(&_ftc_rt.stw_mutex);
            _ftc_hang_forever();
        }
        ftc_attach(ts);
    }
}

void _ftc_stw_park_others(int target)
{
    pthread_t self = pthread_self();
    uint64_t bit = target == FTC_TSTATE_SHUTTING_DOWN ? FTC_EB_SHUTDOWN : FTC_EB_STOP_THE_WORLD;
    _ftc_head_lock();
    _ftc_rt.stw_target = target;
    _ftc_rt.stw_countdown = 0;
    _ftc_rt.stw_requester = _ftc_tstate_current;
    requester_thread = self;
    requester_valid = 1;
    ftc_atomic_store(&_ftc_rt.stw_requested, 1);
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        for (ftc_tstate *t = in->tstates; t; t = t->next) {
            if (pthread_equal(t->pthread, self))
                continue;
            int st = ftc_atomic_load(&t->state);
            for (;;) {
                if (st == FTC_TSTATE_DETACHED) {
                    if (ftc_atomic_cas(&t->state, &st, target))
                        break;
                    continue; /* the owner attached meanwhile: st is ATTACHED now */
                }
                if (st == FTC_TSTATE_ATTACHED) {
                    _ftc_rt.stw_countdown++;
                    _ftc_eval_breaker_set(t, bit);
                } else if (st == FTC_TSTATE_DELETING) {
                    _ftc_rt.stw_countdown++;
                }
                break;
            }
        }
    }
    while (_ftc_rt.stw_countdown > 0)
        pthread_cond_wait(&_ftc_rt.stw_cond, &_ftc_rt.head_mutex);
    /* Published under the head lock with stw_requester: the lock layer asks whether the
     * calling thread has the world stopped (critical_section.c, gh-144513). */
    _ftc_rt.world_stopped = target == FTC_TSTATE_SUSPENDED;
    _ftc_head_unlock();
}

void _ftc_stw_park_self(ftc_tstate *ts)
{
    _ftc_head_lock();
    if (ftc_atomic_load_relaxed(&_ftc_rt.stw_requested) &&
        !(requester_valid && pthread_equal(requester_thread, pthread_self()))) {
        int st = FTC_TSTATE_DETACHED;
        if (ftc_atomic_cas(&ts->state, &st, _ftc_rt.stw_target) && --_ftc_rt.stw_countdown == 0)
            pthread_cond_broadcast(&_ftc_rt.stw_cond);
    }
    _ftc_head_unlock();
}

void _ftc_stw_resume_all(void)
{
    _ftc_head_lock();
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        for (ftc_tstate *t = in->tstates; t; t = t->next) {
            int st = FTC_TSTATE_SUSPENDED;
            (void)ftc_atomic_cas(&t->state, &st, FTC_TSTATE_DETACHED);
        }
    }
    ftc_atomic_store(&_ftc_rt.stw_requested, 0);
    _ftc_rt.stw_requester = NULL;
    _ftc_rt.world_stopped = 0;
    requester_valid = 0;
    pthread_cond_broadcast(&_ftc_rt.resume_cond);
    _ftc_head_unlock();
}

/* Finalization: the stopped tstates were moved off the lists; end the request. */
void _ftc_stw_end_shutdown(void)
{
    _ftc_head_lock();
    ftc_atomic_store(&_ftc_rt.stw_requested, 0);
    _ftc_rt.stw_requester = NULL;
    requester_valid = 0;
    _ftc_head_unlock();
}

/* fork child (stw_mutex freshly initialized): no other thread exists. If the forking thread
 * had the world stopped itself (before fork, not by fork's prepare handler: keep_mine), it
 * keeps it stopped (and keeps stw_mutex) so that its
 * ftc_start_the_world() still matches; any other stop is over. */
void _ftc_stw_after_fork_child(int keep_mine)
{
    int mine = keep_mine && requester_valid && pthread_equal(requester_thread, pthread_self()) &&
               _ftc_rt.world_stopped;
    _ftc_rt.stw_countdown = 0;
    if (mine) {
        /* A try: the mutex is fresh and no other thread exists, so this never waits, and the
         * lock-order checker must not take it for a wait under the locks the child has not
         * re-initialized yet (every GIL's mutex, held since fork_prepare). */
        if (_ftc_ptrylock(&_ftc_rt.stw_mutex, "the stop-the-world lock") != 0)
            ftc_fatal("fork: the child could not re-take the stop-the-world lock");
        return;
    }
    requester_valid = 0;
    _ftc_rt.stw_requester = NULL;
    _ftc_rt.world_stopped = 0;
    ftc_atomic_store(&_ftc_rt.stw_requested, 0);
}

static int i_am_requester(void)
{
    _ftc_head_lock();
    int mine = requester_valid && pthread_equal(requester_thread, pthread_self());
    _ftc_head_unlock();
    return mine;
}

int _ftc_stw_held_by_me(void) { return i_am_requester(); }

void _ftc_stw_stop(void)
{
    _ftc_stw_mutex_lock();
    _ftc_stw_park_others(FTC_TSTATE_SUSPENDED);
}

void _ftc_stw_start(void)
{
    _ftc_stw_resume_all();
    _ftc_punlock(&_ftc_rt.stw_mutex);
}

void ftc_stop_the_world(void)
{
    (void)_ftc_tstate_require(__func__);
    if (i_am_requester())
        ftc_fatal("the world is already stopped by the calling thread");
    _ftc_stw_stop();
}

void ftc_start_the_world(void)
{
    (void)_ftc_tstate_require(__func__);
    if (!i_am_requester())
        ftc_fatal("the world was not stopped by the calling thread");
    _ftc_stw_start();
}

int ftc_gil_set_enabled(int on)
{
    ftc_tstate *ts = _ftc_tstate_require(__func__);
    if (on != 0 && on != 1)
        return FTC_EINVAL;
#ifdef FTC_GIL_DISABLED
    ftc_stop_the_world();
    _ftc_gil_set_enabled_stopped(ts->gil, ts, on);
    ftc_start_the_world();
    return 0;
#else
    FTC_UNUSED(ts);
    return on ? 0 : FTC_ENOTSUP;
#endif
}
