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
 * sections are empty, the GIL orders everything), so each single operation is atomic, except
 * the owner's membership tests on a set no other thread has used (below). No
 * Python code runs inside a section: the key's hash (which may call __hash__) is computed
 * before the section; comparing two keys of equal hash is done inline for built-in keys
 * (int, bool, float, str) and otherwise by dropping the section around fp_eq, then taking it
 * again and restarting the probe if the table or the entry changed meanwhile (CPython's own
 * restart rule). Keys that leave the table are released after the section ends. Iterators
 * take the section for each step and raise RuntimeError if the set changed size, as CPython.
 * Operations on two sets never hold both sections: the other set is first copied (its
 * entries in table order, with their hashes) under its own section.
 *
 * The owner's membership tests (nogil; single-thread cost). A set is private to the thread
 * that created it (its ob_tid) until another thread takes its section: _fp_set_lock then
 * makes it shared first (_fp_set_make_shared: marks every key with ftc_object_set_shared,
 * then sets `shared`), and from then on every writer marks the keys it stores and frees a
 * replaced heap table through QSBR. While the set is private, `x in s` by its owner probes
 * the table with no section (find_owner): only the owner writes a private set, so nothing
 * can change under the probe, except a write by a thread that has just made the set shared.
 * The probe therefore re-checks `shared` after it, behind an acquire fence; every section
 * that writes after the flag was set has a release fence first (_fp_set_lock), so if any
 * load of the probe saw such a write, the flag is visible and the probe's answer is dropped
 * for the locked one. What it loaded meanwhile was safe to load: entries are stored with
 * atomic stores (the key with release, what it points to complete), a heap table carries its
 * own mask (so a probe never indexes past the table it loaded, whatever s->mask is), a
 * replaced table and a removed key of a shared set outlive the owner's probe by a grace
 * period, and a probe that would have to call __eq__, or runs longer than the table has
 * entries (an inline table being rewritten), gives up for the locked path. Sets another
 * thread has used take the section for every operation, as before.
 */
#include "set_internal.h"

#include <string.h>

ftc_object _fp_set_dummy = FTC_OBJECT_STATIC_INIT(&fp_none_type.ct);

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
                    _fp_set_unlock(l);
                    eq = fp_eq(start, key);
                    _fp_set_lock(s, l);
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

/* ---- tables ---- */

/* A zeroed heap table of n (a power of two) entries, or NULL. Entry -1 holds the mask (in its
 * hash), immutable: lock-free probes bound themselves by the table they loaded. */
static sentry *table_alloc(size_t n)
{
    sentry *base = ftc_mem_calloc(n + 1, sizeof(sentry));
    if (base == NULL)
        return NULL;
    base[0].hash = (int64_t)(n - 1);
    return base + 1;
}

static inline size_t table_mask(set_obj *s, sentry *t)
{
    return t == s->small ? SET_MINSIZE - 1 : (size_t)t[-1].hash;
}

void _fp_set_table_free(set_obj *s, sentry *t, bool shared)
{
    if (t == s->small)
        return;
#ifdef FTC_GIL_DISABLED
    if (shared) {
        ftc_qsbr_free(t - 1);
        return;
    }
#endif
    (void)shared;
    ftc_mem_free(t - 1);
}

#ifdef FTC_GIL_DISABLED
/* Section held, the set private so far: marks every key, then the flag (see the essay). */
void _fp_set_make_shared(set_obj *s)
{
    for (size_t i = 0; i <= s->mask; i++) {
        ftc_object *k = s->table[i].key;
        if (k != NULL && k != DUMMY)
            ftc_object_set_shared(k);
    }
    ftc_atomic_store_release(&s->shared, (uint8_t)1);
}
#endif

/* Section held: key is being stored into s; marks it if s is shared. */
static inline void publish_key(set_obj *s, ftc_object *key)
{
    if (_fp_set_is_shared(s))
        ftc_object_set_shared(key);
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
    _fp_set_entry_store(&table[i], key, h);
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
        table = table_alloc(newsize);
        if (table == NULL) {
            fp_err_nomem();
            return -1;
        }
    }
    if (table == s->small)
        _fp_set_small_clear(s);
    for (size_t i = 0; i <= oldmask; i++)
        if (old[i].key != NULL && old[i].key != DUMMY)
            insert_clean(table, newsize - 1, old[i].key, old[i].hash);
    /* Release: the new table is complete for a reader that loads the pointer (acquire). */
    ftc_ft_store_release(&s->table, table);
    s->mask = newsize - 1;
    s->fill = s->used;
    if (old != smallcopy)
        _fp_set_table_free(s, old, _fp_set_is_shared(s));
    return 0;
}

