/* Generic operations on objects (CPython's abstract object layer): repr, str, hash, rich
 * comparison, truth, len, attributes, items, containment, the number protocol, iteration;
 * the small constructors every file uses (str, int, list, dict wrappers with Python errors);
 * interned strings; slices; the sequence iterator for classes with only __getitem__.
 *
 * Each operation dispatches through the type's slot and raises CPython's TypeError text
 * when there is none. Binary operators try the left operand's slot, then the right one's
 * when its type differs and its slot is another function (each user-class slot tries both
 * __op__ and __rop__ itself). Comparisons try the reflected operation second, and first
 * when the right operand's type is a subclass of the left's.
 *
 * Interned strings live in one process-wide ftcore dict (str -> the same str), read without a
 * lock; an insert makes the new str immortal before publishing it with setdefault, so two
 * threads interning the same text agree on one object.
 */
#include "ceval.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ftc_object *interned;

/* ---- constructors ---- */
ftc_object *fp_int_new(int64_t v)
{
    ftc_object *o = ftc_int_new(v);
    return o ? o : fp_err_nomem();
}

ftc_object *fp_str_new(const char *s, size_t len)
{
    ftc_object *o = ftc_str_new(s, len);
    return o ? o : fp_err_nomem();
}

ftc_object *fp_str_from_cstr(const char *s) { return fp_str_new(s, strlen(s)); }

