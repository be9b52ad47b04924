/* Interpreters: sub-interpreter creation and destruction, and each interpreter's pending-call
 * queue.
 *
 * Every interpreter has its own list of tstates (head lock). In the GIL build a sub-interpreter
 * gets its own GIL when ftc_config.own_gil_for_subinterpreters is set (PEP 684: its threads
 * then run in parallel with the main interpreter's), otherwise it shares the main one; in the
 * nogil build all interpreters share the main interpreter's (normally disabled) GIL, so that
 * switching it on at run time covers every thread. A GIL counts the interpreters using it
 * (`owners`, head lock) and is freed with the last one, unless a stopped daemon still points
 * to it (runtime.c keeps it then).
 *
 * Pending calls: a bounded ring buffer per interpreter (head lock). Adding one sets
 * FTC_EB_PENDING_CALLS on the interpreter's main tstate (the thread that created it); that
 * thread's next tick runs the queued calls in order, outside the head lock. A call that fails
 * stops the run: its code is returned by the tick and the rest wait for the next tick. The head
 * lock protects the queue because it is already the lock that guards `main_ts`, and pending
 * calls are rare; the queue is therefore not for signal handlers (pthread mutexes are not
 * async-signal-safe). Only the main tstate runs them: once it is deleted (the interpreter may
 * live on in other threads) an add is refused with FTC_ESTATE, and calls still queued then
 * never run (eval.h).
 */
#include "internal/state.h"

ftc_interp *_ftc_interp_alloc(struct ftc_gil *gil, int own_gil)
{
    ftc_interp *in = ftc_mem_calloc(1, sizeof *in);
    if (!in)
        return NULL;
    in->pending_cap = _ftc_rt.config.pending_calls_max;
    in->pending = ftc_mem_calloc(in->pending_cap, sizeof *in->pending);
    if (!in->pending) {
        ftc_mem_free(in);
        return NULL;
    }
    in->gil = gil;
    in->own_gil = own_gil;
    return in;
}

void _ftc_interp_free(ftc_interp *interp)
{
    if (!interp)
        return;
    ftc_mem_free(interp->pending);
    ftc_mem_free(interp);
}

int64_t ftc_interp_id(const ftc_interp *interp) { return interp ? interp->id : -1; }

static void unlink_interp(ftc_interp *in)
{
    _ftc_head_lock();
    if (in->prev)
        in->prev->next = in->next;
    else
        _ftc_rt.interps = in->next;
    if (in->next)
        in->next->prev = in->prev;
    in->next = in->prev = NULL;
    _ftc_head_unlock();
}

