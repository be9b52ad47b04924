/* set: a hash set of ftpy's own, laid out and probed as CPython 3.11's, with every operation
 * atomic through a critical section on the set.
 *
 * Layout and order. The table is CPython's: open addressing over a power-of-two table of
 * (key, hash) entries, starting at 8 (inline), probing a run of up to 10 neighbouring
 * entries (LINEAR_PROBES 9) and then jumping by i = 5i + 1 + perturb (perturb >>= 5);
 * removed entries become dummies (hash -1) that additions do not reuse; the table grows
 * when fill*5 >= mask*3 to the power of two above 4*used (2*used past 50000). Hashes are
 * Python's (ints hash to themselves), and union, intersection, difference and copy visit
 * entries in CPython's orders, so a set of ints prints in the order CPython prints it.
 *
 * Threads. Every operation runs in a critical section on the set (nogil; the GIL build's
 * sections are empty, the GIL orders everything), so each single operation is atomic. No
 * Python code runs inside a section: the key's hash (which may call __hash__) is computed
 * before the section; comparing two keys of equal hash is done inline for built-in keys
 * (int, bool, float, str) and otherwise by dropping the section around fp_eq, then taking it
 * again and restarting the probe if the table or the entry changed meanwhile (CPython's own
 * restart rule). Keys that leave the table are released after the section ends. Iterators
 * take the section for each step and raise RuntimeError if the set changed size, as CPython.
 * Operations on two sets never hold both sections: the other set is first copied (its
 * entries in table order, with their hashes) under its own section.
 */
#include "lib.h"

#include <string.h>

enum { SET_MINSIZE = 8, LINEAR_PROBES = 9, PERTURB_SHIFT = 5 };

typedef struct sentry {
    ftc_object *key;   /* NULL: never used; DUMMY: removed */
    int64_t hash;
} sentry;

typedef struct set_obj {
    FTC_OBJECT_HEAD;
    sentry *table;
    size_t mask;
    size_t fill;       /* active + dummy */
    size_t used;       /* active; atomic (len() reads it without the section) */
    size_t finger;     /* pop's search start */
    sentry small[SET_MINSIZE];
} set_obj;

static ftc_object dummy_obj = FTC_OBJECT_STATIC_INIT(&fp_none_type.ct);
#define DUMMY (&dummy_obj)

#define SET(o) ((set_obj *)(void *)(o))

/* ---- the section (explicit begin/end: the probe drops it around __eq__) ---- */

typedef struct lock {
    ftc_critical_section cs;
} lock;

static void set_lock(set_obj *s, lock *l)
{
#ifdef FTC_GIL_DISABLED
    ftc_critical_section_begin_mutex(&l->cs, &s->ob_base.ob_mutex);
#else
    (void)s;
    (void)l;
#endif
}

static void set_unlock(lock *l)
{
#ifdef FTC_GIL_DISABLED
    ftc_critical_section_end(&l->cs);
#else
    (void)l;
#endif
}

static void set_used_store(set_obj *s, size_t v)
{
    /* Relaxed: len() needs no ordering with the table; writers hold the section. */
    ftc_atomic_store_relaxed(&s->used, v);
}

/* ---- probing (section held) ---- */

/* Equality of two keys decidable without running Python code: 1, 0, or -2 (ask fp_eq). */
static int fast_eq(ftc_object *a, ftc_object *b)
{
    double x, y;
    if (fp_str_check(a) || fp_str_check(b)) {
        if (!fp_str_check(a) || !fp_str_check(b))
            return (fp_type_of(a)->flags & FP_TPFLAG_HEAPTYPE) ||
                           (fp_type_of(b)->flags & FP_TPFLAG_HEAPTYPE)
                       ? -2
                       : 0;
        return fp_str_len(a) == fp_str_len(b) &&
               memcmp(fp_str_data(a), fp_str_data(b), fp_str_len(a)) == 0;
    }
    if (fp_int_like(a) && fp_int_like(b))
        return fp_int_like_value(a) == fp_int_like_value(b);
    if (fp_number_as_double(a, &x) && fp_number_as_double(b, &y)) {
        if (fp_int_like(a))
            return fp_compare_int_double(fp_int_like_value(a), y) == 0;
        if (fp_int_like(b))
            return fp_compare_int_double(fp_int_like_value(b), x) == 0;
        return x == y;
    }
    return -2;
}

