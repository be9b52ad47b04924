/** @file
 * Weak references: a pointer to an object that does not keep it alive.
 *
 * Which objects: heap objects of tracked types (a type with traverse, gc.h), whose collector
 * header holds the list of their weak references, and immortal objects (which never die, so
 * their weak references never clear). Others (int, str, sync primitives) refuse with
 * FTC_ETYPE, as CPython's int and str do.
 *
 * The protocol (docs/internals/gc.md, "weak references"): a weak reference holds the referent's
 * address and sits on the referent's list. Both are changed under one of 64 striped locks
 * chosen by the referent's address (the model is CPython 3.14t's striped weakref locks). When
 * the referent dies (its last decref, or a collection that found it garbage), its list is
 * detached and every weak reference's pointer is set to NULL under that lock, before the
 * object's dealloc runs and long before its memory is freed. ftc_weakref_get_ref() loads the
 * pointer, takes the same stripe, re-checks the pointer, and try-increfs the object: an object
 * whose count already reached zero refuses, so it never returns a dying, freed or resurrected
 * object. Creating a weak reference marks the referent as shared (nogil) so that try-incref is
 * exact for it on every thread.
 *
 * Callbacks: a weak reference made with a callback gets it called once, after its referent
 * died, with a new reference to the weak reference object held by the core for the duration
 * of the call, outside every lock (after the world restarted when a collection cleared it).
 * The callback is not called if the weak reference object itself died first (or is garbage in
 * the same collection), nor if ftc_weakref_fini() ran. It may do anything a thread may do
 * (allocate, block, drop the weak reference); it runs on the thread that dropped the last
 * reference or ran the collection.
 *
 * A VM's own weak-reference type (the decision): embed. ftc_weakref is a complete struct that
 * starts with FTC_OBJECT_HEAD; a VM type whose struct starts with an ftc_weakref (so that its
 * basicsize extends it) allocates with ftc_object_new(&vm_type), then calls ftc_weakref_init()
 * before the object is published, and its dealloc calls ftc_weakref_fini() first. The callback
 * then receives the VM's own object (cast the ftc_weakref pointer back), which gives Python's
 * weakref.ref(obj, callback) semantics: the callback gets the weakref object itself, is not
 * called if that object died first, and the object has the VM type's own hash, eq and repr.
 * ftc_weakref_new() is the same with the core's ftc_weakref_type. A weak reference type that
 * holds references (the VM's callback object) should have traverse, so that a cycle through a
 * callback is found; it is then tracked and can itself be weakly referenced.
 */
#ifndef FTCORE_WEAKREF_H
#define FTCORE_WEAKREF_H

#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/** A weak reference object (or the start of a VM's own; see the file comment). */
typedef struct ftc_weakref ftc_weakref;

/** Called once after the referent died (see the file comment); ref is the weak reference
 * object (the VM's own type if it embedded one), data what was given at creation. */
typedef void (*ftc_weakref_callback)(ftc_weakref *ref, void *data);

/** The layout, public so that a VM can embed it; the fields are the core's (private). */
struct ftc_weakref {
    FTC_OBJECT_HEAD;                  /**< the object header */
    ftc_object *wr_object;            /**< the referent, NULL once dead (atomic; stripe lock) */
    ftc_weakref_callback wr_callback; /**< NULL once called or for none (stripe lock) */
    void *wr_data;                    /**< the callback's argument */
    ftc_weakref *wr_prev;             /**< the referent's list (stripe lock) */
    ftc_weakref *wr_next;             /**< the referent's list (stripe lock) */
    ftc_weakref *wr_pending;          /**< callbacks about to run (the clearing thread's) */
    uintptr_t wr_flags;               /**< core-internal state (stripe lock) */
};

/** The core's weak reference type (unhashable, identity equality, not tracked). */
extern FTC_API const ftc_type ftc_weakref_type;

/** A new weak reference (of ftc_weakref_type) to obj, with callback (may be NULL) and data.
 * NULL with ftc_last_error(): FTC_ETYPE if obj cannot be weakly referenced, FTC_ENOMEM.
 * The caller holds a reference to obj; the weak reference does not keep it. Caller attached. */
FTC_API ftc_weakref *ftc_weakref_new(ftc_object *obj, ftc_weakref_callback callback, void *data);

/** Makes ref (a fresh object whose struct starts with ftc_weakref, fields past the header
 * zero, not yet published) a weak reference to obj. Returns 0, FTC_ETYPE if obj cannot be
 * weakly referenced, FTC_EINVAL if ref is NULL or already initialized. On failure ref stays
 * as it was (ftc_weakref_fini on it is a no-op). The caller holds a reference to obj. */
FTC_API int ftc_weakref_init(ftc_weakref *ref, ftc_object *obj, ftc_weakref_callback callback,
                             void *data);

/** Unlinks ref from its referent (if still alive) so that it is never cleared or called back;
 * the dealloc of a VM's weak reference type calls it first. Idempotent; a no-op on a ref that
 * was never initialized. */
FTC_API void ftc_weakref_fini(ftc_weakref *ref);

/** A new reference to ref's referent, or NULL (no error) if the referent is dead or dying.
 * Never returns an object whose count reached zero. Caller attached. */
FTC_API ftc_object *ftc_weakref_get_ref(ftc_weakref *ref);

/** Whether obj can be weakly referenced (see the file comment). */
FTC_API bool ftc_weakref_supported(ftc_object *obj);

/** The number of weak references to obj that are alive and not cleared (Python's
 * weakref.getweakrefcount); 0 for objects that cannot have any. */
FTC_API int64_t ftc_weakref_count(ftc_object *obj);

FTC_EXTERN_C_END

#endif /* FTCORE_WEAKREF_H */
