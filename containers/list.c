/* The list: storage, and the operations on single items (append, insert, get, set, pop, del,
 * len, clear). Extend, slices, search, reverse and sort are in list_ops.c; the layout and its
 * invariants in list_internal.h.
 *
 * Concurrency (nogil build). Writers hold the list's critical section. Readers of one item
 * (ftc_list_get_ref, ftc_list_get_borrowed) and of the length (ftc_list_len) take no lock:
 *
 *   start = window counter (acquire; odd: a write that changes the size or several slots is
 *           under way -> locked path)
 *   a     = l->items (acquire), n = a->size (acquire), normalize i against n, bound-check
 *   v     = a->item[j] (acquire); NULL -> locked path
 *   get_ref: try-incref v and re-check a->item[j] == v (v was alive and still item j then);
 *   borrowed: nothing (no reference, no write)
 *   re-check l->items == a, validate the window (the counter is still start)
 *
 * Why a validated read is linearizable. Every write that changes the size (append, insert,
 * pop and del anywhere, extend in place) or more than one slot (reverse, the write-back of a
 * sort) does so inside a write window; set is one slot store outside any window; a write that
 * needs a new array builds it privately and publishes it with one store of l->items (a replaced
 * array is never written again and never re-published). A validated read therefore saw the
 * same array and the same size from its first load to its last: the index it normalized
 * against n (negative indexes count from that end) names the same item throughout, and the
 * slot it loaded held item j of the list at the instant of that load (for get_ref, also at
 * the re-check: then v is alive, since the list still holds it). That instant is the read's
 * linearization point. (Size changes used to be single stores outside a window; a negative
 * index could then be normalized against a size that an append changed before the slot was
 * read, and return an item that was never the last one.) len is one acquire load of the size.
 *
 * Memory safety: once another thread than the owner uses the list (ctr.h: "Private until
 * another thread comes"), replaced arrays are freed through QSBR and its items are marked
 * shared, so whatever a reader loads stays valid memory until it passes a quiescent state, and
 * try-incref refuses items that are already dying. Readers must be attached (QSBR online).
 *
 * Items released by a write (the old item of set, everything clear drops) are decref'd after
 * the critical section ends: their deallocators may run arbitrary code, including code that
 * uses this list, which is consistent by then.
 */
#include "list_internal.h"

#include <string.h>

/* ---- storage ---- */

list_items *_ftc_list_items_alloc(int64_t capacity)
{
    if (capacity < 0 || (uint64_t)capacity > (SIZE_MAX - sizeof(list_items)) / sizeof(ftc_object *))
        return NULL;
    list_items *a = ftc_mem_alloc(sizeof(list_items) + (size_t)capacity * sizeof(ftc_object *));
    if (a == NULL)
        return NULL;
    a->capacity = capacity;
    a->size = 0;
    memset(a->item, 0, (size_t)capacity * sizeof(ftc_object *));
    return a;
}

int64_t _ftc_list_grow_capacity(int64_t n)
{
    /* CPython's over-allocation: about 1/8 more, plus a little for small lists. */
    if (n > INT64_MAX / 2)
        return -1;
    return n + (n >> 3) + (n < 9 ? 3 : 6);
}

#if FTC_DEBUG_LEVEL >= 3
/* Critical section held: the invariant of list_internal.h, slots below size filled, the rest
 * NULL. */
void _ftc_list_check(ftc_list_obj *l)
{
    list_items *a = l->items;
    if (a == NULL)
        return;
    ftc_assert(a->size >= 0 && a->size <= a->capacity);
    for (int64_t j = 0; j < a->capacity; j++)
        ftc_assert((a->item[j] != NULL) == (j < a->size));
}
#endif

void _ftc_list_publish(ftc_list_obj *l, list_items *na)
{
    list_items *old = l->items;
    /* Release: pairs with the readers' acquire load of l->items; na is complete. */
    ftc_ft_store_release(&l->items, na);
    l->version++;
    if (old != NULL)
        ctr_free_table(ctr_is_shared(&l->ob_base), old);
}

/* Takes a new reference to v, which is being stored into l (critical section held, or l not
 * yet visible to any other thread). */
static inline void own_item(ftc_list_obj *l, ftc_object *v)
{
    ftc_incref(v);
    ctr_publish(&l->ob_base, v);
}

