/* Readying types, descriptors, user classes' slot functions, super, staticmethod,
 * classmethod and property.
 *
 * fp_type_ready turns a static type's method and getset tables into descriptor objects in its
 * dict, inherits the slots it left NULL from its base, and gives ftcore's containers hash and
 * eq callbacks that run Python's (see ftpy.h). Slot wrappers (__init__, __repr__, __str__)
 * let Python code call a static base's slot by name: super().__init__(...).
 *
 * User classes (fp_class_new) take their base's slots, then for every special method their
 * namespace defines install a slot function that looks the method up on the object's type by
 * name at call time. Binary operators follow CPython's protocol: the left operand's __op__,
 * then the right operand's __rop__ when its type differs.
 */
#include "ceval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ftc_object *notimpl(void)
{
    ftc_incref(fp_NotImplemented);
    return fp_NotImplemented;
}

static ftc_object *none(void)
{
    ftc_incref(fp_None);
    return fp_None;
}

/* ---- method descriptors ---- */
static ftc_object *methoddescr_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    fp_methoddescr_object *md = (fp_methoddescr_object *)d;
    if (md->def->flags & FP_METH_STATIC)
        return fp_cfunction_new(md->def, NULL);
    if (md->def->flags & FP_METH_CLASS)
        return fp_cfunction_new(md->def, FP_TYPE_OBJ(obj ? fp_type_of(obj) : type));
    if (obj == NULL) {
        ftc_incref(d);
        return d;
    }
    return fp_cfunction_new(md->def, obj);
}

static ftc_object *methoddescr_call(ftc_object *d, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    fp_methoddescr_object *md = (fp_methoddescr_object *)d;
    if (md->def->flags & FP_METH_STATIC)
        return md->def->fn(NULL, args, nargs, kwnames);
    if (nargs < 1) {
        fp_err_set(&fp_TypeError_type, "unbound method %s.%s() needs an argument",
                   md->type->ct.name, md->def->name);
        return NULL;
    }
    if (!fp_isinstance_type(args[0], md->type) &&
        !(md->type == &fp_int_type && fp_bool_check(args[0]))) {
        fp_err_set(&fp_TypeError_type,
                   "descriptor '%s' for '%s' objects doesn't apply to a '%s' object", md->def->name,
                   md->type->ct.name, fp_type_name(args[0]));
        return NULL;
    }
    return md->def->fn(args[0], args + 1, nargs - 1, kwnames);
}

static ftc_object *methoddescr_repr(ftc_object *d)
{
    fp_methoddescr_object *md = (fp_methoddescr_object *)d;
    return fp_str_from_fmt("<method '%s' of '%s' objects>", md->def->name, md->type->ct.name);
}

fp_type fp_methoddescr_type = {
    FP_TYPE_HEAD,
    .ct = {"method_descriptor", sizeof(fp_methoddescr_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = methoddescr_repr,
    .call = methoddescr_call,
    .descr_get = methoddescr_get,
};

typedef struct getsetdescr {
    FTC_OBJECT_HEAD;
    const fp_getset_def *def;
    fp_type *type;
} getsetdescr;

static ftc_object *getset_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    (void)type;
    if (obj == NULL) {
        ftc_incref(d);
        return d;
    }
    return ((getsetdescr *)d)->def->get(obj);
}

static int getset_set(ftc_object *d, ftc_object *obj, ftc_object *v)
{
    getsetdescr *g = (getsetdescr *)d;
    if (g->def->set == NULL) {
        fp_err_set(&fp_AttributeError_type, "attribute '%s' of '%s' objects is not writable",
                   g->def->name, g->type->ct.name);
        return -1;
    }
    return g->def->set(obj, v);
}

fp_type fp_getsetdescr_type = {
    FP_TYPE_HEAD,
    .ct = {"getset_descriptor", sizeof(getsetdescr), NULL, NULL, NULL},
    .base = &fp_object_type,
    .descr_get = getset_get,
    .descr_set = getset_set,
};

/* Slot wrappers: __init__/__repr__/__str__ of a static type that has the slot but no method. */
enum { SW_INIT, SW_REPR, SW_STR };
typedef struct slotwrapper {
    FTC_OBJECT_HEAD;
    fp_type *type;
    int which;
    ftc_object *self; /* bound, or NULL */
} slotwrapper;

static void slotwrapper_dealloc(ftc_object *o) { ftc_xdecref(((slotwrapper *)o)->self); }

static int slotwrapper_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((slotwrapper *)o)->self);
    return 0;
}

fp_type fp_slotwrapper_type;

static ftc_object *slotwrapper_new(fp_type *type, int which, ftc_object *self)
{
    slotwrapper *w = (slotwrapper *)ftc_object_new(&fp_slotwrapper_type.ct);
    if (w == NULL)
        return fp_err_nomem();
    w->type = type;
    w->which = which;
    ftc_xincref(self);
    w->self = self;
    return FTC_OBJ(w);
}

static ftc_object *slotwrapper_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    (void)type;
    slotwrapper *w = (slotwrapper *)d;
    if (obj == NULL || w->self != NULL) {
        ftc_incref(d);
        return d;
    }
    return slotwrapper_new(w->type, w->which, obj);
}

static ftc_object *slotwrapper_call(ftc_object *d, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    slotwrapper *w = (slotwrapper *)d;
    ftc_object *self = w->self;
    if (self == NULL) {
        if (nargs < 1) {
            fp_err_set(&fp_TypeError_type, "descriptor needs an argument");
            return NULL;
        }
        self = args[0];
        args++;
        nargs--;
    }
    switch (w->which) {
    case SW_INIT:
        if (w->type->init(self, args, nargs, kwnames) < 0)
            return NULL;
        return none();
    case SW_REPR: return w->type->repr(self);
    default: return w->type->str(self);
    }
}

