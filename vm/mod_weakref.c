/* The weakref module: weakref.ref (ReferenceType) on ftcore's weak references (weakref.h).
 *
 * A ref object embeds an ftc_weakref (its struct starts with one, as weakref.h prescribes), so
 * the core's protocol is the whole mechanism: the referent's pointer is cleared under the
 * core's striped lock before the referent's dealloc runs, and calling the ref try-increfs the
 * referent under that lock, so a ref never returns a dying, freed or resurrected object, in
 * either build, whichever thread drops the last reference. What ftpy adds:
 *
 *   - which objects can be referenced: CPython's list (FP_TPFLAG_WEAKREF: classes made by a
 *     class statement, functions, bound methods, generators, sets, types, modules, the
 *     threading objects); an int, str, tuple, list, dict, builtin exception... is refused with
 *     CPython's TypeError "cannot create weak reference to 'int' object". The core accepts any
 *     tracked or immortal object; the flag is the narrower, Python-visible rule.
 *   - the callback: a Python callable called once with the ref itself, after the referent
 *     died, on the thread that dropped the last reference or ran the collection (the core
 *     calls the trampoline outside its locks, holding a reference to the ref for the call).
 *     It is not called if the ref died first (the core unlinks it in our dealloc). The
 *     trampoline takes the callable out of the ref (so a cycle through it is gone), saves and
 *     restores the thread's current exception around the call, and reports an exception the
 *     callback raised as CPython does ("Exception ignored in: ..." and the traceback on
 *     stderr). A thread without an ftpy state (ftcore's fini freeing the module dicts after
 *     ftpy's fini) runs no callback, as CPython runs none at exit.
 *   - hash: the referent's, computed once and kept, so that a ref that had a hash keeps it
 *     after its referent dies; a dead ref never hashed raises TypeError("weak object has gone
 *     away"). The cache is one atomic word (-1 = not computed: Python hashes are never -1).
 *   - ==, !=: two live refs compare their referents; otherwise they compare by identity.
 *
 * Not done (differences from CPython): refs without a callback are not shared (CPython returns
 * the same object for weakref.ref(x) twice); ref cannot be subclassed; proxies,
 * WeakValueDictionary, WeakKeyDictionary, WeakSet, WeakMethod and finalize raise
 * NotImplementedError "ftpy does not support weakref.<name>".
 */
#include "ftpy.h"

#include <ftcore/weakref.h>
#include <stdio.h>

typedef struct fp_weakref_object {
    ftc_weakref wr;       /* first: the core's part (its header is the object's) */
    ftc_object *callback; /* atomic: NULL for none, or once taken by the trampoline */
    int64_t hash;         /* atomic: -1 until computed */
} fp_weakref_object;

#define WR(o) ((fp_weakref_object *)(void *)(o))

static fp_type fp_weakref_type;

/* Set by fp_runtime_fini (through fp_mod_weakref_shutdown): no callback runs after it. */
static int callbacks_off; /* atomic */

static void report_unraisable(ftc_object *callback, ftc_object *exc)
{
    fp_stdout_flush();
    ftc_object *r = fp_repr(callback);
    if (r != NULL) {
        fprintf(stderr, "Exception ignored in: %s\n", fp_str_data(r));
        ftc_decref(r);
    } else {
        fp_err_clear();
        fprintf(stderr, "Exception ignored in a weakref callback\n");
    }
    fp_exc_print(exc);
}

static void trampoline(ftc_weakref *ref, void *data)
{
    (void)data;
    fp_weakref_object *w = WR(ref);
    if (ftc_atomic_load_relaxed(&callbacks_off) || !fp_thread_entered())
        return;
    ftc_object *cb = ftc_atomic_exchange_acq_rel(&w->callback, (ftc_object *)NULL);
    if (cb == NULL)
        return;
    ftc_object *saved = fp_err_fetch();
    ftc_object *r = fp_call1(cb, FTC_OBJ(w));
    if (r != NULL) {
        ftc_decref(r);
    } else {
        ftc_object *exc = fp_err_fetch();
        if (exc != NULL) {
            report_unraisable(cb, exc);
            ftc_decref(exc);
        }
    }
    ftc_decref(cb);
    fp_err_restore(saved);
}

