/** @file
 * Critical sections: per-object locking that cannot deadlock (CPython's design, PEP 703).
 *
 *   FTC_BEGIN_CRITICAL_SECTION(op);         ... op's mutex held ...    FTC_END_CRITICAL_SECTION();
 *   FTC_BEGIN_CRITICAL_SECTION2(a, b);      ... both held ...          FTC_END_CRITICAL_SECTION2();
 *   FTC_BEGIN_CRITICAL_SECTION_MUTEX(m);    ... on an ftc_mutex * ...  FTC_END_CRITICAL_SECTION();
 *   FTC_BEGIN_CRITICAL_SECTION_MUTEX2(m1, m2);                         FTC_END_CRITICAL_SECTION2();
 *
 * Plain per-object locks deadlock as soon as two threads nest them in different orders. Critical
 * sections avoid that: the active sections of a thread form a stack headed in its thread state,
 * and whenever the thread would block — waiting for a section's lock, or in any blocking call,
 * since every blocking call detaches — detaching releases the locks of *every* section on the
 * stack. Attaching again re-takes only the top section's locks; the others are re-taken when the
 * stack is popped down to them. So no thread ever waits while holding a lock, except the first
 * of the two locks of a two-object section, and those two are always taken in address order:
 * no cycle of waits can form. The price: only the top section's locks are guaranteed held. Code
 * inside a section must not assume an outer section kept its lock across anything that may
 * block (a nested section on a contended object, an allocation that may detach, a wait).
 *
 * A section on a mutex the top section already holds is a no-op (it neither locks nor pushes).
 * While the world is stopped, the thread that stopped it never waits for a lock in a section:
 * it takes a free lock as usual, but a section whose lock is not free is pushed suspended,
 * holding nothing (the others are paused, so nothing needs excluding, and one of them may own
 * the mutex by handoff without having run since: CPython gh-144513).
 *
 * Sections require an attached thread state (fatal otherwise). Begin and end must pair in the
 * same scope (the macros open and close a block). In the GIL build they lock nothing (the GIL
 * already serializes everything they protect) and only count the calling thread's open
 * sections (_ftc_cs_gil_depth), so that ftc_runtime_fini() can refuse to run inside one, as
 * it does in the nogil build, where the thread's stack of sections tells.
 *
 * Fast paths (inline below; everything else is in src/critical_section.c). Begin on a free
 * mutex is one acquire CAS (0 -> LOCKED) and a push: exactly the first step of the full begin,
 * which then has nothing left to decide (a free mutex is not held by the top section, and a
 * thread that stopped the world may take a free lock). End of the top section, when it is an
 * active one-mutex section whose enclosing section is active too (the tagged stack top equals
 * the untagged section and prev carries no INACTIVE tag), is one release CAS (LOCKED -> 0)
 * and a pop: the full end would unlock the same way and, with nothing suspended beneath, would
 * resume nothing. Every other case (a contended or re-entered mutex, a suspended section, two
 * mutexes, waiters parked on the mutex, misuse) takes the slow path, which re-checks from
 * scratch. The fast paths find the stack through _ftc_cs_top_link, a thread-local pointer to
 * the attached tstate's stack head: set by the attach hook (_ftc_cs_resume), cleared by the
 * detach hook (_ftc_cs_suspend_all), so it is NULL exactly when no tstate is attached (or in
 * the instants of attach and detach around the hooks), and then the slow path decides, with
 * the tstate itself, or reports the misuse.
 */
#ifndef FTCORE_CRITICAL_SECTION_H
#define FTCORE_CRITICAL_SECTION_H

#include <ftcore/runtime.h>
#include <ftcore/eval.h>
#include <ftcore/mutex.h>
#include <ftcore/object.h>

FTC_EXTERN_C_BEGIN

/* The types, the functions and the thread-local link exist in both builds, so that both export
 * the same symbols (docs/architecture.md, "Two builds from one source"); in the GIL build the
 * macros below never call them, the link stays NULL and a section begun through the functions
 * is a no-op one. */

/** Private layout; on the stack of the thread that began it. */
typedef struct ftc_critical_section {
    uintptr_t prev;   /**< tagged pointer to the enclosing section (0 at the bottom) */
    ftc_mutex *mutex; /**< the lock; NULL for a no-op section */
} ftc_critical_section;

/** Private layout of a two-mutex section; on the stack of the thread that began it. */
typedef struct ftc_critical_section2 {
    ftc_critical_section base; /**< the lower-addressed lock, and the link to the enclosing one */
    ftc_mutex *mutex2;         /**< the higher-addressed lock; NULL if both were the same */
} ftc_critical_section2;

/** @name Low bits of the tagged pointers to sections (the tstate's stack head and each prev)
 * @{ */