fp_type fp_slotwrapper_type = {
    FP_TYPE_HEAD,
    .ct = {"wrapper_descriptor", sizeof(slotwrapper), slotwrapper_dealloc, NULL, NULL,
           slotwrapper_traverse, NULL},
    .base = &fp_object_type,
    .call = slotwrapper_call,
    .descr_get = slotwrapper_get,
};

/* ---- ftcore container callbacks ---- */
static int ct_hash_generic(ftc_object *o, uint64_t *out)
{
    int64_t h = fp_hash(o);
    if (h == -1 && fp_err_occurred())
        return FP_EEXC;
    /* integral numbers must hash as ftcore's int does: types with numeric values set their
     * own ct.hash (fp_type_ready's contract) */
    *out = _ftc_hash_mix64((uint64_t)h);
    return 0;
}

static int ct_eq_generic(ftc_object *a, ftc_object *b)
{
    int r = fp_richcompare_bool(a, b, FP_EQ);
    return r < 0 ? FP_EEXC : r;
}

/* ---- readying ---- */
static int add_descr(fp_type *t, const char *name, ftc_object *d)
{
    if (d == NULL)
        return -1;
    ftc_object_immortalize(d);
    int r = fp_dict_set_cstr(t->dict, name, d);
    ftc_decref(d);
    return r;
}

static void inherit_slots(fp_type *t, fp_type *b)
{
    /* clang-format off */
#define INH(f) if (t->f == NULL) t->f = b->f
    INH(repr); INH(str); INH(getattr); INH(setattr); INH(call); INH(iter); INH(next);
    INH(len); INH(getitem); INH(setitem); INH(contains); INH(bool_); INH(nb_inplace_add);
    INH(nb_neg); INH(nb_pos); INH(nb_invert); INH(nb_abs); INH(descr_get); INH(descr_set);
    INH(new_); INH(init);
    /* clang-format on */
    for (int i = 0; i < FP_NB_COUNT; i++)
        INH(nb[i]);
    if (t->richcompare == NULL && t->hash == NULL) {
        t->richcompare = b->richcompare;
        t->hash = b->hash;
    }
#undef INH
    if (t->ct.basicsize == 0)
        t->ct.basicsize = b->ct.basicsize;
    if (t->ct.dealloc == NULL && t->ct.basicsize == b->ct.basicsize)
        t->ct.dealloc = b->ct.dealloc;
    /* traverse and clear go with the layout, as dealloc does (a static subtype of the same
     * size holds what its base holds) */
    if (t->ct.traverse == NULL && t->ct.basicsize == b->ct.basicsize &&
        t->ct.dealloc == b->ct.dealloc) {
        t->ct.traverse = b->ct.traverse;
        if (t->ct.clear == NULL)
            t->ct.clear = b->ct.clear;
    }
    if (t->dictoffset == 0)
        t->dictoffset = b->dictoffset;
    if (b->flags & FP_TPFLAG_EXC)
        t->flags |= FP_TPFLAG_EXC;
    if (t->module == NULL && (t->flags & FP_TPFLAG_HEAPTYPE) == 0)
        t->module = NULL;
}

int fp_type_ready(fp_type *t)
{
    if (t->flags & FP_TPFLAG_READY)
        return 0;
    if (t->base == NULL && t != &fp_object_type)
        t->base = &fp_object_type;
    if (t->base != NULL && fp_type_ready(t->base) < 0)
        return -1;
    if (t->base != NULL)
        inherit_slots(t, t->base);
    if (t->ct.hash == NULL && t->hash != NULL && t->ct.eq == NULL)
        t->ct.hash = ct_hash_generic;
    if (t->ct.eq == NULL && t->richcompare != NULL && t->richcompare != fp_object_type.richcompare)
        t->ct.eq = ct_eq_generic;
    if (t->ct.hash == NULL && t->hash != NULL)
        t->ct.hash = ct_hash_generic;
    if (t->dict == NULL) {
        t->dict = ftc_dict_new();
        if (t->dict == NULL) {
            fp_err_nomem();
            return -1;
        }
        ftc_object_immortalize(t->dict);
    }
    t->name_obj = fp_intern(t->ct.name);
    if (t->name_obj == NULL)
        return -1;
    for (const fp_method_def *m = t->methods; m && m->name; m++) {
        fp_methoddescr_object *d = (fp_methoddescr_object *)ftc_object_new(&fp_methoddescr_type.ct);
        if (d == NULL) {
            fp_err_nomem();
            return -1;
        }
        d->def = m;
        d->type = t;
        if (add_descr(t, m->name, FTC_OBJ(d)) < 0)
            return -1;
    }
    for (const fp_getset_def *g = t->getsets; g && g->name; g++) {
        getsetdescr *d = (getsetdescr *)ftc_object_new(&fp_getsetdescr_type.ct);
        if (d == NULL) {
            fp_err_nomem();
            return -1;
        }
        d->def = g;
        d->type = t;
        if (add_descr(t, g->name, FTC_OBJ(d)) < 0)
            return -1;
    }
    /* slot wrappers where the type has its own slot but no method of that name */
    struct {
        const char *name;
        int which;
        bool has;
    } sw[] = {
        {"__init__", SW_INIT, t->init != NULL && (t->base == NULL || t->init != t->base->init)},
        {"__repr__", SW_REPR, t->repr != NULL && (t->base == NULL || t->repr != t->base->repr)},
        {"__str__", SW_STR, t->str != NULL && (t->base == NULL || t->str != t->base->str)},
    };
    for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
        if (!sw[i].has || t == &fp_object_type)
            continue;
        if (ftc_dict_contains(t->dict, fp_intern(sw[i].name)) == 1)
            continue;
        if (add_descr(t, sw[i].name, slotwrapper_new(t, sw[i].which, NULL)) < 0)
            return -1;
    }
    t->flags |= FP_TPFLAG_READY;
    return 0;
}

