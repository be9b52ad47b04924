/* Thread states: creation and deletion, attach and detach, the thread-local current tstate,
 * the per-thread id, and the thread snapshot.
 *
 * A tstate belongs to the OS thread that created it (one per thread per interpreter) and lives
 * in its interpreter's list (head lock). Its `state` word moves:
 *   DETACHED -> ATTACHED -> DETACHED       only by the owner (attach / detach)
 *   DETACHED -> SUSPENDED -> DETACHED      only by a stop-the-world requester (stw.c), or by the
 *                                          owner's own detach when it saw a request (park_self)
 *   DETACHED -> SHUTTING_DOWN              finalization, for tstates of other threads (final)
 *   DETACHED -> DELETING                   the owner, while it runs the object layer's fini
 * The owner's transitions are CAS or seq_cst stores, the requester's are CAS under the head
 * lock; so each transition happens exactly once and a thread never becomes ATTACHED while the
 * world is stopped: a requester parks every DETACHED tstate, after which the owner's
 * DETACHED -> ATTACHED CAS fails and the owner waits on resume_cond.
 *
 * Detach publishes DETACHED with a seq_cst store and then reads stw_requested (seq_cst); the
 * requester stores stw_requested and then reads each state. By the total order of seq_cst
 * operations, either the requester sees DETACHED (and parks the tstate itself) or the detaching
 * thread sees the request (and parks itself, decrementing the countdown): a detach is never
 * missed, so the requester needs no polling.
 *
 * Attach, in this order: GIL (when one is in force) -> TLS -> CAS DETACHED->ATTACHED (wait
 * while SUSPENDED, dropping the GIL meanwhile; block forever when SHUTTING_DOWN) -> objects
 * (QSBR online) -> resume the top critical section. Detach is the reverse. A thread whose tstate
 * was stopped by finalization reads only ts->state, ts->gil and the GIL before blocking forever;
 * those are kept alive for it (state.h, "stopped daemon threads").
 *
 * A thread may own several tstates (one per interpreter it entered) and switch between them with
 * ftc_tstate_swap, a detach followed by an attach: only one is attached at a time, and the
 * per-OS-thread parts (BRC ownership, the QSBR record, hot-object counts) are shared by them all.
 */
#include "internal/state.h"

#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

FTC_THREAD_LOCAL ftc_tstate *_ftc_tstate_current;
FTC_THREAD_LOCAL uintptr_t _ftc_tls_tid = FTC_TID_UNREGISTERED;

/* Relaxed: a counter whose only requirement is uniqueness, which fetch_add gives. */
static uintptr_t tid_counter;

uint64_t ftc_thread_ident(void) { return (uint64_t)pthread_self(); }

uint64_t ftc_thread_native_id(void)
{
    static FTC_THREAD_LOCAL uint64_t cached;
    if (!cached)
        cached = (uint64_t)syscall(SYS_gettid);
    return cached;
}

ftc_tstate *_ftc_tstate_require(const char *func)
{
    ftc_tstate *ts = _ftc_tstate_current;
    if (FTC_UNLIKELY(!ts))
        ftc_fatal_at(func, __FILE__, __LINE__,
                     "the calling thread has no attached thread state (call ftc_attach first)");
    return ts;
}

ftc_tstate *ftc_tstate_get(void) { return _ftc_tstate_current; }
ftc_interp *ftc_tstate_interp(const ftc_tstate *ts) { return ts ? ts->interp : NULL; }

int ftc_tstate_state(const ftc_tstate *ts)
{
    if (!ts)
        return FTC_EINVAL;
    int st = ftc_atomic_load_relaxed(&((ftc_tstate *)ts)->state);
    return st == FTC_TSTATE_DELETING ? FTC_TSTATE_DETACHED : st;
}

/* Head lock held. */
ftc_tstate *_ftc_tstate_find_mine(ftc_interp *interp)
{
    pthread_t self = pthread_self();
    for (ftc_tstate *t = interp->tstates; t; t = t->next)
        if (pthread_equal(t->pthread, self))
            return t;
    return NULL;
}

void _ftc_tstate_free(ftc_tstate *ts) { ftc_mem_free(ts); }