/* Adds key (a new reference taken) with hash h, section held. 1 added, 0 present, -1. */
int _fp_set_add_entry(set_obj *s, ftc_object *key, int64_t h, lock *l)
{
    size_t idx;
    int r = find(s, key, h, &idx, l);
    if (r != 0)
        return r < 0 ? -1 : 0;
    ftc_incref(key);
    publish_key(s, key);
    _fp_set_entry_store(&s->table[idx], key, h);
    s->fill++;
    _fp_set_used_store(s, s->used + 1);
    if (s->fill * 5 >= s->mask * 3 && resize(s, s->used > 50000 ? s->used * 2 : s->used * 4) < 0)
        return -1;
    return 1;
}

/* Removes key; *out receives the key object to release after the section. 1, 0, -1. */
int _fp_set_discard_entry(set_obj *s, ftc_object *key, int64_t h, ftc_object **out, lock *l)
{
    size_t idx;
    int r = find(s, key, h, &idx, l);
    if (r <= 0)
        return r;
    *out = s->table[idx].key;
    _fp_set_entry_store(&s->table[idx], DUMMY, -1);
    _fp_set_used_store(s, s->used - 1);
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

ftc_object *_fp_set_alloc(fp_type *type)
{
    ftc_object *o = ftc_object_new(&type->ct);
    if (o == NULL)
        return fp_err_nomem();
    SET(o)->table = SET(o)->small;
    SET(o)->mask = SET_MINSIZE - 1;
    return o;
}

int _fp_set_add_key(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    set_obj *s = SET(set);
    lock l;
    _fp_set_lock(s, &l);
    int r = _fp_set_add_entry(s, key, h, &l);
    _fp_set_unlock(&l);
    return r < 0 ? -1 : 0;
}

int fp_set_add(ftc_object *set, ftc_object *key) { return _fp_set_add_key(set, key); }

#ifdef FTC_GIL_DISABLED
/* The owner's probe of its private set without the section (see the essay): 1 or 0, or -2
 * when the locked path must decide (the set is shared or not ours, the probe needs __eq__,
 * or it saw another thread's write). */
static int find_owner(set_obj *s, ftc_object *key, int64_t h)
{
    if (ftc_atomic_load_acquire(&s->shared) || !_ftc_is_owned_by_me(&s->ob_base))
        return -2;
    /* Acquire: pairs with resize's release store; the table (and its mask) is complete. */
    sentry *table = ftc_atomic_load_acquire(&s->table);
    size_t mask = table_mask(s, table);
    size_t i = (size_t)h & mask;
    uint64_t perturb = (uint64_t)h;
    size_t budget = mask + 1; /* a table always has a free entry; a torn one may not */
    int r;
    for (;;) {
        size_t probes = i + LINEAR_PROBES <= mask ? LINEAR_PROBES : 0;
        for (size_t j = i;; j++) {
            sentry *e = &table[j];
            /* Acquire: pairs with _fp_set_entry_store's release; the key is complete. */
            ftc_object *k = ftc_atomic_load_acquire(&e->key);
            if (k == NULL) {
                r = 0;
                goto done;
            }
            if (ftc_atomic_load_relaxed(&e->hash) == h) {
                int eq = k == key ? 1 : fast_eq(k, key);
                if (eq == -2)
                    return -2;
                if (eq) {
                    r = 1;
                    goto done;
                }
            }
            if (--budget == 0)
                return -2;
            if (probes-- == 0)
                break;
        }
        perturb >>= PERTURB_SHIFT;
        i = (i * 5 + 1 + (size_t)perturb) & mask;
    }
done:
    /* Pairs with the release fence of a section that wrote after making the set shared. */
    ftc_atomic_fence_acquire();
    return ftc_atomic_load_relaxed(&s->shared) ? -2 : r;
}
#endif

/* Whether key (hash h) is in s: 1, 0, -1. */
static int contains_hashed(set_obj *s, ftc_object *key, int64_t h)
{
#ifdef FTC_GIL_DISABLED
    int r = find_owner(s, key, h);
    if (FTC_LIKELY(r != -2))
        return r;
#endif
    size_t idx;
    lock l;
    _fp_set_lock(s, &l);
    int rl = find(s, key, h, &idx, &l);
    _fp_set_unlock(&l);
    return rl;
}

int fp_set_contains(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    return contains_hashed(SET(set), key, h);
}

int64_t fp_set_len(ftc_object *set) { return (int64_t)ftc_atomic_load_relaxed(&SET(set)->used); }

/* discard(key): 1 removed, 0 absent, -1. */
int _fp_set_discard_key(ftc_object *set, ftc_object *key)
{
    int64_t h = fp_hash(key);
    if (h == -1)
        return -1;
    ftc_object *old = NULL;
    lock l;
    _fp_set_lock(SET(set), &l);
    int r = _fp_set_discard_entry(SET(set), key, h, &old, &l);
    _fp_set_unlock(&l);
    ftc_xdecref(old);
    return r;
}

/* ---- snapshots and bulk operations ---- */


void _fp_set_snap_free(snap *sn)
{
    for (size_t i = 0; i < sn->n; i++)
        ftc_decref(sn->e[i].key);
    ftc_mem_free(sn->e);
    ftc_mem_free(sn->pos);
}

int _fp_set_snap_set(ftc_object *set, snap *sn)
{
    set_obj *s = SET(set);
    lock l;
    int rc = 0;
    _fp_set_lock(s, &l);
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
    _fp_set_unlock(&l);
    if (rc < 0) {
        _fp_set_snap_free(sn);
        fp_err_nomem();
    }
    return rc;
}

/* Entries of any iterable: a set's table order, a dict's order, else iteration order. */
static int snap_iterable(ftc_object *it_src, snap *sn)
{
    if (_fp_set_is(it_src))
        return _fp_set_snap_set(it_src, sn);
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
            _fp_set_snap_free(sn);
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
    _fp_set_lock(s, &l);
    if (sn->n > 0 && (from_set || from_dict) && (s->fill + sn->n) * 5 >= s->mask * 3)
        rc = resize(s, (s->used + sn->n) * 2);
    if (rc == 0 && from_set && sn->n > 0 && s->fill == 0) {
        /* An empty target: no duplicates possible. The same size and no dummies in the
         * source: copy each entry to its own index; otherwise insert without probing for
         * equals, in the source's table order (CPython's set_merge). */
        bool same = s->mask == sn->mask && sn->fill == sn->n;
        for (size_t i = 0; i < sn->n; i++) {
            ftc_incref(sn->e[i].key);
            publish_key(s, sn->e[i].key);
            if (same)
                _fp_set_entry_store(&s->table[sn->pos[i]], sn->e[i].key, sn->e[i].hash);
            else
                insert_clean(s->table, s->mask, sn->e[i].key, sn->e[i].hash);
        }
        s->fill = sn->n;
        _fp_set_used_store(s, sn->n);
    } else {
        for (size_t i = 0; rc == 0 && i < sn->n; i++)
            if (_fp_set_add_entry(s, sn->e[i].key, sn->e[i].hash, &l) < 0)
                rc = -1;
    }
    _fp_set_unlock(&l);
    return rc;
}

int fp_set_update(ftc_object *set, ftc_object *iterable)
{
    if (iterable == set)
        return 0;
    snap sn;
    if (snap_iterable(iterable, &sn) < 0)
        return -1;
    int rc = merge(set, &sn, _fp_set_is(iterable), fp_dict_check(iterable));
    _fp_set_snap_free(&sn);
    return rc;
}

ftc_object *_fp_set_copy_of(ftc_object *set)
{
    ftc_object *r = fp_set_new();
    if (r != NULL && fp_set_update(r, set) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

/* Whether key (hash h) is in set: 1, 0, -1. */
int _fp_set_contains_entry(ftc_object *set, ftc_object *key, int64_t h)
{
    return contains_hashed(SET(set), key, h);
}

static int add_hashed(ftc_object *set, ftc_object *key, int64_t h)
{
    lock l;
    _fp_set_lock(SET(set), &l);
    int r = _fp_set_add_entry(SET(set), key, h, &l);
    _fp_set_unlock(&l);
    return r < 0 ? -1 : 0;
}

ftc_object *_fp_set_intersection2(ftc_object *so, ftc_object *other)
{
    ftc_object *result = fp_set_new();
    if (result == NULL)
        return NULL;
    if (_fp_set_is(other) && fp_set_len(other) > fp_set_len(so)) {
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
        int r = _fp_set_contains_entry(so, sn.e[i].key, sn.e[i].hash);
        if (r < 0 || (r > 0 && add_hashed(result, sn.e[i].key, sn.e[i].hash) < 0))
            rc = -1;
    }
    _fp_set_snap_free(&sn);
    if (rc < 0) {
        ftc_decref(result);
        return NULL;
    }
    return result;
}

/* Removes every key of other from so (set_difference_update_internal). */
int _fp_set_difference_update(ftc_object *so, ftc_object *other)
{
    if (so == other) {
        snap sn;
        if (_fp_set_snap_set(so, &sn) < 0)
            return -1;
        for (size_t i = 0; i < sn.n; i++) {
            ftc_object *old = NULL;
            lock l;
            _fp_set_lock(SET(so), &l);
            _fp_set_discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l);
            _fp_set_unlock(&l);
            ftc_xdecref(old);
        }
        _fp_set_snap_free(&sn);
        return 0;
    }
    snap sn;
    if (snap_iterable(other, &sn) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        ftc_object *old = NULL;
        lock l;
        _fp_set_lock(SET(so), &l);
        if (_fp_set_discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l) < 0)
            rc = -1;
        _fp_set_unlock(&l);
        ftc_xdecref(old);
    }
    _fp_set_snap_free(&sn);
    if (rc == 0) {
        lock l;
        _fp_set_lock(SET(so), &l);
        set_obj *s = SET(so);
        if (s->fill - s->used > s->mask / 4)
            rc = resize(s, s->used > 50000 ? s->used * 2 : s->used * 4);
        _fp_set_unlock(&l);
    }
    return rc;
}

ftc_object *_fp_set_difference2(ftc_object *so, ftc_object *other)
{
    int64_t other_size = -1;
    if (_fp_set_is(other))
        other_size = fp_set_len(other);
    else if (fp_dict_check(other))
        other_size = ftc_dict_len(other);
    if (other_size < 0 || (fp_set_len(so) >> 2) > other_size) {
        ftc_object *r = _fp_set_copy_of(so);
        if (r != NULL && _fp_set_difference_update(r, other) < 0) {
            ftc_decref(r);
            return NULL;
        }
        return r;
    }
    ftc_object *result = fp_set_new();
    snap sn;
    if (result == NULL || _fp_set_snap_set(so, &sn) < 0) {
        ftc_xdecref(result);
        return NULL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        int r = _fp_set_is(other) ? _fp_set_contains_entry(other, sn.e[i].key, sn.e[i].hash)
                                  : ftc_dict_contains(other, sn.e[i].key);
        if (r < 0) {
            if (!fp_err_occurred())
                fp_err_from_code(r, sn.e[i].key);
            rc = -1;
        } else if (r == 0 && add_hashed(result, sn.e[i].key, sn.e[i].hash) < 0) {
            rc = -1;
        }
    }
    _fp_set_snap_free(&sn);
    if (rc < 0) {
        ftc_decref(result);
        return NULL;
    }
    return result;
}

int _fp_set_symmetric_update(ftc_object *so, ftc_object *other)
{
    if (so == other) {
        snap sn;
        if (_fp_set_snap_set(so, &sn) < 0)
            return -1;
        _fp_set_snap_free(&sn);
        return _fp_set_difference_update(so, so);
    }
    snap sn;
    if (snap_iterable(other, &sn) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        ftc_object *old = NULL;
        lock l;
        _fp_set_lock(SET(so), &l);
        int r = _fp_set_discard_entry(SET(so), sn.e[i].key, sn.e[i].hash, &old, &l);
        if (r < 0 || (r == 0 && _fp_set_add_entry(SET(so), sn.e[i].key, sn.e[i].hash, &l) < 0))
            rc = -1;
        _fp_set_unlock(&l);
        ftc_xdecref(old);
    }
    _fp_set_snap_free(&sn);
    return rc;
}

/* Whether every key of a is in b: 1, 0, -1. */
int _fp_set_is_subset(ftc_object *a, ftc_object *b)
{
    if (fp_set_len(a) > fp_set_len(b))
        return 0;
    snap sn;
    if (_fp_set_snap_set(a, &sn) < 0)
        return -1;
    int r = 1;
    for (size_t i = 0; r == 1 && i < sn.n; i++)
        r = _fp_set_contains_entry(b, sn.e[i].key, sn.e[i].hash);
    _fp_set_snap_free(&sn);
    return r;
}
