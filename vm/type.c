/* Types: `type` and `object`, readying static types, user classes (single inheritance),
 * instances and their attribute dicts, attribute lookup, descriptors (method, getset,
 * staticmethod, classmethod, property) and super().
 *
 * A class statement makes a heap fp_type: its dict is the class body's namespace (an ftcore
 * dict, read lock-free), its slots are inherited from the base and, for each special method
 * the body defines, replaced by a slot function that looks the method up by name and calls it
 * (so later assignments to the class are honoured). Instances carry an attribute dict at
 * dictoffset, created on first use with a compare-and-swap so that two threads setting the
 * first attribute at once agree on one dict. Classes are hot objects (nogil): every thread
 * counts its references to them privately.
 *
 * Attribute lookup (fp_generic_getattr) follows CPython: a data descriptor on the type wins,
 * then the instance dict, then a non-data descriptor or plain class attribute.
 */
#include "ceval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fp_instance_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
} fp_instance_object;

static ftc_object *notimpl(void)
{
    ftc_incref(fp_NotImplemented);
    return fp_NotImplemented;
}

/* ---- subtype tests and lookup ---- */
bool fp_type_is_subtype(fp_type *a, fp_type *b)
{
    for (; a != NULL; a = a->base)
        if (a == b)
            return true;
    return false;
}

uint64_t _fp_type_epoch = 1;

static ftc_object *lookup_uncached(fp_type *t, ftc_object *name)
{
    for (; t != NULL; t = t->base) {
        ftc_object *v;
        if (t->dict != NULL && ftc_dict_get_borrowed(t->dict, name, &v) == 1)
            return v;
    }
    return NULL;
}

/* Whether o is immortal (an interned name): only such names may key the cache, since a
 * mortal str's address may be reused by another text. */
static inline bool name_is_immortal(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    return ftc_atomic_load_relaxed(&o->ob_ref_local) == FTC_REF_IMMORTAL;
#else
    return o->ob_refcnt >= FTC_REFCNT_IMMORTAL;
#endif
}

/* The lookup through the calling thread's cache. The cache is private to the thread (no
 * synchronization on the entries); the epoch is read with acquire, pairing with the release
 * increment of a writer that changed a class, so an entry made under the current epoch saw
 * every class as it is now. */
ftc_object *fp_type_lookup(fp_type *t, ftc_object *name)
{
    fp_thread *th = _fp_tls;
    if (FTC_UNLIKELY(th == NULL || th->mcache == NULL || !name_is_immortal(name)))
        return lookup_uncached(t, name);
    uint64_t ep = ftc_atomic_load_acquire(&_fp_type_epoch);
    size_t i = (((uintptr_t)t >> 4) ^ ((uintptr_t)name >> 3) ^ ((uintptr_t)name >> 12)) &
               (FP_MCACHE_SIZE - 1);
    fp_mcache_entry *e = &th->mcache[i];
    if (FTC_LIKELY(e->type == t && e->name == name && e->epoch == ep))
        return e->value;
    ftc_object *v = lookup_uncached(t, name);
    e->type = t;
    e->name = name;
    e->value = v;
    e->epoch = ep;
    return v;
}

ftc_object *fp_type_lookup_ref(fp_type *t, ftc_object *name)
{
    ftc_object *v = fp_type_lookup(t, name);
    if (v == NULL || FTC_LIKELY(ftc_try_incref(v)))
        return v;
    /* another thread just replaced it and dropped the last reference: read under the lock */
    for (; t != NULL; t = t->base) {
        if (t->dict != NULL && ftc_dict_get_ref(t->dict, name, &v) == 1)
            return v;
    }
    return NULL;
}

void _fp_type_modified(void)
{
    /* Release: pairs with the acquire load in fp_type_lookup. */
    ftc_atomic_fetch_add_release(&_fp_type_epoch, (uint64_t)1);
}

