/** @file
 * Runtime, interpreters, thread states, attach/detach, gilstate, the GIL's controls.
 *
 * One ftc_tstate per OS thread per interpreter. A thread runs runtime code (touches objects,
 * containers, refcounts) only while its tstate is attached. In the GIL build attaching takes
 * the interpreter's GIL; in the nogil build it takes no GIL (unless the GIL was switched on at
 * run time: ftc_config.gil / env FTC_GIL=1), and any number of threads are attached at once.
 * Every blocking call must be wrapped in FTC_BEGIN_ALLOW_THREADS / FTC_END_ALLOW_THREADS
 * (detach while blocked), so that no thread blocks while holding the GIL, a critical section,
 * or the QSBR read side.
 */
#ifndef FTCORE_RUNTIME_H
#define FTCORE_RUNTIME_H

#include <ftcore/common.h>
#include <ftcore/atomic.h>

FTC_EXTERN_C_BEGIN

/** Runtime configuration for ftc_runtime_init(); fill it with ftc_config_init() first. */
typedef struct ftc_config {
    double
        switch_interval; /**< seconds; GIL build, and nogil build with the GIL on. Default 0.005 */
    int gil;             /**< nogil build: -1 = from env FTC_GIL (default off), 0 off, 1 on.
                               GIL build: must be -1 or 1. */
    int own_gil_for_subinterpreters; /**< GIL build: 1 = ftc_interp_new() gives each new
                                        interpreter its own GIL (PEP 684); 0 = share the main one */
    size_t pending_calls_max; /**< bound of each interpreter's pending-call queue; default 32 */
    int gil_io_priority;      /**< GIL: 1 (default) = a thread re-attaching after a detached
                               (blocking) region is a priority waiter; 0 = plain new GIL */
    double gil_io_grace;      /**< GIL: seconds a priority waiter lets the holder run before it
                               requests the drop; >= 0, default 0 (ftc_set_gil_io_priority) */
} ftc_config;

/** A thread state: one per OS thread per interpreter (opaque). */
typedef struct ftc_tstate ftc_tstate;
/** An interpreter: the main one or a sub-interpreter (opaque). */
typedef struct ftc_interp ftc_interp;
/** A handle of a thread started by ftc_thread_start() (opaque; thread.h). */
typedef struct ftc_thread ftc_thread;

/** Thread-state states. */
enum {
    FTC_TSTATE_DETACHED = 0,
    FTC_TSTATE_ATTACHED = 1,
    FTC_TSTATE_SUSPENDED = 2,    /**< parked by a stop-the-world request */
    FTC_TSTATE_SHUTTING_DOWN = 3 /**< runtime finalization has started */
};

/** Fills *cfg with the defaults (each field's default is given with it). */
FTC_API void ftc_config_init(ftc_config *cfg);

/** The ABI tag: what a program compiled against these headers assumes about the library it
 * runs with, namely the variant (the object header, the critical sections and every inline
 * function differ between gil and nogil), the size of the object header (object.h checks it
 * against the struct) and of a pointer, and the ABI version. ftc_runtime_init() passes it
 * inline, so the library compares the headers' tag with its own at the first call of any
 * program: a program built against one variant's headers and linked with the other dies there,
 * with a message naming both, instead of later with a misleading one. */
#define FTC_ABI_VERSION 1
#ifdef FTC_GIL_DISABLED
/** The variant's bit of the ABI tag: 1 nogil, 0 GIL. */
#define FTC_ABI_VARIANT_BIT 1u
/** ob_tid; ob_flags, ob_mutex, ob_gc_bits, ob_ref_local (8 bytes); ob_ref_shared; ob_type */
#define FTC_ABI_OBJECT_HEADER_SIZE (sizeof(uintptr_t) + 8 + sizeof(intptr_t) + sizeof(void *))
#else
#define FTC_ABI_VARIANT_BIT 0u
/** ob_refcnt, ob_type */
#define FTC_ABI_OBJECT_HEADER_SIZE (sizeof(uint64_t) + sizeof(void *))
#endif
/** bits 0-15 the object header size, 16-23 the variant (1 = nogil), 24-31 the pointer size,
 * 32-47 FTC_ABI_VERSION */
