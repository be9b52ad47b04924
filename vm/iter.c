/* The iterators: over lists, tuples, strs, dicts (keys, values, items), sets and ranges; the
 * __getitem__ protocol and iter(callable, sentinel); enumerate, zip, map, filter, reversed.
 *
 * Sharing. An iterator may be advanced by several threads at once (Python allows it and
 * promises only that nothing breaks). The position of the index-based iterators is claimed
 * with one relaxed atomic fetch-add, so two threads never get the same index (each item is
 * produced once) and the underlying read is ftcore's lock-free, bounds-checked list read or
 * an immutable tuple/str/range read. Iterators whose position is a structure (dict, set)
 * copy it out and back under a critical section on the iterator object, stepping the
 * container in between (never inside: the container's section could suspend ours). A container changed under an
 * iterator makes it skip or repeat items (lists) or raise RuntimeError (dicts and sets
 * changing size), never read freed memory: every iterator holds a reference to its source
 * until it is itself freed.
 *
 * The combinators (enumerate, zip, map, filter) call fp_next and Python callables without
 * holding any lock; their own state after construction is immutable except enumerate's
 * counter (atomic).
 */
#include "lib.h"

#include <string.h>

static ftc_object *self_iter(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

/* Iterators hold their source (and map/filter their function): traversed, as in CPython, so
 * that a cycle through one is found; none has clear (what they hold never changes, so the
 * cycle also runs through something mutable that breaks it). Iterators over a range or a str
 * hold nothing that can lead back to them: untracked (the collector never sees them and a
 * `for i in range(n)` loop's iterator costs no tracking). */
#define ITER_TYPE(var, tname, structname, deallocfn, nextfn, travfn)            \
    fp_type var = {                                                             \
        FP_TYPE_HEAD,                                                           \
        .ct = {tname, sizeof(structname), deallocfn, NULL, NULL, travfn, NULL}, \
        .base = &fp_object_type,                                                \
        .iter = self_iter,                                                      \
        .next = nextfn,                                                         \
    }

/* ---- index-based: list, reversed list, tuple, range, __getitem__ ---- */

typedef struct idx_iter {
    FTC_OBJECT_HEAD;
    ftc_object *src;
    int64_t index;            /* atomic: the next index to claim */
    int64_t start, step, len; /* range iterators */
} idx_iter;

static void idx_dealloc(ftc_object *o) { ftc_xdecref(((idx_iter *)o)->src); }

static int idx_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((idx_iter *)o)->src);
    return 0;
}

static ftc_object *idx_new(fp_type *t, ftc_object *src, int64_t index)
{
    ftc_object *o = ftc_object_new(&t->ct);
    if (o == NULL)
        return fp_err_nomem();
    idx_iter *it = (idx_iter *)o;
    ftc_xincref(src);
    it->src = src;
    it->index = index;
    return o;
}

static int64_t claim(idx_iter *it)
{
    /* Relaxed: the index only distributes positions; the item read is ordered by the
     * container itself (ftcore's list read, or immutable data). */
    return ftc_atomic_fetch_add_relaxed(&it->index, 1);
}

static ftc_object *list_iter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    int64_t i = claim(it);
    ftc_object *v;
    if (i < 0 || ftc_list_get_ref(it->src, i, &v) != 0) {
        /* Past the end: stay exhausted even if the list grows (CPython drops the list). */
        ftc_atomic_store_relaxed(&it->index, INT64_MIN / 2);
        return NULL;
    }
    return v;
}

static ftc_object *list_reviter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    /* index counts down from len-1: claimed as a negated up-count */
    int64_t k = claim(it);
    int64_t i = it->len - 1 - k;
    ftc_object *v;
    if (i < 0 || k < 0 || ftc_list_get_ref(it->src, i, &v) != 0) {
        ftc_atomic_store_relaxed(&it->index, INT64_MIN / 2);
        return NULL;
    }
    return v;
}

static ftc_object *tuple_iter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    int64_t i = claim(it);
    if (i < 0 || (size_t)i >= fp_tuple_size(it->src))
        return NULL;
    ftc_object *v = fp_tuple_items(it->src)[i];
    ftc_incref(v);
    return v;
}

static ftc_object *range_iter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    int64_t i = claim(it);
    if (i < 0 || i >= it->len)
        return NULL;
    return fp_int_new((int64_t)((uint64_t)it->start + (uint64_t)i * (uint64_t)it->step));
}

/* src[i] for the iterators over __getitem__; IndexError or StopIteration ends the iteration
 * (NULL, no exception, and every later claim fails). */
