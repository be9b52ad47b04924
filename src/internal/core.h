/* Internal core: the runtime, interpreter and thread-state structures, and the hooks by which
 * the state layer calls the layers that keep per-thread state (locks and critical sections,
 * objects/BRC/QSBR, thread-local storage).
 *
 * Ownership of the pieces (one file per concern; the layer map is docs/architecture.md):
 *   src/runtime.c, src/interp.c, src/tstate.c, src/gil.c, src/eval.c, src/stw.c,
 *   src/thread.c, src/gilstate.c, src/fork.c                                   state layer
 *   src/parking_lot.c, src/mutex.c, src/rmutex.c, src/once.c, src/event.c,
 *   src/rwlock.c, src/seqlock.c, src/critical_section.c                        lock layer
 *   src/object.c, src/builtin_types.c, src/brc.c, src/refcount_hot.c,
 *   src/qsbr.c                                                                 object layer
 *   src/tls.c, src/sync_*.c, src/future.c, src/pool.c                          threading API
 *   (src/common.c below them all: errors, the allocator; containers/ above the object layer)
 * Each layer keeps its per-thread state behind one pointer in ftc_tstate, allocated by its own
 * tstate-init hook, so that the structure below is the only thing they share.
 */
#ifndef FTCORE_INTERNAL_CORE_H
#define FTCORE_INTERNAL_CORE_H

#if !defined(FTC_BUILD_CORE) && !defined(FTC_TESTING_INTERNALS)
#error "internal header: only for building ftcore itself (and its white-box tests)"
#endif

#include <ftcore/ftcore.h>
#include <pthread.h>

/* ---- assertions: three levels driven by FTC_DEBUG (docs/architecture.md, "Conventions") ---- */
#if FTC_DEBUG_LEVEL >= 1
#define ftc_assert(cond) ((cond) ? (void)0 : ftc_fatal("assertion failed: %s", #cond))
#else
#define ftc_assert(cond) ((void)0)
#endif
#if FTC_DEBUG_LEVEL >= 2
#define ftc_assert_internal(cond) ftc_assert(cond)
#else
#define ftc_assert_internal(cond) ((void)0)
#endif
#if FTC_DEBUG_LEVEL >= 3
#define ftc_assert_expensive(cond) ftc_assert(cond)
#else
#define ftc_assert_expensive(cond) ((void)0)
#endif

#define FTC_UNUSED(x) ((void)(x))

/* ---- the core's internal pthread mutexes, seen by the lock-order checker ----
 * Every lock/unlock of an internal pthread mutex (the runtime's head, handles and
 * stop-the-world locks, the GIL's own mutex, thread handles, QSBR, the objects' registry,
 * immortal and hot-refcount locks, the collector's lists, the weakref stripes) goes through
 * these, so that the checker (src/lockorder.c) sees their orders, with each other and with
 * every other ftcore lock. `cls` names the lock's class (a string literal; locks given the same
 * name share one class, whichever file takes them). They never detach, so whatever is held,
 * the GIL included, is held across the wait. Without FTC_DEBUG they are the plain calls. A
 * mutex re-initialized in a fork child is given to _ftc_pforget() so that the forking thread's
 * record no longer holds it (and one about to be destroyed, so that a lock later allocated at its
 * address does not inherit its class). _ftc_plock_nested() takes a lock of a class that the
 * caller may hold several of at once, always in one fixed order (fork's prepare handler takes
 * every GIL's mutex in the order of the interpreter list, and nothing else holds two): holds of
 * that class add no edge between themselves (FTC_LO_SHARED), only to and from other classes. */
