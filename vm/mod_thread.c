/* threading.Thread (and the _MainThread and _DummyThread types of the threads threading did not
 * start; see mod_threading.c).
 *
 * A Thread is an ftcore thread (ftc_thread_start: its own attached thread state) running
 * thread_main, which gives the thread an fp thread state, records the Thread object as the
 * thread's current one, calls self.run() (so subclasses that override run work), and on an
 * uncaught exception prints "Exception in thread NAME:" and the traceback to stderr, as
 * CPython's default threading.excepthook does (SystemExit ends the thread silently), then
 * ends the thread; the program goes on. start() returns once the new thread is running, so
 * ident and native_id are set when it returns, as in CPython. A started Thread is in the
 * registry (mod_threading.c) from start() until its run() has returned.
 *
 * Names: "Thread-N" from one process-wide counter that only unnamed Threads advance, with
 * " (target.__name__)" appended when there is a target (CPython 3.10+).
 *
 * Thread safety (the nogil build runs Python threads in parallel, with no VM lock):
 *   - the object pointers a Thread holds that Python may replace or clear (name, target,
 *     args, kwargs) are read and written inside a critical section on the Thread object, so a
 *     reader never uses a reference another thread is dropping; references are dropped after
 *     the section ends, since a dealloc may run arbitrary code;
 *   - the lifecycle word (state), ident, native_id and daemon are atomics. state moves
 *     INITIAL -> STARTING (one compare-exchange: a second start() gets "threads can only be
 *     started once") -> STARTED (stored with release by the new thread before it sets the
 *     `started` event) -> STOPPED (release, after run() returned); readers load with acquire;
 *   - the handle is stored with release by the starter after ftc_thread_start returns and
 *     loaded with acquire by joiners; a joiner that finds it NULL (the main, adopted and dummy
 *     threads, or a start still in progress) waits for the thread's `finished` event instead.
 * In the GIL build critical sections compile to nothing and the GIL orders the rest.
 */
#include "mod_threading.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

static uint64_t thread_counter;             /* atomic: Thread-N */
static ftc_mutex print_mu = FTC_MUTEX_INIT; /* one exception report at a time */

/* ---- field access under the object's critical section ---- */

static ftc_object *get_field(thread_object *t, ftc_object **field)
{
    ftc_object *v;
    FTC_BEGIN_CRITICAL_SECTION(&t->ob_base);
    v = *field;
    if (v != NULL)
        ftc_incref(v);
    FTC_END_CRITICAL_SECTION();
    return v;
}

/* Stores v (a new reference, stolen; NULL clears) and drops the old value outside. */
static void set_field(thread_object *t, ftc_object **field, ftc_object *v)
{
    ftc_object *old;
    FTC_BEGIN_CRITICAL_SECTION(&t->ob_base);
    old = *field;
    *field = v;
    FTC_END_CRITICAL_SECTION();
    if (old != NULL)
        ftc_decref(old);
}

/* ---- the object ---- */

static void thread_dealloc(ftc_object *o)
{
    thread_object *t = THREAD(o);
    ftc_object **fields[] = {&t->dict, &t->name, &t->target, &t->args, &t->kwargs};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (*fields[i] != NULL)
            ftc_decref(*fields[i]);
    if (t->handle != NULL)
        ftc_thread_release(t->handle);
}

/* A running thread's object is held by the registry (and its own thread state), so it is never
 * garbage; a finished one can be (a worker object whose Thread's target is its bound method). */
static int thread_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    thread_object *t = THREAD(o);
    FP_VISIT(ftc_atomic_load_relaxed(&t->dict)); /* made on first use by a CAS */
    FP_VISIT(t->name);
    FP_VISIT(t->target);
    FP_VISIT(t->args);
    FP_VISIT(t->kwargs);
    return 0;
}

static int thread_clear(ftc_object *o)
{
    thread_object *t = THREAD(o);
    fp_clear_slot(&t->dict);
    fp_clear_slot(&t->target);
    fp_clear_slot(&t->args);
    fp_clear_slot(&t->kwargs);
    return 0;
}

static ftc_object *thread_new(fp_type *type, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    return o;
}


/* target.__name__ if it has one (a new reference), else NULL with no exception. */
static ftc_object *target_name(ftc_object *target)
{
    ftc_object *n = fp_getattr_opt(target, fp_intern("__name__"));
    if (n == NULL)
        fp_err_clear();
    return n;
}

/* Thread.__init__ with its arguments parsed: a[] = group, target, name, args, kwargs, daemon
 * (each NULL when not given). suffix: an unnamed thread's name gets " (target.__name__)". */