ftc_object *fp_str_from_fmt(const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return fp_str_new("", 0);
    if ((size_t)n < sizeof small)
        return fp_str_new(small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (big == NULL)
        return fp_err_nomem();
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ftc_object *r = fp_str_new(big, (size_t)n);
    free(big);
    return r;
}

ftc_object *fp_intern_len(const char *s, size_t len)
{
    ftc_object *key = ftc_str_new(s, len);
    if (key == NULL)
        return fp_err_nomem();
    ftc_object *v;
    if (ftc_dict_get_borrowed(interned, key, &v) == 1) {
        ftc_decref(key);
        return v;
    }
    ftc_object_immortalize(key);
    ftc_object *out;
    int r = ftc_dict_setdefault_ref(interned, key, key, &out);
    if (r < 0)
        return fp_err_nomem();
    ftc_decref(out); /* immortal: the dict's reference keeps it anyway */
    return out;
}

ftc_object *fp_intern(const char *s) { return fp_intern_len(s, strlen(s)); }

ftc_object *fp_list_new(void)
{
    ftc_object *l = ftc_list_new();
    return l ? l : fp_err_nomem();
}

ftc_object *fp_dict_new(void)
{
    ftc_object *d = ftc_dict_new();
    return d ? d : fp_err_nomem();
}

int fp_list_append(ftc_object *l, ftc_object *v)
{
    int r = ftc_list_append(l, v);
    return r < 0 ? fp_err_from_code(r, NULL) : 0;
}

int fp_list_append_unique(ftc_object *l, ftc_object *v)
{
    int r = ftc_list_append_unique(l, v);
    return r < 0 ? fp_err_from_code(r, NULL) : 0;
}

ftc_object *fp_dict_get(ftc_object *d, ftc_object *key)
{
    ftc_object *v;
    int r = ftc_dict_get_ref(d, key, &v);
    if (r == 1)
        return v;
    if (r < 0)
        fp_err_from_code(r, key);
    return NULL;
}

int fp_dict_set(ftc_object *d, ftc_object *key, ftc_object *v)
{
    int r = ftc_dict_set(d, key, v);
    return r < 0 ? fp_err_from_code(r, key) : 0;
}

int fp_dict_set_cstr(ftc_object *d, const char *key, ftc_object *v)
{
    ftc_object *k = fp_intern(key);
    if (k == NULL)
        return -1;
    return fp_dict_set(d, k, v);
}

int fp_dict_del(ftc_object *d, ftc_object *key)
{
    int r = ftc_dict_del(d, key);
    return r < 0 ? fp_err_from_code(r, key) : 0;
}

/* ---- repr, str, hash ---- */
ftc_object *fp_repr(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    if (t->repr == NULL)
        return fp_str_from_fmt("<%s object at %p>", t->ct.name, (void *)o);
    if (fp_enter_recursive_call(" while getting the repr of an object") < 0)
        return NULL;
    ftc_object *r = t->repr(o);
    fp_leave_recursive_call();
    return r;
}

ftc_object *fp_str(ftc_object *o)
{
    if (fp_str_check(o)) {
        ftc_incref(o);
        return o;
    }
    fp_type *t = fp_type_of(o);
    if (t->str == NULL)
        return fp_repr(o);
    if (fp_enter_recursive_call(" while getting the str of an object") < 0)
        return NULL;
    ftc_object *r = t->str(o);
    fp_leave_recursive_call();
    return r;
}

int64_t fp_hash(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    if (t->hash == NULL) {
        if (fp_str_check(o)) {
            int64_t h = (int64_t)(ftc_str_hash(o) >> 1);
            return h == -1 ? -2 : h;
        }
        fp_err_set(&fp_TypeError_type, "unhashable type: '%s'", t->ct.name);
        return -1;
    }
    return t->hash(o);
}

/* ---- comparison ---- */
static const char *const op_syms[] = {"<", "<=", "==", "!=", ">", ">="};
static const int swapped[] = {FP_GT, FP_GE, FP_EQ, FP_NE, FP_LT, FP_LE};

ftc_object *fp_richcompare(ftc_object *a, ftc_object *b, int op)
{
    fp_type *ta = fp_type_of(a), *tb = fp_type_of(b);
    bool checked_reverse = false;
    ftc_object *r;
    if (fp_enter_recursive_call(" in comparison") < 0)
        return NULL;
    if (ta != tb && tb->richcompare != NULL && fp_type_is_subtype(tb, ta) &&
        tb->richcompare != ta->richcompare) {
        checked_reverse = true;
        r = tb->richcompare(b, a, swapped[op]);
        if (r != fp_NotImplemented)
            goto done;
        ftc_decref(r);
    }
    if (ta->richcompare != NULL) {
        r = ta->richcompare(a, b, op);
        if (r != fp_NotImplemented)
            goto done;
        ftc_decref(r);
    }
    if (!checked_reverse && tb->richcompare != NULL) {
        r = tb->richcompare(b, a, swapped[op]);
        if (r != fp_NotImplemented)
            goto done;
        ftc_decref(r);
    }
    if (op == FP_EQ)
        r = fp_bool(a == b);
    else if (op == FP_NE)
        r = fp_bool(a != b);
    else {
        fp_err_set(&fp_TypeError_type, "'%s' not supported between instances of '%s' and '%s'",
                   op_syms[op], ta->ct.name, tb->ct.name);
        r = NULL;
    }
done:
    fp_leave_recursive_call();
    return r;
}

int fp_richcompare_bool(ftc_object *a, ftc_object *b, int op)
{
    if (a == b) {
        if (op == FP_EQ)
            return 1;
        if (op == FP_NE)
            return 0;
    }
    ftc_object *r = fp_richcompare(a, b, op);
    if (r == NULL)
        return -1;
    int v = r == fp_True ? 1 : r == fp_False ? 0 : fp_truthy(r);
    ftc_decref(r);
    return v;
}

int fp_eq(ftc_object *a, ftc_object *b)
{
    if (a == b)
        return 1;
    if (ftc_int_check(a) && ftc_int_check(b))
        return ftc_int_value(a) == ftc_int_value(b);
    if (fp_str_check(a) && fp_str_check(b))
        return fp_str_len(a) == fp_str_len(b) &&
               memcmp(fp_str_data(a), fp_str_data(b), fp_str_len(a)) == 0;
    return fp_richcompare_bool(a, b, FP_EQ);
}

/* ---- truth, len ---- */
int fp_truthy(ftc_object *o)
{
    if (o == fp_True)
        return 1;
    if (o == fp_False || o == fp_None)
        return 0;
    if (ftc_int_check(o))
        return ftc_int_value(o) != 0;
    fp_type *t = fp_type_of(o);
    if (t->bool_ != NULL)
        return t->bool_(o);
    if (t->len != NULL) {
        int64_t n = t->len(o);
        return n < 0 ? -1 : n != 0;
    }
    return 1;
}

int64_t fp_len(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    if (t->len == NULL) {
        fp_err_set(&fp_TypeError_type, "object of type '%s' has no len()", t->ct.name);
        return -1;
    }
    return t->len(o);
}

/* ---- attributes ---- */
ftc_object *fp_getattr(ftc_object *o, ftc_object *name)
{
    fp_type *t = fp_type_of(o);
    if (t->getattr != NULL)
        return t->getattr(o, name);
    return fp_generic_getattr(o, name);
}

ftc_object *fp_getattr_cstr(ftc_object *o, const char *name)
{
    ftc_object *n = fp_intern(name);
    return n ? fp_getattr(o, n) : NULL;
}

ftc_object *fp_getattr_opt(ftc_object *o, ftc_object *name)
{
    ftc_object *r = fp_getattr(o, name);
    if (r == NULL && fp_err_matches(&fp_AttributeError_type))
        fp_err_clear();
    return r;
}

int fp_setattr(ftc_object *o, ftc_object *name, ftc_object *v)
{
    fp_type *t = fp_type_of(o);
    if (t->setattr != NULL)
        return t->setattr(o, name, v);
    return fp_generic_setattr(o, name, v);
}

/* ---- items ---- */
ftc_object *fp_getitem(ftc_object *o, ftc_object *key)
{
    fp_type *t = fp_type_of(o);
    if (t->getitem == NULL) {
        if (t == &fp_type_type) {
            fp_err_set(&fp_NotImplementedError_type, "ftpy does not support generic aliases");
            return NULL;
        }
        fp_err_set(&fp_TypeError_type, "'%s' object is not subscriptable", t->ct.name);
        return NULL;
    }
    return t->getitem(o, key);
}

int fp_setitem(ftc_object *o, ftc_object *key, ftc_object *v)
{
    fp_type *t = fp_type_of(o);
    if (t->setitem == NULL) {
        fp_err_set(&fp_TypeError_type, "'%s' object does not support item assignment", t->ct.name);
        return -1;
    }
    return t->setitem(o, key, v);
}

int fp_delitem(ftc_object *o, ftc_object *key)
{
    fp_type *t = fp_type_of(o);
    if (t->setitem == NULL) {
        fp_err_set(&fp_TypeError_type, "'%s' object doesn't support item deletion", t->ct.name);
        return -1;
    }
    return t->setitem(o, key, NULL);
}

int fp_contains(ftc_object *c, ftc_object *v)
{
    fp_type *t = fp_type_of(c);
    if (t->contains != NULL)
        return t->contains(c, v);
    if (t->iter == NULL && t->getitem == NULL) {
        fp_err_set(&fp_TypeError_type, "argument of type '%s' is not iterable", t->ct.name);
        return -1;
    }
    ftc_object *it = fp_iter(c);
    if (it == NULL)
        return -1;
    ftc_object *x;
    int found = 0;
    while ((x = fp_next(it)) != NULL) {
        int r = fp_eq(x, v);
        ftc_decref(x);
        if (r != 0) {
            found = r;
            break;
        }
    }
    ftc_decref(it);
    if (found == 0 && fp_err_occurred())
        return -1;
    return found;
}

/* ---- numbers ---- */
static const char *const nb_syms[FP_NB_COUNT] = {"+",           "-",  "*",  "/", "//", "%",
                                                 "** or pow()", "<<", ">>", "|", "^",  "&"};
static const char *const nb_isyms[FP_NB_COUNT] = {
    "+=", "-=", "*=", "/=", "//=", "%=", "**=", "<<=", ">>=", "|=", "^=", "&="};

static ftc_object *binop_try(ftc_object *a, ftc_object *b, int nb)
{
    fp_type *ta = fp_type_of(a), *tb = fp_type_of(b);
    fp_binaryfunc sa = ta->nb[nb], sb = ta != tb ? tb->nb[nb] : NULL;
    if (sb == sa)
        sb = NULL;
    if (sa != NULL) {
        ftc_object *r = sa(a, b);
        if (r != fp_NotImplemented)
            return r;
        ftc_decref(r);
    }
    if (sb != NULL) {
        ftc_object *r = sb(a, b);
        if (r != fp_NotImplemented)
            return r;
        ftc_decref(r);
    }
    ftc_incref(fp_NotImplemented);
    return fp_NotImplemented;
}

ftc_object *fp_binop(ftc_object *a, ftc_object *b, int nb)
{
    ftc_object *r = binop_try(a, b, nb);
    if (r == fp_NotImplemented) {
        ftc_decref(r);
        if (nb == FP_NB_ADD && fp_str_check(a))
            fp_err_set(&fp_TypeError_type, "can only concatenate str (not \"%s\") to str",
                       fp_type_name(b));
        else if (nb == FP_NB_ADD && fp_list_check(a))
            fp_err_set(&fp_TypeError_type, "can only concatenate list (not \"%s\") to list",
                       fp_type_name(b));
        else if (nb == FP_NB_ADD && fp_tuple_check(a))
            fp_err_set(&fp_TypeError_type, "can only concatenate tuple (not \"%s\") to tuple",
                       fp_type_name(b));
        else
            fp_err_set(&fp_TypeError_type, "unsupported operand type(s) for %s: '%s' and '%s'",
                       nb_syms[nb], fp_type_name(a), fp_type_name(b));
        return NULL;
    }
    return r;
}

ftc_object *fp_inplace_binop(ftc_object *a, ftc_object *b, int nb)
{
    fp_type *ta = fp_type_of(a);
    if (nb == FP_NB_ADD && ta->nb_inplace_add != NULL) {
        ftc_object *r = ta->nb_inplace_add(a, b);
        if (r != fp_NotImplemented)
            return r;
        ftc_decref(r);
    }
    if ((ta->flags & FP_TPFLAG_HEAPTYPE)) {
        static const char *const inames[FP_NB_COUNT] = {
            "__iadd__", "__isub__",    "__imul__",    "__itruediv__", "__ifloordiv__", "__imod__",
            "__ipow__", "__ilshift__", "__irshift__", "__ior__",      "__ixor__",      "__iand__"};
        ftc_object *d = fp_type_lookup(ta, fp_intern(inames[nb]));
        if (d != NULL && fp_type_of(d) == &fp_function_type) {
            ftc_object *args[2] = {a, b};
            ftc_incref(d);
            ftc_object *r = fp_call(d, args, 2, NULL);
            ftc_decref(d);
            if (r != fp_NotImplemented)
                return r;
            ftc_decref(r);
        }
    }
    ftc_object *r = binop_try(a, b, nb);
    if (r == fp_NotImplemented) {
        ftc_decref(r);
        if (nb == FP_NB_ADD && fp_str_check(a))
            fp_err_set(&fp_TypeError_type, "can only concatenate str (not \"%s\") to str",
                       fp_type_name(b));
        else
            fp_err_set(&fp_TypeError_type, "unsupported operand type(s) for %s: '%s' and '%s'",
                       nb_isyms[nb], fp_type_name(a), fp_type_name(b));
        return NULL;
    }
    return r;
}

static ftc_object *unary(ftc_object *o, fp_unaryfunc f, const char *sym)
{
    if (f == NULL) {
        fp_err_set(&fp_TypeError_type, "bad operand type for %s: '%s'", sym, fp_type_name(o));
        return NULL;
    }
    return f(o);
}

ftc_object *fp_neg(ftc_object *o) { return unary(o, fp_type_of(o)->nb_neg, "unary -"); }
ftc_object *fp_pos(ftc_object *o) { return unary(o, fp_type_of(o)->nb_pos, "unary +"); }
ftc_object *fp_invert(ftc_object *o) { return unary(o, fp_type_of(o)->nb_invert, "unary ~"); }
ftc_object *fp_abs(ftc_object *o) { return unary(o, fp_type_of(o)->nb_abs, "abs()"); }

/* ---- iteration ---- */
typedef struct seqiter_object {
    FTC_OBJECT_HEAD;
    ftc_object *seq;
    int64_t index;
} seqiter_object;

static void seqiter_dealloc(ftc_object *o) { ftc_xdecref(((seqiter_object *)o)->seq); }

static int seqiter_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((seqiter_object *)o)->seq);
    return 0;
}

