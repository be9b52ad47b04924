/* List operations over many items: extend, slice, slice assignment, copy, index/contains,
 * reverse, sort.
 *
 * Each runs in the list's critical section (extend from another list in both lists' sections,
 * taken in address order), so each is one atomic step for other threads, except where user
 * callbacks run: index/contains call eq and sort calls the compare callback, and a callback
 * may change the list (the critical section is re-entrant) or block (which suspends the
 * section). index and contains then go on over the list as it is, bounded by its current
 * length, like Python's list.index. sort never lets a callback see a half-sorted list: it
 * sorts a private copy (holding its own references) and writes the result back only if the
 * list's version did not move while the callbacks ran; otherwise it drops the copy and returns
 * FTC_ECHANGED. The write-back moves several items in place, so it happens in a write window
 * (ctr.h) that lock-free readers validate against. Reverse likewise, and a slice assignment
 * that replaces as many items as it removes; one that changes the size builds a new array and
 * publishes it with one store, as a growing append does.
 */
#include "list_internal.h"

#include <string.h>

int ftc_list_extend(ftc_object *l, ftc_object *src)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    rc = ctr_check(src, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (l == src) {
        /* Snapshot first: the array we would copy from is the one being extended. */
        FTC_BEGIN_CRITICAL_SECTION(l);
        list_items *a = LIST(l)->items;
        int64_t n = a ? a->size : 0;
        if (n > 0) {
            ftc_object **snap = ftc_mem_alloc((size_t)n * sizeof(ftc_object *));
            if (snap == NULL) {
                rc = FTC_ENOMEM;
            } else {
                memcpy(snap, a->item, (size_t)n * sizeof(ftc_object *));
                rc = _ftc_list_extend_locked(LIST(l), snap, n);
                ftc_mem_free(snap);
            }
        }
        FTC_END_CRITICAL_SECTION();
        return rc;
    }
    FTC_BEGIN_CRITICAL_SECTION2(l, src);
    list_items *b = LIST(src)->items;
    if (b != NULL)
        rc = _ftc_list_extend_locked(LIST(l), b->item, b->size);
    LIST_CHECK(LIST(l));
    FTC_END_CRITICAL_SECTION2();
    return rc;
}

/* Python slice bounds without a step: negative counts from the end, clamped to [0, n]. */
static int64_t clamp_bound(int64_t i, int64_t n)
{
    if (i < 0) {
        i += n;
        if (i < 0)
            i = 0;
    }
    return i > n ? n : i;
}

ftc_object *ftc_list_slice(ftc_object *l, int64_t start, int64_t stop)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0) {
        ftc_set_last_error(rc);
        return NULL;
    }
    ftc_object *r;
    FTC_BEGIN_CRITICAL_SECTION(l);
    list_items *a = LIST(l)->items;
    int64_t n = a ? a->size : 0;
    int64_t lo = clamp_bound(start, n), hi = clamp_bound(stop, n);
    r = _ftc_list_from_array(a ? a->item + lo : NULL, hi > lo ? hi - lo : 0);
    FTC_END_CRITICAL_SECTION();
    return r;
}

/* ---- slice assignment ---- */

/* The first SLICE_SMALL items a slice assignment removes are kept on the stack until they are
 * released; more go to a heap array. */
#define SLICE_SMALL 16

/* Critical section of l (and of src, if another list) held: replaces items [lo, hi) of l with
 * src's items (none if src is NULL). The removed items' references go to *dropped (small, or
 * a heap array it allocates), their count to *nd, for the caller to release after the
 * section. 0 or FTC_ENOMEM (l unchanged, nothing to release). */
