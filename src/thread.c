/* Thread handles: starting, joining and releasing runtime threads.
 *
 * A handle has its own reference count (one for the starter, one for the running thread) and
 * outlives the thread's tstate. Its state moves NOT_STARTED -> STARTING -> RUNNING -> DONE
 * under handle->mutex; joiners wait on handle->cond (CLOCK_MONOTONIC deadlines), detached.
 *
 * Start: the starter (attached) registers the handle in the runtime's global handle list,
 * reserves its interpreter (interp->starting, head lock: a sub-interpreter cannot be destroyed
 * meanwhile) and creates the OS thread, then waits, detached, until the new thread has created
 * its tstate (RUNNING) or failed to (DONE with start_error). The tstate is created by the new
 * thread itself, so that every per-thread hook runs on its owner. If the runtime was finalized
 * in between (the starter was a daemon, stopped while it waited), the new thread learns it from
 * the runtime generation under the head lock and gives up without touching the interpreter,
 * which may be freed by then. A failed pthread_create (or an
 * injected one: ftc_fault_take_thread_create) or a failed tstate creation unlinks and frees
 * everything: nothing leaks, the caller gets the code.
 *
 * Run: the thread attaches, calls fn(arg), runs its TLS destructors attached, detaches,
 * deletes its tstate, then marks the handle DONE and drops its reference. After that it only
 * returns from its start routine.
 *
 * Join: FTC_EDEADLK for a self-join; otherwise waits (timeout < 0: forever) until DONE.
 * OS threads are created detached: a handle may be held forever by a daemon thread that
 * finalization stopped, so nobody can be relied on to reap the thread; the handle's DONE is the
 * join. After DONE the thread touches nothing but its own reference to the handle.
 *
 * The handle list (handles_mutex) lets ftc_runtime_fini() join every non-daemon thread of the
 * current runtime generation, and lets a fork child mark every other thread's handle DONE. The
 * running thread's own reference is dropped under handles_mutex, so the child (whose
 * prepare handler holds that mutex) sees it either held or dropped, never half-dropped.
 *
 * Released handles (thread.h). In debug builds (FTC_DEBUG >= 1) the last release does not free
 * a handle at once: it marks it dead (`magic`) and puts it in a ring of the QUARANTINE most
 * recently released handles (handles_mutex), freeing the one it pushes out. Every public call
 * checks the mark first, so using a released handle is a fatal error naming the call instead
 * of a use-after-free, as long as fewer than QUARANTINE handles were released since (beyond
 * that the sanitizer presets still report the use-after-free). A release also checks, under
 * handles_mutex (where the running thread drops its own reference), that the caller's side
 * still holds a reference: releasing once too often while the thread runs would otherwise
 * take the thread's reference and free the handle under it. Release builds check nothing
 * and free at once.
 */
#include "internal/state.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

struct ftc_thread {
    uint64_t magic;    /* HANDLE_LIVE until the last release (debug builds: the top) */
    uint64_t refcount; /* atomic */
    pthread_mutex_t mutex;
    pthread_cond_t cond; /* state changes */
    int state;           /* atomic reads; writes under mutex */
    int start_error;     /* mutex */
    int thread_ref;      /* handles_mutex: the running thread still holds its reference */
    pthread_t pthread;
    uint64_t ident; /* atomic; 0 until the thread runs */
    int daemon;
    size_t stack_size;
    char name[64];
    void (*fn)(void *);
    void *arg;
    ftc_interp *interp;
    uint64_t generation;
    ftc_thread *next, *prev; /* handles_mutex */
};

#define HANDLE_LIVE UINT64_C(0x6674632d74687264)
#define HANDLE_DEAD UINT64_C(0x6674632d64656164)

#if FTC_DEBUG_LEVEL >= 1
#define QUARANTINE 1024
static ftc_thread *quarantine[QUARANTINE]; /* handles_mutex: released handles, kept dead */
static size_t quarantine_next;             /* handles_mutex */

/* Fatal if t was released for good; api is the public call the user made. */
static void check_live(const ftc_thread *t, const char *api)
{
    if (t->magic != HANDLE_LIVE)
        ftc_fatal("%s: the thread handle %p was used after its last reference was released "
                  "(ftc_thread_release)",
                  api, (const void *)t);
}
#else
static void check_live(const ftc_thread *t, const char *api)
{
    FTC_UNUSED(t);
    FTC_UNUSED(api);
}
#endif

static void handle_unlink_locked(ftc_thread *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        _ftc_rt.handles = t->next;
    if (t->next)
        t->next->prev = t->prev;
    t->next = t->prev = NULL;
}

