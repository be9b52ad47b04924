/* threading's locks: Lock, RLock and Condition, as thin Python objects around ftcore's
 * primitives (include/ftcore/sync.h), and the helpers every synchronization class of
 * threading, queue and concurrent.futures shares (timeouts, wait results, error codes).
 *
 * Each object holds one reference to its ftcore primitive, taken at construction and dropped
 * in its dealloc; the pointer never changes in between, so any number of threads may call its
 * methods at once without a lock of ours: all the state lives in the primitive, which is
 * itself thread-safe. Nothing here holds a critical section or an ftcore lock across a call
 * back into Python code, except the user's own lock under Condition.wait_for's predicate,
 * which Python holds there too.
 *
 * Blocking: every wait is ftcore's, which detaches the thread state while it sleeps (the GIL is
 * released in the GIL build; the thread is QSBR-offline in the nogil build), measures timeouts
 * on the monotonic clock, and returns early with the code of an asynchronous exception sent to
 * the thread, which fp_mod_raise_code turns into the Python exception (having acquired
 * nothing, as ftcore guarantees). So a program blocked in acquire() still honours an
 * asynchronous KeyboardInterrupt.
 *
 * Arguments and messages are CPython 3.11's: Lock.acquire(blocking=True, timeout=-1) refuses a
 * timeout with blocking=False and any negative timeout other than -1 ("timeout value must be
 * positive"); Condition's waits take timeout=None and treat a negative one as "do not wait".
 * Errors: "release unlocked lock", "cannot release un-acquired lock", "cannot wait on
 * un-acquired lock", "cannot notify on un-acquired lock".
 */
#include "mod_threading.h"

#include <math.h>

/* ---- shared helpers ---- */

int fp_mod_raise_code(int code) { return fp_err_from_code(code, NULL); }

int fp_mod_timeout_arg(ftc_object *o, double *out)
{
    double t;
    if (o == NULL || o == fp_None) {
        *out = -1;
        return 0;
    }
    if (fp_float_check(o)) {
        t = fp_float_value(o);
    } else if (fp_int_like(o)) {
        t = (double)fp_int_like_value(o);
    } else {
        fp_err_set(&fp_TypeError_type, "timeout must be a number or None, not %s", fp_type_name(o));
        return -1;
    }
    if (isnan(t)) {
        fp_err_set(&fp_ValueError_type, "Invalid value NaN (not a number)");
        return -1;
    }
    *out = t < 0 ? 0 : t;
    return 0;
}

/* The result of a timed wait as a bool: 0 -> True, FTC_ETIMEDOUT -> False, else raise. */
ftc_object *fp_mod_wait_result(int rc)
{
    if (rc == 0)
        return fp_True;
    if (rc == FTC_ETIMEDOUT)
        return fp_False;
    fp_mod_raise_code(rc);
    return NULL;
}

ftc_object *fp_mod_none_result(int rc)
{
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

ftc_object *fp_mod_bool_result(int rc)
{
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
}

int fp_mod_int_arg(ftc_object *o, int64_t dflt, int64_t *out)
{
    if (o == NULL) {
        *out = dflt;
        return 0;
    }
    if (!fp_int_like(o)) {
        fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                   fp_type_name(o));
        return -1;
    }
    *out = fp_int_like_value(o);
    return 0;
}

/* Lock.acquire's arguments (blocking=True, timeout=-1) as a timeout for ftcore: < 0 forever,
 * 0 try. 0, or -1 with the exception set. */
static int lock_acquire_args(const char *fname, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames, double *out)
{
    static const char *const kwlist[] = {"blocking", "timeout", NULL};
    ftc_object *a[2];
    if (fp_parse_args(fname, args, nargs, kwnames, kwlist, 0, 2, a) < 0)
        return -1;
    int blocking = 1;
    if (a[0] != NULL && (blocking = fp_truthy(a[0])) < 0)
        return -1;
    double t = -1;
    if (a[1] != NULL) {
        if (fp_float_check(a[1])) {
            t = fp_float_value(a[1]);
        } else if (fp_int_like(a[1])) {
            t = (double)fp_int_like_value(a[1]);
        } else {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(a[1]));
            return -1;
        }
        if (isnan(t)) {
            fp_err_set(&fp_ValueError_type, "Invalid value NaN (not a number)");
            return -1;
        }
    }
    if (!blocking && t != -1) {
        fp_err_set(&fp_ValueError_type, "can't specify a timeout for a non-blocking call");
        return -1;
    }
    if (t < 0 && t != -1) {
        fp_err_set(&fp_ValueError_type, "timeout value must be positive");
        return -1;
    }
    *out = blocking ? t : 0;
    return 0;
}


void fp_mod_prim_dealloc(ftc_object *o)
{
    if (PRIM(o) != NULL)
        ftc_decref(PRIM(o));
}

int fp_mod_prim_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(PRIM(o));
    return 0;
}

/* Allocates an instance of type around prim (a new reference, stolen; NULL = the
 * constructor failed: MemoryError or the code in ftc_last_error()). */
