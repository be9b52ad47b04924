/** @file
 * Objects, types and reference counts; the built-in int and str; immortal and hot objects.
 *
 * Every ftcore object starts with FTC_OBJECT_HEAD (CPython's PyObject_HEAD). Its layout
 * depends on the build, which is why the struct is complete here and a program must link
 * the variant its <ftcore/config.h> names:
 *
 *   GIL build (16 bytes)        nogil build (32 bytes)
 *     uint64_t ob_refcnt          uintptr_t ob_tid        owner thread (FTC_TID_NONE: none,
 *                                                         FTC_TID_HOT: a hot object)
 *     const ftc_type *ob_type     uint16_t  ob_flags      FTC_OBF_* (set before publication)
 *                                 ftc_mutex ob_mutex      the critical sections' lock
 *                                 uint8_t   ob_gc_bits    line-transfer signal (below)
 *                                 uint32_t  ob_ref_local  owner's count; FTC_REF_IMMORTAL
 *                                 intptr_t  ob_ref_shared count << 2 | FTC_REF_* state
 *                                 const ftc_type *ob_type
 *
 * GIL build: the GIL orders every access, counts are plain integers; an immortal object's
 * count is at least FTC_REFCNT_IMMORTAL and never changes.
 *
 * nogil build, biased reference counting (Choi et al., PACT 2018; CPython PEP 703). The
 * thread that created an object owns it and counts its own references in ob_ref_local
 * without atomic read-modify-writes (a relaxed store: other threads only read it to test for
 * immortality). Any other thread counts in ob_ref_shared atomically. The total is
 * local + (shared >> 2); the shared part alone may be negative. The low two bits of
 * ob_ref_shared:
 *   FTC_REF_SHARED_INIT (0b00)   nothing special
 *   FTC_REF_MAYBE_SHARED (0b01)  published where lock-free readers may find it (a dict or
 *                                list that another thread uses sets it with
 *                                ftc_object_set_shared() on what it holds); the memory is then
 *                                freed only after a QSBR grace period; also keeps the word
 *                                non-zero so that try-incref works (below)
 *   FTC_REF_QUEUED (0b10)        a non-owner's decref found the shared count at zero: instead
 *                                of going negative it queued the object to its owner, whose
 *                                next tick merges the counts; the queue owns that reference
 *   FTC_REF_MERGED (0b11)        the counts were merged: ob_ref_local is 0, ob_tid is
 *                                FTC_TID_NONE and every thread uses the shared count; the
 *                                decref that takes it to zero frees the object
 * Try-incref (for readers that found the pointer without a lock) refuses an object whose
 * shared word is 0 (the owner may free it without telling anyone) or exactly MERGED (count
 * zero: dying); then the reader re-checks that the slot still holds the pointer.
 *
 * Hot objects (nogil): shared by design and touched by every thread (types, constants, sync
 * primitives, a workload's shared dict). ftc_object_set_hot() gives the object a unique id;
 * from then on every thread counts its references to it in a private per-thread array
 * indexed by that id, so increfs and decrefs never contend. Nobody knows the total between
 * collections, so a hot object is never freed by a decref: it is freed by the first
 * collection (ftc_gc_collect() in gc.h, automatic or explicit, or its alias
 * ftc_object_collect_hot(): it stops the world, adds every thread's counts into the object,
 * and frees the hot objects whose total is zero, chains included) after its last reference
 * went away, or at ftc_runtime_fini(); objects also become hot by themselves when their count
 * is contended (docs/internals/refcounting.md): those are freed the same way, or by the hot
 * round that the converting thread runs at a tick, and ftc_thread_join() settles them: it
 * frees the dead ones and turns the others back into ordinary objects, freed by their last
 * decref again (so an object every thread that used it was joined dies when its last reference
 * goes, as a language with prompt destruction needs). A thread that exits adds its counts
 * into the objects first. In the GIL build counts are plain already; a hot object is an ordinary one there
 * (freed at zero), and a collection finds only cycles. A hot object is marked twice: FTC_OBF_HOT in its
 * flags (what the slow paths test) and FTC_TID_HOT as its owner (what the count paths test:
 * they load ob_tid for the owner check anyway, so hotness costs them one more compare of a
 * register, not another load; ftc_incref and ftc_decref make that compare in their
 * out-of-line half, below). FTC_TID_HOT is no thread's id, so nobody owns a hot object.
 */
