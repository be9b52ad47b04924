/* threading's synchronization classes: Lock, RLock, Condition, Semaphore, BoundedSemaphore,
 * Event, Barrier (with BrokenBarrierError) and local, as thin Python objects around ftcore's
 * primitives (include/ftcore/sync.h and tls.h).
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
 * timeout with blocking=False and any negative timeout other than -1; the Python-level classes
 * (Semaphore, Condition, Event, Barrier) take timeout=None and treat a negative one as "do not
 * wait". Errors: "release unlocked lock", "cannot release un-acquired lock", "cannot wait on
 * un-acquired lock", "cannot notify on un-acquired lock", "Semaphore released too many times".
 *
 * local: each thread sees its own attribute dict. The dicts are the values of an ftcore
 * thread-local object (ftc_local), so a thread's dict is released when that thread ends, or
 * when the local is deallocated. The thread that creates the local gets its dict at once; any
 * other thread gets an empty one on its first attribute access, and then, for a subclass,
 * __init__ runs in that thread with the constructor's arguments, as in CPython.
 */
#include "mod_threading.h"

#include <math.h>
#include <string.h>

/* ---- shared helpers ---- */

int fp_mod_raise_code(int code)
{
    return fp_err_from_code(code, NULL);
}

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
        fp_err_set(&fp_TypeError_type, "timeout must be a number or None, not %s",
                   fp_type_name(o));
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
static ftc_object *wait_result(int rc)
{
    if (rc == 0)
        return fp_True;
    if (rc == FTC_ETIMEDOUT)
        return fp_False;
    fp_mod_raise_code(rc);
    return NULL;
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

/* Every class here but Barrier and local: the object and its primitive. */
typedef struct prim_object {
    FTC_OBJECT_HEAD;
    ftc_object *prim;
} prim_object;

#define PRIM(o) (((prim_object *)(o))->prim)

static void prim_dealloc(ftc_object *o)
{
    if (PRIM(o) != NULL)
        ftc_decref(PRIM(o));
}

/* Allocates an instance of type around prim (a new reference, stolen; NULL = the
 * constructor failed: MemoryError or the code in ftc_last_error()). */
static ftc_object *prim_wrap(fp_type *type, ftc_object *prim)
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

static ftc_object *no_args_new(const char *fname, ftc_object *const *args, size_t nargs,
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
    if (no_args_new("lock", args, nargs, kwnames) == NULL)
        return NULL;
    return prim_wrap(type, ftc_lock_new());
}

static ftc_object *lock_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    return wait_result(ftc_lock_acquire(PRIM(self), t));
}

