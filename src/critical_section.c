/* Critical sections: the stack of active sections, suspension on detach, resumption on attach
 * and on pop. The contract and the deadlock argument are in include/ftcore/critical_section.h;
 * this is CPython's Python/critical_section.c design, written fresh.
 *
 * The stack. ts->critical_section points at the top section; each section's prev points at the
 * one below. Both are tagged: FTC_CS_TWO marks a pointer to an ftc_critical_section2, and
 * FTC_CS_INACTIVE marks a pointer to a section that holds none of its locks (suspended). The
 * tag lives in the pointer *to* a section. Suspending walks the whole stack, releasing and
 * tagging every active section (a stop-the-world may have left an inactive section above
 * active ones, so the walk does not stop at the first inactive link). Only the owning thread
 * touches its stack: no atomics needed.
 *
 * Invariants:
 *   - a pushed section has a non-NULL mutex once its begin returned; a no-op section (re-entry
 *     of a mutex the top section holds) is never pushed and has mutex NULL, so its end does
 *     nothing;
 *   - an active pushed section holds its locks; an inactive one holds none of them, and its end
 *     unlocks nothing;
 *   - while a begin waits for its lock, the section is already pushed with mutex NULL, so that
 *     the detach inside ftc_mutex_lock suspends every outer section and does not "release" the
 *     lock we do not hold yet; resume, which may block too, hides its mutexes the same way.
 *
 * Why a waiter always ends up holding the top section's locks: ftc_mutex_lock may detach and
 * re-attach; attach calls _ftc_cs_resume, which re-locks the top section, which is ours with
 * mutex NULL — nothing — and the lock call then completes, so when begin returns the top is
 * active and holds its mutex.
 *
 * The fast paths (inline in the public header) do the first step of begin (an acquire CAS on a
 * free mutex, then the push) and the whole of an end that has nothing to resume; they reach the
 * stack through the thread-local _ftc_cs_top_link, which the attach hook points at the attached
 * tstate's stack head and the detach hook clears (only for the calling thread's own tstate:
 * white-box tests drive the internal functions with a tstate of their own). A fast path that
 * finds the link NULL, or anything else unusual, calls the full versions below.
 *
 * A two-mutex section begun while the top section holds exactly one of its two mutexes cannot
 * take that one (the mutex is not recursive): it suspends the top section (releases its locks,
 * tags it inactive), then takes both in address order like any two-mutex section; its pop
 * resumes the top. (Waiting on the held mutex instead spun, then parked until the wait's own
 * detach released it.)
 *
 * Stop-the-world (CPython gh-144513). A mutex can be handed to a waiter that is parked,
 * detached, and then paused by a stop-the-world before it runs again: it owns the mutex but
 * cannot release it until the world restarts. If the thread that stopped the world then waited
 * for that mutex, nothing could ever move. So, while the calling thread has the world stopped,
 * a section whose lock is not free is pushed inactive (holding nothing: every other thread is
 * paused, so nothing needs excluding), and resume takes only free locks. A section left
 * inactive is re-taken at the next attach or pop once the world runs again.
 *
 * fork. The prepare handler stops the world, so every other thread is parked or detached, and
 * a detached thread holds no section's lock, with two exceptions: a thread taking a section's
 * lock may have been handed it while it waited detached (it then owns it, parked in its
 * attach), and a two-lock section holds its first lock while it waits for the second. Both
 * happen only between the start and the end of a lock call made by begin or resume, which
 * record the locks in ts->cs_taking for that span. In the child those threads are gone, so
 * _ftc_cs_after_fork_child() releases each lock a dead thread was taking, unless the
 * surviving thread's active sections hold it (then it was never the dead thread's).
 */
#include "internal/critical_section.h"
#include "internal/parking_lot.h"
#include "internal/state.h"

/* Counted by the GIL build's macros and functions only (critical_section.h). */
FTC_THREAD_LOCAL uintptr_t _ftc_cs_gil_depth;

#ifdef FTC_GIL_DISABLED

FTC_THREAD_LOCAL uintptr_t *_ftc_cs_top_link;

