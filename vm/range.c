/* range: an immutable arithmetic progression of 64-bit ints.
 *
 * The length is computed once, at creation, with unsigned arithmetic (a range may span more
 * than INT64_MAX values between its ends, but no length beyond INT64_MAX is accepted:
 * OverflowError, as CPython's len() of such a range). Membership of an int is arithmetic,
 * not a scan; indexing and slicing give ints and ranges. Immutable: threads share it freely.
 */
#include "lib.h"

typedef struct range_obj {
    FTC_OBJECT_HEAD;
    int64_t start, stop, step, len;
} range_obj;

#define RANGE(o) ((range_obj *)(void *)(o))

/* Number of values of range(start, stop, step), or -1 if above INT64_MAX. */
static int64_t range_length(int64_t start, int64_t stop, int64_t step)
{
    uint64_t n;
    if (step > 0) {
        if (start >= stop)
            return 0;
        n = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)step + 1;
    } else {
        if (start <= stop)
            return 0;
        n = ((uint64_t)start - (uint64_t)stop - 1) / ((uint64_t)0 - (uint64_t)step) + 1;
    }
    return n > (uint64_t)INT64_MAX ? -1 : (int64_t)n;
}

static ftc_object *range_make(fp_type *type, int64_t start, int64_t stop, int64_t step)
{
    int64_t len = range_length(start, stop, step);
    if (len < 0) {
        fp_err_set(&fp_OverflowError_type, "Python int too large to convert to C ssize_t");
        return NULL;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    range_obj *r = RANGE(o);
    r->start = start;
    r->stop = stop;
    r->step = step;
    r->len = len;
    return o;
}

static ftc_object *range_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "range() takes no keyword arguments");
        return NULL;
    }
    if (nargs == 0 || nargs > 3) {
        fp_err_set(&fp_TypeError_type,
                   nargs == 0 ? "range expected at least 1 argument, got 0"
                              : "range expected at most 3 arguments, got %zu",
                   nargs);
        return NULL;
    }
    int64_t v[3] = {0, 0, 1};
    for (size_t i = 0; i < nargs; i++)
        if (fp_index_value(args[i], &v[i], NULL) < 0)
            return NULL;
    int64_t start = 0, stop, step = 1;
    if (nargs == 1) {
        stop = v[0];
    } else {
        start = v[0];
        stop = v[1];
        if (nargs == 3)
            step = v[2];
    }
    if (step == 0) {
        fp_err_set(&fp_ValueError_type, "range() arg 3 must not be zero");
        return NULL;
    }
    return range_make(type, start, stop, step);
}

static ftc_object *range_repr(ftc_object *o)
{
    range_obj *r = RANGE(o);
    if (r->step == 1)
        return fp_str_from_fmt("range(%lld, %lld)", (long long)r->start, (long long)r->stop);
    return fp_str_from_fmt("range(%lld, %lld, %lld)", (long long)r->start, (long long)r->stop,
                           (long long)r->step);
}

static int64_t range_len(ftc_object *o) { return RANGE(o)->len; }

static int range_bool(ftc_object *o) { return RANGE(o)->len != 0; }

static ftc_object *range_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (fp_type_of(a) != &fp_range_type || fp_type_of(b) != &fp_range_type ||
        (op != FP_EQ && op != FP_NE))
        return fp_NotImplemented;
    range_obj *x = RANGE(a), *y = RANGE(b);
    bool eq = x->len == y->len &&
              (x->len == 0 || (x->start == y->start && (x->len == 1 || x->step == y->step)));
    return fp_bool(eq == (op == FP_EQ));
}

static int64_t range_hash(ftc_object *o)
{
    range_obj *r = RANGE(o);
    /* CPython: hash((len, start, step)) with start/step None when they do not matter. */
    ftc_object *len = fp_int_new(r->len);
    ftc_object *start = r->len ? fp_int_new(r->start) : fp_None;
    ftc_object *step = r->len > 1 ? fp_int_new(r->step) : fp_None;
    int64_t h = -1;
    if (len && start && step) {
        ftc_object *t = fp_tuple_pack(3, len, start, step);
        if (t != NULL) {
            h = fp_hash(t);
            ftc_decref(t);
        }
    }
    ftc_xdecref(len);
    ftc_xdecref(start);
    ftc_xdecref(step);
    return h;
}

