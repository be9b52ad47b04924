/** @file
 * QSBR deferred freeing (nogil) for memory that lock-free readers may still see.
 *
 * A thread that unlinks memory readers may still hold (an old dict table, a list's replaced
 * items array, a shared object) frees it with ftc_qsbr_free(); the memory is released once
 * every thread that was attached when it was unlinked has passed a quiescent state (a tick
 * that handles FTC_EB_QSBR, a detach, or ftc_qsbr_quiescent()). The calling thread never blocks
 * in these calls. Past FTC_QSBR_BATCH_ITEMS items or FTC_QSBR_BATCH_BYTES bytes the thread
 * starts a grace period and asks every attached thread for a quiescent state.
 *
 * The bound, and exactly where it holds: when a thread's deferred bytes (pending_bytes below)
 * pass FTC_QSBR_LIMIT_BYTES, its next tick (ftc_eval_tick() or the VM's inline tick; the
 * deferral asks for it) waits, detached, for the other threads' quiescent states until they are
 * at most FTC_QSBR_LIMIT_BYTES again, and returns only then. So the limit holds on return from
 * every tick of the thread. It does not hold between ticks: the deferrals themselves never
 * block, and a thread that defers a lot between two ticks has that much more pending
 * (stress/qsbr_limit_wait goes past the limit, then checks that the tick waits for the other
 * reader). ftc_qsbr_quiescent() frees what is ready but never waits; a detach neither frees nor
 * waits. Memory deferred by a thread without a tstate, or left by a thread that ended, goes to
 * a shared queue that no limit bounds (freed at later ticks of any thread, at the latest at
 * runtime fini). Why not wait at the deferral: it can happen inside any decref that frees a
 * shared object, typically inside a container operation with the object's critical section held
 * and lock-free pointers in hand, where the thread can neither detach (that would suspend the
 * critical section and let go of its pointers) nor wait attached (its own report is part of
 * every grace period, two threads over the limit would wait for each other, and a stop-the-
 * world requester waits, attached, for it to park). The GIL build frees at once (the GIL
 * excludes readers): nothing is ever pending.
 *
 * Callers should be attached (nogil); a thread without a tstate may call too (its frees join a
 * shared queue). Readers need nothing: an attached thread is a reader; it must not keep a
 * pointer it read lock-free across a tick or a detach without holding a reference. An
 * attached thread that neither ticks nor detaches holds every grace period up: threads that
 * free then grow to the limit and wait (detached) at their ticks until it does.
 */
#ifndef FTCORE_QSBR_H
#define FTCORE_QSBR_H

#include <ftcore/runtime.h>

FTC_EXTERN_C_BEGIN

#define FTC_QSBR_BATCH_ITEMS 254                   /**< items per grace period, at most */
#define FTC_QSBR_BATCH_BYTES ((size_t)256 * 1024)  /**< bytes that start a grace period */
#define FTC_QSBR_LIMIT_BYTES ((size_t)1024 * 1024) /**< per thread, on return from a tick */

/** Frees p (from ftc_mem_alloc) after a grace period; NULL is ignored. */
FTC_API void ftc_qsbr_free(void *p);
/** Calls fn(p) after a grace period (fn must not block; it may run on another thread, or at
 * runtime fini). size is what it accounts for in the bound (0 if unknown). */
FTC_API void ftc_qsbr_free_fn(void *p, void (*fn)(void *), size_t size);

/** Reports a quiescent state for the caller (attached, holding no pointer it read lock-free
 * without a reference) and frees what of its own deferred memory is past its grace period. */
FTC_API void ftc_qsbr_quiescent(void);

/** Deferred-memory statistics: the caller's own and process-wide (ftc_qsbr_get_stats()). */
typedef struct ftc_qsbr_stats {
    uint64_t pending_items; /**< the caller's deferred items not yet freed */
    uint64_t pending_bytes; /**< ... and their bytes */
    uint64_t peak_bytes;    /**< the most the caller's thread ever had deferred */
    uint64_t freed_items;   /**< process-wide: items freed after a grace period */
    uint64_t orphan_items;  /**< process-wide: items of exited threads still waiting */
    uint64_t limit_waits;   /**< process-wide: ticks that waited because of the limit */
    uint64_t polls;         /**< the caller's grace-period checks not already answered */
    uint64_t scans;         /**< ... of those, the ones that scanned the threads (under the
                               * registry lock); the others found nothing changed since the
                               * last scan */
} ftc_qsbr_stats;
/** Fills *out with the statistics of ftc_qsbr_stats (the caller's fields are zero for a thread
 * without a tstate). */
FTC_API void ftc_qsbr_get_stats(ftc_qsbr_stats *out);

FTC_EXTERN_C_END

#endif /* FTCORE_QSBR_H */