#ifndef FTCORE_OBJECT_H
#define FTCORE_OBJECT_H

#include <ftcore/runtime.h>
#include <ftcore/mutex.h>
#include <ftcore/eval.h>

FTC_EXTERN_C_BEGIN

/** The object header that every ftcore object starts with (layout above; FTC_OBJECT_HEAD). */
typedef struct ftc_object ftc_object;

/** The visitor a type's traverse calls for each object reference it holds (gc.h); a nonzero
 * return stops the traversal and traverse returns it. */
typedef int (*ftc_visitproc)(ftc_object *obj, void *arg);

/** A type: its name, size and the callbacks the core calls. Static and immortal in practice. */
typedef struct ftc_type {
    const char *name;                             /**< for messages */
    size_t basicsize;                             /**< bytes, header included */
    void (*dealloc)(ftc_object *self);            /**< releases what self holds, may be NULL;
                                                        the core frees the memory */
    int (*hash)(ftc_object *self, uint64_t *out); /**< 0 or a negative code; NULL = unhashable */
    int (*eq)(ftc_object *self,
              ftc_object *other); /**< 1, 0, or a negative code; NULL = identity */
    /** Calls visit on every object reference self holds; returns the first nonzero visit
     * result, or 0. Non-NULL makes the type's heap objects tracked by the cycle collector
     * (gc.h says when it is called and what it may do). NULL = untracked. */
    int (*traverse)(ftc_object *self, ftc_visitproc visit, void *arg);
    /** Drops the references self holds, to break a cycle (gc.h); 0 or a negative code.
     * NULL = the type cannot break a cycle itself. */
    int (*clear)(ftc_object *self);
    /* more fields as needed, appended, zero = default */
} ftc_type;

#ifdef FTC_GIL_DISABLED

/** The nogil object header (32 bytes on 64-bit); the GIL build's is ob_refcnt and ob_type. */
struct ftc_object {
    uintptr_t ob_tid;        /**< owner thread (FTC_TID_NONE: none, FTC_TID_HOT: hot) */
    uint16_t ob_flags;       /**< FTC_OBF_* */
    ftc_mutex ob_mutex;      /**< the critical sections' lock */
    uint8_t ob_gc_bits;      /**< line-transfer signal: tag | count (FTC_LINE_*) */
    uint32_t ob_ref_local;   /**< the owner's count; FTC_REF_IMMORTAL for an immortal object */
    intptr_t ob_ref_shared;  /**< other threads' count << FTC_REF_SHARED_SHIFT | FTC_REF_* */
    const ftc_type *ob_type; /**< the object's type */
};

#define FTC_TID_NONE ((uintptr_t)0) /**< no owner: every thread uses the shared count */
#define FTC_TID_HOT (~(uintptr_t)0) /**< hot: every thread counts in its own slot */
#define FTC_REF_IMMORTAL UINT32_MAX /**< ob_ref_local of an immortal object */
#define FTC_REF_SHARED_SHIFT 2      /**< ob_ref_shared: the count is above 2 state bits */
#define FTC_REF_SHARED_FLAG_MASK ((intptr_t)3) /**< ob_ref_shared: the state bits */
#define FTC_REF_SHARED_INIT ((intptr_t)0)      /**< state: nothing special */
#define FTC_REF_MAYBE_SHARED ((intptr_t)1)     /**< state: published for lock-free readers */
#define FTC_REF_QUEUED ((intptr_t)2)           /**< state: queued to its owner for a merge */
#define FTC_REF_MERGED ((intptr_t)3)           /**< state: counts merged into the shared word */

