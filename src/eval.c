/* The eval breaker's slow path, its bit operations, and async exceptions.
 *
 * The inline ftc_eval_tick() (eval.h) costs one TLS load and one relaxed load when no bit is
 * set. When one is, _ftc_eval_tick_slow() handles them in a fixed order:
 *   1. FTC_EB_SHUTDOWN / FTC_EB_STOP_THE_WORLD: park (detach, whose stop-the-world check moves
 *      the tstate to SUSPENDED or SHUTTING_DOWN, then attach, which waits for the world to
 *      restart or blocks forever). First, so that nothing else runs while the world is stopped.
 *   2. FTC_EB_GIL_DROP_REQUEST: detach and attach, dropping the GIL with forced switching;
 *      the re-take is a compute take (gil.c: I/O priority).
 *   3. FTC_EB_BRC_MERGE / FTC_EB_QSBR / FTC_EB_GC: cleared here, then handed to the object
 *      layer (_ftc_objects_handle_tick: merges, quiescent state, an automatic collection);
 *      a request made meanwhile sets the bit again.
 *   4. FTC_EB_PENDING_CALLS: the interpreter's queued calls (main tstate only).
 *   5. FTC_EB_ASYNC_EXC: returns the code set by ftc_thread_set_async_exc().
 * Any thread sets bits with a seq_cst fetch_or; the owner clears them with fetch_and. A bit is
 * always cleared before the work it asks for is done, so a request that arrives during the work
 * is seen at the next tick, never lost. The first negative result is returned; the bits after it
 * stay set for the next tick.
 */
#include "internal/state.h"

void _ftc_eval_breaker_set(ftc_tstate *ts, uint64_t bits)
{
    /* seq_cst: pairs with the acquire load in the slow path (the setter's data is published
     * before the bit) and orders with the owner's clearing fetch_and. */
    ftc_atomic_fetch_or(&ts->head.eval_breaker, bits);
}

void _ftc_eval_breaker_clear(ftc_tstate *ts, uint64_t bits)
{
    ftc_atomic_fetch_and(&ts->head.eval_breaker, ~bits);
}

int _ftc_eval_tick_slow(ftc_tstate *ts)
{
    if (!ts)
        ts = _ftc_tstate_require("ftc_eval_tick");
    uint64_t bits = _ftc_eval_breaker_load(ts);

    if (bits & (FTC_EB_SHUTDOWN | FTC_EB_STOP_THE_WORLD)) {
        _ftc_eval_breaker_clear(ts, FTC_EB_SHUTDOWN | FTC_EB_STOP_THE_WORLD);
        if (ftc_atomic_load(&_ftc_rt.stw_requested)) {
            ftc_detach();
            ftc_attach(ts);
        }
        bits = _ftc_eval_breaker_load(ts);
    }

    if (bits & FTC_EB_GIL_DROP_REQUEST) {
        if (ftc_atomic_load_relaxed(&ts->holds_gil)) {
            /* The drop (gil.c) sees the bit and hands the GIL to a waiter; we take it again
             * as a compute taker, behind threads coming back from blocking calls. */
            ts->gil_compute = 1;
            ftc_detach();
            ftc_attach(ts);
        } else {
            _ftc_eval_breaker_clear(ts, FTC_EB_GIL_DROP_REQUEST);
        }
        bits = _ftc_eval_breaker_load(ts);
    }

    if (bits & (FTC_EB_BRC_MERGE | FTC_EB_QSBR | FTC_EB_GC)) {
        uint64_t obj = bits & (FTC_EB_BRC_MERGE | FTC_EB_QSBR | FTC_EB_GC);
        _ftc_eval_breaker_clear(ts, obj);
        int rc = _ftc_objects_handle_tick(ts, obj);
        if (rc < 0)
            return rc;
    }

    if (bits & FTC_EB_PENDING_CALLS) {
        _ftc_eval_breaker_clear(ts, FTC_EB_PENDING_CALLS);
        int rc = _ftc_pending_calls_run(ts->interp, ts);
        if (rc < 0)
            return rc;
    }

    if (bits & FTC_EB_ASYNC_EXC) {
        _ftc_eval_breaker_clear(ts, FTC_EB_ASYNC_EXC);
        /* seq_cst exchange: pairs with the store in ftc_thread_set_async_exc. */
        int code = ftc_atomic_exchange(&ts->async_exc, 0);
        if (code < 0)
            return code;
    }
    return 0;
}

int ftc_thread_set_async_exc(uint64_t ident, int code)
{
    if (code > 0)
        return FTC_EINVAL;
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized))
        return FTC_ESTATE;
    ftc_tstate *me = _ftc_tstate_current;
    int found = 0;
    _ftc_head_lock();
    ftc_interp *in = me ? me->interp : _ftc_rt.main_interp;
    for (ftc_tstate *t = in->tstates; t; t = t->next) {
        if (t->ident != ident)
            continue;
        ftc_atomic_store(&t->async_exc, code);
        if (code) {
            _ftc_eval_breaker_set(t, FTC_EB_ASYNC_EXC);
            _ftc_sync_wake_for_async_exc(t); /* ends an interruptible wait (sync_wait.c) */
        }
        found = 1;
        break;
    }
    _ftc_head_unlock();
    return found;
}