/* ---- slot functions for user classes ---- */
static ftc_object *lookup_dunder(ftc_object *o, const char *name)
{
    return fp_type_lookup_ref(fp_type_of(o), fp_intern(name));
}

/* Calls the special method found on type(self): a new reference, NULL on error; *found = 0
 * if the type has none. */
static ftc_object *call_dunder(ftc_object *self, const char *name, ftc_object *const *args,
                               size_t nargs, int *found)
{
    ftc_object *d = lookup_dunder(self, name);
    if (d == NULL) {
        if (found)
            *found = 0;
        return NULL;
    }
    if (found)
        *found = 1;
    ftc_object *buf[4];
    buf[0] = self;
    for (size_t i = 0; i < nargs && i < 3; i++)
        buf[i + 1] = args[i];
    ftc_object *r;
    fp_type *dt = fp_type_of(d);
    if (dt == &fp_function_type) {
        r = fp_call(d, buf, nargs + 1, NULL);
    } else if (dt == &fp_methoddescr_type) {
        r = ((fp_methoddescr_object *)d)->def->fn(self, args, nargs, NULL);
    } else if (dt->descr_get) {
        ftc_object *bound = dt->descr_get(d, self, fp_type_of(self));
        r = bound ? fp_call(bound, args, nargs, NULL) : NULL;
        ftc_xdecref(bound);
    } else {
        r = fp_call(d, args, nargs, NULL);
    }
    ftc_decref(d);
    return r;
}