int fp_isinstance(ftc_object *o, ftc_object *cls)
{
    if (fp_tuple_check(cls)) {
        for (size_t i = 0; i < fp_tuple_size(cls); i++) {
            int r = fp_isinstance(o, fp_tuple_items(cls)[i]);
            if (r != 0)
                return r;
        }
        return 0;
    }
    if (fp_type_of(cls) != &fp_type_type) {
        fp_err_set(&fp_TypeError_type,
                   "isinstance() arg 2 must be a type, a tuple of types, or a union");
        return -1;
    }
    fp_type *t = (fp_type *)cls;
    if (t == &fp_int_type && fp_bool_check(o))
        return 1;
    return fp_isinstance_type(o, t) ? 1 : 0;
}

/* ---- instance dicts ---- */
ftc_object *fp_instance_dict(ftc_object *o, bool create)
{
    fp_type *t = fp_type_of(o);
    if (t->dictoffset == 0)
        return NULL;
    ftc_object **slot = (ftc_object **)(void *)((char *)o + t->dictoffset);
    ftc_object *d = ftc_atomic_load_acquire(slot);
    if (d != NULL || !create)
        return d;
    ftc_object *nd = ftc_dict_new();
    if (nd == NULL) {
        fp_err_nomem();
        return NULL;
    }
    ftc_object *expected = NULL;
    if (ftc_atomic_cas_acq_rel(slot, &expected, nd))
        return nd;
    ftc_decref(nd);
    return expected;
}

/* ---- generic attribute access ---- */
static void no_attr(ftc_object *o, ftc_object *name)
{
    fp_err_set(&fp_AttributeError_type, "'%s' object has no attribute '%s'", fp_type_name(o),
               fp_str_data(name));
}

ftc_object *fp_generic_getattr(ftc_object *o, ftc_object *name)
{
    fp_type *tp = fp_type_of(o);
    ftc_object *descr = fp_type_lookup_ref(tp, name);
    fp_type *dt = NULL;
    if (descr != NULL) {
        dt = fp_type_of(descr);
        if (dt->descr_get != NULL && dt->descr_set != NULL) {
            ftc_object *r = dt->descr_get(descr, o, tp);
            ftc_decref(descr);
            return r;
        }
    }
    if (tp->dictoffset) {
        ftc_object *d = fp_instance_dict(o, false);
        if (d != NULL) {
            ftc_object *v;
            int r = ftc_dict_get_ref(d, name, &v);
            if (r == 1) {
                ftc_xdecref(descr);
                return v;
            }
        }
    }
    if (descr != NULL) {
        if (dt->descr_get != NULL) {
            ftc_object *r = dt->descr_get(descr, o, tp);
            ftc_decref(descr);
            return r;
        }
        return descr;
    }
    /* __getattr__ on a user class: the fallback when nothing else has the name */
    if (tp->flags & FP_TPFLAG_HEAPTYPE) {
        ftc_object *ga = fp_type_lookup_ref(tp, fp_intern("__getattr__"));
        if (ga != NULL && fp_type_of(ga) == &fp_function_type) {
            ftc_object *args[2] = {o, name};
            ftc_object *r = fp_call(ga, args, 2, NULL);
            ftc_decref(ga);
            return r;
        }
        ftc_xdecref(ga);
    }
    no_attr(o, name);
    return NULL;
}

int fp_generic_setattr(ftc_object *o, ftc_object *name, ftc_object *v)
{
    fp_type *tp = fp_type_of(o);
    ftc_object *descr = fp_type_lookup_ref(tp, name);
    if (descr != NULL) {
        fp_type *dt = fp_type_of(descr);
        ftc_decref(descr); /* only its kind matters below, unless it is a data descriptor */
        if (dt->descr_set != NULL) {
            descr = fp_type_lookup_ref(tp, name);
            if (descr == NULL)
                return fp_generic_setattr(o, name, v);
            int r = fp_type_of(descr)->descr_set ? fp_type_of(descr)->descr_set(descr, o, v)
                                                 : fp_generic_setattr(o, name, v);
            ftc_decref(descr);
            return r;
        }
    }
    if (tp->dictoffset == 0) {
        if (descr != NULL)
            fp_err_set(&fp_AttributeError_type, "'%s' object attribute '%s' is read-only",
                       tp->ct.name, fp_str_data(name));
        else
            no_attr(o, name);
        return -1;
    }
    ftc_object *d = fp_instance_dict(o, v != NULL);
    if (v == NULL) {
        int r = d ? ftc_dict_del(d, name) : FTC_EKEY;
        if (r == FTC_EKEY) {
            no_attr(o, name);
            return -1;
        }
        return r < 0 ? fp_err_from_code(r, name) : 0;
    }
    if (d == NULL)
        return -1;
    return fp_dict_set(d, name, v);
}

