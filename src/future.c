/* Future (concurrent.futures.Future): the outcome of one task.
 *
 * States: PENDING -> RUNNING -> FINISHED, or PENDING -> CANCELLED. Every transition happens
 * under the future's one-byte ftc_mutex `mu`, wakes every waiter, and (on reaching a done
 * state) detaches the callback list under mu and runs it after dropping mu; so each callback
 * runs exactly once, in the thread that made the future done, never under a lock. A callback
 * added after that finds the future done under mu and runs at once in its caller.
 *
 * The state is also an atomic, so done()/running()/cancelled() read it without mu (acquire:
 * pairs with the release store of the transition, so a thread that sees FINISHED and then
 * calls result() with timeout 0 finds the result). result() waits on the queue like any other
 * primitive here: detached, with a timeout, interruptible by an async exception.
 *
 * The cycle collector (docs/internals/gc.md). A future is tracked: traverse visits its result
 * (a reference it holds once FINISHED) and the object of every pending callback added with
 * ftc_future_add_done_callback_obj (a reference the future holds from the add until the
 * callback has run); clear drops them. A plain callback's argument is an opaque pointer,
 * invisible to the collector (a VM that keeps an object there sees it counted as referenced
 * from outside, so a cycle through it leaks: the reason the object form exists). traverse runs
 * with the world stopped and takes mu, which is safe for the reason queue.c gives: mu is a leaf
 * lock never held across a tick, a detach or a sleep, so no stopped thread holds it. clear runs
 * with the world running, on an unreachable future (no waiter: a waiter holds a reference);
 * under mu it takes the result out and unlinks the object callbacks (which then never run, as
 * CPython's collected Future never calls its callbacks), and drops them without mu, since a
 * dealloc may run any code. The state stays as it was, with no result. The plain callbacks
 * stay in the list: their arguments are the VM's to manage, and dealloc frees their nodes.
 *
 * An object callback runs at most once: its node is on the list (where traverse sees it and
 * clear may take it) or, after set_done detached the list under mu, owned by the thread that
 * runs it, never both. That thread holds the node's reference while the callback runs and
 * drops it after, so an object is counted, and reachable from outside, until its callback
 * has returned.
 */
#include "internal/sync.h"

struct cb_node {
    struct cb_node *next;
    ftc_future_cb fn;         /* a plain callback, or NULL */
    void *arg;                /* its argument */
    ftc_future_obj_cb obj_fn; /* an object callback (fn NULL) */
    ftc_object *obj;          /* its object: a reference the node holds */
};

/* Frees a node that will not run, dropping its object's reference. */
static void drop_node(struct cb_node *n)
{
    ftc_object *o = n->obj;
    ftc_mem_free(n);
    ftc_xdecref(o);
}

typedef struct future_obj {
    FTC_OBJECT_HEAD;
    ftc_mutex mu;
    _ftc_waitq q;                    /* mu */
    int state;                       /* atomic; changed under mu */
    int code;                        /* mu: the task's error (FINISHED), 0 on success */
    ftc_object *result;              /* mu: a reference (FINISHED, code 0), may be NULL */
    struct cb_node *cbs, **cbs_tail; /* mu: callbacks in order of addition */
} future_obj;

static void future_dealloc(ftc_object *self)
{
    future_obj *f = (future_obj *)self;
    ftc_assert(_ftc_waitq_empty(&f->q));
    ftc_xdecref(f->result);
    f->result = NULL;
    struct cb_node *n = f->cbs;
    f->cbs = NULL;
    f->cbs_tail = &f->cbs;
    for (struct cb_node *next; n; n = next) {
        next = n->next;
        drop_node(n);
    }
}

/* The world is stopped (top of the file). */
static int future_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    future_obj *f = (future_obj *)self;
    _ftc_mu_lock(&f->mu);
    ftc_object *r = f->result;
    int rc = r ? visit(r, arg) : 0;
    for (struct cb_node *n = f->cbs; n && rc == 0; n = n->next)
        if (n->obj)
            rc = visit(n->obj, arg);
    ftc_mutex_unlock(&f->mu);
    return rc;
}

static int future_clear(ftc_object *self)
{
    future_obj *f = (future_obj *)self;
    struct cb_node *taken = NULL, **tail = &taken;
    _ftc_mu_lock(&f->mu);
    ftc_object *r = f->result;
    f->result = NULL;
    /* Unlink the object callbacks, keeping the plain ones in order. */
    struct cb_node **p = &f->cbs;
    while (*p) {
        struct cb_node *n = *p;
        if (n->obj) {
            *p = n->next;
            n->next = NULL;
            *tail = n;
            tail = &n->next;
        } else {
            p = &n->next;
        }
    }
    f->cbs_tail = p;
    ftc_mutex_unlock(&f->mu);
    ftc_xdecref(r);
    for (struct cb_node *next; taken; taken = next) {
        next = taken->next;
        drop_node(taken);
    }
    return 0;
}

