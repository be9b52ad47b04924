/* Critical sections: the stack of active sections, suspension on detach, resumption on attach
 * and on pop. The contract and the deadlock argument are in include/ftcore/critical_section.h;
 * this is CPython's Python/critical_section.c design, written fresh.
 *
 * The stack. ts->critical_section points at the top section; each section's prev points at the
 * one below. Both are tagged: FTC_CS_TWO marks a pointer to an ftc_critical_section2, and
 * FTC_CS_INACTIVE marks a pointer to a section whose locks were released by a suspension. The
 * tag lives in the pointer *to* a section, so suspending walks down from the top, tagging each
 * link, and stops at the first link already tagged (everything below it is suspended already).
 * Only the owning thread touches its stack: no atomics needed.
 *
 * Invariants:
 *   - a pushed section has non-NULL mutex once its begin returned; a no-op section (re-entry of
 *     the top section's mutex, or begun while this thread has the world stopped) is never
 *     pushed and has mutex NULL, so its end does nothing;
 *   - an active pushed section holds its locks; an inactive one holds none of them;
 *   - while a begin waits for its lock, the section is already pushed with mutex NULL, so that
 *     the detach inside ftc_mutex_lock suspends every outer section and does not "release" the
 *     lock we do not hold yet; the same trick protects resume, which may block too.
 *
 * Why a waiter always ends up holding the top section's locks: ftc_mutex_lock may detach and
 * re-attach; attach calls _ftc_cs_resume, which re-locks the top section, which is ours with
 * mutex NULL — nothing — and the lock call then completes, so when begin returns the top is
 * active and holds its mutex.
 */
#include "internal/critical_section.h"
#include "internal/parking_lot.h"

#ifdef FTC_GIL_DISABLED

#pragma weak ftc_tstate_get

static ftc_critical_section2 *as_two(ftc_critical_section *c)
{
    return (ftc_critical_section2 *)c;
}

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
        _ftc_cs_resume(ts);
}

void _ftc_cs_begin(ftc_tstate *ts, ftc_critical_section *c, ftc_mutex *m)
{
    uint8_t expected = 0;
    /* acquire: as in ftc_mutex_lock. */
    if (FTC_LIKELY(ftc_atomic_cas_acquire(&m->bits, &expected, FTC_MUTEX_LOCKED))) {
        c->mutex = m;
        push(ts, c, 0);
        return;
    }
    if (top_holds(ts, m)) {
        c->mutex = NULL; /* no-op: the top section already holds m */
        c->prev = 0;
        return;
    }
    c->mutex = NULL;
    push(ts, c, 0);
    ftc_mutex_lock(m); /* may detach: suspends the outer sections, not this one */
    c->mutex = m;
}

void _ftc_cs_end(ftc_tstate *ts, ftc_critical_section *c)
{
    if (c->mutex == NULL)
        return; /* a no-op section: never pushed */
    ftc_mutex_unlock(c->mutex);
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
    bool have1 = ftc_mutex_trylock(m1);
    if (have1 && ftc_mutex_trylock(m2)) {
        c->base.mutex = m1;
        c->mutex2 = m2;
        push(ts, &c->base, FTC_CS_TWO);
        return;
    }
    c->base.mutex = NULL;
    c->mutex2 = NULL;
    push(ts, &c->base, FTC_CS_TWO);
    if (!have1)
        ftc_mutex_lock(m1); /* may detach: the outer sections are suspended */
    ftc_mutex_lock(m2);     /* may detach holding m1: the only double hold, in address order */
    c->base.mutex = m1;
    c->mutex2 = m2;
}

void _ftc_cs2_end(ftc_tstate *ts, ftc_critical_section2 *c)
{
    if (c->base.mutex == NULL)
        return;
    if (c->mutex2)
        ftc_mutex_unlock(c->mutex2);
    ftc_mutex_unlock(c->base.mutex);
    pop(ts, &c->base);
}

void _ftc_cs_suspend_all(ftc_tstate *ts)
{
    uintptr_t *link = &ts->critical_section;
    while (*link != 0 && !(*link & FTC_CS_INACTIVE)) {
        ftc_critical_section *c = (ftc_critical_section *)(*link & ~FTC_CS_MASK);
        if (c->mutex) {
            ftc_mutex_unlock(c->mutex);
            if ((*link & FTC_CS_TWO) && as_two(c)->mutex2)
                ftc_mutex_unlock(as_two(c)->mutex2);
        }
        *link |= FTC_CS_INACTIVE;
        link = &c->prev;
    }
}

void _ftc_cs_resume(ftc_tstate *ts)
{
    uintptr_t top = ts->critical_section;
    if (top == 0 || !(top & FTC_CS_INACTIVE))
        return;
    ftc_critical_section *c = (ftc_critical_section *)(top & ~FTC_CS_MASK);
    ftc_mutex *m1 = c->mutex, *m2 = NULL;
    /* Hide the locks while re-taking them: a detach inside the lock calls must not release
     * what this section does not hold yet (and will find nothing to release here). */
    c->mutex = NULL;
    if (top & FTC_CS_TWO) {
        m2 = as_two(c)->mutex2;
        as_two(c)->mutex2 = NULL;
    }
    if (m1)
        ftc_mutex_lock(m1);
    if (m2)
        ftc_mutex_lock(m2);
    c->mutex = m1;
    if (top & FTC_CS_TWO)
        as_two(c)->mutex2 = m2;
    ts->critical_section &= ~FTC_CS_INACTIVE;
}

/* ---- the public entry points: the caller's attached thread state ---- */

static ftc_tstate *require_tstate(const char *func)
{
    ftc_tstate *ts = ftc_tstate_get ? ftc_tstate_get() : NULL;
    if (ts == NULL)
        ftc_fatal("%s: a critical section needs an attached thread state", func);
    return ts;
}

void ftc_critical_section_begin_mutex(ftc_critical_section *c, ftc_mutex *m)
{
    _ftc_cs_begin(require_tstate(__func__), c, m);
}

void ftc_critical_section_end(ftc_critical_section *c)
{
    _ftc_cs_end(require_tstate(__func__), c);
}

void ftc_critical_section2_begin_mutex(ftc_critical_section2 *c, ftc_mutex *m1, ftc_mutex *m2)
{
    _ftc_cs2_begin(require_tstate(__func__), c, m1, m2);
}

void ftc_critical_section2_end(ftc_critical_section2 *c)
{
    _ftc_cs2_end(require_tstate(__func__), c);
}

#else /* GIL build: sections are empty blocks, so the stack is always empty. */

void _ftc_cs_suspend_all(ftc_tstate *ts)
{
    FTC_UNUSED(ts);
}

void _ftc_cs_resume(ftc_tstate *ts)
{
    FTC_UNUSED(ts);
}

#endif