static int thread_setup(thread_object *t, ftc_object *const *a, bool suffix)
{
    if (ftc_atomic_load_acquire(&t->state) != ST_INITIAL) {
        fp_err_set(&fp_RuntimeError_type, "cannot re-initialize a started thread");
        return -1;
    }
    if (a[0] != NULL && a[0] != fp_None) {
        fp_err_set(&fp_AssertionError_type, "group argument must be None for now");
        return -1;
    }
    ftc_object *target = a[1] != NULL && a[1] != fp_None ? a[1] : NULL;
    ftc_object *name = NULL, *targs = NULL, *tkw = NULL;
    if (a[2] != NULL && a[2] != fp_None) {
        name = fp_str(a[2]);
    } else {
        uint64_t n = ftc_atomic_fetch_add(&thread_counter, 1) + 1;
        ftc_object *tn = target && suffix ? target_name(target) : NULL;
        if (tn != NULL && fp_str_check(tn))
            name = fp_str_from_fmt("Thread-%llu (%s)", (unsigned long long)n, fp_str_data(tn));
        else
            name = fp_str_from_fmt("Thread-%llu", (unsigned long long)n);
        if (tn != NULL)
            ftc_decref(tn);
    }
    if (name == NULL)
        return -1;
    targs = a[3] != NULL ? fp_sequence_tuple(a[3]) : fp_tuple_new(0);
    if (targs == NULL)
        goto fail;
    if (a[4] != NULL && a[4] != fp_None) {
        tkw = a[4];
        ftc_incref(tkw);
    }
    int daemon;
    if (a[5] != NULL && a[5] != fp_None) {
        if ((daemon = fp_truthy(a[5])) < 0)
            goto fail;
    } else {
        ftc_object *cur = fp_mod_current_thread();
        if (cur == NULL)
            goto fail;
        daemon = ftc_atomic_load_relaxed(&THREAD(cur)->daemon);
        ftc_decref(cur);
    }
    if (target != NULL)
        ftc_incref(target);
    set_field(t, &t->name, name);
    set_field(t, &t->target, target);
    set_field(t, &t->args, targs);
    set_field(t, &t->kwargs, tkw);
    ftc_atomic_store_relaxed(&t->daemon, daemon);
    ftc_atomic_store_release(&t->initialized, 1);
    return 0;
fail:
    ftc_decref(name);
    if (targs != NULL)
        ftc_decref(targs);
    if (tkw != NULL)
        ftc_decref(tkw);
    return -1;
}

static int thread_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    static const char *const kwlist[] = {"group",  "target", "name", "args",
                                         "kwargs", "daemon", NULL};
    ftc_object *a[6];
    if (fp_parse_args("Thread", args, nargs, kwnames, kwlist, 0, 5, a) < 0)
        return -1;
    return thread_setup(THREAD(self), a, true);
}

static ftc_object *thread_init_method(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    if (thread_init(self, args, nargs, kwnames) < 0)
        return NULL;
    return fp_None;
}

static int check_initialized(thread_object *t)
{
    if (!ftc_atomic_load_acquire(&t->initialized)) {
        fp_err_set(&fp_RuntimeError_type, "thread.__init__() not called");
        return -1;
    }
    return 0;
}

/* Prints what CPython's default threading.excepthook prints for exc, uncaught in t. */
static void report_exception(thread_object *t, ftc_object *exc)
{
    ftc_object *name = get_field(t, &t->name);
    ftc_mutex_lock(&print_mu);
    fp_stdout_flush();
    char line[512];
    int n =
        snprintf(line, sizeof line, "Exception in thread %s:\n", name ? fp_str_data(name) : "?");
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        FTC_BEGIN_ALLOW_THREADS
        ssize_t w = write(2, line, len);
        (void)w;
        FTC_END_ALLOW_THREADS
    }
    fp_exc_print(exc);
    ftc_mutex_unlock(&print_mu);
    if (name != NULL)
        ftc_decref(name);
}