ftc_object *fp_mod_prim_wrap(fp_type *type, ftc_object *prim)
{
    if (prim == NULL) {
        int code = ftc_last_error();
        if (code == FTC_EOVERFLOW)
            fp_err_set(&fp_OverflowError_type, "value too large");
        else
            fp_err_nomem();
        return NULL;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL) {
        ftc_decref(prim);
        return fp_err_nomem();
    }
    PRIM(o) = prim;
    return o;
}

ftc_object *fp_mod_no_args(const char *fname, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args(fname, nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_None;
}

/* ---- Lock ---- */

fp_type fp_mod_lock_type, fp_mod_rlock_type;

static ftc_object *lock_new(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (fp_mod_no_args("lock", args, nargs, kwnames) == NULL)
        return NULL;
    return fp_mod_prim_wrap(type, ftc_lock_new());
}

static ftc_object *lock_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_lock_acquire(PRIM(self), t));
}

static ftc_object *lock_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_lock_acquire(PRIM(self), -1));
}

static ftc_object *lock_release(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    int rc = ftc_lock_release(PRIM(self));
    if (rc == FTC_ESTATE) {
        fp_err_set(&fp_RuntimeError_type, "release unlocked lock");
        return NULL;
    }
    return fp_mod_none_result(rc);
}

static ftc_object *lock_locked(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("locked", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_bool_result(ftc_lock_locked(PRIM(self)));
}

static ftc_object *lock_repr(ftc_object *self)
{
    return fp_str_from_fmt(
        "<%s %s object at %p>", ftc_lock_locked(PRIM(self)) == 1 ? "locked" : "unlocked",
        fp_type_of(self) == &fp_mod_lock_type ? "_thread.lock" : fp_type_name(self), (void *)self);
}

static const fp_method_def lock_methods[] = {
    {"acquire", lock_acquire, 0},
    {"release", lock_release, 0},
    {"locked", lock_locked, 0},
    {"acquire_lock", lock_acquire, 0},
    {"release_lock", lock_release, 0},
    {"locked_lock", lock_locked, 0},
    {"__enter__", lock_enter, 0},
    {"__exit__", lock_release, 0},
    {NULL, NULL, 0},
};

fp_type fp_mod_lock_type = {
    FP_TYPE_HEAD,
    .ct = {"lock", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "_thread",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF,
    .repr = lock_repr,
    .new_ = lock_new,
    .methods = lock_methods,
};

/* ---- RLock ---- */

static ftc_object *rlock_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_mod_no_args("RLock", args, nargs, kwnames) == NULL)
        return NULL;
    return fp_mod_prim_wrap(type, ftc_rlock_new());
}

/* One acquire of the RLock for up to t seconds (< 0 forever), as acquire() and __enter__
 * return it. */
static ftc_object *rlock_acquire_for(ftc_object *self, double t)
{
    int rc = ftc_rlock_acquire(PRIM(self), t);
    if (rc == FTC_EOVERFLOW) {
        fp_err_set(&fp_OverflowError_type, "Internal lock count overflowed");
        return NULL;
    }
    return fp_mod_wait_result(rc);
}

static ftc_object *rlock_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    return rlock_acquire_for(self, t);
}

static ftc_object *rlock_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return rlock_acquire_for(self, -1);
}

static ftc_object *rlock_release(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    int rc = ftc_rlock_release(PRIM(self));
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot release un-acquired lock");
        return NULL;
    }
    return fp_mod_none_result(rc);
}

static ftc_object *rlock_is_owned(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("_is_owned", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_bool_result(ftc_rlock_is_owned(PRIM(self)));
}

static ftc_object *rlock_repr(ftc_object *self)
{
    int64_t level = ftc_rlock_level(PRIM(self));
    bool mine = ftc_rlock_is_owned(PRIM(self)) == 1;
    return fp_str_from_fmt("<%s _thread.RLock object owner=%llu count=%lld at %p>",
                           mine ? "locked" : "unlocked",
                           mine ? (unsigned long long)ftc_thread_ident() : 0ULL,
                           (long long)(mine ? level : 0), (void *)self);
}

static const fp_method_def rlock_methods[] = {
    {"acquire", rlock_acquire, 0}, {"release", rlock_release, 0},  {"_is_owned", rlock_is_owned, 0},
    {"__enter__", rlock_enter, 0}, {"__exit__", rlock_release, 0}, {NULL, NULL, 0},
};

fp_type fp_mod_rlock_type = {
    FP_TYPE_HEAD,
    .ct = {"RLock", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "_thread",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF,
    .repr = rlock_repr,
    .new_ = rlock_new,
    .methods = rlock_methods,
};

ftc_object *fp_mod_lock_prim(ftc_object *o)
{
    if (fp_isinstance_type(o, &fp_mod_lock_type) || fp_isinstance_type(o, &fp_mod_rlock_type))
        return PRIM(o);
    return NULL;
}

/* ---- Condition ---- */

static fp_type condition_type;

static ftc_object *condition_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    static const char *const kwlist[] = {"lock", NULL};
    ftc_object *a[1];
    if (fp_parse_args("Condition", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    ftc_object *lock = NULL;
    if (a[0] != NULL && a[0] != fp_None) {
        lock = fp_mod_lock_prim(a[0]);
        if (lock == NULL) {
            fp_err_set(&fp_TypeError_type,
                       "Condition() needs a threading.Lock or threading.RLock, not %s",
                       fp_type_name(a[0]));
            return NULL;
        }
    }
    return fp_mod_prim_wrap(type, ftc_condition_new(lock));
}

static ftc_object *condition_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_condition_acquire(PRIM(self), t));
}

static ftc_object *condition_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_wait_result(ftc_condition_acquire(PRIM(self), -1));
}