/** ob_flags: atomic (relaxed); HOT and HEAP are set before publication, QSBR by fetch-or. */
#define FTC_OBF_HEAP ((uint16_t)1) /**< allocated by ftc_object_new: the core frees it */
#define FTC_OBF_HOT ((uint16_t)2)  /**< per-thread counted; ob_ref_local holds its id */
#define FTC_OBF_QSBR ((uint16_t)4) /**< ever shared: memory freed after a grace period */
#define FTC_OBF_NOMINATED \
    ((uint16_t)16) /**< nominated for conversion to hot by a contended count (refcount_hot.c) */
#define FTC_OBF_LINE_QUIET \
    ((uint16_t)32) /**< demoted after a release: not nominated by line transfers again */
#define FTC_OBF_CTR_SHARED \
    ((uint16_t)8) /**< a dict or list used by a thread not its owner:
                                              * what it holds is marked (containers/ctr.h) */

/** ob_gc_bits: the cache-line transfer signal of the non-owner count paths (refcount_hot.c).
 * Low 3 bits: the tag (_ftc_tls_tid & FTC_LINE_TAG_MASK) of the last non-owner thread that
 * counted in the shared word; high 5 bits: a saturating count of tag changes. Zero at
 * allocation; relaxed atomic byte loads and stores, lost updates allowed (a heuristic). */
#define FTC_LINE_TAG_MASK ((uint8_t)7)

/** The initializer of a static (immortal) object's header: see FTC_OBJECT_HEAD. */
#define FTC_OBJECT_STATIC_INIT(type)                                                 \
    {                                                                                \
        FTC_TID_NONE, 0, FTC_MUTEX_INIT, 0, FTC_REF_IMMORTAL, FTC_REF_MERGED, (type) \
    }

#else /* GIL build */

struct ftc_object {
    uint64_t ob_refcnt;
    const ftc_type *ob_type;
};

#define FTC_REFCNT_IMMORTAL (UINT64_C(1) << 62)
#define FTC_OBJECT_STATIC_INIT(type) \
    {                                \
        FTC_REFCNT_IMMORTAL, (type)  \
    }

#endif

/* The ABI tag (runtime.h) describes this header: keep the two in step. */
/// @cond
#ifdef __cplusplus
static_assert(sizeof(struct ftc_object) == FTC_ABI_OBJECT_HEADER_SIZE,
              "FTC_ABI_OBJECT_HEADER_SIZE does not describe struct ftc_object");
#else
_Static_assert(sizeof(struct ftc_object) == FTC_ABI_OBJECT_HEADER_SIZE,
               "FTC_ABI_OBJECT_HEADER_SIZE does not describe struct ftc_object");
#endif
/// @endcond

/** The first member of a user type's struct:  typedef struct { FTC_OBJECT_HEAD; int64_t v; } t;
 * A static (immortal) object of such a type: static t x = { FTC_OBJECT_STATIC_INIT(&type), 5 };
 * whose counts never change and which is never freed. */
#define FTC_OBJECT_HEAD ftc_object ob_base

/** Casts a pointer to a user object (a struct starting with FTC_OBJECT_HEAD) to ftc_object *. */
#define FTC_OBJ(p) ((ftc_object *)(p))

/** A new object of type (zero-filled past the header) holding one reference; NULL on failure
 * (ftc_last_error(): FTC_ENOMEM, or FTC_EINVAL if basicsize is smaller than the header). */
FTC_API ftc_object *ftc_object_new(const ftc_type *type);
/** Like ftc_object_new, for a variable-size object: size bytes (header included, at least
 * type->basicsize, zero-filled past the header), e.g. a tuple with its items inline. NULL with
 * ftc_last_error() = FTC_EINVAL (size below basicsize or the header) or FTC_ENOMEM. */
FTC_API ftc_object *ftc_object_new_var(const ftc_type *type, size_t size);

static inline const ftc_type *ftc_type_of(ftc_object *o) { return o->ob_type; }


/** Makes o immortal: its counts never change again and no decref frees it. A heap object made
 * immortal is remembered and freed (its dealloc run) by ftc_runtime_fini(); do not use it
 * after that. Call it before other threads can see o, holding a reference. Returns 0, or
 * FTC_ENOMEM (o unchanged). Static objects (FTC_OBJECT_STATIC_INIT) are immortal already. */