/* Head lock held. Whether *interp may be read: for a reserved start (gen != NULL, see
 * thread.c) the interpreter is alive exactly while the runtime generation that reserved it is
 * not finalizing (the reservation keeps a sub-interpreter from being destroyed); otherwise
 * the caller vouches for the pointer. */
static int interp_alive(const uint64_t *gen)
{
    if (ftc_atomic_load_relaxed(&_ftc_rt.finalizing))
        return 0;
    return !gen || *gen == _ftc_rt.generation;
}

void _ftc_interp_unreserve(ftc_interp *interp, uint64_t gen)
{
    _ftc_head_lock();
    if (interp_alive(&gen))
        interp->starting--;
    _ftc_head_unlock();
}

ftc_tstate *_ftc_tstate_new(ftc_interp *interp, const uint64_t *gen, int *err)
{
    if (_ftc_tls_tid == FTC_TID_UNREGISTERED) /* ids from 2: never NONE, UNREGISTERED or HOT */
        _ftc_tls_tid = ftc_atomic_fetch_add_relaxed(&tid_counter, 1) + 2;
    ftc_tstate *ts = ftc_mem_calloc(1, sizeof *ts);
    int rc = ts ? 0 : FTC_ENOMEM;
    if (ts) {
        /* Nothing here reads *interp: a reserved start may find it gone (finalized). */
        ts->interp = interp;
        ts->pthread = pthread_self();
        ts->ident = ftc_thread_ident();
        ts->native_id = ftc_thread_native_id();
        ts->tid = _ftc_tls_tid;
        ts->state = FTC_TSTATE_DETACHED;
        snprintf(ts->name, sizeof ts->name, "Dummy-%llu", (unsigned long long)ts->tid);
        rc = _ftc_objects_tstate_init(ts);
        if (rc < 0) {
            ftc_mem_free(ts);
            ts = NULL;
        }
    }
    if (!ts) {
        if (gen)
            _ftc_interp_unreserve(interp, *gen);
        *err = rc;
        return NULL;
    }
    _ftc_head_lock();
    int alive = interp_alive(gen);
    if (alive && gen)
        interp->starting--;
    if (!alive || interp->dying || _ftc_tstate_find_mine(interp)) {
        _ftc_head_unlock();
        _ftc_objects_tstate_fini(ts);
        ftc_mem_free(ts);
        *err = FTC_ESTATE;
        return NULL;
    }
    ts->gil = interp->gil;
    /* A stop-the-world in progress has parked every detached tstate; a new one starts parked. */
    if (ftc_atomic_load_relaxed(&_ftc_rt.stw_requested))
        ts->state = FTC_TSTATE_SUSPENDED;
    ts->next = interp->tstates;
    if (ts->next)
        ts->next->prev = ts;
    interp->tstates = ts;
    int is_main = interp == _ftc_rt.main_interp;
    _ftc_head_unlock();
    if (is_main)
        _ftc_gilstate_bind(ts);
    return ts;
}

ftc_tstate *ftc_tstate_new(ftc_interp *interp)
{
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized) || !interp) {
        ftc_set_last_error(interp ? FTC_ESTATE : FTC_EINVAL);
        return NULL;
    }
    int err = 0;
    ftc_tstate *ts = _ftc_tstate_new(interp, NULL, &err);
    if (!ts)
        ftc_set_last_error(err);
    return ts;
}

void _ftc_tstate_clear(ftc_tstate *ts)
{
    _ftc_tls_tstate_fini(ts);
    ftc_atomic_store_relaxed(&ts->async_exc, 0);
}

static void wait_resume(ftc_tstate *ts)
{
    _ftc_head_lock();
    while (ftc_atomic_load(&ts->state) == FTC_TSTATE_SUSPENDED)
        pthread_cond_wait(&_ftc_rt.resume_cond, &_ftc_rt.head_mutex);
    _ftc_head_unlock();
}

