/** @file
 * A thread pool with futures (Python's concurrent.futures.ThreadPoolExecutor and Future).
 *
 * The pool runs tasks on up to max_workers ftcore threads (ftc_thread_start: each worker is an
 * attached runtime thread), started on demand when no worker is idle. A task is a function
 *     int fn(void *arg, ftc_object **result)
 * returning 0 with *result set to a new reference (or left NULL), or a negative code: the
 * error is delivered through the task's future (ftc_future_result returns it). Submitting
 * returns a future, an ftc_object a VM can keep anywhere.
 *
 * Shut the pool down (ftc_pool_shutdown, or ftc_pool_free which waits) before
 * ftc_runtime_fini(): its workers are non-daemon threads and fini joins them.
 */
#ifndef FTCORE_POOL_H
#define FTCORE_POOL_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/* ---- futures ---- */
enum {
    FTC_FUTURE_PENDING = 0,
    FTC_FUTURE_RUNNING = 1,
    FTC_FUTURE_CANCELLED = 2,
    FTC_FUTURE_FINISHED = 3
};

FTC_API extern const ftc_type ftc_future_type; /**< the type of a future */
/** A done callback (ftc_future_add_done_callback()). */
typedef void (*ftc_future_cb)(ftc_object *future, void *arg);

/** A new pending future (for executors other than ftc_pool). NULL on failure. */
FTC_API ftc_object *ftc_future_new(void);
/** FTC_FUTURE_* or a negative code. */
FTC_API int ftc_future_state(ftc_object *future);
/** 1/0 or a negative code. done: cancelled or finished. */
FTC_API int ftc_future_done(ftc_object *future);
/** 1 if the task is running now, 0 if not, or a negative code. */
FTC_API int ftc_future_running(ftc_object *future);
/** 1 if the future was cancelled, 0 if not, or a negative code. */
FTC_API int ftc_future_cancelled(ftc_object *future);
/** Cancels a pending future: 1 if it is (now or already) cancelled, 0 if it is running or
 * finished and cannot be. Waiters wake, done callbacks run (in this thread). */
FTC_API int ftc_future_cancel(ftc_object *future);
/** Waits until done (timeout seconds: < 0 forever, 0 poll; NaN: FTC_EINVAL at once, as for
 * every timed call here), detached while waiting. Returns 0 and a new reference to the result
 * in *out (NULL if the task gave none); or the task's error code; FTC_ECANCELLED;
 * FTC_ETIMEDOUT; or an async exception's code. *out is NULL unless 0. */
FTC_API int ftc_future_result(ftc_object *future, double timeout, ftc_object **out);
/** Waits until done: 0, FTC_ETIMEDOUT, or an async code. */
FTC_API int ftc_future_wait(ftc_object *future, double timeout);
/** cb(future, arg) runs once the future is done, in the thread that finishes or cancels it;
 * right away, in the calling thread, if it is done already. Callbacks run in the order added.
 * 0 or FTC_ENOMEM. */
FTC_API int ftc_future_add_done_callback(ftc_object *future, ftc_future_cb cb, void *arg);
/** A done callback holding an object (ftc_future_add_done_callback_obj()); obj is borrowed for
 * the call. */
typedef void (*ftc_future_obj_cb)(ftc_object *future, ftc_object *obj);
/** As ftc_future_add_done_callback(), but the callback's argument is an object the future
 * holds and the cycle collector sees: the future takes a new reference to obj, visits it in
 * its traverse while the callback is pending, and drops it once cb(future, obj) has returned.
 * If the future is collected as garbage while the callback is pending, its clear drops obj and
 * cb never runs (as a collected Python Future never calls its callbacks); so does the
 * future's dealloc. A cycle future -> obj -> future (a VM's callback closing over the future)
 * is thus freed by ftc_gc_collect(). cb runs at most once. 0, FTC_EINVAL (cb or obj NULL),
 * FTC_ETYPE (not a future) or FTC_ENOMEM (then no reference was taken). */
FTC_API int ftc_future_add_done_callback_obj(ftc_object *future, ftc_future_obj_cb cb,
                                             ftc_object *obj);
/** For executors: 1 if the future moved from pending to running (run the task), 0 if it was
 * cancelled (do not run it), FTC_ESTATE if it was already running or finished. */
FTC_API int ftc_future_set_running_or_notify_cancel(ftc_object *future);
/** @{ */
/** For executors: finishes the future with a result (a reference is taken; NULL allowed) or an
 * error code (< 0, FTC_EINVAL otherwise). FTC_ESTATE if already finished or cancelled. */
FTC_API int ftc_future_set_result(ftc_object *future, ftc_object *result);
FTC_API int ftc_future_set_error(ftc_object *future, int code);
/** @} */

/* ---- the pool ---- */
/** A thread pool (concurrent.futures.ThreadPoolExecutor): opaque, ftc_pool_new(). */
typedef struct ftc_pool ftc_pool;
/** A task: returns 0 and may store a new reference in *result, or returns a negative code. */
typedef int (*ftc_task_fn)(void *arg, ftc_object **result);

/** max_workers: 0 = Python's default, min(32, CPUs + 4). The caller must be attached.
 * NULL on failure (ftc_last_error(): FTC_ENOMEM, or FTC_ESTATE when no runtime is initialized
 * or it is being finalized). No thread starts before the first submit. Until the pool is shut
 * down (ftc_pool_shutdown, ftc_pool_free), ftc_runtime_fini() refuses with FTC_EBUSY. */
FTC_API ftc_pool *ftc_pool_new(size_t max_workers);
/** Queues fn(arg); *future_out receives a new reference to its future (pass NULL if unwanted).
 * The caller must be attached (a worker may have to be started: ftc_thread_start).
 * FTC_ESTATE after shutdown; FTC_ENOMEM; or the error of starting the first worker thread
 * (then nothing was queued). arg must stay valid until the task has run or was cancelled. */
FTC_API int ftc_pool_submit(ftc_pool *pool, ftc_task_fn fn, void *arg, ftc_object **future_out);
/** Runs fn(args[i]) for i < n on the pool and stores each result (a new reference, or NULL) in
 * results[i], in input order, waiting at most timeout seconds in all (< 0 forever). Returns 0,
 * or the first failure in input order (a task's error, FTC_ECANCELLED, FTC_ETIMEDOUT, an async
 * code, or a submit failure): then the later tasks are cancelled if still pending, and their
 * results are NULL. After a task error or cancellation the tasks already running are waited
 * for; after a timeout or an async exception they are not (they may still use their args).
 * The caller releases every non-NULL results[i] in every case. */
FTC_API int ftc_pool_map(ftc_pool *pool, ftc_task_fn fn, void *const *args, size_t n,
                         ftc_object **results, double timeout);
/** No more submits (FTC_ESTATE afterwards). cancel_futures: cancel every task still queued.
 * Otherwise queued tasks still run. wait: return only when every worker has exited (detached
 * while waiting); from one of the pool's own tasks this gives FTC_EDEADLK after joining the
 * other workers. May be called more than once. */
FTC_API int ftc_pool_shutdown(ftc_pool *pool, bool wait, bool cancel_futures);
/** Shuts down (wait, no cancel) and frees the pool. Fatal from one of the pool's own tasks. */
FTC_API void ftc_pool_free(ftc_pool *pool);
/** The most worker threads the pool starts. */
FTC_API size_t ftc_pool_max_workers(ftc_pool *pool);
/** Worker threads started so far (a snapshot). */
FTC_API size_t ftc_pool_num_threads(ftc_pool *pool);

FTC_EXTERN_C_END

#endif /* FTCORE_POOL_H */