size_t _ftc_cs_open_count(ftc_tstate *ts)
{
    size_t n = 0;
    for (uintptr_t link = ts->critical_section; link != 0; n++)
        link = ((ftc_critical_section *)(link & ~FTC_CS_MASK))->prev;
    return n;
}

static void resume_top(ftc_tstate *ts);

/* The sections' lock operations, reported to the lock-order checker (include/ftcore/lockorder.h)
 * with what they are: a section's lock is released by every detach (FTC_LO_DROPPED), and a wait
 * for one detaches (FTC_LO_DETACH), except that the first lock of a two-mutex section stays held
 * while the second is waited for: it is reported without DROPPED, and marked so once both are
 * held. The second lock of a two-mutex section is subclass 1 of its class (the address order
 * makes two locks of one class safe there). Sites: the section macros note theirs. */
static void cs_lock(ftc_mutex *m, unsigned sub, int dropped)
{
    FTC_LO_ACQUIRE_(m, sub, FTC_LO_DETACH | dropped, NULL, 0);
    FTC_UNUSED(sub);
    FTC_UNUSED(dropped);
    _ftc_mutex_lock_raw(m);
}

static bool cs_trylock(ftc_mutex *m, unsigned sub, int dropped)
{
    bool ok = _ftc_mutex_trylock_raw(m);
    if (ok)
        FTC_LO_ACQUIRE_(m, sub, FTC_LO_TRY | dropped, NULL, 0);
    FTC_UNUSED(sub);
    FTC_UNUSED(dropped);
    return ok;
}

static void cs_unlock(ftc_mutex *m)
{
    _ftc_mutex_unlock_raw(m);
    FTC_LO_RELEASE_(m);
}

#if FTC_DEBUG_LEVEL >= 1
#define CS_SET_DROPPED(m) _ftc_lockorder_set_dropped(m)
#else
#define CS_SET_DROPPED(m) ((void)0)
#endif


static ftc_critical_section2 *as_two(ftc_critical_section *c) { return (ftc_critical_section2 *)c; }

/* Whether the top section is active and holds m. */
static bool top_holds(ftc_tstate *ts, ftc_mutex *m)
{
    if (!_ftc_cs_top_active(ts))
        return false;
    ftc_critical_section *top = _ftc_cs_top(ts);
    if (top->mutex == m)
        return true;
    return (ts->critical_section & FTC_CS_TWO) && as_two(top)->mutex2 == m;
}

/* Whether the calling thread (ts) has the world stopped. Slow paths only: one seq_cst load
 * when no stop is requested; otherwise the head lock, under which the state layer publishes the
 * requester (world_stopped is then ours to read, since only the requester writes it). */
static bool world_stopped_by(ftc_tstate *ts)
{
    if (!ftc_atomic_load(&_ftc_rt.stw_requested))
        return false;
    _ftc_head_lock();
    bool mine = _ftc_rt.stw_requester == ts && _ftc_rt.world_stopped;
    _ftc_head_unlock();
    return mine;
}

/* Releases the top section's locks and tags it inactive (the top must be active). */
static void suspend_top(ftc_tstate *ts)
{
    ftc_critical_section *top = _ftc_cs_top(ts);
    if (top->mutex) {
        cs_unlock(top->mutex);
        if ((ts->critical_section & FTC_CS_TWO) && as_two(top)->mutex2)
            cs_unlock(as_two(top)->mutex2);
    }
    ts->critical_section |= FTC_CS_INACTIVE;
}

static void push(ftc_tstate *ts, ftc_critical_section *c, uintptr_t tag)
{
    c->prev = ts->critical_section;
    ts->critical_section = (uintptr_t)c | tag;
}

/* Pops c (which must be the top) and resumes the new top if it was suspended. */
static void pop(ftc_tstate *ts, ftc_critical_section *c)
{
    if (_ftc_cs_top(ts) != c)
        ftc_fatal("critical sections ended out of order (%p is not the innermost)", (void *)c);
    ts->critical_section = c->prev;
    if (c->prev & FTC_CS_INACTIVE)
        resume_top(ts);
}

