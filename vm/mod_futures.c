/* concurrent.futures: ThreadPoolExecutor, Future, as_completed, wait, and the module's
 * exceptions, on ftcore's thread pool and futures (include/ftcore/pool.h).
 *
 * Future: a Python object around an ftcore future, which holds the state (pending, running,
 * cancelled, finished), the result, the waiters and the done callbacks, all thread-safe. A call
 * that raised leaves its exception in the Python object (`exc`, stored with release before the
 * ftcore future finishes with FP_EEXC, whose finishing publishes it to every waiter) and
 * result() raises that same exception object in the caller, as CPython re-raises it. Waits
 * (result, exception, wait, as_completed) are ftcore's, detached while they sleep.
 *
 * ThreadPoolExecutor: an ftcore pool (ftc_pool_new(max_workers)); submit(fn, *args, **kwargs)
 * creates the Python Future, then queues run_call on the pool with the Future as its argument;
 * the pool's own future for the task is the Future's ftcore future. The pool holds a reference
 * to the Python Future from submit until its ftcore future is done (dropped by the first done
 * callback, which runs after the task ran or when it was cancelled), so a caller may drop the
 * Future at once. Each worker thread gets an fp thread state and a threading.Thread named
 * "ThreadPoolExecutor-E_W" on its first task (fp_mod_thread_adopt), released when the worker
 * ends. map() submits every call first and returns an iterator yielding the results in input
 * order (a call's exception is raised when its item is reached; the remaining calls are then
 * cancelled, as CPython's generator does in its finally).
 *
 * Shutdown: shutdown(wait=True, cancel_futures=False) is ftc_pool_shutdown; `with` calls
 * shutdown(wait=True). Every pool is listed (pools_mu) until it is freed: an executor shut down
 * with wait frees its pool in its dealloc; one deallocated without that (from any thread, even
 * one of its own workers) only stops new work, and the at-exit function (registered with
 * threading's at-exit list, run before non-daemon threads are joined, as CPython's
 * _python_exit) shuts every listed pool down with wait and frees it, so queued work still runs
 * before the interpreter exits.
 *
 * as_completed and wait register a done callback on each future that puts it into a private
 * queue.SimpleQueue; the caller then takes completions from that queue with the time left, so
 * it sleeps detached and wakes on the first completion. Futures already done are delivered by
 * their callbacks at registration, in the calling thread.
 */
#include "mod_threading.h"

#include <stdio.h>
#include <string.h>

/* ---- exceptions ---- */