static inline ftc_object *seq_item(idx_iter *it, int64_t i)
{
    ftc_object *io = fp_int_new(i);
    if (io == NULL)
        return NULL;
    ftc_object *v = fp_getitem(it->src, io);
    ftc_decref(io);
    if (v == NULL &&
        (fp_err_matches(&fp_IndexError_type) || fp_err_matches(&fp_StopIteration_type))) {
        fp_err_clear();
        ftc_atomic_store_relaxed(&it->index, INT64_MIN / 2);
    }
    return v;
}

static ftc_object *seq_iter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    int64_t i = claim(it);
    if (i < 0)
        return NULL;
    return seq_item(it, i);
}

/* reversed() over __len__ and __getitem__: index counts down. */
static ftc_object *rev_seq_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    int64_t k = claim(it);
    int64_t i = it->len - 1 - k;
    if (k < 0 || i < 0)
        return NULL;
    return seq_item(it, i);
}

ITER_TYPE(fp_list_iter_type, "list_iterator", idx_iter, idx_dealloc, list_iter_next, idx_traverse);
ITER_TYPE(fp_list_reviter_type, "list_reverseiterator", idx_iter, idx_dealloc, list_reviter_next,
          idx_traverse);
ITER_TYPE(fp_tuple_iter_type, "tuple_iterator", idx_iter, idx_dealloc, tuple_iter_next,
          idx_traverse);
ITER_TYPE(fp_range_iter_type, "range_iterator", idx_iter, idx_dealloc, range_iter_next, NULL);
ITER_TYPE(fp_seq_iter_type, "iterator", idx_iter, idx_dealloc, seq_iter_next, idx_traverse);

ftc_object *fp_list_iter_new(ftc_object *list) { return idx_new(&fp_list_iter_type, list, 0); }

ftc_object *fp_list_reviter_new(ftc_object *list)
{
    ftc_object *o = idx_new(&fp_list_reviter_type, list, 0);
    if (o != NULL)
        ((idx_iter *)o)->len = ftc_list_len(list);
    return o;
}

ftc_object *fp_tuple_iter_new(ftc_object *tuple) { return idx_new(&fp_tuple_iter_type, tuple, 0); }

ftc_object *fp_range_iter_new(int64_t start, int64_t step, int64_t len)
{
    ftc_object *o = idx_new(&fp_range_iter_type, NULL, 0);
    if (o != NULL) {
        idx_iter *it = (idx_iter *)o;
        it->start = start;
        it->step = step;
        it->len = len;
    }
    return o;
}

ftc_object *fp_seq_iter_new(ftc_object *obj) { return idx_new(&fp_seq_iter_type, obj, 0); }

/* ---- str: the position is a byte offset, advanced by a CAS over one code point ---- */

static ftc_object *str_iter_next(ftc_object *o)
{
    idx_iter *it = (idx_iter *)o;
    const char *d = fp_str_data(it->src);
    int64_t n = (int64_t)fp_str_len(it->src);
    int64_t off = ftc_atomic_load_relaxed(&it->index);
    for (;;) {
        if (off >= n)
            return NULL;
        uint32_t cp;
        size_t k = fp_utf8_decode(d + off, (size_t)(n - off), &cp);
        /* Relaxed: the offset only distributes positions over immutable bytes. */
        if (ftc_atomic_cas_weak_relaxed(&it->index, &off, off + (int64_t)k))
            return fp_str_char_at_bytes(d + off, k);
    }
}

ITER_TYPE(fp_str_iter_type, "str_ascii_iterator", idx_iter, idx_dealloc, str_iter_next, NULL);

ftc_object *fp_str_iter_new(ftc_object *str) { return idx_new(&fp_str_iter_type, str, 0); }

/* ---- dict and set: structured positions, advanced under the iterator's section ---- */

typedef struct dict_iter {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
    ftc_dict_pos pos;
    int kind;
    bool done;
} dict_iter;

static void dict_iter_dealloc(ftc_object *o) { ftc_decref(((dict_iter *)o)->dict); }

static int dict_iter_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((dict_iter *)o)->dict);
    return 0;
}