void fp_mod_weakref_shutdown(void) { ftc_atomic_store_relaxed(&callbacks_off, 1); }

static void weakref_dealloc(ftc_object *o)
{
    /* first: unlinked, the ref is never cleared or called back again */
    ftc_weakref_fini(&WR(o)->wr);
    ftc_xdecref(WR(o)->callback);
}

/* The referent is not a reference (that is the point); the callback is. */
static int weakref_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(ftc_atomic_load_relaxed(&WR(o)->callback));
    return 0;
}

static int weakref_clear(ftc_object *o)
{
    ftc_object *cb = ftc_atomic_exchange_acq_rel(&WR(o)->callback, (ftc_object *)NULL);
    ftc_xdecref(cb);
    return 0;
}

static ftc_object *weakref_new(fp_type *type, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "ref() takes no keyword arguments");
        return NULL;
    }
    if (fp_check_args("__new__", nargs, NULL, 1, 2) < 0)
        return NULL;
    ftc_object *obj = args[0];
    ftc_object *callback = nargs > 1 && args[1] != fp_None ? args[1] : NULL;
    if (!(fp_type_of(obj)->flags & FP_TPFLAG_WEAKREF) || !ftc_weakref_supported(obj)) {
        fp_err_set(&fp_TypeError_type, "cannot create weak reference to '%s' object",
                   fp_type_name(obj));
        return NULL;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    fp_weakref_object *w = WR(o);
    w->hash = -1;
    if (callback != NULL) {
        ftc_incref(callback);
        w->callback = callback;
    }
    int rc = ftc_weakref_init(&w->wr, obj, callback != NULL ? trampoline : NULL, NULL);
    if (rc != 0) {
        ftc_decref(o);
        if (rc == FTC_ETYPE) {
            fp_err_set(&fp_TypeError_type, "cannot create weak reference to '%s' object",
                       fp_type_name(obj));
            return NULL;
        }
        return fp_err_from_code(rc, NULL), NULL;
    }
    return o;
}

static ftc_object *weakref_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("weakref", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_object *o = ftc_weakref_get_ref(&WR(self)->wr);
    if (o != NULL)
        return o;
    ftc_incref(fp_None);
    return fp_None;
}

static ftc_object *weakref_repr(ftc_object *self)
{
    ftc_object *o = ftc_weakref_get_ref(&WR(self)->wr);
    if (o == NULL)
        return fp_str_from_fmt("<weakref at %p; dead>", (void *)self);
    ftc_object *name = fp_getattr_opt(o, fp_intern("__name__"));
    ftc_object *r = NULL;
    if (name == NULL && fp_err_occurred() != NULL) {
        ftc_decref(o);
        return NULL;
    }
    if (name != NULL && fp_str_check(name))
        r = fp_str_from_fmt("<weakref at %p; to '%s' at %p (%s)>", (void *)self, fp_type_name(o),
                            (void *)o, fp_str_data(name));
    else
        r = fp_str_from_fmt("<weakref at %p; to '%s' at %p>", (void *)self, fp_type_name(o),
                            (void *)o);
    ftc_xdecref(name);
    ftc_decref(o);
    return r;
}

static int64_t weakref_hash(ftc_object *self)
{
    fp_weakref_object *w = WR(self);
    int64_t h = ftc_atomic_load_relaxed(&w->hash);
    if (h != -1)
        return h;
    ftc_object *o = ftc_weakref_get_ref(&w->wr);
    if (o == NULL) {
        fp_err_set(&fp_TypeError_type, "weak object has gone away");
        return -1;
    }
    h = fp_hash(o);
    ftc_decref(o);
    if (h == -1)
        return -1;
    /* Relaxed: every thread computes the same value from the same referent. */
    ftc_atomic_store_relaxed(&w->hash, h);
    return h;
}