#if FTC_DEBUG_LEVEL >= 1
void _ftc_plock_hooked(pthread_mutex_t *m, const char *cls, int flags, const char *file, int line);
int _ftc_ptrylock_hooked(pthread_mutex_t *m, const char *cls, const char *file, int line);
void _ftc_punlock_hooked(pthread_mutex_t *m);
void _ftc_pforget_hooked(pthread_mutex_t *m);
#define _ftc_plock(m, cls) _ftc_plock_hooked((m), (cls), 0, __FILE__, __LINE__)
#define _ftc_plock_nested(m, cls) _ftc_plock_hooked((m), (cls), FTC_LO_SHARED, __FILE__, __LINE__)
#define _ftc_ptrylock(m, cls) _ftc_ptrylock_hooked((m), (cls), __FILE__, __LINE__)
#define _ftc_punlock(m) _ftc_punlock_hooked(m)
#define _ftc_pforget(m) _ftc_pforget_hooked(m)
#else
#define _ftc_plock(m, cls) ((void)pthread_mutex_lock(m))
#define _ftc_plock_nested(m, cls) ((void)pthread_mutex_lock(m))
#define _ftc_ptrylock(m, cls) pthread_mutex_trylock(m)
#define _ftc_punlock(m) ((void)pthread_mutex_unlock(m))
#define _ftc_pforget(m) ((void)0)
#endif

/* Fault injection around a new thread's start (src/common.c; the thread's own code calls
 * them, src/thread.c): begin takes the countdown armed by ftc_fault_alloc_fail_in_next_thread
 * as the thread's own, end records how many allocations the start made and disarms. */
void _ftc_fault_thread_start_begin(void);
void _ftc_fault_thread_start_end(void);
/* A slow path kept out of its caller, so the fast path's frame stays small (fewer saved
 * registers, less code in the hot cache lines). */
#define FTC_NOINLINE __attribute__((noinline))
/* A fast path that must be inlined into its (few) callers even where gcc judges it big. */
#define FTC_ALWAYS_INLINE inline __attribute__((always_inline))

/* Per-layer thread state, defined by each layer in its own file. */
struct _ftc_objects_tstate; /* BRC queue, QSBR reader, per-thread refcounts */
struct _ftc_tls_tstate;     /* thread-local storage values */
struct ftc_gil;             /* src/gil.c */

struct ftc_tstate {
    _ftc_tstate_head head;   /* must be first: the inline tick reads it */
    ftc_tstate *next, *prev; /* the interpreter's list; head lock */
    ftc_interp *interp;
    int state; /* atomic; FTC_TSTATE_* */
    pthread_t pthread;
    uint64_t ident; /* ftc_thread_ident() of the owning thread */
    uint64_t native_id;
    uint64_t tid; /* BRC owner id: never reused, never 0 or 1 (_ftc_tls_tid) */
    char name[64];
    int daemon;
    int async_exc;        /* pending async exception code; atomic */
    int gilstate_counter; /* ensure nesting depth; owner thread only */
    int created_by_gilstate;
    ftc_thread *handle; /* the thread handle, if started by ftc_thread_start */

    /* state layer (src/tstate.c, src/gil.c) */
    struct ftc_gil *gil;       /* the interpreter's GIL, cached: a stopped daemon reaches it
                                       without touching the (freed) interpreter */
    int holds_gil;             /* atomic; written by the owner only */
    uint64_t gil_forced_drops; /* times this tstate dropped the GIL on a drop request;
                                       owner only (read by white-box tests) */
    int gil_compute;           /* owner only: set by the tick that drops the GIL on
                                       request, so that the next take is a compute take, not
                                       a priority one (gil.c); cleared by that take */
    double gil_drop_time;      /* owner only: when it last released the GIL (monotonic
                                       seconds; 0 = never): a short detach is no I/O (gil.c) */
    ftc_tstate *zombie_next;   /* runtime's list of stopped daemons' tstates; head lock */

    /* lock layer: top of the critical-section stack (tagged pointer), owner thread only */
    uintptr_t critical_section;
    /* lock layer (nogil): the locks a critical section is taking right now (begin, or resume
     * re-taking a suspended one), NULL otherwise. Written by the owner only; read by a fork
     * child, where a dead thread may own one of them (critical_section.c, "fork") */
    ftc_mutex *cs_taking[2];

    /* object layer (brc.c, qsbr.c, ...) */
    struct _ftc_objects_tstate *objects;

