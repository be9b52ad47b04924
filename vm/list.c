/* list: Python's list on ftcore's list (lock-free reads in the nogil build, every write a
 * critical section on the list), plus the repr recursion guard shared by the containers.
 *
 * Single operations that Python documents as atomic map to one ftcore call each (append,
 * pop, insert, item get/set, extend, reverse, clear, copy). Operations made of several
 * ftcore calls run them inside one critical section on the list (slice assignment and
 * deletion, remove's final check-and-delete) so that other threads see them whole; ftcore's
 * own section inside is then a no-op (a section on a mutex the top section holds). Nothing
 * that can call Python code (__eq__, __lt__, a key function, repr) runs inside a section:
 * searches compare items fetched one at a time with a reference held, as CPython does, so a
 * concurrent change may make them skip or repeat an item but never read freed memory.
 *
 * sort: ftcore sorts a private copy and fails with FTC_ECHANGED if the list changed
 * meanwhile, which becomes CPython's ValueError("list modified during sort"). With a key the
 * keys are computed first and (key, item) pairs sorted by key, which keeps the sort stable.
 */
#include "lib.h"

#include <stdlib.h>
#include <string.h>

/* ---- the repr guard: objects this thread is repr'ing ---- */

static _Thread_local ftc_object **repr_stack;
static _Thread_local size_t repr_len, repr_cap;

int fp_repr_enter(ftc_object *o)
{
    for (size_t i = 0; i < repr_len; i++)
        if (repr_stack[i] == o)
            return 1;
    if (fp_enter_recursive_call(" while getting the repr of an object") < 0)
        return -1;
    if (repr_len == repr_cap) {
        size_t cap = repr_cap ? repr_cap * 2 : 16;
        ftc_object **s = ftc_mem_realloc(repr_stack, cap * sizeof *s);
        if (s == NULL) {
            fp_leave_recursive_call();
            fp_err_nomem();
            return -1;
        }
        repr_stack = s;
        repr_cap = cap;
    }
    repr_stack[repr_len++] = o;
    return 0;
}

void fp_repr_leave(ftc_object *o)
{
    for (size_t i = repr_len; i-- > 0;)
        if (repr_stack[i] == o) {
            memmove(repr_stack + i, repr_stack + i + 1, (repr_len - i - 1) * sizeof *repr_stack);
            repr_len--;
            break;
        }
    fp_leave_recursive_call();
    if (repr_len == 0) {
        ftc_mem_free(repr_stack);
        repr_stack = NULL;
        repr_cap = 0;
    }
}

/* ---- helpers ---- */

int64_t fp_list_len(ftc_object *list) { return ftc_list_len(list); }

static ftc_object *list_from_code(int code)
{
    fp_err_from_code(code, NULL);
    return NULL;
}

/* ---- slots ---- */

static ftc_object *list_repr(ftc_object *o)
{
    if (ftc_list_len(o) == 0)
        return fp_str_from_cstr("[]");
    int r = fp_repr_enter(o);
    if (r != 0)
        return r > 0 ? fp_str_from_cstr("[...]") : NULL;
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_putc(&b, '[');
    ftc_object *item;
    for (int64_t i = 0; ftc_list_get_ref(o, i, &item) == 0; i++) {
        if (i)
            fp_buf_put(&b, ", ", 2);
        int rc = fp_buf_put_repr(&b, item);
        ftc_decref(item);
        if (rc < 0) {
            fp_repr_leave(o);
            fp_buf_free(&b);
            return NULL;
        }
    }
    fp_buf_putc(&b, ']');
    fp_repr_leave(o);
    return fp_str_from_buf(&b);
}

