/* fork(): keep the runtime consistent across it (pthread_atfork handlers, registered once).
 *
 * prepare (parent, before fork): the forking thread first stops the world, in both builds and
 * whatever its own state (attached, detached, or no thread state at all), unless it has the
 * world stopped already. Then no other thread is in the middle of mutating shared objects (in
 * the GIL build, sub-interpreters with their own GIL run in parallel with the forking thread's
 * interpreter), and no other thread holds an object's lock in a critical section: each parked
 * thread released its sections' locks when it detached. A thread parked in the middle of taking
 * a section's lock may still own it (handed off to it while it waited detached, or the first
 * lock of a two-object section while it waits for the second); the lock layer records those
 * and the child releases them (_ftc_cs_after_fork_child). Then the layer's locks are taken
 * in their nesting order (handles_mutex, head lock, every live GIL's mutex) so the child
 * inherits no half-made change to the lists they guard.
 * parent (after fork): releases them and restarts the world.
 * child: only the forking thread exists. Every lock of this layer is re-initialized (the
 * static ones, every GIL's, every handle's), stop-the-world bookkeeping is reset, each GIL is
 * held by the survivor exactly when it held it before the fork, the lock layer and the object
 * layer re-initialize theirs (_ftc_locks_after_fork_child, _ftc_objects_after_fork_child: the
 * latter still sees every tstate, so it can release the per-thread state of the dead threads),
 * then every tstate of another thread is cleared (TLS destructors, if the survivor is attached
 * to run them) and freed, every other thread's handle is marked DONE (joins return at once) and
 * the dead thread's reference to it is dropped. The forking thread becomes the runtime's main
 * thread and the main tstate of every interpreter it has a tstate in; it can start threads
 * again. Stopped daemons (zombies) are left alone: they are unreachable to anyone in the child
 * and stay reachable from the runtime, like in the parent.
 */
#include "internal/state.h"

static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static int fork_stopped_world;

static int gil_first_use(ftc_interp *in)
{
    for (ftc_interp *o = _ftc_rt.interps; o != in; o = o->next)
        if (o->gil == in->gil)
            return 0;
    return 1;
}

static void fork_prepare(void)
{
    fork_stopped_world = 0;
    if (ftc_atomic_load_acquire(&_ftc_rt.initialized) == 1 && !_ftc_stw_held_by_me()) {
        _ftc_stw_stop();
        fork_stopped_world = 1;
    }
    _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
    _ftc_head_lock();
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next)
        if (gil_first_use(in))
            _ftc_gil_lock_for_fork(in->gil);
    /* Last: the object layer's registry lock (no path takes a lock above it while holding it). */
    _ftc_objects_before_fork();
}

static void fork_parent(void)
{
    _ftc_objects_after_fork_parent();
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next)
        if (gil_first_use(in))
            _ftc_gil_unlock_for_fork(in->gil);
    _ftc_head_unlock();
    _ftc_punlock(&_ftc_rt.handles_mutex);
    if (fork_stopped_world)
        _ftc_stw_start();
}

static void fork_child(void)
{
    pthread_t self = pthread_self();
    ftc_tstate *survivor = _ftc_tstate_current;
    pthread_mutex_init(&_ftc_rt.head_mutex, NULL);
    pthread_mutex_init(&_ftc_rt.handles_mutex, NULL);
    pthread_mutex_init(&_ftc_rt.stw_mutex, NULL);
    /* The lock-order checker: the holds taken by fork_prepare (or before) are gone. */
    _ftc_pforget(&_ftc_rt.head_mutex);
    _ftc_pforget(&_ftc_rt.handles_mutex);
    _ftc_pforget(&_ftc_rt.stw_mutex);
    pthread_cond_init(&_ftc_rt.stw_cond, NULL);
    pthread_cond_init(&_ftc_rt.resume_cond, NULL);
    /* The stop made by fork_prepare ends here; one the forking thread made itself stays. */
    _ftc_stw_after_fork_child(!fork_stopped_world);
    fork_stopped_world = 0;
    _ftc_rt.main_thread = self;

    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        if (!gil_first_use(in))
            continue;
        ftc_tstate *holder = NULL;
        if (survivor && survivor->gil == in->gil && ftc_atomic_load_relaxed(&survivor->holds_gil))
            holder = survivor;
        _ftc_gil_after_fork_child(in->gil, holder);
    }

    _ftc_locks_after_fork_child();
    /* Before anything below can take a section's lock (object finalizers, TLS destructors). */
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next)
        for (ftc_tstate *t = in->tstates; t; t = t->next)
            if (!pthread_equal(t->pthread, self))
                _ftc_cs_after_fork_child(t, survivor);
    _ftc_objects_after_fork_child(survivor);

    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        ftc_tstate *t = in->tstates, *mine = NULL;
        in->tstates = NULL;
        while (t) {
            ftc_tstate *next = t->next;
            if (pthread_equal(t->pthread, self)) {
                int st = FTC_TSTATE_SUSPENDED;
                (void)ftc_atomic_cas(&t->state, &st, FTC_TSTATE_DETACHED);
                mine = t;
                t->prev = NULL;
                t->next = in->tstates;
                if (t->next)
                    t->next->prev = t;
                in->tstates = t;
            } else {
                if (survivor)
                    _ftc_tls_tstate_fini(t);
                _ftc_tstate_free(t);
            }
            t = next;
        }
        in->main_ts = mine;
        in->starting = 0; /* the threads that were starting are not in this process */
    }
    _ftc_threads_after_fork_child();
}

static void fork_register_once(void) { pthread_atfork(fork_prepare, fork_parent, fork_child); }

void _ftc_fork_register(void);
void _ftc_fork_register(void) { pthread_once(&fork_once, fork_register_once); }
