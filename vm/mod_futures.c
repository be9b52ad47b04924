/* concurrent.futures: Future, as_completed, wait, and the module's exceptions, on ftcore's
 * futures (include/ftcore/pool.h); ThreadPoolExecutor is in mod_executor.c.
 *
 * Future: a Python object around an ftcore future, which holds the state (pending, running,
 * cancelled, finished), the result, the waiters and the done callbacks, all thread-safe. A call
 * that raised leaves its exception in the Python object (`exc`, stored with release before the
 * ftcore future finishes with FP_EEXC, whose finishing publishes it to every waiter) and
 * result() raises that same exception object in the caller, as CPython re-raises it. Waits
 * (result, exception, wait, as_completed) are ftcore's, detached while they sleep. A Future
 * made by Python code (Future()) is finished by set_result/set_exception; a second one is
 * InvalidStateError, as in CPython.
 *
 * as_completed and wait register a done callback on each future that puts it into a private
 * completion queue (mod_queue.c); the caller then takes completions from that queue with the time left, so
 * it sleeps detached and wakes on the first completion. Futures already done are delivered by
 * their callbacks at registration, in the calling thread. Done callbacks run in the thread
 * that finishes or cancels the future (a worker, or the caller if it is done already); one
 * that raises is reported on stderr and the others still run.
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
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
};

static fp_type cancelled_error_type = {
    FP_TYPE_HEAD,
    .ct = {"CancelledError", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &error_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
};

static fp_type invalid_state_error_type = {
    FP_TYPE_HEAD,
    .ct = {"InvalidStateError", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &error_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
};

/* ---- Future ---- */


static void future_dealloc(ftc_object *o)
{
    future_object *f = F(o);
    for (struct waiter_node *n = f->waiters, *next; n != NULL; n = next) {
        next = n->next;
        ftc_mem_free(n);
    }
    ftc_object *refs[] = {f->fut,         f->exc,      f->call_fn,  f->call_args,
                          f->call_kwargs, f->executor, f->callbacks};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        if (refs[i] != NULL)
            ftc_decref(refs[i]);
}

/* The result lives in the ftcore future (fut), whose own traverse visits it; the Python done
 * callbacks are this object's list (add_callback). A future still queued to a worker is
 * referenced by the pool's task, so never garbage. */
static int future_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    future_object *f = F(o);
    FP_VISIT(f->fut);
    FP_VISIT(ftc_atomic_load_relaxed(&f->exc));
    FP_VISIT(f->call_fn);
    FP_VISIT(f->call_args);
    FP_VISIT(f->call_kwargs);
    FP_VISIT(f->executor);
    FP_VISIT(f->callbacks);
    return 0;
}

static int future_clear(ftc_object *o)
{
    future_object *f = F(o);
    ftc_object *e = ftc_atomic_load_relaxed(&f->exc);
    ftc_atomic_store_relaxed(&f->exc, (ftc_object *)NULL);
    ftc_xdecref(e);
    fp_clear_slot(&f->call_fn);
    fp_clear_slot(&f->call_args);
    fp_clear_slot(&f->call_kwargs);
    fp_clear_slot(&f->executor);
    ftc_mutex_lock(&f->wmu);
    ftc_object *cbs = f->callbacks;
    f->callbacks = NULL;
    ftc_mutex_unlock(&f->wmu);
    ftc_xdecref(cbs); /* a collected future never calls them, as in CPython */
    return 0;
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
    if (f != NULL && fp_mod_future_track(f) < 0) {
        ftc_decref(&f->ob_base);
        return NULL;
    }
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

ftc_object *fp_mod_future_result(future_object *f, double t)
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
    return fp_mod_future_result(F(self), t);
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
    return fp_mod_bool_result(op(F(self)->fut));
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

/* Python done callbacks, as CPython's Future._done_callbacks: the Python Future holds them in
 * a list (`callbacks`, made at the first add), which its traverse visits and its clear drops,
 * so a cycle through a callback (fn closing over the future) is freed by the collector and a
 * collected future never calls them; and they stay in the list after they ran, so what they
 * refer to lives as long as the future, as in CPython. The list is not the ftcore future's
 * (ftc_future_add_done_callback_obj): a reference from the ftcore future back to this object
 * would put every future with a callback in a cycle, which reference counting could no longer
 * free. Appends happen under wmu while wdone is false; future_notify sets wdone under wmu and
 * then calls them, so each runs once, in the order added, in the thread that finishes or
 * cancels the future; one added after that runs at once in the caller. A callback's exception
 * is reported to stderr and dropped, as CPython logs it. */
static void call_py_callback(ftc_object *fn, future_object *f)
{
    ftc_object *r = fp_call1(fn, &f->ob_base);
    if (r != NULL) {
        ftc_decref(r);
    } else {
        ftc_object *exc = fp_err_fetch();
        if (exc != NULL) {
            fp_exc_print(exc);
            ftc_decref(exc);
        }
    }
}

/* Runs the callbacks (wdone set, so the list no longer changes but by a clear, which cannot
 * run: the finishing thread holds the future). */
static void run_py_callbacks(future_object *f, ftc_object *cbs)
{
    if (cbs == NULL)
        return;
    int64_t n = ftc_list_len(cbs);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *fn = NULL;
        if (ftc_list_get_ref(cbs, i, &fn) != 0 || fn == NULL)
            break;
        call_py_callback(fn, f);
        ftc_decref(fn);
    }
    ftc_decref(cbs);
}