static ftc_object *slot_repr(ftc_object *o)
{
    ftc_object *r = call_dunder(o, "__repr__", NULL, 0, NULL);
    if (r != NULL && !fp_str_check(r)) {
        fp_err_set(&fp_TypeError_type, "__repr__ returned non-string (type %s)", fp_type_name(r));
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static ftc_object *slot_str(ftc_object *o)
{
    ftc_object *r = call_dunder(o, "__str__", NULL, 0, NULL);
    if (r != NULL && !fp_str_check(r)) {
        fp_err_set(&fp_TypeError_type, "__str__ returned non-string (type %s)", fp_type_name(r));
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static int64_t slot_hash(ftc_object *o)
{
    ftc_object *r = call_dunder(o, "__hash__", NULL, 0, NULL);
    if (r == NULL)
        return -1;
    if (!fp_int_like(r)) {
        fp_err_set(&fp_TypeError_type, "__hash__ method should return an integer");
        ftc_decref(r);
        return -1;
    }
    int64_t h = fp_int_like_value(r);
    ftc_decref(r);
    return h == -1 ? -2 : h;
}

static int64_t slot_unhashable(ftc_object *o)
{
    fp_err_set(&fp_TypeError_type, "unhashable type: '%s'", fp_type_name(o));
    return -1;
}

static const char *const cmp_names[] = {"__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__"};

static ftc_object *slot_richcompare(ftc_object *a, ftc_object *b, int op)
{
    ftc_object *d = lookup_dunder(a, cmp_names[op]);
    if (d != NULL && fp_type_of(d) == &fp_function_type) {
        ftc_object *args[2] = {a, b};
        ftc_object *r = fp_call(d, args, 2, NULL);
        ftc_decref(d);
        return r;
    }
    ftc_xdecref(d);
    if (op == FP_NE) {
        ftc_object *e = lookup_dunder(a, "__eq__");
        if (e != NULL && fp_type_of(e) == &fp_function_type) {
            ftc_object *args[2] = {a, b};
            ftc_object *r = fp_call(e, args, 2, NULL);
            ftc_decref(e);
            if (r == NULL || r == fp_NotImplemented)
                return r;
            int v = fp_truthy(r);
            ftc_decref(r);
            return v < 0 ? NULL : fp_bool(!v);
        }
        ftc_xdecref(e);
    }
    /* the base's comparison (a static base, or object's identity) */
    fp_type *t = fp_type_of(a);
    while (t != NULL && t->richcompare == slot_richcompare)
        t = t->base;
    if (t != NULL && t->richcompare != NULL)
        return t->richcompare(a, b, op);
    return notimpl();
}

static ftc_object *slot_call(ftc_object *o, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    ftc_object *d = lookup_dunder(o, "__call__");
    if (d == NULL) {
        fp_err_set(&fp_TypeError_type, "'%s' object is not callable", fp_type_name(o));
        return NULL;
    }
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    ftc_object *small[9];
    ftc_object **buf = nargs + nkw + 1 <= 9 ? small : malloc((nargs + nkw + 1) * sizeof *buf);
    if (buf == NULL) {
        ftc_decref(d);
        return fp_err_nomem();
    }
    buf[0] = o;
    if (nargs + nkw > 0) /* args may be NULL then (fp_call0): memcpy's arguments must not be */
        memcpy(buf + 1, args, (nargs + nkw) * sizeof *buf);
    ftc_object *r;
    if (fp_type_of(d) == &fp_function_type) {
        r = fp_call(d, buf, nargs + 1, kwnames);
    } else {
        ftc_object *bound = fp_type_of(d)->descr_get ? fp_type_of(d)->descr_get(d, o, fp_type_of(o))
                                                     : (ftc_incref(d), d);
        r = bound ? fp_call(bound, args, nargs, kwnames) : NULL;
        ftc_xdecref(bound);
    }
    if (buf != small)
        free(buf);
    ftc_decref(d);
    return r;
}

static ftc_object *slot_iter(ftc_object *o) { return call_dunder(o, "__iter__", NULL, 0, NULL); }

static ftc_object *slot_next(ftc_object *o) { return call_dunder(o, "__next__", NULL, 0, NULL); }

static int64_t slot_len(ftc_object *o)
{
    ftc_object *r = call_dunder(o, "__len__", NULL, 0, NULL);
    if (r == NULL)
        return -1;
    if (!fp_int_like(r)) {
        fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                   fp_type_name(r));
        ftc_decref(r);
        return -1;
    }
    int64_t n = fp_int_like_value(r);
    ftc_decref(r);
    if (n < 0) {
        fp_err_set(&fp_ValueError_type, "__len__() should return >= 0");
        return -1;
    }
    return n;
}

static ftc_object *slot_getitem(ftc_object *o, ftc_object *k)
{
    return call_dunder(o, "__getitem__", &k, 1, NULL);
}

static int slot_setitem(ftc_object *o, ftc_object *k, ftc_object *v)
{
    ftc_object *args[2] = {k, v};
    int found = 1;
    ftc_object *r = v ? call_dunder(o, "__setitem__", args, 2, &found)
                      : call_dunder(o, "__delitem__", args, 1, &found);
    if (!found) {
        fp_err_set(&fp_TypeError_type,
                   v ? "'%s' object does not support item assignment"
                     : "'%s' object does not support item deletion",
                   fp_type_name(o));
        return -1;
    }
    if (r == NULL)
        return -1;
    ftc_decref(r);
    return 0;
}

static int slot_contains(ftc_object *o, ftc_object *v)
{
    ftc_object *r = call_dunder(o, "__contains__", &v, 1, NULL);
    if (r == NULL)
        return -1;
    int b = fp_truthy(r);
    ftc_decref(r);
    return b;
}

static int slot_bool(ftc_object *o)
{
    int found = 1;
    ftc_object *r = call_dunder(o, "__bool__", NULL, 0, &found);
    if (r == NULL)
        return -1;
    if (!fp_bool_check(r)) {
        fp_err_set(&fp_TypeError_type, "__bool__ should return bool, returned %s", fp_type_name(r));
        ftc_decref(r);
        return -1;
    }
    int b = r == fp_True;
    ftc_decref(r);
    return b;
}

static int slot_init(ftc_object *o, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    ftc_object *d = lookup_dunder(o, "__init__");
    if (d == NULL)
        return 0;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    ftc_object *small[9];
    ftc_object **buf = nargs + nkw + 1 <= 9 ? small : malloc((nargs + nkw + 1) * sizeof *buf);
    if (buf == NULL) {
        ftc_decref(d);
        fp_err_nomem();
        return -1;
    }
    buf[0] = o;
    memcpy(buf + 1, args, (nargs + nkw) * sizeof *buf);
    ftc_object *r;
    if (fp_type_of(d) == &fp_methoddescr_type)
        r = ((fp_methoddescr_object *)d)->def->fn(o, args, nargs, kwnames);
    else
        r = fp_call(d, buf, nargs + 1, kwnames);
    if (buf != small)
        free(buf);
    ftc_decref(d);
    if (r == NULL)
        return -1;
    if (r != fp_None) {
        fp_err_set(&fp_TypeError_type, "__init__() should return None, not '%s'", fp_type_name(r));
        ftc_decref(r);
        return -1;
    }
    return 0;
}

static ftc_object *slot_unary(ftc_object *o, const char *name)
{
    int found = 1;
    ftc_object *r = call_dunder(o, name, NULL, 0, &found);
    if (!found)
        fp_err_set(&fp_TypeError_type, "bad operand type for unary %s: '%s'",
                   strcmp(name, "__neg__") == 0      ? "-"
                   : strcmp(name, "__pos__") == 0    ? "+"
                   : strcmp(name, "__invert__") == 0 ? "~"
                                                     : "abs()",
                   fp_type_name(o));
    return r;
}
static ftc_object *slot_neg(ftc_object *o) { return slot_unary(o, "__neg__"); }
static ftc_object *slot_pos(ftc_object *o) { return slot_unary(o, "__pos__"); }
static ftc_object *slot_invert(ftc_object *o) { return slot_unary(o, "__invert__"); }
static ftc_object *slot_abs(ftc_object *o) { return slot_unary(o, "__abs__"); }

static const char *const nb_names[FP_NB_COUNT][2] = {
    {"__add__", "__radd__"},           {"__sub__", "__rsub__"},
    {"__mul__", "__rmul__"},           {"__truediv__", "__rtruediv__"},
    {"__floordiv__", "__rfloordiv__"}, {"__mod__", "__rmod__"},
    {"__pow__", "__rpow__"},           {"__lshift__", "__rlshift__"},
    {"__rshift__", "__rrshift__"},     {"__or__", "__ror__"},
    {"__xor__", "__rxor__"},           {"__and__", "__rand__"},
};

static ftc_object *slot_binop(ftc_object *a, ftc_object *b, int op);
#define SLOT_NB(i) \
    static ftc_object *slot_nb_##i(ftc_object *a, ftc_object *b) { return slot_binop(a, b, i); }
/* clang-format off */
SLOT_NB(0) SLOT_NB(1) SLOT_NB(2) SLOT_NB(3) SLOT_NB(4) SLOT_NB(5) SLOT_NB(6) SLOT_NB(7)
SLOT_NB(8) SLOT_NB(9) SLOT_NB(10) SLOT_NB(11)
static const fp_binaryfunc slot_nb[FP_NB_COUNT] = {
    slot_nb_0, slot_nb_1, slot_nb_2, slot_nb_3, slot_nb_4, slot_nb_5,
    slot_nb_6, slot_nb_7, slot_nb_8, slot_nb_9, slot_nb_10, slot_nb_11,
};
/* clang-format on */

static ftc_object *slot_binop(ftc_object *a, ftc_object *b, int op)
{
    fp_type *ta = fp_type_of(a), *tb = fp_type_of(b);
    if (ta->nb[op] == slot_nb[op]) {
        ftc_object *d = lookup_dunder(a, nb_names[op][0]);
        if (d != NULL && fp_type_of(d) == &fp_function_type) {
            ftc_object *args[2] = {a, b};
            ftc_object *r = fp_call(d, args, 2, NULL);
            ftc_decref(d);
            if (r != fp_NotImplemented)
                return r;
            ftc_decref(r);
        } else {
            ftc_xdecref(d);
        }
    }
    if (tb != ta && tb->nb[op] == slot_nb[op]) {
        ftc_object *d = lookup_dunder(b, nb_names[op][1]);
        if (d != NULL && fp_type_of(d) == &fp_function_type) {
            ftc_object *args[2] = {b, a};
            ftc_object *r = fp_call(d, args, 2, NULL);
            ftc_decref(d);
            return r;
        }
        ftc_xdecref(d);
    }
    return notimpl();
}

static ftc_object *slot_getattr_hook(ftc_object *o, ftc_object *name)
{
    return fp_generic_getattr(o, name);
}

/* Which slots a special method name controls; installs or keeps them. */
void _fp_type_fixup_slots(fp_type *t, const char *n)
{
    if (n[0] != '_' || n[1] != '_')
        return;
    if (!strcmp(n, "__repr__"))
        t->repr = slot_repr;
    else if (!strcmp(n, "__str__"))
        t->str = slot_str;
    else if (!strcmp(n, "__hash__"))
        t->hash = slot_hash;
    else if (!strcmp(n, "__call__"))
        t->call = slot_call;
    else if (!strcmp(n, "__iter__"))
        t->iter = slot_iter;
    else if (!strcmp(n, "__next__"))
        t->next = slot_next;
    else if (!strcmp(n, "__len__"))
        t->len = slot_len;
    else if (!strcmp(n, "__getitem__"))
        t->getitem = slot_getitem;
    else if (!strcmp(n, "__setitem__") || !strcmp(n, "__delitem__"))
        t->setitem = slot_setitem;
    else if (!strcmp(n, "__contains__"))
        t->contains = slot_contains;
    else if (!strcmp(n, "__bool__"))
        t->bool_ = slot_bool;
    else if (!strcmp(n, "__init__"))
        t->init = slot_init;
    else if (!strcmp(n, "__neg__"))
        t->nb_neg = slot_neg;
    else if (!strcmp(n, "__pos__"))
        t->nb_pos = slot_pos;
    else if (!strcmp(n, "__invert__"))
        t->nb_invert = slot_invert;
    else if (!strcmp(n, "__abs__"))
        t->nb_abs = slot_abs;
    else if (!strcmp(n, "__getattr__"))
        t->getattr = slot_getattr_hook;
    else {
        for (int i = 0; i < 6; i++)
            if (!strcmp(n, cmp_names[i])) {
                t->richcompare = slot_richcompare;
                return;
            }
        for (int i = 0; i < FP_NB_COUNT; i++)
            if (!strcmp(n, nb_names[i][0]) || !strcmp(n, nb_names[i][1])) {
                t->nb[i] = slot_nb[i];
                return;
            }
    }
}

/* ---- user classes ---- */
static void heap_instance_dealloc(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    fp_type *b = t;
    while (b != NULL && b->ct.dealloc == heap_instance_dealloc)
        b = b->base;
    /* the dict this class chain added (bases without one) */
    fp_type *owner = t;
    while (owner->base && owner->base->dictoffset == owner->dictoffset &&
           (owner->base->flags & FP_TPFLAG_HEAPTYPE))
        owner = owner->base;
    if (b != NULL && b->dictoffset != t->dictoffset && t->dictoffset) {
        ftc_object **slot = (ftc_object **)(void *)((char *)o + t->dictoffset);
        ftc_xdecref(*slot);
        *slot = NULL;
    }
    if (b != NULL && b->ct.dealloc != NULL)
        b->ct.dealloc(o);
}

/* The first base that is not a class statement's (its layout and callbacks are a static
 * type's), and the slot of the dict the class chain added itself, or NULL when that base
 * has the dict (an exception's, a Thread's): as in heap_instance_dealloc. */
static fp_type *heap_static_base(ftc_object *o, ftc_object ***dictslot)
{
    fp_type *t = fp_type_of(o);
    fp_type *b = t->base;
    while (b != NULL && (b->flags & FP_TPFLAG_HEAPTYPE))
        b = b->base;
    *dictslot = NULL;
    if (b != NULL && b->dictoffset != t->dictoffset && t->dictoffset)
        *dictslot = (ftc_object **)(void *)((char *)o + t->dictoffset);
    return b;
}

static int heap_instance_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    ftc_object **slot;
    fp_type *b = heap_static_base(o, &slot);
    if (slot != NULL)
        FP_VISIT(ftc_atomic_load_relaxed(slot)); /* made on first use by a CAS */
    /* Instances do not count their class (classes are immortal): nothing to visit there. */
    if (b != NULL && b->ct.traverse != NULL)
        return b->ct.traverse(o, visit, arg);
    return 0;
}

static int heap_instance_clear(ftc_object *o)
{
    ftc_object **slot;
    fp_type *b = heap_static_base(o, &slot);
    if (slot != NULL) {
        ftc_object *d = ftc_atomic_load_relaxed(slot);
        ftc_atomic_store_relaxed(slot, (ftc_object *)NULL);
        ftc_xdecref(d);
    }
    if (b != NULL && b->ct.clear != NULL)
        return b->ct.clear(o);
    return 0;
}

ftc_object *fp_class_new(ftc_object *name, fp_type *base, ftc_object *ns, ftc_object *qualname)
{
    (void)qualname;
    if (!(base->flags & FP_TPFLAG_BASETYPE)) {
        if (base == &fp_int_type || base == &fp_float_type || base == &fp_str_type ||
            base == &fp_tuple_type || base == &fp_list_type || base == &fp_dict_type)
            fp_err_set(&fp_NotImplementedError_type, "ftpy does not support subclassing '%s'",
                       base->ct.name);
        else
            fp_err_set(&fp_TypeError_type, "type '%s' is not an acceptable base type",
                       base->ct.name);
        return NULL;
    }
    fp_type *t = (fp_type *)ftc_object_new(&fp_type_type.ct);
    if (t == NULL)
        return fp_err_nomem();
    ftc_incref(name);
    t->name_obj = name;
    t->ct.name = fp_str_data(name);
    t->base = base;
    ftc_incref(FP_TYPE_OBJ(base));
    t->flags =
        FP_TPFLAG_HEAPTYPE | FP_TPFLAG_BASETYPE | FP_TPFLAG_READY | (base->flags & FP_TPFLAG_EXC);
    t->ct.basicsize = base->ct.basicsize;
    t->dictoffset = base->dictoffset;
    if (t->dictoffset == 0) {
        size_t off = (t->ct.basicsize + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
        t->dictoffset = off;
        t->ct.basicsize = off + sizeof(ftc_object *);
    }
    t->ct.dealloc = heap_instance_dealloc;
    /* Every instance is tracked by the cycle collector (it has a dict) and, as in CPython,
     * can be weakly referenced whatever its base. */
    t->ct.traverse = heap_instance_traverse;
    t->ct.clear = heap_instance_clear;
    t->flags |= FP_TPFLAG_WEAKREF;
    /* slots from the base, then the namespace's special methods */
    t->repr = base->repr;
    t->str = base->str;
    t->hash = base->hash;
    t->richcompare = base->richcompare;
    t->getattr = base->getattr;
    t->setattr = base->setattr;
    t->call = base->call;
    t->iter = base->iter;
    t->next = base->next;
    t->len = base->len;
    t->getitem = base->getitem;
    t->setitem = base->setitem;
    t->contains = base->contains;
    t->bool_ = base->bool_;
    t->nb_inplace_add = base->nb_inplace_add;
    t->nb_neg = base->nb_neg;
    t->nb_pos = base->nb_pos;
    t->nb_invert = base->nb_invert;
    t->nb_abs = base->nb_abs;
    t->new_ = base->new_;
    t->init = base->init;
    t->descr_get = base->descr_get;
    t->descr_set = base->descr_set;
    memcpy(t->nb, base->nb, sizeof t->nb);
    t->dict = ftc_dict_copy(ns);
    if (t->dict == NULL) {
        ftc_decref(FTC_OBJ(t));
        return fp_err_nomem();
    }
    bool has_eq = false, has_hash = false;
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    while (ftc_dict_next(t->dict, &pos, &k, &v) == 1) {
        if (fp_str_check(k)) {
            const char *kn = fp_str_data(k);
            if (!strcmp(kn, "__eq__"))
                has_eq = true;
            if (!strcmp(kn, "__hash__")) {
                has_hash = true;
                if (v == fp_None) {
                    t->hash = slot_unhashable;
                    ftc_decref(k);
                    ftc_decref(v);
                    continue;
                }
            }
            _fp_type_fixup_slots(t, kn);
        }
        ftc_decref(k);
        ftc_decref(v);
    }
    if (has_eq && !has_hash)
        t->hash = slot_unhashable;
    t->ct.hash = t->hash == slot_unhashable ? NULL : ct_hash_generic;
    t->ct.eq = t->richcompare == fp_object_type.richcompare ? NULL : ct_eq_generic;
    if (t->hash == fp_object_type.hash)
        t->ct.hash = ct_hash_generic;
    _fp_type_modified();
    /* Instances do not count a reference to their class (ob_type is a plain pointer), so a
     * class must outlive every instance of it: it is immortal in both builds (no reference
     * count to contend on either), and ftc_runtime_fini frees it only after running every
     * immortal's dealloc, which releases the module dicts' instances first. As an ordinary
     * object (GIL build) or a hot one (nogil) the module dict's teardown at fini dropped it
     * before an instance stored after it (use-after-free under ASan), and so would `del A`
     * with instances alive (tests/vm/stmt_class_lifetime.py). The cost: a class made at run
     * time again and again (a class statement in a loop) is kept until exit. */
    ftc_object_immortalize(FTC_OBJ(t));
    fp_class_register(t); /* its dict is released at exit (module.c) */
    return FTC_OBJ(t);
}

/* ---- staticmethod, classmethod ---- */
typedef struct wrapper_object {
    FTC_OBJECT_HEAD;
    ftc_object *func;
} wrapper_object;

static void wrapper_dealloc(ftc_object *o) { ftc_xdecref(((wrapper_object *)o)->func); }

static int wrapper_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((wrapper_object *)o)->func);
    return 0;
}

static int wrapper_clear(ftc_object *o)
{
    fp_clear_slot(&((wrapper_object *)o)->func);
    return 0;
}

static ftc_object *wrapper_new(fp_type *type, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    if (fp_check_args(type->ct.name, nargs, kwnames, 1, 1) < 0)
        return NULL;
    wrapper_object *w = (wrapper_object *)ftc_object_new(&type->ct);
    if (w == NULL)
        return fp_err_nomem();
    ftc_incref(args[0]);
    w->func = args[0];
    return FTC_OBJ(w);
}

static int wrapper_init(ftc_object *s, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)s;
    (void)a;
    (void)n;
    (void)k;
    return 0;
}