/* Finds key (hash h): 1 with *idx its entry, 0 with *idx the free entry that ends its
 * probe, -1 with an exception (from __eq__). Holds the section on entry and on return. */
static int find(set_obj *s, ftc_object *key, int64_t h, size_t *idx, lock *l)
{
restart:;
    sentry *table = s->table;
    size_t mask = s->mask;
    size_t i = (size_t)h & mask;
    uint64_t perturb = (uint64_t)h;
    for (;;) {
        size_t probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        for (size_t j = i;; j++) {
            sentry *e = &table[j];
            if (e->key == NULL) {
                *idx = j;
                return 0;
            }
            if (e->hash == h) {
                ftc_object *start = e->key;
                int eq = start == key ? 1 : fast_eq(start, key);
                if (eq == -2) {
                    ftc_incref(start);
                    set_unlock(l);
                    eq = fp_eq(start, key);
                    set_lock(s, l);
                    ftc_decref(start);
                    if (eq < 0)
                        return -1;
                    if (table != s->table || e->key != start)
                        goto restart;
                }
                if (eq) {
                    *idx = j;
                    return 1;
                }
            }
            if (probes-- == 0)
                break;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + (size_t)perturb) & mask;
    }
}

static void insert_clean(sentry *table, size_t mask, ftc_object *key, int64_t h)
{
    size_t i = (size_t)h & mask;
    uint64_t perturb = (uint64_t)h;
    for (;;) {
        if (table[i].key == NULL)
            goto found;
        if (i + LINEAR_PROBES <= mask)
            for (size_t j = 1; j <= LINEAR_PROBES; j++)
                if (table[i + j].key == NULL) {
                    i += j;
                    goto found;
                }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + (size_t)perturb) & mask;
    }
found:
    table[i].key = key;
    table[i].hash = h;
}

/* Rebuilds the table for at least minused entries (section held). 0 or -1 (MemoryError). */
static int resize(set_obj *s, size_t minused)
{
    size_t newsize = SET_MINSIZE;
    while (newsize <= minused)
        newsize <<= 1;
    sentry *old = s->table;
    size_t oldmask = s->mask;
    sentry smallcopy[SET_MINSIZE];
    if (old == s->small) {
        memcpy(smallcopy, s->small, sizeof smallcopy);
        old = smallcopy;
    }
    sentry *table;
    if (newsize == SET_MINSIZE) {
        table = s->small;
    } else {
        table = ftc_mem_calloc(newsize, sizeof(sentry));
        if (table == NULL) {
            fp_err_nomem();
            return -1;
        }
    }
    if (table == s->small)
        memset(s->small, 0, sizeof s->small);
    for (size_t i = 0; i <= oldmask; i++)
        if (old[i].key != NULL && old[i].key != DUMMY)
            insert_clean(table, newsize - 1, old[i].key, old[i].hash);
    s->table = table;
    s->mask = newsize - 1;
    s->fill = s->used;
    if (old != smallcopy && old != s->small)
        ftc_mem_free(old);
    return 0;
}

/* Adds key (a new reference taken) with hash h, section held. 1 added, 0 present, -1. */
static int add_entry(set_obj *s, ftc_object *key, int64_t h, lock *l)
{
    size_t idx;
    int r = find(s, key, h, &idx, l);
    if (r != 0)
        return r < 0 ? -1 : 0;
    ftc_incref(key);
    s->table[idx].key = key;
    s->table[idx].hash = h;
    s->fill++;
    set_used_store(s, s->used + 1);
    if (s->fill * 5 >= s->mask * 3 && resize(s, s->used > 50000 ? s->used * 2 : s->used * 4) < 0)
        return -1;
    return 1;
}

/* Removes key; *out receives the key object to release after the section. 1, 0, -1. */
static int discard_entry(set_obj *s, ftc_object *key, int64_t h, ftc_object **out, lock *l)
{
    size_t idx;
    int r = find(s, key, h, &idx, l);
    if (r <= 0)
        return r;
    *out = s->table[idx].key;
    s->table[idx].key = DUMMY;
    s->table[idx].hash = -1;
    set_used_store(s, s->used - 1);
    return 1;
}