static ftc_object *seqiter_iter(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

static ftc_object *seqiter_next(ftc_object *o)
{
    seqiter_object *s = (seqiter_object *)o;
    if (s->seq == NULL)
        return NULL;
    ftc_object *i = fp_int_new(ftc_atomic_fetch_add_relaxed(&s->index, 1));
    if (i == NULL)
        return NULL;
    ftc_object *r = fp_getitem(s->seq, i);
    ftc_decref(i);
    if (r == NULL &&
        (fp_err_matches(&fp_IndexError_type) || fp_err_matches(&fp_StopIteration_type)))
        fp_err_clear();
    return r;
}

static fp_type fp_seqiter_type = {
    FP_TYPE_HEAD,
    .ct = {"iterator", sizeof(seqiter_object), seqiter_dealloc, NULL, NULL, seqiter_traverse, NULL},
    .base = &fp_object_type,
    .iter = seqiter_iter,
    .next = seqiter_next,
};

ftc_object *fp_iter(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    if (t->iter != NULL) {
        ftc_object *it = t->iter(o);
        if (it != NULL && fp_type_of(it)->next == NULL) {
            fp_err_set(&fp_TypeError_type, "iter() returned non-iterator of type '%s'",
                       fp_type_name(it));
            ftc_decref(it);
            return NULL;
        }
        return it;
    }
    if (t->getitem != NULL && !fp_dict_check(o)) {
        seqiter_object *s = (seqiter_object *)ftc_object_new(&fp_seqiter_type.ct);
        if (s == NULL)
            return fp_err_nomem();
        ftc_incref(o);
        s->seq = o;
        return FTC_OBJ(s);
    }
    fp_err_set(&fp_TypeError_type, "'%s' object is not iterable", t->ct.name);
    return NULL;
}

ftc_object *fp_next(ftc_object *it)
{
    fp_type *t = fp_type_of(it);
    if (t->next == NULL) {
        fp_err_set(&fp_TypeError_type, "'%s' object is not an iterator", t->ct.name);
        return NULL;
    }
    ftc_object *r = t->next(it);
    if (r == NULL && fp_err_matches(&fp_StopIteration_type))
        fp_err_clear();
    return r;
}

ftc_object *fp_sequence_list(ftc_object *iterable)
{
    if (fp_list_check(iterable)) {
        ftc_object *l = ftc_list_copy(iterable);
        return l ? l : fp_err_nomem();
    }
    if (fp_tuple_check(iterable)) {
        ftc_object *l = fp_list_new();
        if (l == NULL)
            return NULL;
        for (size_t i = 0; i < fp_tuple_size(iterable); i++)
            if (fp_list_append(l, fp_tuple_items(iterable)[i]) < 0) {
                ftc_decref(l);
                return NULL;
            }
        return l;
    }
    ftc_object *it = fp_iter(iterable);
    if (it == NULL)
        return NULL;
    ftc_object *l = fp_list_new();
    if (l == NULL) {
        ftc_decref(it);
        return NULL;
    }
    fp_type *t = fp_type_of(it);
    ftc_object *x;
    while ((x = t->next(it)) != NULL) {
        int r = fp_list_append(l, x);
        ftc_decref(x);
        if (r < 0)
            break;
    }
    ftc_decref(it);
    if (fp_err_occurred()) {
        if (fp_err_matches(&fp_StopIteration_type)) {
            fp_err_clear();
            return l;
        }
        ftc_decref(l);
        return NULL;
    }
    return l;
}

ftc_object *fp_sequence_tuple(ftc_object *iterable)
{
    if (fp_tuple_check(iterable)) {
        ftc_incref(iterable);
        return iterable;
    }
    ftc_object *l = fp_sequence_list(iterable);
    if (l == NULL)
        return NULL;
    int64_t n = ftc_list_len(l);
    ftc_object *t = fp_tuple_new((size_t)n);
    if (t == NULL) {
        ftc_decref(l);
        return NULL;
    }
    for (int64_t i = 0; i < n; i++) {
        ftc_object *x;
        if (ftc_list_get_ref(l, i, &x) != 0)
            x = fp_None;
        fp_tuple_items(t)[i] = x;
    }
    ftc_decref(l);
    return t;
}

/* ---- slices ---- */
static void slice_dealloc(ftc_object *o)
{
    fp_slice_object *s = (fp_slice_object *)o;
    ftc_decref(s->start);
    ftc_decref(s->stop);
    ftc_decref(s->step);
}

/* Slices are tracked as in CPython (a bound may be any object); no clear: immutable. */
static int slice_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    fp_slice_object *s = (fp_slice_object *)o;
    FP_VISIT(s->start);
    FP_VISIT(s->stop);
    FP_VISIT(s->step);
    return 0;
}