void _ftc_cs_begin(ftc_tstate *ts, ftc_critical_section *c, ftc_mutex *m)
{
    uint8_t expected = 0;
    /* acquire: as in ftc_mutex_lock. */
    if (FTC_LIKELY(ftc_atomic_cas_acquire(&m->bits, &expected, FTC_MUTEX_LOCKED))) {
        FTC_LO_ACQUIRE_(m, 0, FTC_LO_DETACH | FTC_LO_DROPPED, NULL, 0);
        c->mutex = m;
        push(ts, c, 0);
        return;
    }
    if (top_holds(ts, m)) {
        c->mutex = NULL; /* no-op: the top section already holds m */
        c->prev = 0;
        return;
    }
    if (world_stopped_by(ts)) {
        /* Every other thread is paused; m may belong to one of them by handoff (gh-144513).
         * Push the section suspended: it holds nothing, its end unlocks nothing. */
        c->mutex = m;
        push(ts, c, FTC_CS_INACTIVE);
        return;
    }
    c->mutex = NULL;
    push(ts, c, 0);
    ts->cs_taking[0] = m;
    cs_lock(m, 0, FTC_LO_DROPPED); /* may detach: suspends the outer sections, not this one */
    ts->cs_taking[0] = NULL;
    c->mutex = m;
}

void _ftc_cs_end(ftc_tstate *ts, ftc_critical_section *c)
{
    if (c->mutex == NULL)
        return;                                    /* a no-op section: never pushed */
    if (!(ts->critical_section & FTC_CS_INACTIVE)) /* else it holds nothing (a stop) */
        cs_unlock(c->mutex);
    pop(ts, c);
}

void _ftc_cs2_begin(ftc_tstate *ts, ftc_critical_section2 *c, ftc_mutex *m1, ftc_mutex *m2)
{
    if (m1 == m2) {
        c->mutex2 = NULL;
        _ftc_cs_begin(ts, &c->base, m1);
        if (c->base.mutex != NULL) /* pushed: retag it as a two-mutex section */
            ts->critical_section |= FTC_CS_TWO;
        return;
    }
    if ((uintptr_t)m2 < (uintptr_t)m1) {
        ftc_mutex *t = m1;
        m1 = m2;
        m2 = t;
    }
    if (top_holds(ts, m1) && top_holds(ts, m2)) {
        c->base.mutex = NULL; /* no-op: the top section holds both */
        c->base.prev = 0;
        c->mutex2 = NULL;
        return;
    }
    if (top_holds(ts, m1) || top_holds(ts, m2)) {
        /* The top section holds exactly one of the two: neither lock call below could take it
         * (the mutex is not recursive), and ftc_mutex_lock would spin, then park, until its
         * own detach released the top's hold. Suspend the top section instead (release its
         * locks, tag it inactive: it holds nothing, as after a detach), then take both in
         * address order as below. Ending this section pops to the suspended top, which pop
         * resumes (re-takes its locks). No wait happens while holding the top's locks. */
        suspend_top(ts);
    }
    bool have1 = cs_trylock(m1, 0, 0);
    if (have1 && cs_trylock(m2, 1, FTC_LO_DROPPED)) {
        CS_SET_DROPPED(m1);
        c->base.mutex = m1;
        c->mutex2 = m2;
        push(ts, &c->base, FTC_CS_TWO);
        return;
    }
    if (world_stopped_by(ts)) {
        if (have1)
            cs_unlock(m1);
        c->base.mutex = m1; /* suspended: holds nothing (see _ftc_cs_begin) */
        c->mutex2 = m2;
        push(ts, &c->base, FTC_CS_TWO | FTC_CS_INACTIVE);
        return;
    }
    c->base.mutex = NULL;
    c->mutex2 = NULL;
    push(ts, &c->base, FTC_CS_TWO);
    ts->cs_taking[0] = m1;
    ts->cs_taking[1] = m2;
    if (!have1)
        cs_lock(m1, 0, 0);          /* may detach: the outer sections are suspended */
    cs_lock(m2, 1, FTC_LO_DROPPED); /* may detach holding m1: the only double hold, in order */
    CS_SET_DROPPED(m1);
    ts->cs_taking[0] = ts->cs_taking[1] = NULL;
    c->base.mutex = m1;
    c->mutex2 = m2;
}