static ftc_object *dict_iter_next(ftc_object *o)
{
    dict_iter *it = (dict_iter *)o;
    ftc_object *k = NULL, *v = NULL;
    int rc = 0;
    bool done;
    ftc_dict_pos pos;
    /* The position is copied out and back under the iterator's section, and ftc_dict_next
     * runs outside it: the dict's own section inside could block and suspend ours (so
     * another thread could step the same iterator meanwhile). Two threads stepping at once
     * may then both produce the same item; neither reads a torn position. */
    FTC_BEGIN_CRITICAL_SECTION(o);
    done = it->done;
    pos = it->pos;
    FTC_END_CRITICAL_SECTION();
    if (!done)
        rc = ftc_dict_next(it->dict, &pos, &k, it->kind ? &v : NULL);
    FTC_BEGIN_CRITICAL_SECTION(o);
    if (!done) {
        it->pos = pos;
        if (rc <= 0)
            it->done = true;
    }
    FTC_END_CRITICAL_SECTION();
    if (done)
        return NULL;
    if (rc < 0) {
        fp_err_from_code(rc, NULL);
        return NULL;
    }
    if (rc == 0)
        return NULL;
    if (it->kind == 0)
        return k;
    if (it->kind == 1) {
        ftc_decref(k);
        return v;
    }
    ftc_object *t = fp_tuple_new(2);
    if (t == NULL) {
        ftc_decref(k);
        ftc_decref(v);
        return NULL;
    }
    fp_tuple_items(t)[0] = k;
    fp_tuple_items(t)[1] = v;
    return t;
}

ITER_TYPE(fp_dict_iter_type, "dict_keyiterator", dict_iter, dict_iter_dealloc, dict_iter_next,
          dict_iter_traverse);

ftc_object *fp_dict_iter_new(ftc_object *dict, int kind)
{
    ftc_object *o = ftc_object_new(&fp_dict_iter_type.ct);
    if (o == NULL)
        return fp_err_nomem();
    dict_iter *it = (dict_iter *)o;
    ftc_incref(dict);
    it->dict = dict;
    it->pos = (ftc_dict_pos)FTC_DICT_POS_INIT;
    it->kind = kind;
    return o;
}

typedef struct set_iter {
    FTC_OBJECT_HEAD;
    ftc_object *set;
    size_t pos;
    size_t used;
} set_iter;

static void set_iter_dealloc(ftc_object *o) { ftc_decref(((set_iter *)o)->set); }

static int set_iter_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((set_iter *)o)->set);
    return 0;
}

static ftc_object *set_iter_next(ftc_object *o)
{
    set_iter *it = (set_iter *)o;
    size_t pos;
    /* As dict_iter_next: the set's section is taken outside the iterator's. */
    FTC_BEGIN_CRITICAL_SECTION(o);
    pos = it->pos;
    FTC_END_CRITICAL_SECTION();
    if (pos == SIZE_MAX)
        return NULL;
    ftc_object *k = fp_set_next_key(it->set, &pos, it->used);
    FTC_BEGIN_CRITICAL_SECTION(o);
    if (it->pos != SIZE_MAX)
        it->pos = pos;
    FTC_END_CRITICAL_SECTION();
    return k;
}

ITER_TYPE(fp_set_iter_type, "set_iterator", set_iter, set_iter_dealloc, set_iter_next,
          set_iter_traverse);

ftc_object *fp_set_iter_new(ftc_object *set)
{
    ftc_object *o = ftc_object_new(&fp_set_iter_type.ct);
    if (o == NULL)
        return fp_err_nomem();
    set_iter *it = (set_iter *)o;
    ftc_incref(set);
    it->set = set;
    it->used = (size_t)fp_set_len(set);
    return o;
}

/* ---- iter(callable, sentinel) ---- */

typedef struct call_iter {
    FTC_OBJECT_HEAD;
    ftc_object *callable, *sentinel;
    int done; /* atomic */
} call_iter;

static void call_iter_dealloc(ftc_object *o)
{
    call_iter *it = (call_iter *)o;
    ftc_decref(it->callable);
    ftc_decref(it->sentinel);
}

static int call_iter_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((call_iter *)o)->callable);
    FP_VISIT(((call_iter *)o)->sentinel);
    return 0;
}

static ftc_object *call_iter_next(ftc_object *o)
{
    call_iter *it = (call_iter *)o;
    if (ftc_atomic_load_relaxed(&it->done))
        return NULL;
    ftc_object *v = fp_call0(it->callable);
    if (v == NULL) {
        if (fp_err_matches(&fp_StopIteration_type)) {
            fp_err_clear();
            ftc_atomic_store_relaxed(&it->done, 1);
        }
        return NULL;
    }
    int eq = fp_eq(v, it->sentinel);
    if (eq != 0) {
        ftc_decref(v);
        if (eq > 0)
            ftc_atomic_store_relaxed(&it->done, 1);
        return NULL;
    }
    return v;
}

ITER_TYPE(fp_callable_iter_type, "callable_iterator", call_iter, call_iter_dealloc, call_iter_next,
          call_iter_traverse);

