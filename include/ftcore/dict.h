/** @file
 * The dict: compact, insertion-ordered, with lock-free reads in the nogil build.
 *
 * A dict maps hashable keys to values. Built-in int and str keys hash and compare without any
 * callback; keys of user types use their type's hash and eq callbacks (a type without a hash
 * callback is unhashable: FTC_ETYPE). Iteration order is insertion order; overwriting the value
 * of a present key keeps its place.
 *
 * References: no function steals a reference. A function that stores an object takes its own
 * reference; a function that hands an object out returns a new reference the caller must
 * release with ftc_decref(). Every function given a NULL container, key or value returns
 * FTC_EINVAL, and one given an object that is not a dict returns FTC_ETYPE.
 *
 * Callbacks: a failing hash or eq callback's code is returned unchanged and the dict is left as
 * it was. Callbacks may mutate the dict being read (or block, letting other threads mutate
 * it): the operation notices and restarts its lookup; after FTC_DICT_MAX_RESTARTS restarts in a
 * row it gives up with FTC_ECHANGED.
 *
 * Threads (see docs/atomicity.md): every single call is atomic with respect to other threads
 * (ftc_dict_update: see below; ftc_dict_next: each step). In the nogil build ftc_dict_get_ref,
 * ftc_dict_get_borrowed, ftc_dict_contains and ftc_dict_len take no lock (for int and str keys,
 * and for the very key object stored; other user-type keys need their eq callback, which runs
 * only under the lock; and except the first call, of any kind, by a thread other than the
 * dict's owner, which takes the lock once to share the dict: docs/atomicity.md); everything
 * else runs in a critical section on the dict. A caller that needs several calls to act as one
 * wraps them in FTC_BEGIN_CRITICAL_SECTION(d).
 *
 * The calling thread must have an attached thread state (after ftc_runtime_init(), before
 * ftc_runtime_fini(), outside FTC_BEGIN_ALLOW_THREADS): a call without one dies through
 * ftc_fatal() with "<the call>: no attached thread state", in both builds, whatever the
 * arguments (it is checked first).
 */
#ifndef FTCORE_DICT_H
#define FTCORE_DICT_H

#include <ftcore/runtime.h>
#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/** The object type, complete in <ftcore/object.h> (declared here so this header stands alone). */
typedef struct ftc_object ftc_object;

/** Consecutive restarts of one lookup (each caused by a callback or another thread changing the
 * dict while an eq callback ran) before the call gives up with FTC_ECHANGED. */
#define FTC_DICT_MAX_RESTARTS 64

/** The dict type (ftc_type_of(d) == &ftc_dict_type). */
extern FTC_API const ftc_type ftc_dict_type;

/** Returns a new, empty dict (a new reference), or NULL with ftc_last_error() = FTC_ENOMEM. */
FTC_API ftc_object *ftc_dict_new(void);

/** 1 if d is a dict, else 0 (NULL allowed). */
FTC_API int ftc_dict_check(ftc_object *d);

/** Maps key to value (both borrowed; the dict takes its own references). 0, or FTC_ETYPE
 * (unhashable key), FTC_ENOMEM (the dict unchanged), or a callback's code. */
FTC_API int ftc_dict_set(ftc_object *d, ftc_object *key, ftc_object *value);

/** Looks key up. 1: found, *value is a new reference; 0: missing, *value = NULL; negative:
 * an error code, *value = NULL. */
FTC_API int ftc_dict_get_ref(ftc_object *d, ftc_object *key, ftc_object **value);

/** Looks key up without taking a reference (the read a VM does for a value it only looks at).
 * 1: found, *value is BORROWED; 0: missing, *value = NULL; negative: an error code.
 * The borrowed pointer is good until the caller's next quiescent point (a tick, a detach,
 * ftc_qsbr_quiescent(), anything that may block) and only while the caller itself does not
 * remove or replace the value; the same rule holds in both builds (GIL build: another thread
 * can run only at those points; nogil: the values of a dict that a thread other than its
 * owner (the thread that created it) has used, or that another thread deallocates, are freed
 * only after a QSBR grace period, so their memory outlives the caller's next quiescent state
 * even if another thread removes them at once; a dict only its owner ever used is changed
 * only by the owner). Within that span the caller may read the object's type and the
 * contents of immutable built-ins (an int's value, a str's bytes). Before relying on any
 * other object's contents, or to keep it past that point, take a reference with
 * ftc_try_incref(): false means another thread has just dropped its last reference (treat
 * the value as removed). The nogil build takes no lock here for int and str keys, and takes no
 * reference on the value, so concurrent readers of a popular value do not contend on its count
 * (gh-131988; ftc_dict_get_ref has to count one, on a line every such reader then shares). It
 * writes no shared memory when the key passed is the very object stored (an interned or cached
 * key, or the same object) and no other stored key of the same hash is on its probe; a stored
 * key of the same hash that is not the object passed (an equal one, such as another str with
 * the same bytes or another int object with the same value, or a colliding one) is compared
 * holding a reference to it, so the read increfs and decrefs that key's count. Writes also
 * happen on the locked fallback (a write in progress, a key of a type with its own hash or eq:
 * the dict's lock), and once when a thread other than the creator first uses a private dict
 * (containers/ctr.h). */
