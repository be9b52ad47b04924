/* The queue module: Queue (FIFO, optionally bounded), LifoQueue, SimpleQueue, and the Empty
 * and Full exceptions, with CPython 3.11's methods, arguments and messages; and the private
 * completion queue concurrent.futures' as_completed and wait take finished futures from.
 *
 * Queue and SimpleQueue are ftcore queues (include/ftcore/queue.h): a thread-safe FIFO of
 * references with blocking put/get (timeouts on the monotonic clock, the thread state detached
 * while it sleeps, an asynchronous exception ending the wait having changed nothing) and the
 * unfinished-task count behind task_done and join. Each put and each get is one atomic step of
 * the core queue, which is what makes exact counts possible in the stress programs; every item
 * put is returned by exactly one get. ftcore's codes map to Python: FTC_EFULL/FTC_ETIMEDOUT on
 * put -> Full, FTC_EEMPTY/FTC_ETIMEDOUT on get -> Empty, FTC_ESTATE from task_done ->
 * ValueError "task_done() called too many times". In the nogil build an ftcore queue is a hot
 * object, freed by the hot-object collection (or at exit) after its last reference went away;
 * so is the Python queue object around it (queue_make), which every producer and consumer
 * takes a reference to for each put and get.
 *
 * LifoQueue (the core queue is FIFO only) and the completion queue are a ring buffer of
 * references guarded by an ftcore Lock (`mutex`), with three ftcore Conditions on that lock as
 * in CPython's queue.py: not_empty (getters wait on it), not_full (putters of a bounded queue),
 * all_tasks_done (join). The buffer and the counters are read and written with mutex held;
 * mutex is held only for a few pointer moves and the buffer's growth (an allocation, which does
 * not block), never across a call into Python code, and references are dropped after it is
 * released. Acquiring mutex and waiting on a condition detach like the core queue's waits. A
 * timed get/put computes one deadline and re-waits for the time left after each wake-up that
 * found the queue still empty (full), as queue.py does.
 *
 * Arguments: a negative timeout is ValueError "'timeout' must be a non-negative number";
 * block=False never waits; SimpleQueue has no task_done or join, as in CPython.
 */
#include "mod_threading.h"

#include <string.h>

enum { KIND_FIFO = 0, KIND_LIFO = 1, KIND_SIMPLE = 2, KIND_COMPLETION = 3 };

typedef struct queue_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;  /* instance attributes (subclasses) */
    ftc_object *fq;    /* the ftcore queue of a Queue or SimpleQueue */
    ftc_object *mutex; /* ftcore Lock (LifoQueue, completion queue) */
    ftc_object *not_empty, *not_full, *all_tasks_done; /* ftcore Conditions on mutex */
    ftc_object **buf;                                  /* mutex: ring buffer of references */
    size_t cap, head, n;                               /* mutex */
    int64_t unfinished;                                /* mutex */
    int64_t maxsize;                                   /* immutable; <= 0: unbounded */
    int kind;                                          /* immutable */
} queue_object;

#define Q(o) ((queue_object *)(o))

fp_type fp_mod_Empty_type = {
    FP_TYPE_HEAD,
    .ct = {"Empty", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &fp_Exception_type,
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .module = "_queue",
};

fp_type fp_mod_Full_type = {
    FP_TYPE_HEAD,
    .ct = {"Full", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &fp_Exception_type,
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .module = "queue",
};

/* ---- the buffer (mutex held) ---- */

static int buf_push(queue_object *q, ftc_object *item)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 8;
        ftc_object **nb = ftc_mem_alloc(cap * sizeof *nb);
        if (nb == NULL)
            return -1;
        for (size_t i = 0; i < q->n; i++)
            nb[i] = q->buf[(q->head + i) % q->cap];
        ftc_mem_free(q->buf);
        q->buf = nb;
        q->cap = cap;
        q->head = 0;
    }
    ftc_incref(item);
    q->buf[(q->head + q->n) % q->cap] = item;
    q->n++;
    return 0;
}

