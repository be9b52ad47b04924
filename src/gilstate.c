/* gilstate: attach threads the embedder created itself (CPython's PyGILState_Ensure/Release).
 *
 * Each OS thread remembers one tstate in the main interpreter as its gilstate tstate (a
 * _Thread_local pointer): the first tstate it creates there, whoever creates it (runtime init
 * for the main thread, thread start, ftc_tstate_new, or ftc_gilstate_ensure itself), and it
 * forgets it when that tstate is deleted. ftc_gilstate_ensure() attaches that tstate, creating
 * it first if the thread has none, and counts the nesting; ftc_gilstate_release() undoes one
 * ensure: it detaches when the matching ensure attached (FTC_GILSTATE_UNLOCKED), and deletes
 * the tstate when the outermost ensure created it. The counter is touched only by the owner.
 */
#include "internal/state.h"

static FTC_THREAD_LOCAL ftc_tstate *gilstate_ts;

void _ftc_gilstate_bind(ftc_tstate *ts)
{
    if (!gilstate_ts)
        gilstate_ts = ts;
}

void _ftc_gilstate_forget(ftc_tstate *ts)
{
    if (gilstate_ts == ts)
        gilstate_ts = NULL;
}

/* A tstate for the calling thread in the main interpreter. The interpreter is reserved under
 * the head lock (as thread start does), so a concurrent finalization cannot free it under us;
 * a thread that comes in while the runtime is finalizing, or after, blocks forever like a
 * daemon thread (CPython 3.14 does the same). */
static ftc_tstate *new_gilstate_tstate(void)
{
    _ftc_head_lock();
    if (ftc_atomic_load_relaxed(&_ftc_rt.finalizing) && _ftc_rt.generation > 0) {
        _ftc_head_unlock();
        _ftc_hang_forever();
    }
    _ftc_head_unlock();
    _ftc_runtime_require("ftc_gilstate_ensure");
    _ftc_head_lock();
    ftc_interp *main_interp = _ftc_rt.main_interp;
    uint64_t gen = _ftc_rt.generation;
    int gone = ftc_atomic_load_relaxed(&_ftc_rt.finalizing) || !main_interp;
    if (!gone)
        main_interp->starting++;
    _ftc_head_unlock();
    if (gone)
        _ftc_hang_forever();
    int err = 0;
    ftc_tstate *ts = _ftc_tstate_new(main_interp, &gen, &err);
    if (!ts) {
        if (err == FTC_ESTATE)
            _ftc_hang_forever(); /* finalized meanwhile */
        ftc_fatal("cannot create a thread state for this thread: %s", ftc_strerror(err));
    }
    return ts;
}

ftc_gilstate ftc_gilstate_ensure(void)
{
    ftc_tstate *ts = gilstate_ts;
    ftc_tstate *cur = _ftc_tstate_current;
    if (ts && cur == ts) {
        ts->gilstate_counter++;
        return FTC_GILSTATE_LOCKED;
    }
    if (cur)
        ftc_fatal("the calling thread is attached to a thread state of another interpreter");
    if (!ts) {
        ts = new_gilstate_tstate();
        ts->created_by_gilstate = 1;
        gilstate_ts = ts;
    }
    ftc_attach(ts);
    ts->gilstate_counter++;
    return FTC_GILSTATE_UNLOCKED;
}

void ftc_gilstate_release(ftc_gilstate prev)
{
    ftc_tstate *ts = gilstate_ts;
    if (!ts || _ftc_tstate_current != ts || ts->gilstate_counter <= 0)
        ftc_fatal("ftc_gilstate_release without a matching ftc_gilstate_ensure");
    if (prev != FTC_GILSTATE_LOCKED && prev != FTC_GILSTATE_UNLOCKED)
        ftc_fatal("invalid ftc_gilstate value %d", (int)prev);
    if (--ts->gilstate_counter == 0 && ts->created_by_gilstate) {
        if (prev != FTC_GILSTATE_UNLOCKED)
            ftc_fatal("the outermost ftc_gilstate_release must get what the outermost ensure "
                      "returned");
        _ftc_tstate_clear(ts);
        ftc_detach();
        _ftc_tstate_delete(ts);
    } else if (prev == FTC_GILSTATE_UNLOCKED) {
        ftc_detach();
    }
}
