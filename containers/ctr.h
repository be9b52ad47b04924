/* Internal helpers shared by the containers (dict, list): the few object-layer services they
 * need, under one set of names, and the write-window counter their lock-free readers validate
 * against.
 *
 * Lock-free readers (nogil build only) rely on three things from the object layer:
 *   1. try-incref: take a reference to an object loaded from a slot without a lock, refusing
 *      one that is already dying, then re-check that the slot still holds it;
 *   2. the objects a shared container holds are marked shared (ftc_object_set_shared), so
 *      that another thread's try-incref can succeed on them and their memory outlives a QSBR
 *      grace period;
 *   3. tables and arrays of a shared container that readers may still see are freed through
 *      QSBR.
 *
 * Private until another thread comes (nogil). A container starts private to the thread that
 * created it (its owner, ob_tid), as in CPython's free-threaded build (_PyObject_GC_SET_SHARED
 * on a dict or list's first use by another thread): while private, nothing it holds is marked
 * and its replaced tables are freed at once, so a VM's thread-private dicts and lists pay no
 * QSBR deferral and no biased-count merge for the objects they drop (a marked object's owner
 * must merge its count when its local count reaches zero). Every public operation calls
 * ctr_check() first, and there, a thread that is not the owner of a container not yet shared
 * makes it shared before it reads or writes anything: inside the container's critical section
 * it marks every key, value or item it holds and then sets FTC_OBF_CTR_SHARED (release).
 * Writers, inside the critical section, mark what they store and free replaced tables through
 * QSBR only when the flag is set. Why that is enough:
 *   - before the flag, only the owner touches the container (any other thread would have set
 *     it first), so what the owner removes or replaces was never seen by another thread;
 *   - a thread that sets the flag does so in the critical section, after every earlier write
 *     (the lock orders them), and reads nothing before that; a thread that finds the flag set
 *     read it with an acquire load that pairs with the release, so its first lock-free load
 *     of a slot or table sees at least the state at marking time: everything reachable from
 *     there is marked (the pass) or was stored marked (writers after it check the flag in the
 *     critical section);
 *   - the owner's own lock-free reads need nothing: objects it finds were marked before any
 *     other thread could remove them, and a table it reads is freed at once only by its own
 *     writes, which it does not overlap with its reads;
 *   - the one place another thread releases a private container's contents without an
 *     operation is its dealloc, when the owner dropped its reference first and another thread
 *     holds the last: the owner may still hold borrowed values until its next quiescent point,
 *     so that dealloc marks them before releasing them (ctr_dealloc_prepare; found by
 *     review: the values used to be freed at once there).
 * The owner's reads of a list skip the write window. While the list is private nobody else
 * writes it, and the owner does not read inside its own windows (no callback runs there), so
 * the window could only catch a non-owner that made the list shared after the owner tested
 * the flag and then wrote. The reader tests the flag and its ownership before the read;
 * ctr_owner_read_valid() tests the flag again after it, behind an acquire fence: if any load
 * of the read saw a store of that other thread, the flag, stored (release) before that
 * thread's first write, is visible, and the reader falls back to the windowed path; if it is
 * still clear, every load saw the owner's own state, which was the list's state at that
 * instant. The memory stays valid either way (marked objects; tables freed through QSBR once
 * shared). list_private: 98 -> 91 instructions per operation, about a fifth less time.
 * A reference taken by such a read (ftc_list_get_ref) skips try-incref and the slot's re-check
 * when the item is owned by the reader, hot or immortal (list.c, incref_cannot_fail): those
 * cannot die by another thread's hand, so a thread that makes the list shared right after the
 * flag's re-check and drops the item from it cannot free it before the reader's incref; any
 * other item takes the try-incref path (ftpy's nbody: ftc_list_get_ref from 76 to 60
 * instructions a call, most of it the six registers its frame used to save and restore). The
 * same for dict lookups cost more than it saved (the probe inlined twice: 141 -> 153
 * instructions in dict_private, 119 -> 125 in dict_shared_read), so dicts keep one path.
 * "Owner" is ob_tid: it becomes FTC_TID_NONE when the owner's own count of the container
 * reaches zero while others hold references (brc.c), after which every thread, the creator
 * included, makes the container shared at its next operation. A non-owner's first operation,
 * even ftc_dict_len, takes the critical section once and marks, which is O(n).
 * The flag is never cleared. In the GIL build none of this exists (the GIL keeps writers out).
 *
 * The write window ("seq"): a counter that a writer makes odd before it changes several
 * reader-visible words that must be seen together, and even again afterwards (a seqlock whose
 * writers are already serialized by the container's critical section). A lock-free reader
 * loads it (acquire) before reading, refuses an odd value, and after reading checks, behind an
 * acquire fence, that it has not moved; otherwise its reads may mix two states and it falls
 * back to the locked path. Writers: relaxed odd store, release fence (pairs with the reader's
 * acquire fence: a reader that saw any store of the window sees the odd value), data stores,
 * release store of the even value (pairs with the reader's acquire load of seq: a reader that
 * starts after the window sees all of it). This is the C11 seqlock of Boehm, "Can seqlocks get
 * along with programming language memory models?" (MSPC 2012), with atomic data accesses.
 * In the GIL build the window is not needed and compiles to nothing.
 */
