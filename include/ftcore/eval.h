/** @file
 * The eval breaker: what a VM's dispatch loop checks between instructions.
 *
 * One atomic word per tstate. Other threads set bits in it (GIL drop request, pending calls,
 * async exception, stop-the-world, BRC merge, QSBR); the owning thread's ftc_eval_tick() sees
 * them at its next check. With nothing pending, a tick is one TLS load and one relaxed load.
 */
#ifndef FTCORE_EVAL_H
#define FTCORE_EVAL_H

#include <ftcore/runtime.h>

FTC_EXTERN_C_BEGIN

/** @name Eval-breaker bits: the requests a thread's next ftc_eval_tick() handles
 * @{ */
#define FTC_EB_GIL_DROP_REQUEST (UINT64_C(1) << 0) /**< a GIL waiter asks the holder to drop it */
#define FTC_EB_PENDING_CALLS (UINT64_C(1) << 1)    /**< pending calls queued (main thread) */
#define FTC_EB_ASYNC_EXC (UINT64_C(1) << 2)        /**< an async exception is pending */
#define FTC_EB_STOP_THE_WORLD (UINT64_C(1) << 3)   /**< park for a stop-the-world */
#define FTC_EB_BRC_MERGE (UINT64_C(1) << 4)        /**< merge the objects queued to this owner */
#define FTC_EB_QSBR (UINT64_C(1) << 5)             /**< report a QSBR quiescent state */
#define FTC_EB_SHUTDOWN (UINT64_C(1) << 6)         /**< runtime finalizing: daemon must stop */
#define FTC_EB_GC (UINT64_C(1) << 7)               /**< run an automatic collection (gc.h) */

/** @} */

/** Declares a thread-local variable (_Thread_local in C, thread_local in C++). */
#ifdef __cplusplus
#define FTC_THREAD_LOCAL thread_local
#else
#define FTC_THREAD_LOCAL _Thread_local
#endif

/** The first members of every ftc_tstate; public only so the inline tick can read them. */
typedef struct _ftc_tstate_head {
    uint64_t eval_breaker; /**< atomic; FTC_EB_* bits */
} _ftc_tstate_head;

/** The calling thread's attached tstate (NULL when detached). Read it with ftc_tstate_get().
 * Like the other thread-locals that inline fast paths read (reference counts, critical
 * sections), a program linked with ftcore reads it with one %fs-relative load; code built with
 * -fPIC into a shared object of its own (a VM's extension module) calls the TLS resolver for
 * each access unless it is compiled with -mtls-dialect=gnu2 (x86-64), as ftcore itself is. */
extern FTC_API FTC_THREAD_LOCAL ftc_tstate *_ftc_tstate_current;

FTC_API int _ftc_eval_tick_slow(ftc_tstate *ts);

/** Handles whatever is pending for the calling thread. Returns 0, or a negative code the VM
 * must raise in the running thread (an async exception's code, or a pending call's failure).
 * The caller must be attached (fatal otherwise). The tick may drop and re-take the GIL, pause
 * for a stop-the-world, merge reference counts, and report a QSBR quiescent state. */
static inline int ftc_eval_tick(void)
{
    ftc_tstate *ts = _ftc_tstate_current;
    if (FTC_UNLIKELY(ts == NULL))
        return _ftc_eval_tick_slow(ts);
    /* Relaxed: a missed bit is seen at the next tick; the slow path re-reads with acquire. */
    if (FTC_LIKELY(ftc_atomic_load_relaxed(&((_ftc_tstate_head *)ts)->eval_breaker) == 0))
        return 0;
    return _ftc_eval_tick_slow(ts);
}

/* ---- pending calls: run on the interpreter's main thread at its next tick ----
 * interp NULL means the main interpreter. fn's return value is returned by that tick when
 * negative. Returns 0 (queued), FTC_EAGAIN when the queue is full, FTC_EINVAL for a NULL fn,
 * and FTC_ESTATE when no runtime is initialized, the interpreter is being destroyed, or its
 * main thread state (the one ftc_interp_new() created, or the runtime's main thread's) was
 * deleted: only that thread state runs pending calls, so such a call would never run and is
 * refused instead (calls already queued when it was deleted never run either). */
/** Queues fn(arg) to run on interp's main thread at its next tick (see above). */
FTC_API int ftc_pending_call_add(ftc_interp *interp, int (*fn)(void *arg), void *arg);

/* ---- async exceptions: the target's next tick returns code ----
 * code must be negative (FTC_EINVAL otherwise); 0 clears a pending one. Returns the number of
 * threads found (0 or 1). */
/** Makes the next tick of the thread with ftc_thread_ident() ident return code (see above). */
FTC_API int ftc_thread_set_async_exc(uint64_t ident, int code);

FTC_EXTERN_C_END

#endif /* FTCORE_EVAL_H */