static ftc_object *list_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_list_check(a) || !fp_list_check(b))
        return fp_NotImplemented;
    if (a == b && (op == FP_EQ || op == FP_LE || op == FP_GE))
        return fp_True;
    ftc_object **ia, **ib;
    size_t na, nb;
    ftc_object *ta = fp_as_array(a, &ia, &na);
    if (ta == NULL)
        return NULL;
    ftc_object *tb = fp_as_array(b, &ib, &nb);
    if (tb == NULL) {
        ftc_decref(ta);
        return NULL;
    }
    ftc_object *r = fp_seq_richcompare(ia, na, ib, nb, op);
    ftc_decref(ta);
    ftc_decref(tb);
    return r;
}

int64_t fp_hash_unhashable(ftc_object *o)
{
    fp_err_set(&fp_TypeError_type, "unhashable type: '%.100s'", fp_type_name(o));
    return -1;
}

static int64_t list_len(ftc_object *o) { return ftc_list_len(o); }

static int list_bool(ftc_object *o) { return ftc_list_len(o) != 0; }

static ftc_object *list_slice_get(ftc_object *o, ftc_object *slice)
{
    int64_t start, stop, step, len;
    if (fp_slice_unpack(slice, ftc_list_len(o), &start, &stop, &step, &len) < 0)
        return NULL;
    if (step == 1) {
        ftc_object *r = ftc_list_slice(o, start, start + len);
        return r ? r : list_from_code(ftc_last_error());
    }
    if (step == -1 && len > 0) {
        /* l[i::-1] and the like: items start, start-1, ..., start-len+1, that is the plain
         * slice [start-len+1, start+1) reversed, taken atomically by two calls instead of a
         * get and an append (each a critical section in the nogil build) per item
         * (fannkuch's flips). Both bounds are non-negative here (fp_slice_unpack clamped
         * them), so ftc_list_slice does not count them from the end; if the list shrank
         * since its length was read, the slice is clamped to what is left. */
        ftc_object *r = ftc_list_slice(o, start - len + 1, start + 1);
        if (r == NULL)
            return list_from_code(ftc_last_error());
        int rc = ftc_list_reverse(r);
        if (rc < 0) {
            ftc_decref(r);
            return list_from_code(rc);
        }
        return r;
    }
    ftc_object *r = fp_list_new();
    if (r == NULL)
        return NULL;
    ftc_object *item;
    for (int64_t i = 0, j = start; i < len; i++, j += step) {
        if (ftc_list_get_ref(o, j, &item) != 0)
            break; /* shrunk meanwhile */
        int rc = ftc_list_append(r, item);
        ftc_decref(item);
        if (rc < 0) {
            ftc_decref(r);
            return list_from_code(rc);
        }
    }
    return r;
}

static ftc_object *list_getitem(ftc_object *o, ftc_object *key)
{
    if (fp_int_like(key)) {
        ftc_object *v;
        if (ftc_list_get_ref(o, fp_int_like_value(key), &v) != 0) {
            fp_err_set(&fp_IndexError_type, "list index out of range");
            return NULL;
        }
        return v;
    }
    if (fp_slice_check(key))
        return list_slice_get(o, key);
    if (fp_type_lookup(fp_type_of(key), fp_intern("__index__")) != NULL) {
        int64_t i;
        if (fp_index_value(key, &i, NULL) < 0)
            return NULL;
        ftc_object *v;
        if (ftc_list_get_ref(o, i, &v) != 0) {
            fp_err_set(&fp_IndexError_type, "list index out of range");
            return NULL;
        }
        return v;
    }
    return fp_seq_index_error("list", key);
}

/* Replaces o's items [start, start+len) stepping by step with values (NULL: delete them),
 * atomically. For step 1 the count of values may differ from len. */
/* A slice bound that does not depend on the list's length: None or an int. */
static bool plain_bound(ftc_object *b) { return b == fp_None || fp_int_like(b); }

/* o[lo:hi] = values (NULL: del o[lo:hi]) when the slice has no step and plain bounds: one
 * ftc_list_set_slice, which applies Python's bound rules to the length it finds, atomically,
 * so no section of ours is needed around it (fannkuch's perm[:k+1] = perm[k::-1]). A list of
 * values is passed as it is (ftc_list_set_slice reads it atomically, and handles o itself);
 * any other iterable is first made a list. */
