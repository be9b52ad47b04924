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
    sentry *table;
    size_t mask;
    size_t fill;   /* active + dummy */
    size_t used;   /* active; atomic (len() reads it without the section) */
    size_t finger; /* pop's search start */
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

static inline void _fp_set_lock(set_obj *s, lock *l)
{
#ifdef FTC_GIL_DISABLED
    ftc_critical_section_begin_mutex(&l->cs, &s->ob_base.ob_mutex);
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