static ftc_object *weakref_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if ((op != FP_EQ && op != FP_NE) || fp_type_of(a) != &fp_weakref_type ||
        fp_type_of(b) != &fp_weakref_type) {
        ftc_incref(fp_NotImplemented);
        return fp_NotImplemented;
    }
    ftc_object *oa = ftc_weakref_get_ref(&WR(a)->wr);
    ftc_object *ob = ftc_weakref_get_ref(&WR(b)->wr);
    ftc_object *r;
    if (oa == NULL || ob == NULL) {
        bool same = a == b;
        r = fp_bool(op == FP_EQ ? same : !same);
    } else {
        r = fp_richcompare(oa, ob, op);
    }
    ftc_xdecref(oa);
    ftc_xdecref(ob);
    return r;
}

static ftc_object *weakref_get_callback(ftc_object *self)
{
    /* The ref holds the callable until the trampoline takes it (then None, as CPython). */
    ftc_object *cb = ftc_atomic_load_acquire(&WR(self)->callback);
    if (cb == NULL || !ftc_try_incref(cb)) {
        ftc_incref(fp_None);
        return fp_None;
    }
    return cb;
}

static const fp_getset_def weakref_getsets[] = {
    {"__callback__", weakref_get_callback, NULL},
    {NULL, NULL, NULL},
};

static fp_type fp_weakref_type = {
    FP_TYPE_HEAD,
    .ct = {"ReferenceType", sizeof(fp_weakref_object), weakref_dealloc, NULL, NULL,
           weakref_traverse, weakref_clear},
    .base = &fp_object_type,
    .module = "weakref",
    .repr = weakref_repr,
    .hash = weakref_hash,
    .richcompare = weakref_richcompare,
    .call = weakref_call,
    .new_ = weakref_new,
    .getsets = weakref_getsets,
};

/* ---- module functions ---- */

static ftc_object *wr_getweakrefcount(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("getweakrefcount", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_int_new(ftc_weakref_count(args[0]));
}

#define UNSUPPORTED(fn, name)                                                            \
    static ftc_object *fn(ftc_object *self, ftc_object *const *args, size_t nargs,       \
                          ftc_object *kwnames)                                           \
    {                                                                                    \
        (void)self;                                                                      \
        (void)args;                                                                      \
        (void)nargs;                                                                     \
        (void)kwnames;                                                                   \
        fp_err_set(&fp_NotImplementedError_type, "ftpy does not support weakref." name); \
        return NULL;                                                                     \
    }
UNSUPPORTED(wr_proxy, "proxy")
UNSUPPORTED(wr_wvd, "WeakValueDictionary")
UNSUPPORTED(wr_wkd, "WeakKeyDictionary")
UNSUPPORTED(wr_wset, "WeakSet")
UNSUPPORTED(wr_wmethod, "WeakMethod")
UNSUPPORTED(wr_finalize, "finalize")
#undef UNSUPPORTED

static const fp_method_def weakref_functions[] = {
    {"getweakrefcount", wr_getweakrefcount, 0},
    {"proxy", wr_proxy, 0},
    {"WeakValueDictionary", wr_wvd, 0},
    {"WeakKeyDictionary", wr_wkd, 0},
    {"WeakSet", wr_wset, 0},
    {"WeakMethod", wr_wmethod, 0},
    {"finalize", wr_finalize, 0},
    {NULL, NULL, 0},
};

int fp_mod_weakref_init(ftc_object *m)
{
    if (fp_type_ready(&fp_weakref_type) < 0 || fp_module_add_functions(m, weakref_functions) < 0)
        return -1;
    if (fp_module_add(m, "ref", FP_TYPE_OBJ(&fp_weakref_type)) < 0 ||
        fp_module_add(m, "ReferenceType", FP_TYPE_OBJ(&fp_weakref_type)) < 0)
        return -1;
    return 0;
}