static int add_callback(future_object *f, ftc_object *fn)
{
    ftc_mutex_lock(&f->wmu);
    if (!f->wdone) {
        if (f->callbacks == NULL)
            f->callbacks = fp_list_new();
        int rc = f->callbacks != NULL ? fp_list_append(f->callbacks, fn) : -1;
        ftc_mutex_unlock(&f->wmu);
        return rc;
    }
    ftc_mutex_unlock(&f->wmu);
    call_py_callback(fn, f);
    return 0;
}

static ftc_object *future_add_done_callback(ftc_object *self, ftc_object *const *args, size_t nargs,
                                            ftc_object *kwnames)
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
    return fp_mod_none_result(rc);
}

static ftc_object *future_set_exception(ftc_object *self, ftc_object *const *args, size_t nargs,
                                        ftc_object *kwnames)
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
    return fp_mod_none_result(rc);
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
    return fp_mod_bool_result(rc);
}

static ftc_object *future_repr(ftc_object *self)
{
    future_object *f = F(self);
    int st = ftc_future_state(f->fut);
    if (st == FTC_FUTURE_FINISHED) {
        ftc_object *out = NULL;
        int rc = ftc_future_result(f->fut, 0, &out);
        const char *what = rc == 0 ? "returned" : "raised";
        ftc_object *exc = ftc_atomic_load_acquire(&f->exc); /* as in raise_outcome */
        const char *tname = rc == 0 ? (out ? fp_type_name(out) : "NoneType")
                                    : (exc ? fp_type_name(exc) : "Exception");
        ftc_object *r =
            fp_str_from_fmt("<Future at %p state=finished %s %s>", (void *)f, what, tname);
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

fp_type fp_mod_future_type = {
    FP_TYPE_HEAD,
    .ct = {"Future", sizeof(future_object), future_dealloc, NULL, NULL, future_traverse,
           future_clear},
    .base = &fp_object_type,
    .module = "concurrent.futures._base",
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = future_repr,
    .new_ = future_new,
    .methods = future_methods,
};

/* ---- as_completed and wait ---- */

/* Waiters (as_completed, wait): each registers a node holding its completion queue on every
 * future it waits for; the future's own done callback (future_notify, registered when the
 * future is made, so that it runs while the future object is alive) puts the future into the
 * queue of every node, under the future's wmu. A node added after the future is done is served
 * at once, under wmu too, so no completion is missed. The waiter removes its nodes when it is
 * finished (as CPython removes its waiters), so a future that never finishes keeps nothing. */
static void future_notify(ftc_object *fut, void *arg)
{
    (void)fut;
    future_object *f = arg;
    ftc_mutex_lock(&f->wmu);
    f->wdone = true;
    for (struct waiter_node *n = f->waiters; n != NULL; n = n->next)
        if (fp_mod_completion_put(n->queue, &f->ob_base) < 0)
            fp_err_clear(); /* MemoryError only: that waiter times out or waits on */
    ftc_object *cbs = f->callbacks;
    if (cbs != NULL)
        ftc_incref(cbs);
    ftc_mutex_unlock(&f->wmu);
    run_py_callbacks(f, cbs); /* after the waiters, as CPython's set_result does */
}

int fp_mod_future_track(future_object *f)
{
    int rc = ftc_future_add_done_callback(f->fut, future_notify, f);
    return rc < 0 ? fp_mod_raise_code(rc) : 0;
}

/* Stops q receiving the completions of the first n futures of fs. */
static void waiters_remove(ftc_object *fs, int64_t n, ftc_object *q)
{
    for (int64_t i = 0; i < n; i++) {
        ftc_object *o = NULL;
        if (ftc_list_get_ref(fs, i, &o) != 0 || o == NULL)
            continue;
        future_object *f = F(o);
        struct waiter_node *dead = NULL;
        ftc_mutex_lock(&f->wmu);
        for (struct waiter_node **p = &f->waiters; *p != NULL; p = &(*p)->next) {
            if ((*p)->queue == q) {
                dead = *p;
                *p = dead->next;
                break;
            }
        }
        ftc_mutex_unlock(&f->wmu);
        ftc_mem_free(dead);
        ftc_decref(o);
    }
}

/* A completion queue receiving every future of fs (a list of Futures) once done. */
static ftc_object *completion_queue(ftc_object *fs)
{
    ftc_object *q = fp_mod_completion_queue_new();
    if (q == NULL)
        return NULL;
    int64_t n = ftc_list_len(fs);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *o = NULL;
        if (ftc_list_get_ref(fs, i, &o) != 0 || o == NULL)
            continue;
        future_object *f = F(o);
        struct waiter_node *node = ftc_mem_alloc(sizeof *node);
        int rc = 0;
        if (node == NULL) {
            rc = -1;
        } else {
            node->queue = q;
            ftc_mutex_lock(&f->wmu);
            if (f->wdone) {
                rc = fp_mod_completion_put(q, o);
                ftc_mem_free(node);
            } else {
                node->next = f->waiters;
                f->waiters = node;
            }
            ftc_mutex_unlock(&f->wmu);
        }
        ftc_decref(o);
        if (rc < 0) {
            waiters_remove(fs, i, q);
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
            bool ok = fp_isinstance_type(f, &fp_mod_future_type);
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
static ftc_object *take_completion(ftc_object *q, double t) { return fp_mod_completion_get(q, t); }

typedef struct as_completed_object {
    FTC_OBJECT_HEAD;
    ftc_object *fs; /* the futures its waiter nodes are on */
    ftc_object *queue;
    int64_t left, total;
    bool timed;
    double deadline;
} as_completed_object;

static void as_completed_dealloc(ftc_object *o)
{
    as_completed_object *a = (as_completed_object *)o;
    if (a->fs != NULL) {
        waiters_remove(a->fs, ftc_list_len(a->fs), a->queue);
        ftc_decref(a->fs);
    }
    if (a->queue != NULL)
        ftc_decref(a->queue);
}

static int as_completed_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((as_completed_object *)o)->fs);
    FP_VISIT(((as_completed_object *)o)->queue);
    return 0;
}

static ftc_object *as_completed_iter(ftc_object *o)
{
    ftc_incref(o);
    return o;
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
    .ct = {"generator", sizeof(as_completed_object), as_completed_dealloc, NULL, NULL,
           as_completed_traverse, NULL},
    .base = &fp_object_type,
    .iter = as_completed_iter,
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
    if (q == NULL) {
        ftc_decref(fs);
        return NULL;
    }
    as_completed_object *it = (as_completed_object *)ftc_object_new(&as_completed_type.ct);
    if (it == NULL) {
        waiters_remove(fs, n, q);
        ftc_decref(fs);
        ftc_decref(q);
        return fp_err_nomem();
    }
    it->fs = fs;
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
                waiters_remove(fs, n, q);
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
    waiters_remove(fs, n, q);
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
    if (fp_type_ready(&as_completed_type) < 0 || fp_mod_completion_queue_ready() < 0 ||
        fp_mod_executor_add(m) < 0)
        return -1;
    fp_type *types[] = {&fp_mod_future_type, &error_type, &cancelled_error_type,
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