/* ---- public single-key operations ---- */

ftc_object *fp_set_new(void)
{
    ftc_object *o = ftc_object_new(&fp_set_type.ct);
    if (o == NULL)
        return fp_err_nomem();
    set_obj *s = SET(o);
    s->table = s->small;
    s->mask = SET_MINSIZE - 1;
    return o;
}

static ftc_object *set_alloc(fp_type *type)
{
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    SET(o)->table = SET(o)->small;
    SET(o)->mask = SET_MINSIZE - 1;
    return o;
}

static int add_key(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    set_obj *s = SET(set);
    lock l;
    set_lock(s, &l);
    int r = add_entry(s, key, h, &l);
    set_unlock(&l);
    return r < 0 ? -1 : 0;
}

int fp_set_add(ftc_object *set, ftc_object *key)
{
    return add_key(set, key);
}

int fp_set_contains(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    set_obj *s = SET(set);
    size_t idx;
    lock l;
    set_lock(s, &l);
    int r = find(s, key, h, &idx, &l);
    set_unlock(&l);
    return r;
}

int64_t fp_set_len(ftc_object *set)
{
    return (int64_t)ftc_atomic_load_relaxed(&SET(set)->used);
}

/* discard(key): 1 removed, 0 absent, -1. */
static int discard_key(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    ftc_object *old = NULL;
    lock l;
    set_lock(SET(set), &l);
    int r = discard_entry(SET(set), key, h, &old, &l);
    set_unlock(&l);
    ftc_xdecref(old);
    return r;
}

/* ---- snapshots and bulk operations ---- */

typedef struct snap {
    sentry *e;     /* active entries in table order, keys referenced */
    size_t *pos;   /* for a set: each entry's index in its table */
    size_t n;
    size_t mask;   /* the source table's mask and fill (set_merge's fast paths) */
    size_t fill;
} snap;

static void snap_free(snap *sn)
{
    for (size_t i = 0; i < sn->n; i++)
        ftc_decref(sn->e[i].key);
    ftc_mem_free(sn->e);
    ftc_mem_free(sn->pos);
}

static int snap_set(ftc_object *set, snap *sn)
{
    set_obj *s = SET(set);
    lock l;
    int rc = 0;
    set_lock(s, &l);
    sn->n = 0;
    sn->mask = s->mask;
    sn->fill = s->fill;
    sn->e = ftc_mem_alloc((s->used ? s->used : 1) * sizeof(sentry));
    sn->pos = ftc_mem_alloc((s->used ? s->used : 1) * sizeof(size_t));
    if (sn->e == NULL || sn->pos == NULL)
        rc = -1;
    for (size_t i = 0; rc == 0 && i <= s->mask; i++) {
        ftc_object *k = s->table[i].key;
        if (k != NULL && k != DUMMY) {
            ftc_incref(k);
            sn->pos[sn->n] = i;
            sn->e[sn->n++] = s->table[i];
        }
    }
    set_unlock(&l);
    if (rc < 0) {
        snap_free(sn);
        fp_err_nomem();
    }
    return rc;
}

/* Entries of any iterable: a set's table order, a dict's order, else iteration order. */
static int snap_iterable(ftc_object *it_src, snap *sn)
{
    if (fp_set_check(it_src))
        return snap_set(it_src, sn);
    ftc_object **items;
    size_t n;
    ftc_object *t = fp_as_array(it_src, &items, &n);
    if (t == NULL)
        return -1;
    sn->e = ftc_mem_alloc((n ? n : 1) * sizeof(sentry));
    sn->pos = NULL;
    sn->n = 0;
    sn->mask = 0;
    sn->fill = 0;
    if (sn->e == NULL) {
        ftc_decref(t);
        fp_err_nomem();
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        int64_t h = fp_hash(items[i]);
        if (h == -1) {
            ftc_decref(t);
            snap_free(sn);
            return -1;
        }
        ftc_incref(items[i]);
        sn->e[sn->n].key = items[i];
        sn->e[sn->n++].hash = h;
    }
    ftc_decref(t);
    return 0;
}