FTC_API int ftc_object_immortalize(ftc_object *o);
/** Whether o is immortal (static, or made so by ftc_object_immortalize()). */
FTC_API bool ftc_object_is_immortal(ftc_object *o);

/** The total reference count (exact only while no other thread changes it; immortal objects
 * report a large constant). For tests and debugging. */
FTC_API int64_t ftc_object_refcount(ftc_object *o);

/** Number of heap objects allocated and not yet freed, process-wide (exact when no thread is
 * changing it). Objects waiting for a QSBR grace period count as freed, and so do hot objects
 * whose total is zero (dead; the next collection, automatic or explicit, or hot round frees
 * them). */
FTC_API int64_t ftc_object_live_count(void);

/* ---- out-of-line slow paths (do not call directly) ---- */
/** Declared in both builds so that both export the same symbols (docs/architecture.md); the
 * GIL build's
 * inline paths never call the BRC and hot ones (there they mean plain counting). */
FTC_API void _ftc_object_dealloc(ftc_object *o);
FTC_API void _ftc_object_merge_zero_local(ftc_object *o);
FTC_API void _ftc_object_decref_shared(ftc_object *o);
/** A non-owner's decref whose inline CAS lost a race (the count is contended): may nominate
 * o for per-thread counting (refcount_hot.c), then does what _ftc_object_decref_shared does. */
FTC_API void _ftc_object_decref_contended(ftc_object *o);
/** ftc_try_incref's loop after its inline CAS lost a race: may nominate o (as above). */
FTC_API bool _ftc_object_try_incref_contended(ftc_object *o);
/** ftc_incref / ftc_decref of an object that is neither the caller's nor immortal (a hot
 * object's slot, the shared word; src/refcount_hot.c). */
FTC_API void _ftc_object_incref_other(ftc_object *o);
FTC_API void _ftc_object_decref_other(ftc_object *o);
/** A non-owner that counts in o's shared word found ob_gc_bits different from its own tag
 * with a zero count: another non-owner wrote the line since (a transfer), or the count decays
 * (refcount_hot.c); may nominate o. The caller holds a reference to o. */
FTC_API void _ftc_object_line_moved(ftc_object *o);
FTC_API void _ftc_object_hot_incref(ftc_object *o);
FTC_API void _ftc_object_hot_decref(ftc_object *o);
/** The calling thread's count of hot object o went below zero: it dropped a reference it did
 * not take while o was hot, so o may be dying; if o was converted by contention, asks for a
 * round at this thread's next tick (refcount_hot.c: it frees o if dead, else demotes it). */
FTC_API void _ftc_object_hot_released(ftc_object *o);
/** The calling thread's counts of hot objects, by id (refcount_hot.c keeps them in step with
 * its record; only this thread writes them, the collector reads them with the world stopped).
 * One thread-local struct, so that the inline path computes one thread-local address (one
 * __tls_get_addr in position-independent code) for both fields. */
typedef struct _ftc_hot_tls {
    int64_t *slots;
    size_t nslots;
} _ftc_hot_tls;
extern FTC_API FTC_THREAD_LOCAL _ftc_hot_tls _ftc_hot;
/** The calling thread's owner id (BRC): assigned with its first thread state, never reused,
 * never FTC_TID_NONE or FTC_TID_HOT; FTC_TID_UNREGISTERED before that, which no object's
 * ob_tid ever holds, so that the owner test is one compare. */
extern FTC_API FTC_THREAD_LOCAL uintptr_t _ftc_tls_tid;
#define FTC_TID_UNREGISTERED ((uintptr_t)1) /**< _ftc_tls_tid of a thread without an owner id yet */
FTC_API void _ftc_object_set_shared_slow(ftc_object *o);

/* ---- the reference-count fast paths ---- */
#ifdef FTC_GIL_DISABLED

