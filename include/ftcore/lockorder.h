/** @file
 * The lock-order checker: finds a lock-order inversion (a possible deadlock) the first time both
 * orders are *seen*, without the deadlock having to happen. Debug builds only (the library built
 * with FTC_DEBUG >= 1); in other builds the hooks compile to nothing and the functions below do
 * nothing (they exist in every build, so that the exported symbols are the same).
 *
 * What it records. Every acquisition of an ftcore lock (ftc_mutex, ftc_rmutex, ftc_rwlock, the
 * object mutexes of critical sections, the GIL, the Lock/RLock/Semaphore/Condition objects of
 * the threading API and the core's internal mutexes) adds, for each lock the thread holds and
 * keeps holding while it may wait for the new one, an edge "held -> new" to a global graph whose
 * nodes are lock *classes* (below). An edge that would close a cycle is not added: it is
 * reported once, with the new order and the path of earlier orders it contradicts, each with
 * the file and line of the acquisition that created it; then the hook set by
 * ftc_lockorder_set_hook() is called, or, without a hook, the report is printed and the process
 * aborts through ftc_fatal().
 *
 * Classes. A lock on its own is its own class ("mutex 0x55d0c2a1b0c8"), named after the place it
 * was first taken. Many locks of one kind form one class, as in Linux's lockdep: the object
 * mutexes taken by critical sections are classed by the object's type ("object mutex of type
 * dict"), the GIL is one class, and ftc_lockorder_set_class() puts any lock in a class of the
 * caller's choosing. Two locks of the same class held together (two dicts in a two-object
 * section) would look like a cycle of one class: the second lock of a two-object section is
 * therefore taken as "subclass 1" of its class, a class of its own (lockdep's nesting
 * annotation), and the address order that the section imposes is what makes that safe.
 *
 * What "held while waiting" means here. A blocking call that detaches while it waits (every
 * ftcore lock call does by default, FTC_LOCK_DETACH) releases the GIL and suspends every
 * critical section before it sleeps: those locks are not held during the wait, so they add no
 * edge to the lock waited for (a suspended section holds nothing). They are re-taken after the
 * wait, while the new lock is held: that order (new lock -> GIL, new lock -> section's mutex)
 * is recorded by the re-taking itself. A call made with FTC_LOCK_NODETACH keeps them. A try-lock
 * never waits, so it adds no edge *to* the lock it takes (it cannot close a cycle), only edges
 * from it to what is taken while it is held. A semaphore has no owner: acquiring one is a wait
 * (edges to it) but holds nothing (no edges from it).
 *
 * The guide is docs/internals/lockorder.md (how to read a report, the classes, the cost).
 */
#ifndef FTCORE_LOCKORDER_H
#define FTCORE_LOCKORDER_H

#include <ftcore/common.h>

FTC_EXTERN_C_BEGIN

/** One lock-order inversion, as given to the hook. The strings live until the hook returns. */
typedef struct ftc_lockorder_report {
    const char *held;       /**< the class held (first in the new order) */
    const char *acquired;   /**< the class being taken while `held` is held */
    const char *file;       /**< where `acquired` was being taken (the new order) */
    int line;               /**< its line */
    const char *prior_file; /**< where the first edge of the earlier, reverse path was made */
    int prior_line;         /**< its line */
    size_t cycle_length;    /**< classes on the cycle (1: a class taken while held) */
    const char *text;       /**< the whole report, several lines, as printed without a hook */
} ftc_lockorder_report;

/** The embedder's reaction to an inversion; called once per cycle found, by the thread whose
 * acquisition closed it, before that acquisition proceeds, with no checker lock held. */
typedef void (*ftc_lockorder_hook)(const ftc_lockorder_report *report, void *arg);

/** Sets the hook (NULL: print the report and abort through ftc_fatal(), the default). */
FTC_API void ftc_lockorder_set_hook(ftc_lockorder_hook hook, void *arg);

/** Whether the checker is compiled in (1 when the library was built with FTC_DEBUG >= 1). */
FTC_API int ftc_lockorder_enabled(void);

/** How many inversions have been reported since the process started. */
FTC_API uint64_t ftc_lockorder_report_count(void);

/** Puts the lock at address `lock` (any ftcore lock: an ftc_mutex, ftc_rmutex, ftc_rwlock, or a
 * Lock/RLock/Semaphore object) in the class identified by `key` (any address, typically of a
 * static variable, the same for every lock of the class) and named `name` (copied the first time
 * the key is seen). Call it before the lock is first taken; later acquisitions use the class. */
FTC_API void ftc_lockorder_set_class(const void *lock, const void *key, const char *name);

/** Forgets what is known about the lock at `lock` (its class binding, and, if it is a class of
 * its own, the orders recorded for it). Call it before freeing memory that held a lock which may
 * be reused for another lock, so that the new lock does not inherit the old one's orders.
 * Objects' memory is forgotten by the runtime when the object is freed. */
FTC_API void ftc_lockorder_forget(const void *lock);

/// @cond INTERNAL
/* The hooks the lock code calls (src/lockorder.c). Not for direct use. */
enum {
    FTC_LO_TRY = 1,     /* a try-lock that succeeded: no edge to the lock */
    FTC_LO_DETACH = 2,  /* the wait detaches: FTC_LO_DROPPED locks add no edge to the lock */
    FTC_LO_DROPPED = 4, /* this lock is released by a detach (the GIL, a section's mutex) */
    FTC_LO_NOHOLD = 8,  /* a wait, not a hold (a semaphore): no entry is kept */
    FTC_LO_READ = 16,   /* a read hold: released only by its own thread */
    FTC_LO_SHARED = 32  /* holds of one class may nest (rwlock reads, semaphore units) */
};
FTC_API void _ftc_lockorder_acquire(const void *lock, unsigned sub, int flags, const char *file,
                                    int line);
FTC_API void _ftc_lockorder_release(const void *lock);
FTC_API void _ftc_lockorder_set_dropped(const void *lock);
FTC_API void _ftc_lockorder_set_object_class(const void *lock, const void *type, const char *name);
FTC_API void _ftc_lockorder_forget_range(const void *start, size_t size);
FTC_API void _ftc_lockorder_note_site(const char *file, int line);
/* The flags of a wait with a timeout in seconds (< 0 forever): a wait that gives up cannot hang
 * for ever, so, like a try, it adds no edge to the lock it waits for. */
#define FTC_LO_WAIT_(timeout, detach) \
    (((timeout) < 0 ? 0 : FTC_LO_TRY) | ((detach) ? FTC_LO_DETACH : 0))
#if FTC_DEBUG_LEVEL >= 1
#define FTC_LO_ACQUIRE_(lock, sub, flags, file, line) \
    _ftc_lockorder_acquire((lock), (sub), (flags), (file), (line))
#define FTC_LO_RELEASE_(lock) _ftc_lockorder_release(lock)
#define FTC_LO_FORGET_RANGE_(start, size) _ftc_lockorder_forget_range((start), (size))
#else
#define FTC_LO_FORGET_RANGE_(start, size) ((void)0)
#define FTC_LO_ACQUIRE_(lock, sub, flags, file, line) ((void)0)
#define FTC_LO_RELEASE_(lock) ((void)0)
#endif
/// @endcond

FTC_EXTERN_C_END

#endif /* FTCORE_LOCKORDER_H */
