/** @file
 * The cycle collector: tracked objects, ftc_gc_collect(), automatic collection, statistics.
 *
 * Which objects take part: every heap object whose type has a traverse callback (ftc_type,
 * object.h) is tracked from its creation to its free; other objects (int, str, the threading
 * primitives) are not, and a reference from one of them counts as a reference from outside.
 * Static and immortal objects are never tracked (an object made immortal is untracked then).
 *
 * What a collection does (docs/internals/gc.md has the invariants): with the world stopped
 * (nogil; in the GIL build under the GIL, with the world stopped too so that sub-interpreters
 * with their own GIL pause), it merges the pending BRC queues and every thread's counts of hot
 * objects, computes each tracked object's true count (owner count + shared count, or the merged
 * per-thread counts of a hot object), subtracts the references tracked objects hold to each
 * other (traverse), and marks everything reachable from an object with references from
 * outside. What is left is garbage: its weak references are cleared (their callbacks run later,
 * after the world restarted, outside any lock), the world restarts, `clear` is called on each
 * garbage object, and the objects are freed by their last decref, through QSBR when lock-free
 * readers may still hold a pointer. Hot objects whose total is zero are freed in the same
 * collection, chains included (a hot Condition holding the last reference to its hot Lock).
 *
 * The rule for C stacks (as in CPython): references held only in a thread's C variables are
 * invisible to traverse but are counted, so an object referenced from a C stack is reachable
 * from outside and survives. What a VM must not do is hold a pointer it has not counted (a
 * borrowed reference) across a point where a collection can run: ftc_eval_tick(), a blocking
 * call, or any call that allocates a tracked object (which may schedule one for the next
 * tick). A VM keeps its frames' references counted.
 *
 * traverse and clear: traverse(self, visit, arg) calls visit(o, arg) for every object
 * reference self holds (once per reference: a list holding x twice visits x twice) and returns
 * the first nonzero visit result, or 0. The collector calls it with the world stopped: it
 * must not allocate, decref, block or call back into ftcore; it reads self's fields with
 * plain loads (no writer runs). It must not take a lock that a stopped thread could hold; a
 * leaf lock that is never held across a tick, a detach or a callback is safe (the core's
 * queue, future and thread-local types take theirs: docs/internals/gc.md). clear(self) drops the references self holds (so that the
 * cycle breaks) and leaves self valid for its dealloc; it runs with the world running, outside
 * any lock the collector holds, may allocate and may fail (a negative code: the collector
 * counts the failure and continues; the objects are freed if the cycle was broken elsewhere,
 * or found again by the next collection). A type without clear takes part in cycles only if
 * another object of the cycle has one.
 *
 * Automatic collection: each allocation of a tracked object (and each ftc_object_set_hot)
 * counts; when the count since the last collection reaches the threshold (ftc_gc_set_threshold)
 * and a quarter of the tracked objects the last collection found alive (so that a large live
 * heap is not scanned every `threshold` allocations), and collection is enabled, the
 * allocating thread's eval breaker gets FTC_EB_GC and its next ftc_eval_tick() collects,
 * unless that thread is inside a critical section (then a later tick does). Never inside an
 * allocation, a critical section or with a core lock held.
 */
#ifndef FTCORE_GC_H
#define FTCORE_GC_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/** Runs one full collection (see above) and returns the number of objects it found dead, as
 * CPython's gc.collect() counts: unreachable tracked objects plus objects (hot ones, or ones
 * waiting in a BRC queue) whose total was zero; not what their deallocs freed in turn; an
 * object whose cycle no clear broke is counted and stays alive. Or a negative code: FTC_ENOMEM if the collector could not allocate its work space (it
 * then freed nothing it should not have and every count is as before), FTC_ESTATE if called
 * from inside a collection (a clear, dealloc or weakref callback), inside a critical section,
 * or with the world stopped by the caller. The caller must be attached (fatal otherwise).
 * Works whether or not automatic collection is enabled. */
FTC_API int64_t ftc_gc_collect(void);

/** Enables automatic collection (the default). */
FTC_API void ftc_gc_enable(void);
/** Disables automatic collection; ftc_gc_collect() still works. */
FTC_API void ftc_gc_disable(void);
/** Whether automatic collection is enabled. */
FTC_API bool ftc_gc_is_enabled(void);

/** The default threshold: tracked allocations between two automatic collections (chosen by
 * measurement: docs/internals/gc.md). */
#define FTC_GC_DEFAULT_THRESHOLD 2000

/** Sets the number of tracked allocations (process-wide, since the last collection) that
 * schedules an automatic collection. Returns 0, or FTC_EINVAL if n < 1. */
FTC_API int ftc_gc_set_threshold(int64_t n);
/** The current threshold (FTC_GC_DEFAULT_THRESHOLD unless set). */
FTC_API int64_t ftc_gc_get_threshold(void);

/** Collector statistics, process-wide, since the first ftc_runtime_init() of the process. */
typedef struct ftc_gc_stats {
    uint64_t collections;      /**< collections that ran (explicit and automatic) */
    uint64_t auto_collections; /**< of which automatic (scheduled through the eval breaker) */
    uint64_t failed;           /**< collections that returned FTC_ENOMEM */
    uint64_t collected;        /**< objects freed by collections (as ftc_gc_collect counts) */
    uint64_t clear_failures;   /**< clear callbacks that returned a negative code */
    uint64_t max_pause_ns;     /**< the longest time one collection kept the world stopped */
    uint64_t total_pause_ns;   /**< the sum of those times */
    uint64_t tracked;          /**< tracked objects alive at the last collection */
} ftc_gc_stats;

/** Copies the statistics into *out. */
FTC_API void ftc_gc_get_stats(ftc_gc_stats *out);

/** Whether o is tracked by the collector (a heap object of a type with traverse, not
 * immortal). */
FTC_API bool ftc_gc_is_tracked(ftc_object *o);

/** Number of tracked objects alive, process-wide (exact when no thread is changing it). */
FTC_API int64_t ftc_gc_tracked_count(void);

FTC_EXTERN_C_END

#endif /* FTCORE_GC_H */