/* Takes the next item (FIFO: oldest; LIFO: newest); the reference passes to the caller. */
static ftc_object *buf_pop(queue_object *q)
{
    ftc_object *item;
    if (q->kind == KIND_LIFO) {
        item = q->buf[(q->head + q->n - 1) % q->cap];
    } else {
        item = q->buf[q->head];
        q->head = (q->head + 1) % q->cap;
    }
    q->n--;
    return item;
}

/* ---- construction ---- */

static void queue_dealloc(ftc_object *o)
{
    queue_object *q = Q(o);
    for (size_t i = 0; i < q->n; i++)
        ftc_decref(q->buf[(q->head + i) % q->cap]);
    ftc_mem_free(q->buf);
    ftc_object *refs[] = {q->dict, q->fq, q->not_empty, q->not_full, q->all_tasks_done, q->mutex};
    for (size_t i = 0; i < sizeof refs / sizeof refs[0]; i++)
        if (refs[i] != NULL)
            ftc_decref(refs[i]);
}

/* The ring buffer's items (LifoQueue, the completion queue; the world is stopped, so no thread
 * is between taking the mutex and releasing it: nothing in there ticks or blocks). The items
 * of a Queue or SimpleQueue live in the ftcore queue (fq), which the collector cannot see into:
 * they count as referenced from outside. */
static int queue_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    queue_object *q = Q(o);
    FP_VISIT(ftc_atomic_load_relaxed(&q->dict));
    for (size_t i = 0; i < q->n; i++)
        FP_VISIT(q->buf[(q->head + i) % q->cap]);
    FP_VISIT(q->fq);
    FP_VISIT(q->mutex);
    FP_VISIT(q->not_empty);
    FP_VISIT(q->not_full);
    FP_VISIT(q->all_tasks_done);
    return 0;
}

static int queue_clear(ftc_object *o)
{
    queue_object *q = Q(o);
    fp_clear_slot(&q->dict);
    /* a garbage queue has no waiter, no other user: the buffer is ours */
    while (q->n > 0) {
        ftc_object *v = q->buf[q->head];
        q->buf[q->head] = NULL;
        q->head = (q->head + 1) % q->cap;
        q->n--;
        ftc_decref(v);
    }
    return 0;
}

static ftc_object *queue_make(fp_type *type, int kind, int64_t maxsize)
{
    queue_object *q = (queue_object *)ftc_object_new(&type->ct);
    if (q == NULL)
        return fp_err_nomem();
    /* Hot (per-thread counts): a queue exists to be used by several threads, each of which
     * takes a reference to it for every put and get (a closure cell's or a global's load), so
     * as an ordinary object every put and get was an atomic add and CAS on one shared count
     * (the pipeline benchmark: 3 per item). ENOMEM leaves it ordinary, which is only slower. */
    (void)ftc_object_set_hot(&q->ob_base);
    q->kind = kind;
    q->maxsize = maxsize;
    if (kind == KIND_FIFO || kind == KIND_SIMPLE) {
        if ((q->fq = ftc_queue_new(maxsize)) == NULL) {
            ftc_decref(&q->ob_base);
            return fp_err_nomem();
        }
        return &q->ob_base;
    }
    q->mutex = ftc_lock_new();
    if (q->mutex != NULL) {
        q->not_empty = ftc_condition_new(q->mutex);
        q->not_full = ftc_condition_new(q->mutex);
        q->all_tasks_done = ftc_condition_new(q->mutex);
    }
    if (q->mutex == NULL || q->not_empty == NULL || q->not_full == NULL ||
        q->all_tasks_done == NULL) {
        ftc_decref(&q->ob_base);
        return fp_err_nomem();
    }
    return &q->ob_base;
}

