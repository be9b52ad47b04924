/* tuple: an immutable array of references, allocated in one block with its items inline.
 *
 * A tuple is filled by its creator before anyone else can see it and never changes after,
 * so every thread reads its items without synchronization; its count of items is fixed. The
 * empty tuple is one static immortal object. Items are compared with fp_eq/fp_richcompare,
 * which may call Python code (__eq__, __lt__): nothing here holds a lock meanwhile.
 *
 * The sequence helpers shared with list (lexicographic comparison, the repeat operand rules
 * and their error messages, fp_as_array) live here too.
 */
#include "lib.h"

#include <stdarg.h>
#include <string.h>

fp_tuple_object _fp_empty_tuple = {FTC_OBJECT_STATIC_INIT(&fp_tuple_type.ct), 0};

ftc_object *fp_tuple_new(size_t n)
{
    if (n == 0)
        return fp_empty_tuple;
    if (n > (SIZE_MAX - sizeof(fp_tuple_object)) / sizeof(ftc_object *))
        return fp_err_nomem();
    ftc_object *t =
        ftc_object_new_var(&fp_tuple_type.ct, sizeof(fp_tuple_object) + n * sizeof(ftc_object *));
    if (t == NULL)
        return fp_err_nomem();
    ((fp_tuple_object *)t)->size = n;
    return t;
}

ftc_object *fp_tuple_from_array(ftc_object *const *items, size_t n)
{
    ftc_object *t = fp_tuple_new(n);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ftc_incref(items[i]);
        fp_tuple_items(t)[i] = items[i];
    }
    return t;
}

ftc_object *fp_tuple_pack(size_t n, ...)
{
    ftc_object *t = fp_tuple_new(n);
    if (t == NULL)
        return NULL;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        ftc_object *o = va_arg(ap, ftc_object *);
        ftc_incref(o);
        fp_tuple_items(t)[i] = o;
    }
    va_end(ap);
    return t;
}

static void tuple_dealloc(ftc_object *o)
{
    fp_tuple_object *t = (fp_tuple_object *)o;
    for (size_t i = 0; i < t->size; i++)
        ftc_xdecref(t->items[i]);
}

/* Items may still be NULL while the maker fills the tuple (fp_tuple_new). No clear, as in
 * CPython: a tuple's items never change, so a cycle through one also runs through something
 * mutable whose clear breaks it. */
static int tuple_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    fp_tuple_object *t = (fp_tuple_object *)o;
    for (size_t i = 0; i < t->size; i++)
        FP_VISIT(t->items[i]);
    return 0;
}

ftc_object *fp_as_array(ftc_object *iterable, ftc_object ***items, size_t *n)
{
    ftc_object *t;
    if (fp_tuple_check(iterable)) {
        ftc_incref(iterable);
        t = iterable;
    } else {
        t = fp_sequence_tuple(iterable);
        if (t == NULL)
            return NULL;
    }
    *items = fp_tuple_items(t);
    *n = fp_tuple_size(t);
    return t;
}

/* ---- sequence helpers ---- */

ftc_object *fp_seq_richcompare(ftc_object *const *a, size_t na, ftc_object *const *b, size_t nb,
                               int op)
{
    if ((op == FP_EQ || op == FP_NE) && na != nb)
        return fp_bool(op == FP_NE);
    size_t i = 0;
    for (; i < na && i < nb; i++) {
        int eq = fp_eq(a[i], b[i]);
        if (eq < 0)
            return NULL;
        if (!eq)
            break;
    }
    if (i >= na || i >= nb) {
        bool r;
        switch (op) {
        case FP_LT: r = na < nb; break;
        case FP_LE: r = na <= nb; break;
        case FP_EQ: r = na == nb; break;
        case FP_NE: r = na != nb; break;
        case FP_GT: r = na > nb; break;
        default: r = na >= nb; break;
        }
        return fp_bool(r);
    }
    if (op == FP_EQ)
        return fp_False;
    if (op == FP_NE)
        return fp_True;
    return fp_richcompare(a[i], b[i], op);
}

bool fp_seq_repeat_args(ftc_object *a, ftc_object *b, ftc_object **seq, int64_t *count)
{
    if (fp_int_like(b)) {
        *seq = a;
        *count = fp_int_like_value(b);
        return true;
    }
    if (fp_int_like(a)) {
        *seq = b;
        *count = fp_int_like_value(a);
        return true;
    }
    return false;
}