#ifndef FTCORE_CONTAINERS_CTR_H
#define FTCORE_CONTAINERS_CTR_H

#if !defined(FTC_BUILD_CORE) && !defined(FTC_TESTING_INTERNALS)
#error "internal header: only for building ftcore itself (and its white-box tests)"
#endif

#include "internal/core.h"
#include <ftcore/object.h>
#include <ftcore/qsbr.h>
#include <ftcore/critical_section.h>
#include <ftcore/dict.h>
#include <ftcore/list.h>

/* ---- the caller's thread state ---- */

/* Every public container call (and every critical section) needs an attached thread state: in
 * the GIL build it is what holds the GIL, in the nogil build what the critical sections and the
 * QSBR read side belong to. Without one (a raw pthread, before ftc_runtime_init(), after
 * ftc_runtime_fini(), inside FTC_BEGIN_ALLOW_THREADS) the call is misuse that cannot be
 * returned as a code, so both builds die the same way, naming the public call `func`. The
 * check is one thread-local load and a predicted branch; it runs first, before the arguments
 * are looked at, so the same misuse gives the same message whatever the arguments. */
static FTC_ALWAYS_INLINE void ctr_require_attached(const char *func)
{
    if (FTC_UNLIKELY(_ftc_tstate_current == NULL))
        _ftc_fatal_no_tstate(func); /* critical_section.c */
}

/* ---- object-layer services ---- */

#ifdef FTC_GIL_DISABLED
/* Whether c is shared (see "Private until another thread comes"). In the critical section a
 * relaxed load would do (the flag is set in it); outside, the acquire pairs with the release
 * in _ftc_ctr_make_shared(). */
static inline bool ctr_is_shared(ftc_object *c)
{
    return (ftc_atomic_load_acquire(&c->ob_flags) & FTC_OBF_CTR_SHARED) != 0;
}
/* Makes c shared: its critical section, the marking pass, then the flag. Any thread. */
void _ftc_ctr_make_shared(ftc_object *c);
#else
static inline bool ctr_is_shared(ftc_object *c)
{
    (void)c;
    return false;
}
#endif

/* Whether the calling thread may use c as it is: it owns c, or c is already shared (always
 * in the GIL build). The inline fast paths test this and leave the rest to their out-of-line
 * path, which calls ctr_check(), so that they make no call of their own. */
static inline bool ctr_access_ok(ftc_object *c)
{
#ifdef FTC_GIL_DISABLED
    if (FTC_LIKELY(ctr_is_shared(c)))
        return true;
    return _ftc_tid_is_mine(ftc_atomic_load_relaxed(&c->ob_tid));
#else
    (void)c;
    return true;
#endif
}

