/* The list's layout, shared by containers/list.c (storage and item operations) and
 * containers/list_ops.c (extend, slices, search, reverse, sort).
 *
 * A list points to an items array that carries its own capacity and its own size, so a
 * lock-free reader that loaded one array pointer bound-checks against that array and never
 * against a length belonging to another array.
 *
 * Invariants (writers hold the list's critical section):
 *   - in the current array, every slot at or past `size` is NULL, at every instant: a growing
 *     write stores the new size before filling the new slots; a shrinking write clears slots
 *     before storing the smaller size. So a non-NULL slot a reader loads from the current
 *     array is an item of the list at that instant;
 *   - every store into a slot a reader can see is a release store of one pointer; writes that
 *     move several items in place (insert or delete before the end, reverse, the end of a
 *     sort, a multi-item extend) happen inside a write window (ctr.h) that lock-free readers
 *     validate against;
 *   - a replaced array (grown, shrunk, cleared) is never written again and is freed through
 *     QSBR if the list is shared (ctr.h); its items' references move to the new array or are
 *     released;
 *   - items == NULL means an empty list with no storage.
 */
#ifndef FTCORE_CONTAINERS_LIST_INTERNAL_H
#define FTCORE_CONTAINERS_LIST_INTERNAL_H

#include "ctr.h"

typedef struct list_items {
    int64_t capacity;   /* immutable */
    int64_t size;       /* ft atomic */
    ftc_object *item[]; /* ft atomic slots */
} list_items;

typedef struct ftc_list_obj {
    FTC_OBJECT_HEAD;
    list_items *items; /* ft atomic; release store when replaced */
    uint64_t seq;      /* write window for in-place multi-slot writes (ctr.h) */
    uint64_t version;  /* every mutation; lock. Sort and search detect changes with it */
} ftc_list_obj;

#define LIST(o) ((ftc_list_obj *)(o))

/* A zeroed array of the given capacity (size 0), or NULL. */
list_items *_ftc_list_items_alloc(int64_t capacity);
/* The capacity to allocate for n items (over-allocates for amortized growth). */
int64_t _ftc_list_grow_capacity(int64_t n);
/* Critical section: replaces the array with `na` (release store) and frees the old one (through
 * QSBR if l is shared; its references must have been moved to na or released by the caller). */
void _ftc_list_publish(ftc_list_obj *l, list_items *na);
/* Critical section: appends src[0..m) (new references taken) as one atomic change.
 * 0 or FTC_ENOMEM (l unchanged). */
int _ftc_list_extend_locked(ftc_list_obj *l, ftc_object *const *src, int64_t m);
/* Critical section: marks every item l holds shared (l is becoming shared). */
void _ftc_list_mark_all_locked(ftc_list_obj *l);
/* A new list holding new references to src[0..n); NULL with ftc_last_error() set. */
ftc_object *_ftc_list_from_array(ftc_object *const *src, int64_t n);

#if FTC_DEBUG_LEVEL >= 3
/* The full-structure check (expensive; the fuzz build runs it). Critical section held. */
void _ftc_list_check(ftc_list_obj *l);
#define LIST_CHECK(l) _ftc_list_check(l)
#else
#define LIST_CHECK(l) ((void)0)
#endif

static inline int64_t list_size_locked(ftc_list_obj *l) { return l->items ? l->items->size : 0; }

#endif /* FTCORE_CONTAINERS_LIST_INTERNAL_H */
