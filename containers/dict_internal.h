/* The dict's layout, shared by containers/dict.c (tables, lookup, single-key operations) and
 * containers/dict_ops.c (copy, update, iteration, views).
 *
 * A keys table is one allocation: a header, an index array of `1 << log2_size` slots, each
 * 1, 2, 4 or 8 bytes wide (the narrowest that holds every entry number), and an entries array
 * of `usable` = 2/3 of the slots (the load factor). An index slot holds IX_EMPTY, IX_DUMMY (a
 * deleted entry was here: probing continues past it) or an entry number. Entries are appended
 * in insertion order and never reused within a table: a deleted entry keeps its place with key
 * and value NULL. When the entries run out the table is rebuilt (resize) at a size chosen from
 * the number of live items, which drops the deleted entries and may shrink the table.
 *
 * Invariants (writers hold the dict's critical section):
 *   - index slots change only EMPTY -> entry number -> DUMMY within a table;
 *   - an entry's hash is written once, before the index slot that names it (release store);
 *   - an entry's key changes only from NULL to a key (before publication) and to NULL (delete);
 *   - a table that has been replaced (resize, clear) is never written again, and is freed
 *     through QSBR if the dict is shared (ctr_free_table) because lock-free readers may still
 *     be reading it;
 *   - d->used is the number of live entries; d->keys == NULL means an empty dict.
 */
#ifndef FTCORE_CONTAINERS_DICT_INTERNAL_H
#define FTCORE_CONTAINERS_DICT_INTERNAL_H

#include "ctr.h"

#define IX_EMPTY ((int64_t)-1)
#define IX_DUMMY ((int64_t)-2)
#define DICT_MIN_LOG2 3 /* 8 index slots */

typedef struct dict_entry {
    uint64_t hash;     /* written once before publication */
    ftc_object *key;   /* ft atomic: release stores, acquire loads by lock-free readers */
    ftc_object *value; /* ft atomic */
} dict_entry;

typedef struct dict_keys {
    uint8_t log2_size;    /* index slots = 1 << log2_size */
    uint8_t log2_ixbytes; /* index slot width = 1 << log2_ixbytes bytes */
    int64_t usable;       /* entries capacity */
    int64_t nentries;     /* entries used so far, live or deleted; lock */
    /* followed by the index array, then the entries array */
} dict_keys;

typedef struct ftc_dict_obj {
    FTC_OBJECT_HEAD;
    dict_keys *keys;       /* ft atomic; NULL = empty. Written in a window with a release store */
    int64_t used;          /* ft atomic: live items */
    uint64_t seq;          /* write window (ctr.h); nogil lock-free readers validate against it */
    uint64_t window_depth; /* lock: windows open; only the outermost moves seq (dict_window_*) */
    uint64_t version; /* every mutation; lock. Lookups restart when it moves under a callback */
    uint64_t shape;   /* insertions of new keys, deletions, clears, rebuilds; lock. Iteration */
} ftc_dict_obj;

#define DICT(o) ((ftc_dict_obj *)(o))

/* Opens and closes a write window on d (critical section held). Windows nest: ftc_dict_update
 * keeps one open around all of its insertions, so that a lock-free reader sees d before or
 * after the whole update, never part-way (stress/lin_dict caught a len between two of its
 * insertions), and only the outermost window moves the counter. A depth, not a flag: an eq
 * callback that blocks inside an update suspends its critical section, and another thread's
 * update may then open and close its own window inside the first one's. */
static inline void dict_window_open(ftc_dict_obj *d)
{
    if (d->window_depth++ == 0)
        ctr_window_open(&d->seq);
}
static inline void dict_window_close(ftc_dict_obj *d)
{
    if (--d->window_depth == 0)
        ctr_window_close(&d->seq);
}

static inline int8_t *dk_indices(dict_keys *k) { return (int8_t *)(k + 1); }
static inline dict_entry *dk_entries(dict_keys *k)
{
    return (dict_entry *)((char *)(k + 1) + ((size_t)1 << (k->log2_size + k->log2_ixbytes)));
}

/* A located key: the index slot and the entry (entry < 0 when missing). */
typedef struct dict_loc {
    uint64_t slot;
    int64_t entry;
} dict_loc;

/* Called in the dict's critical section. Finds key (whose hash is given), calling eq callbacks
 * for keys of user types with references held; restarts when the dict changes under a callback.
 * 0 (loc->entry = -1 when missing), FTC_ECHANGED after too many restarts, or a callback code. */
int _ftc_dict_lookup_locked(ftc_dict_obj *d, ftc_object *key, uint64_t hash, dict_loc *loc);
/* Called in the critical section, key known missing: adds (key, value), growing the table if
 * needed. Takes its own references. 0 or FTC_ENOMEM (the dict unchanged). */
int _ftc_dict_insert_new(ftc_dict_obj *d, ftc_object *key, uint64_t hash, ftc_object *value);
/* Called in the critical section: sets key to value, inserting or overwriting. Takes its own
 * references; *old receives the replaced value's reference (NULL if none) for the caller to
 * drop once the dict is consistent. */
int _ftc_dict_set_locked(ftc_dict_obj *d, ftc_object *key, uint64_t hash, ftc_object *value,
                         ftc_object **old);
/* Called in the critical section, by a writer: a table holding at least n live items, filled
 * from ents[0..n) (references moved in, not taken). NULL on allocation failure. */
dict_keys *_ftc_dict_keys_build(const dict_entry *ents, int64_t nents, int64_t n);
/* Critical section: marks every key and value d holds shared (d is becoming shared). */
void _ftc_dict_mark_all_locked(ftc_dict_obj *d);

#endif /* FTCORE_CONTAINERS_DICT_INTERNAL_H */
