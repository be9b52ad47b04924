/* Queue: a thread-safe FIFO of object references, the core a VM builds Python's `queue`
 * module on (Queue with maxsize, task_done and join; SimpleQueue; a thread pool's work queue)
 * and CPython's `_queue.SimpleQueue` counterpart.
 *
 * Shape, as the primitives of sync.h:
 *   - A queue is an ftc_object of type ftc_queue_type (so a VM can keep it in its dicts and
 *     lists), created with one reference; release it with ftc_decref(). It is a hot shared
 *     object (object.h): in the nogil build its memory, and the references to the items still
 *     in it, are released by the hot-object collection after its last reference went away
 *     (ftc_object_collect_hot(), or ftc_runtime_fini()).
 *   - Every call checks its object's type: FTC_EINVAL for NULL, FTC_ETYPE for another type.
 *   - Blocking calls take a timeout in seconds: < 0 waits forever, 0 never waits, NaN is
 *     FTC_EINVAL (even when the call would not have had to wait). Timeouts are measured on the
 *     monotonic clock; a timed call never returns FTC_ETIMEDOUT before its timeout has passed.
 *   - A blocking call detaches its thread state while it sleeps (the GIL is released in the
 *     GIL build; the thread is QSBR-offline and does not hold up a stop-the-world in the
 *     nogil build), so a thread blocked on a queue never stops other threads.
 *   - A blocking call of an attached thread that is sent an asynchronous exception
 *     (ftc_thread_set_async_exc) while it sleeps returns that exception's code, which it
 *     consumes, having changed nothing; if the call could complete when it woke (an item had
 *     arrived, room had been made) it completes instead and the exception stays pending for
 *     the thread's next tick. Threads without a thread state may use a queue; their waits
 *     cannot be interrupted.
 *
 * Guarantees: items come out in exactly the order they went in (the order of the successful
 * puts, which are serialized by the queue); each item put is returned by exactly one get, or
 * released by an immediate shutdown or by the queue's destruction; the queue holds one
 * reference per item. Waiters sleep in FIFO order, but a thread that arrives while a woken
 * waiter has not run yet may take the item or the free slot first (the woken one then waits
 * again at the head of the line); nothing is lost either way.
 */
#ifndef FTCORE_QUEUE_H
#define FTCORE_QUEUE_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/* The type of every queue object. */
FTC_API extern const ftc_type ftc_queue_type;

/* Returns a new reference to an empty queue that holds at most maxsize items (maxsize <= 0:
 * unbounded, as Python's Queue(0)), or NULL with ftc_last_error() FTC_ENOMEM. */
FTC_API ftc_object *ftc_queue_new(int64_t maxsize);

/* Appends item (the queue takes its own reference; the caller keeps its own) once there is
 * room. Returns 0; FTC_EFULL if the queue is full and timeout is 0; FTC_ETIMEDOUT if it stayed
 * full for timeout seconds; FTC_ESHUTDOWN if the queue is shut down (before or while
 * waiting); FTC_EINVAL for a NULL item or a NaN timeout; FTC_ENOMEM if the queue's storage
 * cannot grow; or an async exception's code. On any error nothing was added and the item's
 * count is unchanged. Each successful put counts one unfinished task (ftc_queue_task_done). */
FTC_API int ftc_queue_put(ftc_object *queue, ftc_object *item, double timeout);

/* Removes the oldest item once there is one and stores it in *out: the reference the queue
 * held, now the caller's. Returns 0; FTC_EEMPTY if the queue is empty and timeout is 0;
 * FTC_ETIMEDOUT if it stayed empty for timeout seconds; FTC_ESHUTDOWN if the queue is shut
 * down and empty (items put before a shutdown that was not immediate are still returned);
 * FTC_EINVAL for a NULL out or a NaN timeout; or an async exception's code. *out is NULL
 * unless the call returns 0. */
FTC_API int ftc_queue_get(ftc_object *queue, ftc_object **out, double timeout);

/* The number of items in the queue (a snapshot: other threads may change it at once), or a
 * negative code. Python's qsize(); empty() is len == 0, full() is maxsize > 0 && len >= maxsize. */
FTC_API int64_t ftc_queue_len(ftc_object *queue);

/* The maxsize given to ftc_queue_new (0 for an unbounded queue, whatever was passed <= 0), or a
 * negative code. */
FTC_API int64_t ftc_queue_maxsize(ftc_object *queue);

/* Marks one task done (Python's task_done): every successful put adds an unfinished task, and a
 * consumer calls this once per item it has finished with. When the count reaches zero every
 * thread in ftc_queue_join wakes. Returns 0, or FTC_ESTATE (and changes nothing) if it is
 * called more times than items were put (Python's ValueError). */
FTC_API int ftc_queue_task_done(ftc_object *queue);

/* The number of unfinished tasks (puts not yet matched by a task_done; a snapshot), or a
 * negative code. */
FTC_API int64_t ftc_queue_unfinished(ftc_object *queue);

/* Waits until every item ever put has been marked done (the unfinished count is zero; at once
 * if it is). Returns 0; FTC_ETIMEDOUT (timeout 0 included: a poll); FTC_EINVAL for a NaN
 * timeout; or an async exception's code. A shutdown does not end a join by itself, as in
 * Python: an immediate shutdown counts the items it discards as done, which ends the join if
 * no item taken by a consumer is still unfinished. */
FTC_API int ftc_queue_join(ftc_object *queue, double timeout);

/* Shuts the queue down (Python 3.13's Queue.shutdown): every later put, and every put waiting
 * for room, fails with FTC_ESHUTDOWN; gets go on returning the items still queued and then fail
 * with FTC_ESHUTDOWN, and so do the gets waiting for an item. If immediate is true the items
 * still queued are released at once (their references dropped, in this thread, after the
 * queue's lock is let go) and counted as done tasks, so every get fails from then on.
 * Calling it again is allowed (an immediate call after a plain one discards what is left).
 * Returns 0 or a negative code (NULL, wrong type). */
FTC_API int ftc_queue_shutdown(ftc_object *queue, bool immediate);

/* 1 if the queue has been shut down, 0 if not, or a negative code. */
FTC_API int ftc_queue_is_shutdown(ftc_object *queue);

FTC_EXTERN_C_END

#endif /* FTCORE_QUEUE_H */