const ftc_type ftc_future_type = {
    .name = "Future",
    .basicsize = sizeof(future_obj),
    .dealloc = future_dealloc,
    .traverse = future_traverse,
    .clear = future_clear,
};

static int future_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_future_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_future_new(void)
{
    ftc_object *o = ftc_object_new(&ftc_future_type); /* zero: PENDING, no callbacks */
    if (o) {
        future_obj *f = (future_obj *)o;
        f->cbs_tail = &f->cbs;
    }
    return o;
}

static int get_state(future_obj *f)
{
    /* acquire: pairs with the release store in set_done / set_running. */
    return ftc_atomic_load_acquire(&f->state);
}

static bool is_done(int s) { return s == FTC_FUTURE_CANCELLED || s == FTC_FUTURE_FINISHED; }

int ftc_future_state(ftc_object *future)
{
    int rc = future_check(future);
    return rc ? rc : get_state((future_obj *)future);
}

int ftc_future_done(ftc_object *future)
{
    int rc = future_check(future);
    return rc ? rc : is_done(get_state((future_obj *)future));
}

int ftc_future_running(ftc_object *future)
{
    int rc = future_check(future);
    return rc ? rc : get_state((future_obj *)future) == FTC_FUTURE_RUNNING;
}

int ftc_future_cancelled(ftc_object *future)
{
    int rc = future_check(future);
    return rc ? rc : get_state((future_obj *)future) == FTC_FUTURE_CANCELLED;
}

/* mu held, the future not done: moves it to a done state, wakes waiters and returns the
 * callback list for the caller to run (run_callbacks) after dropping mu. */
static struct cb_node *set_done(future_obj *f, int state)
{
    ftc_atomic_store_release(&f->state, state); /* release: see get_state */
    _ftc_waitq_wake(&f->q, SIZE_MAX);
    struct cb_node *cbs = f->cbs;
    f->cbs = NULL;
    f->cbs_tail = &f->cbs;
    return cbs;
}

static void run_callbacks(ftc_object *future, struct cb_node *n)
{
    while (n) {
        struct cb_node *next = n->next;
        if (n->fn) {
            n->fn(future, n->arg);
            ftc_mem_free(n);
        } else {
            n->obj_fn(future, n->obj);
            drop_node(n); /* the object was counted until its callback returned */
        }
        n = next;
    }
}

int ftc_future_cancel(ftc_object *future)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    future_obj *f = (future_obj *)future;
    _ftc_mu_lock(&f->mu);
    int s = ftc_atomic_load_relaxed(&f->state); /* relaxed: under mu, which orders changes */
    if (s == FTC_FUTURE_RUNNING || s == FTC_FUTURE_FINISHED) {
        ftc_mutex_unlock(&f->mu);
        return 0;
    }
    if (s == FTC_FUTURE_CANCELLED) {
        ftc_mutex_unlock(&f->mu);
        return 1;
    }
    struct cb_node *cbs = set_done(f, FTC_FUTURE_CANCELLED);
    ftc_mutex_unlock(&f->mu);
    run_callbacks(future, cbs);
    return 1;
}

int ftc_future_set_running_or_notify_cancel(ftc_object *future)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    future_obj *f = (future_obj *)future;
    _ftc_mu_lock(&f->mu);
    int s = ftc_atomic_load_relaxed(&f->state); /* relaxed: under mu */
    if (s == FTC_FUTURE_PENDING) {
        ftc_atomic_store_release(&f->state, (int)FTC_FUTURE_RUNNING); /* release: get_state */
        rc = 1;
    } else {
        rc = s == FTC_FUTURE_CANCELLED ? 0 : FTC_ESTATE;
    }
    ftc_mutex_unlock(&f->mu);
    return rc;
}

/* Finishes with code/result; steals the reference to result. */
static int finish(future_obj *f, int code, ftc_object *result)
{
    _ftc_mu_lock(&f->mu);
    if (is_done(ftc_atomic_load_relaxed(&f->state))) { /* relaxed: under mu */
        ftc_mutex_unlock(&f->mu);
        ftc_xdecref(result);
        return FTC_ESTATE;
    }
    f->code = code;
    f->result = result;
    struct cb_node *cbs = set_done(f, FTC_FUTURE_FINISHED);
    ftc_mutex_unlock(&f->mu);
    run_callbacks((ftc_object *)f, cbs);
    return 0;
}

