/* threading's other synchronization classes: Semaphore, BoundedSemaphore, Event, Barrier (with
 * BrokenBarrierError) and local, as thin Python objects around ftcore's primitives
 * (include/ftcore/sync.h and tls.h). The rules of mod_locks.c hold here too: one reference to
 * the primitive for the object's life, all state in the thread-safe primitive, every wait
 * ftcore's (detached, monotonic, interruptible by an asynchronous exception), CPython 3.11's
 * arguments and messages ("Semaphore released too many times", "n must be one or more").
 *
 * Barrier's action is a Python callable run by the last thread to arrive, before any leaves;
 * an exception it raises breaks the barrier and propagates in that thread, the others get
 * BrokenBarrierError (CPython's rule). The primitive keeps a plain pointer to the Barrier
 * object for the action: the object owns the primitive, so the primitive never outlives it.
 *
 * local: each thread sees its own attribute dict. The dicts are the values of an ftcore
 * thread-local object (ftc_local), so a thread's dict is released when that thread ends, or
 * when the local is deallocated. The thread that creates the local gets its dict at once; any
 * other thread gets an empty one on its first attribute access, and then, for a subclass,
 * __init__ runs in that thread with the constructor's arguments, as in CPython. Attribute
 * lookup is the generic one with the thread's dict as the instance dict: data descriptors of
 * the class first, then the dict, then other class attributes. A local is hot (nogil: each
 * thread counts its references to it privately; freed by the collector once unreferenced),
 * since every thread that uses it takes references to it.
 */
#include "mod_threading.h"

#include <string.h>

/* ---- Semaphore, BoundedSemaphore ---- */

static fp_type semaphore_type, bounded_semaphore_type;

static ftc_object *semaphore_make(fp_type *type, const char *fname, ftc_object *const *args,
                                  size_t nargs, ftc_object *kwnames, bool bounded)
{
    static const char *const kwlist[] = {"value", NULL};
    ftc_object *a[1];
    int64_t v;
    if (fp_parse_args(fname, args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_int_arg(a[0], 1, &v) < 0)
        return NULL;
    if (v < 0) {
        fp_err_set(&fp_ValueError_type, "semaphore initial value must be >= 0");
        return NULL;
    }
    return fp_mod_prim_wrap(type, bounded ? ftc_bounded_semaphore_new((uint64_t)v)
                                          : ftc_semaphore_new((uint64_t)v));
}

static ftc_object *semaphore_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    return semaphore_make(type, "Semaphore", args, nargs, kwnames, false);
}

static ftc_object *bounded_semaphore_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                         ftc_object *kwnames)
{
    return semaphore_make(type, "BoundedSemaphore", args, nargs, kwnames, true);
}

static ftc_object *semaphore_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    static const char *const kwlist[] = {"blocking", "timeout", NULL};
    ftc_object *a[2];
    if (fp_parse_args("acquire", args, nargs, kwnames, kwlist, 0, 2, a) < 0)
        return NULL;
    int blocking = 1;
    if (a[0] != NULL && (blocking = fp_truthy(a[0])) < 0)
        return NULL;
    bool has_timeout = a[1] != NULL && a[1] != fp_None;
    if (!blocking && has_timeout) {
        fp_err_set(&fp_ValueError_type, "can't specify timeout for non-blocking acquire");
        return NULL;
    }
    double t;
    if (fp_mod_timeout_arg(a[1], &t) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_semaphore_acquire(PRIM(self), blocking ? t : 0));
}

static ftc_object *semaphore_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_semaphore_acquire(PRIM(self), -1));
}

static ftc_object *semaphore_release_n(ftc_object *self, int64_t n)
{
    if (n < 1) {
        fp_err_set(&fp_ValueError_type, "n must be one or more");
        return NULL;
    }
    int rc = ftc_semaphore_release(PRIM(self), (uint64_t)n);
    if (rc == FTC_EINVAL) {
        fp_err_set(&fp_ValueError_type, "Semaphore released too many times");
        return NULL;
    }
    if (rc == FTC_EOVERFLOW) {
        fp_err_set(&fp_OverflowError_type, "semaphore value too large");
        return NULL;
    }
    return fp_mod_none_result(rc);
}