static int list_slice_assign_plain(ftc_object *o, fp_slice_object *sl, ftc_object *values)
{
    int64_t lo = sl->start == fp_None ? 0 : fp_int_like_value(sl->start);
    int64_t hi = sl->stop == fp_None ? INT64_MAX : fp_int_like_value(sl->stop);
    ftc_object *src = NULL;
    if (values != NULL) {
        if (fp_list_check(values)) {
            /* Borrowed: the caller's reference keeps values alive through the call, and a
             * list only the caller holds stays one (ftc_list_set_slice then locks o alone). */
            src = values;
        } else {
            src = fp_sequence_list(values);
            if (src == NULL) {
                if (fp_err_matches(&fp_TypeError_type)) {
                    fp_err_clear();
                    fp_err_set(&fp_TypeError_type, "can only assign an iterable");
                }
                return -1;
            }
        }
    }
    int rc = ftc_list_set_slice(o, lo, hi, src);
    if (src != values)
        ftc_xdecref(src);
    return rc < 0 ? fp_err_from_code(rc, NULL) : 0;
}

static int list_slice_assign(ftc_object *o, ftc_object *slice, ftc_object *values)
{
    fp_slice_object *sl = (fp_slice_object *)slice;
    if (sl->step == fp_None && plain_bound(sl->start) && plain_bound(sl->stop))
        return list_slice_assign_plain(o, sl, values);
    ftc_object **vals = NULL;
    size_t nv = 0;
    ftc_object *keep = NULL;
    if (values != NULL) {
        keep = fp_as_array(values, &vals, &nv);
        if (keep == NULL) {
            if (fp_err_matches(&fp_TypeError_type)) {
                fp_err_clear();
                fp_err_set(&fp_TypeError_type, "can only assign an iterable");
            }
            return -1;
        }
    }
    int rc = 0;
    int64_t start, stop, step, len;
    FTC_BEGIN_CRITICAL_SECTION(o);
    int64_t n = ftc_list_len(o);
    if (fp_slice_unpack(slice, n, &start, &stop, &step, &len) < 0) {
        rc = -1;
    } else if (step != 1 && values != NULL) {
        if ((size_t)len != nv) {
            fp_err_set(&fp_ValueError_type,
                       "attempt to assign sequence of size %zu to extended "
                       "slice of size %lld",
                       nv, (long long)len);
            rc = -1;
        } else {
            for (int64_t i = 0, j = start; i < len && rc == 0; i++, j += step)
                rc = ftc_list_set(o, j, vals[i]);
        }
    } else if (step == 1 && values != NULL && (size_t)len == nv) {
        /* As many values as the slice has items (fannkuch's perm[:k+1] = perm[k::-1]): replace
         * them in place, as the extended slice above does, instead of rebuilding the whole
         * list through a fresh one (2n appends and n gets). Inside this section, so atomic. */
        for (int64_t i = 0; i < len && rc == 0; i++)
            rc = ftc_list_set(o, start + i, vals[i]);
    } else {
        /* Rebuild: items outside the slice, with the values in its place. */
        ftc_object *fresh = ftc_list_new();
        if (fresh == NULL)
            rc = FTC_ENOMEM;
        int64_t lo = start, hi = start + len; /* step 1 */
        for (int64_t i = 0; rc == 0 && i < n; i++) {
            bool in_slice;
            if (step == 1)
                in_slice = i >= lo && i < hi;
            else if (step > 0)
                in_slice = i >= start && i < start + len * step && (i - start) % step == 0;
            else
                in_slice = i <= start && i > start + len * step && (start - i) % (-step) == 0;
            if (step == 1 && i == lo)
                for (size_t k = 0; k < nv && rc == 0; k++)
                    rc = ftc_list_append(fresh, vals[k]);
            if (in_slice || rc)
                continue;
            ftc_object *item;
            if (ftc_list_get_ref(o, i, &item) == 0) {
                rc = ftc_list_append(fresh, item);
                ftc_decref(item);
            }
        }
        if (step == 1 && lo >= n)
            for (size_t k = 0; k < nv && rc == 0; k++)
                rc = ftc_list_append(fresh, vals[k]);
        if (rc == 0)
            rc = ftc_list_clear(o);
        /* Item by item, not ftc_list_extend(o, fresh): that takes a section on both lists,
         * and o's mutex is the one this section holds, which a two-object section cannot
         * re-enter: it waited until its spin gave up and parked (fannkuch: 14x slower in the
         * nogil build). A one-object section on o inside this one is a no-op. fresh is this
         * thread's own, never shared: its reads take no lock. */
        int64_t nf = (rc == 0) ? ftc_list_len(fresh) : 0;
        for (int64_t i = 0; i < nf && rc == 0; i++) {
            ftc_object *item;
            rc = ftc_list_get_ref(fresh, i, &item);
            if (rc == 0) {
                rc = ftc_list_append(o, item);
                ftc_decref(item);
            }
        }
        if (fresh)
            ftc_decref(fresh);
    }
    FTC_END_CRITICAL_SECTION();
    ftc_xdecref(keep);
    if (rc < -1 || (rc < 0 && !fp_err_occurred()))
        return fp_err_from_code(rc, NULL);
    return rc;
}