/* set_merge / set_update_internal: adds the snapshot's entries, CPython's way. */
static int merge(ftc_object *set, snap *sn, bool from_set, bool from_dict)
{
    set_obj *s = SET(set);
    lock l;
    int rc = 0;
    set_lock(s, &l);
    if (sn->n > 0 && (from_set || from_dict) && (s->fill + sn->n) * 5 >= s->mask * 3)
        rc = resize(s, (s->used + sn->n) * 2);
    if (rc == 0 && from_set && sn->n > 0 && s->fill == 0) {
        /* An empty target: no duplicates possible. The same size and no dummies in the
         * source: copy each entry to its own index; otherwise insert without probing for
         * equals, in the source's table order (CPython's set_merge). */
        bool same = s->mask == sn->mask && sn->fill == sn->n;
        for (size_t i = 0; i < sn->n; i++) {
            ftc_incref(sn->e[i].key);
            if (same)
                s->table[sn->pos[i]] = sn->e[i];
            else
                insert_clean(s->table, s->mask, sn->e[i].key, sn->e[i].hash);
        }
        s->fill = sn->n;
        set_used_store(s, sn->n);
    } else {
        for (size_t i = 0; rc == 0 && i < sn->n; i++)
            if (add_entry(s, sn->e[i].key, sn->e[i].hash, &l) < 0)
                rc = -1;
    }
    set_unlock(&l);
    return rc;
}

int fp_set_update(ftc_object *set, ftc_object *iterable)
{
    if (iterable == set)
        return 0;
    snap sn;
    if (snap_iterable(iterable, &sn) < 0)
        return -1;
    int rc = merge(set, &sn, fp_set_check(iterable), fp_dict_check(iterable));
    snap_free(&sn);
    return rc;
}

static ftc_object *set_copy_of(ftc_object *set)
{
    ftc_object *r = fp_set_new();
    if (r != NULL && fp_set_update(r, set) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

/* Whether key (hash h) is in set: 1, 0, -1. */
static int contains_entry(ftc_object *set, ftc_object *key, int64_t h)
{
    size_t idx;
    lock l;
    set_lock(SET(set), &l);
    int r = find(SET(set), key, h, &idx, &l);
    set_unlock(&l);
    return r;
}

static int add_hashed(ftc_object *set, ftc_object *key, int64_t h)
{
    lock l;
    set_lock(SET(set), &l);
    int r = add_entry(SET(set), key, h, &l);
    set_unlock(&l);
    return r < 0 ? -1 : 0;
}

static ftc_object *intersection2(ftc_object *so, ftc_object *other)
{
    ftc_object *result = fp_set_new();
    if (result == NULL)
        return NULL;
    if (fp_set_check(other) && fp_set_len(other) > fp_set_len(so)) {
        ftc_object *t = so;
        so = other;
        other = t;
    }
    snap sn;
    if (snap_iterable(other, &sn) < 0) {
        ftc_decref(result);
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        int r = contains_entry(so, sn.e[i].key, sn.e[i].hash);
        if (r < 0 || (r > 0 && add_hashed(result, sn.e[i].key, sn.e[i].hash) < 0))
            rc = -1;
    }
    snap_free(&sn);
    if (rc < 0) {
        ftc_decref(result);
        return NULL;
    }
    return result;
}

/* Removes every key of other from so (set_difference_update_internal). */
static int difference_update(ftc_object *so, ftc_object *other)
{
    if (so == other) {
        snap sn;
        if (snap_set(so, &sn) < 0)
            return -1;
        for (size_t i = 0; i < sn.n; i++) {
            ftc_object *old = NULL;
            lock l;
            set_lock(SET(so), &l);
            discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l);
            set_unlock(&l);
            ftc_xdecref(old);
        }
        snap_free(&sn);
        return 0;
    }
    snap sn;
    if (snap_iterable(other, &sn) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        ftc_object *old = NULL;
        lock l;
        set_lock(SET(so), &l);
        if (discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l) < 0)
            rc = -1;
        set_unlock(&l);
        ftc_xdecref(old);
    }
    snap_free(&sn);
    if (rc == 0) {
        lock l;
        set_lock(SET(so), &l);
        set_obj *s = SET(so);
        if (s->fill - s->used > s->mask / 4)
            rc = resize(s, s->used > 50000 ? s->used * 2 : s->used * 4);
        set_unlock(&l);
    }
    return rc;
}

