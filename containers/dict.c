/* The dict: compact insertion-ordered tables, lookup, and the single-key operations.
 *
 * Layout and table invariants: dict_internal.h. Copy, update, iteration and the key/value/item
 * lists: dict_ops.c.
 *
 * Probing: slot i = hash & mask, then i = 5*i + perturb + 1 with perturb = hash shifted right
 * by 5 each step (CPython's scheme: every slot is eventually visited, and all hash bits take
 * part). A table is at most 2/3 full of non-empty slots (entries never exceed `usable`), so a
 * probe always ends at an empty slot.
 *
 * Concurrency (nogil build). Writers run inside the dict's critical section and change
 * reader-visible words (keys pointer, index slots, entry keys and values, used) inside a write
 * window (ctr.h): each mutation is one window, and decrefs of replaced objects, which may run
 * arbitrary deallocators, happen after it closes. Lock-free readers (get, contains) load the
 * window counter, then the table (acquire), probe with acquire loads, take the value with
 * try-incref re-checking its slot, and finally validate that the counter did not move. A
 * validated read saw no write at all, so it observed one state of the dict: the one between
 * the two windows around it, which is linearizable at the read's first load. Anything odd (a
 * window open, a NULL where a key should be, a refused try-incref, a key that needs an eq
 * callback) sends the reader to the locked path, which is always correct. len is one acquire
 * load of `used` validated the same way (an update keeps one window open around all of its
 * insertions, so used can change several times inside one window: dict_internal.h).
 *
 * Memory safety of lock-free reads: a reader may load a table that a writer then replaces, or a
 * key or value that a writer then releases. Once the dict is shared (used by a thread other
 * than its owner: ctr.h, "Private until another thread comes"), replaced tables are freed
 * through QSBR and the object layer keeps the memory of the keys and values it holds (marked
 * shared) until a grace period has passed, so every load stays inside live memory; try-incref
 * refuses objects that are already dying, and a key whose contents must be compared is try-
 * incref'd first (its contents are then stable: int and str are immutable).
 *
 * Callbacks. Hash callbacks run before the lock is taken. Eq callbacks run in the critical
 * section holding a reference to the stored key; they may mutate the dict (the critical section
 * is re-entrant) or block (which suspends the section and lets other threads in). Afterwards
 * the lookup checks d->version and restarts if anything changed. A failing callback's code is
 * returned before anything is written, so the dict is unchanged.
 */
#include "dict_internal.h"

#include <string.h>

/* ---- tables ---- */

static inline int64_t ix_load(dict_keys *k, uint64_t i)
{
    int8_t *ix = dk_indices(k);
    /* Acquire: pairs with the release store in ix_store(); the entry it names is complete. */
    switch (k->log2_ixbytes) {
    case 0: return ftc_ft_load_acquire(&ix[i]);
    case 1: return ftc_ft_load_acquire(&((int16_t *)ix)[i]);
    case 2: return ftc_ft_load_acquire(&((int32_t *)ix)[i]);
    default: return ftc_ft_load_acquire(&((int64_t *)ix)[i]);
    }
}

static inline void ix_store(dict_keys *k, uint64_t i, int64_t v)
{
    int8_t *ix = dk_indices(k);
    switch (k->log2_ixbytes) {
    case 0: ftc_ft_store_release(&ix[i], (int8_t)v); break;
    case 1: ftc_ft_store_release(&((int16_t *)ix)[i], (int16_t)v); break;
    case 2: ftc_ft_store_release(&((int32_t *)ix)[i], (int32_t)v); break;
    default: ftc_ft_store_release(&((int64_t *)ix)[i], v); break;
    }
}