/* The owner's reads (see "The owner's reads" above; nogil only, where the window exists):
 * after an unlocked read of a container that was private and owned by the caller when the
 * read began (not ctr_is_shared(), and _ftc_is_owned_by_me()), whether what it read may be
 * used. */
#ifdef FTC_GIL_DISABLED
static inline bool ctr_owner_read_valid(ftc_object *c)
{
    /* Acquire fence, then the flag: if any load of the read saw a store of another thread,
     * the flag's release store (made before that thread's first write) is visible here. */
    ftc_atomic_fence_acquire();
    return (ftc_atomic_load_relaxed(&c->ob_flags) & FTC_OBF_CTR_SHARED) == 0;
}
#endif

#ifdef FTC_GIL_DISABLED
/* Given that the calling thread holds a reference to c (not a borrowed pointer), whether it
 * holds the only one and no other thread can reach c: the caller owns c, its own count is 1,
 * the shared word is 0 (no other thread counts a reference, and c was never marked shared,
 * which publishing it where lock-free readers look, or a weak reference, would have done),
 * and no other thread has used c. Any other thread that reaches c must first get a reference
 * or a borrowed pointer from somewhere that holds one, so none can while this holds, until
 * the caller stores c somewhere. (CPython 3.14t's _PyObject_IsUniquelyReferenced.) Relaxed
 * loads: a stale value can only come from this thread's own earlier stores, or make a test
 * fail. */
static inline bool ctr_held_only_by_me(ftc_object *c)
{
    return _ftc_is_owned_by_me(c) && ftc_atomic_load_relaxed(&c->ob_ref_local) == 1 &&
           ftc_atomic_load_relaxed(&c->ob_ref_shared) == 0 && !ctr_is_shared(c);
}
#endif

/* What every operation on a container c does before it reads or writes c (inside
 * ctr_check()): nothing for c's owner or once c is shared; otherwise makes c shared. */
static inline void ctr_note_access(ftc_object *c)
{
#ifdef FTC_GIL_DISABLED
    if (FTC_LIKELY(ctr_access_ok(c)))
        return;
    _ftc_ctr_make_shared(c);
#else
    (void)c;
#endif
}

#ifdef FTC_GIL_DISABLED
/* Marks everything c (a dict or list) holds (ftc_object_set_shared). Its critical section is
 * held, or nobody else can see c. */
void _ftc_ctr_mark_all(ftc_object *c);
#endif

/* Called by the dealloc of a dict or list before it releases what it holds. A container that
 * was never shared, deallocated by a thread that is not its owner, marks it first: the owner
 * may have dropped its reference while it still holds borrowed pointers into the container,
 * which stay good until its next quiescent point (dict.h); freed at once here they would not.
 * The owner's own dealloc needs nothing (releasing the container is its own removal). */
static inline void ctr_dealloc_prepare(ftc_object *c)
{
#ifdef FTC_GIL_DISABLED
    if (!ctr_is_shared(c) && !_ftc_is_owned_by_me(c))
        _ftc_ctr_mark_all(c);
#else
    (void)c;
#endif
}

/* Critical section of c held: o is being stored into c. If c is shared, marks o so that
 * other threads may find it without a lock (try-incref works, QSBR keeps its memory). */
static inline void ctr_publish(ftc_object *c, ftc_object *o)
{
    if (ctr_is_shared(c))
        ftc_object_set_shared(o);
}

/* A new reference to o, which was loaded (acquire) from *slot without the container's lock;
 * false if o is dying or *slot no longer holds it (no reference taken then). */
static inline bool ctr_try_incref_slot(ftc_object **slot, ftc_object *o)
{
    /* The re-check is an acquire load: pairs with the writer's release store into the slot. */
    return ftc_try_incref_slot(slot, o);
}

/* Frees a table or array that c no longer points to. `shared` is ctr_is_shared(c) read in
 * the critical section that unlinked p: lock-free readers of a shared container may still be
 * reading p, so QSBR frees it after a grace period; a private container's was seen by no one
 * else. */