FTC_API int ftc_dict_get_borrowed(ftc_object *d, ftc_object *key, ftc_object **value);

/** 1 if key is present, 0 if not, or a negative code. */
FTC_API int ftc_dict_contains(ftc_object *d, ftc_object *key);

/** Removes key: 0, FTC_EKEY when missing, or a negative code. */
FTC_API int ftc_dict_del(ftc_object *d, ftc_object *key);

/** Removes key and returns its value. 1: found, *value is a new reference (the one the dict
 * held); 0: missing, *value = NULL (use ftc_dict_del for a KeyError-like code); negative: an
 * error code. */
FTC_API int ftc_dict_pop(ftc_object *d, ftc_object *key, ftc_object **value);

/** If key is present, *out = a new reference to its value and returns 1; otherwise maps key to
 * dflt, *out = a new reference to dflt and returns 0. Negative code on failure (*out = NULL). */
FTC_API int ftc_dict_setdefault_ref(ftc_object *d, ftc_object *key, ftc_object *dflt,
                                    ftc_object **out);

/** The number of items, or a negative code (FTC_EINVAL, FTC_ETYPE) for a non-dict. */
FTC_API int64_t ftc_dict_len(ftc_object *d);

/** Removes every item. 0 or a negative code (never FTC_ENOMEM). */
FTC_API int ftc_dict_clear(ftc_object *d);

/** Returns a new dict with the same items in the same order (a new reference), or NULL with
 * ftc_last_error() set (FTC_EINVAL, FTC_ETYPE, FTC_ENOMEM). */
FTC_API ftc_object *ftc_dict_copy(ftc_object *d);

/** Sets every item of the dict `other` into d, in other's order. other is read atomically (a
 * snapshot taken under its lock, with the hashes it stored: no hash callback runs); the items
 * are then set in one critical section on d, inside one write window: other threads, lock-free
 * readers included, see d before or after the whole update (unless an eq callback of a user
 * key type blocks, which lets them in part-way). An eq callback (keys of user types) failing
 * part-way leaves the items before it set and returns its code; FTC_ENOMEM likewise. d may be
 * other. */
FTC_API int ftc_dict_update(ftc_object *d, ftc_object *other);

/** A position in an iteration of a dict (initialize it with FTC_DICT_POS_INIT):
 * @code
 * ftc_dict_pos pos = FTC_DICT_POS_INIT;
 * while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) { ...; ftc_decref(k); ftc_decref(v); }
 * @endcode
 * rc is 0 at the end, FTC_ECHANGED if a key was added or removed (or the table rebuilt) since
 * the first call, or another negative code. Overwriting the value of a present key during
 * iteration is allowed. key or value may be NULL when not wanted; the others are new references. */
typedef struct ftc_dict_pos {
    int64_t index;  /**< next entry to look at */
    uint64_t shape; /**< the dict's shape counter when iteration started */
    int started;    /**< nonzero once ftc_dict_next() has been called with this position */
} ftc_dict_pos;
/** The initial value of an ftc_dict_pos: iteration from the first entry. */
#define FTC_DICT_POS_INIT \
    {                     \
        0, 0, 0           \
    }
/** Steps an iteration: 1 with the next key and value (new references, where not NULL), 0 at the
 * end, FTC_ECHANGED when keys were added or removed since the first call (see ftc_dict_pos). */
FTC_API int ftc_dict_next(ftc_object *d, ftc_dict_pos *pos, ftc_object **key, ftc_object **value);

/** @{ */
/** New lists (new references) of the keys, the values, and the items, in iteration order; each
 * item is a new 2-element list [key, value]. NULL with ftc_last_error() set on failure. */
FTC_API ftc_object *ftc_dict_keys(ftc_object *d);
FTC_API ftc_object *ftc_dict_values(ftc_object *d);
FTC_API ftc_object *ftc_dict_items(ftc_object *d);
/** @} */

FTC_EXTERN_C_END

#endif /* FTCORE_DICT_H */
