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

ftc_gilstate ftc_gilstate_ensure(void)
{
    _ftc_runtime_require(__func__);
    ftc_tstate *ts = gilstate_ts;
    ftc_tstate *cur = _ftc_tstate_current;
    if (ts && cur == ts) {
        ts->gilstate_counter++;
        return FTC_GILSTATE_LOCKED;
    }
    if (cur)
        ftc_fatal("the calling thread is attached to a thread state of another interpreter");
    if (!ts) {
        int err = 0;
        ts = _ftc_tstate_new(_ftc_rt.main_interp, &err);
        if (!ts)
            ftc_fatal("cannot create a thread state for this thread: %s", ftc_strerror(err));
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