ftc_object *fp_callable_iter_new(ftc_object *callable, ftc_object *sentinel)
{
    if (fp_type_of(callable)->call == NULL) {
        fp_err_set(&fp_TypeError_type, "iter(v, w): v must be callable");
        return NULL;
    }
    ftc_object *o = ftc_object_new(&fp_callable_iter_type.ct);
    if (o == NULL)
        return fp_err_nomem();
    call_iter *it = (call_iter *)o;
    ftc_incref(callable);
    ftc_incref(sentinel);
    it->callable = callable;
    it->sentinel = sentinel;
    return o;
}

/* ---- enumerate, zip, map, filter ---- */

typedef struct comb {
    FTC_OBJECT_HEAD;
    ftc_object *func;  /* map/filter: the function (filter: NULL for None) */
    ftc_object *iters; /* a tuple of iterators */
    int64_t count;     /* enumerate: atomic */
    bool strict;       /* zip */
} comb;

static void comb_dealloc(ftc_object *o)
{
    comb *c = (comb *)o;
    ftc_xdecref(c->func);
    ftc_xdecref(c->iters);
}

static int comb_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((comb *)o)->func);
    FP_VISIT(((comb *)o)->iters);
    return 0;
}

static ftc_object *comb_alloc(fp_type *type, ftc_object *func, ftc_object *const *iterables,
                              size_t n)
{
    ftc_object *iters = fp_tuple_new(n);
    if (iters == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ftc_object *it = fp_iter(iterables[i]);
        if (it == NULL) {
            for (size_t j = i; j < n; j++)
                fp_tuple_items(iters)[j] = NULL;
            ftc_decref(iters);
            return NULL;
        }
        fp_tuple_items(iters)[i] = it;
    }
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL) {
        ftc_decref(iters);
        return fp_err_nomem();
    }
    comb *c = (comb *)o;
    ftc_xincref(func);
    c->func = func;
    c->iters = iters;
    return o;
}

static ftc_object *enumerate_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    static const char *const kwlist[] = {"iterable", "start", NULL};
    ftc_object *a[2];
    if (fp_parse_args("enumerate", args, nargs, kwnames, kwlist, 1, 2, a) < 0)
        return NULL;
    int64_t start = 0;
    if (a[1] != NULL && fp_index_value(a[1], &start, NULL) < 0)
        return NULL;
    ftc_object *o = comb_alloc(type, NULL, &a[0], 1);
    if (o != NULL)
        ((comb *)o)->count = start;
    return o;
}

static ftc_object *enumerate_next(ftc_object *o)
{
    comb *c = (comb *)o;
    ftc_object *v = fp_next(fp_tuple_items(c->iters)[0]);
    if (v == NULL)
        return NULL;
    ftc_object *n = fp_int_new(ftc_atomic_fetch_add_relaxed(&c->count, 1));
    if (n == NULL) {
        ftc_decref(v);
        return NULL;
    }
    ftc_object *t = fp_tuple_new(2);
    if (t == NULL) {
        ftc_decref(n);
        ftc_decref(v);
        return NULL;
    }
    fp_tuple_items(t)[0] = n;
    fp_tuple_items(t)[1] = v;
    return t;
}

static ftc_object *zip_new(fp_type *type, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    bool strict = false;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        if (strcmp(fp_str_data(fp_tuple_items(kwnames)[i]), "strict") != 0) {
            fp_err_set(&fp_TypeError_type, "zip() got an unexpected keyword argument '%s'",
                       fp_str_data(fp_tuple_items(kwnames)[i]));
            return NULL;
        }
        int t = fp_truthy(args[nargs + i]);
        if (t < 0)
            return NULL;
        strict = t != 0;
    }
    ftc_object *o = comb_alloc(type, NULL, args, nargs);
    if (o != NULL)
        ((comb *)o)->strict = strict;
    return o;
}

static ftc_object *zip_next(ftc_object *o)
{
    comb *c = (comb *)o;
    size_t n = fp_tuple_size(c->iters);
    if (n == 0)
        return NULL;
    ftc_object *t = fp_tuple_new(n);
    if (t == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        ftc_object *v = fp_next(fp_tuple_items(c->iters)[i]);
        if (v == NULL) {
            for (size_t j = i; j < n; j++)
                fp_tuple_items(t)[j] = NULL;
            ftc_decref(t);
            if (c->strict && !fp_err_occurred()) {
                if (i > 0) {
                    fp_err_set(&fp_ValueError_type,
                               "zip() argument %zu is shorter than "
                               "argument%s%zu",
                               i + 1, i == 1 ? " " : "s 1-", i);
                } else {
                    for (size_t j = 1; j < n; j++) {
                        ftc_object *w = fp_next(fp_tuple_items(c->iters)[j]);
                        if (w != NULL) {
                            ftc_decref(w);
                            fp_err_set(&fp_ValueError_type,
                                       "zip() argument %zu is longer than "
                                       "argument%s%zu",
                                       j + 1, j == 1 ? " " : "s 1-", j);
                            break;
                        }
                        if (fp_err_occurred())
                            break;
                    }
                }
            }
            return NULL;
        }
        fp_tuple_items(t)[i] = v;
    }
    return t;
}