static void handle_destroy(ftc_thread *t)
{
    _ftc_pforget(&t->mutex); /* its memory may hold another lock next */
    pthread_mutex_destroy(&t->mutex);
    pthread_cond_destroy(&t->cond);
    ftc_mem_free(t);
}

/* The end of a handle that was handed out: handles_mutex held. Debug builds keep it, dead,
 * in the quarantine ring (the top of the file) and free the one it replaces. */
static void handle_retire_locked(ftc_thread *t)
{
    t->magic = HANDLE_DEAD;
#if FTC_DEBUG_LEVEL >= 1
    _ftc_pforget(&t->mutex); /* its memory may hold another lock next */
    pthread_mutex_destroy(&t->mutex);
    pthread_cond_destroy(&t->cond);
    ftc_thread *old = quarantine[quarantine_next];
    quarantine[quarantine_next] = t;
    quarantine_next = (quarantine_next + 1) % QUARANTINE;
    if (old)
        ftc_mem_free(old);
#else
    handle_destroy(t);
#endif
}

void ftc_thread_incref(ftc_thread *t)
{
    check_live(t, "ftc_thread_incref");
    /* Relaxed: the caller already holds a reference, so the handle cannot die meanwhile. */
    ftc_atomic_fetch_add_relaxed(&t->refcount, 1);
}

/* Drops a reference; the last one unlinks and retires the handle. */
static void handle_decref(ftc_thread *t, int handles_locked)
{
    /* acq_rel: the last release sees every other holder's writes before freeing. */
    if (ftc_atomic_fetch_sub_acq_rel(&t->refcount, 1) != 1)
        return;
    if (!handles_locked)
        _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
    handle_unlink_locked(t);
    handle_retire_locked(t);
    if (!handles_locked)
        _ftc_punlock(&_ftc_rt.handles_mutex);
}

void ftc_thread_release(ftc_thread *t)
{
    if (!t)
        return;
#if FTC_DEBUG_LEVEL >= 1
    _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
    check_live(t, "ftc_thread_release");
    /* Under handles_mutex the running thread's reference (thread_ref) cannot go meanwhile. */
    if (ftc_atomic_load_relaxed(&t->refcount) <= (uint64_t)t->thread_ref)
        ftc_fatal("ftc_thread_release: the thread handle %p (\"%s\") was released more times "
                  "than it was referenced (ftc_thread_start and ftc_thread_incref)",
                  (void *)t, t->name);
    handle_decref(t, 1);
    _ftc_punlock(&_ftc_rt.handles_mutex);
#else
    handle_decref(t, 0);
#endif
}

int ftc_thread_state(const ftc_thread *t)
{
    if (!t)
        return FTC_EINVAL;
    check_live(t, "ftc_thread_state");
    return ftc_atomic_load_acquire(&((ftc_thread *)t)->state);
}

uint64_t ftc_thread_handle_ident(const ftc_thread *t)
{
    if (!t)
        return 0;
    check_live(t, "ftc_thread_handle_ident");
    return ftc_atomic_load_acquire(&((ftc_thread *)t)->ident);
}

const char *ftc_thread_name(const ftc_thread *t)
{
    if (!t)
        return NULL;
    check_live(t, "ftc_thread_name");
    return t->name;
}

static void set_state(ftc_thread *t, int state, int err)
{
    _ftc_plock(&t->mutex, "a thread handle's mutex");
    t->start_error = err;
    /* Release: pairs with the acquire in ftc_thread_state (the ident and the run are done). */
    ftc_atomic_store_release(&t->state, state);
    pthread_cond_broadcast(&t->cond);
    _ftc_punlock(&t->mutex);
}