#define FTC_CS_INACTIVE ((uintptr_t)1) /**< the section's locks are released (suspended) */
#define FTC_CS_TWO ((uintptr_t)2)      /**< the section is an ftc_critical_section2 */
#define FTC_CS_MASK ((uintptr_t)3)     /**< both tag bits */
/** @} */

/** The calling thread's attached tstate's stack head (a tagged pointer to the top section), or
 * NULL while it has none attached. Written only by the thread itself (src/critical_section.c). */
extern FTC_API FTC_THREAD_LOCAL uintptr_t *_ftc_cs_top_link;

/** Dies through ftc_fatal() with "<call>: no attached thread state": `call` is the public call
 * (a container operation, a critical section) that the calling thread made without an
 * attached thread state. Called by the checks of both builds; not for direct use. */
FTC_NORETURN FTC_API void _ftc_fatal_no_tstate(const char *call);
/** The calls those messages name for a section: the macro and the function it expands to. */
#define FTC_CS_CALL_BEGIN_ "FTC_BEGIN_CRITICAL_SECTION(_MUTEX) / ftc_critical_section_begin_mutex"
#define FTC_CS_CALL_END_ "FTC_END_CRITICAL_SECTION / ftc_critical_section_end"
#define FTC_CS_CALL_BEGIN2_ \
    "FTC_BEGIN_CRITICAL_SECTION2(_MUTEX2) / ftc_critical_section2_begin_mutex"
#define FTC_CS_CALL_END2_ "FTC_END_CRITICAL_SECTION2 / ftc_critical_section2_end"
/** GIL build: the number of sections the calling thread has begun and not ended (the macros
 * and the functions below count them; nothing else does). Always 0 in the nogil build. */
extern FTC_API FTC_THREAD_LOCAL uintptr_t _ftc_cs_gil_depth;

/** @{ */
/** Slow paths (src/critical_section.c): the whole begin / end. Use the inline functions. */
FTC_API void ftc_critical_section_begin_slow(ftc_critical_section *c, ftc_mutex *m);
FTC_API void ftc_critical_section_end_slow(ftc_critical_section *c);
/** @} */

/** Begins a section on m: returns holding m (or as a no-op if the top section holds m). */
static inline void ftc_critical_section_begin_mutex(ftc_critical_section *c, ftc_mutex *m)
{
    uintptr_t *top = _ftc_cs_top_link;
    uint8_t expected = 0;
#if FTC_DEBUG_LEVEL >= 1
    top = NULL; /* the lock-order checker sees every acquisition in the slow path */
#endif
    /* acquire: as in ftc_mutex_lock (pairs with the release that unlocked m). */
    if (FTC_LIKELY(top != NULL) &&
        FTC_LIKELY(ftc_atomic_cas_acquire(&m->bits, &expected, FTC_MUTEX_LOCKED))) {
        c->mutex = m;
        c->prev = *top;
        *top = (uintptr_t)c; /* owner thread only: plain */
        return;
    }
    ftc_critical_section_begin_slow(c, m);
}

/** Ends the section c began (it must be the innermost). */
static inline void ftc_critical_section_end(ftc_critical_section *c)
{
    uintptr_t *top = _ftc_cs_top_link;
#if FTC_DEBUG_LEVEL >= 1
    top = NULL; /* the lock-order checker sees every release in the slow path */
#endif
    if (FTC_LIKELY(top != NULL && *top == (uintptr_t)c && !(c->prev & FTC_CS_INACTIVE))) {
        uint8_t expected = FTC_MUTEX_LOCKED;
        /* release: as in ftc_mutex_unlock (publishes the section to the next locker). */
        if (FTC_LIKELY(ftc_atomic_cas_release(&c->mutex->bits, &expected, 0))) {
            *top = c->prev;
            return;
        }
    }
    ftc_critical_section_end_slow(c);
}

/** Begins a section on two mutexes, locked in address order (one if m1 == m2); returns holding
 * both, or as a no-op for those the top section already holds. */
FTC_API void ftc_critical_section2_begin_mutex(ftc_critical_section2 *c, ftc_mutex *m1,
                                               ftc_mutex *m2);
/** Ends the two-mutex section c began (it must be the innermost). */
FTC_API void ftc_critical_section2_end(ftc_critical_section2 *c);

#ifdef FTC_GIL_DISABLED

/** Nested sections declare the same name in inner blocks, on purpose: each END must find its
 * own BEGIN's section. -Wshadow is silenced for that declaration only. */
#define FTC_CS_SHADOW_OK_BEGIN_ \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wshadow\"")
#define FTC_CS_SHADOW_OK_END_ _Pragma("GCC diagnostic pop")

/** Debug builds: the section macros tell the lock-order checker where they are
 * (include/ftcore/lockorder.h). */
#if FTC_DEBUG_LEVEL >= 1
#define FTC_CS_NOTE_SITE_() _ftc_lockorder_note_site(__FILE__, __LINE__)
#else
#define FTC_CS_NOTE_SITE_() ((void)0)
#endif