static void thread_main(void *arg)
{
    thread_object *t = arg;
    bool entered = fp_thread_enter() == 0;
    if (entered) {
        ftc_tls_set(fp_mod_cur_key, t);
        ftc_atomic_store_relaxed(&t->ident, ftc_thread_ident());
        ftc_atomic_store_relaxed(&t->native_id, ftc_thread_native_id());
    }
    /* release: pairs with the acquire loads of state (is_alive, join, repr). */
    ftc_atomic_store_release(&t->state, ST_STARTED);
    ftc_event_set(&t->started);
    if (entered) {
        ftc_object *r = fp_call_method(&t->ob_base, fp_intern("run"), NULL, 0, NULL);
        if (r != NULL) {
            ftc_decref(r);
        } else {
            ftc_object *exc = fp_err_fetch();
            if (exc != NULL && !fp_isinstance_type(exc, &fp_SystemExit_type))
                report_exception(t, exc);
            if (exc != NULL)
                ftc_decref(exc);
        }
    }
    ftc_atomic_store_release(&t->state, ST_STOPPED);
    fp_mod_registry_remove(t);
    ftc_event_set(&t->finished);
    if (entered)
        ftc_tls_set(fp_mod_cur_key, NULL);
    ftc_decref(&t->ob_base);
    if (entered)
        fp_thread_exit();
}

static ftc_object *thread_start(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("start", nargs, kwnames, 0, 0) < 0)
        return NULL;
    thread_object *t = THREAD(self);
    if (check_initialized(t) < 0)
        return NULL;
    int expected = ST_INITIAL;
    if (!ftc_atomic_cas(&t->state, &expected, ST_STARTING)) {
        fp_err_set(&fp_RuntimeError_type, "threads can only be started once");
        return NULL;
    }
    if (fp_mod_registry_add(t) < 0) {
        ftc_atomic_store_release(&t->state, ST_INITIAL);
        return NULL;
    }
    ftc_object *name = get_field(t, &t->name);
    ftc_thread_opts opts = {.name = name ? fp_str_data(name) : NULL,
                            .daemon = ftc_atomic_load_relaxed(&t->daemon),
                            .stack_size = 0};
    ftc_incref(self); /* the new thread's reference, dropped by thread_main */
    ftc_thread *h = NULL;
    int rc = ftc_thread_start(&h, thread_main, t, &opts);
    if (name != NULL)
        ftc_decref(name);
    if (rc < 0) {
        ftc_decref(self);
        fp_mod_registry_remove(t);
        ftc_atomic_store_release(&t->state, ST_INITIAL);
        if (rc == FTC_ENOMEM)
            return fp_err_nomem();
        fp_err_set(&fp_RuntimeError_type, "can't start new thread");
        return NULL;
    }
    /* release: pairs with the acquire loads in join and the exit join. */
    ftc_atomic_store_release(&t->handle, h);
    ftc_event_wait(&t->started, -1); /* detached while parked */
    return fp_None;
}

static ftc_object *thread_run(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("run", nargs, kwnames, 0, 0) < 0)
        return NULL;
    thread_object *t = THREAD(self);
    ftc_object *target = get_field(t, &t->target);
    ftc_object *r = fp_None;
    if (target != NULL) {
        ftc_object *targs = get_field(t, &t->args);
        ftc_object *tkw = get_field(t, &t->kwargs);
        r = fp_call_tuple_dict(target, targs, tkw);
        if (r != NULL) {
            ftc_decref(r); /* run() returns None whatever the target returned */
            r = fp_None;
        }
        ftc_decref(target);
        if (targs != NULL)
            ftc_decref(targs);
        if (tkw != NULL)
            ftc_decref(tkw);
    }
    /* As CPython: drop the target and its arguments once run (they may form cycles). */
    set_field(t, &t->target, NULL);
    set_field(t, &t->args, NULL);
    set_field(t, &t->kwargs, NULL);
    return r;
}

static ftc_object *thread_join(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    double timeout;
    if (fp_parse_args("join", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_timeout_arg(a[0], &timeout) < 0)
        return NULL;
    thread_object *t = THREAD(self);
    if (check_initialized(t) < 0)
        return NULL;
    if (ftc_atomic_load_acquire(&t->state) == ST_INITIAL) {
        fp_err_set(&fp_RuntimeError_type, "cannot join thread before it is started");
        return NULL;
    }
    if (ftc_tls_get(fp_mod_cur_key) == t ||
        (t == fp_mod_main_thread && ftc_tls_get(fp_mod_cur_key) == NULL &&
         ftc_thread_ident() == ftc_atomic_load_relaxed(&t->ident))) {
        fp_err_set(&fp_RuntimeError_type, "cannot join current thread");
        return NULL;
    }
    ftc_event_wait(&t->started, -1); /* a start() in progress in another thread */
    /* acquire: pairs with start's release store. NULL for the main, adopted and dummy
     * threads, and for a thread whose starter has not stored it yet: then the thread's
     * `finished` event is the join. */
    ftc_thread *h = ftc_atomic_load_acquire(&t->handle);
    if (h != NULL) {
        int rc = ftc_thread_join(h, timeout);
        if (rc == FTC_EDEADLK) {
            fp_err_set(&fp_RuntimeError_type, "cannot join current thread");
            return NULL;
        }
        if (rc < 0 && rc != FTC_ETIMEDOUT)
            return fp_mod_raise_code(rc), NULL;
    } else {
        ftc_event_wait(&t->finished, timeout);
    }
    int tick = ftc_eval_tick(); /* an asynchronous exception that arrived meanwhile */
    if (tick < 0)
        return fp_mod_raise_code(tick), NULL;
    return fp_None;
}

static ftc_object *thread_is_alive(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("is_alive", nargs, kwnames, 0, 0) < 0)
        return NULL;
    thread_object *t = THREAD(self);
    if (check_initialized(t) < 0)
        return NULL;
    return fp_bool(ftc_atomic_load_acquire(&t->state) == ST_STARTED);
}

