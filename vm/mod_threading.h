/* What the built-in threading, queue and concurrent.futures modules share (vm/mod_*.c only).
 *
 *   mod_threading.c  Thread, the registry of live threads, current_thread and friends, the
 *                    at-exit join (fp_mod_threading_shutdown), module init
 *   mod_sync.c       Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier and
 *                    local: wrappers of ftcore's primitives (sync.h, tls.h)
 *   mod_queue.c      queue; mod_futures.c: concurrent.futures
 */
#ifndef FTPY_MOD_THREADING_H
#define FTPY_MOD_THREADING_H

#include "ftpy.h"

/* Timeouts as Python's waits take them: None means forever (-1 here); an int or float is
 * seconds, a negative one means "do not wait" (0) as in Condition.wait, Event.wait and
 * Thread.join; NaN is a ValueError. 0, or -1 with the exception set. */
int fp_mod_timeout_arg(ftc_object *o, double *out);

/* Raises the Python exception for a failed ftcore call's code (asynchronous exceptions, an
 * exception a callback left set, MemoryError...). Returns -1. */
int fp_mod_raise_code(int code);

/* A Lock or an RLock object's ftcore primitive (borrowed), or NULL if o is neither. */
ftc_object *fp_mod_lock_prim(ftc_object *o);

/* mod_queue.c: queue.Empty (the executor's waits take completions from a SimpleQueue). */
extern fp_type fp_mod_Empty_type;

/* mod_sync.c: readies the primitives' types and adds them (and BrokenBarrierError) to m. */
int fp_mod_sync_add(ftc_object *m);

/* mod_threading.c, for threads that threading did not start (the executor's workers): makes
 * sure the calling thread (attached) has an fp thread state and a Thread object named name,
 * listed by threading.enumerate() until the thread ends. Both are released when its ftcore
 * thread state is deleted. 0 or -1 (MemoryError). */
int fp_mod_thread_adopt(const char *name);

/* Makes threading's shared state (the main thread's object, the current-thread key) without
 * importing the module (a module init cannot import). 0 or -1. */
int fp_mod_threading_prepare(void);

/* Runs fn at interpreter exit, after the non-daemon threads were joined, in the reverse order
 * of registration (threading._register_atexit). 0 or -1 (MemoryError). */
int fp_mod_register_atexit(void (*fn)(void));

/* Joins non-daemon threads and runs the at-exit functions: see mod_threading.c. */
void fp_mod_threading_shutdown(void);

#endif /* FTPY_MOD_THREADING_H */