    /* threading API (tls.c) */
    struct _ftc_tls_tstate *tls;
    /* threading API (sync_wait.c): the waiter this thread sleeps on in an interruptible wait,
     * 0 when none; bit 0 set while an async-exception sender is waking it. Atomic. */
    uintptr_t sync_wait;
};

/* The never-reused id of the calling thread (assigned when the thread binds its first tstate;
 * 0 before that). BRC compares an object's owner against it. */
extern FTC_API FTC_THREAD_LOCAL uintptr_t _ftc_tls_tid;

/* ---- the state layer's services to the other layers ---- */
/* The runtime's head lock guards the interpreter list and every thread list. Never detach
 * while holding it. */
void _ftc_head_lock(void);
void _ftc_head_unlock(void);
/* The first interpreter, and the next one (head lock held). */
ftc_interp *_ftc_interp_first(void);
ftc_interp *_ftc_interp_next(ftc_interp *interp);
ftc_tstate *_ftc_interp_tstates(ftc_interp *interp); /* head lock held */
/* Sets bits in a tstate's eval breaker (any thread); clears bits (owner). */
void _ftc_eval_breaker_set(ftc_tstate *ts, uint64_t bits);
void _ftc_eval_breaker_clear(ftc_tstate *ts, uint64_t bits);
/* Attached tstate or fatal error naming the caller. */
ftc_tstate *_ftc_tstate_require(const char *func);

/* ---- hooks the state layer calls; each is implemented by the layer named ---- */
/* lock layer (src/critical_section.c, src/parking_lot.c) */
void _ftc_cs_suspend_all(ftc_tstate *ts); /* detach: release every section's lock */
void _ftc_cs_resume(ftc_tstate *ts);      /* attach: re-take the top section's lock */
/* fork child: releases the section locks the dead thread owning `dead` was taking, unless an
 * active section of `survivor` (the forking thread's attached tstate, or NULL) holds them. */
void _ftc_cs_after_fork_child(ftc_tstate *dead, ftc_tstate *survivor);
void _ftc_locks_after_fork_child(void); /* reinitialize the parking lot */

/* object layer (src/brc.c, src/qsbr.c, ...) */
int _ftc_objects_runtime_init(void);           /* after the main interpreter exists */
void _ftc_objects_runtime_fini(void);          /* after every other thread is gone */
int _ftc_objects_tstate_init(ftc_tstate *ts);  /* tstate created; may fail FTC_ENOMEM */
void _ftc_objects_tstate_fini(ftc_tstate *ts); /* tstate deleted by its thread, detached:
                                                      drain the BRC queue, hand over deferrals */
void _ftc_objects_attach(ftc_tstate *ts);      /* after the tstate became attached (QSBR online) */
void _ftc_objects_detach(ftc_tstate *ts);      /* before it becomes detached (QSBR offline) */
int _ftc_objects_handle_tick(ftc_tstate *ts, uint64_t bits); /* FTC_EB_BRC_MERGE / FTC_EB_QSBR */
/* ftc_thread_join returned with the thread done and ts (the joiner's) attached again: frees
 * the dead objects the joined thread used and lets its converted ones die promptly again. */
void _ftc_objects_after_join(ftc_tstate *ts);
/* fork's prepare handler, after the state layer's locks: takes the registry lock, so that no
 * thread is between linking its record and registering with liburcu (or the reverse at its
 * end) when the child is made; after_fork_parent releases it, the child re-initializes it. */
void _ftc_objects_before_fork(void);
void _ftc_objects_after_fork_parent(void);
void _ftc_objects_after_fork_child(ftc_tstate *survivor);

/* threading API (src/tls.c, src/sync_wait.c) */
void _ftc_tls_tstate_fini(ftc_tstate *ts); /* thread exit: run TLS destructors */
/* Called by ftc_thread_set_async_exc() right after it stored a non-zero code in
 * ts->async_exc, while ts cannot be freed (head lock held): wakes ts if it sleeps in an
 * interruptible wait of the threading API, which then returns that code. Never blocks. */
void _ftc_sync_wake_for_async_exc(ftc_tstate *ts);

#endif /* FTCORE_INTERNAL_CORE_H */