#ifdef FTC_GIL_DISABLED
void _ftc_list_mark_all_locked(ftc_list_obj *l)
{
    list_items *a = l->items;
    for (int64_t j = 0; a != NULL && j < a->size; j++)
        ftc_object_set_shared(a->item[j]);
}
#endif

/* ---- the object ---- */

static void list_dealloc(ftc_object *self)
{
    ctr_dealloc_prepare(self); /* its owner may still borrow its items: ctr.h */
    ftc_list_obj *l = LIST(self);
    list_items *a = l->items;
    l->items = NULL;
    if (a == NULL)
        return;
    /* Readers hold a reference to the list, so none can be reading it now: free at once. */
    for (int64_t j = 0; j < a->size; j++)
        ftc_xdecref(a->item[j]);
    ftc_mem_free(a);
}

/* The collector calls it with the world stopped (gc.h): plain loads of the current array;
 * slots at or past its size are NULL (list_internal.h), so visiting the non-NULL ones up to
 * size visits each reference the list holds once. */
static int list_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    list_items *a = ftc_ft_load_relaxed(&LIST(self)->items);
    if (a == NULL)
        return 0;
    int64_t n = ftc_ft_load_relaxed(&a->size);
    for (int64_t j = 0; j < n; j++) {
        ftc_object *o = ftc_ft_load_relaxed(&a->item[j]);
        int rc;
        if (o != NULL && (rc = visit(o, arg)) != 0)
            return rc;
    }
    return 0;
}

/* Breaks a cycle: the ordinary clear, in the list's critical section (the world runs again). */
static int list_gc_clear(ftc_object *self) { return ftc_list_clear(self); }

const ftc_type ftc_list_type = {
    .name = "list",
    .basicsize = sizeof(ftc_list_obj),
    .dealloc = list_dealloc,
    .traverse = list_traverse,
    .clear = list_gc_clear,
};

ftc_object *ftc_list_new(void)
{
    ctr_require_attached(__func__);
    return ftc_object_new(&ftc_list_type); /* zero-filled: empty, no storage */
}

int ftc_list_check(ftc_object *l) { return l != NULL && ftc_type_of(l) == &ftc_list_type; }

