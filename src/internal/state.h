/* The state layer's private internals: the runtime, interpreter, GIL and thread-handle
 * structures, and the functions its files (runtime.c, interp.c, tstate.c, gil.c, eval.c, stw.c,
 * thread.c, gilstate.c, fork.c) share.
 *
 * Locks of this layer, in the order they may nest (outermost first):
 *   stw_mutex      serializes stop-the-world requesters (and finalization); waited for detached
 *   handles_mutex  the global list of thread handles
 *   head_mutex     the runtime "head lock": interpreter list, every tstate list, stop-the-world
 *                  bookkeeping, pending-call queues; never held while detaching or waiting for
 *                  anything but its own condition variables
 *   gil->mutex     one per GIL; never held while taking any lock above
 *   handle->mutex  one per thread handle; a leaf
 * All are plain pthread mutexes, so that they exist before the lock layer and work after fork
 * (the child re-initializes each of them: fork.c).
 *
 * Stopped daemon threads: ftc_runtime_fini() moves every tstate owned by another thread to
 * the SHUTTING_DOWN state and onto the runtime's zombie list, and keeps the GILs those tstates
 * point to. A zombie's thread may still be inside a blocking call and later come back to
 * ftc_attach(ts): it then reads only ts->state, ts->gil and the GIL, sees SHUTTING_DOWN and
 * blocks forever (_ftc_hang_forever). Zombies stay reachable from the static runtime, so they
 * are neither freed under such a thread nor reported as leaks; a fork child frees them (their
 * threads do not exist there).
 */
#ifndef FTCORE_INTERNAL_STATE_H
#define FTCORE_INTERNAL_STATE_H

#include "internal/core.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

/* An internal tstate state beyond the public ones: the owner is deleting the tstate (running
 * the object layer's per-thread fini). Stop-the-world and finalization wait for it to finish,
 * as they wait for an attached thread to park. */
#define FTC_TSTATE_DELETING 4

/* ---- the GIL (gil.c) ---- */
/* A thread waiting for the GIL: lives on the waiter's stack, linked into its GIL's queue while
 * it waits (gil.c's essay). */
typedef struct _ftc_gil_waiter {
    struct _ftc_gil_waiter *next, *prev; /* gil->mutex: the queue, oldest first */
    ftc_tstate *ts;
    pthread_cond_t cond; /* the waiter sleeps here; signalled by grant and release */
    double since;        /* when it began waiting (ftc_monotonic) */
    int prio;            /* gil->mutex: re-attaching after a detached region */
    int urgent;          /* gil->mutex: waited past the starvation bound */
    int asking;          /* gil->mutex: a compute waiter whose interval ran out without
                                    a compute switch: it asks until it gets the GIL */
    int granted;         /* atomic: the GIL was handed to it (it is the holder now) */
} _ftc_gil_waiter;

struct ftc_gil {
    pthread_mutex_t mutex;
    int enabled;                    /* atomic; 1 in the GIL build; nogil: switched on at run time */
    int locked;                     /* mutex; also read atomically for diagnostics */
    int spin;                       /* a requester may spin for the handoff (more than one CPU) */
    ftc_tstate *holder;             /* mutex; the tstate holding it, NULL when free */
    int holder_prio;                /* mutex; the holder took it as a priority taker */
    ftc_tstate *last_holder;        /* mutex; the last tstate that took it */
    uint64_t switch_number;         /* mutex; incremented when the GIL changes hands */
    ftc_tstate *last_compute;       /* mutex; the last thread that took it as a compute taker */
    uint64_t compute_switch_number; /* mutex; incremented when last_compute changes: priority
                                       holdings in between do not end a compute thread's turn */
    _ftc_gil_waiter *first, *last;  /* mutex; the waiters, oldest first */
    int waiters;                    /* mutex; length of the queue */
    int prio_waiters;               /* mutex; how many of them are priority waiters */
    _ftc_gil_waiter *requester;     /* mutex; whose drop request on `holder` is pending: the
                                    release hands the GIL to it. Non-NULL only while locked */
    int forced_pending;             /* mutex; the last drop was on request, not yet switched */
    ftc_gil_stats stats;            /* mutex */
    struct ftc_gil *zombie_next;    /* runtime's list of GILs kept for stopped daemons */
    int owners;                     /* head lock: interpreters using this GIL */
};