static int list_setitem(ftc_object *o, ftc_object *key, ftc_object *v)
{
    int64_t i;
    if (fp_int_like(key)) {
        i = fp_int_like_value(key);
    } else if (fp_slice_check(key)) {
        return list_slice_assign(o, key, v);
    } else if (fp_type_lookup(fp_type_of(key), fp_intern("__index__")) != NULL) {
        if (fp_index_value(key, &i, NULL) < 0)
            return -1;
    } else {
        fp_seq_index_error("list", key);
        return -1;
    }
    int rc = v ? ftc_list_set(o, i, v) : ftc_list_del(o, i);
    if (rc == FTC_EINDEX) {
        fp_err_set(&fp_IndexError_type,
                   v ? "list assignment index out of range" : "list assignment index out of range");
        return -1;
    }
    return rc ? fp_err_from_code(rc, NULL) : 0;
}

static int list_contains(ftc_object *o, ftc_object *v)
{
    ftc_object *item;
    for (int64_t i = 0; ftc_list_get_ref(o, i, &item) == 0; i++) {
        int eq = item == v ? 1 : fp_eq(item, v);
        ftc_decref(item);
        if (eq != 0)
            return eq;
    }
    return 0;
}

static ftc_object *list_add(ftc_object *a, ftc_object *b)
{
    if (!fp_list_check(a) || !fp_list_check(b)) {
        if (fp_list_check(a) && !(fp_type_of(b)->flags & FP_TPFLAG_HEAPTYPE)) {
            fp_err_set(&fp_TypeError_type, "can only concatenate list (not \"%.100s\") to list",
                       fp_type_name(b));
            return NULL;
        }
        return fp_NotImplemented;
    }
    ftc_object *r = ftc_list_copy(a);
    if (r == NULL)
        return list_from_code(ftc_last_error());
    int rc = ftc_list_extend(r, b);
    if (rc < 0) {
        ftc_decref(r);
        return list_from_code(rc);
    }
    return r;
}