/** Whether tid (an object's ob_tid) is the calling thread's own id. Relaxed loads of ob_tid
 * suffice: the owner's id only changes from our own id to FTC_TID_NONE (by a merge that runs
 * on the owner thread or with the owner gone) or to FTC_TID_HOT (by set_hot, on the owner
 * thread, before publication), so a stale value never equals ours wrongly. A thread without
 * an id (FTC_TID_UNREGISTERED, which no ob_tid holds) owns nothing: objects it makes are
 * ownerless. One compare: the test of ob_tid against FTC_TID_NONE that this used to add cost
 * two instructions on every owner-path count (refcount_private, an incref and a decref:
 * 26 -> 21 instructions per operation; GIL build 19). */
static inline bool _ftc_tid_is_mine(uintptr_t tid) { return tid == _ftc_tls_tid; }

static inline bool _ftc_is_owned_by_me(ftc_object *o)
{
    return _ftc_tid_is_mine(ftc_atomic_load_relaxed(&o->ob_tid));
}

static inline bool _ftc_object_is_hot(ftc_object *o)
{
    /* Relaxed: FTC_OBF_HOT is set before publication; the field is atomic because
     * FTC_OBF_QSBR may be or-ed in later by another thread. */
    return (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) != 0;
}

/** A hot object's id is in ob_ref_local (already loaded by the caller as `id`). */
static inline void _ftc_hot_add(ftc_object *o, uint32_t id, int64_t delta)
{
    _ftc_hot_tls *hot = &_ftc_hot;
    if (FTC_LIKELY(id < hot->nslots)) {
        /** Relaxed load and store, this thread only: no read-modify-write, no contention. */
        int64_t *slot = &hot->slots[id];
        ftc_atomic_store_relaxed(slot, ftc_atomic_load_relaxed(slot) + delta);
    } else if (delta > 0) {
        _ftc_object_hot_incref(o);
    } else {
        _ftc_object_hot_decref(o);
    }
}

/** The inline paths (ftc_incref, ftc_decref) hold only the two cases every program hits
 * most, both decided by ob_tid and ob_ref_local (two relaxed loads from the header's first 16
 * bytes): the owner first (a plain count in ob_ref_local), then an immortal object
 * (ob_ref_local is FTC_REF_IMMORTAL: nothing to do). Everything else (a hot object's slot, a
 * non-owner's atomic on the shared word, contention) is one out-of-line call,
 * _ftc_object_incref_other / _ftc_object_decref_other (src/refcount_hot.c).
 * Measured (issue 18, docs/internals/refcounting.md): in ftpy's programs (one thread) owner
 * and immortal changes are 75-95% of all, hot ones the rest, non-owner shared ones almost
 * none; the whole nogil decref (owner, hot, immortal, the shared CAS) was too big for GCC to
 * inline, so every decref was a call. This shape: 1.6% fewer instructions over ftpy's
 * programs (geometric mean), owner paths unchanged. Forcing inlining (always_inline) or
 * keeping the hot slot inline both cost more instructions than they saved (register pressure
 * at the many cold call sites); GCC still keeps a small out-of-line copy in a few large TUs.
 * Why the owner test needs nothing else: an owned object is never immortal nor hot
 * (ftc_object_immortalize takes the owner away, FTC_TID_NONE; ftc_object_set_hot and a
 * conversion make it FTC_TID_HOT, before the object is shared or with the world stopped;
 * static immortals never have one). Why the immortal test is exact for a non-owner: only the
 * owner writes ob_ref_local; others read FTC_REF_IMMORTAL (stored before publication), a hot
 * object's id (stored before ob_tid := FTC_TID_HOT; never FTC_REF_IMMORTAL), or an owned
 * object's count, below FTC_REF_IMMORTAL (2^32 - 1 owner references are outside the design),
 * which it does not act on: the out-of-line path loads both fields again. */
static inline void ftc_incref(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    uint32_t local = ftc_atomic_load_relaxed(&o->ob_ref_local);
    if (FTC_LIKELY(_ftc_tid_is_mine(tid)))
        ftc_atomic_store_relaxed(&o->ob_ref_local, local + 1);
    else if (local != FTC_REF_IMMORTAL)
        _ftc_object_incref_other(o);
}