static ftc_object *difference2(ftc_object *so, ftc_object *other)
{
    int64_t other_size = -1;
    if (fp_set_check(other))
        other_size = fp_set_len(other);
    else if (fp_dict_check(other))
        other_size = ftc_dict_len(other);
    if (other_size < 0 || (fp_set_len(so) >> 2) > other_size) {
        ftc_object *r = set_copy_of(so);
        if (r != NULL && difference_update(r, other) < 0) {
            ftc_decref(r);
            return NULL;
        }
        return r;
    }
    ftc_object *result = fp_set_new();
    snap sn;
    if (result == NULL || snap_set(so, &sn) < 0) {
        ftc_xdecref(result);
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        int r = fp_set_check(other) ? contains_entry(other, sn.e[i].key, sn.e[i].hash)
                                    : ftc_dict_contains(other, sn.e[i].key);
        if (r < 0) {
            if (!fp_err_occurred())
                fp_err_from_code(r, sn.e[i].key);
            rc = -1;
        } else if (r == 0 && add_hashed(result, sn.e[i].key, sn.e[i].hash) < 0) {
            rc = -1;
        }
    }
    snap_free(&sn);
    if (rc < 0) {
        ftc_decref(result);
        return NULL;
    }
    return result;
}

static int symmetric_update(ftc_object *so, ftc_object *other)
{
    if (so == other) {
        snap sn;
        if (snap_set(so, &sn) < 0)
            return -1;
        snap_free(&sn);
        return difference_update(so, so);
    }
    snap sn;
    if (snap_iterable(other, &sn) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        ftc_object *old = NULL;
        lock l;
        set_lock(SET(so), &l);
        int r = discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l);
        if (r < 0 || (r == 0 && add_entry(SET(so), sn.e[i].key, sn.e[i].hash, &l) < 0))
            rc = -1;
        set_unlock(&l);
        ftc_xdecref(old);
    }
    snap_free(&sn);
    return rc;
}

/* Whether every key of a is in b: 1, 0, -1. */
static int is_subset(ftc_object *a, ftc_object *b)
{
    if (fp_set_len(a) > fp_set_len(b))
        return 0;
    snap sn;
    if (snap_set(a, &sn) < 0)
        return -1;
    int r = 1;
    for (size_t i = 0; r == 1 && i < sn.n; i++)
        r = contains_entry(b, sn.e[i].key, sn.e[i].hash);
    snap_free(&sn);
    return r;
}

/* ---- slots ---- */

static void set_dealloc(ftc_object *o)
{
    set_obj *s = SET(o);
    for (size_t i = 0; i <= s->mask; i++)
        if (s->table[i].key != NULL && s->table[i].key != DUMMY)
            ftc_decref(s->table[i].key);
    if (s->table != s->small)
        ftc_mem_free(s->table);
}

static ftc_object *set_repr(ftc_object *o)
{
    const char *tname = fp_type_name(o);
    if (fp_set_len(o) == 0)
        return fp_str_from_fmt("%s()", tname);
    int r = fp_repr_enter(o);
    if (r != 0)
        return r > 0 ? fp_str_from_fmt("%s(...)", tname) : NULL;
    snap sn;
    if (snap_set(o, &sn) < 0) {
        fp_repr_leave(o);
        return NULL;
    }
    fp_buf b;
    fp_buf_init(&b);
    bool sub = fp_type_of(o) != &fp_set_type;
    if (sub) {
        fp_buf_puts(&b, tname);
        fp_buf_putc(&b, '(');
    }
    fp_buf_putc(&b, '{');
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        if (i)
            fp_buf_put(&b, ", ", 2);
        rc = fp_buf_put_repr(&b, sn.e[i].key);
    }
    fp_buf_putc(&b, '}');
    if (sub)
        fp_buf_putc(&b, ')');
    snap_free(&sn);
    fp_repr_leave(o);
    if (rc < 0) {
        fp_buf_free(&b);
        return NULL;
    }
    return fp_str_from_buf(&b);
}

static int64_t set_len(ftc_object *o)
{
    return fp_set_len(o);
}