static ftc_object *list_mul(ftc_object *a, ftc_object *b)
{
    ftc_object *seq;
    int64_t count;
    if (!fp_seq_repeat_args(a, b, &seq, &count) || !fp_list_check(seq))
        return fp_seq_mul_error(a, b, &fp_list_type);
    ftc_object *snap = ftc_list_copy(seq);
    if (snap == NULL)
        return list_from_code(ftc_last_error());
    /* The result's size first, as CPython allocates it whole: a product past what one
     * allocation can hold, or an array the allocator refuses, is a MemoryError at once
     * (growing by extends would only stop when the kernel kills the process). */
    int64_t n = ftc_list_len(snap);
    if (count > 0 && n > 0) {
        void *probe = NULL;
        if (n <= (int64_t)(SIZE_MAX / sizeof(void *)) / count)
            probe = malloc((size_t)(n * count) * sizeof(void *));
        if (probe == NULL) {
            ftc_decref(snap);
            return fp_err_nomem();
        }
        free(probe);
    }
    ftc_object *r = fp_list_new();
    int rc = r ? 0 : -1;
    for (int64_t k = 0; k < count && rc == 0; k++) {
        rc = ftc_list_extend(r, snap);
        if (rc < 0) {
            fp_err_from_code(rc, NULL);
            rc = -1;
        }
    }
    ftc_decref(snap);
    if (rc < 0) {
        ftc_xdecref(r);
        return NULL;
    }
    return r;
}

/* list.extend(iterable) */
static int list_extend_impl(ftc_object *l, ftc_object *iterable)
{
    int rc;
    if (fp_list_check(iterable)) {
        rc = ftc_list_extend(l, iterable);
        return rc ? fp_err_from_code(rc, NULL) : 0;
    }
    if (fp_tuple_check(iterable)) {
        for (size_t i = 0; i < fp_tuple_size(iterable); i++)
            if ((rc = ftc_list_append(l, fp_tuple_items(iterable)[i])) < 0)
                return fp_err_from_code(rc, NULL);
        return 0;
    }
    ftc_object *it = fp_iter(iterable);
    if (it == NULL)
        return -1;
    ftc_object *v;
    while ((v = fp_next(it)) != NULL) {
        rc = ftc_list_append(l, v);
        ftc_decref(v);
        if (rc < 0) {
            ftc_decref(it);
            return fp_err_from_code(rc, NULL);
        }
    }
    ftc_decref(it);
    return fp_err_occurred() ? -1 : 0;
}

static ftc_object *list_inplace_add(ftc_object *a, ftc_object *b)
{
    if (!fp_list_check(a))
        return fp_NotImplemented;
    if (list_extend_impl(a, b) < 0)
        return NULL;
    ftc_incref(a);
    return a;
}

static ftc_object *list_iter(ftc_object *o) { return fp_list_iter_new(o); }

static ftc_object *list_new_(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)type;
    (void)args;
    (void)nargs;
    (void)kwnames;
    return fp_list_new();
}

static int list_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    if (fp_check_args("list", nargs, kwnames, 0, 1) < 0)
        return -1;
    int rc = ftc_list_clear(self);
    if (rc < 0)
        return fp_err_from_code(rc, NULL);
    return nargs ? list_extend_impl(self, args[0]) : 0;
}

/* ---- sort ---- */

typedef struct sort_ctx {
    bool by_key; /* items are (key, item) tuples: compare the keys */
} sort_ctx;

static int sort_less(ftc_object *a, ftc_object *b, void *arg)
{
    sort_ctx *ctx = arg;
    if (ctx->by_key) {
        a = fp_tuple_items(a)[0];
        b = fp_tuple_items(b)[0];
    }
    if (ftc_int_check(a) && ftc_int_check(b))
        return fp_int_value(a) < fp_int_value(b);
    if (fp_str_check(a) && fp_str_check(b)) {
        size_t na = fp_str_len(a), nb = fp_str_len(b);
        int c = memcmp(fp_str_data(a), fp_str_data(b), na < nb ? na : nb);
        return c < 0 || (c == 0 && na < nb);
    }
    if (fp_float_check(a) && fp_float_check(b))
        return fp_float_value(a) < fp_float_value(b);
    int r = fp_richcompare_bool(a, b, FP_LT);
    return r < 0 ? FP_EEXC : r;
}

