/* The set's private layout and the operations set.c (the table) shares with set_type.c (the
 * type's slots and methods). Not for other files: they use fp_set_* (ftpy.h, lib.h).
 *
 * Locking: every function named _fp_set_* that takes a `lock *` runs with the set's critical
 * section held by the caller (and may drop and re-take it around __eq__, see find() in
 * set.c); the others take it themselves.
 */
#ifndef FTPY_SET_INTERNAL_H
#define FTPY_SET_INTERNAL_H

#include "lib.h"

enum { SET_MINSIZE = 8, LINEAR_PROBES = 9, PERTURB_SHIFT = 5 };

typedef struct sentry {
    ftc_object *key; /* NULL: never used; DUMMY: removed */
    int64_t hash;
} sentry;

typedef struct set_obj {
    FTC_OBJECT_HEAD;
    sentry *table; /* small, or a heap table (table_alloc in set.c); ft atomic, release */
    size_t mask;
    size_t fill;    /* active + dummy */
    size_t used;    /* active; atomic (len() reads it without the section) */
    size_t finger;  /* pop's search start */
    uint8_t shared; /* nogil: another thread than the owner has used it (set.c); atomic */
    sentry small[SET_MINSIZE];
} set_obj;

extern ftc_object _fp_set_dummy;
#define DUMMY (&_fp_set_dummy)

#define SET(o) ((set_obj *)(void *)(o))

/* A set or an instance of a subclass of set (same layout). */
static inline bool _fp_set_is(ftc_object *o)
{
    return fp_set_check(o) || fp_isinstance_type(o, &fp_set_type);
}

/* ---- the section (explicit begin/end: the probe drops it around __eq__) ---- */

typedef struct lock {
    ftc_critical_section cs;
} lock;

#ifdef FTC_GIL_DISABLED
void _fp_set_make_shared(set_obj *s);
#endif

/* Takes the section; the first time a thread other than the set's owner does, it makes the
 * set shared first (set.c, "Threads"). The release fence orders whatever this section then
 * writes after the flag for the owner's unlocked reads, which re-check the flag behind an
 * acquire fence (a compiler barrier on x86). */
static inline void _fp_set_lock(set_obj *s, lock *l)
{
#ifdef FTC_GIL_DISABLED
    ftc_critical_section_begin_mutex(&l->cs, &s->ob_base.ob_mutex);
    if (FTC_UNLIKELY(!ftc_atomic_load_relaxed(&s->shared)) && !_ftc_is_owned_by_me(&s->ob_base))
        _fp_set_make_shared(s);
    ftc_atomic_fence_release();
#else
    (void)s;
    (void)l;
#endif
}

static inline void _fp_set_unlock(lock *l)
{
#ifdef FTC_GIL_DISABLED
    ftc_critical_section_end(&l->cs);
#else
    (void)l;
#endif
}

static inline void _fp_set_used_store(set_obj *s, size_t v)
{
    /* Relaxed: len() needs no ordering with the table; writers hold the section. */
    ftc_atomic_store_relaxed(&s->used, v);
}

/* Entry stores and table publication: atomic in the nogil build, where the owner reads the
 * table without the section (set.c), plain in the GIL build. The key is stored with release
 * (what it points to is complete for a reader's acquire load), after the hash. */
static inline void _fp_set_entry_store(sentry *e, ftc_object *key, int64_t h)
{
    ftc_ft_store_relaxed(&e->hash, h);
    ftc_ft_store_release(&e->key, key);
}

/* Empties the inline table (entry by entry: it may be the table a reader is probing). */
static inline void _fp_set_small_clear(set_obj *s)
{
    for (size_t i = 0; i < SET_MINSIZE; i++)
        _fp_set_entry_store(&s->small[i], NULL, 0);
}

/* Frees a table the set no longer points to: a heap table goes through QSBR once the set is
 * shared (the owner may be probing it without the section); the inline one is never freed. */
void _fp_set_table_free(set_obj *s, sentry *t, bool shared);
/* Whether the set is shared (section held, or relaxed is enough: see set.c). */
static inline bool _fp_set_is_shared(set_obj *s)
{
#ifdef FTC_GIL_DISABLED
    return ftc_atomic_load_relaxed(&s->shared) != 0;
#else
    (void)s;
    return false;
#endif
}

typedef struct snap {
    sentry *e;   /* active entries in table order, keys referenced */
    size_t *pos; /* for a set: each entry's index in its table */
    size_t n;
    size_t mask; /* the source table's mask and fill (set_merge's fast paths) */
    size_t fill;
} snap;

int _fp_set_add_entry(set_obj *s, ftc_object *key, int64_t h, lock *l);
int _fp_set_discard_entry(set_obj *s, ftc_object *key, int64_t h, ftc_object **out, lock *l);
void _fp_set_snap_free(snap *sn);
int _fp_set_snap_set(ftc_object *set, snap *sn);
ftc_object *_fp_set_alloc(fp_type *type);
int _fp_set_add_key(ftc_object *set, ftc_object *key);
int _fp_set_discard_key(ftc_object *set, ftc_object *key);
ftc_object *_fp_set_copy_of(ftc_object *set);
int _fp_set_contains_entry(ftc_object *set, ftc_object *key, int64_t h);
ftc_object *_fp_set_intersection2(ftc_object *so, ftc_object *other);
int _fp_set_difference_update(ftc_object *so, ftc_object *other);
ftc_object *_fp_set_difference2(ftc_object *so, ftc_object *other);
int _fp_set_symmetric_update(ftc_object *so, ftc_object *other);
int _fp_set_is_subset(ftc_object *a, ftc_object *b);

#endif /* FTPY_SET_INTERNAL_H */