static ftc_object *thread_get_name(ftc_object *self)
{
    thread_object *t = THREAD(self);
    ftc_object *n = get_field(t, &t->name);
    if (n == NULL) {
        fp_err_set(&fp_RuntimeError_type, "thread.__init__() not called");
        return NULL;
    }
    return n;
}

static int thread_set_name(ftc_object *self, ftc_object *v)
{
    if (v == NULL) {
        fp_err_set(&fp_AttributeError_type, "can't delete attribute");
        return -1;
    }
    ftc_object *s = fp_str(v);
    if (s == NULL)
        return -1;
    set_field(THREAD(self), &THREAD(self)->name, s);
    return 0;
}

static ftc_object *id_or_none(uint64_t v) { return v == 0 ? fp_None : fp_int_new((int64_t)v); }

static ftc_object *thread_get_ident(ftc_object *self)
{
    return id_or_none(ftc_atomic_load_relaxed(&THREAD(self)->ident));
}

static ftc_object *thread_get_native_id(ftc_object *self)
{
    return id_or_none(ftc_atomic_load_relaxed(&THREAD(self)->native_id));
}

static ftc_object *thread_get_daemon(ftc_object *self)
{
    return fp_bool(ftc_atomic_load_relaxed(&THREAD(self)->daemon) != 0);
}

static int thread_set_daemon(ftc_object *self, ftc_object *v)
{
    thread_object *t = THREAD(self);
    if (v == NULL) {
        fp_err_set(&fp_AttributeError_type, "can't delete attribute");
        return -1;
    }
    if (check_initialized(t) < 0)
        return -1;
    if (ftc_atomic_load_acquire(&t->state) != ST_INITIAL) {
        fp_err_set(&fp_RuntimeError_type, "cannot set daemon status of active thread");
        return -1;
    }
    int d = fp_truthy(v);
    if (d < 0)
        return -1;
    ftc_atomic_store_relaxed(&t->daemon, d);
    return 0;
}