static void *thread_main(void *arg)
{
    ftc_thread *t = arg;
    char osname[16]; /* the kernel keeps 15 bytes */
    memcpy(osname, t->name, sizeof osname - 1);
    osname[sizeof osname - 1] = 0;
    pthread_setname_np(pthread_self(), osname);
    ftc_atomic_store_release(&t->ident, ftc_thread_ident());
    int err = 0;
    /* The start's allocations may be failed on demand (ftc_fault_alloc_fail_in_next_thread). */
    _ftc_fault_thread_start_begin();
    /* t->interp was reserved by the starter; if the runtime was finalized meanwhile it may be
     * gone, and _ftc_tstate_new finds that out without touching it. */
    ftc_tstate *ts = _ftc_tstate_new(t->interp, &t->generation, &err);
    _ftc_fault_thread_start_end();
    if (!ts) {
        /* The starter frees the handle once it sees DONE under the handle's mutex, which we
         * release as our very last access to the handle. */
        set_state(t, FTC_THREAD_DONE, err);
        return NULL;
    }
    _ftc_head_lock();
    memcpy(ts->name, t->name, sizeof ts->name);
    ts->daemon = t->daemon;
    ts->handle = t;
    _ftc_head_unlock();
    set_state(t, FTC_THREAD_RUNNING, 0);

    ftc_attach(ts);
    t->fn(t->arg);
    if (_ftc_tstate_current != ts)
        ftc_fatal("thread function \"%s\" returned without its thread state attached", t->name);
    _ftc_tstate_clear(ts);
    ftc_detach();
    _ftc_tstate_delete(ts);

    /* DONE and the drop of our reference happen together under handles_mutex, so whoever
     * sees DONE there (fini, a fork child) also sees the reference gone. */
    _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
    set_state(t, FTC_THREAD_DONE, 0);
    int had = t->thread_ref;
    t->thread_ref = 0;
    if (had)
        handle_decref(t, 1);
    _ftc_punlock(&_ftc_rt.handles_mutex);
    return NULL;
}

static int wait_started(ftc_thread *t)
{
    _ftc_plock(&t->mutex, "a thread handle's mutex");
    while (ftc_atomic_load_relaxed(&t->state) == FTC_THREAD_STARTING)
        pthread_cond_wait(&t->cond, &t->mutex);
    int err = t->start_error;
    _ftc_punlock(&t->mutex);
    return err;
}

int ftc_thread_start(ftc_thread **out, void (*fn)(void *), void *arg, const ftc_thread_opts *opts)
{
    if (!out || !fn)
        return FTC_EINVAL;
    *out = NULL;
    ftc_tstate *me = _ftc_tstate_require(__func__);
    size_t stack = opts ? opts->stack_size : 0;
    if (stack && stack < (size_t)PTHREAD_STACK_MIN)
        return FTC_EINVAL;
    ftc_thread *t = ftc_mem_calloc(1, sizeof *t);
    if (!t)
        return FTC_ENOMEM;
    pthread_mutex_init(&t->mutex, NULL);
    _ftc_cond_init_monotonic(&t->cond);
    t->magic = HANDLE_LIVE;
    t->refcount = 2;
    t->thread_ref = 1;
    t->state = FTC_THREAD_NOT_STARTED;
    t->daemon = opts ? opts->daemon != 0 : 0;
    t->stack_size = stack;
    t->fn = fn;
    t->arg = arg;
    t->interp = me->interp;
    if (opts && opts->name)
        snprintf(t->name, sizeof t->name, "%s", opts->name);
    else
        snprintf(t->name, sizeof t->name, "Thread-%llu",
                 (unsigned long long)ftc_atomic_fetch_add_relaxed(&_ftc_rt.thread_counter, 1) + 1);

    _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
    if (ftc_atomic_load_relaxed(&_ftc_rt.finalizing)) {
        _ftc_punlock(&_ftc_rt.handles_mutex);
        handle_destroy(t);
        return FTC_ESTATE;
    }
    t->generation = _ftc_rt.generation;
    t->state = FTC_THREAD_STARTING;
    t->next = _ftc_rt.handles;
    if (t->next)
        t->next->prev = t;
    _ftc_rt.handles = t;
    _ftc_punlock(&_ftc_rt.handles_mutex);
    /* Reserve the interpreter (the caller is attached in it, so it is alive): it cannot be
     * destroyed until the new thread has linked its tstate or given up. */
    _ftc_head_lock();
    me->interp->starting++;
    _ftc_head_unlock();

    int rc = 0;
    if (ftc_fault_take_thread_create()) {
        rc = FTC_EAGAIN;
    } else {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        if (stack && pthread_attr_setstacksize(&attr, stack) != 0)
            rc = FTC_EINVAL;
        else if (pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED) != 0 ||
                 pthread_create(&t->pthread, &attr, thread_main, t) != 0)
            rc = FTC_EAGAIN;
        pthread_attr_destroy(&attr);
    }
    if (rc < 0) {
        _ftc_interp_unreserve(me->interp, t->generation);
        _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
        handle_unlink_locked(t);
        _ftc_punlock(&_ftc_rt.handles_mutex);
        handle_destroy(t);
        return rc;
    }

    /* The new thread needs the GIL (and, with the world stopped, a restart) to come up. */
    ftc_detach();
    rc = wait_started(t);
    ftc_attach(me);
    if (rc < 0) {
        /* The thread no longer touches t: wait_started saw DONE under t->mutex, after the
         * thread's last unlock. */
        _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
        handle_unlink_locked(t);
        _ftc_punlock(&_ftc_rt.handles_mutex);
        handle_destroy(t);
        return rc;
    }
    *out = t;
    return 0;
}