static int set_slice_locked(ftc_list_obj *l, int64_t start, int64_t stop, ftc_list_obj *src,
                            ftc_object **small, ftc_object ***dropped, int64_t *nd)
{
    list_items *a = l->items;
    int64_t n = a ? a->size : 0;
    int64_t lo = clamp_bound(start, n), hi = clamp_bound(stop, n);
    if (hi < lo)
        hi = lo; /* Python: l[5:2] = v inserts at 5 */
    int64_t d = hi - lo;
    list_items *b = src ? src->items : NULL;
    int64_t m = b ? b->size : 0;
    if (d == 0 && m == 0)
        return 0;
    if (m > INT64_MAX / 2 - n)
        return FTC_ENOMEM;
    ftc_object **snap = NULL;
    ftc_object *const *vals = b ? b->item : NULL;
    if (src == l && m > 0) {
        /* l[i:j] = l: the values are the items as they were before this write. */
        snap = ftc_mem_alloc((size_t)m * sizeof(ftc_object *));
        if (snap == NULL)
            return FTC_ENOMEM;
        memcpy(snap, a->item, (size_t)m * sizeof(ftc_object *));
        vals = snap;
    }
    ftc_object **out = small;
    if (d > SLICE_SMALL) {
        out = ftc_mem_alloc((size_t)d * sizeof(ftc_object *));
        if (out == NULL) {
            ftc_mem_free(snap);
            return FTC_ENOMEM;
        }
    }
    int64_t size = n - d + m;
    list_items *na = NULL;
    if (d != m) {
        int64_t cap = _ftc_list_grow_capacity(size);
        na = cap < 0 ? NULL : _ftc_list_items_alloc(cap);
        if (na == NULL) {
            if (out != small)
                ftc_mem_free(out);
            ftc_mem_free(snap);
            return FTC_ENOMEM;
        }
    }
    /* Nothing can fail from here on. The flag is set in l's section, which we hold: one
     * test for all the values. */
    bool publish = ctr_is_shared(&l->ob_base);
    for (int64_t t = 0; t < m; t++) {
        ftc_incref(vals[t]);
        if (publish)
            ftc_object_set_shared(vals[t]);
    }
    if (d > 0)
        memcpy(out, a->item + lo, (size_t)d * sizeof(ftc_object *));
    if (na == NULL) {
        /* As many values as removed items: replaced in place, several slots in one window. */
        ctr_window_open(&l->seq);
        for (int64_t t = 0; t < m; t++)
            ftc_ft_store_release(&a->item[lo + t], vals[t]);
        ctr_window_close(&l->seq);
        l->version++;
    } else {
        /* The size changes: a new array, built privately and published whole. */
        if (lo > 0)
            memcpy(na->item, a->item, (size_t)lo * sizeof(ftc_object *));
        if (m > 0)
            memcpy(na->item + lo, vals, (size_t)m * sizeof(ftc_object *));
        if (n > hi)
            memcpy(na->item + lo + m, a->item + hi, (size_t)(n - hi) * sizeof(ftc_object *));
        na->size = size;
        _ftc_list_publish(l, na);
    }
    ftc_mem_free(snap);
    *dropped = out;
    *nd = d;
    return 0;
}

/* nogil: whether src (checked: a list) is reachable by the calling thread only
 * (ctr_held_only_by_me); the GIL build takes no sections, one or two. */
static inline bool src_held_only_by_me(ftc_object *src)
{
#ifdef FTC_GIL_DISABLED
    return ctr_held_only_by_me(src);
#else
    (void)src;
    return true;
#endif
}

int ftc_list_set_slice(ftc_object *l, int64_t start, int64_t stop, ftc_object *src)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (src != NULL) {
        rc = ctr_check(src, &ftc_list_type);
        if (rc < 0)
            return rc;
    }
    ftc_object *small[SLICE_SMALL];
    ftc_object **dropped = small;
    int64_t nd = 0;
    /* src == l, or no other thread can reach src (held only by the caller, as the list a VM
     * just built for l[i:j] = l[k::-1]): l's section alone excludes every other writer and
     * reader of what set_slice_locked reads. */
    if (src == NULL || src == l || src_held_only_by_me(src)) {
        FTC_BEGIN_CRITICAL_SECTION(l);
        rc = set_slice_locked(LIST(l), start, stop, src ? LIST(src) : NULL, small, &dropped, &nd);
        LIST_CHECK(LIST(l));
        FTC_END_CRITICAL_SECTION();
    } else {
        FTC_BEGIN_CRITICAL_SECTION2(l, src);
        rc = set_slice_locked(LIST(l), start, stop, LIST(src), small, &dropped, &nd);
        LIST_CHECK(LIST(l));
        FTC_END_CRITICAL_SECTION2();
    }
    /* After the section: a deallocator may use this list, which is consistent by now. */
    for (int64_t j = 0; j < nd; j++)
        ftc_decref(dropped[j]);
    if (dropped != small)
        ftc_mem_free(dropped);
    return rc;
}

ftc_object *ftc_list_copy(ftc_object *l)
{
    ctr_require_attached(__func__);
    return ftc_list_slice(l, 0, INT64_MAX);
}

int64_t ftc_list_index(ftc_object *l, ftc_object *v)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (v == NULL)
        return FTC_EINVAL;
    int64_t result = FTC_EKEY;
    FTC_BEGIN_CRITICAL_SECTION(l);
    for (int64_t j = 0;; j++) {
        /* Re-read each time: an eq callback may have changed the list. */
        list_items *a = LIST(l)->items;
        if (a == NULL || j >= a->size)
            break;
        ftc_object *item = a->item[j];
        if (item == v) {
            result = j;
            break;
        }
        ftc_incref(item);
        int r = _ftc_ctr_eq(item, v);
        ftc_decref(item);
        if (r != 0) {
            result = r < 0 ? r : j;
            break;
        }
    }
    FTC_END_CRITICAL_SECTION();
    return result;
}

int ftc_list_contains(ftc_object *l, ftc_object *v)
{
    ctr_require_attached(__func__);
    int64_t r = ftc_list_index(l, v);
    if (r >= 0)
        return 1;
    return r == FTC_EKEY ? 0 : (int)r;
}

