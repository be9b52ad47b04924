/* What the built-in threading, queue and concurrent.futures modules share (vm/mod_*.c only).
 *
 *   mod_threading.c  the registry of live threads, current_thread and friends, the at-exit
 *                    join (fp_mod_threading_shutdown), module init
 *   mod_thread.c     Thread, _MainThread, _DummyThread
 *   mod_locks.c      Lock, RLock, Condition, and the helpers below
 *   mod_sync.c       Semaphore, BoundedSemaphore, Event, Barrier and local
 *                    (both: wrappers of ftcore's primitives, sync.h and tls.h)
 *   mod_queue.c      queue
 *   mod_futures.c    concurrent.futures: Future, as_completed, wait, exceptions
 *   mod_executor.c   concurrent.futures.ThreadPoolExecutor
 */
#ifndef FTPY_MOD_THREADING_H
#define FTPY_MOD_THREADING_H

#include "ftpy.h"

/* ---- threads (mod_thread.c, mod_threading.c) ---- */
enum { ST_INITIAL = 0, ST_STARTING = 1, ST_STARTED = 2, ST_STOPPED = 3 };
enum { KIND_THREAD = 0, KIND_MAIN = 1, KIND_ADOPTED = 2, KIND_DUMMY = 3 };

typedef struct thread_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;                          /* instance attributes (subclasses use it) */
    ftc_object *name, *target, *args, *kwargs; /* critical section on the object */
    ftc_thread *handle;                        /* atomic: see mod_thread.c */
    uint64_t ident, native_id;                 /* atomic; 0 = None */
    int state;                                 /* atomic: ST_* */
    int daemon;                                /* atomic */
    int kind;                                  /* set before publication */
    int initialized;                           /* Thread.__init__ ran (atomic) */
    ftc_event started, finished;
} thread_object;

extern fp_type fp_mod_thread_type, fp_mod_main_thread_type, fp_mod_dummy_thread_type,
    fp_mod_timer_type;

#define THREAD(o) ((thread_object *)(o))

/* The registry (mod_threading.c): add takes a reference (0, or -1 with MemoryError), remove
 * drops it (nothing if t is not listed). */
int fp_mod_registry_add(thread_object *t);
void fp_mod_registry_remove(thread_object *t);
/* The TLS key holding each thread's current Thread object, and the main thread's. */
extern ftc_tls_key fp_mod_cur_key;
extern thread_object *fp_mod_main_thread;
/* threading.current_thread() (a new reference; a _DummyThread is made for a thread threading
 * does not know). NULL with MemoryError. */
ftc_object *fp_mod_current_thread(void);

/* Timeouts as Python's waits take them: None means forever (-1 here); an int or float is
 * seconds, a negative one means "do not wait" (0) as in Condition.wait, Event.wait and
 * Thread.join; NaN is a ValueError. 0, or -1 with the exception set. */
int fp_mod_timeout_arg(ftc_object *o, double *out);

/* Raises the Python exception for a failed ftcore call's code (asynchronous exceptions, an
 * exception a callback left set, MemoryError...). Returns -1. */
int fp_mod_raise_code(int code);

/* The result of a timed ftcore wait as a bool: 0 -> True, FTC_ETIMEDOUT -> False, any other
 * code raised (NULL). */
ftc_object *fp_mod_wait_result(int rc);

/* The result of an ftcore call that returns nothing: 0 or more -> None, a negative code raised
 * (NULL). */
ftc_object *fp_mod_none_result(int rc);
/* The result of an ftcore query that returns 1 or 0: a bool, a negative code raised (NULL). */
ftc_object *fp_mod_bool_result(int rc);

/* An optional integer argument of the synchronization classes (an int or a bool: fp_int_like,
 * no __index__): dflt when o is NULL. 0, or -1 with TypeError "'T' object cannot be
 * interpreted as an integer". */
int fp_mod_int_arg(ftc_object *o, int64_t dflt, int64_t *out);

/* The Python objects of mod_locks.c and mod_sync.c but Barrier and local: the object and one
 * reference to its ftcore primitive, which never changes. */