/* ---- object ---- */
static ftc_object *object_repr(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    ftc_object *mod = t->dict ? fp_dict_get(t->dict, fp_intern("__module__")) : NULL;
    ftc_object *r;
    if (mod != NULL && fp_str_check(mod) && strcmp(fp_str_data(mod), "builtins") != 0) {
        ftc_object *qn = fp_dict_get(t->dict, fp_intern("__qualname__"));
        r = fp_str_from_fmt("<%s.%s object at %p>", fp_str_data(mod),
                            qn && fp_str_check(qn) ? fp_str_data(qn) : t->ct.name, (void *)o);
        ftc_xdecref(qn);
    } else {
        r = fp_str_from_fmt("<%s object at %p>", t->ct.name, (void *)o);
    }
    ftc_xdecref(mod);
    return r;
}

static ftc_object *object_str(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    return t->repr ? t->repr(o) : object_repr(o);
}

static int64_t object_hash(ftc_object *o)
{
    uintptr_t p = (uintptr_t)o;
    return (int64_t)((p >> 4) | (p << (8 * sizeof(p) - 4))) & INT64_MAX;
}

static ftc_object *object_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (op == FP_EQ)
        return a == b ? fp_True : notimpl();
    if (op == FP_NE) {
        fp_type *t = fp_type_of(a);
        if (t->richcompare != NULL && t->richcompare != object_richcompare) {
            ftc_object *r = t->richcompare(a, b, FP_EQ);
            if (r == NULL || r == fp_NotImplemented)
                return r;
            int v = fp_truthy(r);
            ftc_decref(r);
            if (v < 0)
                return NULL;
            return fp_bool(!v);
        }
        return a == b ? fp_False : notimpl();
    }
    return notimpl();
}

static ftc_object *object_new(fp_type *type, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    (void)args;
    if ((nargs || nkw) && type->init == fp_object_type.init) {
        fp_err_set(&fp_TypeError_type, "%s() takes no arguments", type->ct.name);
        return NULL;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    return o;
}

static int object_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    (void)args;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    fp_type *t = fp_type_of(self);
    if ((nargs || nkw) && t->init != object_init) {
        fp_err_set(&fp_TypeError_type,
                   "object.__init__() takes exactly one argument (the instance to initialize)");
        return -1;
    }
    return 0;
}

static ftc_object *object_m_init(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)args;
    if (nargs || (kwnames && fp_tuple_size(kwnames))) {
        fp_err_set(&fp_TypeError_type,
                   "object.__init__() takes exactly one argument (the instance to initialize)");
        return NULL;
    }
    (void)self;
    ftc_incref(fp_None);
    return fp_None;
}

static ftc_object *object_m_repr(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    (void)n;
    (void)k;
    return object_repr(self);
}

static ftc_object *object_m_str(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    (void)n;
    (void)k;
    return fp_str(self);
}

static ftc_object *object_m_eq(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    if (fp_check_args("__eq__", n, k, 1, 1) < 0)
        return NULL;
    return self == a[0] ? fp_True : notimpl();
}

static ftc_object *object_m_ne(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    if (fp_check_args("__ne__", n, k, 1, 1) < 0)
        return NULL;
    return object_richcompare(self, a[0], FP_NE);
}

static ftc_object *object_m_hash(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    (void)n;
    (void)k;
    return fp_int_new(object_hash(self));
}

static ftc_object *object_get_class(ftc_object *o)
{
    ftc_object *t = FP_TYPE_OBJ(fp_type_of(o));
    ftc_incref(t);
    return t;
}