/* l's section held, or no other thread can reach l. */
static void reverse_locked(ftc_list_obj *l)
{
    list_items *a = l->items;
    int64_t n = a ? a->size : 0;
    if (n > 1) {
        ctr_window_open(&l->seq);
        for (int64_t lo = 0, hi = n - 1; lo < hi; lo++, hi--) {
            ftc_object *t = a->item[lo];
            ftc_ft_store_release(&a->item[lo], a->item[hi]);
            ftc_ft_store_release(&a->item[hi], t);
        }
        ctr_window_close(&l->seq);
        l->version++;
    }
    LIST_CHECK(l);
}

int ftc_list_reverse(ftc_object *l)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
#ifdef FTC_GIL_DISABLED
    /* No other thread can reach l (a list a VM just built, as l[k::-1] does): the section
     * would exclude no one (as in ftc_list_append_unique). */
    if (ctr_held_only_by_me(l)) {
        reverse_locked(LIST(l));
        return rc;
    }
#endif
    FTC_BEGIN_CRITICAL_SECTION(l);
    reverse_locked(LIST(l));
    FTC_END_CRITICAL_SECTION();
    return rc;
}

/* ---- sort: a stable merge sort of a private copy ---- */

typedef struct sort_ctx {
    ftc_list_less_fn less;
    void *arg;
    int reverse;
} sort_ctx;

/* 1 if b must come before a (strictly), 0 if not, or a negative code. Taking from the left
 * run unless the right item strictly precedes keeps equal items in order (stability). */
static int precedes(const sort_ctx *c, ftc_object *b, ftc_object *a)
{
    ftc_object *x = c->reverse ? a : b, *y = c->reverse ? b : a;
    int r = c->less ? c->less(x, y, c->arg) : _ftc_ctr_builtin_less(x, y);
    if (r < 0)
        return r;
    return r != 0;
}

/* Sorts v[0..n) using tmp[0..n) as scratch; 0 or a callback's code (v then is some
 * permutation of its items: nothing is lost). */
static int merge_sort(const sort_ctx *c, ftc_object **v, ftc_object **tmp, int64_t n)
{
    if (n < 2)
        return 0;
    if (n <= 8) {
        /* Insertion sort for short runs. */
        for (int64_t j = 1; j < n; j++) {
            ftc_object *x = v[j];
            int64_t k = j;
            while (k > 0) {
                int r = precedes(c, x, v[k - 1]);
                if (r < 0) {
                    v[k] = x;
                    return r;
                }
                if (!r)
                    break;
                v[k] = v[k - 1];
                k--;
            }
            v[k] = x;
        }
        return 0;
    }
    int64_t mid = n / 2;
    int rc = merge_sort(c, v, tmp, mid);
    if (rc == 0)
        rc = merge_sort(c, v + mid, tmp, n - mid);
    if (rc < 0)
        return rc;
    memcpy(tmp, v, (size_t)n * sizeof(ftc_object *));
    int64_t i = 0, j = mid, k = 0;
    while (i < mid && j < n) {
        int r = precedes(c, tmp[j], tmp[i]);
        if (r < 0) {
            /* Put everything back (a permutation) before failing. */
            memcpy(v, tmp, (size_t)n * sizeof(ftc_object *));
            return r;
        }
        v[k++] = r ? tmp[j++] : tmp[i++];
    }
    while (i < mid)
        v[k++] = tmp[i++];
    while (j < n)
        v[k++] = tmp[j++];
    return 0;
}

int ftc_list_sort(ftc_object *l, ftc_list_less_fn less, void *arg, int reverse)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    sort_ctx c = {less, arg, reverse};
    ftc_object **copy = NULL;
    int64_t n;
    FTC_BEGIN_CRITICAL_SECTION(l);
    ftc_list_obj *lo = LIST(l);
    list_items *a = lo->items;
    n = a ? a->size : 0;
    if (n > 1)
        copy = ftc_mem_alloc((size_t)n * 2 * sizeof(ftc_object *));
    if (n > 1 && copy == NULL) {
        rc = FTC_ENOMEM;
    } else if (n > 1) {
        /* The copy holds its own references: a callback may remove items from the list. */
        for (int64_t j = 0; j < n; j++) {
            copy[j] = a->item[j];
            ftc_incref(copy[j]);
        }
        uint64_t version = lo->version;
        rc = merge_sort(&c, copy, copy + n, n);
        if (rc == 0 && lo->version != version)
            rc = FTC_ECHANGED;
        if (rc == 0) {
            /* Unchanged since the copy: same array, same items, new order. */
            ctr_window_open(&lo->seq);
            for (int64_t j = 0; j < n; j++)
                ftc_ft_store_release(&a->item[j], copy[j]);
            ctr_window_close(&lo->seq);
            lo->version++;
        }
    }
    LIST_CHECK(lo);
    FTC_END_CRITICAL_SECTION();
    if (copy != NULL) {
        for (int64_t j = 0; j < n; j++)
            ftc_decref(copy[j]);
        ftc_mem_free(copy);
    }
    return rc;
}