static ftc_object *range_getitem(ftc_object *o, ftc_object *key)
{
    range_obj *r = RANGE(o);
    if (fp_slice_check(key)) {
        int64_t start, stop, step, len;
        if (fp_slice_unpack(key, r->len, &start, &stop, &step, &len) < 0)
            return NULL;
        int64_t nstep = r->step * step;
        int64_t nstart = r->start + start * r->step;
        int64_t nstop = nstart + len * nstep;
        return range_make(&fp_range_type, nstart, nstop, nstep);
    }
    int64_t i;
    if (!fp_int_like(key) && fp_type_lookup(fp_type_of(key), fp_intern("__index__")) == NULL)
        return fp_seq_index_error("range", key);
    if (fp_index_value(key, &i, NULL) < 0)
        return NULL;
    if (i < 0)
        i += r->len;
    if (i < 0 || i >= r->len) {
        fp_err_set(&fp_IndexError_type, "range object index out of range");
        return NULL;
    }
    return fp_int_new(r->start + i * r->step);
}

/* The index of int value v in r, or -1. */
static int64_t int_index(range_obj *r, int64_t v)
{
    if (r->len == 0)
        return -1;
    if (r->step > 0 ? (v < r->start || v >= r->stop) : (v > r->start || v <= r->stop))
        return -1;
    uint64_t off =
        r->step > 0 ? (uint64_t)v - (uint64_t)r->start : (uint64_t)r->start - (uint64_t)v;
    uint64_t st = r->step > 0 ? (uint64_t)r->step : (uint64_t)0 - (uint64_t)r->step;
    return off % st == 0 ? (int64_t)(off / st) : -1;
}

static int range_contains(ftc_object *o, ftc_object *v)
{
    if (fp_int_like(v))
        return int_index(RANGE(o), fp_int_like_value(v)) >= 0;
    range_obj *r = RANGE(o);
    for (int64_t i = 0; i < r->len; i++) {
        ftc_object *x = fp_int_new(r->start + i * r->step);
        if (x == NULL)
            return -1;
        int eq = fp_eq(x, v);
        ftc_decref(x);
        if (eq != 0)
            return eq;
    }
    return 0;
}

static ftc_object *range_iter(ftc_object *o)
{
    range_obj *r = RANGE(o);
    return fp_range_iter_new(r->start, r->step, r->len);
}

static ftc_object *m_index(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    if (fp_check_args("index", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t i = fp_int_like(args[0]) ? int_index(RANGE(self), fp_int_like_value(args[0])) : -1;
    if (i >= 0)
        return fp_int_new(i);
    ftc_object *rep = fp_repr(args[0]);
    if (rep != NULL) {
        fp_err_set(&fp_ValueError_type, "%s is not in range", fp_str_data(rep));
        ftc_decref(rep);
    }
    return NULL;
}

static ftc_object *m_count(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    if (fp_check_args("count", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = range_contains(self, args[0]);
    return r < 0 ? NULL : fp_int_new(r);
}

static ftc_object *m_reversed(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__reversed__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    range_obj *r = RANGE(self);
    if (r->len == 0)
        return fp_range_iter_new(0, 1, 0);
    return fp_range_iter_new(r->start + (r->len - 1) * r->step, -r->step, r->len);
}

static ftc_object *get_start(ftc_object *o) { return fp_int_new(RANGE(o)->start); }
static ftc_object *get_stop(ftc_object *o) { return fp_int_new(RANGE(o)->stop); }
static ftc_object *get_step(ftc_object *o) { return fp_int_new(RANGE(o)->step); }

static const fp_getset_def range_getsets[] = {
    {"start", get_start, NULL},
    {"stop", get_stop, NULL},
    {"step", get_step, NULL},
    {NULL, NULL, NULL},
};

static const fp_method_def range_methods[] = {
    {"index", m_index, 0},
    {"count", m_count, 0},
    {"__reversed__", m_reversed, 0},
    {NULL, NULL, 0},
};

fp_type fp_range_type = {
    FP_TYPE_HEAD,
    .ct = {"range", sizeof(range_obj), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = range_repr,
    .hash = range_hash,
    .richcompare = range_richcompare,
    .len = range_len,
    .getitem = range_getitem,
    .contains = range_contains,
    .bool_ = range_bool,
    .iter = range_iter,
    .new_ = range_new,
    .methods = range_methods,
    .getsets = range_getsets,
};