int fp_list_sort_impl(ftc_object *list, ftc_object *key, bool reverse)
{
    if (key == fp_None)
        key = NULL;
    sort_ctx ctx = {key != NULL};
    int rc;
    if (key == NULL) {
        rc = ftc_list_sort(list, sort_less, &ctx, reverse);
    } else {
        ftc_object *pairs = fp_list_new();
        if (pairs == NULL)
            return -1;
        ftc_object *item;
        rc = 0;
        for (int64_t i = 0; rc == 0 && ftc_list_get_ref(list, i, &item) == 0; i++) {
            ftc_object *k = fp_call1(key, item);
            ftc_object *p = k ? fp_tuple_pack(2, k, item) : NULL;
            ftc_xdecref(k);
            ftc_decref(item);
            if (p == NULL) {
                rc = FP_EEXC;
                break;
            }
            rc = ftc_list_append(pairs, p);
            ftc_decref(p);
        }
        if (rc == 0)
            rc = ftc_list_sort(pairs, sort_less, &ctx, reverse);
        if (rc == 0) {
            FTC_BEGIN_CRITICAL_SECTION(list);
            rc = ftc_list_clear(list);
            for (int64_t i = 0; rc == 0 && ftc_list_get_ref(pairs, i, &item) == 0; i++) {
                rc = ftc_list_append(list, fp_tuple_items(item)[1]);
                ftc_decref(item);
            }
            FTC_END_CRITICAL_SECTION();
        }
        ftc_decref(pairs);
    }
    if (rc == FTC_ECHANGED) {
        fp_err_set(&fp_ValueError_type, "list modified during sort");
        return -1;
    }
    return rc ? fp_err_from_code(rc, NULL) : 0;
}

/* ---- methods ---- */