static ftc_object *lock_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return wait_result(ftc_lock_acquire(PRIM(self), -1));
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
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *lock_locked(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("locked", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_lock_locked(PRIM(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
}

static ftc_object *lock_repr(ftc_object *self)
{
    return fp_str_from_fmt("<%s %s object at %p>",
                           ftc_lock_locked(PRIM(self)) == 1 ? "locked" : "unlocked",
                           fp_type_of(self) == &fp_mod_lock_type ? "_thread.lock"
                                                                 : fp_type_name(self),
                           (void *)self);
}

static const fp_method_def lock_methods[] = {
    {"acquire", lock_acquire, 0},     {"release", lock_release, 0},
    {"locked", lock_locked, 0},       {"acquire_lock", lock_acquire, 0},
    {"release_lock", lock_release, 0}, {"locked_lock", lock_locked, 0},
    {"__enter__", lock_enter, 0},     {"__exit__", lock_release, 0},
    {NULL, NULL, 0},
};

fp_type fp_mod_lock_type = {
    FP_TYPE_HEAD,
    .ct = {"lock", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "_thread",
    .base = &fp_object_type,
    .repr = lock_repr,
    .new_ = lock_new,
    .methods = lock_methods,
};

/* ---- RLock ---- */

static ftc_object *rlock_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (no_args_new("RLock", args, nargs, kwnames) == NULL)
        return NULL;
    return prim_wrap(type, ftc_rlock_new());
}

static ftc_object *rlock_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    int rc = ftc_rlock_acquire(PRIM(self), t);
    if (rc == FTC_EOVERFLOW) {
        fp_err_set(&fp_OverflowError_type, "Internal lock count overflowed");
        return NULL;
    }
    return wait_result(rc);
}

static ftc_object *rlock_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_rlock_acquire(PRIM(self), -1);
    if (rc == FTC_EOVERFLOW) {
        fp_err_set(&fp_OverflowError_type, "Internal lock count overflowed");
        return NULL;
    }
    return wait_result(rc);
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
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *rlock_is_owned(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("_is_owned", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_rlock_is_owned(PRIM(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
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
    {"acquire", rlock_acquire, 0},   {"release", rlock_release, 0},
    {"_is_owned", rlock_is_owned, 0}, {"__enter__", rlock_enter, 0},
    {"__exit__", rlock_release, 0},  {NULL, NULL, 0},
};

fp_type fp_mod_rlock_type = {
    FP_TYPE_HEAD,
    .ct = {"RLock", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "_thread",
    .base = &fp_object_type,
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
    return prim_wrap(type, ftc_condition_new(lock));
}

static ftc_object *condition_acquire(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    double t;
    if (lock_acquire_args("acquire", args, nargs, kwnames, &t) < 0)
        return NULL;
    return wait_result(ftc_condition_acquire(PRIM(self), t));
}

static ftc_object *condition_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return wait_result(ftc_condition_acquire(PRIM(self), -1));
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
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

/* One wait: True notified, False timed out; NULL with the exception set. */
static ftc_object *condition_wait_once(ftc_object *self, double t)
{
    int rc = ftc_condition_wait(PRIM(self), t);
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot wait on un-acquired lock");
        return NULL;
    }
    return wait_result(rc);
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

static ftc_object *condition_notify(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    static const char *const kwlist[] = {"n", NULL};
    ftc_object *a[1];
    if (fp_parse_args("notify", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    int64_t n = 1;
    if (a[0] != NULL) {
        if (!fp_int_like(a[0])) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(a[0]));
            return NULL;
        }
        n = fp_int_like_value(a[0]);
    }
    int rc = ftc_condition_notify(PRIM(self), n < 0 ? 0 : (size_t)n);
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot notify on un-acquired lock");
        return NULL;
    }
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *condition_notify_all(ftc_object *self, ftc_object *const *args,
                                        size_t nargs, ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("notify_all", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_condition_notify_all(PRIM(self));
    if (rc == FTC_EPERM) {
        fp_err_set(&fp_RuntimeError_type, "cannot notify on un-acquired lock");
        return NULL;
    }
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *condition_repr(ftc_object *self)
{
    return fp_str_from_fmt("<Condition at %p>", (void *)self);
}

static const fp_method_def condition_methods[] = {
    {"acquire", condition_acquire, 0},  {"release", condition_release, 0},
    {"__enter__", condition_enter, 0},  {"__exit__", condition_release, 0},
    {"wait", condition_wait, 0},        {"wait_for", condition_wait_for, 0},
    {"notify", condition_notify, 0},    {"notify_all", condition_notify_all, 0},
    {"notifyAll", condition_notify_all, 0}, {NULL, NULL, 0},
};

static fp_type condition_type = {
    FP_TYPE_HEAD,
    .ct = {"Condition", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .repr = condition_repr,
    .new_ = condition_new,
    .methods = condition_methods,
};

/* ---- Semaphore, BoundedSemaphore ---- */

static fp_type semaphore_type, bounded_semaphore_type;

static ftc_object *semaphore_make(fp_type *type, const char *fname, ftc_object *const *args,
                                  size_t nargs, ftc_object *kwnames, bool bounded)
{
    static const char *const kwlist[] = {"value", NULL};
    ftc_object *a[1];
    if (fp_parse_args(fname, args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    int64_t v = 1;
    if (a[0] != NULL) {
        if (!fp_int_like(a[0])) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(a[0]));
            return NULL;
        }
        v = fp_int_like_value(a[0]);
    }
    if (v < 0) {
        fp_err_set(&fp_ValueError_type, "semaphore initial value must be >= 0");
        return NULL;
    }
    return prim_wrap(type, bounded ? ftc_bounded_semaphore_new((uint64_t)v)
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
    return wait_result(ftc_semaphore_acquire(PRIM(self), blocking ? t : 0));
}

static ftc_object *semaphore_enter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__enter__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return wait_result(ftc_semaphore_acquire(PRIM(self), -1));
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
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *semaphore_release(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    static const char *const kwlist[] = {"n", NULL};
    ftc_object *a[1];
    if (fp_parse_args("release", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    int64_t n = 1;
    if (a[0] != NULL) {
        if (!fp_int_like(a[0])) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(a[0]));
            return NULL;
        }
        n = fp_int_like_value(a[0]);
    }
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
    return fp_str_from_fmt("<threading.%s at %p: value=%lld>", fp_type_name(self),
                           (void *)self, (long long)ftc_semaphore_value(PRIM(self)));
}

static const fp_method_def semaphore_methods[] = {
    {"acquire", semaphore_acquire, 0}, {"release", semaphore_release, 0},
    {"__enter__", semaphore_enter, 0}, {"__exit__", semaphore_exit, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def semaphore_getsets[] = {
    {"_value", semaphore_value, NULL},
    {NULL, NULL, NULL},
};

static fp_type semaphore_type = {
    FP_TYPE_HEAD,
    .ct = {"Semaphore", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .repr = semaphore_repr,
    .new_ = semaphore_new,
    .methods = semaphore_methods,
    .getsets = semaphore_getsets,
};

static fp_type bounded_semaphore_type = {
    FP_TYPE_HEAD,
    .ct = {"BoundedSemaphore", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "threading",
    .base = &semaphore_type,
    .flags = FP_TPFLAG_BASETYPE,
    .repr = semaphore_repr,
    .new_ = bounded_semaphore_new,
};

/* ---- Event ---- */

static fp_type event_type;

static ftc_object *event_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (no_args_new("Event", args, nargs, kwnames) == NULL)
        return NULL;
    return prim_wrap(type, ftc_sync_event_new());
}

static ftc_object *event_is_set(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("is_set", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_sync_event_is_set(PRIM(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_bool(rc == 1);
}

static ftc_object *event_set(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("set", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_sync_event_set(PRIM(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
}

static ftc_object *event_clear(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_sync_event_clear(PRIM(self));
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
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
    return wait_result(rc);
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
    .ct = {"Event", sizeof(prim_object), prim_dealloc, NULL, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
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
    .flags = FP_TPFLAG_EXC | FP_TPFLAG_BASETYPE,
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
    if (fp_parse_args("Barrier", args, nargs, kwnames, kwlist, 1, 3, a) < 0)
        return NULL;
    if (!fp_int_like(a[0])) {
        fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                   fp_type_name(a[0]));
        return NULL;
    }
    int64_t parties = fp_int_like_value(a[0]);
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
                                 ftc_object *kwnames, const char *name,
                                 int (*fn)(ftc_object *))
{
    (void)args;
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = fn(((barrier_object *)self)->prim);
    if (rc == FTC_EDEADLK) {
        fp_err_set(&fp_RuntimeError_type, "Barrier.%s() called from the barrier's action",
                   name);
        return NULL;
    }
    if (rc < 0)
        return fp_mod_raise_code(rc), NULL;
    return fp_None;
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
    .ct = {"Barrier", sizeof(barrier_object), barrier_dealloc, NULL, NULL},
    .module = "threading",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .new_ = barrier_new,
    .methods = barrier_methods,
    .getsets = barrier_getsets,
};

/* ---- local ---- */

static fp_type local_type;

typedef struct local_object {
    FTC_OBJECT_HEAD;
    ftc_object *prim;   /* ftc_local: this thread's attribute dict */
    ftc_object *args;   /* the constructor's arguments, for a subclass's __init__ in other
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
                       type == &local_type ? "_thread._local" : type->ct.name,
                       fp_str_data(name));
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
        fp_err_set(&fp_AttributeError_type,
                   "'%s' object attribute '__dict__' is read-only",
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
                           fp_type_of(self) == &local_type ? "_thread._local"
                                                           : fp_type_name(self),
                           (void *)self);
}

static fp_type local_type = {
    FP_TYPE_HEAD,
    .ct = {"_local", sizeof(local_object), local_dealloc, NULL, NULL},
    .module = "_thread",
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .repr = local_repr,
    .getattr = local_getattr,
    .setattr = local_setattr,
    .new_ = local_new,
};

/* ---- registration ---- */

int fp_mod_sync_add(ftc_object *m)
{
    fp_type *types[] = {&fp_mod_lock_type, &fp_mod_rlock_type, &condition_type,
                        &semaphore_type,   &bounded_semaphore_type, &event_type,
                        &barrier_type,     &fp_mod_BrokenBarrierError_type};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    if (fp_type_ready(&local_type) < 0 || fp_module_add(m, "local", FP_TYPE_OBJ(&local_type)) < 0)
        return -1;
    /* threading.Lock is _thread.lock: the module names it Lock too (allocate_lock as well). */
    if (fp_module_add(m, "Lock", FP_TYPE_OBJ(&fp_mod_lock_type)) < 0)
        return -1;
    return 0;
}