static ftc_object *slice_repr(ftc_object *o)
{
    fp_slice_object *s = (fp_slice_object *)o;
    ftc_object *a = fp_repr(s->start), *b = fp_repr(s->stop), *c = fp_repr(s->step);
    ftc_object *r = NULL;
    if (a && b && c)
        r = fp_str_from_fmt("slice(%s, %s, %s)", fp_str_data(a), fp_str_data(b), fp_str_data(c));
    ftc_xdecref(a);
    ftc_xdecref(b);
    ftc_xdecref(c);
    return r;
}

static ftc_object *slice_get_start(ftc_object *o)
{
    ftc_object *v = ((fp_slice_object *)o)->start;
    ftc_incref(v);
    return v;
}
static ftc_object *slice_get_stop(ftc_object *o)
{
    ftc_object *v = ((fp_slice_object *)o)->stop;
    ftc_incref(v);
    return v;
}
static ftc_object *slice_get_step(ftc_object *o)
{
    ftc_object *v = ((fp_slice_object *)o)->step;
    ftc_incref(v);
    return v;
}

static const fp_getset_def slice_getsets[] = {
    {"start", slice_get_start, NULL},
    {"stop", slice_get_stop, NULL},
    {"step", slice_get_step, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_slice_type = {
    FP_TYPE_HEAD,
    .ct = {"slice", sizeof(fp_slice_object), slice_dealloc, NULL, NULL, slice_traverse, NULL},
    .base = &fp_object_type,
    .repr = slice_repr,
    .getsets = slice_getsets,
};

ftc_object *fp_slice_new_steal(ftc_object *start, ftc_object *stop, ftc_object *step)
{
    fp_slice_object *s = (fp_slice_object *)ftc_object_new(&fp_slice_type.ct);
    if (s == NULL) {
        ftc_decref(start);
        ftc_decref(stop);
        ftc_decref(step);
        return fp_err_nomem();
    }
    s->start = start;
    s->stop = stop;
    s->step = step;
    return FTC_OBJ(s);
}

ftc_object *fp_slice_new(ftc_object *start, ftc_object *stop, ftc_object *step)
{
    ftc_incref(start);
    ftc_incref(stop);
    ftc_incref(step);
    return fp_slice_new_steal(start, stop, step);
}

static int slice_index(ftc_object *v, int64_t *out)
{
    if (fp_int_like(v)) {
        *out = fp_int_like_value(v);
        return 0;
    }
    fp_err_set(&fp_TypeError_type,
               "slice indices must be integers or None or have an __index__ method");
    return -1;
}

int fp_slice_unpack(ftc_object *slice, int64_t len, int64_t *start, int64_t *stop, int64_t *step,
                    int64_t *slicelen)
{
    fp_slice_object *s = (fp_slice_object *)slice;
    int64_t st = 1, a, b;
    if (s->step != fp_None) {
        if (slice_index(s->step, &st) < 0)
            return -1;
        if (st == 0) {
            fp_err_set(&fp_ValueError_type, "slice step cannot be zero");
            return -1;
        }
        if (st < -INT64_MAX)
            st = -INT64_MAX;
    }
    if (s->start == fp_None) {
        a = st < 0 ? len - 1 : 0;
    } else {
        if (slice_index(s->start, &a) < 0)
            return -1;
        if (a < 0) {
            a += len;
            if (a < 0)
                a = st < 0 ? -1 : 0;
        } else if (a >= len) {
            a = st < 0 ? len - 1 : len;
        }
    }
    if (s->stop == fp_None) {
        b = st < 0 ? -1 : len;
    } else {
        if (slice_index(s->stop, &b) < 0)
            return -1;
        if (b < 0) {
            b += len;
            if (b < 0)
                b = st < 0 ? -1 : 0;
        } else if (b >= len) {
            b = st < 0 ? len - 1 : len;
        }
    }
    int64_t n = 0;
    if (st < 0) {
        if (b < a)
            n = (a - b - 1) / (-st) + 1;
    } else if (a < b) {
        n = (b - a - 1) / st + 1;
    }
    *start = a;
    *stop = b;
    *step = st;
    *slicelen = n;
    return 0;
}

int fp_object_init(void)
{
    if (interned == NULL) {
        interned = ftc_dict_new();
        if (interned == NULL)
            return -1;
        ftc_object_immortalize(interned);
    }
    fp_type *core[] = {&fp_object_type,       &fp_type_type,        &fp_function_type,
                       &fp_code_type,         &fp_cell_type,        &fp_method_type,
                       &fp_cfunction_type,    &fp_methoddescr_type, &fp_getsetdescr_type,
                       &fp_staticmethod_type, &fp_classmethod_type, &fp_property_type,
                       &fp_super_type,        &fp_slice_type,       &fp_seqiter_type,
                       &fp_module_type,       &fp_gen_type,         &fp_slotwrapper_type};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (fp_type_ready(core[i]) < 0)
            return -1;
    return 0;
}