static ftc_object *m_append(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (FTC_UNLIKELY(nargs != 1 || kwnames != NULL) &&
        fp_check_args("append", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int rc = ftc_list_append(self, args[0]);
    if (rc < 0)
        return list_from_code(rc);
    return fp_None;
}

static ftc_object *m_extend(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (fp_check_args("extend", nargs, kwnames, 1, 1) < 0 || list_extend_impl(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *m_insert(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (fp_check_args("insert", nargs, kwnames, 2, 2) < 0)
        return NULL;
    int64_t i;
    if (fp_index_value(args[0], &i, NULL) < 0)
        return NULL;
    int rc = ftc_list_insert(self, i, args[1]);
    return rc < 0 ? list_from_code(rc) : fp_None;
}

static ftc_object *m_pop(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    if (fp_check_args("pop", nargs, kwnames, 0, 1) < 0)
        return NULL;
    int64_t i = -1;
    if (nargs && fp_index_value(args[0], &i, NULL) < 0)
        return NULL;
    ftc_object *v;
    int rc = ftc_list_pop(self, i, &v);
    if (rc == FTC_EINDEX) {
        fp_err_set(&fp_IndexError_type,
                   ftc_list_len(self) == 0 ? "pop from empty list" : "pop index out of range");
        return NULL;
    }
    return rc < 0 ? list_from_code(rc) : v;
}

/* Index of the first item == v in [start, stop), -1 if none, -2 on error. */
static int64_t find_item(ftc_object *l, ftc_object *v, int64_t start, int64_t stop,
                         ftc_object **found)
{
    ftc_object *item;
    for (int64_t i = start; i < stop && ftc_list_get_ref(l, i, &item) == 0; i++) {
        int eq = item == v ? 1 : fp_eq(item, v);
        if (eq != 0) {
            if (eq > 0 && found)
                *found = item;
            else
                ftc_decref(item);
            return eq < 0 ? -2 : i;
        }
        ftc_decref(item);
    }
    return -1;
}

static ftc_object *m_remove(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (fp_check_args("remove", nargs, kwnames, 1, 1) < 0)
        return NULL;
    for (;;) {
        ftc_object *found = NULL;
        int64_t i = find_item(self, args[0], 0, INT64_MAX, &found);
        if (i == -2)
            return NULL;
        if (i == -1) {
            fp_err_set(&fp_ValueError_type, "list.remove(x): x not in list");
            return NULL;
        }
        /* Delete it if it is still there (another thread may have moved it). */
        bool done = false;
        FTC_BEGIN_CRITICAL_SECTION(self);
        ftc_object *cur;
        if (ftc_list_get_borrowed(self, i, &cur) == 0 && cur == found)
            done = ftc_list_del(self, i) == 0;
        FTC_END_CRITICAL_SECTION();
        ftc_decref(found);
        if (done)
            return fp_None;
    }
}

static ftc_object *m_index(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    if (fp_check_args("index", nargs, kwnames, 1, 3) < 0)
        return NULL;
    int64_t n = ftc_list_len(self), start = 0, stop = n;
    for (size_t k = 1; k < nargs; k++) {
        int64_t v;
        if (fp_index_value(args[k], &v, NULL) < 0)
            return NULL;
        if (v < 0 && (v += n) < 0)
            v = 0;
        if (k == 1)
            start = v;
        else
            stop = v;
    }
    int64_t i = find_item(self, args[0], start, stop, NULL);
    if (i >= 0)
        return fp_int_new(i);
    if (i == -1) {
        ftc_object *r = fp_repr(args[0]);
        if (r != NULL) {
            fp_err_set(&fp_ValueError_type, "%s is not in list", fp_str_data(r));
            ftc_decref(r);
        }
    }
    return NULL;
}

static ftc_object *m_count(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    if (fp_check_args("count", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t c = 0;
    ftc_object *item;
    for (int64_t i = 0; ftc_list_get_ref(self, i, &item) == 0; i++) {
        int eq = item == args[0] ? 1 : fp_eq(item, args[0]);
        ftc_decref(item);
        if (eq < 0)
            return NULL;
        c += eq;
    }
    return fp_int_new(c);
}

static ftc_object *m_sort(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    static const char *const kwlist[] = {"key", "reverse", NULL};
    ftc_object *a[2];
    if (fp_parse_args("sort", args, nargs, kwnames, kwlist, 0, 0, a) < 0)
        return NULL;
    int rev = 0;
    if (a[1] != NULL && (rev = fp_truthy(a[1])) < 0)
        return NULL;
    if (fp_list_sort_impl(self, a[0], rev != 0) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *m_reverse(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("reverse", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_list_reverse(self);
    return rc < 0 ? list_from_code(rc) : fp_None;
}

static ftc_object *m_copy(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("copy", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_object *r = ftc_list_copy(self);
    return r ? r : list_from_code(ftc_last_error());
}

static ftc_object *m_clear(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_list_clear(self);
    return rc < 0 ? list_from_code(rc) : fp_None;
}

static ftc_object *m_reversed(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__reversed__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_list_reviter_new(self);
}

static const fp_method_def list_methods[] = {
    {"append", m_append, 0}, {"extend", m_extend, 0}, {"insert", m_insert, 0},
    {"pop", m_pop, 0},       {"remove", m_remove, 0}, {"index", m_index, 0},
    {"count", m_count, 0},   {"sort", m_sort, 0},     {"reverse", m_reverse, 0},
    {"copy", m_copy, 0},     {"clear", m_clear, 0},   {"__reversed__", m_reversed, 0},
    {NULL, NULL, 0},
};

fp_type fp_list_type = {
    FP_TYPE_HEAD,
    .ct = {"list", 0, NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = list_repr,
    .hash = fp_hash_unhashable,
    .richcompare = list_richcompare,
    .len = list_len,
    .getitem = list_getitem,
    .setitem = list_setitem,
    .contains = list_contains,
    .bool_ = list_bool,
    .iter = list_iter,
    .nb = {[FP_NB_ADD] = list_add, [FP_NB_MUL] = list_mul},
    .nb_inplace_add = list_inplace_add,
    .new_ = list_new_,
    .init = list_init,
    .methods = list_methods,
};