ftc_object *_ftc_list_from_array(ftc_object *const *src, int64_t n)
{
    ftc_object *l = ftc_list_new();
    if (l == NULL || n == 0)
        return l;
    list_items *a = _ftc_list_items_alloc(n);
    if (a == NULL) {
        ftc_decref(l);
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    /* l is new: not shared, so own_item's publication test would always fail. */
    for (int64_t j = 0; j < n; j++) {
        ftc_incref(src[j]);
        a->item[j] = src[j];
    }
    a->size = n;
    LIST(l)->items = a; /* l is not visible to any other thread yet */
    return l;
}

/* ---- writes (critical section held) ---- */

static int append_locked(ftc_list_obj *l, ftc_object *v)
{
    list_items *a = l->items;
    int64_t n = a ? a->size : 0;
    if (a == NULL || n == a->capacity) {
        int64_t cap = _ftc_list_grow_capacity(n + 1);
        list_items *na = cap < 0 ? NULL : _ftc_list_items_alloc(cap);
        if (na == NULL)
            return FTC_ENOMEM;
        if (n > 0)
            memcpy(na->item, a->item, (size_t)n * sizeof(ftc_object *));
        own_item(l, v);
        na->item[n] = v;
        na->size = n + 1;
        _ftc_list_publish(l, na);
        return 0;
    }
    own_item(l, v);
    /* In a window, like every change of the size (see the essay: a reader of a negative index
     * must see the size constant). Size first, then the slot. Release: pairs with the readers'
     * acquire loads. */
    ctr_window_open(&l->seq);
    ftc_ft_store_release(&a->size, n + 1);
    ftc_ft_store_release(&a->item[n], v);
    ctr_window_close(&l->seq);
    l->version++;
    return 0;
}

/* Normalizes an index naming an existing item: 0 and *j, or FTC_EINDEX. */
static inline int norm_index(int64_t i, int64_t n, int64_t *j)
{
    if (i < 0)
        i += n;
    if (i < 0 || i >= n)
        return FTC_EINDEX;
    *j = i;
    return 0;
}

/* Arrays of at most this many slots (1 KiB) are never shrunk: a list that a VM fills and
 * drains over and over (a work queue, a stack) would otherwise reallocate on every cycle,
 * and in the nogil build each replaced array is a QSBR-deferred free (measured: a fifth of
 * list_shared_append's instructions with a 16-slot floor). */
#define LIST_SHRINK_MIN_CAPACITY 128

/* Shrinks the array when it is mostly empty; on allocation failure keeps the big one. */
static void maybe_shrink(ftc_list_obj *l)
{
    list_items *a = l->items;
    if (a == NULL || a->capacity <= LIST_SHRINK_MIN_CAPACITY || a->size >= a->capacity / 4)
        return;
    int64_t n = a->size;
    list_items *na = _ftc_list_items_alloc(_ftc_list_grow_capacity(n));
    if (na == NULL)
        return;
    memcpy(na->item, a->item, (size_t)n * sizeof(ftc_object *));
    na->size = n;
    _ftc_list_publish(l, na);
}

/* Removes item j (valid) and returns the list's reference to it. */
static ftc_object *pop_locked(ftc_list_obj *l, int64_t j)
{
    list_items *a = l->items;
    int64_t n = a->size;
    ftc_object *v = a->item[j];
    /* In a window (every change of the size is): shift down, clear the last slot, then the
     * smaller size. */
    ctr_window_open(&l->seq);
    for (int64_t m = j; m < n - 1; m++)
        ftc_ft_store_release(&a->item[m], a->item[m + 1]);
    ftc_ft_store_release(&a->item[n - 1], (ftc_object *)NULL);
    ftc_ft_store_release(&a->size, n - 1);
    ctr_window_close(&l->seq);
    l->version++;
    maybe_shrink(l);
    return v;
}

static int insert_locked(ftc_list_obj *l, int64_t j, ftc_object *v)
{
    list_items *a = l->items;
    int64_t n = a ? a->size : 0;
    if (j >= n)
        return append_locked(l, v);
    if (n == a->capacity) {
        int64_t cap = _ftc_list_grow_capacity(n + 1);
        list_items *na = cap < 0 ? NULL : _ftc_list_items_alloc(cap);
        if (na == NULL)
            return FTC_ENOMEM;
        memcpy(na->item, a->item, (size_t)j * sizeof(ftc_object *));
        memcpy(na->item + j + 1, a->item + j, (size_t)(n - j) * sizeof(ftc_object *));
        own_item(l, v);
        na->item[j] = v;
        na->size = n + 1;
        _ftc_list_publish(l, na);
        return 0;
    }
    own_item(l, v);
    ctr_window_open(&l->seq);
    ftc_ft_store_release(&a->size, n + 1);
    for (int64_t m = n; m > j; m--)
        ftc_ft_store_release(&a->item[m], a->item[m - 1]);
    ftc_ft_store_release(&a->item[j], v);
    ctr_window_close(&l->seq);
    l->version++;
    return 0;
}

int _ftc_list_extend_locked(ftc_list_obj *l, ftc_object *const *src, int64_t m)
{
    if (m == 0)
        return 0;
    list_items *a = l->items;
    int64_t n = a ? a->size : 0;
    if (m > INT64_MAX / 2 - n)
        return FTC_ENOMEM;
    if (a == NULL || n + m > a->capacity) {
        int64_t cap = _ftc_list_grow_capacity(n + m);
        list_items *na = cap < 0 ? NULL : _ftc_list_items_alloc(cap);
        if (na == NULL)
            return FTC_ENOMEM;
        if (n > 0)
            memcpy(na->item, a->item, (size_t)n * sizeof(ftc_object *));
        for (int64_t t = 0; t < m; t++) {
            own_item(l, src[t]);
            na->item[n + t] = src[t];
        }
        na->size = n + m;
        _ftc_list_publish(l, na);
        return 0;
    }
    for (int64_t t = 0; t < m; t++)
        own_item(l, src[t]);
    ctr_window_open(&l->seq);
    ftc_ft_store_release(&a->size, n + m);
    for (int64_t t = 0; t < m; t++)
        ftc_ft_store_release(&a->item[n + t], src[t]);
    ctr_window_close(&l->seq);
    l->version++;
    return 0;
}

/* ---- public: single items ---- */

/* ftc_list_append after its attached check: the argument checks, then the append in l's
 * section. Inline: ftc_list_append_unique's GIL-build path is this body, costing what
 * ftc_list_append does. */
static inline int append_checked(ftc_object *l, ftc_object *v)
{
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (v == NULL)
        return FTC_EINVAL;
    FTC_BEGIN_CRITICAL_SECTION(l);
    rc = append_locked(LIST(l), v);
    LIST_CHECK(LIST(l));
    FTC_END_CRITICAL_SECTION();
    return rc;
}

int ftc_list_append(ftc_object *l, ftc_object *v)
{
    ctr_require_attached(__func__);
    return append_checked(l, v);
}

int ftc_list_append_unique(ftc_object *l, ftc_object *v)
{
    ctr_require_attached(__func__);
#ifdef FTC_GIL_DISABLED
    /* No other thread can reach l (ctr_held_only_by_me): the section would exclude no one.
     * (ctr_check's own access note is not needed: the test includes it.) */
    if (FTC_LIKELY(l != NULL && v != NULL && ftc_type_of(l) == &ftc_list_type &&
                   ctr_held_only_by_me(l))) {
        int rc = append_locked(LIST(l), v);
        LIST_CHECK(LIST(l));
        return rc;
    }
    /* A call, not the body: a section here would make the fast path above save registers. */
    return ftc_list_append(l, v);
#else
    return append_checked(l, v);
#endif
}

int ftc_list_insert(ftc_object *l, int64_t i, ftc_object *v)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (v == NULL)
        return FTC_EINVAL;
    FTC_BEGIN_CRITICAL_SECTION(l);
    int64_t n = list_size_locked(LIST(l));
    int64_t j = i < 0 ? i + n : i;
    if (j < 0)
        j = 0;
    if (j > n)
        j = n;
    rc = insert_locked(LIST(l), j, v);
    LIST_CHECK(LIST(l));
    FTC_END_CRITICAL_SECTION();
    return rc;
}