static ftc_object *bounded_new(fp_type *type, const char *fname, int kind, ftc_object *const *args,
                               size_t nargs, ftc_object *kwnames)
{
    static const char *const kwlist[] = {"maxsize", NULL};
    ftc_object *a[1];
    int64_t maxsize;
    if (fp_parse_args(fname, args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_int_arg(a[0], 0, &maxsize) < 0)
        return NULL;
    return queue_make(type, kind, maxsize);
}

static ftc_object *fifo_new(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    return bounded_new(type, "Queue", KIND_FIFO, args, nargs, kwnames);
}

static ftc_object *lifo_new(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    return bounded_new(type, "LifoQueue", KIND_LIFO, args, nargs, kwnames);
}

static ftc_object *simple_new(fp_type *type, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("SimpleQueue", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return queue_make(type, KIND_SIMPLE, 0);
}

/* ---- locking ---- */

static int q_lock(queue_object *q)
{
    int rc = ftc_lock_acquire(q->mutex, -1);
    return rc < 0 ? fp_mod_raise_code(rc) : 0;
}

static void q_unlock(queue_object *q) { ftc_lock_release(q->mutex); /* held by us: cannot fail */ }

/* block and timeout as get/put take them: *wait < 0 forever (or no waiting when !block).
 * 0 or -1 with ValueError. */
static int block_args(ftc_object *block_obj, ftc_object *timeout_obj, int *block, bool *timed,
                      double *timeout)
{
    *block = 1;
    if (block_obj != NULL && (*block = fp_truthy(block_obj)) < 0)
        return -1;
    *timed = false;
    *timeout = -1;
    if (*block && timeout_obj != NULL && timeout_obj != fp_None) {
        double t;
        if (fp_float_check(timeout_obj)) {
            t = fp_float_value(timeout_obj);
        } else if (fp_int_like(timeout_obj)) {
            t = (double)fp_int_like_value(timeout_obj);
        } else {
            fp_err_set(&fp_TypeError_type,
                       "'<' not supported between instances of '%s' and "
                       "'int'",
                       fp_type_name(timeout_obj));
            return -1;
        }
        if (!(t >= 0)) {
            fp_err_set(&fp_ValueError_type, "'timeout' must be a non-negative number");
            return -1;
        }
        *timed = true;
        *timeout = t;
    }
    return 0;
}

/* Waits on cond (mutex held) until ready(q) or the deadline. 1 ready, 0 timed out / would
 * block, -1 error (mutex still held in every case). */
static int wait_until(queue_object *q, ftc_object *cond, bool (*ready)(queue_object *), int block,
                      bool timed, double deadline)
{
    while (!ready(q)) {
        if (!block)
            return 0;
        double wait = -1;
        if (timed) {
            wait = deadline - ftc_monotonic();
            if (wait <= 0)
                return 0;
        }
        int rc = ftc_condition_wait(cond, wait);
        if (rc < 0 && rc != FTC_ETIMEDOUT) {
            fp_mod_raise_code(rc);
            return -1;
        }
    }
    return 1;
}

static bool has_item(queue_object *q) { return q->n > 0; }
static bool has_room(queue_object *q) { return q->maxsize <= 0 || (int64_t)q->n < q->maxsize; }

static ftc_object *q_put(queue_object *q, ftc_object *item, ftc_object *block_obj,
                         ftc_object *timeout_obj)
{
    int block;
    bool timed;
    double timeout;
    if (block_args(block_obj, timeout_obj, &block, &timed, &timeout) < 0)
        return NULL;
    if (q->fq != NULL) {
        int rc = ftc_queue_put(q->fq, item, !block ? 0 : timed ? timeout : -1);
        if (rc == 0)
            return fp_None;
        if (rc == FTC_EFULL || rc == FTC_ETIMEDOUT)
            fp_err_set_obj(&fp_mod_Full_type, NULL);
        else
            fp_mod_raise_code(rc);
        return NULL;
    }
    double deadline = timed ? ftc_monotonic() + timeout : 0;
    if (q_lock(q) < 0)
        return NULL;
    int ok = wait_until(q, q->not_full, has_room, block, timed, deadline);
    if (ok == 1 && buf_push(q, item) < 0) {
        fp_err_nomem();
        ok = -1;
    }
    if (ok == 1) {
        if (q->kind != KIND_COMPLETION)
            q->unfinished++;
        ftc_condition_notify(q->not_empty, 1);
    }
    q_unlock(q);
    if (ok == 0)
        fp_err_set_obj(&fp_mod_Full_type, NULL);
    return ok == 1 ? fp_None : NULL;
}

static ftc_object *q_get(queue_object *q, ftc_object *block_obj, ftc_object *timeout_obj)
{
    int block;
    bool timed;
    double timeout;
    if (block_args(block_obj, timeout_obj, &block, &timed, &timeout) < 0)
        return NULL;
    ftc_object *item = NULL;
    if (q->fq != NULL) {
        int rc = ftc_queue_get(q->fq, &item, !block ? 0 : timed ? timeout : -1);
        if (rc == 0)
            return item;
        if (rc == FTC_EEMPTY || rc == FTC_ETIMEDOUT)
            fp_err_set_obj(&fp_mod_Empty_type, NULL);
        else
            fp_mod_raise_code(rc);
        return NULL;
    }
    double deadline = timed ? ftc_monotonic() + timeout : 0;
    if (q_lock(q) < 0)
        return NULL;
    int ok = wait_until(q, q->not_empty, has_item, block, timed, deadline);
    if (ok == 1) {
        item = buf_pop(q);
        if (q->maxsize > 0)
            ftc_condition_notify(q->not_full, 1);
    }
    q_unlock(q);
    if (ok == 0)
        fp_err_set_obj(&fp_mod_Empty_type, NULL);
    return item;
}

/* ---- methods ---- */

static ftc_object *queue_put(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    static const char *const kwlist[] = {"item", "block", "timeout", NULL};
    ftc_object *a[3];
    if (fp_parse_args("put", args, nargs, kwnames, kwlist, 1, 3, a) < 0)
        return NULL;
    return q_put(Q(self), a[0], a[1], a[2]);
}

static ftc_object *queue_put_nowait(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    static const char *const kwlist[] = {"item", NULL};
    ftc_object *a[1];
    if (fp_parse_args("put_nowait", args, nargs, kwnames, kwlist, 1, 1, a) < 0)
        return NULL;
    return q_put(Q(self), a[0], fp_False, NULL);
}

static ftc_object *queue_get(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    static const char *const kwlist[] = {"block", "timeout", NULL};
    ftc_object *a[2];
    if (fp_parse_args("get", args, nargs, kwnames, kwlist, 0, 2, a) < 0)
        return NULL;
    return q_get(Q(self), a[0], a[1]);
}

static ftc_object *queue_get_nowait(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("get_nowait", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return q_get(Q(self), fp_False, NULL);
}

static ftc_object *queue_task_done(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("task_done", nargs, kwnames, 0, 0) < 0)
        return NULL;
    queue_object *q = Q(self);
    if (q->fq != NULL) {
        int rc = ftc_queue_task_done(q->fq);
        if (rc == FTC_ESTATE) {
            fp_err_set(&fp_ValueError_type, "task_done() called too many times");
            return NULL;
        }
        return fp_mod_none_result(rc);
    }
    if (q_lock(q) < 0)
        return NULL;
    bool too_many = q->unfinished <= 0;
    if (!too_many && --q->unfinished == 0)
        ftc_condition_notify_all(q->all_tasks_done);
    q_unlock(q);
    if (too_many) {
        fp_err_set(&fp_ValueError_type, "task_done() called too many times");
        return NULL;
    }
    return fp_None;
}

static ftc_object *queue_join(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("join", nargs, kwnames, 0, 0) < 0)
        return NULL;
    queue_object *q = Q(self);
    if (q->fq != NULL)
        return fp_mod_none_result(ftc_queue_join(q->fq, -1));
    if (q_lock(q) < 0)
        return NULL;
    int rc = 0;
    while (q->unfinished > 0 && rc == 0) {
        rc = ftc_condition_wait(q->all_tasks_done, -1);
        if (rc == FTC_ETIMEDOUT)
            rc = 0;
    }
    q_unlock(q);
    return fp_mod_none_result(rc);
}

/* A snapshot of the item count. -1 with the exception set. */
static int64_t queue_count(queue_object *q)
{
    if (q->fq != NULL) {
        int64_t n = ftc_queue_len(q->fq);
        return n < 0 ? fp_mod_raise_code((int)n) : n;
    }
    if (q_lock(q) < 0)
        return -1;
    int64_t n = (int64_t)q->n;
    q_unlock(q);
    return n;
}

/* qsize(), empty() and full(): no arguments, then the count. -1 with the exception set. */
static int64_t queue_count_method(const char *fname, ftc_object *self, size_t nargs,
                                  ftc_object *kwnames)
{
    if (fp_check_args(fname, nargs, kwnames, 0, 0) < 0)
        return -1;
    return queue_count(Q(self));
}

static ftc_object *queue_qsize(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    int64_t n = queue_count_method("qsize", self, nargs, kwnames);
    return n < 0 ? NULL : fp_int_new(n);
}

static ftc_object *queue_empty(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    int64_t n = queue_count_method("empty", self, nargs, kwnames);
    return n < 0 ? NULL : fp_bool(n == 0);
}

static ftc_object *queue_full(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    int64_t n = queue_count_method("full", self, nargs, kwnames);
    if (n < 0)
        return NULL;
    return fp_bool(Q(self)->maxsize > 0 && n >= Q(self)->maxsize);
}

static ftc_object *queue_get_maxsize(ftc_object *self) { return fp_int_new(Q(self)->maxsize); }

static const fp_method_def queue_methods[] = {
    {"put", queue_put, 0},
    {"put_nowait", queue_put_nowait, 0},
    {"get", queue_get, 0},
    {"get_nowait", queue_get_nowait, 0},
    {"task_done", queue_task_done, 0},
    {"join", queue_join, 0},
    {"qsize", queue_qsize, 0},
    {"empty", queue_empty, 0},
    {"full", queue_full, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def queue_getsets[] = {
    {"maxsize", queue_get_maxsize, NULL},
    {NULL, NULL, NULL},
};

static const fp_method_def simple_methods[] = {
    {"put", queue_put, 0},     {"put_nowait", queue_put_nowait, 0},
    {"get", queue_get, 0},     {"get_nowait", queue_get_nowait, 0},
    {"qsize", queue_qsize, 0}, {"empty", queue_empty, 0},
    {NULL, NULL, 0},
};

static fp_type queue_type = {
    FP_TYPE_HEAD,
    .ct = {"Queue", sizeof(queue_object), queue_dealloc, NULL, NULL, queue_traverse, queue_clear},
    .base = &fp_object_type,
    .module = "queue",
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(queue_object, dict),
    .new_ = fifo_new,
    .methods = queue_methods,
    .getsets = queue_getsets,
};

static fp_type lifo_queue_type = {
    FP_TYPE_HEAD,
    .ct = {"LifoQueue", sizeof(queue_object), queue_dealloc, NULL, NULL, queue_traverse,
           queue_clear},
    .base = &queue_type,
    .module = "queue",
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(queue_object, dict),
    .new_ = lifo_new,
};

static fp_type simple_queue_type = {
    FP_TYPE_HEAD,
    .ct = {"SimpleQueue", sizeof(queue_object), queue_dealloc, NULL, NULL, queue_traverse,
           queue_clear},
    .base = &fp_object_type,
    .module = "_queue",
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(queue_object, dict),
    .new_ = simple_new,
    .methods = simple_methods,
};

/* ---- the completion queue (mod_futures.c) ---- */

static fp_type completion_queue_type = {
    FP_TYPE_HEAD,
    .ct = {"_CompletionQueue", sizeof(queue_object), queue_dealloc, NULL, NULL, queue_traverse,
           queue_clear},
    .base = &fp_object_type,
};

int fp_mod_completion_queue_ready(void) { return fp_type_ready(&completion_queue_type); }

ftc_object *fp_mod_completion_queue_new(void)
{
    return queue_make(&completion_queue_type, KIND_COMPLETION, 0);
}

int fp_mod_completion_put(ftc_object *q, ftc_object *item)
{
    ftc_object *r = q_put(Q(q), item, NULL, NULL);
    return r == NULL ? -1 : 0;
}

ftc_object *fp_mod_completion_get(ftc_object *q, double timeout)
{
    queue_object *cq = Q(q);
    double deadline = timeout >= 0 ? ftc_monotonic() + timeout : 0;
    if (q_lock(cq) < 0)
        return NULL;
    ftc_object *item = NULL;
    if (wait_until(cq, cq->not_empty, has_item, 1, timeout >= 0, deadline) == 1)
        item = buf_pop(cq);
    q_unlock(cq);
    return item;
}

int fp_mod_queue_init(ftc_object *m)
{
    fp_type *types[] = {&queue_type, &lifo_queue_type, &simple_queue_type, &fp_mod_Empty_type,
                        &fp_mod_Full_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    return 0;
}