/** Drops a reference to o (frees o when it was the last; see the paths above). */
static inline void ftc_decref(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    uint32_t local = ftc_atomic_load_relaxed(&o->ob_ref_local);
    if (FTC_LIKELY(_ftc_tid_is_mine(tid))) {
        local--;
        ftc_atomic_store_relaxed(&o->ob_ref_local, local);
        if (FTC_UNLIKELY(local == 0))
            _ftc_object_merge_zero_local(o);
    } else if (local != FTC_REF_IMMORTAL) {
        _ftc_object_decref_other(o);
    }
}

/** Takes a new reference to o unless o is dying (its memory must still be valid, which QSBR
 * guarantees for objects found in a shared structure while the caller is attached). */
static inline bool ftc_try_incref(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    uint32_t local = ftc_atomic_load_relaxed(&o->ob_ref_local);
    if (_ftc_tid_is_mine(tid)) {
        /** The owner's own count cannot be zero while the object is alive and owned. */
        ftc_atomic_store_relaxed(&o->ob_ref_local, local + 1);
        return true;
    }
    if (FTC_UNLIKELY(tid == FTC_TID_HOT)) {
        /* A hot object is freed only by a collection, which stops the world: an attached
         * reader that still sees it in a slot is before that collection. */
        _ftc_hot_add(o, local, 1);
        return true;
    }
    if (local == FTC_REF_IMMORTAL)
        return true;
    /** Relaxed load, CAS: pairs with the merge CAS that makes the word exactly MERGED; a
     * successful CAS here is ordered before that merge in the word's modification order. */
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    if (shared == 0 || shared == FTC_REF_MERGED)
        return false;
    if (FTC_LIKELY(ftc_atomic_cas_weak_relaxed(&o->ob_ref_shared, &shared,
                                               shared + ((intptr_t)1 << FTC_REF_SHARED_SHIFT)))) {
        /* The line-transfer signal (refcount_hot.c): one byte load and compare on this
         * non-owner path only; out of line when another non-owner wrote the line since. */
        if (FTC_UNLIKELY(ftc_atomic_load_relaxed(&o->ob_gc_bits) !=
                         (uint8_t)(_ftc_tls_tid & FTC_LINE_TAG_MASK)))
            _ftc_object_line_moved(o);
        return true;
    }
    /* Lost a race: the count is contended (refcount_hot.c); the loop continues out of line. */
    return _ftc_object_try_incref_contended(o);
}

#else /* GIL build */

static inline void ftc_incref(ftc_object *o)
{
    if (FTC_LIKELY(o->ob_refcnt < FTC_REFCNT_IMMORTAL))
        o->ob_refcnt++;
}

static inline void ftc_decref(ftc_object *o)
{
    if (FTC_UNLIKELY(o->ob_refcnt >= FTC_REFCNT_IMMORTAL))
        return;
    if (--o->ob_refcnt == 0)
        _ftc_object_dealloc(o);
}

static inline bool ftc_try_incref(ftc_object *o)
{
    if (o->ob_refcnt == 0)
        return false;
    ftc_incref(o);
    return true;
}

#endif

/** ftc_incref() that accepts NULL (and does nothing then). */
static inline void ftc_xincref(ftc_object *o)
{
    if (o != NULL)
        ftc_incref(o);
}

/** ftc_decref() that accepts NULL (and does nothing then). */
static inline void ftc_xdecref(ftc_object *o)
{
    if (o != NULL)
        ftc_decref(o);
}

/** Try-incref for a pointer o loaded from *slot without a lock: takes a reference and then
 * re-checks that *slot still holds o (acquire), undoing it if not. Returns true with a new
 * reference, false (no reference) if o was dying or the slot changed: the caller retries or
 * falls back to the locked path. */
static inline bool ftc_try_incref_slot(ftc_object **slot, ftc_object *o)
{
    if (!ftc_try_incref(o))
        return false;
    /* Acquire: pairs with the writer's release store of the slot. */
    if (FTC_UNLIKELY(ftc_ft_load_acquire(slot) != o)) {
        ftc_decref(o);
        return false;
    }
    return true;
}