static ftc_object *staticmethod_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    (void)obj;
    (void)type;
    ftc_object *f = ((wrapper_object *)d)->func;
    ftc_incref(f);
    return f;
}

static ftc_object *staticmethod_call(ftc_object *d, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    return fp_call(((wrapper_object *)d)->func, args, nargs, kwnames);
}

static ftc_object *classmethod_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    fp_type *t = obj ? fp_type_of(obj) : type;
    return fp_method_new(((wrapper_object *)d)->func, FP_TYPE_OBJ(t));
}

static ftc_object *wrapper_get_func(ftc_object *o)
{
    ftc_object *f = ((wrapper_object *)o)->func;
    ftc_incref(f);
    return f;
}

static const fp_getset_def wrapper_getsets[] = {
    {"__func__", wrapper_get_func, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_staticmethod_type = {
    FP_TYPE_HEAD,
    .ct = {"staticmethod", sizeof(wrapper_object), wrapper_dealloc, NULL, NULL, wrapper_traverse,
           wrapper_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .call = staticmethod_call,
    .descr_get = staticmethod_get,
    .new_ = wrapper_new,
    .init = wrapper_init,
    .getsets = wrapper_getsets,
};

fp_type fp_classmethod_type = {
    FP_TYPE_HEAD,
    .ct = {"classmethod", sizeof(wrapper_object), wrapper_dealloc, NULL, NULL, wrapper_traverse,
           wrapper_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .descr_get = classmethod_get,
    .new_ = wrapper_new,
    .init = wrapper_init,
    .getsets = wrapper_getsets,
};

/* ---- property ---- */
typedef struct property_object {
    FTC_OBJECT_HEAD;
    ftc_object *fget, *fset, *fdel, *doc;
    ftc_object *name;
} property_object;

static void property_dealloc(ftc_object *o)
{
    property_object *p = (property_object *)o;
    ftc_xdecref(p->fget);
    ftc_xdecref(p->fset);
    ftc_xdecref(p->fdel);
    ftc_xdecref(p->doc);
    ftc_xdecref(p->name);
}

static int property_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    property_object *p = (property_object *)o;
    FP_VISIT(p->fget);
    FP_VISIT(p->fset);
    FP_VISIT(p->fdel);
    FP_VISIT(p->doc);
    FP_VISIT(p->name);
    return 0;
}

static int property_clear(ftc_object *o)
{
    property_object *p = (property_object *)o;
    fp_clear_slot(&p->fget);
    fp_clear_slot(&p->fset);
    fp_clear_slot(&p->fdel);
    fp_clear_slot(&p->doc);
    fp_clear_slot(&p->name);
    return 0;
}

static ftc_object *property_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    static const char *const kw[] = {"fget", "fset", "fdel", "doc", NULL};
    ftc_object *a[4];
    if (fp_parse_args("property", args, nargs, kwnames, kw, 0, 4, a) < 0)
        return NULL;
    property_object *p = (property_object *)ftc_object_new(&type->ct);
    if (p == NULL)
        return fp_err_nomem();
    for (int i = 0; i < 4; i++)
        if (a[i] == fp_None)
            a[i] = NULL;
    p->fget = a[0];
    ftc_xincref(a[0]);
    p->fset = a[1];
    ftc_xincref(a[1]);
    p->fdel = a[2];
    ftc_xincref(a[2]);
    p->doc = a[3];
    ftc_xincref(a[3]);
    if (p->fget)
        p->name = fp_getattr_opt(p->fget, fp_intern("__name__"));
    if (fp_err_occurred()) {
        ftc_decref(FTC_OBJ(p));
        return NULL;
    }
    return FTC_OBJ(p);
}

static const char *prop_name(property_object *p)
{
    return p->name && fp_str_check(p->name) ? fp_str_data(p->name) : "?";
}

static ftc_object *property_get(ftc_object *d, ftc_object *obj, fp_type *type)
{
    (void)type;
    property_object *p = (property_object *)d;
    if (obj == NULL) {
        ftc_incref(d);
        return d;
    }
    if (p->fget == NULL) {
        fp_err_set(&fp_AttributeError_type, "property '%s' of '%s' object has no getter",
                   prop_name(p), fp_type_name(obj));
        return NULL;
    }
    return fp_call1(p->fget, obj);
}

static int property_set(ftc_object *d, ftc_object *obj, ftc_object *v)
{
    property_object *p = (property_object *)d;
    ftc_object *f = v ? p->fset : p->fdel;
    if (f == NULL) {
        fp_err_set(&fp_AttributeError_type,
                   v ? "property '%s' of '%s' object has no setter"
                     : "property '%s' of '%s' object has no deleter",
                   prop_name(p), fp_type_name(obj));
        return -1;
    }
    ftc_object *r = v ? fp_call2(f, obj, v) : fp_call1(f, obj);
    if (r == NULL)
        return -1;
    ftc_decref(r);
    return 0;
}

static ftc_object *property_copy(ftc_object *self, int which, ftc_object *f)
{
    property_object *p = (property_object *)self;
    ftc_object *args[4] = {p->fget ? p->fget : fp_None, p->fset ? p->fset : fp_None,
                           p->fdel ? p->fdel : fp_None, p->doc ? p->doc : fp_None};
    args[which] = f;
    return property_new(fp_type_of(self), args, 4, NULL);
}

static ftc_object *property_m_getter(ftc_object *s, ftc_object *const *a, size_t n, ftc_object *k)
{
    if (fp_check_args("getter", n, k, 1, 1) < 0)
        return NULL;
    return property_copy(s, 0, a[0]);
}

static ftc_object *property_m_setter(ftc_object *s, ftc_object *const *a, size_t n, ftc_object *k)
{
    if (fp_check_args("setter", n, k, 1, 1) < 0)
        return NULL;
    return property_copy(s, 1, a[0]);
}

static ftc_object *property_m_deleter(ftc_object *s, ftc_object *const *a, size_t n, ftc_object *k)
{
    if (fp_check_args("deleter", n, k, 1, 1) < 0)
        return NULL;
    return property_copy(s, 2, a[0]);
}

static const fp_method_def property_methods[] = {
    {"getter", property_m_getter, 0},
    {"setter", property_m_setter, 0},
    {"deleter", property_m_deleter, 0},
    {NULL, NULL, 0},
};

fp_type fp_property_type = {
    FP_TYPE_HEAD,
    .ct = {"property", sizeof(property_object), property_dealloc, NULL, NULL, property_traverse,
           property_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .descr_get = property_get,
    .descr_set = property_set,
    .new_ = property_new,
    .init = wrapper_init,
    .methods = property_methods,
};

/* ---- super ---- */
typedef struct super_object {
    FTC_OBJECT_HEAD;
    fp_type *type;   /* start the lookup after this class */
    ftc_object *obj; /* the instance (or class) */
    fp_type *obj_type;
} super_object;

static void super_dealloc(ftc_object *o)
{
    super_object *s = (super_object *)o;
    ftc_xdecref(FP_TYPE_OBJ(s->type));
    ftc_xdecref(s->obj);
}

static int super_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    super_object *s = (super_object *)o;
    if (s->type != NULL)
        FP_VISIT(FP_TYPE_OBJ(s->type)); /* counted (a class: immortal, never tracked) */
    FP_VISIT(s->obj);
    return 0;
}

static ftc_object *super_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_check_args("super", nargs, kwnames, 0, 2) < 0)
        return NULL;
    ftc_object *cls = NULL, *obj = NULL;
    if (nargs == 0) {
        fp_frame *f = fp_thread_get()->frame;
        if (f == NULL || f->code->argcount == 0) {
            fp_err_set(&fp_RuntimeError_type, "super(): no arguments");
            return NULL;
        }
        fp_code_object *co = f->code;
        obj = f->localsplus[0];
        for (int i = 0; i < co->ncells; i++)
            if (co->cell2arg[i] == 0)
                obj = ((fp_cell_object *)f->localsplus[co->nlocals + i])->ref;
        for (int i = 0; i < co->nfree; i++) {
            ftc_object *nm = co->localnames[co->nlocals + co->ncells + i];
            if (strcmp(fp_str_data(nm), "__class__") == 0) {
                cls = ((fp_cell_object *)f->localsplus[co->nlocals + co->ncells + i])->ref;
                break;
            }
        }
        if (cls == NULL) {
            fp_err_set(&fp_RuntimeError_type, "super(): __class__ cell not found");
            return NULL;
        }
        if (obj == NULL) {
            fp_err_set(&fp_RuntimeError_type, "super(): arg[0] deleted");
            return NULL;
        }
    } else {
        cls = args[0];
        obj = nargs > 1 ? args[1] : NULL;
        if (obj == NULL) {
            fp_err_set(&fp_NotImplementedError_type, "ftpy does not support unbound super()");
            return NULL;
        }
    }
    if (fp_type_of(cls) != &fp_type_type) {
        fp_err_set(&fp_TypeError_type, "super() argument 1 must be a type, not %s",
                   fp_type_name(cls));
        return NULL;
    }
    fp_type *ot;
    if (fp_type_of(obj) == &fp_type_type && fp_type_is_subtype((fp_type *)obj, (fp_type *)cls))
        ot = (fp_type *)obj;
    else if (fp_isinstance_type(obj, (fp_type *)cls))
        ot = fp_type_of(obj);
    else {
        fp_err_set(&fp_TypeError_type,
                   "super(type, obj): obj must be an instance or subtype of type");
        return NULL;
    }
    super_object *s = (super_object *)ftc_object_new(&type->ct);
    if (s == NULL)
        return fp_err_nomem();
    ftc_incref(cls);
    ftc_incref(obj);
    s->type = (fp_type *)cls;
    s->obj = obj;
    s->obj_type = ot;
    return FTC_OBJ(s);
}