static inline void ctr_free_table(bool shared, void *p)
{
#ifdef FTC_GIL_DISABLED
    if (shared) {
        ftc_qsbr_free(p);
        return;
    }
#endif
    (void)shared;
    ftc_mem_free(p);
}

static inline bool ctr_is_int(ftc_object *o) { return ftc_type_of(o) == &ftc_int_type; }
static inline bool ctr_is_str(ftc_object *o) { return ftc_type_of(o) == &ftc_str_type; }
static inline bool ctr_is_builtin(ftc_object *o) { return ctr_is_int(o) || ctr_is_str(o); }

/* Equality of two built-in objects (int or str): no callback, never fails. */
bool _ftc_ctr_builtin_eq(ftc_object *a, ftc_object *b);
/* Hash of any object: 0 and *out, FTC_ETYPE if unhashable, or the callback's code. Inline:
 * int and str hash without a call (object.h). */
static inline int _ftc_ctr_hash(ftc_object *o, uint64_t *out)
{
    int rc = ftc_object_hash(o, out);
    return rc < 0 ? rc : 0;
}
/* Equality through callbacks: 1, 0 or a negative code. Identity is equality. Built-ins compare
 * by value; otherwise a's type's eq is asked, then b's; neither having one means identity. */
int _ftc_ctr_eq(ftc_object *a, ftc_object *b);
/* The built-in order of two ints or two strs: 1 if a < b, else 0; FTC_ETYPE for any other
 * pair (the list sort without a compare callback). */
int _ftc_ctr_builtin_less(ftc_object *a, ftc_object *b);

/* Checks a container argument: 0, FTC_EINVAL (NULL) or FTC_ETYPE (another type). Every
 * operation calls it before it touches the container: it also notes the access
 * (ctr_note_access). */
static inline int ctr_check(ftc_object *o, const ftc_type *type)
{
    if (FTC_UNLIKELY(o == NULL))
        return FTC_EINVAL;
    if (FTC_UNLIKELY(ftc_type_of(o) != type))
        return FTC_ETYPE;
    ctr_note_access(o);
    return 0;
}

/* ---- the write window ---- */
#ifdef FTC_GIL_DISABLED
static inline void ctr_window_open(uint64_t *seq)
{
    uint64_t s = ftc_atomic_load_relaxed(seq); /* writers are serialized by the lock */
    ftc_atomic_store_relaxed(seq, s + 1);
    /* Release fence: pairs with the reader's acquire fence in ctr_window_valid(). */
    ftc_atomic_fence_release();
}
static inline void ctr_window_close(uint64_t *seq)
{
    uint64_t s = ftc_atomic_load_relaxed(seq);
    /* Release: pairs with the acquire load in ctr_window_start(). */
    ftc_atomic_store_release(seq, s + 1);
}
/* The counter before a lock-free read; odd means a writer is inside its window. */
static inline uint64_t ctr_window_start(uint64_t *seq)
{
    return ftc_atomic_load_acquire(seq); /* pairs with ctr_window_close() */
}
static inline bool ctr_window_valid(uint64_t *seq, uint64_t start)
{
    ftc_atomic_fence_acquire(); /* pairs with the release fence in ctr_window_open() */
    return ftc_atomic_load_relaxed(seq) == start;
}
#else
/* GIL build: the GIL excludes writers from an unlocked read, so there is nothing to detect. */
static inline void ctr_window_open(uint64_t *seq) { FTC_UNUSED(seq); }
static inline void ctr_window_close(uint64_t *seq) { FTC_UNUSED(seq); }
static inline uint64_t ctr_window_start(uint64_t *seq)
{
    FTC_UNUSED(seq);
    return 0;
}
static inline bool ctr_window_valid(uint64_t *seq, uint64_t start)
{
    FTC_UNUSED(seq);
    FTC_UNUSED(start);
    return true;
}
#endif

#endif /* FTCORE_CONTAINERS_CTR_H */