/* Marks o as published where lock-free readers may find it: a dict or list calls it for what it
 * stores once another thread has used it, and for everything it holds when that happens
 * (containers/ctr.h). nogil: sets FTC_REF_MAYBE_SHARED (so try-incref works) and makes the
 * memory of o freed only after a QSBR grace period. GIL build: nothing. Idempotent, any thread. */
#ifdef FTC_GIL_DISABLED
static inline void ftc_object_set_shared(ftc_object *o)
{
    /** Relaxed: the flag only needs to be visible to readers that obtain o through the
     * container's release store, which orders it. */
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    if (FTC_LIKELY((shared & FTC_REF_SHARED_FLAG_MASK) != 0 &&
                   (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_QSBR) != 0))
        return;
    _ftc_object_set_shared_slow(o);
}
#else
static inline void ftc_object_set_shared(ftc_object *o) { (void)o; }
#endif

/** Marks o as hot (see the essay at the top). Call it before other threads can see o, from the
 * thread that created it. Returns 0, FTC_ENOMEM (o stays an ordinary object), or FTC_ESTATE
 * if o is immortal. GIL build: returns 0 and changes nothing. */
FTC_API int ftc_object_set_hot(ftc_object *o);
/** Turns contention-driven conversion on or off for the whole process (default: on). When on,
 * nogil non-owner reference-count changes that lose a compare-and-swap nominate the object, and
 * the nominating thread's next tick makes it hot (per-thread counted: src/refcount_hot.c).
 * While converted, an object is freed by a stop of the collector (a collection, a hot round),
 * not by its last decref; ftc_thread_join() turns every converted object back into an ordinary
 * one (freeing the dead), so once the threads that used it are joined its last decref frees it
 * (CPython's weakref callbacks and __del__ then run when a program expects). Off: no object is
 * converted by contention. GIL build: no effect. */
FTC_API void ftc_object_set_auto_hot(bool on);
/** Whether contention-driven conversion is on (ftc_object_set_auto_hot); false in the GIL
 * build. */
FTC_API bool ftc_object_auto_hot_enabled(void);
/** The old name of ftc_gc_collect() (gc.h), which frees the hot objects whose total is zero
 * (chains included) and the unreachable cycles. Returns ftc_gc_collect()'s count, or 0 where it
 * returns an error. Caller attached (fatal otherwise). */
FTC_API int64_t ftc_object_collect_hot(void);

/* ---- int: an immutable boxed int64. Small ints (-5..256) are static immortals. ---- */
extern FTC_API const ftc_type ftc_int_type; /**< the type of int objects */
/** Return a new reference; NULL with FTC_ENOMEM. */
FTC_API ftc_object *ftc_int_new(int64_t v);
/** Whether o is an int. */
static inline bool ftc_int_check(ftc_object *o) { return o->ob_type == &ftc_int_type; }

/* ---- str: immutable bytes (not necessarily text) + length; hash computed at creation. ---- */
extern FTC_API const ftc_type ftc_str_type; /**< the type of str objects */
/** Return a new reference to a copy of s[0..len) (NUL-terminated copy; s may be NULL if len is
 * 0); NULL with FTC_ENOMEM, or FTC_EOVERFLOW for an impossible length. */
FTC_API ftc_object *ftc_str_new(const char *s, size_t len);
/** Whether o is a str. */
static inline bool ftc_str_check(ftc_object *o) { return o->ob_type == &ftc_str_type; }

/** The layouts of the built-in int and str (src/builtin_types.c), public only so that the
 * accessors and the hash below are inline: both are immutable once their constructor returned,
 * so any thread holding a reference reads them without synchronization. A str's len bytes and
 * a NUL follow its struct. Do not build these objects by hand. */
typedef struct _ftc_int_object {
    FTC_OBJECT_HEAD;
    int64_t value;
} _ftc_int_object;