static ftc_object *map_new(fp_type *type, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "map() takes no keyword arguments");
        return NULL;
    }
    if (nargs < 2) {
        fp_err_set(&fp_TypeError_type, "map() must have at least two arguments.");
        return NULL;
    }
    return comb_alloc(type, args[0], args + 1, nargs - 1);
}

static ftc_object *map_next(ftc_object *o)
{
    comb *c = (comb *)o;
    size_t n = fp_tuple_size(c->iters);
    ftc_object *small[8];
    ftc_object **vals = n <= 8 ? small : ftc_mem_alloc(n * sizeof(ftc_object *));
    if (vals == NULL)
        return fp_err_nomem();
    size_t got = 0;
    ftc_object *r = NULL;
    for (; got < n; got++) {
        vals[got] = fp_next(fp_tuple_items(c->iters)[got]);
        if (vals[got] == NULL)
            break;
    }
    if (got == n)
        r = fp_call(c->func, vals, n, NULL);
    for (size_t i = 0; i < got; i++)
        ftc_decref(vals[i]);
    if (vals != small)
        ftc_mem_free(vals);
    return r;
}

static ftc_object *filter_new(fp_type *type, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    if (fp_check_args("filter", nargs, kwnames, 2, 2) < 0)
        return NULL;
    return comb_alloc(type, args[0] == fp_None ? NULL : args[0], &args[1], 1);
}

static ftc_object *filter_next(ftc_object *o)
{
    comb *c = (comb *)o;
    ftc_object *it = fp_tuple_items(c->iters)[0];
    for (;;) {
        ftc_object *v = fp_next(it);
        if (v == NULL)
            return NULL;
        int t;
        if (c->func == NULL) {
            t = fp_truthy(v);
        } else {
            ftc_object *r = fp_call1(c->func, v);
            t = r ? fp_truthy(r) : -1;
            ftc_xdecref(r);
        }
        if (t > 0)
            return v;
        ftc_decref(v);
        if (t < 0)
            return NULL;
    }
}

#define COMB_TYPE(var, tname, newfn, nextfn)                                        \
    fp_type var = {                                                                 \
        FP_TYPE_HEAD,                                                               \
        .ct = {tname, sizeof(comb), comb_dealloc, NULL, NULL, comb_traverse, NULL}, \
        .base = &fp_object_type,                                                    \
        .flags = FP_TPFLAG_BASETYPE,                                                \
        .iter = self_iter,                                                          \
        .next = nextfn,                                                             \
        .new_ = newfn,                                                              \
    }

COMB_TYPE(fp_enumerate_type, "enumerate", enumerate_new, enumerate_next);
COMB_TYPE(fp_zip_type, "zip", zip_new, zip_next);
COMB_TYPE(fp_map_type, "map", map_new, map_next);
COMB_TYPE(fp_filter_type, "filter", filter_new, filter_next);

/* ---- reversed ---- */

static ftc_object *reversed_new(fp_type *type, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)type;
    if (fp_check_args("reversed", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *seq = args[0];
    if (fp_list_check(seq))
        return fp_list_reviter_new(seq);
    ftc_object *m = fp_type_lookup(fp_type_of(seq), fp_intern("__reversed__"));
    if (m != NULL && m != fp_None)
        return fp_call1(m, seq);
    fp_type *t = fp_type_of(seq);
    if (t->len == NULL || t->getitem == NULL || fp_dict_check(seq) || fp_set_check(seq)) {
        fp_err_set(&fp_TypeError_type, "'%.100s' object is not reversible", t->ct.name);
        return NULL;
    }
    int64_t n = fp_len(seq);
    if (n < 0)
        return NULL;
    ftc_object *o = idx_new(&fp_reversed_type, seq, 0);
    if (o != NULL)
        ((idx_iter *)o)->len = n;
    return o;
}

fp_type fp_reversed_type = {
    FP_TYPE_HEAD,
    .ct = {"reversed", sizeof(idx_iter), idx_dealloc, NULL, NULL, idx_traverse, NULL},
    .base = &fp_object_type,
    .iter = self_iter,
    .next = rev_seq_next,
    .new_ = reversed_new,
};