struct ftc_gil *_ftc_gil_new(int enabled);
void _ftc_gil_free(struct ftc_gil *gil);
/* Takes the GIL for ts (which will be attached). A take after a voluntary drop is a priority
 * take (I/O priority: requests the drop after the I/O grace, goes ahead of compute waiters); a
 * take after a requested drop is a compute take (requests a drop after a switch interval
 * without a switch). gil.c's essay has the whole policy. */
void _ftc_gil_take(struct ftc_gil *gil, ftc_tstate *ts);
/* Releases the GIL held by ts. If a waiter requested the drop, the GIL is handed to it; if ts
 * had a drop request and threads wait, to one of them (forced switching: ts cannot take it back
 * before another thread had it). */
void _ftc_gil_drop(struct ftc_gil *gil, ftc_tstate *ts);
/* Releases the GIL as a voluntary drop (a stopped daemon leaving, an attach that backs out);
 * a pending requester still gets it. */
void _ftc_gil_drop_plain(struct ftc_gil *gil, ftc_tstate *ts);
/* fork child: reinitialize the GIL's locks; `holder` (or NULL) holds it. */
void _ftc_gil_after_fork_child(struct ftc_gil *gil, ftc_tstate *holder);
void _ftc_gil_lock_for_fork(struct ftc_gil *gil);
void _ftc_gil_unlock_for_fork(struct ftc_gil *gil);
/* nogil build: switch the GIL on or off, with the world stopped by the caller. */
void _ftc_gil_set_enabled_stopped(struct ftc_gil *gil, ftc_tstate *requester, int on);

/* ---- pending calls ---- */
typedef struct _ftc_pending_call {
    int (*fn)(void *arg);
    void *arg;
} _ftc_pending_call;

/* ---- interpreters (interp.c) ---- */
struct ftc_interp {
    int64_t id;
    ftc_interp *next, *prev; /* runtime's list; head lock */
    ftc_tstate *tstates;     /* head lock */
    struct ftc_gil *gil;     /* own (PEP 684) or the main interpreter's */
    int own_gil;
    int dying;           /* head lock: no new tstates */
    ftc_tstate *main_ts; /* head lock: runs the pending calls */
    int starting;        /* head lock: threads started here that have no tstate yet */
    /* pending calls: a ring buffer; head lock */
    _ftc_pending_call *pending;
    size_t pending_cap, pending_head, pending_len;
};

ftc_interp *_ftc_interp_alloc(struct ftc_gil *shared_gil, int own_gil);
void _ftc_interp_free(ftc_interp *interp); /* memory only */
/* Frees an unlinked interpreter without tstates, and its GIL when no other interpreter uses it
 * and no stopped daemon points to it (else the GIL goes on the zombie list). */
void _ftc_interp_retire(ftc_interp *interp);
/* Runs the interpreter's pending calls (caller attached in it); returns the first negative
 * result, leaving the remaining calls for the next tick. */
int _ftc_pending_calls_run(ftc_interp *interp, ftc_tstate *ts);

/* ---- the runtime (runtime.c) ---- */
struct _ftc_runtime {
    int initialized;        /* atomic */
    int finalizing;         /* atomic; written under head lock and handles_mutex */
    int finalized;          /* atomic: fini completed and init not called since */
    int64_t leaked_objects; /* atomic: objects alive at the end of the last fini */
    uint64_t generation;    /* init count; handles remember theirs */
    ftc_config config;
    pthread_mutex_t head_mutex;
    pthread_mutex_t handles_mutex;
    pthread_mutex_t stw_mutex;
    pthread_cond_t stw_cond;    /* head_mutex: stw_countdown reached 0 */
    pthread_cond_t resume_cond; /* head_mutex: the world restarted (SUSPENDED -> DETACHED) */
    ftc_interp *interps;        /* head lock */
    ftc_interp *main_interp;
    int64_t next_interp_id; /* head lock */
    pthread_t main_thread;
    /* stop-the-world (stw.c); head lock unless noted */
    int stw_requested; /* atomic (seq_cst): read by every detach */
    int stw_target;    /* SUSPENDED, or SHUTTING_DOWN during finalization */
    int stw_countdown; /* attached/deleting threads not yet parked */
    ftc_tstate *stw_requester;
    int world_stopped; /* head lock; 1 while a requester has the world stopped */
    /* stopped daemons (see the top of this file); head lock */
    ftc_tstate *zombie_tstates;
    struct ftc_gil *zombie_gils;
    ftc_thread *handles;     /* handles_mutex: every live thread handle */
    uint64_t thread_counter; /* atomic: names "Thread-N" */
};

extern struct _ftc_runtime _ftc_rt;