/* The first empty slot on hash's probe sequence (writers; there is always one). */
static uint64_t find_empty_slot(dict_keys *k, uint64_t hash)
{
    uint64_t mask = ((uint64_t)1 << k->log2_size) - 1, perturb = hash, i = hash & mask;
    while (ix_load(k, i) != IX_EMPTY) {
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
    return i;
}

/* ---- the full-structure check (FTC_DEBUG >= 3; the fuzz build runs it) ---- */
#if FTC_DEBUG_LEVEL >= 3
/* Critical section held. Every live entry is reachable from its hash's probe sequence before
 * an empty slot, every non-empty slot names a live entry, and used counts them. */
static void dict_check(ftc_dict_obj *d)
{
    dict_keys *k = d->keys;
    if (k == NULL) {
        ftc_assert(d->used == 0);
        return;
    }
    ftc_assert(k->nentries <= k->usable);
    dict_entry *ents = dk_entries(k);
    uint64_t size = (uint64_t)1 << k->log2_size, mask = size - 1;
    int64_t live = 0, named = 0;
    for (uint64_t i = 0; i < size; i++) {
        int64_t ix = ix_load(k, i);
        ftc_assert(ix == IX_EMPTY || ix == IX_DUMMY || (ix >= 0 && ix < k->nentries));
        if (ix >= 0) {
            ftc_assert(ents[ix].key != NULL && ents[ix].value != NULL);
            named++;
        }
    }
    for (int64_t j = 0; j < k->nentries; j++) {
        if (ents[j].key == NULL) {
            ftc_assert(ents[j].value == NULL);
            continue;
        }
        live++;
        uint64_t perturb = ents[j].hash, i = perturb & mask;
        for (;;) {
            int64_t ix = ix_load(k, i);
            ftc_assert(ix != IX_EMPTY);
            if (ix == j)
                break;
            perturb >>= 5;
            i = (i * 5 + perturb + 1) & mask;
        }
    }
    ftc_assert(live == named && live == d->used);
}
#define DICT_CHECK(d) dict_check(d)
#else
#define DICT_CHECK(d) ((void)0)
#endif

dict_keys *_ftc_dict_keys_build(const dict_entry *ents, int64_t nents, int64_t want)
{
    if (want < 1)
        want = 1;
    if (want > ((int64_t)1 << 40))
        return NULL;
    uint8_t log2 = DICT_MIN_LOG2;
    while ((((int64_t)1 << log2) * 2) / 3 < want)
        log2++;
    uint8_t log2_ixbytes = log2 <= 7 ? 0 : log2 <= 15 ? 1 : log2 <= 31 ? 2 : 3;
    int64_t size = (int64_t)1 << log2, usable = size * 2 / 3;
    size_t bytes =
        sizeof(dict_keys) + ((size_t)size << log2_ixbytes) + (size_t)usable * sizeof(dict_entry);
    dict_keys *k = ftc_mem_alloc(bytes);
    if (k == NULL)
        return NULL;
    k->log2_size = log2;
    k->log2_ixbytes = log2_ixbytes;
    k->usable = usable;
    k->nentries = 0;
    memset(dk_indices(k), 0xff, (size_t)size << log2_ixbytes); /* every width: -1 = IX_EMPTY */
    dict_entry *out = dk_entries(k);
    memset(out, 0, (size_t)usable * sizeof(dict_entry));
    /* Not yet visible to any reader: plain stores; publication is the release store of the
     * keys pointer. */
    for (int64_t j = 0; j < nents; j++) {
        if (ents[j].key == NULL)
            continue;
        ftc_assert(k->nentries < usable);
        int64_t n = k->nentries++;
        out[n] = ents[j];
        ix_store(k, find_empty_slot(k, ents[j].hash), n);
    }
    return k;
}

/* Rebuilds d's table to hold at least `want` live items and publishes it. Critical section. */
static int dict_resize(ftc_dict_obj *d, int64_t want)
{
    dict_keys *old = d->keys;
    dict_keys *k = old ? _ftc_dict_keys_build(dk_entries(old), old->nentries, want)
                       : _ftc_dict_keys_build(NULL, 0, want);
    if (k == NULL)
        return FTC_ENOMEM;
    dict_window_open(d);
    ftc_ft_store_release(&d->keys, k); /* pairs with the readers' acquire load of d->keys */
    d->version++;
    d->shape++;
    dict_window_close(d);
    if (old != NULL) /* references moved to k; readers of a shared dict may still hold old */
        ctr_free_table(ctr_is_shared(&d->ob_base), old);
    DICT_CHECK(d);
    return 0;
}

/* ---- lookup ---- */

int _ftc_dict_lookup_locked(ftc_dict_obj *d, ftc_object *key, uint64_t hash, dict_loc *loc)
{
    int restarts = 0;
restart:;
    dict_keys *k = d->keys;
    loc->entry = -1;
    loc->slot = 0;
    if (k == NULL)
        return 0;
    dict_entry *ents = dk_entries(k);
    uint64_t mask = ((uint64_t)1 << k->log2_size) - 1, perturb = hash, i = hash & mask;
    for (;;) {
        int64_t ix = ix_load(k, i);
        if (ix == IX_EMPTY) {
            loc->slot = i;
            return 0;
        }
        if (ix >= 0) {
            dict_entry *ep = &ents[ix];
            ftc_object *sk = ep->key;
            int eq = 0;
            if (sk == key) {
                eq = 1;
            } else if (ep->hash == hash && sk != NULL) {
                if (ctr_is_builtin(sk) && ctr_is_builtin(key)) {
                    eq = _ftc_ctr_builtin_eq(sk, key);
                } else {
                    /* A callback: hold the stored key, and afterwards make sure the dict is
                     * the one we were probing. */
                    uint64_t version = d->version;
                    ftc_incref(sk);
                    eq = _ftc_ctr_eq(sk, key);
                    ftc_decref(sk);
                    if (eq < 0)
                        return eq;
                    if (d->version != version) {
                        if (++restarts > FTC_DICT_MAX_RESTARTS)
                            return FTC_ECHANGED;
                        goto restart;
                    }
                }
            }
            if (eq) {
                loc->slot = i;
                loc->entry = ix;
                return 0;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
}

/* What a lookup hands out: presence only, a new reference, or a borrowed pointer. */
typedef enum { FIND_CONTAINS, FIND_REF, FIND_BORROW } find_mode;

/* The lock-free lookup serves both builds: in the GIL build it is the same probe with plain
 * loads and no window (the GIL keeps writers out), so both builds run the same fast path and
 * fall back to the locked lookup for the same cases (an eq callback, a key being deleted). */
enum { LF_MISSING = 0, LF_FOUND = 1, LF_LOCK = 2 };
#define LF_TRIES 3

/* One lock-free attempt. LF_FOUND (with *value the value when value != NULL: a new reference
 * for FIND_REF, borrowed for FIND_BORROW), LF_MISSING, or LF_LOCK: could not decide without the
 * lock. Caller attached (QSBR online). */
static FTC_ALWAYS_INLINE int lookup_lockfree(ftc_dict_obj *d, ftc_object *key, uint64_t hash,
                                             ftc_object **value, find_mode mode)
{
    uint64_t start = ctr_window_start(&d->seq);
    if (start & 1)
        return LF_LOCK;
    /* Acquire: pairs with the release store in dict_resize() / clear; the table is complete. */
    dict_keys *k = ftc_atomic_load_acquire(&d->keys);
    if (k == NULL)
        goto missing;
    dict_entry *ents = dk_entries(k), *ep = NULL;
    uint64_t mask = ((uint64_t)1 << k->log2_size) - 1, perturb = hash, i = hash & mask;
    for (;;) {
        int64_t ix = ix_load(k, i);
        if (ix == IX_EMPTY)
            goto missing;
        if (ix >= 0) {
            ep = &ents[ix];
            /* Acquire: pairs with the release store of the key in insert; the key object's
             * contents, written before it was published, are visible. */
            ftc_object *sk = ftc_atomic_load_acquire(&ep->key);
            if (sk == NULL)
                return LF_LOCK; /* a delete in progress */
            if (sk == key)
                break;
            if (ep->hash == hash) {
                /* An eq callback would run: only under the lock, holding references. The
                 * type of sk is immutable and its memory is kept by QSBR. */
                if (!ctr_is_builtin(key) || !ctr_is_builtin(sk))
                    return LF_LOCK;
                if (!ctr_try_incref_slot(&ep->key, sk))
                    return LF_LOCK;
                bool eq = _ftc_ctr_builtin_eq(sk, key);
                ftc_decref(sk);
                if (eq)
                    break;
            }
        }
        perturb >>= 5;
        i = (i * 5 + perturb + 1) & mask;
    }
    /* Acquire: pairs with the release store of the value in insert / overwrite. */
    ftc_object *v = ftc_atomic_load_acquire(&ep->value);
    if (v == NULL)
        return LF_LOCK;
    /* A borrowed value needs no reference: the window check below proves it was the value at
     * one instant, and its memory outlives the caller's next quiescent state (marked shared
     * if the dict is: QSBR keeps it; a private dict's owner is the only one who can drop it). */
    bool ref = mode == FIND_REF;
    if (ref && !ctr_try_incref_slot(&ep->value, v))
        return LF_LOCK;
    if (!ctr_window_valid(&d->seq, start)) {
        if (ref)
            ftc_decref(v);
        return LF_LOCK;
    }
    if (value != NULL)
        *value = v;
    return LF_FOUND;
missing:
    return ctr_window_valid(&d->seq, start) ? LF_MISSING : LF_LOCK;
}

/* ---- writes (critical section held) ---- */

int _ftc_dict_insert_new(ftc_dict_obj *d, ftc_object *key, uint64_t hash, ftc_object *value)
{
    dict_keys *k = d->keys;
    if (k == NULL || k->nentries == k->usable) {
        int rc = dict_resize(d, 2 * d->used + 1);
        if (rc < 0)
            return rc;
        k = d->keys;
    }
    ftc_incref(key);
    ftc_incref(value);
    ctr_publish((ftc_object *)d, key);
    ctr_publish((ftc_object *)d, value);
    uint64_t slot = find_empty_slot(k, hash);
    int64_t n = k->nentries;
    dict_entry *ep = &dk_entries(k)[n];
    dict_window_open(d);
    ep->hash = hash; /* read only after the index slot's release store below */
    ftc_ft_store_release(&ep->key, key);
    ftc_ft_store_release(&ep->value, value);
    ix_store(k, slot, n); /* release: publishes the entry */
    k->nentries = n + 1;
    ftc_ft_store_release(&d->used, d->used + 1); /* pairs with ftc_dict_len's acquire load */
    d->version++;
    d->shape++;
    dict_window_close(d);
    DICT_CHECK(d);
    return 0;
}

int _ftc_dict_set_locked(ftc_dict_obj *d, ftc_object *key, uint64_t hash, ftc_object *value,
                         ftc_object **old)
{
    dict_loc loc;
    *old = NULL;
    int rc = _ftc_dict_lookup_locked(d, key, hash, &loc);
    if (rc < 0)
        return rc;
    if (loc.entry < 0)
        return _ftc_dict_insert_new(d, key, hash, value);
    dict_entry *ep = &dk_entries(d->keys)[loc.entry];
    ftc_incref(value);
    ctr_publish((ftc_object *)d, value);
    *old = ep->value;
    dict_window_open(d);
    ftc_ft_store_release(&ep->value, value); /* pairs with the readers' acquire load */
    d->version++;
    dict_window_close(d);
    DICT_CHECK(d);
    return 0;
}

/* Removes the located entry; its key's and value's references go to *okey and *oval. */
static void delete_at(ftc_dict_obj *d, const dict_loc *loc, ftc_object **okey, ftc_object **oval)
{
    dict_keys *k = d->keys;
    dict_entry *ep = &dk_entries(k)[loc->entry];
    *okey = ep->key;
    *oval = ep->value;
    dict_window_open(d);
    ix_store(k, loc->slot, IX_DUMMY);
    ftc_ft_store_release(&ep->key, (ftc_object *)NULL);
    ftc_ft_store_release(&ep->value, (ftc_object *)NULL);
    ftc_ft_store_release(&d->used, d->used - 1);
    d->version++;
    d->shape++;
    dict_window_close(d);
    DICT_CHECK(d);
}

#ifdef FTC_GIL_DISABLED
void _ftc_dict_mark_all_locked(ftc_dict_obj *d)
{
    dict_keys *k = d->keys;
    if (k == NULL)
        return;
    dict_entry *ents = dk_entries(k);
    for (int64_t j = 0; j < k->nentries; j++) {
        if (ents[j].key == NULL)
            continue; /* deleted */
        ftc_object_set_shared(ents[j].key);
        ftc_object_set_shared(ents[j].value);
    }
}
#endif

/* ---- the object ---- */

static void dict_dealloc(ftc_object *self)
{
    ctr_dealloc_prepare(self); /* its owner may still borrow its values: ctr.h */
    ftc_dict_obj *d = DICT(self);
    dict_keys *k = d->keys;
    d->keys = NULL;
    d->used = 0;
    if (k == NULL)
        return;
    /* No reader can hold this dict any more (readers hold a reference): free at once. */
    dict_entry *ents = dk_entries(k);
    for (int64_t j = 0; j < k->nentries; j++) {
        ftc_xdecref(ents[j].key);
        ftc_xdecref(ents[j].value);
    }
    ftc_mem_free(k);
}

/* The collector calls it with the world stopped (gc.h): no writer is between two stores of a
 * write, so the table and its entries are read with plain loads; every live key and value is
 * visited once. A table a writer replaced is not the current one and holds no references. */
static int dict_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    dict_keys *k = ftc_ft_load_relaxed(&DICT(self)->keys);
    if (k == NULL)
        return 0;
    dict_entry *ents = dk_entries(k);
    for (int64_t j = 0; j < k->nentries; j++) {
        ftc_object *key = ftc_ft_load_relaxed(&ents[j].key);
        ftc_object *value = ftc_ft_load_relaxed(&ents[j].value);
        int rc;
        if (key != NULL && (rc = visit(key, arg)) != 0)
            return rc;
        if (value != NULL && (rc = visit(value, arg)) != 0)
            return rc;
    }
    return 0;
}

/* Breaks a cycle: the ordinary clear, in the dict's critical section (the world runs again). */
static int dict_gc_clear(ftc_object *self) { return ftc_dict_clear(self); }

const ftc_type ftc_dict_type = {
    .name = "dict",
    .basicsize = sizeof(ftc_dict_obj),
    .dealloc = dict_dealloc,
    .traverse = dict_traverse,
    .clear = dict_gc_clear,
};

ftc_object *ftc_dict_new(void)
{
    ctr_require_attached(__func__);
    return ftc_object_new(&ftc_dict_type); /* zero-filled: empty, no table */
}

int ftc_dict_check(ftc_object *d) { return d != NULL && ftc_type_of(d) == &ftc_dict_type; }

/* Argument checks and the key's hash, shared by the keyed operations. */
static inline int keyed_prologue(ftc_object *d, ftc_object *key, uint64_t *hash)
{
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0)
        return rc;
    if (key == NULL)
        return FTC_EINVAL;
    return _ftc_ctr_hash(key, hash);
}

int ftc_dict_set(ftc_object *d, ftc_object *key, ftc_object *value)
{
    ctr_require_attached(__func__);
    uint64_t hash;
    int rc = keyed_prologue(d, key, &hash);
    if (rc < 0)
        return rc;
    if (value == NULL)
        return FTC_EINVAL;
    ftc_object *old = NULL;
    FTC_BEGIN_CRITICAL_SECTION(d);
    rc = _ftc_dict_set_locked(DICT(d), key, hash, value, &old);
    FTC_END_CRITICAL_SECTION();
    ftc_xdecref(old);
    return rc;
}

/* dict_find's locked path (the nogil build's fallback; the GIL build's only path). */
#ifdef FTC_GIL_DISABLED
FTC_NOINLINE
#endif
static int dict_find_locked(ftc_object *d, ftc_object *key, uint64_t hash, ftc_object **value,
                            find_mode mode)
{
    dict_loc loc;
    int rc;
    FTC_BEGIN_CRITICAL_SECTION(d);
    rc = _ftc_dict_lookup_locked(DICT(d), key, hash, &loc);
    if (rc == 0 && loc.entry >= 0) {
        if (value != NULL) {
            *value = dk_entries(DICT(d)->keys)[loc.entry].value;
            if (mode == FIND_REF)
                ftc_incref(*value);
        }
        rc = 1;
    }
    FTC_END_CRITICAL_SECTION();
    return rc;
}

/* Lookup with the key's hash known: presence only (value == NULL, FIND_CONTAINS), or the value
 * as a new reference (FIND_REF) or borrowed (FIND_BORROW) in *value. */
FTC_NOINLINE
static int dict_find_hashed(ftc_object *d, ftc_object *key, uint64_t hash, ftc_object **value,
                            find_mode mode)
{
    for (int tries = 0; tries < LF_TRIES; tries++) {
        int r = lookup_lockfree(DICT(d), key, hash, value, mode);
        if (r != LF_LOCK)
            return r == LF_FOUND ? 1 : 0;
    }
    return dict_find_locked(d, key, hash, value, mode);
}

/* dict_find for the cases its inline part does not take: the full checks (a bad argument; a
 * dict that the caller must make shared first, ctr_check), the hash, and the lookup. */
FTC_NOINLINE
static int dict_find_checked(ftc_object *d, ftc_object *key, ftc_object **value, find_mode mode)
{
    uint64_t hash;
    int rc = keyed_prologue(d, key, &hash);
    if (rc < 0)
        return rc;
    return dict_find_hashed(d, key, hash, value, mode);
}

/* The lookups: the checks and the hash (once: a hash callback runs once per call), then one
 * lock-free attempt in a small frame; retries and the lock are in dict_find_hashed. */
static FTC_ALWAYS_INLINE int dict_find(ftc_object *d, ftc_object *key, ftc_object **value,
                                       find_mode mode)
{
    if (FTC_UNLIKELY(d == NULL || ftc_type_of(d) != &ftc_dict_type || key == NULL ||
                     !ctr_access_ok(d)))
        return dict_find_checked(d, key, value, mode);
    uint64_t hash;
    int rc = _ftc_ctr_hash(key, &hash);
    if (FTC_UNLIKELY(rc < 0))
        return rc;
    int r = lookup_lockfree(DICT(d), key, hash, value, mode);
    if (FTC_LIKELY(r != LF_LOCK))
        return r == LF_FOUND ? 1 : 0;
    return dict_find_hashed(d, key, hash, value, mode);
}

int ftc_dict_get_ref(ftc_object *d, ftc_object *key, ftc_object **value)
{
    ctr_require_attached(__func__);
    if (FTC_UNLIKELY(value == NULL))
        return FTC_EINVAL;
    *value = NULL;
    return dict_find(d, key, value, FIND_REF);
}

int ftc_dict_get_borrowed(ftc_object *d, ftc_object *key, ftc_object **value)
{
    ctr_require_attached(__func__);
    if (FTC_UNLIKELY(value == NULL))
        return FTC_EINVAL;
    *value = NULL;
    return dict_find(d, key, value, FIND_BORROW);
}

int ftc_dict_contains(ftc_object *d, ftc_object *key)
{
    ctr_require_attached(__func__);
    return dict_find(d, key, NULL, FIND_CONTAINS);
}

int ftc_dict_pop(ftc_object *d, ftc_object *key, ftc_object **value)
{
    ctr_require_attached(__func__);
    if (value == NULL)
        return FTC_EINVAL;
    *value = NULL;
    uint64_t hash;
    int rc = keyed_prologue(d, key, &hash);
    if (rc < 0)
        return rc;
    ftc_object *okey = NULL;
    dict_loc loc;
    FTC_BEGIN_CRITICAL_SECTION(d);
    rc = _ftc_dict_lookup_locked(DICT(d), key, hash, &loc);
    if (rc == 0 && loc.entry >= 0) {
        delete_at(DICT(d), &loc, &okey, value);
        rc = 1;
    }
    FTC_END_CRITICAL_SECTION();
    ftc_xdecref(okey);
    return rc;
}

int ftc_dict_del(ftc_object *d, ftc_object *key)
{
    ctr_require_attached(__func__);
    ftc_object *v = NULL;
    int rc = ftc_dict_pop(d, key, &v);
    if (rc == 1) {
        ftc_decref(v);
        return 0;
    }
    return rc == 0 ? FTC_EKEY : rc;
}

int ftc_dict_setdefault_ref(ftc_object *d, ftc_object *key, ftc_object *dflt, ftc_object **out)
{
    ctr_require_attached(__func__);
    if (out == NULL)
        return FTC_EINVAL;
    *out = NULL;
    uint64_t hash;
    int rc = keyed_prologue(d, key, &hash);
    if (rc < 0)
        return rc;
    if (dflt == NULL)
        return FTC_EINVAL;
    dict_loc loc;
    FTC_BEGIN_CRITICAL_SECTION(d);
    rc = _ftc_dict_lookup_locked(DICT(d), key, hash, &loc);
    if (rc == 0) {
        if (loc.entry >= 0) {
            *out = dk_entries(DICT(d)->keys)[loc.entry].value;
            ftc_incref(*out);
            rc = 1;
        } else {
            rc = _ftc_dict_insert_new(DICT(d), key, hash, dflt);
            if (rc == 0) {
                *out = dflt;
                ftc_incref(dflt);
            }
        }
    }
    FTC_END_CRITICAL_SECTION();
    return rc;
}

int64_t ftc_dict_len(ftc_object *d)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0)
        return rc;
    ftc_dict_obj *dd = DICT(d);
#ifdef FTC_GIL_DISABLED
    /* Validated like the other lock-free reads: a window held open across several insertions
     * (ftc_dict_update) changes used more than once. */
    uint64_t start = ctr_window_start(&dd->seq);
    if (!(start & 1)) {
        /* Acquire: pairs with the release stores of used in insert / delete / clear. */
        int64_t n = ftc_ft_load_acquire(&dd->used);
        if (ctr_window_valid(&dd->seq, start))
            return n;
    }
    int64_t n;
    FTC_BEGIN_CRITICAL_SECTION(d);
    n = dd->used;
    FTC_END_CRITICAL_SECTION();
    return n;
#else
    return dd->used;
#endif
}

int ftc_dict_clear(ftc_object *d)
{
    ctr_require_attached(__func__);
    int rc = ctr_check(d, &ftc_dict_type);
    if (rc < 0)
        return rc;
    ftc_dict_obj *dd = DICT(d);
    dict_keys *old;
    bool shared;
    FTC_BEGIN_CRITICAL_SECTION(d);
    shared = ctr_is_shared(d);
    old = dd->keys;
    if (old != NULL) {
        dict_window_open(dd);
        ftc_ft_store_release(&dd->keys, (dict_keys *)NULL);
        ftc_ft_store_release(&dd->used, (int64_t)0);
        dd->version++;
        dd->shape++;
        dict_window_close(dd);
    }
    FTC_END_CRITICAL_SECTION();
    if (old != NULL) {
        /* The dict is already empty and consistent: deallocators may use it. */
        dict_entry *ents = dk_entries(old);
        for (int64_t j = 0; j < old->nentries; j++) {
            ftc_xdecref(ents[j].key);
            ftc_xdecref(ents[j].value);
        }
        ctr_free_table(shared, old);
    }
    return 0;
}