#ifdef FTC_GIL_DISABLED
enum { LF_DONE = 0, LF_LOCK = 1, LF_RETRY = 2 };
#define LF_TRIES 3

/* One lock-free attempt at item i: LF_DONE (*rc = 0 with *out a new reference, or borrowed
 * when borrow is set; or *rc = FTC_EINDEX), LF_RETRY, or LF_LOCK. Caller attached (QSBR
 * online). */
static FTC_ALWAYS_INLINE int get_lockfree(ftc_list_obj *l, int64_t i, ftc_object **out, int *rc,
                                          bool borrow)
{
    uint64_t start = ctr_window_start(&l->seq);
    if (start & 1)
        return LF_LOCK;
    /* Acquire: pairs with the release store in _ftc_list_publish(); the array is complete. */
    list_items *a = ftc_atomic_load_acquire(&l->items);
    /* Acquire: pairs with the release stores of the size in the writers. */
    int64_t n = a ? ftc_atomic_load_acquire(&a->size) : 0;
    int64_t j;
    if (norm_index(i, n, &j) < 0 || j >= a->capacity) {
        if (ftc_atomic_load_acquire(&l->items) != a || !ctr_window_valid(&l->seq, start))
            return LF_RETRY;
        *rc = FTC_EINDEX;
        return LF_DONE;
    }
    /* Acquire: pairs with the release store that filled the slot; the item is complete. */
    ftc_object *v = ftc_atomic_load_acquire(&a->item[j]);
    if (v == NULL)
        return LF_LOCK; /* being filled: the writer holds the lock */
    /* Borrowed: no reference; the validation below proves v was item i at the instant of its
     * load, and its memory outlives the caller's next quiescent state (marked shared if the
     * list is: QSBR keeps it; a private list's owner is the only one who can drop it). */
    if (!borrow && !ctr_try_incref_slot(&a->item[j], v))
        return LF_LOCK;
    if (ftc_atomic_load_acquire(&l->items) != a || !ctr_window_valid(&l->seq, start)) {
        if (!borrow)
            ftc_decref(v);
        return LF_RETRY;
    }
    *out = v;
    *rc = 0;
    return LF_DONE;
}
#endif