static ftc_object *super_getattr(ftc_object *o, ftc_object *name)
{
    super_object *s = (super_object *)o;
    for (fp_type *t = s->type->base; t != NULL; t = t->base) {
        ftc_object *v;
        if (t->dict != NULL && ftc_dict_get_borrowed(t->dict, name, &v) == 1) {
            ftc_incref(v);
            fp_type *vt = fp_type_of(v);
            if (vt->descr_get != NULL) {
                ftc_object *inst = s->obj == FP_TYPE_OBJ(s->obj_type) ? NULL : s->obj;
                ftc_object *r = vt->descr_get(v, inst, s->obj_type);
                ftc_decref(v);
                return r;
            }
            return v;
        }
    }
    return fp_generic_getattr(o, name);
}

static int super_init(ftc_object *s, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)s;
    (void)a;
    (void)n;
    (void)k;
    return 0;
}

static ftc_object *super_repr(ftc_object *o)
{
    super_object *s = (super_object *)o;
    return fp_str_from_fmt("<super: <class '%s'>, <%s object>>", s->type->ct.name,
                           s->obj_type->ct.name);
}

fp_type fp_super_type = {
    FP_TYPE_HEAD,
    .ct = {"super", sizeof(super_object), super_dealloc, NULL, NULL, super_traverse, NULL},
    .base = &fp_object_type,
    .repr = super_repr,
    .getattr = super_getattr,
    .new_ = super_new,
    .init = super_init,
};