#define FTC_ABI_TAG                                                                 \
    ((uint64_t)FTC_ABI_OBJECT_HEADER_SIZE | ((uint64_t)FTC_ABI_VARIANT_BIT << 16) | \
     ((uint64_t)sizeof(void *) << 24) | ((uint64_t)FTC_ABI_VERSION << 32))

/** The library side of ftc_runtime_init(): dies through ftc_fatal() when abi_tag is not the
 * library's own FTC_ABI_TAG (naming the headers' variant and the library's); otherwise
 * initializes. Call ftc_runtime_init(). */
FTC_API int _ftc_runtime_init_checked(const ftc_config *cfg, uint64_t abi_tag);
/** Initializes the runtime and the main interpreter; the caller becomes the attached main
 * thread. NULL = defaults. FTC_ESTATE if already initialized. Fatal when the program was
 * compiled against the headers of the other variant (FTC_ABI_TAG). */
static inline int ftc_runtime_init(const ftc_config *cfg)
{
    return _ftc_runtime_init_checked(cfg, FTC_ABI_TAG);
}
/** Called by the main thread, attached: joins non-daemon threads, stops daemon threads at their
 * next attach or tick, destroys sub-interpreters and the main interpreter, frees everything.
 * The runtime may be initialized again afterwards. Returns 0; FTC_ESTATE (nothing done) if the
 * runtime is not initialized or the caller is not its attached main thread; FTC_EBUSY if the
 * caller is inside a critical section, or a thread pool (ftc_pool_new) is not shut down (its
 * workers would wait for ever): fini then prints on stderr what is still running and returns
 * without tearing anything down (non-daemon threads that finished meanwhile are joined), so the
 * caller can end the section or shut the pool down and call it again.
 *
 * Objects still alive when it is done (never released, or held by a stopped daemon thread)
 * are counted: see ftc_runtime_leaked_objects(). With FTC_DEBUG >= 1, or the environment
 * variable FTC_REPORT_LEAKS=1 (=0 silences it), a non-zero count is printed on stderr. Using
 * the runtime after fini is an error: debug builds (FTC_DEBUG >= 1) die through ftc_fatal()
 * when an object is made before the next ftc_runtime_init(). */
FTC_API int ftc_runtime_fini(void);
/** The number of heap objects still alive at the end of the last successful ftc_runtime_fini()
 * (ftc_object_live_count() then: process-wide, so it includes objects left over from an
 * earlier init/fini cycle); 0 before the first fini. A leak check for a VM's test suite:
 * assert it is 0 after fini. */
FTC_API int64_t ftc_runtime_leaked_objects(void);
/** 1 between a successful ftc_runtime_init() and its ftc_runtime_fini(), else 0. */
FTC_API int ftc_runtime_is_initialized(void);

/** 1 while a GIL is in force for the caller's interpreter (always 1 in the GIL build). */
FTC_API int ftc_gil_enabled(void);

/* ---- interpreters ---- */
/** The main interpreter, or NULL when the runtime is not initialized. */
FTC_API ftc_interp *ftc_interp_main(void);
/** Creates a sub-interpreter and a tstate for the calling thread in it, attached (the caller's
 * current tstate, if any, is detached first and returned in *prev so it can be re-attached).
 * NULL on failure (ftc_last_error()). */
FTC_API ftc_interp *ftc_interp_new(ftc_tstate **prev);
/** Destroys a sub-interpreter whose only tstate is the caller's (attached in it); FTC_ESTATE if
 * other threads still live in it (or are being started in it); FTC_EINVAL for the main
 * interpreter. The caller ends detached. */
FTC_API int ftc_interp_destroy(ftc_interp *interp);
/** The interpreter's id (0 for the main interpreter), or -1 for NULL. */
FTC_API int64_t ftc_interp_id(const ftc_interp *interp);

/* ---- thread states ---- */
/** The caller's attached tstate, or NULL. */
FTC_API ftc_tstate *ftc_tstate_get(void);
/** Creates a detached tstate for the calling OS thread in interp. NULL on failure. */
FTC_API ftc_tstate *ftc_tstate_new(ftc_interp *interp);
/** Deletes a detached tstate of the calling thread (drains its deferred work first). */
FTC_API void ftc_tstate_delete(ftc_tstate *ts);
/** The interpreter ts belongs to (NULL for NULL). */
FTC_API ftc_interp *ftc_tstate_interp(const ftc_tstate *ts);
/** ts's state, FTC_TSTATE_* (a snapshot), or FTC_EINVAL for NULL. */
FTC_API int ftc_tstate_state(const ftc_tstate *ts);