void _ftc_tstate_delete(ftc_tstate *ts)
{
    _ftc_head_lock();
    for (;;) {
        int st = ftc_atomic_load(&ts->state);
        if (st == FTC_TSTATE_SHUTTING_DOWN) {
            _ftc_head_unlock();
            _ftc_hang_forever();
        }
        if (st == FTC_TSTATE_SUSPENDED) {
            pthread_cond_wait(&_ftc_rt.resume_cond, &_ftc_rt.head_mutex);
            continue;
        }
        if (st != FTC_TSTATE_DETACHED)
            ftc_fatal("deleting a thread state that is not detached (state %d)", st);
        /* Head lock held: no requester can change it now; the owner is us. */
        ftc_atomic_store(&ts->state, FTC_TSTATE_DELETING);
        break;
    }
    _ftc_head_unlock();

    _ftc_objects_tstate_fini(ts);
    _ftc_gilstate_forget(ts);

    _ftc_head_lock();
    ftc_interp *interp = ts->interp;
    if (ts->prev)
        ts->prev->next = ts->next;
    else
        interp->tstates = ts->next;
    if (ts->next)
        ts->next->prev = ts->prev;
    if (interp->main_ts == ts)
        interp->main_ts = NULL;
    /* A request made while we were DELETING counted us (stw.c); we are parked for good now. */
    if (ftc_atomic_load_relaxed(&_ftc_rt.stw_requested) && --_ftc_rt.stw_countdown == 0)
        pthread_cond_broadcast(&_ftc_rt.stw_cond);
    _ftc_head_unlock();
    ftc_mem_free(ts);
}

void ftc_tstate_delete(ftc_tstate *ts)
{
    if (!ts)
        ftc_fatal("NULL thread state");
    if (!pthread_equal(ts->pthread, pthread_self()))
        ftc_fatal("a thread state can only be deleted by the thread that owns it");
    if (ts == _ftc_tstate_current)
        ftc_fatal("deleting the attached thread state (detach it first)");
    ftc_tstate *saved = _ftc_tstate_current ? ftc_detach() : NULL;
    /* TLS destructors may touch objects: run them attached. */
    ftc_attach(ts);
    _ftc_tstate_clear(ts);
    ftc_detach();
    _ftc_tstate_delete(ts);
    if (saved)
        ftc_attach(saved);
}

/* ---- attach / detach ---- */

void ftc_attach(ftc_tstate *ts)
{
    if (!ts)
        ftc_fatal("NULL thread state");
    if (_ftc_tstate_current)
        ftc_fatal("the calling thread already has an attached thread state");
    if (!pthread_equal(ts->pthread, pthread_self()))
        ftc_fatal("attaching a thread state that belongs to another thread");
    for (;;) {
        /* Acquire: pairs with finalization's CAS to SHUTTING_DOWN (nothing else to see). */
        if (ftc_atomic_load_acquire(&ts->state) == FTC_TSTATE_SHUTTING_DOWN)
            _ftc_hang_forever();
        struct ftc_gil *gil = ts->gil;
        int took = 0;
        /* Acquire: pairs with the seq_cst store that switches the GIL on (gil.c). */
        if (ftc_atomic_load_acquire(&gil->enabled)) {
            _ftc_gil_take(gil, ts);
            took = 1;
            if (!ftc_atomic_load(&gil->enabled)) {
                /* Switched off while we waited: a disabled GIL is never held. */
                _ftc_gil_drop_plain(gil, ts);
                took = 0;
            }
        }
        _ftc_tstate_current = ts;
        int st = FTC_TSTATE_DETACHED;
        if (ftc_atomic_cas(&ts->state, &st, FTC_TSTATE_ATTACHED))
            break;
        _ftc_tstate_current = NULL;
        if (took)
            _ftc_gil_drop_plain(gil, ts);
        if (st == FTC_TSTATE_SHUTTING_DOWN)
            _ftc_hang_forever();
        if (st == FTC_TSTATE_SUSPENDED) {
            /* The world is stopped: wait, then start over (the GIL may have been switched). */
            wait_resume(ts);
            continue;
        }
        ftc_fatal("attaching a thread state that is not detached (state %d)", st);
    }
    _ftc_objects_attach(ts);
    _ftc_cs_resume(ts);
}