int ftc_thread_join(ftc_thread *t, double timeout)
{
    if (!t || timeout != timeout)
        return FTC_EINVAL; /* NaN would leave the deadline unset and loop on EINVAL */
    check_live(t, "ftc_thread_join");
    int st = ftc_atomic_load_acquire(&t->state);
    if (st == FTC_THREAD_NOT_STARTED)
        return FTC_ESTATE;
    if (st != FTC_THREAD_DONE && ftc_atomic_load_acquire(&t->ident) == ftc_thread_ident())
        return FTC_EDEADLK;
    struct timespec deadline;
    if (timeout > 0)
        deadline = _ftc_deadline_after(timeout);
    ftc_tstate *ts = _ftc_tstate_current ? ftc_detach() : NULL;
    int rc = 0;
    _ftc_plock(&t->mutex, "a thread handle's mutex");
    while (ftc_atomic_load_relaxed(&t->state) != FTC_THREAD_DONE) {
        if (timeout == 0) {
            rc = FTC_ETIMEDOUT;
            break;
        }
        if (timeout < 0) {
            pthread_cond_wait(&t->cond, &t->mutex);
        } else if (pthread_cond_timedwait(&t->cond, &t->mutex, &deadline) == ETIMEDOUT &&
                   ftc_atomic_load_relaxed(&t->state) != FTC_THREAD_DONE) {
            rc = FTC_ETIMEDOUT;
            break;
        }
    }
    _ftc_punlock(&t->mutex);
    if (ts) {
        ftc_attach(ts);
        /* The thread's end is now observable: objects it used die as they would have without
         * it (a converted hot object is freed by its last decref again: refcount_hot.c). */
        if (rc == 0)
            _ftc_objects_after_join(ts);
    }
    return rc;
}

int _ftc_threads_join_non_daemon(const char *api)
{
    for (;;) {
        _ftc_plock(&_ftc_rt.handles_mutex, "the runtime's thread-handles lock");
        /* A running pool's workers wait for work for ever: joining them would hang. Asked at
         * every round, and under the head lock together with setting finalizing below. */
        _ftc_head_lock();
        size_t busy = _ftc_pools_report_running(api);
        _ftc_head_unlock();
        if (busy) {
            _ftc_punlock(&_ftc_rt.handles_mutex);
            return FTC_EBUSY;
        }
        ftc_thread *t = _ftc_rt.handles;
        for (; t; t = t->next) {
            /* (a fork child's main thread may be a started thread: not itself) */
            if (t->generation != _ftc_rt.generation || t->daemon ||
                ftc_atomic_load_relaxed(&t->ident) == ftc_thread_ident())
                continue;
            int pending = ftc_atomic_load_acquire(&t->state) != FTC_THREAD_DONE;
            if (pending)
                break;
        }
        if (!t) {
            /* None left: from now on nothing can start (checked under this mutex), and no
             * pool be made (checked under the head lock). */
            _ftc_head_lock();
            busy = _ftc_pools_report_running(api);
            if (!busy)
                ftc_atomic_store(&_ftc_rt.finalizing, 1);
            _ftc_head_unlock();
            _ftc_punlock(&_ftc_rt.handles_mutex);
            return busy ? FTC_EBUSY : 0;
        }
        ftc_thread_incref(t);
        _ftc_punlock(&_ftc_rt.handles_mutex);
        (void)ftc_thread_join(t, -1);
        ftc_thread_release(t);
    }
}

void _ftc_threads_after_fork_child(void)
{
    pthread_t self = pthread_self();
    ftc_thread *t = _ftc_rt.handles;
    while (t) {
        ftc_thread *next = t->next;
        pthread_mutex_init(&t->mutex, NULL);
        _ftc_cond_init_monotonic(&t->cond);
        int st = t->state;
        if (!(st == FTC_THREAD_RUNNING && pthread_equal(t->pthread, self))) {
            /* Its thread does not exist here: nothing to wait for, nothing to reap. */
            if (st != FTC_THREAD_NOT_STARTED)
                t->state = FTC_THREAD_DONE;
            if (t->thread_ref) {
                t->thread_ref = 0;
                handle_decref(t, 1);
            }
        }
        t = next;
    }
}