typedef struct _ftc_str_object {
    FTC_OBJECT_HEAD;
    size_t len;
    uint64_t hash;
    size_t cplen; /* code points when the bytes are read as UTF-8: bytes not 10xxxxxx */
} _ftc_str_object;

/** Misuse of an accessor: the object is not of the type func needs (fatal, names both). */
FTC_NORETURN FTC_API void _ftc_object_wrong_type(ftc_object *o, const char *func);

/** The value of an int (fatal if o is not an int). */
static inline int64_t ftc_int_value(ftc_object *o)
{
    if (FTC_UNLIKELY(!ftc_int_check(o)))
        _ftc_object_wrong_type(o, "ftc_int_value");
    return ((_ftc_int_object *)o)->value;
}

/** @fn size_t ftc_str_len(ftc_object *o)
 * The length of a str in bytes, not counting the NUL that follows its data (fatal if o is not
 * a str). */
/** @fn uint64_t ftc_str_hash(ftc_object *o)
 * The hash of a str, computed at creation (fatal if o is not a str). */
/** @fn const ftc_type *ftc_type_of(ftc_object *o)
 * The type of o. */
/** Accessors (fatal if o is not a str). The data stays valid while the caller holds a reference. */
static inline const char *ftc_str_data(ftc_object *o)
{
    if (FTC_UNLIKELY(!ftc_str_check(o)))
        _ftc_object_wrong_type(o, "ftc_str_data");
    return (const char *)o + sizeof(_ftc_str_object);
}
static inline size_t ftc_str_len(ftc_object *o)
{
    if (FTC_UNLIKELY(!ftc_str_check(o)))
        _ftc_object_wrong_type(o, "ftc_str_len");
    return ((_ftc_str_object *)o)->len;
}
/** The number of code points of a str read as UTF-8 (every byte that is not a continuation
 * byte 10xxxxxx starts one), computed at creation; equal to ftc_str_len() for ASCII text,
 * which lets a VM index ASCII strings by byte. */
static inline size_t ftc_str_cplen(ftc_object *o)
{
    if (FTC_UNLIKELY(!ftc_str_check(o)))
        _ftc_object_wrong_type(o, "ftc_str_cplen");
    return ((_ftc_str_object *)o)->cplen;
}
static inline uint64_t ftc_str_hash(ftc_object *o)
{
    if (FTC_UNLIKELY(!ftc_str_check(o)))
        _ftc_object_wrong_type(o, "ftc_str_hash");
    return ((_ftc_str_object *)o)->hash;
}

/* ---- hashing and equality (what the containers use) ----
 * ftc_object_hash: 0 and *out, or FTC_ETYPE if the type is unhashable, or the type's code.
 * ftc_object_eq: 1 equal, 0 not, or a negative code. Identical objects are equal; int and str
 * compare by value without calling any callback; otherwise a's eq decides (NULL = identity).
 * The hash of a str (computed at creation) and of an int (its value through the splitmix64
 * finalizer) are inline; other types' hash callbacks are called by the out-of-line part. */

/** The splitmix64 finalizer: the int hash, and the last step of the str hash. */
static inline uint64_t _ftc_hash_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

/** The hash of an object that is neither an int nor a str (src/builtin_types.c). */
FTC_API int _ftc_object_hash_slow(ftc_object *o, uint64_t *out);

/** 0 and o's hash in *out; FTC_ETYPE if o's type is unhashable; or the hash callback's code. */
static inline int ftc_object_hash(ftc_object *o, uint64_t *out)
{
    const ftc_type *t = o->ob_type;
    if (FTC_LIKELY(t == &ftc_str_type)) {
        *out = ((_ftc_str_object *)o)->hash;
        return 0;
    }
    if (t == &ftc_int_type) {
        *out = _ftc_hash_mix64((uint64_t)((_ftc_int_object *)o)->value);
        return 0;
    }
    return _ftc_object_hash_slow(o, out);
}
/** 1 if a equals b, 0 if not, or a negative code (see above). */
FTC_API int ftc_object_eq(ftc_object *a, ftc_object *b);

FTC_EXTERN_C_END

#endif /* FTCORE_OBJECT_H */