static ftc_object *condition_release(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    int rc = ftc_condition_release(PRIM(self));
    if (rc == FTC_ESTATE) {
        fp_err_set(&fp_RuntimeError_type, "release unlocked lock");
        return NULL;
    }
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot release un-acquired lock");
        return NULL;
    }
    return fp_mod_none_result(rc);
}

/* One wait: True notified, False timed out; NULL with the exception set. */
static ftc_object *condition_wait_once(ftc_object *self, double t)
{
    int rc = ftc_condition_wait(PRIM(self), t);
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot wait on un-acquired lock");
        return NULL;
    }
    return fp_mod_wait_result(rc);
}

static ftc_object *condition_wait(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    static const char *const kwlist[] = {"timeout", NULL};
    ftc_object *a[1];
    double t;
    if (fp_parse_args("wait", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_timeout_arg(a[0], &t) < 0)
        return NULL;
    return condition_wait_once(self, t);
}

/* Python's Condition.wait_for: re-evaluates predicate (a Python callable, run with the lock
 * held) after each wake-up until it is true or the overall timeout has passed; returns the
 * predicate's last value. */
static ftc_object *condition_wait_for(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    static const char *const kwlist[] = {"predicate", "timeout", NULL};
    ftc_object *a[2];
    double t;
    if (fp_parse_args("wait_for", args, nargs, kwnames, kwlist, 1, 2, a) < 0 ||
        fp_mod_timeout_arg(a[1], &t) < 0)
        return NULL;
    bool forever = a[1] == NULL || a[1] == fp_None;
    double deadline = forever ? 0 : ftc_monotonic() + t;
    ftc_object *result = fp_call0(a[0]);
    for (;;) {
        if (result == NULL)
            return NULL;
        int truth = fp_truthy(result);
        if (truth != 0) {
            if (truth < 0) {
                ftc_decref(result);
                return NULL;
            }
            return result;
        }
        double wait = -1;
        if (!forever) {
            wait = deadline - ftc_monotonic();
            if (wait <= 0)
                return result;
        }
        ftc_object *w = condition_wait_once(self, wait);
        if (w == NULL) {
            ftc_decref(result);
            return NULL;
        }
        ftc_decref(result);
        result = fp_call0(a[0]);
    }
}

/* notify's and notify_all's result: None, or NULL with the exception set. */
static ftc_object *notify_result(int rc)
{
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot notify on un-acquired lock");
        return NULL;
    }
    return fp_mod_none_result(rc);
}

static ftc_object *condition_notify(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    static const char *const kwlist[] = {"n", NULL};
    ftc_object *a[1];
    int64_t n;
    if (fp_parse_args("notify", args, nargs, kwnames, kwlist, 0, 1, a) < 0 ||
        fp_mod_int_arg(a[0], 1, &n) < 0)
        return NULL;
    return notify_result(ftc_condition_notify(PRIM(self), n < 0 ? 0 : (size_t)n));
}

static ftc_object *condition_notify_all(ftc_object *self, ftc_object *const *args, size_t nargs,
                                        ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("notify_all", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return notify_result(ftc_condition_notify_all(PRIM(self)));
}

static ftc_object *condition_repr(ftc_object *self)
{
    return fp_str_from_fmt("<Condition at %p>", (void *)self);
}

static const fp_method_def condition_methods[] = {
    {"acquire", condition_acquire, 0},
    {"release", condition_release, 0},
    {"__enter__", condition_enter, 0},
    {"__exit__", condition_release, 0},
    {"wait", condition_wait, 0},
    {"wait_for", condition_wait_for, 0},
    {"notify", condition_notify, 0},
    {"notify_all", condition_notify_all, 0},
    {"notifyAll", condition_notify_all, 0},
    {NULL, NULL, 0},
};

static fp_type condition_type = {
    FP_TYPE_HEAD,
    .ct = {"Condition", sizeof(fp_mod_prim_object), fp_mod_prim_dealloc, NULL, NULL,
           fp_mod_prim_traverse, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = condition_repr,
    .new_ = condition_new,
    .methods = condition_methods,
};

/* ---- registration ---- */

int fp_mod_locks_add(ftc_object *m)
{
    fp_type *types[] = {&fp_mod_lock_type, &fp_mod_rlock_type, &condition_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    /* threading.Lock is _thread.lock: the module names it Lock. */
    return fp_module_add(m, "Lock", FP_TYPE_OBJ(&fp_mod_lock_type));
}