static ftc_object *object_get_dict(ftc_object *o)
{
    ftc_object *d = fp_instance_dict(o, true);
    if (d == NULL) {
        if (fp_err_occurred() == NULL)
            no_attr(o, fp_intern("__dict__"));
        return NULL;
    }
    ftc_incref(d);
    return d;
}

static const fp_method_def object_methods[] = {
    {"__init__", object_m_init, 0},
    {"__repr__", object_m_repr, 0},
    {"__str__", object_m_str, 0},
    {"__eq__", object_m_eq, 0},
    {"__ne__", object_m_ne, 0},
    {"__hash__", object_m_hash, 0},
    {NULL, NULL, 0},
};

static const fp_getset_def object_getsets[] = {
    {"__class__", object_get_class, NULL},
    {"__dict__", object_get_dict, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_object_type = {
    FP_TYPE_HEAD,
    .ct = {"object", sizeof(ftc_object), NULL, NULL, NULL},
    .flags = FP_TPFLAG_BASETYPE,
    .repr = object_repr,
    .str = object_str,
    .hash = object_hash,
    .richcompare = object_richcompare,
    .getattr = fp_generic_getattr,
    .setattr = fp_generic_setattr,
    .new_ = object_new,
    .init = object_init,
    .methods = object_methods,
    .getsets = object_getsets,
};

/* ---- type ---- */
static ftc_object *type_repr(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    if (t->flags & FP_TPFLAG_HEAPTYPE) {
        ftc_object *mod = fp_dict_get(t->dict, fp_intern("__module__"));
        ftc_object *qn = fp_dict_get(t->dict, fp_intern("__qualname__"));
        ftc_object *r =
            fp_str_from_fmt("<class '%s.%s'>", mod && fp_str_check(mod) ? fp_str_data(mod) : "?",
                            qn && fp_str_check(qn) ? fp_str_data(qn) : t->ct.name);
        ftc_xdecref(mod);
        ftc_xdecref(qn);
        return r;
    }
    if (t->module)
        return fp_str_from_fmt("<class '%s.%s'>", t->module, t->ct.name);
    return fp_str_from_fmt("<class '%s'>", t->ct.name);
}

static ftc_object *type_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    fp_type *t = (fp_type *)self;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    if (t == &fp_type_type) {
        if (nargs == 1 && nkw == 0) {
            ftc_object *r = FP_TYPE_OBJ(fp_type_of(args[0]));
            ftc_incref(r);
            return r;
        }
        fp_err_set(&fp_NotImplementedError_type,
                   "ftpy does not support type() with three arguments");
        return NULL;
    }
    if (t->new_ == NULL) {
        fp_err_set(&fp_TypeError_type, "cannot create '%s' instances", t->ct.name);
        return NULL;
    }
    ftc_object *o = t->new_(t, args, nargs, kwnames);
    if (o == NULL)
        return NULL;
    if (t->init != NULL && fp_isinstance_type(o, t)) {
        if (t->init(o, args, nargs, kwnames) < 0) {
            ftc_decref(o);
            return NULL;
        }
    }
    return o;
}

static ftc_object *type_getattr(ftc_object *o, ftc_object *name)
{
    fp_type *t = (fp_type *)o;
    /* data descriptors of the metatype first (__name__, __qualname__, ...) */
    ftc_object *meta = fp_type_lookup(&fp_type_type, name);
    if (meta != NULL && fp_type_of(meta)->descr_set != NULL)
        return fp_type_of(meta)->descr_get(meta, o, &fp_type_type);
    ftc_object *v = fp_type_lookup_ref(t, name);
    if (v != NULL) {
        fp_type *vt = fp_type_of(v);
        if (vt->descr_get != NULL) {
            ftc_object *r = vt->descr_get(v, NULL, t);
            ftc_decref(v);
            return r;
        }
        return v;
    }
    if (meta != NULL) {
        fp_type *mt = fp_type_of(meta);
        if (mt->descr_get)
            return mt->descr_get(meta, o, &fp_type_type);
        ftc_incref(meta);
        return meta;
    }
    fp_err_set(&fp_AttributeError_type, "type object '%s' has no attribute '%s'", t->ct.name,
               fp_str_data(name));
    return NULL;
}


static int type_setattr(ftc_object *o, ftc_object *name, ftc_object *v)
{
    fp_type *t = (fp_type *)o;
    if (!(t->flags & FP_TPFLAG_HEAPTYPE)) {
        fp_err_set(&fp_TypeError_type, "cannot set '%s' attribute of immutable type '%s'",
                   fp_str_data(name), t->ct.name);
        return -1;
    }
    int r;
    if (v == NULL) {
        r = ftc_dict_del(t->dict, name);
        if (r == FTC_EKEY) {
            fp_err_set(&fp_AttributeError_type, "type object '%s' has no attribute '%s'",
                       t->ct.name, fp_str_data(name));
            return -1;
        }
        if (r < 0)
            return fp_err_from_code(r, name);
    } else if (fp_dict_set(t->dict, name, v) < 0) {
        return -1;
    }
    ftc_atomic_fetch_add_relaxed(&t->version, (uint64_t)1);
    _fp_type_modified();
    _fp_type_fixup_slots(t, fp_str_data(name));
    return 0;
}

static void type_dealloc(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    _fp_type_modified(); /* its address may be reused by another class */
    ftc_xdecref(t->dict);
    ftc_xdecref(t->name_obj);
    if (t->base)
        ftc_decref(FP_TYPE_OBJ(t->base));
}

static ftc_object *type_get_name(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    ftc_incref(t->name_obj);
    return t->name_obj;
}

static ftc_object *type_get_qualname(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    if (t->flags & FP_TPFLAG_HEAPTYPE) {
        ftc_object *q = fp_dict_get(t->dict, fp_intern("__qualname__"));
        if (q != NULL)
            return q;
    }
    ftc_incref(t->name_obj);
    return t->name_obj;
}

static int type_set_readonly(ftc_object *o, ftc_object *v)
{
    (void)o;
    (void)v;
    fp_err_set(&fp_TypeError_type, "ftpy does not support setting this type attribute");
    return -1;
}

static ftc_object *type_get_module(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    if (t->flags & FP_TPFLAG_HEAPTYPE) {
        ftc_object *q = fp_dict_get(t->dict, fp_intern("__module__"));
        if (q != NULL)
            return q;
    }
    return fp_str_from_cstr(t->module ? t->module : "builtins");
}

static ftc_object *type_get_base(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    ftc_object *b = t->base ? FP_TYPE_OBJ(t->base) : fp_None;
    ftc_incref(b);
    return b;
}

static ftc_object *type_get_mro(ftc_object *o)
{
    size_t n = 0;
    for (fp_type *t = (fp_type *)o; t; t = t->base)
        n++;
    ftc_object *tup = fp_tuple_new(n);
    if (tup == NULL)
        return NULL;
    size_t i = 0;
    for (fp_type *t = (fp_type *)o; t; t = t->base) {
        ftc_incref(FP_TYPE_OBJ(t));
        fp_tuple_items(tup)[i++] = FP_TYPE_OBJ(t);
    }
    return tup;
}

static ftc_object *type_get_bases(ftc_object *o)
{
    fp_type *t = (fp_type *)o;
    if (t->base == NULL)
        return fp_tuple_new(0);
    return fp_tuple_pack(1, FP_TYPE_OBJ(t->base));
}

static const fp_getset_def type_getsets[] = {
    {"__name__", type_get_name, type_set_readonly},
    {"__qualname__", type_get_qualname, type_set_readonly},
    {"__module__", type_get_module, type_set_readonly},
    {"__base__", type_get_base, NULL},
    {"__bases__", type_get_bases, NULL},
    {"__mro__", type_get_mro, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_type_type = {
    FP_TYPE_HEAD,
    .ct = {"type", sizeof(fp_type), type_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF, /* classes and types are immortal: their weakrefs never die */
    .repr = type_repr,
    .call = type_call,
    .getattr = type_getattr,
    .setattr = type_setattr,
    .getsets = type_getsets,
};