static int set_bool(ftc_object *o)
{
    return fp_set_len(o) != 0;
}

static int set_contains(ftc_object *o, ftc_object *key)
{
    return fp_set_contains(o, key);
}

static ftc_object *set_iter(ftc_object *o)
{
    return fp_set_iter_new(o);
}

static ftc_object *set_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_set_check(a) || !fp_set_check(b))
        return fp_NotImplemented;
    int64_t na = fp_set_len(a), nb = fp_set_len(b);
    int r;
    switch (op) {
    case FP_EQ:
    case FP_NE:
        r = na == nb ? is_subset(a, b) : 0;
        if (r < 0)
            return NULL;
        return fp_bool((r == 1) == (op == FP_EQ));
    case FP_LE: r = is_subset(a, b); break;
    case FP_GE: r = is_subset(b, a); break;
    case FP_LT: r = na < nb ? is_subset(a, b) : 0; break;
    default: r = na > nb ? is_subset(b, a) : 0; break;
    }
    return r < 0 ? NULL : fp_bool(r);
}

static ftc_object *set_or(ftc_object *a, ftc_object *b)
{
    if (!fp_set_check(a) || !fp_set_check(b))
        return fp_NotImplemented;
    ftc_object *r = set_copy_of(a);
    if (r != NULL && fp_set_update(r, b) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static ftc_object *set_and(ftc_object *a, ftc_object *b)
{
    if (!fp_set_check(a) || !fp_set_check(b))
        return fp_NotImplemented;
    return intersection2(a, b);
}

static ftc_object *set_sub(ftc_object *a, ftc_object *b)
{
    if (!fp_set_check(a) || !fp_set_check(b))
        return fp_NotImplemented;
    return difference2(a, b);
}

static ftc_object *set_xor(ftc_object *a, ftc_object *b)
{
    if (!fp_set_check(a) || !fp_set_check(b))
        return fp_NotImplemented;
    ftc_object *r = set_copy_of(b);
    if (r != NULL && symmetric_update(r, a) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static ftc_object *set_new_(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    return set_alloc(type);
}

static int clear_set(ftc_object *o)
{
    snap sn;
    if (snap_set(o, &sn) < 0)
        return -1;
    set_obj *s = SET(o);
    sentry *old;
    size_t oldmask;
    sentry smallcopy[SET_MINSIZE];
    lock l;
    set_lock(s, &l);
    old = s->table;
    oldmask = s->mask;
    if (old == s->small) {
        memcpy(smallcopy, s->small, sizeof smallcopy);
        old = smallcopy;
    }
    memset(s->small, 0, sizeof s->small);
    s->table = s->small;
    s->mask = SET_MINSIZE - 1;
    s->fill = 0;
    s->finger = 0;
    set_used_store(s, 0);
    set_unlock(&l);
    for (size_t i = 0; i <= oldmask; i++)
        if (old[i].key != NULL && old[i].key != DUMMY)
            ftc_decref(old[i].key);
    if (old != smallcopy)
        ftc_mem_free(old);
    snap_free(&sn);
    return 0;
}

static int set_init(ftc_object *self, ftc_object *const *args, size_t nargs,
                    ftc_object *kwnames)
{
    if (fp_check_args(fp_type_name(self), nargs, kwnames, 0, 1) < 0)
        return -1;
    if (fp_set_len(self) != 0 && clear_set(self) < 0)
        return -1;
    return nargs ? fp_set_update(self, args[0]) : 0;
}

/* ---- methods ---- */

#define METHOD(name)                                                                      \
    static ftc_object *m_##name(ftc_object *self, ftc_object *const *args, size_t nargs,  \
                                ftc_object *kwnames)

METHOD(add)
{
    if (fp_check_args("add", nargs, kwnames, 1, 1) < 0 || add_key(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

METHOD(discard)
{
    if (fp_check_args("discard", nargs, kwnames, 1, 1) < 0 || discard_key(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

METHOD(remove)
{
    if (fp_check_args("remove", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = discard_key(self, args[0]);
    if (r < 0)
        return NULL;
    if (r == 0) {
        fp_err_set_obj(&fp_KeyError_type, args[0]);
        return NULL;
    }
    return fp_None;
}

METHOD(pop)
{
    (void)args;
    if (fp_check_args("pop", nargs, kwnames, 0, 0) < 0)
        return NULL;
    set_obj *s = SET(self);
    ftc_object *key = NULL;
    lock l;
    set_lock(s, &l);
    if (s->used > 0) {
        size_t i = s->finger & s->mask;
        while (s->table[i].key == NULL || s->table[i].key == DUMMY)
            i = (i + 1) & s->mask;
        key = s->table[i].key;
        s->table[i].key = DUMMY;
        s->table[i].hash = -1;
        set_used_store(s, s->used - 1);
        s->finger = i + 1;
    }
    set_unlock(&l);
    if (key == NULL) {
        ftc_object *msg = fp_str_from_cstr("pop from an empty set");
        if (msg != NULL) {
            fp_err_set_obj(&fp_KeyError_type, msg);
            ftc_decref(msg);
        }
        return NULL;
    }
    return key;   /* the table's reference */
}

METHOD(update)
{
    if (kwnames != NULL && fp_check_args("update", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (fp_set_update(self, args[i]) < 0)
            return NULL;
    return fp_None;
}

METHOD(union)
{
    if (kwnames != NULL && fp_check_args("union", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    ftc_object *r = set_copy_of(self);
    for (size_t i = 0; r != NULL && i < nargs; i++)
        if (fp_set_update(r, args[i]) < 0) {
            ftc_decref(r);
            r = NULL;
        }
    return r;
}

METHOD(intersection)
{
    if (kwnames != NULL && fp_check_args("intersection", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    if (nargs == 0)
        return set_copy_of(self);
    ftc_object *r = self;
    ftc_incref(r);
    for (size_t i = 0; i < nargs; i++) {
        ftc_object *n = intersection2(r, args[i]);
        ftc_decref(r);
        if (n == NULL)
            return NULL;
        r = n;
    }
    return r;
}

METHOD(intersection_update)
{
    ftc_object *r = m_intersection(self, args, nargs, kwnames);
    if (r == NULL)
        return NULL;
    int rc = clear_set(self);
    if (rc == 0)
        rc = fp_set_update(self, r);
    ftc_decref(r);
    return rc < 0 ? NULL : fp_None;
}

METHOD(difference)
{
    if (kwnames != NULL && fp_check_args("difference", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    if (nargs == 0)
        return set_copy_of(self);
    ftc_object *r = difference2(self, args[0]);
    for (size_t i = 1; r != NULL && i < nargs; i++)
        if (difference_update(r, args[i]) < 0) {
            ftc_decref(r);
            r = NULL;
        }
    return r;
}

METHOD(difference_update)
{
    if (kwnames != NULL && fp_check_args("difference_update", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (difference_update(self, args[i]) < 0)
            return NULL;
    return fp_None;
}

METHOD(symmetric_difference)
{
    if (fp_check_args("symmetric_difference", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *r = fp_set_new();
    if (r != NULL && (fp_set_update(r, args[0]) < 0 || symmetric_update(r, self) < 0)) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

METHOD(symmetric_difference_update)
{
    if (fp_check_args("symmetric_difference_update", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (fp_set_check(args[0]))
        return symmetric_update(self, args[0]) < 0 ? NULL : fp_None;
    ftc_object *o = fp_set_new();
    int rc = o ? fp_set_update(o, args[0]) : -1;
    if (rc == 0)
        rc = symmetric_update(self, o);
    ftc_xdecref(o);
    return rc < 0 ? NULL : fp_None;
}

METHOD(copy)
{
    (void)args;
    if (fp_check_args("copy", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return set_copy_of(self);
}

METHOD(clear)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0 || clear_set(self) < 0)
        return NULL;
    return fp_None;
}

/* The argument of issubset & co as a set (a new reference). */
static ftc_object *as_set(ftc_object *o)
{
    if (fp_set_check(o)) {
        ftc_incref(o);
        return o;
    }
    ftc_object *s = fp_set_new();
    if (s != NULL && fp_set_update(s, o) < 0) {
        ftc_decref(s);
        return NULL;
    }
    return s;
}

METHOD(issubset)
{
    if (fp_check_args("issubset", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    int r = o ? is_subset(self, o) : -1;
    ftc_xdecref(o);
    return r < 0 ? NULL : fp_bool(r);
}

METHOD(issuperset)
{
    if (fp_check_args("issuperset", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    int r = o ? is_subset(o, self) : -1;
    ftc_xdecref(o);
    return r < 0 ? NULL : fp_bool(r);
}

METHOD(isdisjoint)
{
    if (fp_check_args("isdisjoint", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    ftc_object *i = o ? intersection2(self, o) : NULL;
    ftc_xdecref(o);
    if (i == NULL)
        return NULL;
    bool empty = fp_set_len(i) == 0;
    ftc_decref(i);
    return fp_bool(empty);
}

METHOD(contains)
{
    if (fp_check_args("__contains__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = fp_set_contains(self, args[0]);
    return r < 0 ? NULL : fp_bool(r);
}

static const fp_method_def set_methods[] = {
    { "add", m_add, 0 }, { "discard", m_discard, 0 }, { "remove", m_remove, 0 },
    { "pop", m_pop, 0 }, { "update", m_update, 0 }, { "union", m_union, 0 },
    { "intersection", m_intersection, 0 }, { "intersection_update", m_intersection_update, 0 },
    { "difference", m_difference, 0 }, { "difference_update", m_difference_update, 0 },
    { "symmetric_difference", m_symmetric_difference, 0 },
    { "symmetric_difference_update", m_symmetric_difference_update, 0 },
    { "copy", m_copy, 0 }, { "clear", m_clear, 0 }, { "issubset", m_issubset, 0 },
    { "issuperset", m_issuperset, 0 }, { "isdisjoint", m_isdisjoint, 0 },
    { "__contains__", m_contains, 0 },
    { NULL, NULL, 0 },
};

fp_type fp_set_type = {
    FP_TYPE_HEAD,
    .ct = { "set", sizeof(set_obj), set_dealloc, NULL, NULL },
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE,
    .repr = set_repr,
    .hash = fp_hash_unhashable,
    .richcompare = set_richcompare,
    .len = set_len,
    .contains = set_contains,
    .bool_ = set_bool,
    .iter = set_iter,
    .nb = { [FP_NB_OR] = set_or, [FP_NB_AND] = set_and, [FP_NB_SUB] = set_sub,
            [FP_NB_XOR] = set_xor },
    .new_ = set_new_,
    .init = set_init,
    .methods = set_methods,
};

/* ---- the iterator (iter.c's types use this to step) ---- */

/* The key at or after *pos (a new reference), advancing *pos past it; NULL at the end.
 * *used is the size seen at the iterator's creation: a change raises RuntimeError. */
ftc_object *fp_set_next_key(ftc_object *set, size_t *pos, size_t used)
{
    set_obj *s = SET(set);
    ftc_object *key = NULL;
    bool changed = false;
    lock l;
    set_lock(s, &l);
    if (s->used != used) {
        changed = true;
    } else {
        for (size_t i = *pos; i <= s->mask; i++) {
            ftc_object *k = s->table[i].key;
            if (k != NULL && k != DUMMY) {
                ftc_incref(k);
                key = k;
                *pos = i + 1;
                break;
            }
        }
        if (key == NULL)
            *pos = s->mask + 1;
    }
    set_unlock(&l);
    if (changed) {
        *pos = SIZE_MAX;
        fp_err_set(&fp_RuntimeError_type, "Set changed size during iteration");
    }
    return key;
}

ftc_object *fp_set_from_constants(ftc_object *tuple)
{
    /* CPython builds the frozenset constant first (one insertion per item), then the set
     * from it (set_merge): the two steps decide the iteration order. */
    ftc_object *tmp = fp_set_new();
    if (tmp == NULL)
        return NULL;
    for (size_t i = 0; i < fp_tuple_size(tuple); i++)
        if (add_key(tmp, fp_tuple_items(tuple)[i]) < 0) {
            ftc_decref(tmp);
            return NULL;
        }
    ftc_object *r = fp_set_new();
    if (r != NULL && fp_set_update(r, tmp) < 0) {
        ftc_decref(r);
        r = NULL;
    }
    ftc_decref(tmp);
    return r;
}