/* list_get's locked path (the nogil build's fallback; the GIL build's only path). */
#ifdef FTC_GIL_DISABLED
FTC_NOINLINE
#endif
static int list_get_locked(ftc_object *l, int64_t i, ftc_object **out, bool borrow)
{
    int rc;
    FTC_BEGIN_CRITICAL_SECTION(l);
    list_items *a = LIST(l)->items;
    int64_t j;
    rc = norm_index(i, a ? a->size : 0, &j);
    if (rc == 0) {
        *out = a->item[j];
        if (!borrow)
            ftc_incref(*out);
    }
    FTC_END_CRITICAL_SECTION();
    return rc;
}

/* Item i as a new reference or borrowed (the public pair below). */
#ifdef FTC_GIL_DISABLED
FTC_NOINLINE
#endif
static int list_get(ftc_object *l, int64_t i, ftc_object **out, bool borrow)
{
    if (out == NULL)
        return FTC_EINVAL;
    *out = NULL;
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
#ifdef FTC_GIL_DISABLED
    for (int tries = 0; tries < LF_TRIES; tries++) {
        int r = get_lockfree(LIST(l), i, out, &rc, borrow);
        if (r == LF_DONE)
            return rc;
        if (r == LF_LOCK)
            break;
    }
#endif
    return list_get_locked(l, i, out, borrow);
}

/* The public gets: one lock-free attempt in a small frame; anything else (a bad argument, a
 * retry, the lock) goes to list_get, which starts over. */
static FTC_ALWAYS_INLINE int list_get_fast(ftc_object *l, int64_t i, ftc_object **out, bool borrow)
{
#ifdef FTC_GIL_DISABLED
    if (FTC_LIKELY(out != NULL && l != NULL && ftc_type_of(l) == &ftc_list_type)) {
        int rc;
        *out = NULL;
        if (FTC_LIKELY(ctr_is_shared(l))) {
            if (FTC_LIKELY(get_lockfree(LIST(l), i, out, &rc, borrow) == LF_DONE))
                return rc;
        } else if (_ftc_is_owned_by_me(l)) {
            /* The owner of a private list: no window (ctr.h, "The owner's reads"). */
            list_items *a = ftc_atomic_load_acquire(&LIST(l)->items);
            int64_t n = a ? ftc_atomic_load_acquire(&a->size) : 0;
            int64_t j;
            if (norm_index(i, n, &j) == 0 && j < a->capacity) {
                ftc_object *v = ftc_atomic_load_acquire(&a->item[j]);
                if (FTC_LIKELY(v != NULL) && (borrow || ctr_try_incref_slot(&a->item[j], v))) {
                    if (FTC_LIKELY(ctr_owner_read_valid(l))) {
                        *out = v;
                        return 0;
                    }
                    if (!borrow)
                        ftc_decref(v);
                }
            }
        }
    }
#endif
    return list_get(l, i, out, borrow);
}

#ifdef FTC_GIL_DISABLED
/* list_get_fast, out of line: the public gets below keep only the owner's commonest read in
 * their own frame, which then needs no saved registers (ftc_list_get_ref's prologue and
 * epilogue, six pushes and pops, were a fifth of its instructions in nbody). */
static FTC_NOINLINE int list_get_any(ftc_object *l, int64_t i, ftc_object **out, bool borrow)
{
    return list_get_fast(l, i, out, borrow);
}

/* Whether a reference to v, loaded without a lock, may be taken without try-incref's test
 * for a dying object: v is owned by the caller, hot or immortal, the cases ftc_try_incref
 * takes without a test. An object the caller owns is freed only by the caller (another
 * thread's decref never frees it: brc.c), a hot one only by a collection, which waits for
 * this attached thread, and an immortal one never. */
static inline bool incref_cannot_fail(ftc_object *v)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&v->ob_tid);
    return _ftc_tid_is_mine(tid) || tid == FTC_TID_HOT ||
           ftc_atomic_load_relaxed(&v->ob_ref_local) == FTC_REF_IMMORTAL;
}

/* The owner's read of its private list (ctr.h, "The owner's reads") when the item is one
 * incref_cannot_fail() accepts (a VM's lists of its own floats, small ints), or any item for a
 * borrowed read: 1 with *out the item (borrowed), 0 when list_get_any must decide. No try-incref and no re-check of the
 * slot: the flag, tested again after the loads, says they saw only the owner's own state, in
 * which v was item i; if another thread makes the list shared right after and drops v from
 * it, v still cannot die before the caller's incref (incref_cannot_fail). */