ftc_tstate *ftc_detach(void)
{
    ftc_tstate *ts = _ftc_tstate_require("ftc_detach");
    _ftc_cs_suspend_all(ts);
    _ftc_objects_detach(ts);
    ftc_atomic_store(&ts->state, FTC_TSTATE_DETACHED);
    if (FTC_UNLIKELY(ftc_atomic_load(&_ftc_rt.stw_requested)))
        _ftc_stw_park_self(ts);
    _ftc_tstate_current = NULL;
    if (ftc_atomic_load_relaxed(&ts->holds_gil))
        _ftc_gil_drop(ts->gil, ts);
    return ts;
}

/* ---- swap (PyThreadState_Swap) ----
 * A detach of the current tstate and an attach of the new one: every piece of bookkeeping
 * (critical sections, QSBR, the GIL of each side, stop-the-world, finalization) is theirs, so
 * swapping between interpreters with different GILs needs nothing more. What swap adds is
 * checking its argument first, so that misuse is reported under its own name before anything
 * changed, rather than half-way by ftc_attach. */

#if FTC_DEBUG_LEVEL >= 1
/* Whether ts is a tstate the runtime knows (in some interpreter's list, or a stopped daemon's),
 * found without dereferencing ts: a freed pointer is reported, not read. */
static int tstate_is_known(const ftc_tstate *ts)
{
    int found = 0;
    _ftc_head_lock();
    for (ftc_interp *in = _ftc_rt.interps; in && !found; in = in->next)
        for (ftc_tstate *t = in->tstates; t && !found; t = t->next)
            found = t == ts;
    for (ftc_tstate *z = _ftc_rt.zombie_tstates; z && !found; z = z->zombie_next)
        found = z == ts;
    _ftc_head_unlock();
    return found;
}
#endif

ftc_tstate *ftc_tstate_swap(ftc_tstate *ts)
{
    ftc_tstate *prev = _ftc_tstate_current;
    if (ts != NULL) {
#if FTC_DEBUG_LEVEL >= 1
        if (!tstate_is_known(ts))
            ftc_fatal("%p is not a thread state of the runtime (deleted, or never created)",
                      (void *)ts);
#endif
        if (!pthread_equal(ts->pthread, pthread_self()))
            ftc_fatal("the thread state belongs to another OS thread (a thread state is bound to "
                      "the thread that created it: create one for this thread with "
                      "ftc_tstate_new)");
        /* Only this thread moves ts between DETACHED and ATTACHED; a stop-the-world may move it
         * to SUSPENDED and finalization to SHUTTING_DOWN, both of which the attach handles. */
        int st = ftc_atomic_load(&ts->state);
        if (ts != prev && st != FTC_TSTATE_DETACHED && st != FTC_TSTATE_SUSPENDED &&
            st != FTC_TSTATE_SHUTTING_DOWN)
            ftc_fatal("the thread state is not detached (state %d%s)", st,
                      st == FTC_TSTATE_DELETING ? ": being deleted" : "");
    } else if (prev == NULL) {
        return NULL;
    }
    /* The requester of a stop-the-world must stay attached in the tstate that stopped it until
     * it restarts the world (stw.c and critical_section.c identify it by that tstate). Relaxed
     * load: a requester set the flag itself, so it reads it set (program order); anyone else
     * who reads it set asks under the head lock. */
    if (ftc_atomic_load_relaxed(&_ftc_rt.stw_requested) && _ftc_stw_held_by_me())
        ftc_fatal("the calling thread has the world stopped (call ftc_start_the_world first)");
    if (prev != NULL)
        ftc_detach();
    if (ts != NULL)
        ftc_attach(ts);
    return prev;
}

/* ---- snapshot ---- */

int64_t ftc_threads_snapshot(ftc_thread_info *out, size_t cap)
{
    if (!out && cap)
        return FTC_EINVAL;
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized))
        return FTC_ESTATE;
    int64_t n = 0;
    _ftc_head_lock();
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        for (ftc_tstate *t = in->tstates; t; t = t->next, n++) {
            if ((size_t)n >= cap)
                continue;
            ftc_thread_info *i = &out[n];
            i->ident = t->ident;
            i->native_id = t->native_id;
            memcpy(i->name, t->name, sizeof i->name);
            i->state = ftc_tstate_state(t);
            i->daemon = t->daemon;
            i->holds_gil = ftc_atomic_load_relaxed(&t->holds_gil);
            i->interp_id = in->id;
        }
    }
    _ftc_head_unlock();
    return n;
}