ftc_object *fp_seq_mul_error(ftc_object *a, ftc_object *b, fp_type *seqtype)
{
    ftc_object *other = fp_type_of(a) == seqtype ? b : a;
    /* A user type may still define __rmul__/__mul__: let the generic protocol try it. */
    if (fp_type_of(other)->flags & FP_TPFLAG_HEAPTYPE)
        return fp_NotImplemented;
    fp_err_set(&fp_TypeError_type, "can't multiply sequence by non-int of type '%.100s'",
               fp_type_name(other));
    return NULL;
}

ftc_object *fp_seq_index_error(const char *seqname, ftc_object *key)
{
    fp_err_set(&fp_TypeError_type, "%s indices must be integers or slices, not %.100s", seqname,
               fp_type_name(key));
    return NULL;
}

/* ---- slots ---- */

static ftc_object *tuple_repr(ftc_object *o)
{
    size_t n = fp_tuple_size(o);
    if (n == 0)
        return fp_str_from_cstr("()");
    if (fp_enter_recursive_call(" while getting the repr of an object") < 0)
        return NULL;
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_putc(&b, '(');
    for (size_t i = 0; i < n; i++) {
        if (i)
            fp_buf_put(&b, ", ", 2);
        if (fp_buf_put_repr(&b, fp_tuple_items(o)[i]) < 0) {
            fp_leave_recursive_call();
            fp_buf_free(&b);
            return NULL;
        }
    }
    if (n == 1)
        fp_buf_putc(&b, ',');
    fp_buf_putc(&b, ')');
    fp_leave_recursive_call();
    return fp_str_from_buf(&b);
}

static int64_t tuple_hash(ftc_object *o)
{
    size_t n = fp_tuple_size(o);
    uint64_t acc = fp_hash_tuple_start();
    for (size_t i = 0; i < n; i++) {
        int64_t h = fp_hash(fp_tuple_items(o)[i]);
        if (h == -1)
            return -1;
        acc = fp_hash_tuple_step(acc, h);
    }
    return fp_hash_tuple_finish(acc, n);
}

static ftc_object *tuple_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_tuple_check(a) || !fp_tuple_check(b))
        return fp_NotImplemented;
    return fp_seq_richcompare(fp_tuple_items(a), fp_tuple_size(a), fp_tuple_items(b),
                              fp_tuple_size(b), op);
}

static int64_t tuple_len(ftc_object *o) { return (int64_t)fp_tuple_size(o); }

static int tuple_bool(ftc_object *o) { return fp_tuple_size(o) != 0; }

static ftc_object *tuple_getitem(ftc_object *o, ftc_object *key)
{
    int64_t n = (int64_t)fp_tuple_size(o);
    if (fp_int_like(key)) {
        int64_t i = fp_int_like_value(key);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n) {
            fp_err_set(&fp_IndexError_type, "tuple index out of range");
            return NULL;
        }
        ftc_object *v = fp_tuple_items(o)[i];
        ftc_incref(v);
        return v;
    }
    if (fp_slice_check(key)) {
        int64_t start, stop, step, len;
        if (fp_slice_unpack(key, n, &start, &stop, &step, &len) < 0)
            return NULL;
        if (step == 1 && len == n) {
            ftc_incref(o);
            return o;
        }
        ftc_object *t = fp_tuple_new((size_t)len);
        if (t == NULL)
            return NULL;
        for (int64_t i = 0, j = start; i < len; i++, j += step) {
            ftc_object *v = fp_tuple_items(o)[j];
            ftc_incref(v);
            fp_tuple_items(t)[i] = v;
        }
        return t;
    }
    int64_t i;
    if (fp_type_lookup(fp_type_of(key), fp_intern("__index__")) != NULL) {
        if (fp_index_value(key, &i, "tuple indices must be integers or slices") < 0)
            return NULL;
        ftc_object *io = fp_int_new(i);
        if (io == NULL)
            return NULL;
        ftc_object *r = tuple_getitem(o, io);
        ftc_decref(io);
        return r;
    }
    return fp_seq_index_error("tuple", key);
}

static int tuple_contains(ftc_object *o, ftc_object *v)
{
    size_t n = fp_tuple_size(o);
    for (size_t i = 0; i < n; i++) {
        int eq = fp_eq(fp_tuple_items(o)[i], v);
        if (eq != 0)
            return eq;
    }
    return 0;
}

