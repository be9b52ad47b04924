/* concurrent.futures.ThreadPoolExecutor on ftcore's thread pool (include/ftcore/pool.h).
 *
 * An executor is an ftcore pool (ftc_pool_new(max_workers)); submit(fn, *args, **kwargs)
 * creates the Python Future (mod_futures.c), then queues run_call on the pool with the Future
 * as its argument; the pool's own future for the task is the Future's ftcore future. The pool
 * holds a reference to the Python Future from submit until its ftcore future is done (the
 * object of its second done callback, dropped once that ran, after the task ran or when it was
 * cancelled), so a caller may drop the Future at once. Each worker thread gets an fp thread state and a
 * threading.Thread named "ThreadPoolExecutor-E_W" on its first task (fp_mod_thread_adopt),
 * released when the worker ends. map() submits every call first and returns an iterator
 * yielding the results in input order (a call's exception is raised when its item is reached;
 * the remaining calls are then cancelled, as CPython's generator does in its finally).
 *
 * Shutdown: shutdown(wait=True, cancel_futures=False) is ftc_pool_shutdown; `with` calls
 * shutdown(wait=True). Every pool is listed (pools_mu) until it is freed: an executor shut down
 * with wait frees its pool in its dealloc; one deallocated without that (from any thread, even
 * one of its own workers) only stops new work and is left to the at-exit function (registered
 * with threading's at-exit list, run before non-daemon threads are joined, as CPython's
 * _python_exit), which shuts every listed pool down with wait, so queued work still runs
 * before the interpreter exits, and frees the orphans.
 */
#include "mod_threading.h"

#include <stdio.h>
#include <string.h>

/* ---- the executor ---- */

typedef struct executor_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
    ftc_pool *pool;
    ftc_object *prefix; /* thread_name_prefix */
    uint64_t workers;   /* atomic: names handed out */
    int joined;         /* atomic: shutdown(wait=True) returned */
    int shut;           /* atomic: shutdown called */
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
static struct pool_entry *pools;  /* pools_mu */
static size_t pools_n, pools_cap; /* pools_mu */
static uint64_t executor_counter; /* atomic */
static int atexit_registered;     /* pools_mu */
static int interpreter_exiting;   /* atomic: the at-exit shutdown has run */

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

/* The pool's queued tasks hold their futures and callables inside ftcore's pool, which the
 * collector cannot see into: they count as referenced from outside. */
static int executor_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(ftc_atomic_load_relaxed(&E(o)->dict));
    FP_VISIT(E(o)->prefix);
    return 0;
}

static int executor_clear(ftc_object *o)
{
    fp_clear_slot(&E(o)->dict);
    return 0;
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

/* The second done callback of a submitted Future: its object is the pool's reference to the
 * Future, which the ftcore future holds until this callback ran and then drops
 * (ftc_future_add_done_callback_obj): a reference the collector sees, from the ftcore future,
 * which the pool's queued task references from outside. */
static void drop_pool_ref(ftc_object *fut, ftc_object *f)
{
    (void)fut;
    (void)f;
}

static ftc_object *shutdown_error(void)
{
    fp_err_set(&fp_RuntimeError_type, ftc_atomic_load_relaxed(&interpreter_exiting)
                                          ? "cannot schedule new futures after interpreter shutdown"
                                          : "cannot schedule new futures after shutdown");
    return NULL;
}

/* Submits fn(*targs, **tkw) (targs a tuple, stolen; tkw NULL or a dict, stolen). */
static future_object *submit_call(executor_object *e, ftc_object *fn, ftc_object *targs,
                                  ftc_object *tkw)
{
    future_object *f = (future_object *)ftc_object_new(&fp_mod_future_type.ct);
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
    ftc_incref(&f->ob_base); /* the pool's reference, handed to drop_pool_ref's node */
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
    /* The waiters' callback first: it runs while the pool's reference (dropped by the next
     * callback) keeps f alive. */
    if (fp_mod_future_track(f) < 0) {
        ftc_decref(&f->ob_base); /* the pool's reference stays: see below */
        return NULL;
    }
    rc = ftc_future_add_done_callback_obj(fut, drop_pool_ref, &f->ob_base);
    if (rc < 0) {
        /* Cannot happen short of memory: the reference stays with the pool (a leak of one
         * Future) rather than risk freeing it under a running task. */
        ftc_decref(&f->ob_base);
        return (future_object *)fp_err_nomem();
    }
    ftc_decref(&f->ob_base); /* the callback's node holds the pool's reference now */
    return f;
}

static ftc_object *executor_submit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    if (nargs < 1) {
        fp_err_set(&fp_TypeError_type, "submit() missing 1 required positional argument: 'fn'");
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
    ftc_object *futures; /* list of Futures; the owner thread's only */
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

static int map_iter_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((map_iter_object *)o)->futures);
    return 0;
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
    ftc_object *r = fp_mod_future_result(F(f), t);
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
    .ct = {"generator", sizeof(map_iter_object), map_iter_dealloc, NULL, NULL, map_iter_traverse,
           NULL},
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
    {"submit", executor_submit, 0},     {"map", executor_map, 0},
    {"shutdown", executor_shutdown, 0}, {"__enter__", executor_enter, 0},
    {"__exit__", executor_exit, 0},     {NULL, NULL, 0},
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
    .ct = {"ThreadPoolExecutor", sizeof(executor_object), executor_dealloc, NULL, NULL,
           executor_traverse, executor_clear},
    .base = &fp_object_type,
    .module = "concurrent.futures.thread",
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(executor_object, dict),
    .new_ = executor_new,
    .methods = executor_methods,
    .getsets = executor_getsets,
};

int fp_mod_executor_add(ftc_object *m)
{
    if (fp_type_ready(&map_iter_type) < 0)
        return -1;
    return fp_module_add_type(m, &executor_type);
}