static ftc_object *semaphore_release(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    static const char *const kwlist[] = {"n", NULL};
    ftc_object *a[1];
    int64_t n;
    if (fp_parse_args("release", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_int_arg(a[0], 1, &n) < 0)
        return NULL;
    return semaphore_release_n(self, n);
}

static ftc_object *semaphore_exit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    return semaphore_release_n(self, 1);
}

static ftc_object *semaphore_value(ftc_object *self)
{
    int64_t v = ftc_semaphore_value(PRIM(self));
    if (v < 0)
        return fp_mod_raise_code((int)v), NULL;
    return fp_int_new(v);
}

static ftc_object *semaphore_repr(ftc_object *self)
{
    return fp_str_from_fmt("<threading.%s at %p: value=%lld>", fp_type_name(self), (void *)self,
                           (long long)ftc_semaphore_value(PRIM(self)));
}

static const fp_method_def semaphore_methods[] = {
    {"acquire", semaphore_acquire, 0},
    {"release", semaphore_release, 0},
    {"__enter__", semaphore_enter, 0},
    {"__exit__", semaphore_exit, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def semaphore_getsets[] = {
    {"_value", semaphore_value, NULL},
    {NULL, NULL, NULL},
};

static fp_type semaphore_type = {
    FP_TYPE_HEAD,
    .ct = {"Semaphore", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = semaphore_repr,
    .new_ = semaphore_new,
    .methods = semaphore_methods,
    .getsets = semaphore_getsets,
};

static fp_type bounded_semaphore_type = {
    FP_TYPE_HEAD,
    .ct = {"BoundedSemaphore", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "threading",
    .base = &semaphore_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = semaphore_repr,
    .new_ = bounded_semaphore_new,
};

/* ---- Event ---- */

static fp_type event_type;

static ftc_object *event_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_mod_no_args("Event", args, nargs, kwnames) == NULL)
        return NULL;
    return fp_mod_prim_wrap(type, ftc_sync_event_new());
}

static ftc_object *event_is_set(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("is_set", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_bool_result(ftc_sync_event_is_set(PRIM(self)));
}

static ftc_object *event_set(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("set", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_none_result(ftc_sync_event_set(PRIM(self)));
}

static ftc_object *event_clear(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_none_result(ftc_sync_event_clear(PRIM(self)));
}

static ftc_object *event_wait(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    double t;
    if (fp_parse_args("wait", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_timeout_arg(a[0], &t) < 0)
        return NULL;
    int rc = ftc_sync_event_wait(PRIM(self), t);
    if (rc == FTC_ETIMEDOUT) /* Python returns the flag as it is when the wait ends */
        return fp_bool(ftc_sync_event_is_set(PRIM(self)) == 1);
    return fp_mod_wait_result(rc);
}

static ftc_object *event_repr(ftc_object *self)
{
    return fp_str_from_fmt("<threading.Event at %p: %s>", (void *)self,
                           ftc_sync_event_is_set(PRIM(self)) == 1 ? "set" : "unset");
}

static const fp_method_def event_methods[] = {
    {"is_set", event_is_set, 0}, {"isSet", event_is_set, 0}, {"set", event_set, 0},
    {"clear", event_clear, 0},   {"wait", event_wait, 0},    {NULL, NULL, 0},
};

static fp_type event_type = {
    FP_TYPE_HEAD,
    .ct = {"Event", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = event_repr,
    .new_ = event_new,
    .methods = event_methods,
};

/* ---- Barrier ---- */

static fp_type barrier_type;

fp_type fp_mod_BrokenBarrierError_type = {
    FP_TYPE_HEAD,
    .ct = {"BrokenBarrierError", sizeof(fp_exc_object), NULL, NULL, NULL},
    .base = &fp_RuntimeError_type,
    .module = "threading",
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
};

typedef struct barrier_object {
    FTC_OBJECT_HEAD;
    ftc_object *prim;
    ftc_object *action; /* NULL or a callable */
} barrier_object;

static void barrier_dealloc(ftc_object *o)
{
    barrier_object *b = (barrier_object *)o;
    if (b->prim != NULL)
        ftc_decref(b->prim);
    if (b->action != NULL)
        ftc_decref(b->action);
}

static int barrier_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((barrier_object *)o)->prim);
    FP_VISIT(((barrier_object *)o)->action);
    return 0;
}

static int barrier_clear(ftc_object *o)
{
    fp_clear_slot(&((barrier_object *)o)->action);
    return 0;
}

/* Runs the Python action in the last thread to arrive; an exception breaks the barrier and
 * propagates in that thread (ftcore hands our FP_EEXC back to it). */
static int barrier_action(void *arg)
{
    barrier_object *b = arg;
    ftc_object *r = fp_call0(b->action);
    if (r == NULL)
        return FP_EEXC;
    ftc_decref(r);
    return 0;
}

static ftc_object *barrier_new(fp_type *type, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    static const char *const kwlist[] = {"parties", "action", "timeout", NULL};
    ftc_object *a[3];
    int64_t parties;
    if (fp_parse_args("Barrier", args, nargs, kwnames, kwlist, 1, 3, a) < 0 ||
        fp_mod_int_arg(a[0], 0, &parties) < 0)
        return NULL;
    if (parties < 1) {
        fp_err_set(&fp_ValueError_type, "parties must be > 0");
        return NULL;
    }
    double t;
    if (fp_mod_timeout_arg(a[2], &t) < 0)
        return NULL;
    barrier_object *b = (barrier_object *)ftc_object_new(&type->ct);
    if (b == NULL)
        return fp_err_nomem();
    if (a[1] != NULL && a[1] != fp_None) {
        b->action = a[1];
        ftc_incref(a[1]);
    }
    /* The primitive keeps a plain pointer to b for the action: b owns the primitive, so the
     * primitive never outlives it. */
    b->prim = ftc_barrier_new((size_t)parties, b->action ? barrier_action : NULL, b, t);
    if (b->prim == NULL) {
        ftc_decref(&b->ob_base);
        return fp_err_nomem();
    }
    return &b->ob_base;
}

static ftc_object *broken_error(void)
{
    fp_err_set_obj(&fp_mod_BrokenBarrierError_type, NULL);
    return NULL;
}

static ftc_object *barrier_wait(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    if (fp_parse_args("wait", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    barrier_object *b = (barrier_object *)self;
    int64_t rc;
    if (a[0] == NULL || a[0] == fp_None) {
        rc = ftc_barrier_wait_default(b->prim);
    } else {
        double t;
        if (fp_mod_timeout_arg(a[0], &t) < 0)
            return NULL;
        rc = ftc_barrier_wait(b->prim, t);
    }
    if (rc >= 0)
        return fp_int_new(rc);
    if (rc == FTC_EBROKEN)
        return broken_error();
    if (rc == FTC_EDEADLK) {
        fp_err_set(&fp_RuntimeError_type, "Barrier.wait() called from the barrier's action");
        return NULL;
    }
    fp_mod_raise_code((int)rc);
    return NULL;
}

static ftc_object *barrier_call0(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames, const char *name, int (*fn)(ftc_object *))
{
    (void)args;
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = fn(((barrier_object *)self)->prim);
    if (rc == FTC_EDEADLK) {
        fp_err_set(&fp_RuntimeError_type, "Barrier.%s() called from the barrier's action", name);
        return NULL;
    }
    return fp_mod_none_result(rc);
}

static ftc_object *barrier_reset(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    return barrier_call0(self, args, nargs, kwnames, "reset", ftc_barrier_reset);
}

static ftc_object *barrier_abort(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    return barrier_call0(self, args, nargs, kwnames, "abort", ftc_barrier_abort);
}

static ftc_object *barrier_parties(ftc_object *self)
{
    return fp_int_new(ftc_barrier_parties(((barrier_object *)self)->prim));
}

static ftc_object *barrier_n_waiting(ftc_object *self)
{
    return fp_int_new(ftc_barrier_n_waiting(((barrier_object *)self)->prim));
}

static ftc_object *barrier_broken(ftc_object *self)
{
    return fp_bool(ftc_barrier_broken(((barrier_object *)self)->prim) == 1);
}

static const fp_method_def barrier_methods[] = {
    {"wait", barrier_wait, 0},
    {"reset", barrier_reset, 0},
    {"abort", barrier_abort, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def barrier_getsets[] = {
    {"parties", barrier_parties, NULL},
    {"n_waiting", barrier_n_waiting, NULL},
    {"broken", barrier_broken, NULL},
    {NULL, NULL, NULL},
};

static fp_type barrier_type = {
    FP_TYPE_HEAD,
    .ct = {"Barrier", sizeof(barrier_object), barrier_dealloc, NULL, NULL, barrier_traverse,
           barrier_clear},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .new_ = barrier_new,
    .methods = barrier_methods,
    .getsets = barrier_getsets,
};

/* ---- local ---- */

static fp_type local_type;

typedef struct local_object {
    FTC_OBJECT_HEAD;
    ftc_object *prim; /* ftc_local: this thread's attribute dict */
    ftc_object *args; /* the constructor's arguments, for a subclass's __init__ in other
                           threads: a tuple and NULL or a dict */
    ftc_object *kwargs;
} local_object;

static void local_dealloc(ftc_object *o)
{
    local_object *l = (local_object *)o;
    if (l->prim != NULL)
        ftc_decref(l->prim);
    if (l->args != NULL)
        ftc_decref(l->args);
    if (l->kwargs != NULL)
        ftc_decref(l->kwargs);
}

/* The per-thread attribute dicts live in the ftcore local (prim), which the collector cannot
 * see into: they count as referenced from outside (a cycle through a local's attributes is not
 * found). The constructor's arguments are visited. */
static int local_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    local_object *l = (local_object *)o;
    FP_VISIT(l->prim);
    FP_VISIT(l->args);
    FP_VISIT(l->kwargs);
    return 0;
}

static int local_clear(ftc_object *o)
{
    local_object *l = (local_object *)o;
    fp_clear_slot(&l->args);
    fp_clear_slot(&l->kwargs);
    return 0;
}

static ftc_object *local_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    size_t nkw = kwnames != NULL ? fp_tuple_size(kwnames) : 0;
    if (type == &local_type && nargs + nkw > 0) {
        fp_err_set(&fp_TypeError_type, "Initialization arguments are not supported");
        return NULL;
    }
    local_object *l = (local_object *)ftc_object_new(&type->ct);
    if (l == NULL)
        return fp_err_nomem();
    /* Hot (per-thread counts): a local exists to be used by every thread, each of which
     * takes a reference to it at every access (LOAD_GLOBAL or LOAD_DEREF, then LOAD_ATTR's
     * decref), so as an ordinary object it made every access an atomic add and CAS on one
     * shared count (ftscaling's thread_local_read: 8 per iteration, 0.90 at 2 threads).
     * ENOMEM leaves it ordinary, which is only slower. */
    (void)ftc_object_set_hot(&l->ob_base);
    ftc_object *d = NULL;
    l->prim = ftc_local_new();
    l->args = fp_tuple_from_array(args, nargs);
    if (l->prim == NULL || l->args == NULL)
        goto nomem;
    if (nkw > 0) {
        if ((l->kwargs = fp_dict_new()) == NULL)
            goto fail;
        for (size_t i = 0; i < nkw; i++)
            if (fp_dict_set(l->kwargs, fp_tuple_items(kwnames)[i], args[nargs + i]) < 0)
                goto fail;
    }
    /* The creating thread's dict now, so that its __init__ (run by the type's call) does not
     * run a second time from the first attribute access. */
    if ((d = fp_dict_new()) == NULL)
        goto fail;
    if (ftc_local_set(l->prim, d) < 0)
        goto nomem;
    ftc_decref(d);
    return &l->ob_base;
nomem:
    fp_err_nomem();
fail:
    if (d != NULL)
        ftc_decref(d);
    ftc_decref(&l->ob_base);
    return NULL;
}

/* This thread's dict (a new reference), made and initialised on first use. */
static ftc_object *local_dict(ftc_object *self)
{
    local_object *l = (local_object *)self;
    ftc_object *d = NULL;
    int rc = ftc_local_get(l->prim, &d);
    if (rc == 1)
        return d;
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    if ((d = fp_dict_new()) == NULL)
        return NULL;
    rc = ftc_local_set(l->prim, d);
    if (rc < 0) {
        ftc_decref(d);
        return fp_mod_raise_code(rc), NULL;
    }
    if (fp_type_of(self) != &local_type) {
        ftc_object *init = fp_getattr_cstr(self, "__init__");
        ftc_object *r = init ? fp_call_tuple_dict(init, l->args, l->kwargs) : NULL;
        if (init != NULL)
            ftc_decref(init);
        if (r == NULL) {
            ftc_decref(d);
            return NULL;
        }
        ftc_decref(r);
    }
    return d;
}

static bool is_data_descr(ftc_object *attr)
{
    fp_type *t = fp_type_of(attr);
    return t->descr_get != NULL && t->descr_set != NULL;
}

static ftc_object *local_getattr(ftc_object *self, ftc_object *name)
{
    ftc_object *d = local_dict(self);
    if (d == NULL)
        return NULL;
    if (fp_str_len(name) == 8 && memcmp(fp_str_data(name), "__dict__", 8) == 0)
        return d;
    fp_type *type = fp_type_of(self);
    ftc_object *attr = fp_type_lookup(type, name);
    if (attr != NULL)
        ftc_incref(attr);
    ftc_object *v = NULL;
    if (attr != NULL && is_data_descr(attr)) {
        v = fp_type_of(attr)->descr_get(attr, self, type);
    } else if ((v = fp_dict_get(d, name)) == NULL && !fp_err_occurred()) {
        if (attr == NULL) {
            fp_err_set(&fp_AttributeError_type, "'%s' object has no attribute '%s'",
                       type == &local_type ? "_thread._local" : type->ct.name, fp_str_data(name));
        } else if (fp_type_of(attr)->descr_get != NULL) {
            v = fp_type_of(attr)->descr_get(attr, self, type);
        } else {
            v = attr;
            ftc_incref(v);
        }
    }
    if (attr != NULL)
        ftc_decref(attr);
    ftc_decref(d);
    return v;
}

static int local_setattr(ftc_object *self, ftc_object *name, ftc_object *v)
{
    if (fp_str_len(name) == 8 && memcmp(fp_str_data(name), "__dict__", 8) == 0) {
        fp_err_set(&fp_AttributeError_type, "'%s' object attribute '__dict__' is read-only",
                   fp_type_of(self) == &local_type ? "_thread._local" : fp_type_name(self));
        return -1;
    }
    ftc_object *d = local_dict(self);
    if (d == NULL)
        return -1;
    int rc;
    ftc_object *attr = fp_type_lookup(fp_type_of(self), name);
    if (attr != NULL && is_data_descr(attr)) {
        ftc_incref(attr);
        rc = fp_type_of(attr)->descr_set(attr, self, v);
        ftc_decref(attr);
    } else if (v != NULL) {
        rc = fp_dict_set(d, name, v);
    } else {
        rc = fp_dict_del(d, name);
        if (rc < 0 && fp_err_matches(&fp_KeyError_type)) {
            fp_err_clear();
            fp_err_set(&fp_AttributeError_type, "'%s' object has no attribute '%s'",
                       fp_type_of(self) == &local_type ? "_thread._local" : fp_type_name(self),
                       fp_str_data(name));
        }
    }
    ftc_decref(d);
    return rc;
}

static ftc_object *local_repr(ftc_object *self)
{
    return fp_str_from_fmt("<%s object at %p>",
                           fp_type_of(self) == &local_type ? "_thread._local" : fp_type_name(self),
                           (void *)self);
}

static fp_type local_type = {
    FP_TYPE_HEAD,
    .ct = {"_local", sizeof(local_object), local_dealloc, NULL, NULL, local_traverse, local_clear},
    .module = "_thread",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = local_repr,
    .getattr = local_getattr,
    .setattr = local_setattr,
    .new_ = local_new,
};

/* ---- registration ---- */

int fp_mod_sync_add(ftc_object *m)
{
    if (fp_mod_locks_add(m) < 0)
        return -1;
    fp_type *types[] = {&semaphore_type, &bounded_semaphore_type, &event_type, &barrier_type,
                        &fp_mod_BrokenBarrierError_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    if (fp_type_ready(&local_type) < 0 || fp_module_add(m, "local", FP_TYPE_OBJ(&local_type)) < 0)
        return -1;
    return 0;
}