static fp_type error_type = {
    FP_TYPE_HEAD,
    .ct = {"Error", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &fp_Exception_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE,
};

static fp_type cancelled_error_type = {
    FP_TYPE_HEAD,
    .ct = {"CancelledError", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &error_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE,
};

static fp_type invalid_state_error_type = {
    FP_TYPE_HEAD,
    .ct = {"InvalidStateError", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &error_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE,
};

/* ---- Future ---- */

typedef struct future_object {
    FTC_OBJECT_HEAD;
    ftc_object *fut;                  /* the ftcore future; set before the object is shared */
    ftc_object *exc;                  /* atomic: the exception, once (see essay) */
    /* The call, until the worker runs it (only that worker touches them then). */
    ftc_object *call_fn, *call_args, *call_kwargs;
    ftc_object *executor;             /* for the worker's thread name, until run */
} future_object;

static fp_type future_type;
#define F(o) ((future_object *)(o))

static void future_dealloc(ftc_object *o)
{
    future_object *f = F(o);
    ftc_object *refs[] = {f->fut, f->exc, f->call_fn, f->call_args, f->call_kwargs,
                          f->executor};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        if (refs[i] != NULL)
            ftc_decref(refs[i]);
}

/* A Python Future around fut (a new reference, stolen). */
static future_object *future_wrap(fp_type *type, ftc_object *fut)
{
    if (fut == NULL)
        return (future_object *)fp_err_nomem();
    future_object *f = (future_object *)ftc_object_new(&type->ct);
    if (f == NULL) {
        ftc_decref(fut);
        return (future_object *)fp_err_nomem();
    }
    f->fut = fut;
    return f;
}

static ftc_object *future_new(fp_type *type, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("Future", nargs, kwnames, 0, 0) < 0)
        return NULL;
    future_object *f = future_wrap(type, ftc_future_new());
    return f ? &f->ob_base : NULL;
}

/* Raises what a finished-with-error or cancelled future means. */
static void raise_outcome(future_object *f, int rc)
{
    if (rc == FP_EEXC) {
        /* acquire: pairs with the release store made before the future finished. */
        ftc_object *exc = ftc_atomic_load_acquire(&f->exc);
        if (exc != NULL) {
            ftc_incref(exc);
            fp_err_restore(exc);
            return;
        }
    }
    if (rc == FTC_ECANCELLED) {
        fp_err_set_obj(&cancelled_error_type, NULL);
        return;
    }
    if (rc == FTC_ETIMEDOUT) {
        fp_err_set_obj(&fp_TimeoutError_type, NULL);
        return;
    }
    fp_mod_raise_code(rc);
}

static ftc_object *future_result_timeout(future_object *f, double t)
{
    ftc_object *out = NULL;
    int rc = ftc_future_result(f->fut, t, &out);
    if (rc == 0)
        return out != NULL ? out : fp_None;
    raise_outcome(f, rc);
    return NULL;
}

static ftc_object *future_result(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    double t;
    if (fp_parse_args("result", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_timeout_arg(a[0], &t) < 0)
        return NULL;
    return future_result_timeout(F(self), t);
}

static ftc_object *future_exception(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    double t;
    if (fp_parse_args("exception", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_timeout_arg(a[0], &t) < 0)
        return NULL;
    future_object *f = F(self);
    ftc_object *out = NULL;
    int rc = ftc_future_result(f->fut, t, &out);
    if (rc == 0) {
        if (out != NULL)
            ftc_decref(out);
        return fp_None;
    }
    if (rc == FP_EEXC) {
        ftc_object *exc = ftc_atomic_load_acquire(&f->exc); /* as in raise_outcome */
        if (exc != NULL) {
            ftc_incref(exc);
            return exc;
        }
    }
    raise_outcome(f, rc);
    return NULL;
}

static ftc_object *future_bool_op(ftc_object *self, size_t nargs, ftc_object *kwnames,
                                  const char *name, int (*op)(ftc_object *))
{
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = op(F(self)->fut);
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
}

static ftc_object *future_done(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    return future_bool_op(self, nargs, kwnames, "done", ftc_future_done);
}

static ftc_object *future_running(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    return future_bool_op(self, nargs, kwnames, "running", ftc_future_running);
}

static ftc_object *future_cancelled(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)args;
    return future_bool_op(self, nargs, kwnames, "cancelled", ftc_future_cancelled);
}

static ftc_object *future_cancel(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)args;
    return future_bool_op(self, nargs, kwnames, "cancel", ftc_future_cancel);
}

/* A Python done callback: fn(future), called once in the thread that finishes or cancels the
 * future. Its exception is reported to stderr and dropped, as CPython logs it. */
struct py_callback {
    ftc_object *fn;
    ftc_object *future;
};

static void run_py_callback(ftc_object *fut, void *arg)
{
    (void)fut;
    struct py_callback *cb = arg;
    ftc_object *r = fp_call1(cb->fn, cb->future);
    if (r != NULL) {
        ftc_decref(r);
    } else {
        ftc_object *exc = fp_err_fetch();
        if (exc != NULL) {
            fp_exc_print(exc);
            ftc_decref(exc);
        }
    }
    ftc_decref(cb->fn);
    ftc_decref(cb->future);
    ftc_mem_free(cb);
}

static int add_callback(future_object *f, ftc_object *fn)
{
    struct py_callback *cb = ftc_mem_alloc(sizeof *cb);
    if (cb == NULL) {
        fp_err_nomem();
        return -1;
    }
    cb->fn = fn;
    cb->future = &f->ob_base;
    ftc_incref(fn);
    ftc_incref(&f->ob_base);
    int rc = ftc_future_add_done_callback(f->fut, run_py_callback, cb);
    if (rc < 0) {
        ftc_decref(fn);
        ftc_decref(&f->ob_base);
        ftc_mem_free(cb);
        fp_mod_raise_code(rc);
        return -1;
    }
    return 0;
}

static ftc_object *future_add_done_callback(ftc_object *self, ftc_object *const *args,
                                            size_t nargs, ftc_object *kwnames)
{
    static const char *const kwlist[] = {"fn", NULL};
    ftc_object *a[1];
    if (fp_parse_args("add_done_callback", args, nargs, kwnames, kwlist, 1, 1, a) < 0 ||
        add_callback(F(self), a[0]) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *invalid_state(future_object *f)
{
    int st = ftc_future_state(f->fut);
    fp_err_set(&invalid_state_error_type, "%s: <Future at %p state=%s>",
               st == FTC_FUTURE_CANCELLED ? "CANCELLED" : "FINISHED", (void *)f,
               st == FTC_FUTURE_CANCELLED ? "cancelled" : "finished");
    return NULL;
}

static ftc_object *future_set_result(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    if (fp_check_args("set_result", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int rc = ftc_future_set_result(F(self)->fut, args[0]);
    if (rc == FTC_ESTATE)
        return invalid_state(F(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *future_set_exception(ftc_object *self, ftc_object *const *args,
                                        size_t nargs, ftc_object *kwnames)
{
    if (fp_check_args("set_exception", nargs, kwnames, 1, 1) < 0)
        return NULL;
    future_object *f = F(self);
    if (!fp_exc_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "exceptions must derive from BaseException");
        return NULL;
    }
    ftc_object *expected = NULL;
    ftc_incref(args[0]);
    /* release: publishes the exception before the future finishes (see raise_outcome). */
    if (!ftc_atomic_cas_release(&f->exc, &expected, args[0])) {
        ftc_decref(args[0]);
        return invalid_state(f);
    }
    int rc = ftc_future_set_error(f->fut, FP_EEXC);
    if (rc == FTC_ESTATE)
        return invalid_state(f);
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *future_set_running(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("set_running_or_notify_cancel", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_future_set_running_or_notify_cancel(F(self)->fut);
    if (rc == FTC_ESTATE) {
        fp_err_set(&fp_RuntimeError_type, "Future in unexpected state");
        return NULL;
    }
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
}

static ftc_object *future_repr(ftc_object *self)
{
    future_object *f = F(self);
    int st = ftc_future_state(f->fut);
    if (st == FTC_FUTURE_FINISHED) {
        ftc_object *out = NULL;
        int rc = ftc_future_result(f->fut, 0, &out);
        const char *what = rc == 0 ? "returned" : "raised";
        const char *tname = rc == 0 ? (out ? fp_type_name(out) : "NoneType")
                                    : (f->exc ? fp_type_name(f->exc) : "Exception");
        ftc_object *r = fp_str_from_fmt("<Future at %p state=finished %s %s>", (void *)f,
                                        what, tname);
        if (out != NULL)
            ftc_decref(out);
        return r;
    }
    return fp_str_from_fmt("<Future at %p state=%s>", (void *)f,
                           st == FTC_FUTURE_RUNNING     ? "running"
                           : st == FTC_FUTURE_CANCELLED ? "cancelled"
                                                        : "pending");
}

static const fp_method_def future_methods[] = {
    {"result", future_result, 0},
    {"exception", future_exception, 0},
    {"done", future_done, 0},
    {"running", future_running, 0},
    {"cancelled", future_cancelled, 0},
    {"cancel", future_cancel, 0},
    {"add_done_callback", future_add_done_callback, 0},
    {"set_result", future_set_result, 0},
    {"set_exception", future_set_exception, 0},
    {"set_running_or_notify_cancel", future_set_running, 0},
    {NULL, NULL, 0},
};

static fp_type future_type = {
    FP_TYPE_HEAD,
    .ct = {"Future", sizeof(future_object), future_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_BASETYPE,
    .repr = future_repr,
    .new_ = future_new,
    .methods = future_methods,
};

/* ---- the executor ---- */

typedef struct executor_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
    ftc_pool *pool;
    ftc_object *prefix;               /* thread_name_prefix */
    uint64_t workers;                 /* atomic: names handed out */
    int joined;                       /* atomic: shutdown(wait=True) returned */
    int shut;                         /* atomic: shutdown called */
} executor_object;

static fp_type executor_type;
#define E(o) ((executor_object *)(o))

/* Every pool not yet freed (see the essay). An orphan's executor is gone: the pool is freed
 * at exit. A live executor's pool is shut down (with wait) at exit and freed by its dealloc. */
struct pool_entry {
    ftc_pool *pool;
    bool orphan;
};
static ftc_mutex pools_mu = FTC_MUTEX_INIT;
static struct pool_entry *pools;      /* pools_mu */
static size_t pools_n, pools_cap;     /* pools_mu */
static uint64_t executor_counter;     /* atomic */
static int atexit_registered;         /* pools_mu */
static int interpreter_exiting;       /* atomic: the at-exit shutdown has run */

/* Removes p's entry (free = true) or marks it an orphan. Returns whether the at-exit shutdown
 * has already run (then the caller frees the pool itself: its workers are gone). */
static bool pools_release(ftc_pool *p, bool remove)
{
    bool exited;
    ftc_mutex_lock(&pools_mu);
    exited = ftc_atomic_load_relaxed(&interpreter_exiting) != 0;
    for (size_t i = 0; i < pools_n; i++) {
        if (pools[i].pool == p) {
            if (remove || exited)
                pools[i] = pools[--pools_n];
            else
                pools[i].orphan = true;
            break;
        }
    }
    ftc_mutex_unlock(&pools_mu);
    return exited;
}

static void futures_atexit(void)
{
    ftc_mutex_lock(&pools_mu);
    ftc_atomic_store_relaxed(&interpreter_exiting, 1);
    ftc_mutex_unlock(&pools_mu);
    /* No entry is added from now on (submit and new executors still may be, by non-daemon
     * threads; their pools are then listed and shut down by the loop below if it sees them).
     * Shut every pool down with wait, outside the lock (the workers may take it to drop
     * references), then free the orphans. */
    for (size_t i = 0;; i++) {
        ftc_pool *p = NULL;
        ftc_mutex_lock(&pools_mu);
        if (i < pools_n)
            p = pools[i].pool;
        ftc_mutex_unlock(&pools_mu);
        if (p == NULL)
            break;
        ftc_pool_shutdown(p, true, false);
    }
    for (;;) {
        ftc_pool *p = NULL;
        ftc_mutex_lock(&pools_mu);
        for (size_t i = 0; i < pools_n; i++) {
            if (pools[i].orphan) {
                p = pools[i].pool;
                pools[i] = pools[--pools_n];
                break;
            }
        }
        ftc_mutex_unlock(&pools_mu);
        if (p == NULL)
            return;
        ftc_pool_free(p);
    }
}

static int pools_add(ftc_pool *p)
{
    int rc = 0;
    bool register_atexit = false;
    ftc_mutex_lock(&pools_mu);
    if (pools_n == pools_cap) {
        size_t cap = pools_cap ? pools_cap * 2 : 8;
        struct pool_entry *n = ftc_mem_realloc(pools, cap * sizeof *n);
        if (n == NULL) {
            rc = -1;
        } else {
            pools = n;
            pools_cap = cap;
        }
    }
    if (rc == 0) {
        pools[pools_n].pool = p;
        pools[pools_n].orphan = false;
        pools_n++;
        if (!atexit_registered) {
            atexit_registered = 1;
            register_atexit = true;
        }
    }
    ftc_mutex_unlock(&pools_mu);
    if (rc < 0) {
        fp_err_nomem();
        return -1;
    }
    if (register_atexit && fp_mod_register_atexit(futures_atexit) < 0)
        return -1;
    return 0;
}

static void executor_dealloc(ftc_object *o)
{
    executor_object *e = E(o);
    if (e->pool != NULL) {
        bool joined = ftc_atomic_load_acquire(&e->joined) != 0;
        if (!joined)
            ftc_pool_shutdown(e->pool, false, false); /* stops new work; never waits */
        bool exited = pools_release(e->pool, joined);
        /* Free now only when no worker is left to wait for (this may run on a worker). */
        if (joined || exited)
            ftc_pool_free(e->pool);
    }
    if (e->dict != NULL)
        ftc_decref(e->dict);
    if (e->prefix != NULL)
        ftc_decref(e->prefix);
}

static ftc_object *executor_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    static const char *const kwlist[] = {"max_workers", "thread_name_prefix", "initializer",
                                         "initargs", NULL};
    ftc_object *a[4];
    if (fp_parse_args("ThreadPoolExecutor", args, nargs, kwnames, kwlist, 0, 4, a) < 0)
        return NULL;
    int64_t max = 0;
    if (a[0] != NULL && a[0] != fp_None) {
        if (!fp_int_like(a[0])) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(a[0]));
            return NULL;
        }
        max = fp_int_like_value(a[0]);
        if (max <= 0) {
            fp_err_set(&fp_ValueError_type, "max_workers must be greater than 0");
            return NULL;
        }
    }
    if (a[2] != NULL && a[2] != fp_None) {
        fp_err_set(&fp_NotImplementedError_type,
                   "ftpy's ThreadPoolExecutor does not support initializer");
        return NULL;
    }
    executor_object *e = (executor_object *)ftc_object_new(&type->ct);
    if (e == NULL)
        return fp_err_nomem();
    if (a[1] != NULL && a[1] != fp_None && fp_str_len(a[1]) > 0) {
        e->prefix = fp_str(a[1]);
    } else {
        uint64_t n = ftc_atomic_fetch_add(&executor_counter, 1);
        e->prefix = fp_str_from_fmt("ThreadPoolExecutor-%llu", (unsigned long long)n);
    }
    if (e->prefix == NULL) {
        ftc_decref(&e->ob_base);
        return NULL;
    }
    e->pool = ftc_pool_new((size_t)max);
    if (e->pool == NULL) {
        ftc_decref(&e->ob_base);
        return fp_err_nomem();
    }
    if (pools_add(e->pool) < 0) {
        pools_release(e->pool, true);
        ftc_pool_free(e->pool);
        e->pool = NULL;
        ftc_decref(&e->ob_base);
        return NULL;
    }
    return &e->ob_base;
}

/* The pool's task: runs the Future's call on a worker. */
static int run_call(void *arg, ftc_object **result)
{
    future_object *f = arg;
    if (!fp_thread_entered()) {
        executor_object *e = E(f->executor);
        uint64_t w = ftc_atomic_fetch_add(&e->workers, 1);
        char name[160];
        snprintf(name, sizeof name, "%s_%llu", fp_str_data(e->prefix), (unsigned long long)w);
        if (fp_mod_thread_adopt(name) < 0)
            return FTC_ENOMEM;
    }
    ftc_object *r = fp_call_tuple_dict(f->call_fn, f->call_args, f->call_kwargs);
    ftc_object *fn = f->call_fn, *targs = f->call_args, *tkw = f->call_kwargs;
    f->call_fn = f->call_args = f->call_kwargs = NULL;
    ftc_decref(fn);
    ftc_decref(targs);
    if (tkw != NULL)
        ftc_decref(tkw);
    if (r == NULL) {
        /* release: the pool finishes the future after this; waiters load it with acquire. */
        ftc_atomic_store_release(&f->exc, fp_err_fetch());
        return FP_EEXC;
    }
    *result = r;
    return 0;
}

/* The first done callback of a submitted Future: drops the pool's reference. */
static void drop_pool_ref(ftc_object *fut, void *arg)
{
    (void)fut;
    ftc_decref((ftc_object *)arg);
}

static ftc_object *shutdown_error(void)
{
    fp_err_set(&fp_RuntimeError_type,
               ftc_atomic_load_relaxed(&interpreter_exiting)
                   ? "cannot schedule new futures after interpreter shutdown"
                   : "cannot schedule new futures after shutdown");
    return NULL;
}

/* Submits fn(*targs, **tkw) (targs a tuple, stolen; tkw NULL or a dict, stolen). */
static future_object *submit_call(executor_object *e, ftc_object *fn, ftc_object *targs,
                                  ftc_object *tkw)
{
    future_object *f = (future_object *)ftc_object_new(&future_type.ct);
    if (f == NULL) {
        ftc_decref(targs);
        if (tkw != NULL)
            ftc_decref(tkw);
        return (future_object *)fp_err_nomem();
    }
    ftc_incref(fn);
    ftc_incref(&e->ob_base);
    f->call_fn = fn;
    f->call_args = targs;
    f->call_kwargs = tkw;
    f->executor = &e->ob_base;
    ftc_incref(&f->ob_base); /* the pool's reference, dropped by drop_pool_ref */
    ftc_object *fut = NULL;
    int rc = ftc_pool_submit(e->pool, run_call, f, &fut);
    if (rc < 0) {
        ftc_decref(&f->ob_base);
        ftc_decref(&f->ob_base);
        if (rc == FTC_ESTATE)
            return (future_object *)shutdown_error();
        if (rc == FTC_ENOMEM)
            return (future_object *)fp_err_nomem();
        fp_err_set(&fp_RuntimeError_type, "can't start new thread");
        return NULL;
    }
    f->fut = fut;
    rc = ftc_future_add_done_callback(fut, drop_pool_ref, f);
    if (rc < 0) {
        /* Cannot happen short of memory: the reference stays with the pool (a leak of one
         * Future) rather than risk freeing it under a running task. */
        ftc_decref(&f->ob_base);
        return (future_object *)fp_err_nomem();
    }
    return f;
}

static ftc_object *executor_submit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    if (nargs < 1) {
        fp_err_set(&fp_TypeError_type,
                   "submit() missing 1 required positional argument: 'fn'");
        return NULL;
    }
    executor_object *e = E(self);
    if (ftc_atomic_load_acquire(&e->shut))
        return shutdown_error();
    ftc_object *targs = fp_tuple_from_array(args + 1, nargs - 1);
    if (targs == NULL)
        return NULL;
    ftc_object *tkw = NULL;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    if (nkw > 0) {
        if ((tkw = fp_dict_new()) == NULL) {
            ftc_decref(targs);
            return NULL;
        }
        for (size_t i = 0; i < nkw; i++) {
            if (fp_dict_set(tkw, fp_tuple_items(kwnames)[i], args[nargs + i]) < 0) {
                ftc_decref(targs);
                ftc_decref(tkw);
                return NULL;
            }
        }
    }
    future_object *f = submit_call(e, args[0], targs, tkw);
    return f ? &f->ob_base : NULL;
}

static int do_shutdown(executor_object *e, bool wait, bool cancel)
{
    ftc_atomic_store_release(&e->shut, 1);
    int rc = ftc_pool_shutdown(e->pool, wait, cancel);
    if (rc == FTC_EDEADLK) {
        fp_err_set(&fp_RuntimeError_type, "cannot join current thread");
        return -1;
    }
    if (rc < 0)
        return fp_mod_raise_code(rc);
    if (wait)
        ftc_atomic_store_release(&e->joined, 1);
    return 0;
}

static ftc_object *executor_shutdown(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    static const char *const kwlist[] = {"wait", "cancel_futures", NULL};
    ftc_object *a[2];
    if (fp_parse_args("shutdown", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    int wait = 1, cancel = 0;
    if ((a[0] != NULL && (wait = fp_truthy(a[0])) < 0) ||
        (a[1] != NULL && (cancel = fp_truthy(a[1])) < 0))
        return NULL;
    if (do_shutdown(E(self), wait, cancel) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *executor_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_incref(self);
    return self;
}

static ftc_object *executor_exit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    if (do_shutdown(E(self), true, false) < 0)
        return NULL;
    return fp_False;
}

/* ---- map's iterator ---- */

typedef struct map_iter_object {
    FTC_OBJECT_HEAD;
    ftc_object *futures;              /* list of Futures; the owner thread's only */
    size_t next;
    bool timed;
    double deadline;
} map_iter_object;

static fp_type map_iter_type;

static void map_iter_dealloc(ftc_object *o)
{
    map_iter_object *m = (map_iter_object *)o;
    if (m->futures != NULL)
        ftc_decref(m->futures);
}

static ftc_object *map_iter_iter(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

/* Cancels the futures from index i on (CPython's generator does so when it ends early). */
static void cancel_from(ftc_object *list, size_t i)
{
    int64_t n = ftc_list_len(list);
    for (; (int64_t)i < n; i++) {
        ftc_object *f = NULL;
        if (ftc_list_get_ref(list, (int64_t)i, &f) == 0 && f != NULL) {
            ftc_future_cancel(F(f)->fut);
            ftc_decref(f);
        }
    }
}

static ftc_object *map_iter_next(ftc_object *o)
{
    map_iter_object *m = (map_iter_object *)o;
    if (m->futures == NULL)
        return NULL;
    ftc_object *f = NULL;
    if (ftc_list_get_ref(m->futures, (int64_t)m->next, &f) != 0 || f == NULL) {
        ftc_decref(m->futures);
        m->futures = NULL;
        return NULL;
    }
    m->next++;
    double t = -1;
    if (m->timed) {
        t = m->deadline - ftc_monotonic();
        if (t < 0)
            t = 0;
    }
    ftc_object *r = future_result_timeout(F(f), t);
    ftc_decref(f);
    if (r == NULL) {
        cancel_from(m->futures, m->next);
        ftc_decref(m->futures);
        m->futures = NULL;
    }
    return r;
}

static fp_type map_iter_type = {
    FP_TYPE_HEAD,
    .ct = {"generator", sizeof(map_iter_object), map_iter_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .iter = map_iter_iter,
    .next = map_iter_next,
};

static ftc_object *executor_map(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    double t = -1;
    bool timed = false;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        const char *k = fp_str_data(fp_tuple_items(kwnames)[i]);
        ftc_object *v = args[nargs + i];
        if (strcmp(k, "timeout") == 0) {
            if (fp_mod_timeout_arg(v, &t) < 0)
                return NULL;
            timed = v != fp_None;
        } else if (strcmp(k, "chunksize") != 0) {
            fp_err_set(&fp_TypeError_type, "map() got an unexpected keyword argument '%s'", k);
            return NULL;
        }
    }
    if (nargs < 1) {
        fp_err_set(&fp_TypeError_type, "map() missing 1 required positional argument: 'fn'");
        return NULL;
    }
    double deadline = timed ? ftc_monotonic() + t : 0;
    executor_object *e = E(self);
    if (ftc_atomic_load_acquire(&e->shut))
        return shutdown_error();
    size_t nit = nargs - 1;
    ftc_object *its[nit ? nit : 1];
    size_t made = 0;
    ftc_object *futures = fp_list_new();
    if (futures == NULL)
        return NULL;
    for (; made < nit; made++)
        if ((its[made] = fp_iter(args[1 + made])) == NULL)
            goto fail;
    for (bool more = nit > 0; more;) {
        ftc_object *targs = fp_tuple_new(nit);
        if (targs == NULL)
            goto fail;
        for (size_t i = 0; i < nit; i++) {
            ftc_object *v = fp_next(its[i]);
            if (v == NULL) {
                for (size_t j = i; j < nit; j++)
                    fp_tuple_items(targs)[j] = fp_None;
                ftc_decref(targs);
                if (fp_err_occurred())
                    goto fail;
                more = false;
                break;
            }
            fp_tuple_items(targs)[i] = v;
        }
        if (!more)
            break;
        future_object *f = submit_call(e, args[0], targs, NULL);
        if (f == NULL)
            goto fail;
        int rc = fp_list_append(futures, &f->ob_base);
        ftc_decref(&f->ob_base);
        if (rc < 0)
            goto fail;
    }
    for (size_t i = 0; i < made; i++)
        ftc_decref(its[i]);
    map_iter_object *m = (map_iter_object *)ftc_object_new(&map_iter_type.ct);
    if (m == NULL) {
        cancel_from(futures, 0);
        ftc_decref(futures);
        return fp_err_nomem();
    }
    m->futures = futures;
    m->timed = timed;
    m->deadline = deadline;
    return &m->ob_base;
fail:
    for (size_t i = 0; i < made; i++)
        ftc_decref(its[i]);
    cancel_from(futures, 0);
    ftc_decref(futures);
    return NULL;
}

static const fp_method_def executor_methods[] = {
    {"submit", executor_submit, 0},
    {"map", executor_map, 0},
    {"shutdown", executor_shutdown, 0},
    {"__enter__", executor_enter, 0},
    {"__exit__", executor_exit, 0},
    {NULL, NULL, 0},
};

static ftc_object *executor_get_max_workers(ftc_object *self)
{
    return fp_int_new((int64_t)ftc_pool_max_workers(E(self)->pool));
}

static const fp_getset_def executor_getsets[] = {
    {"_max_workers", executor_get_max_workers, NULL},
    {NULL, NULL, NULL},
};

static fp_type executor_type = {
    FP_TYPE_HEAD,
    .ct = {"ThreadPoolExecutor", sizeof(executor_object), executor_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .module = "concurrent.futures.thread",
    .flags = FP_TPFLAG_BASETYPE,
    .dictoffset = offsetof(executor_object, dict),
    .new_ = executor_new,
    .methods = executor_methods,
    .getsets = executor_getsets,
};

/* ---- as_completed and wait ---- */

/* Done callback of as_completed/wait: puts the future into the waiter's SimpleQueue. */
struct notify_cb {
    ftc_object *queue;
    ftc_object *future;
};

static void notify_done(ftc_object *fut, void *arg)
{
    (void)fut;
    struct notify_cb *cb = arg;
    ftc_object *r = fp_call_method(cb->queue, fp_intern("put"), &cb->future, 1, NULL);
    if (r != NULL)
        ftc_decref(r);
    else
        fp_err_clear(); /* only MemoryError: the waiter then times out or waits on */
    ftc_decref(cb->queue);
    ftc_decref(cb->future);
    ftc_mem_free(cb);
}

/* A SimpleQueue receiving every future of fs (a list of Futures) once done. */
static ftc_object *completion_queue(ftc_object *fs)
{
    ftc_object *qmod = fp_import("queue");
    if (qmod == NULL)
        return NULL;
    ftc_object *qtype = fp_getattr_cstr(qmod, "SimpleQueue");
    ftc_decref(qmod);
    if (qtype == NULL)
        return NULL;
    ftc_object *q = fp_call0(qtype);
    ftc_decref(qtype);
    if (q == NULL)
        return NULL;
    int64_t n = ftc_list_len(fs);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *f = NULL;
        if (ftc_list_get_ref(fs, i, &f) != 0 || f == NULL)
            continue;
        struct notify_cb *cb = ftc_mem_alloc(sizeof *cb);
        if (cb == NULL) {
            ftc_decref(f);
            ftc_decref(q);
            return fp_err_nomem();
        }
        cb->queue = q;
        cb->future = f; /* the list's reference passes to the callback */
        ftc_incref(q);
        if (ftc_future_add_done_callback(F(f)->fut, notify_done, cb) < 0) {
            ftc_decref(q);
            ftc_decref(f);
            ftc_mem_free(cb);
            ftc_decref(q);
            return fp_err_nomem();
        }
    }
    return q;
}

/* fs as a list of Futures (TypeError for anything else in it). */
static ftc_object *futures_list(ftc_object *fs)
{
    ftc_object *l = fp_sequence_list(fs);
    if (l == NULL)
        return NULL;
    int64_t n = ftc_list_len(l);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *f = NULL;
        if (ftc_list_get_ref(l, i, &f) == 0 && f != NULL) {
            bool ok = fp_isinstance_type(f, &future_type);
            ftc_decref(f);
            if (!ok) {
                fp_err_set(&fp_TypeError_type, "expected a Future, got %s", fp_type_name(f));
                ftc_decref(l);
                return NULL;
            }
        }
    }
    return l;
}

/* Takes one completion from q, waiting at most t (< 0 forever). The future, or NULL: timed out
 * (no exception) or an error (exception set). */
static ftc_object *take_completion(ftc_object *q, double t)
{
    ftc_object *a[2] = {fp_True, NULL};
    size_t n = 1;
    if (t >= 0) {
        if ((a[1] = fp_float_new(t)) == NULL)
            return NULL;
        n = 2;
    }
    ftc_object *f = fp_call_method(q, fp_intern("get"), a, n, NULL);
    if (a[1] != NULL)
        ftc_decref(a[1]);
    if (f == NULL) {
        if (fp_err_matches(&fp_mod_Empty_type))
            fp_err_clear();
    }
    return f;
}

typedef struct as_completed_object {
    FTC_OBJECT_HEAD;
    ftc_object *queue;
    int64_t left, total;
    bool timed;
    double deadline;
} as_completed_object;

static void as_completed_dealloc(ftc_object *o)
{
    as_completed_object *a = (as_completed_object *)o;
    if (a->queue != NULL)
        ftc_decref(a->queue);
}

static ftc_object *as_completed_next(ftc_object *o)
{
    as_completed_object *a = (as_completed_object *)o;
    if (a->left <= 0)
        return NULL;
    double t = -1;
    if (a->timed) {
        t = a->deadline - ftc_monotonic();
        if (t < 0)
            t = 0;
    }
    ftc_object *f = take_completion(a->queue, t);
    if (f == NULL) {
        if (!fp_err_occurred())
            fp_err_set(&fp_TimeoutError_type, "%lld (of %lld) futures unfinished",
                       (long long)a->left, (long long)a->total);
        a->left = 0;
        return NULL;
    }
    a->left--;
    return f;
}

static fp_type as_completed_type = {
    FP_TYPE_HEAD,
    .ct = {"generator", sizeof(as_completed_object), as_completed_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .iter = map_iter_iter,
    .next = as_completed_next,
};

static ftc_object *mod_as_completed(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"fs", "timeout", NULL};
    ftc_object *a[2];
    double t;
    if (fp_parse_args("as_completed", args, nargs, kwnames, kwlist, 1, 2, a) < 0 ||
        fp_mod_timeout_arg(a[1], &t) < 0)
        return NULL;
    bool timed = a[1] != NULL && a[1] != fp_None;
    double deadline = timed ? ftc_monotonic() + t : 0;
    ftc_object *fs = futures_list(a[0]);
    if (fs == NULL)
        return NULL;
    int64_t n = ftc_list_len(fs);
    ftc_object *q = completion_queue(fs);
    ftc_decref(fs);
    if (q == NULL)
        return NULL;
    as_completed_object *it = (as_completed_object *)ftc_object_new(&as_completed_type.ct);
    if (it == NULL) {
        ftc_decref(q);
        return fp_err_nomem();
    }
    it->queue = q;
    it->left = it->total = n;
    it->timed = timed;
    it->deadline = deadline;
    return &it->ob_base;
}

/* Whether f finished with an exception (not cancelled). */
static bool raised(ftc_object *f)
{
    return ftc_future_state(F(f)->fut) == FTC_FUTURE_FINISHED &&
           ftc_atomic_load_acquire(&F(f)->exc) != NULL;
}

static ftc_object *mod_wait(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"fs", "timeout", "return_when", NULL};
    ftc_object *a[3];
    double t;
    if (fp_parse_args("wait", args, nargs, kwnames, kwlist, 1, 3, a) < 0 ||
        fp_mod_timeout_arg(a[1], &t) < 0)
        return NULL;
    int when = 2; /* 0 FIRST_COMPLETED, 1 FIRST_EXCEPTION, 2 ALL_COMPLETED */
    if (a[2] != NULL) {
        const char *w = fp_str_check(a[2]) ? fp_str_data(a[2]) : "";
        if (strcmp(w, "FIRST_COMPLETED") == 0)
            when = 0;
        else if (strcmp(w, "FIRST_EXCEPTION") == 0)
            when = 1;
        else if (strcmp(w, "ALL_COMPLETED") != 0) {
            fp_err_set(&fp_ValueError_type, "Invalid return condition: %s", w);
            return NULL;
        }
    }
    bool timed = a[1] != NULL && a[1] != fp_None;
    double deadline = timed ? ftc_monotonic() + t : 0;
    ftc_object *fs = futures_list(a[0]);
    if (fs == NULL)
        return NULL;
    int64_t n = ftc_list_len(fs);
    ftc_object *q = completion_queue(fs);
    if (q == NULL) {
        ftc_decref(fs);
        return NULL;
    }
    int64_t done = 0;
    bool stop = n == 0;
    while (!stop) {
        double left = -1;
        if (timed) {
            left = deadline - ftc_monotonic();
            if (left < 0)
                left = 0;
        }
        ftc_object *f = take_completion(q, left);
        if (f == NULL) {
            if (fp_err_occurred()) {
                ftc_decref(q);
                ftc_decref(fs);
                return NULL;
            }
            break; /* timed out */
        }
        done++;
        stop = done == n || when == 0 || (when == 1 && raised(f));
        ftc_decref(f);
    }
    ftc_decref(q);
    ftc_object *dset = fp_set_new(), *nset = fp_set_new();
    for (int64_t i = 0; dset != NULL && nset != NULL && i < n; i++) {
        ftc_object *f = NULL;
        if (ftc_list_get_ref(fs, i, &f) != 0 || f == NULL)
            continue;
        int rc = fp_set_add(ftc_future_done(F(f)->fut) == 1 ? dset : nset, f);
        ftc_decref(f);
        if (rc < 0)
            break;
    }
    ftc_decref(fs);
    ftc_object *r = NULL;
    if (dset != NULL && nset != NULL && !fp_err_occurred())
        r = fp_tuple_pack(2, dset, nset);
    if (dset != NULL)
        ftc_decref(dset);
    if (nset != NULL)
        ftc_decref(nset);
    return r;
}

static const fp_method_def futures_functions[] = {
    {"as_completed", mod_as_completed, 0},
    {"wait", mod_wait, 0},
    {NULL, NULL, 0},
};

int fp_mod_futures_init(ftc_object *m)
{
    if (fp_mod_threading_prepare() < 0) /* the adopted workers' Thread objects */
        return -1;
    if (fp_type_ready(&map_iter_type) < 0 || fp_type_ready(&as_completed_type) < 0)
        return -1;
    fp_type *types[] = {&future_type, &executor_type, &error_type, &cancelled_error_type,
                        &invalid_state_error_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    if (fp_module_add_functions(m, futures_functions) < 0 ||
        fp_module_add(m, "TimeoutError", FP_TYPE_OBJ(&fp_TimeoutError_type)) < 0)
        return -1;
    const char *consts[] = {"FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"};
    for (size_t i = 0; i < 3; i++)
        if (fp_module_add(m, consts[i], fp_intern(consts[i])) < 0)
            return -1;
    return 0;
}