ftc_interp *ftc_interp_new(ftc_tstate **prev)
{
    _ftc_runtime_require(__func__);
    if (prev)
        *prev = NULL;
    struct ftc_gil *gil = _ftc_rt.main_interp->gil;
    int own = 0;
#ifndef FTC_GIL_DISABLED
    if (_ftc_rt.config.own_gil_for_subinterpreters) {
        gil = _ftc_gil_new(1);
        if (!gil) {
            ftc_set_last_error(FTC_ENOMEM);
            return NULL;
        }
        own = 1;
    }
#endif
    ftc_interp *in = _ftc_interp_alloc(gil, own);
    if (!in) {
        if (own)
            _ftc_gil_free(gil);
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    _ftc_head_lock();
    if (ftc_atomic_load_relaxed(&_ftc_rt.finalizing)) {
        _ftc_head_unlock();
        _ftc_interp_free(in);
        if (own)
            _ftc_gil_free(gil);
        ftc_set_last_error(FTC_ESTATE);
        return NULL;
    }
    in->id = _ftc_rt.next_interp_id++;
    gil->owners++;
    ftc_interp *tail = _ftc_rt.interps;
    while (tail->next)
        tail = tail->next;
    tail->next = in;
    in->prev = tail;
    _ftc_head_unlock();

    ftc_tstate *cur = _ftc_tstate_current ? ftc_detach() : NULL;
    int err = 0;
    ftc_tstate *ts = _ftc_tstate_new(in, NULL, &err);
    if (!ts) {
        unlink_interp(in);
        _ftc_interp_retire(in);
        if (cur)
            ftc_attach(cur);
        ftc_set_last_error(err);
        return NULL;
    }
    _ftc_head_lock();
    in->main_ts = ts;
    _ftc_head_unlock();
    ftc_attach(ts);
    if (prev)
        *prev = cur;
    return in;
}

void _ftc_interp_retire(ftc_interp *interp)
{
    struct ftc_gil *gil = interp->gil;
    _ftc_head_lock();
    int free_gil = --gil->owners == 0;
    if (free_gil) {
        for (ftc_tstate *z = _ftc_rt.zombie_tstates; z; z = z->zombie_next) {
            if (z->gil == gil) {
                gil->zombie_next = _ftc_rt.zombie_gils;
                _ftc_rt.zombie_gils = gil;
                free_gil = 0;
                break;
            }
        }
    }
    _ftc_head_unlock();
    _ftc_interp_free(interp);
    if (free_gil)
        _ftc_gil_free(gil);
}

int ftc_interp_destroy(ftc_interp *interp)
{
    if (!interp)
        return FTC_EINVAL;
    _ftc_runtime_require(__func__);
    if (interp == _ftc_rt.main_interp)
        return FTC_EINVAL;
    ftc_tstate *ts = _ftc_tstate_current;
    if (!ts || ts->interp != interp)
        return FTC_ESTATE;
    _ftc_head_lock();
    if (interp->tstates != ts || ts->next || interp->starting) {
        _ftc_head_unlock();
        return FTC_ESTATE;
    }
    interp->dying = 1;
    _ftc_head_unlock();
    _ftc_tstate_clear(ts);
    ftc_detach();
    _ftc_tstate_delete(ts);
    unlink_interp(interp);
    _ftc_interp_retire(interp);
    return 0;
}

/* ---- pending calls ---- */

int ftc_pending_call_add(ftc_interp *interp, int (*fn)(void *arg), void *arg)
{
    if (!fn)
        return FTC_EINVAL;
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized))
        return FTC_ESTATE;
    _ftc_head_lock();
    if (!interp)
        interp = _ftc_rt.main_interp;
    int rc = 0;
    if (!interp || interp->dying || !interp->main_ts) {
        /* No main tstate (deleted, its interpreter living on in other threads): nobody would
         * ever run the call, so it is refused rather than queued. */
        rc = FTC_ESTATE;
    } else if (interp->pending_len == interp->pending_cap) {
        rc = FTC_EAGAIN;
    } else {
        size_t slot = (interp->pending_head + interp->pending_len) % interp->pending_cap;
        interp->pending[slot].fn = fn;
        interp->pending[slot].arg = arg;
        interp->pending_len++;
        if (interp->main_ts)
            _ftc_eval_breaker_set(interp->main_ts, FTC_EB_PENDING_CALLS);
    }
    _ftc_head_unlock();
    return rc;
}

int _ftc_pending_calls_run(ftc_interp *interp, ftc_tstate *ts)
{
    /* At most one queue's worth per tick, so a call that re-adds itself cannot starve the VM. */
    size_t budget = interp->pending_cap;
    while (budget--) {
        _ftc_head_lock();
        if (interp->main_ts != ts || interp->pending_len == 0) {
            _ftc_head_unlock();
            return 0;
        }
        _ftc_pending_call c = interp->pending[interp->pending_head];
        interp->pending_head = (interp->pending_head + 1) % interp->pending_cap;
        interp->pending_len--;
        _ftc_head_unlock();
        int rc = c.fn(c.arg);
        if (rc < 0) {
            _ftc_head_lock();
            if (interp->pending_len)
                _ftc_eval_breaker_set(ts, FTC_EB_PENDING_CALLS);
            _ftc_head_unlock();
            return rc;
        }
    }
    _ftc_head_lock();
    if (interp->pending_len)
        _ftc_eval_breaker_set(ts, FTC_EB_PENDING_CALLS);
    _ftc_head_unlock();
    return 0;
}