static ftc_object *tuple_add(ftc_object *a, ftc_object *b)
{
    if (!fp_tuple_check(a) || !fp_tuple_check(b)) {
        if (fp_tuple_check(a) && !(fp_type_of(b)->flags & FP_TPFLAG_HEAPTYPE)) {
            fp_err_set(&fp_TypeError_type, "can only concatenate tuple (not \"%.100s\") to tuple",
                       fp_type_name(b));
            return NULL;
        }
        return fp_NotImplemented;
    }
    size_t na = fp_tuple_size(a), nb = fp_tuple_size(b);
    if (nb == 0) {
        ftc_incref(a);
        return a;
    }
    if (na == 0) {
        ftc_incref(b);
        return b;
    }
    ftc_object *t = fp_tuple_new(na + nb);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < na; i++) {
        ftc_incref(fp_tuple_items(a)[i]);
        fp_tuple_items(t)[i] = fp_tuple_items(a)[i];
    }
    for (size_t i = 0; i < nb; i++) {
        ftc_incref(fp_tuple_items(b)[i]);
        fp_tuple_items(t)[na + i] = fp_tuple_items(b)[i];
    }
    return t;
}

static ftc_object *tuple_mul(ftc_object *a, ftc_object *b)
{
    ftc_object *seq;
    int64_t count;
    if (!fp_seq_repeat_args(a, b, &seq, &count) || !fp_tuple_check(seq))
        return fp_seq_mul_error(a, b, &fp_tuple_type);
    size_t n = fp_tuple_size(seq);
    if (count <= 0 || n == 0)
        return fp_empty_tuple;
    if (count == 1) {
        ftc_incref(seq);
        return seq;
    }
    if ((uint64_t)count > (SIZE_MAX / sizeof(ftc_object *)) / n)
        return fp_err_nomem();
    ftc_object *t = fp_tuple_new(n * (size_t)count);
    if (t == NULL)
        return NULL;
    for (size_t k = 0, j = 0; k < (size_t)count; k++)
        for (size_t i = 0; i < n; i++, j++) {
            ftc_incref(fp_tuple_items(seq)[i]);
            fp_tuple_items(t)[j] = fp_tuple_items(seq)[i];
        }
    return t;
}

static ftc_object *tuple_iter(ftc_object *o) { return fp_tuple_iter_new(o); }

static ftc_object *tuple_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)type;
    if (fp_check_args("tuple", nargs, kwnames, 0, 1) < 0)
        return NULL;
    if (nargs == 0)
        return fp_empty_tuple;
    return fp_sequence_tuple(args[0]);
}

/* ---- methods ---- */

/* The start/stop arguments of index(): clamped like a slice's. */
static int index_bounds(ftc_object *const *args, size_t nargs, int64_t n, int64_t *start,
                        int64_t *stop)
{
    *start = 0;
    *stop = n;
    for (size_t k = 1; k < nargs && k < 3; k++) {
        int64_t v;
        if (fp_index_value(args[k], &v,
                           "slice indices must be integers or have an __index__ method") < 0)
            return -1;
        if (v < 0) {
            v += n;
            if (v < 0)
                v = 0;
        }
        if (v > n)
            v = n;
        if (k == 1)
            *start = v;
        else
            *stop = v;
    }
    return 0;
}

static ftc_object *tuple_m_index(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    if (fp_check_args("index", nargs, kwnames, 1, 3) < 0)
        return NULL;
    int64_t start, stop;
    if (index_bounds(args, nargs, (int64_t)fp_tuple_size(self), &start, &stop) < 0)
        return NULL;
    for (int64_t i = start; i < stop; i++) {
        int eq = fp_eq(fp_tuple_items(self)[i], args[0]);
        if (eq < 0)
            return NULL;
        if (eq)
            return fp_int_new(i);
    }
    fp_err_set(&fp_ValueError_type, "tuple.index(x): x not in tuple");
    return NULL;
}

static ftc_object *tuple_m_count(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    if (fp_check_args("count", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t c = 0;
    for (size_t i = 0; i < fp_tuple_size(self); i++) {
        int eq = fp_eq(fp_tuple_items(self)[i], args[0]);
        if (eq < 0)
            return NULL;
        c += eq;
    }
    return fp_int_new(c);
}

static const fp_method_def tuple_methods[] = {
    {"index", tuple_m_index, 0},
    {"count", tuple_m_count, 0},
    {NULL, NULL, 0},
};

fp_type fp_tuple_type = {
    FP_TYPE_HEAD,
    .ct = {"tuple", sizeof(fp_tuple_object), tuple_dealloc, NULL, NULL, tuple_traverse, NULL},
    .base = &fp_object_type,
    .repr = tuple_repr,
    .hash = tuple_hash,
    .richcompare = tuple_richcompare,
    .len = tuple_len,
    .getitem = tuple_getitem,
    .contains = tuple_contains,
    .bool_ = tuple_bool,
    .iter = tuple_iter,
    .nb = {[FP_NB_ADD] = tuple_add, [FP_NB_MUL] = tuple_mul},
    .new_ = tuple_new,
    .methods = tuple_methods,
};