/** Detaches the caller's tstate and returns it; fatal if none is attached. */
FTC_API ftc_tstate *ftc_detach(void);
/** Attaches ts, which must belong to the calling thread and be detached; fatal otherwise.
 * Blocks while a stop-the-world is in progress, and while another thread holds the GIL. */
FTC_API void ftc_attach(ftc_tstate *ts);

/** Opens a block in which the thread is detached (around a blocking call): ftc_detach(). */
#define FTC_BEGIN_ALLOW_THREADS \
    {                           \
        ftc_tstate *_ftc_save_ts = ftc_detach();
/** Closes the block FTC_BEGIN_ALLOW_THREADS opened, attaching the saved tstate again. */
#define FTC_END_ALLOW_THREADS \
    ftc_attach(_ftc_save_ts); \
    }

/** Makes ts the calling thread's attached thread state and returns the one that was attached
 * before (NULL if none): CPython's PyThreadState_Swap, for a VM that runs several interpreters
 * on one OS thread or a callback that arrives from a foreign runtime. ts == NULL only detaches
 * (and returns what was attached; NULL and no effect if nothing was).
 *
 * It is exactly a detach of the current tstate followed by an attach of ts, with everything
 * those do: the old tstate's critical sections are suspended (their locks released) and ts's
 * innermost one is re-taken; the thread goes QSBR-offline and back online; in the GIL build,
 * and in the nogil build with the GIL on, the old tstate's GIL is released and ts's GIL is
 * taken (another interpreter's, when it has its own); the attach waits while the world is
 * stopped, and blocks for good if ts was stopped by runtime finalization (as ftc_attach).
 * Swapping in the attached tstate itself is allowed: it detaches and re-attaches (a point where
 * other threads may take the GIL).
 *
 * ts must be a thread state of the calling OS thread (made by ftc_tstate_new, ftc_interp_new,
 * ftc_gilstate_ensure or ftc_thread_start on this thread), not deleted, and detached unless it
 * is the current one. Violations are fatal errors naming ftc_tstate_swap: a tstate of another
 * OS thread, one that is not detached, one being deleted, a swap while the calling thread has
 * the world stopped (ftc_stop_the_world: start it first), and, in builds with FTC_DEBUG >= 1,
 * a pointer that is no live thread state. */
FTC_API ftc_tstate *ftc_tstate_swap(ftc_tstate *ts);

/* ---- gilstate: threads the embedder created itself ----
 * ftc_gilstate_ensure() makes the calling thread attached in the main interpreter, creating a
 * tstate if it has none; nestable. ftc_gilstate_release() undoes one ensure, and deletes the
 * tstate when the outermost ensure created it. */
/** What ftc_gilstate_ensure() found: to be passed back to ftc_gilstate_release(). */
typedef enum {
    FTC_GILSTATE_LOCKED = 0,  /**< the thread was attached already */
    FTC_GILSTATE_UNLOCKED = 1 /**< the thread was not attached */
} ftc_gilstate;
/** Attaches the calling thread in the main interpreter, creating its tstate if needed
 * (nestable); returns what release needs. */
FTC_API ftc_gilstate ftc_gilstate_ensure(void);
/** Undoes one ftc_gilstate_ensure() (prev: what it returned). */
FTC_API void ftc_gilstate_release(ftc_gilstate prev);

/* ---- a snapshot of all threads (threading.enumerate / sys._current_frames) ---- */
/** One thread's entry in ftc_threads_snapshot(). */
typedef struct ftc_thread_info {
    uint64_t ident;     /**< ftc_thread_ident() of the thread */
    uint64_t native_id; /**< the kernel's thread id */
    char name[64];      /**< the thread's name, NUL-terminated */
    int state;          /**< FTC_TSTATE_* */
    int daemon;         /**< 1 for a daemon thread */
    int holds_gil;      /**< 1 if it holds its interpreter's GIL */
    int64_t interp_id;  /**< ftc_interp_id() of its interpreter */
} ftc_thread_info;
/** Fills up to cap entries for every tstate of every interpreter; returns the total number of
 * tstates (which may exceed cap), or a negative code. */