void _ftc_cs2_end(ftc_tstate *ts, ftc_critical_section2 *c)
{
    if (c->base.mutex == NULL)
        return;
    if (!(ts->critical_section & FTC_CS_INACTIVE)) { /* else it holds nothing (a stop) */
        if (c->mutex2)
            cs_unlock(c->mutex2);
        cs_unlock(c->base.mutex);
    }
    pop(ts, &c->base);
}

void _ftc_cs_suspend_all(ftc_tstate *ts)
{
    if (ts == _ftc_tstate_current)
        _ftc_cs_top_link = NULL; /* detaching: the fast paths must not touch the stack now */
    for (uintptr_t *link = &ts->critical_section; *link != 0;) {
        ftc_critical_section *c = (ftc_critical_section *)(*link & ~FTC_CS_MASK);
        if (!(*link & FTC_CS_INACTIVE)) {
            if (c->mutex) {
                cs_unlock(c->mutex);
                if ((*link & FTC_CS_TWO) && as_two(c)->mutex2)
                    cs_unlock(as_two(c)->mutex2);
            }
            *link |= FTC_CS_INACTIVE;
        }
        link = &c->prev;
    }
}

void _ftc_cs_resume(ftc_tstate *ts)
{
    if (ts == _ftc_tstate_current)
        _ftc_cs_top_link = &ts->critical_section; /* attaching: the fast paths' stack */
    resume_top(ts);
}

/* Re-takes the top section's locks if it is suspended (attach, or a pop down to it). */
static void resume_top(ftc_tstate *ts)
{
    uintptr_t top = ts->critical_section;
    if (top == 0 || !(top & FTC_CS_INACTIVE))
        return;
    ftc_critical_section *c = (ftc_critical_section *)(top & ~FTC_CS_MASK);
    ftc_mutex *m1 = c->mutex, *m2 = NULL;
    if (top & FTC_CS_TWO)
        m2 = as_two(c)->mutex2;
    if (world_stopped_by(ts)) {
        /* Take the locks only if they are free: a paused thread may own one by handoff
         * (gh-144513). Otherwise the section stays suspended and is re-taken at the next
         * attach or pop after the world restarts. */
        bool have1 = m1 == NULL || cs_trylock(m1, 0, 0);
        if (have1 && (m2 == NULL || cs_trylock(m2, 1, FTC_LO_DROPPED))) {
            if (m1)
                CS_SET_DROPPED(m1);
            ts->critical_section &= ~FTC_CS_INACTIVE;
        } else if (have1 && m1) {
            cs_unlock(m1);
        }
        return;
    }
    /* Hide the locks while re-taking them: a detach inside the lock calls must not release
     * what this section does not hold yet (and will find nothing to release here). */
    c->mutex = NULL;
    if (top & FTC_CS_TWO)
        as_two(c)->mutex2 = NULL;
    ts->cs_taking[0] = m1;
    ts->cs_taking[1] = m2;
    if (m1)
        cs_lock(m1, 0, m2 ? 0 : FTC_LO_DROPPED);
    if (m2) {
        cs_lock(m2, 1, FTC_LO_DROPPED);
        if (m1)
            CS_SET_DROPPED(m1);
    }
    ts->cs_taking[0] = ts->cs_taking[1] = NULL;
    c->mutex = m1;
    if (top & FTC_CS_TWO)
        as_two(c)->mutex2 = m2;
    ts->critical_section &= ~FTC_CS_INACTIVE;
}

/* Whether one of ts's active sections holds m. */
static bool active_holds(ftc_tstate *ts, ftc_mutex *m)
{
    for (uintptr_t link = ts->critical_section; link != 0;) {
        ftc_critical_section *c = (ftc_critical_section *)(link & ~FTC_CS_MASK);
        if (!(link & FTC_CS_INACTIVE) &&
            (c->mutex == m || ((link & FTC_CS_TWO) && as_two(c)->mutex2 == m)))
            return true;
        link = c->prev;
    }
    return false;
}