typedef struct fp_mod_prim_object {
    FTC_OBJECT_HEAD;
    ftc_object *prim;
} fp_mod_prim_object;
#define PRIM(o) (((fp_mod_prim_object *)(o))->prim)
void fp_mod_prim_dealloc(ftc_object *o);
/* Visits prim (an ftcore primitive, untracked): what makes these objects tracked, so that
 * weakref.ref accepts them as CPython does. */
int fp_mod_prim_traverse(ftc_object *o, ftc_visitproc visit, void *arg);
/* An instance of type around prim (a new reference, stolen; NULL: the constructor failed,
 * MemoryError or OverflowError from ftc_last_error()). */
ftc_object *fp_mod_prim_wrap(fp_type *type, ftc_object *prim);
/* Checks a constructor takes no arguments: fp_None (borrowed) or NULL with TypeError. */
ftc_object *fp_mod_no_args(const char *fname, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames);

/* Lock and RLock (mod_locks.c; weakref's dictionaries use RLock). */
extern fp_type fp_mod_lock_type, fp_mod_rlock_type;

/* A Lock or an RLock object's ftcore primitive (borrowed), or NULL if o is neither. */
ftc_object *fp_mod_lock_prim(ftc_object *o);

/* mod_queue.c: a FIFO for as_completed and wait (not a Python-visible type). put: 0, or -1
 * with MemoryError. get waits up to timeout seconds (< 0 forever): the item (the queue's
 * reference), or NULL: timed out (no exception) or an asynchronous exception (set). */
ftc_object *fp_mod_completion_queue_new(void);
/* Readies the completion queue's type: once, from concurrent.futures' init (under the import
 * lock), before any queue is made; readying it lazily raced between threads (TSan). */
int fp_mod_completion_queue_ready(void);
int fp_mod_completion_put(ftc_object *q, ftc_object *item);
ftc_object *fp_mod_completion_get(ftc_object *q, double timeout);

/* mod_locks.c: readies Lock, RLock and Condition and adds them to m. */
int fp_mod_locks_add(ftc_object *m);

/* mod_sync.c: readies every synchronization type (mod_locks.c's too) and adds them (and
 * BrokenBarrierError) to m. */
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

/* ---- concurrent.futures (mod_futures.c, mod_executor.c) ---- */
/* A Future: an ftcore future and, once the call raised, its exception (stored with release
 * before the ftcore future finishes with FP_EEXC; read with acquire after it is done). */
typedef struct future_object {
    FTC_OBJECT_HEAD;
    ftc_object *fut; /* the ftcore future; set before the object is shared */
    ftc_object *exc; /* atomic: the exception, set once */
    /* The call, until the worker runs it (only that worker touches them then). */
    ftc_object *call_fn, *call_args, *call_kwargs;
    ftc_object *executor;        /* for the worker's thread name */
    ftc_mutex wmu;               /* guards wdone, waiters and callbacks */
    bool wdone;                  /* future_notify ran */
    ftc_object *callbacks;       /* wmu: add_done_callback's list, or NULL (mod_futures.c) */
    struct waiter_node *waiters; /* as_completed/wait registrations (mod_futures.c) */
} future_object;

/* A waiter's registration on a future (mod_futures.c). */
struct waiter_node {
    struct waiter_node *next;
    ftc_object *queue; /* borrowed: the waiter removes the node before it ends */
};

#define F(o) ((future_object *)(o))
extern fp_type fp_mod_future_type;
/* future.result(t): the result (new reference), or NULL with the call's exception,
 * CancelledError, TimeoutError or an asynchronous exception set. */
ftc_object *fp_mod_future_result(future_object *f, double t);
/* Registers the future's own done callback, which serves as_completed and wait; call it once,
 * right after the ftcore future is made and before anything else may drop the last reference
 * to f once the future is done (the callback uses f without a reference). 0 or -1. */
int fp_mod_future_track(future_object *f);
/* Readies ThreadPoolExecutor and adds it to m. */
int fp_mod_executor_add(ftc_object *m);

#endif /* FTPY_MOD_THREADING_H */