static FTC_ALWAYS_INLINE int owner_get(ftc_object *l, int64_t i, ftc_object **out, bool borrow)
{
    if (FTC_UNLIKELY(out == NULL || l == NULL || ftc_type_of(l) != &ftc_list_type))
        return 0;
    if (FTC_UNLIKELY(ctr_is_shared(l)) || !_ftc_is_owned_by_me(l))
        return 0;
    list_items *a = ftc_atomic_load_acquire(&LIST(l)->items);
    if (a == NULL)
        return 0;
    int64_t n = ftc_atomic_load_acquire(&a->size), j;
    if (norm_index(i, n, &j) != 0 || j >= a->capacity)
        return 0;
    ftc_object *v = ftc_atomic_load_acquire(&a->item[j]);
    if (v == NULL || (!borrow && !incref_cannot_fail(v)) || !ctr_owner_read_valid(l))
        return 0;
    *out = v;
    return 1;
}
#endif

int ftc_list_get_ref(ftc_object *l, int64_t i, ftc_object **out)
{
    ctr_require_attached(__func__);
#ifdef FTC_GIL_DISABLED
    if (FTC_LIKELY(owner_get(l, i, out, false))) {
        ftc_incref(*out);
        return 0;
    }
    return list_get_any(l, i, out, false);
#else
    return list_get_fast(l, i, out, false);
#endif
}

int ftc_list_get_borrowed(ftc_object *l, int64_t i, ftc_object **out)
{
    ctr_require_attached(__func__);
#ifdef FTC_GIL_DISABLED
    if (FTC_LIKELY(owner_get(l, i, out, true)))
        return 0;
    return list_get_any(l, i, out, true);
#else
    return list_get_fast(l, i, out, true);
#endif
}

int ftc_list_set(ftc_object *l, int64_t i, ftc_object *v)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    if (v == NULL)
        return FTC_EINVAL;
    ftc_object *old = NULL;
    FTC_BEGIN_CRITICAL_SECTION(l);
    list_items *a = LIST(l)->items;
    int64_t j;
    rc = norm_index(i, a ? a->size : 0, &j);
    if (rc == 0) {
        own_item(LIST(l), v);
        old = a->item[j];
        ftc_ft_store_release(&a->item[j], v); /* pairs with the readers' acquire load */
        LIST(l)->version++;
    }
    FTC_END_CRITICAL_SECTION();
    ftc_xdecref(old);
    return rc;
}

int ftc_list_pop(ftc_object *l, int64_t i, ftc_object **out)
{
    ctr_require_attached(__func__);
    if (out != NULL)
        *out = NULL;
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    ftc_object *v = NULL;
    FTC_BEGIN_CRITICAL_SECTION(l);
    int64_t j;
    rc = norm_index(i, list_size_locked(LIST(l)), &j);
    if (rc == 0)
        v = pop_locked(LIST(l), j);
    LIST_CHECK(LIST(l));
    FTC_END_CRITICAL_SECTION();
    if (out != NULL)
        *out = v;
    else
        ftc_xdecref(v);
    return rc;
}

int ftc_list_del(ftc_object *l, int64_t i)
{
    ctr_require_attached(__func__);
    return ftc_list_pop(l, i, NULL);
}

int64_t ftc_list_len(ftc_object *l)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    /* Acquire: pairs with the release stores of l->items and of the size. */
    list_items *a = ftc_ft_load_acquire(&LIST(l)->items);
    return a ? ftc_ft_load_acquire(&a->size) : 0;
}

int ftc_list_clear(ftc_object *l)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(l, &ftc_list_type);
    if (rc < 0)
        return rc;
    list_items *old;
    bool shared;
    FTC_BEGIN_CRITICAL_SECTION(l);
    shared = ctr_is_shared(l);
    old = LIST(l)->items;
    if (old != NULL) {
        ftc_ft_store_release(&LIST(l)->items, (list_items *)NULL);
        LIST(l)->version++;
    }
    FTC_END_CRITICAL_SECTION();
    if (old != NULL) {
        /* The list is already empty and consistent: deallocators may use it. */
        for (int64_t j = 0; j < old->size; j++)
            ftc_xdecref(old->item[j]);
        ctr_free_table(shared, old);
    }
    return 0;
}