void _ftc_cs_after_fork_child(ftc_tstate *dead, ftc_tstate *survivor)
{
    for (int i = 0; i < 2; i++) {
        ftc_mutex *m = dead->cs_taking[i];
        if (m == NULL || (survivor != NULL && active_holds(survivor, m)))
            continue;
        /* Only this thread runs in the child, and nobody is parked (the parking lot is
         * reset): a plain store frees the lock, HAS_PARKED included. */
        ftc_atomic_store_relaxed(&m->bits, (uint8_t)0);
    }
}

/* ---- the public entry points: the caller's attached thread state ---- */

static ftc_tstate *require_tstate(const char *call)
{
    ftc_tstate *ts = _ftc_tstate_current;
    if (ts == NULL)
        _ftc_fatal_no_tstate(call);
    return ts;
}

void ftc_critical_section_begin_slow(ftc_critical_section *c, ftc_mutex *m)
{
    _ftc_cs_begin(require_tstate(FTC_CS_CALL_BEGIN_), c, m);
}

void ftc_critical_section_end_slow(ftc_critical_section *c)
{
    _ftc_cs_end(require_tstate(FTC_CS_CALL_END_), c);
}

void ftc_critical_section2_begin_mutex(ftc_critical_section2 *c, ftc_mutex *m1, ftc_mutex *m2)
{
    _ftc_cs2_begin(require_tstate(FTC_CS_CALL_BEGIN2_), c, m1, m2);
}

void ftc_critical_section2_end(ftc_critical_section2 *c)
{
    _ftc_cs2_end(require_tstate(FTC_CS_CALL_END2_), c);
}

#else /* GIL build: sections are empty blocks, so the stack is always empty. */

/* The same symbols as the nogil build (critical_section.h): the link stays NULL, and a section
 * begun through the functions (the macros never call them) is a no-op one, never pushed: the
 * GIL is the lock. Like the macros (FTC_CS_REQUIRE_ATTACHED_), they check for an attached
 * thread state when FTC_DEBUG >= 1. Both forms count the thread's open sections in
 * _ftc_cs_gil_depth. */
FTC_THREAD_LOCAL uintptr_t *_ftc_cs_top_link;

size_t _ftc_cs_open_count(ftc_tstate *ts)
{
    FTC_UNUSED(ts);
    return (size_t)_ftc_cs_gil_depth;
}

void ftc_critical_section_begin_slow(ftc_critical_section *c, ftc_mutex *m)
{
    FTC_UNUSED(m);
    FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN_);
    c->prev = 0;
    c->mutex = NULL;
    _ftc_cs_gil_depth++;
}

void ftc_critical_section_end_slow(ftc_critical_section *c)
{
    FTC_UNUSED(c);
    FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_END_);
    _ftc_cs_gil_depth--;
}

void ftc_critical_section2_begin_mutex(ftc_critical_section2 *c, ftc_mutex *m1, ftc_mutex *m2)
{
    FTC_UNUSED(m1);
    FTC_UNUSED(m2);
    FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_BEGIN2_);
    c->base.prev = 0;
    c->base.mutex = NULL;
    c->mutex2 = NULL;
    _ftc_cs_gil_depth++;
}

void ftc_critical_section2_end(ftc_critical_section2 *c)
{
    FTC_UNUSED(c);
    FTC_CS_REQUIRE_ATTACHED_(FTC_CS_CALL_END2_);
    _ftc_cs_gil_depth--;
}

void _ftc_cs_suspend_all(ftc_tstate *ts) { FTC_UNUSED(ts); }

void _ftc_cs_resume(ftc_tstate *ts) { FTC_UNUSED(ts); }

void _ftc_cs_after_fork_child(ftc_tstate *dead, ftc_tstate *survivor)
{
    FTC_UNUSED(dead);
    FTC_UNUSED(survivor);
}

#endif

/* Both builds: the message every check for a missing thread state gives (the containers' in
 * ctr.h, the sections' above and in critical_section.h), naming the public call. */
void _ftc_fatal_no_tstate(const char *call)
{
    ftc_fatal_at(call, __FILE__, __LINE__,
                 "%s: no attached thread state (the calling thread must be attached: "
                 "ftc_attach() or ftc_gilstate_ensure(), after ftc_runtime_init() and before "
                 "ftc_runtime_fini(), outside FTC_BEGIN_ALLOW_THREADS)",
                 call);
}
