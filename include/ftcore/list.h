/** @file
 * The list: a growable array of object references, with lock-free reads in the nogil build.
 *
 * References: no function steals a reference. A function that stores an object takes its own
 * reference; a function that hands an object out returns a new reference the caller must
 * release with ftc_decref(). A NULL list or item argument gives FTC_EINVAL, a list argument
 * that is not a list gives FTC_ETYPE.
 *
 * Indexes are int64_t; a negative index counts from the end (-1 is the last item) wherever an
 * index names an existing item. Out of range: FTC_EINDEX.
 *
 * Threads (see docs/atomicity.md): every single call is atomic with respect to other threads.
 * In the nogil build ftc_list_get_ref, ftc_list_get_borrowed and ftc_list_len take no lock
 * (except the first call, of any kind, by a thread other than the list's owner, which takes
 * it once to share the list: docs/atomicity.md); everything else runs in a critical section
 * on the list. Compound patterns (check the length,
 * then index) are not atomic.
 *
 * The calling thread must have an attached thread state (after ftc_runtime_init(), before
 * ftc_runtime_fini(), outside FTC_BEGIN_ALLOW_THREADS): a call without one dies through
 * ftc_fatal() with "<the call>: no attached thread state", in both builds, whatever the
 * arguments (it is checked first).
 */
#ifndef FTCORE_LIST_H
#define FTCORE_LIST_H

#include <ftcore/runtime.h>
#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/** The object type, complete in <ftcore/object.h> (declared here so this header stands alone). */
typedef struct ftc_object ftc_object;

/** The list type (ftc_type_of(l) == &ftc_list_type). */
extern FTC_API const ftc_type ftc_list_type;

/** Returns a new empty list (a new reference), or NULL with ftc_last_error() = FTC_ENOMEM. */
FTC_API ftc_object *ftc_list_new(void);
/** 1 if l is a list, else 0 (NULL allowed). */
FTC_API int ftc_list_check(ftc_object *l);

/** Appends v (borrowed; the list takes its own reference). 0, FTC_ENOMEM (list unchanged). */
FTC_API int ftc_list_append(ftc_object *l, ftc_object *v);
/** ftc_list_append() for a list the caller holds a reference to (not a borrowed pointer),
 * with the same results and codes. When that reference is the only one (the calling thread
 * made the list and has stored it nowhere yet: an interpreter filling a list display or a
 * comprehension), no other thread can reach the list, and in the nogil build the append then
 * takes no critical section; otherwise it is ftc_list_append(). Calling it with a borrowed
 * pointer (a list held by a structure another thread can reach) is a data race. */
FTC_API int ftc_list_append_unique(ftc_object *l, ftc_object *v);
/** Inserts v before index i (like Python's list.insert: i is clamped to [0, len], negative
 * counts from the end). 0 or a negative code. */
FTC_API int ftc_list_insert(ftc_object *l, int64_t i, ftc_object *v);
/** *out = a new reference to item i. 0, or FTC_EINDEX (*out = NULL). */
FTC_API int ftc_list_get_ref(ftc_object *l, int64_t i, ftc_object **out);
/** *out = item i, BORROWED (no reference taken). 0, or FTC_EINDEX (*out = NULL). The pointer is
 * good until the caller's next quiescent point (a tick, a detach, ftc_qsbr_quiescent(),
 * anything that may block) and only while the caller itself does not remove or replace the
 * item: the rule of ftc_dict_get_borrowed (dict.h), which explains it. In the nogil build a
 * read that validates without the lock writes no shared memory, so concurrent readers of the
 * same items do not contend; a read that finds a write in progress takes the list's lock, and
 * a thread other than the creator marks a private list shared at its first use (ctr.h). */
FTC_API int ftc_list_get_borrowed(ftc_object *l, int64_t i, ftc_object **out);
/** Replaces item i with v (borrowed). 0 or FTC_EINDEX. */
FTC_API int ftc_list_set(ftc_object *l, int64_t i, ftc_object *v);
/** Removes item i and returns it in *out (a new reference: the one the list held). 0 or
 * FTC_EINDEX (*out = NULL; also for an empty list). out may be NULL to drop the item. */
FTC_API int ftc_list_pop(ftc_object *l, int64_t i, ftc_object **out);
/** Removes item i. 0 or FTC_EINDEX. */
FTC_API int ftc_list_del(ftc_object *l, int64_t i);
/** The number of items, or a negative code for a non-list. */
FTC_API int64_t ftc_list_len(ftc_object *l);
/** Appends every item of the list src (which may be l itself: its items are appended once).
 * src is read atomically. 0 or a negative code (l unchanged). */
FTC_API int ftc_list_extend(ftc_object *l, ftc_object *src);
/** Returns a new list of items [start, stop) (Python slice rules without a step: negative
 * bounds count from the end, both clamped to [0, len]). NULL with ftc_last_error() set. */
FTC_API ftc_object *ftc_list_slice(ftc_object *l, int64_t start, int64_t stop);
/** Replaces the items [start, stop) with the items of the list src, in order, as one atomic
 * step: Python's `l[start:stop] = src` and, with src NULL, `del l[start:stop]`. The bounds
 * follow ftc_list_slice (negative counts from the end, both clamped to [0, len]; a stop below
 * start means an empty slice at start, where src's items are inserted), applied to the
 * length at that step. src may have any length (the list grows or shrinks) and may be l
 * itself (its items as they were before). 0, or a negative code with l unchanged: FTC_ENOMEM,
 * or FTC_EINVAL / FTC_ETYPE for l, or for src when it is not NULL and not a list. */
FTC_API int ftc_list_set_slice(ftc_object *l, int64_t start, int64_t stop, ftc_object *src);
/** A new list with the same items (a new reference), or NULL with ftc_last_error() set. */
FTC_API ftc_object *ftc_list_copy(ftc_object *l);
/** The index of the first item equal to v (identity, or the items' eq callbacks), or FTC_EKEY
 * when none is, or a callback's code. If eq callbacks change the list, the search goes on over
 * the list as it is then (bounded by its current length), like Python's list.index. */
FTC_API int64_t ftc_list_index(ftc_object *l, ftc_object *v);
/** 1 if some item equals v, 0 if none, or a negative code. */
FTC_API int ftc_list_contains(ftc_object *l, ftc_object *v);
/** Reverses the list in place. 0 or a negative code. */
FTC_API int ftc_list_reverse(ftc_object *l);
/** Removes every item. 0 or a negative code. */
FTC_API int ftc_list_clear(ftc_object *l);

/** The sort's compare callback: returns 1 if a sorts before b (a < b), 0 if not, or a negative
 * error code, like Python's __lt__. */
typedef int (*ftc_list_less_fn)(ftc_object *a, ftc_object *b, void *arg);
/** Sorts the list in place, stable, ascending by less (reverse != 0 sorts descending and is
 * still stable). The sort runs on a private copy: the list keeps its items while less runs.
 * If less fails, its code is returned and the list is unchanged. If the list is changed while
 * sorting (by less, or by another thread while less blocks), the sorted copy is dropped, the
 * list keeps what the change left, and FTC_ECHANGED is returned. Nothing is leaked. */
FTC_API int ftc_list_sort(ftc_object *l, ftc_list_less_fn less, void *arg, int reverse);

FTC_EXTERN_C_END

#endif /* FTCORE_LIST_H */