/* Fatal unless the runtime is initialized. */
void _ftc_runtime_require(const char *func);
/* Blocks the calling thread forever without touching runtime memory (a daemon thread that came
 * back after finalization). */
FTC_NORETURN void _ftc_hang_forever(void);

/* ---- thread states (tstate.c) ---- */
/* Creates a detached tstate for the calling thread (FTC_ESTATE when the runtime is finalizing
 * or the interpreter dying, or when the thread already has one there). gen: NULL, or for a
 * thread started by ftc_thread_start the runtime generation that reserved interp (the
 * reservation is consumed, and *interp is not touched if that runtime is gone). */
ftc_tstate *_ftc_tstate_new(ftc_interp *interp, const uint64_t *gen, int *err);
/* Drops a start reservation (interp->starting) made by ftc_thread_start in generation gen,
 * unless that runtime is gone. */
void _ftc_interp_unreserve(ftc_interp *interp, uint64_t gen);
/* Clears (TLS destructors; caller attached with ts) */
void _ftc_tstate_clear(ftc_tstate *ts);
/* Deletes a detached tstate of the calling thread. */
void _ftc_tstate_delete(ftc_tstate *ts);
void _ftc_tstate_free(ftc_tstate *ts); /* memory only */
/* The caller's tstate in interp, or NULL (head lock held). */
ftc_tstate *_ftc_tstate_find_mine(ftc_interp *interp);
/* gilstate.c: forget ts as the thread's gilstate tstate if it is. */
void _ftc_gilstate_forget(ftc_tstate *ts);
void _ftc_gilstate_bind(ftc_tstate *ts);

/* ---- stop-the-world (stw.c) ---- */
/* Moves every tstate not owned by the caller to `target` (SUSPENDED or SHUTTING_DOWN): detached
 * ones at once, attached and deleting ones when they reach their next tick or detach. Called
 * with the stw_mutex held. */
void _ftc_stw_park_others(int target);
/* Moves every SUSPENDED tstate back to DETACHED and wakes them. stw_mutex held. */
void _ftc_stw_resume_all(void);
/* The detach path of a thread that saw stw_requested: parks itself if counted. */
void _ftc_stw_park_self(ftc_tstate *ts);
void _ftc_stw_end_shutdown(void);
/* Whether the calling thread has the world stopped (ftc_stop_the_world). */
int _ftc_stw_held_by_me(void);
void _ftc_stw_after_fork_child(int keep_mine);
/* Stops the world (stw_mutex, then every other thread parked) for a caller that may be
 * attached, detached, or without any thread state; _ftc_stw_start() restarts it. */
void _ftc_stw_stop(void);
void _ftc_stw_start(void);
/* Locks the stw_mutex, detached while waiting if the caller is attached. */
void _ftc_stw_mutex_lock(void);

/* ---- thread handles (thread.c) ---- */
/* Joins every non-daemon thread of this runtime, then sets finalizing (fini). Refuses with
 * FTC_EBUSY (finalizing not set, the rest still running) while a pool of this runtime is not
 * shut down, having printed it on stderr as a refusal of `api`. */
int _ftc_threads_join_non_daemon(const char *api);
/* The pools of this runtime generation not shut down (head lock held); each is printed on
 * stderr as keeping `api` from finishing unless api is NULL (src/pool.c). */
size_t _ftc_pools_report_running(const char *api);
void _ftc_threads_after_fork_child(void);

/* ---- eval breaker ---- */
static inline uint64_t _ftc_eval_breaker_load(ftc_tstate *ts)
{
    /* Acquire: pairs with the seq_cst fetch_or in _ftc_eval_breaker_set, so that the data a
     * setter published before setting a bit (a pending call, an async exception) is visible. */
    return ftc_atomic_load_acquire(&ts->head.eval_breaker);
}

/* ---- time helpers ---- */
static inline void _ftc_cond_init_monotonic(pthread_cond_t *cond)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &ca);
    pthread_condattr_destroy(&ca);
}

/* An absolute CLOCK_MONOTONIC deadline `seconds` from now. */
static inline struct timespec _ftc_deadline_after(double seconds)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds > 1e9)
        seconds = 1e9;
    time_t whole = (time_t)seconds;
    long ns = (long)((seconds - (double)whole) * 1e9);
    now.tv_sec += whole;
    now.tv_nsec += ns;
    if (now.tv_nsec >= 1000000000L) {
        now.tv_sec++;
        now.tv_nsec -= 1000000000L;
    }
    return now;
}

#endif /* FTCORE_INTERNAL_STATE_H */