int _ftc_future_finish(ftc_object *future, int code, ftc_object *result)
{
    return finish((future_obj *)future, code, result);
}

int ftc_future_set_result(ftc_object *future, ftc_object *result)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    if (result)
        ftc_incref(result);
    return finish((future_obj *)future, 0, result);
}

int ftc_future_set_error(ftc_object *future, int code)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    if (code >= 0)
        return FTC_EINVAL;
    return finish((future_obj *)future, code, NULL);
}

/* Waits until done; mu held on entry and on return unless an error is returned. */
static int wait_done_locked(future_obj *f, double timeout)
{
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err) {
        ftc_mutex_unlock(&f->mu);
        return err;
    }
    while (!is_done(ftc_atomic_load_relaxed(&f->state))) { /* relaxed: under mu */
        if (timeout == 0) {
            ftc_mutex_unlock(&f->mu);
            return FTC_ETIMEDOUT;
        }
        int r = _ftc_waitq_wait(&f->q, &f->mu, deadline, FTC_SYNC_INTERRUPTIBLE);
        if (is_done(ftc_atomic_load_relaxed(&f->state)))
            break;
        if (r == FTC_W_TIMEDOUT) {
            ftc_mutex_unlock(&f->mu);
            return FTC_ETIMEDOUT;
        }
        if (r == FTC_W_INTERRUPTED) {
            ftc_mutex_unlock(&f->mu);
            int code = _ftc_sync_take_interrupt();
            if (code < 0)
                return code;
            _ftc_mu_lock(&f->mu);
        }
    }
    return 0;
}

int ftc_future_wait(ftc_object *future, double timeout)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    future_obj *f = (future_obj *)future;
    if (timeout != timeout)
        return FTC_EINVAL; /* NaN */
    if (is_done(get_state(f)))
        return 0;
    _ftc_mu_lock(&f->mu);
    rc = wait_done_locked(f, timeout);
    if (rc == 0)
        ftc_mutex_unlock(&f->mu);
    return rc;
}

int ftc_future_result(ftc_object *future, double timeout, ftc_object **out)
{
    if (out == NULL)
        return FTC_EINVAL;
    *out = NULL;
    int rc = future_check(future);
    if (rc)
        return rc;
    future_obj *f = (future_obj *)future;
    _ftc_mu_lock(&f->mu);
    rc = wait_done_locked(f, timeout);
    if (rc)
        return rc;
    if (ftc_atomic_load_relaxed(&f->state) == FTC_FUTURE_CANCELLED) { /* relaxed: under mu */
        rc = FTC_ECANCELLED;
    } else if (f->code < 0) {
        rc = f->code;
    } else if (f->result) {
        ftc_incref(f->result);
        *out = f->result;
    }
    ftc_mutex_unlock(&f->mu);
    return rc;
}

/* Appends n (its fields set) or, when the future is done already, runs it now. */
static int add_node(ftc_object *future, struct cb_node *n)
{
    future_obj *f = (future_obj *)future;
    n->next = NULL;
    _ftc_mu_lock(&f->mu);
    if (!is_done(ftc_atomic_load_relaxed(&f->state))) { /* relaxed: under mu */
        *f->cbs_tail = n;
        f->cbs_tail = &n->next;
        ftc_mutex_unlock(&f->mu);
        return 0;
    }
    ftc_mutex_unlock(&f->mu);
    run_callbacks(future, n);
    return 0;
}

int ftc_future_add_done_callback(ftc_object *future, ftc_future_cb cb, void *arg)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    if (cb == NULL)
        return FTC_EINVAL;
    struct cb_node *n = ftc_mem_calloc(1, sizeof *n);
    if (n == NULL)
        return FTC_ENOMEM;
    n->fn = cb;
    n->arg = arg;
    return add_node(future, n);
}

int ftc_future_add_done_callback_obj(ftc_object *future, ftc_future_obj_cb cb, ftc_object *obj)
{
    int rc = future_check(future);
    if (rc)
        return rc;
    if (cb == NULL || obj == NULL)
        return FTC_EINVAL;
    struct cb_node *n = ftc_mem_calloc(1, sizeof *n);
    if (n == NULL)
        return FTC_ENOMEM;
    n->obj_fn = cb;
    ftc_incref(obj);
    n->obj = obj;
    return add_node(future, n);
}