FTC_API int64_t ftc_threads_snapshot(ftc_thread_info *out, size_t cap);

/* ---- the GIL's controls (GIL build, and nogil build with the GIL on) ---- */
/** nogil build: switches the GIL on (1) or off (0) at run time, with the world stopped; the
 * caller must be attached. GIL build: 1 is a no-op, 0 gives FTC_ENOTSUP. */
FTC_API int ftc_gil_set_enabled(int on);
FTC_API int ftc_set_switch_interval(double seconds); /**< FTC_EINVAL if <= 0 */
/** The GIL's switch interval, in seconds. */
FTC_API double ftc_get_switch_interval(void);
/** I/O priority (the remedy for the convoy effect of bpo-7946). A thread that attaches after it
 * detached on its own (a blocking call in FTC_BEGIN/END_ALLOW_THREADS, a new thread) is a
 * priority waiter: if the GIL is held, it requests the drop after `grace` seconds instead of a
 * whole switch interval, and the GIL goes to it ahead of threads that were made to drop it
 * while computing (compute waiters). A compute waiter that waited longer than its fair share
 * ((compute waiters + 1) switch intervals) goes ahead of priority waiters, so that threads
 * doing I/O all the time cannot starve it. on = 0 turns the priority off (every waiter waits
 * a switch interval, as in CPython's new GIL). Defaults: on, grace 0 (request at once: the
 * lowest latency); a grace lets a computing holder keep the GIL that long (fewer switches when
 * threads detach often for calls that hardly block). FTC_EINVAL if grace < 0 or > 1e6 or on is
 * not 0 or 1. Process-wide, like the switch interval; ftc_runtime_init() sets both from its
 * config. */
FTC_API int ftc_set_gil_io_priority(int on, double grace);
/** Returns whether the I/O priority is on; stores the grace in *grace if grace is not NULL. */
FTC_API int ftc_get_gil_io_priority(double *grace);
/** GIL statistics (ftc_gil_get_stats()), counted since the GIL was created or reset. */
typedef struct ftc_gil_stats {
    uint64_t acquisitions;    /**< times any thread took the GIL */
    uint64_t switches;        /**< times the GIL passed to a different thread (switch number) */
    uint64_t forced_switches; /**< switches caused by a drop request */
    uint64_t drop_requests;   /**< drop requests set by waiters (any kind) */
    double total_wait;        /**< seconds threads spent waiting for the GIL */
    double max_wait;          /**< the longest single wait */
    uint64_t handoffs;        /**< drops that handed the GIL straight to the waiter that had
                                  requested them (or, on a requested drop, to another waiter) */
    uint64_t prio_requests;   /**< drop requests by priority (re-attaching) waiters */
    uint64_t prio_handoffs;   /**< times a priority waiter got the GIL while a compute waiter
                                  was waiting too (it went ahead of it) */
    uint64_t urgent_requests; /**< drop requests by compute waiters past the starvation bound */
} ftc_gil_stats;
/** Statistics of the caller's interpreter's GIL; FTC_ENOTSUP when no GIL is in force. */
FTC_API int ftc_gil_get_stats(ftc_gil_stats *out);
/** Zeroes the statistics of the caller's interpreter's GIL. */
FTC_API void ftc_gil_reset_stats(void);

/* ---- stop-the-world (both builds) ---- Called attached. Pauses every other attached thread of
 * every interpreter at its next tick or detach and keeps detached ones from attaching until
 * ftc_start_the_world(); returns once they are all paused. In the GIL build too: threads of
 * sub-interpreters with their own GIL run in parallel with the caller's. Fatal when the caller
 * is detached, already has the world stopped (start), or has not (stop). */
/** Stops the world (see above); returns once every other thread is paused. */
FTC_API void ftc_stop_the_world(void);
/** Restarts the threads the caller's ftc_stop_the_world() paused. */
FTC_API void ftc_start_the_world(void);

FTC_EXTERN_C_END

#endif /* FTCORE_RUNTIME_H */