/** Opens a block holding mutex m in a critical section (close it with FTC_END_CRITICAL_SECTION). */
#define FTC_BEGIN_CRITICAL_SECTION_MUTEX(m) \
    {                                       \
        FTC_CS_SHADOW_OK_BEGIN_             \
        ftc_critical_section _ftc_cs;       \
        FTC_CS_SHADOW_OK_END_               \
        FTC_CS_NOTE_SITE_();                \
        ftc_critical_section_begin_mutex(&_ftc_cs, (m));

/** Ends the section of FTC_BEGIN_CRITICAL_SECTION or _MUTEX and closes its block. */
#define FTC_END_CRITICAL_SECTION()      \
    ftc_critical_section_end(&_ftc_cs); \
    }

/** Opens a block holding mutexes m1 and m2 (in address order) in one critical section (close it
 * with FTC_END_CRITICAL_SECTION2). */
#define FTC_BEGIN_CRITICAL_SECTION_MUTEX2(m1, m2) \
    {                                             \
        FTC_CS_SHADOW_OK_BEGIN_                   \
        ftc_critical_section2 _ftc_cs2;           \
        FTC_CS_SHADOW_OK_END_                     \
        FTC_CS_NOTE_SITE_();                      \
        ftc_critical_section2_begin_mutex(&_ftc_cs2, (m1), (m2));

/** Ends the section of FTC_BEGIN_CRITICAL_SECTION2 or _MUTEX2 and closes its block. */
#define FTC_END_CRITICAL_SECTION2()       \
    ftc_critical_section2_end(&_ftc_cs2); \
    }

/** The object forms lock the object's mutex: the one-byte ob_mutex of the nogil object header
 * (object.h), private to critical sections. */
static inline ftc_mutex *_ftc_cs_object_mutex(ftc_object *op)
{
#if FTC_DEBUG_LEVEL >= 1
    /* The lock-order checker classes an object's mutex by the object's type. */
    _ftc_lockorder_set_object_class(&op->ob_mutex, op->ob_type, op->ob_type->name);
#endif
    return &op->ob_mutex;
}
/** Opens a block holding object op's lock in a critical section (FTC_END_CRITICAL_SECTION). */
#define FTC_BEGIN_CRITICAL_SECTION(op) \
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(_ftc_cs_object_mutex((ftc_object *)(op)))
/** Opens a block holding the locks of objects a and b in one critical section
 * (FTC_END_CRITICAL_SECTION2). */
#define FTC_BEGIN_CRITICAL_SECTION2(a, b)                                      \
    FTC_BEGIN_CRITICAL_SECTION_MUTEX2(_ftc_cs_object_mutex((ftc_object *)(a)), \
                                      _ftc_cs_object_mutex((ftc_object *)(b)))

#else /* GIL build: the GIL is the lock */

/* A section needs the GIL, that is an attached thread state. The nogil build always dies
 * without one (the slow path names the call); here the check costs a thread-local load in a
 * block that otherwise does nothing, so it is made when the library was built with
 * FTC_DEBUG >= 1 (the sanitizer presets use 2). The depth counts the open sections (a
 * thread-local increment, no lock) so that ftc_runtime_fini can refuse inside one. */
#if FTC_DEBUG_LEVEL >= 1
#define FTC_CS_REQUIRE_ATTACHED_(call) \
    ((_ftc_tstate_current == NULL) ? _ftc_fatal_no_tstate(call) : (void)0)
#else
#define FTC_CS_REQUIRE_ATTACHED_(call) ((void)0)
#endif

/** The arguments are evaluated once, as in the nogil build, and otherwise unused. */
#define FTC_BEGIN_CRITICAL_SECTION(op)                \
    {                                                 \
        (void)(op);                                   \
        FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN_); \
        _ftc_cs_gil_depth++;
#define FTC_BEGIN_CRITICAL_SECTION2(a, b)              \
    {                                                  \
        (void)(a);                                     \
        (void)(b);                                     \
        FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN2_); \
        _ftc_cs_gil_depth++;
#define FTC_BEGIN_CRITICAL_SECTION_MUTEX(m)           \
    {                                                 \
        (void)(m);                                    \
        FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN_); \
        _ftc_cs_gil_depth++;
#define FTC_BEGIN_CRITICAL_SECTION_MUTEX2(m1, m2)      \
    {                                                  \
        (void)(m1);                                    \
        (void)(m2);                                    \
        FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN2_); \
        _ftc_cs_gil_depth++;
#define FTC_END_CRITICAL_SECTION() \
    _ftc_cs_gil_depth--;           \
    }
#define FTC_END_CRITICAL_SECTION2() \
    _ftc_cs_gil_depth--;            \
    }

#endif

FTC_EXTERN_C_END

#endif /* FTCORE_CRITICAL_SECTION_H */
