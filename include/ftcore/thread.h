/** @file
 * Starting and joining runtime threads.
 *
 * A thread handle outlives the thread's tstate and has its own reference count; its state moves
 * not-started -> starting -> running -> done. The new OS thread creates and attaches its tstate,
 * runs fn(arg), then deletes its tstate and marks the handle done. Join is idempotent, may be
 * called by several threads, refuses a self-join with FTC_EDEADLK, takes a timeout, and detaches
 * while it waits. Non-daemon threads are joined by ftc_runtime_fini(); daemon threads still
 * running then are stopped at their next attach or tick.
 */
#ifndef FTCORE_THREAD_H
#define FTCORE_THREAD_H

#include <ftcore/runtime.h>

FTC_EXTERN_C_BEGIN

enum {
    FTC_THREAD_NOT_STARTED = 0,
    FTC_THREAD_STARTING = 1,
    FTC_THREAD_RUNNING = 2,
    FTC_THREAD_DONE = 3
};

/** Options of ftc_thread_start(); NULL for all defaults. */
typedef struct ftc_thread_opts {
    const char *name;  /**< copied; NULL = "Thread-N" */
    int daemon;        /**< 1: ftc_runtime_fini() does not wait for it */
    size_t stack_size; /**< 0 = default */
} ftc_thread_opts;

/** Starts fn(arg) on a new thread attached to the caller's interpreter. The caller must be
 * attached. *out receives a handle holding one reference (release it with
 * ftc_thread_release()). On failure nothing is leaked and *out is NULL. */
FTC_API int ftc_thread_start(ftc_thread **out, void (*fn)(void *), void *arg,
                             const ftc_thread_opts *opts);
/** Waits for t to finish: 0, FTC_ETIMEDOUT, FTC_EDEADLK (self-join), FTC_EINVAL (NULL t or a
 * NaN timeout; nothing waited for). timeout < 0 waits forever, 0 polls. Detaches while
 * waiting. nogil, caller attached, 0 returned: if objects converted to per-thread counting by
 * contention exist, it settles them first (a stop of the world, object.h: the dead are freed
 * and their weak-reference callbacks run, the living are freed by their last decref again). */
FTC_API int ftc_thread_join(ftc_thread *t, double timeout);
/** Takes another reference to t (the caller must hold one). */
FTC_API void ftc_thread_incref(ftc_thread *t);
/** Drops a reference; the handle is gone after the last one (the running thread holds its own
 * until it finishes, so releasing before the thread ends is fine). Using a handle after its
 * last release, or releasing it more times than referenced, is a programming error: in debug
 * builds (FTC_DEBUG >= 1, the sanitizer presets) every call on the handle (join, release,
 * incref, state, ident, name) is then a fatal error naming the call, for the 1024 handles
 * released most recently (older ones are freed; the sanitizers still catch their misuse); in
 * release builds it is undefined behavior (a use-after-free). NULL is ignored. */
FTC_API void ftc_thread_release(ftc_thread *t);
/** FTC_THREAD_* (FTC_EINVAL for NULL). */
FTC_API int ftc_thread_state(const ftc_thread *t);
FTC_API uint64_t ftc_thread_handle_ident(const ftc_thread *t); /**< 0 before it runs */
/** The thread's name (opts->name, or "Thread-N"); valid while the handle is. */
FTC_API const char *ftc_thread_name(const ftc_thread *t);

/** The calling OS thread's identifier (like threading.get_ident()). */
FTC_API uint64_t ftc_thread_ident(void);
/** The calling thread's kernel thread id (like threading.get_native_id()). */
FTC_API uint64_t ftc_thread_native_id(void);

FTC_EXTERN_C_END

#endif /* FTCORE_THREAD_H */
