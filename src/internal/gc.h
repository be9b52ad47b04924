/* Internal to the object layer: the collector's per-object header and the hooks by which
 * object.c (allocation, dealloc, immortality, thread records, fork) and weakref.c reach
 * src/gc.c.
 *
 * A heap object of a type with traverse is allocated with a _ftc_gc_head in front of it (the
 * object pointer is the allocation + sizeof(_ftc_gc_head)): the links of the tracked list it
 * is on, that list, the list of weak references to it, and the collector's scratch words.
 * Static objects have none; neither do objects of types without traverse. Code that needs the
 * head tests `_ftc_gc_has_head(o)` first; an immortal object's head is never touched except
 * at runtime fini (free_immortals), because a static object of a tracked type has none.
 */
#ifndef FTCORE_INTERNAL_GC_H
#define FTCORE_INTERNAL_GC_H

#include "internal/object.h"

struct _ftc_gc_list;

typedef struct _ftc_gc_head {
    struct _ftc_gc_head *next, *prev; /* the list's links; its lock */
    struct _ftc_gc_list *list; /* atomic; NULL = untracked; changed with the old and new lock */
    ftc_weakref *weaklist;     /* weak references to the object; its weakref stripe lock */
    intptr_t refs;             /* collector scratch (world stopped) */
    uintptr_t flags;           /* collector scratch (world stopped): GC_* in gc.c */
} _ftc_gc_head;

#define FTC_GC_HEAD_SIZE sizeof(_ftc_gc_head) /* 48: keeps the object 16-byte aligned */

static inline _ftc_gc_head *_ftc_gc_head_of(ftc_object *o)
{
    return (_ftc_gc_head *)((char *)o - FTC_GC_HEAD_SIZE);
}

/* Whether a heap object o was allocated with a head: its type has traverse. Only for heap
 * objects (every caller has one: a dealloc, a free, a tracked list's member). */
static inline bool _ftc_gc_type_tracked(const ftc_type *t) { return t->traverse != NULL; }

/* gc.c: the allocation hooks. The bytes to allocate in front of an object of type t. */
static inline size_t _ftc_gc_pre_size(const ftc_type *t)
{
    return _ftc_gc_type_tracked(t) ? FTC_GC_HEAD_SIZE : 0;
}
/* The start of o's allocation (o itself when it has no head). */
static inline void *_ftc_gc_mem_base(ftc_object *o)
{
    return _ftc_gc_type_tracked(o->ob_type) ? (void *)_ftc_gc_head_of(o) : (void *)o;
}
/* A new object with a head: link it on the calling thread's list; count the allocation. */
void _ftc_gc_track_new(ftc_object *o);
/* Takes o off its list (no-op if it is not on one). */
void _ftc_gc_untrack(ftc_object *o);
/* The last reference to a heap object with a head went away (or runtime fini frees an
 * immortal): untracks it and clears its weak references; returns the weak references whose
 * callbacks are to run once o is gone (_ftc_weakref_run_callbacks), or NULL. */
ftc_weakref *_ftc_gc_object_dying(ftc_object *o);
/* Thread records (object.c): the thread's tracked list goes to the orphans. */
void _ftc_gc_thread_fini(struct _ftc_objects_tstate *rec);
void _ftc_gc_after_fork_child(void);
void _ftc_gc_handle_tick(ftc_tstate *ts); /* FTC_EB_GC */
/* FTC_EB_BRC_MERGE with nominations pending (object.c): a hot round, i.e. a stop that converts
 * every pending nomination (refcount_hot.c) and frees the hot objects whose total is zero. */
void _ftc_gc_hot_round(ftc_tstate *ts);
void _ftc_gc_count_alloc(void); /* ftc_object_set_hot counts like an allocation */

/* weakref.c */
/* Detaches o's weak references and clears them (referent NULL) under o's stripe; returns the
 * ones whose callbacks must run (each holding a new reference), chained by wr_pending.
 * skip(w) (may be NULL) says which weak references get no callback (garbage themselves). */
ftc_weakref *_ftc_weakref_clear_all(ftc_object *o, _ftc_gc_head *h, bool (*skip)(ftc_weakref *));
/* Runs the callbacks of a chain from _ftc_weakref_clear_all and drops its references. */
void _ftc_weakref_run_callbacks(ftc_weakref *pending);
void _ftc_weakref_after_fork_child(void);

/* refcount_hot.c: the collector's view of hot objects (world stopped). */
/* Locks hot_mutex, adds every registered thread's counts into the objects, then converts
 * every registered thread's pending nominations to hot; returns how many it converted. */
int64_t _ftc_hot_gc_begin(void);
void _ftc_hot_gc_end(void);     /* unlocks hot_mutex */
size_t _ftc_hot_gc_count(void); /* hot objects registered (between begin and end) */
/* Between begin and end: turns every hot object whose total is zero into an ordinary merged
 * object holding one reference (the caller's, to drop after the world restarts) and stores it
 * in out (at most cap); returns how many. */
size_t _ftc_hot_gc_take_zero(ftc_object **out, size_t cap);
/* Whether any hot object is registered (a hint, read without the lock). */
bool _ftc_hot_registered(void);
/* Between begin and end: makes a hot object an ordinary merged one keeping its total. */
void _ftc_hot_gc_unhot(ftc_object *o);
/* Between begin and end, after take_zero: makes objects converted by contention (not those
 * made hot by ftc_object_set_hot) ordinary merged ones: all of them, or (!all) those some
 * thread dropped references to that it had not taken while hot; returns how many. */
size_t _ftc_hot_gc_demote(bool all);
/* Whether any object converted by contention is hot (a hint, read without the lock). */
bool _ftc_hot_converted_registered(void);
/* A settle (a joined thread, object.c): a hot-only pass that also demotes every converted
 * object (_ftc_hot_gc_demote), so that each is freed by its last decref from then on. */
void _ftc_gc_hot_settle(void);

#endif /* FTCORE_INTERNAL_GC_H */