static ftc_object *thread_getName(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("getName", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return thread_get_name(self);
}

static ftc_object *thread_setName(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    if (fp_check_args("setName", nargs, kwnames, 1, 1) < 0 || thread_set_name(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *thread_isDaemon(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("isDaemon", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return thread_get_daemon(self);
}

static ftc_object *thread_setDaemon(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    if (fp_check_args("setDaemon", nargs, kwnames, 1, 1) < 0 ||
        thread_set_daemon(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *thread_repr(ftc_object *self)
{
    thread_object *t = THREAD(self);
    ftc_object *name = get_field(t, &t->name);
    int st = ftc_atomic_load_acquire(&t->state);
    const char *status = st == ST_STOPPED ? "stopped" : st >= ST_STARTED ? "started" : "initial";
    uint64_t ident = ftc_atomic_load_relaxed(&t->ident);
    char idbuf[32] = "";
    if (ident != 0)
        snprintf(idbuf, sizeof idbuf, " %llu", (unsigned long long)ident);
    ftc_object *r =
        fp_str_from_fmt("<%s(%s, %s%s%s)>", fp_type_name(self), name ? fp_str_data(name) : "?",
                        status, ftc_atomic_load_relaxed(&t->daemon) ? " daemon" : "", idbuf);
    if (name != NULL)
        ftc_decref(name);
    return r;
}

static const fp_method_def thread_methods[] = {
    {"__init__", thread_init_method, 0},
    {"start", thread_start, 0},
    {"run", thread_run, 0},
    {"join", thread_join, 0},
    {"is_alive", thread_is_alive, 0},
    {"getName", thread_getName, 0},
    {"setName", thread_setName, 0},
    {"isDaemon", thread_isDaemon, 0},
    {"setDaemon", thread_setDaemon, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def thread_getsets[] = {
    {"name", thread_get_name, thread_set_name},
    {"ident", thread_get_ident, NULL},
    {"native_id", thread_get_native_id, NULL},
    {"daemon", thread_get_daemon, thread_set_daemon},
    {NULL, NULL, NULL},
};

fp_type fp_mod_thread_type = {
    FP_TYPE_HEAD,
    .ct = {"Thread", sizeof(thread_object), thread_dealloc, NULL, NULL, thread_traverse,
           thread_clear},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(thread_object, dict),
    .repr = thread_repr,
    .new_ = thread_new,
    .init = thread_init,
    .methods = thread_methods,
    .getsets = thread_getsets,
};

fp_type fp_mod_main_thread_type = {
    FP_TYPE_HEAD,
    .ct = {"_MainThread", sizeof(thread_object), thread_dealloc, NULL, NULL, thread_traverse,
           thread_clear},
    .module = "threading",
    .base = &fp_mod_thread_type,
    .flags = FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(thread_object, dict),
};

fp_type fp_mod_dummy_thread_type = {
    FP_TYPE_HEAD,
    .ct = {"_DummyThread", sizeof(thread_object), thread_dealloc, NULL, NULL, thread_traverse,
           thread_clear},
    .module = "threading",
    .base = &fp_mod_thread_type,
    .flags = FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(thread_object, dict),
};

/* ---- Timer ----
 * threading.Timer(interval, function, args=None, kwargs=None): a Thread whose run() waits
 * interval seconds on a private event, then calls function(*args, **kwargs) unless cancel()
 * set the event first; named "Thread-N" like a Thread without a target (CPython). */

typedef struct timer_object {
    thread_object base;
    double interval;
    ftc_object *cancelled; /* ftcore Event, set by cancel() and after the call */
} timer_object;

static void timer_dealloc(ftc_object *o)
{
    timer_object *tm = (timer_object *)o;
    if (tm->cancelled != NULL)
        ftc_decref(tm->cancelled);
    thread_dealloc(o);
}

static int timer_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((timer_object *)o)->cancelled);
    return thread_traverse(o, visit, arg);
}

static int timer_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    static const char *const kwlist[] = {"interval", "function", "args", "kwargs", NULL};
    ftc_object *a[4];
    if (fp_parse_args("Timer", args, nargs, kwnames, kwlist, 2, 4, a) < 0)
        return -1;
    timer_object *tm = (timer_object *)self;
    if (fp_float_check(a[0])) {
        tm->interval = fp_float_value(a[0]);
    } else if (fp_int_like(a[0])) {
        tm->interval = (double)fp_int_like_value(a[0]);
    } else {
        fp_err_set(&fp_TypeError_type, "must be real number, not %s", fp_type_name(a[0]));
        return -1;
    }
    if (tm->cancelled == NULL && (tm->cancelled = ftc_sync_event_new()) == NULL) {
        fp_err_nomem();
        return -1;
    }
    ftc_object *setup[6] = {
        NULL, a[1], NULL, a[2] != fp_None ? a[2] : NULL, a[3] != fp_None ? a[3] : NULL, NULL};
    return thread_setup(&tm->base, setup, false);
}

static ftc_object *timer_run(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    timer_object *tm = (timer_object *)self;
    int rc = ftc_sync_event_wait(tm->cancelled, tm->interval < 0 ? 0 : tm->interval);
    if (rc < 0 && rc != FTC_ETIMEDOUT)
        return fp_mod_raise_code(rc), NULL;
    ftc_object *r = fp_None;
    if (ftc_sync_event_is_set(tm->cancelled) != 1)
        r = thread_run(self, args, nargs, kwnames);
    ftc_sync_event_set(tm->cancelled);
    return r;
}

static ftc_object *timer_cancel(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("cancel", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_sync_event_set(((timer_object *)self)->cancelled);
    return fp_None;
}

static ftc_object *timer_init_method(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    if (timer_init(self, args, nargs, kwnames) < 0)
        return NULL;
    return fp_None;
}

static const fp_method_def timer_methods[] = {
    {"__init__", timer_init_method, 0},
    {"run", timer_run, 0},
    {"cancel", timer_cancel, 0},
    {NULL, NULL, 0},
};

fp_type fp_mod_timer_type = {
    FP_TYPE_HEAD,
    .ct = {"Timer", sizeof(timer_object), timer_dealloc, NULL, NULL, timer_traverse, thread_clear},
    .module = "threading",
    .base = &fp_mod_thread_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(thread_object, dict),
    .init = timer_init,
    .methods = timer_methods,
};
