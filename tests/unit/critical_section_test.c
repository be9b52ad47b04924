/* Critical sections, white-box: the stack, nesting, re-entry as a no-op, two-mutex sections in
 * address order, suspension of every section (what detach does) and resumption of the top one
 * only (what attach does), with the rest resumed when popped to. A zeroed ftc_tstate stands in
 * for the caller's (only its critical_section field is used). The multi-threaded behaviour,
 * with real detach, is in tests/stress/cs_*.c. In the GIL build the macros are empty blocks. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/critical_section.h"
#include "internal/parking_lot.h"

#ifdef FTC_GIL_DISABLED

static ftc_tstate ts;

static void reset(void) { memset(&ts, 0, sizeof ts); }

static uintptr_t link_of(void *c, uintptr_t tags) { return (uintptr_t)c | tags; }

Test(critical_section, begin_end_single, .init = reset)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    ftc_critical_section c;
    _ftc_cs_begin(&ts, &c, &m);
    cr_assert(ftc_mutex_is_locked(&m));
    cr_assert_eq(ts.critical_section, link_of(&c, 0));
    cr_assert_eq(c.prev, 0);
    _ftc_cs_end(&ts, &c);
    cr_assert(!ftc_mutex_is_locked(&m));
    cr_assert_eq(ts.critical_section, 0);
}

Test(critical_section, nesting_keeps_outer_locked_when_nothing_blocks, .init = reset)
{
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT;
    ftc_critical_section ca, cb;
    _ftc_cs_begin(&ts, &ca, &a);
    _ftc_cs_begin(&ts, &cb, &b);
    cr_assert(ftc_mutex_is_locked(&a) && ftc_mutex_is_locked(&b));
    cr_assert_eq(ts.critical_section, link_of(&cb, 0));
    cr_assert_eq(cb.prev, link_of(&ca, 0));
    _ftc_cs_end(&ts, &cb);
    cr_assert(!ftc_mutex_is_locked(&b));
    cr_assert(ftc_mutex_is_locked(&a));
    _ftc_cs_end(&ts, &ca);
    cr_assert_eq(ts.critical_section, 0);
    cr_assert(!ftc_mutex_is_locked(&a));
}

Test(critical_section, reentry_of_the_top_mutex_is_a_noop, .init = reset)
{
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT;
    ftc_critical_section c1, c2;
    _ftc_cs_begin(&ts, &c1, &a);
    _ftc_cs_begin(&ts, &c2, &a);
    cr_assert_eq(c2.mutex, NULL);
    cr_assert_eq(ts.critical_section, link_of(&c1, 0), "a no-op section is not pushed");
    _ftc_cs_end(&ts, &c2);
    cr_assert(ftc_mutex_is_locked(&a), "ending the no-op section keeps the lock");
    /* re-entry through a two-mutex top section, on either of its mutexes */
    ftc_critical_section2 c3;
    _ftc_cs_end(&ts, &c1);
    _ftc_cs2_begin(&ts, &c3, &a, &b);
    ftc_critical_section c4, c5;
    _ftc_cs_begin(&ts, &c4, &b);
    cr_assert_eq(c4.mutex, NULL);
    _ftc_cs_begin(&ts, &c5, &a);
    cr_assert_eq(c5.mutex, NULL);
    ftc_critical_section2 c6;
    _ftc_cs2_begin(&ts, &c6, &b, &a);
    cr_assert_eq(c6.base.mutex, NULL, "both held by the top: no-op");
    _ftc_cs2_end(&ts, &c6);
    _ftc_cs_end(&ts, &c5);
    _ftc_cs_end(&ts, &c4);
    cr_assert(ftc_mutex_is_locked(&a) && ftc_mutex_is_locked(&b));
    _ftc_cs2_end(&ts, &c3);
    cr_assert(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&b));
    cr_assert_eq(ts.critical_section, 0);
}

Test(critical_section, two_mutexes_in_address_order, .init = reset)
{
    ftc_mutex ms[2] = {FTC_MUTEX_INIT, FTC_MUTEX_INIT};
    ftc_critical_section2 c;
    _ftc_cs2_begin(&ts, &c, &ms[1], &ms[0]);
    cr_assert_eq(c.base.mutex, &ms[0], "the lower address is taken first");
    cr_assert_eq(c.mutex2, &ms[1]);
    cr_assert_eq(ts.critical_section, link_of(&c, FTC_CS_TWO));
    cr_assert(ftc_mutex_is_locked(&ms[0]) && ftc_mutex_is_locked(&ms[1]));
    _ftc_cs2_end(&ts, &c);
    cr_assert(!ftc_mutex_is_locked(&ms[0]) && !ftc_mutex_is_locked(&ms[1]));
    cr_assert_eq(ts.critical_section, 0);
    /* the same mutex twice locks it once */
    _ftc_cs2_begin(&ts, &c, &ms[0], &ms[0]);
    cr_assert_eq(c.mutex2, NULL);
    cr_assert(ftc_mutex_is_locked(&ms[0]));
    cr_assert_eq(ts.critical_section, link_of(&c, FTC_CS_TWO));
    _ftc_cs2_end(&ts, &c);
    cr_assert(!ftc_mutex_is_locked(&ms[0]));
}

Test(critical_section, suspend_all_then_resume_top_then_pop, .init = reset)
{
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT, c = FTC_MUTEX_INIT, d = FTC_MUTEX_INIT;
    ftc_critical_section ca, cd;
    ftc_critical_section2 cbc;
    _ftc_cs_begin(&ts, &ca, &a);
    _ftc_cs2_begin(&ts, &cbc, &b, &c);
    _ftc_cs_begin(&ts, &cd, &d);

    _ftc_cs_suspend_all(&ts); /* detach */
    cr_assert(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&b) && !ftc_mutex_is_locked(&c) &&
                  !ftc_mutex_is_locked(&d),
              "every section's locks are released");
    cr_assert_eq(ts.critical_section, link_of(&cd, FTC_CS_INACTIVE));
    cr_assert_eq(cd.prev, link_of(&cbc, FTC_CS_TWO | FTC_CS_INACTIVE));
    cr_assert_eq(cbc.base.prev, link_of(&ca, FTC_CS_INACTIVE));
    _ftc_cs_suspend_all(&ts); /* idempotent */
    cr_assert_eq(ts.critical_section, link_of(&cd, FTC_CS_INACTIVE));

    _ftc_cs_resume(&ts); /* attach */
    cr_assert(ftc_mutex_is_locked(&d), "the top is re-taken");
    cr_assert(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&b) && !ftc_mutex_is_locked(&c),
              "the others stay released");
    cr_assert_eq(ts.critical_section, link_of(&cd, 0));
    _ftc_cs_resume(&ts); /* nothing to do when the top is active */
    cr_assert_eq(ts.critical_section, link_of(&cd, 0));

    _ftc_cs_end(&ts, &cd); /* pops to the suspended two-mutex section: resumes it */
    cr_assert(!ftc_mutex_is_locked(&d));
    cr_assert(ftc_mutex_is_locked(&b) && ftc_mutex_is_locked(&c));
    cr_assert(!ftc_mutex_is_locked(&a));
    cr_assert_eq(ts.critical_section, link_of(&cbc, FTC_CS_TWO));
    _ftc_cs2_end(&ts, &cbc);
    cr_assert(ftc_mutex_is_locked(&a));
    cr_assert(!ftc_mutex_is_locked(&b) && !ftc_mutex_is_locked(&c));
    cr_assert_eq(ts.critical_section, link_of(&ca, 0));
    _ftc_cs_end(&ts, &ca);
    cr_assert_eq(ts.critical_section, 0);
    cr_assert(!ftc_mutex_is_locked(&a));
}

Test(critical_section, suspend_with_nothing_and_with_noop_sections, .init = reset)
{
    _ftc_cs_suspend_all(&ts);
    _ftc_cs_resume(&ts);
    cr_assert_eq(ts.critical_section, 0);
    ftc_mutex a = FTC_MUTEX_INIT;
    ftc_critical_section c1, c2;
    _ftc_cs_begin(&ts, &c1, &a);
    _ftc_cs_begin(&ts, &c2, &a); /* no-op */
    _ftc_cs_suspend_all(&ts);
    cr_assert(!ftc_mutex_is_locked(&a));
    _ftc_cs_resume(&ts);
    cr_assert(ftc_mutex_is_locked(&a), "the no-op section's code runs with the lock held again");
    _ftc_cs_end(&ts, &c2);
    cr_assert(ftc_mutex_is_locked(&a));
    _ftc_cs_end(&ts, &c1);
    cr_assert(!ftc_mutex_is_locked(&a));
}

/* A two-mutex section whose top section holds exactly one of the two takes both without
 * parking: it suspends the top (which held one), takes both in address order, and the pop
 * resumes the top. Before the fix the lock call on the held mutex spun, then parked until its
 * own detach released the top's hold (one park per such section, 40 yields before it). */
static void cs2_over_one_held(int held)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_mutex ms[2] = {FTC_MUTEX_INIT, FTC_MUTEX_INIT};
    uint64_t parks = _ftc_parking_lot_parks();
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&ms[held]);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&ms[1], &ms[0]);
    cr_assert(ftc_mutex_is_locked(&ms[0]) && ftc_mutex_is_locked(&ms[1]));
    cr_assert_eq(_ftc_tstate_current->critical_section, link_of(&_ftc_cs2, FTC_CS_TWO),
                 "the inner is the top");
    cr_assert(_ftc_cs2.base.prev & FTC_CS_INACTIVE, "the outer section is suspended");
    FTC_END_CRITICAL_SECTION2();
    cr_assert(ftc_mutex_is_locked(&ms[held]), "the outer section holds its lock again");
    cr_assert(!ftc_mutex_is_locked(&ms[1 - held]));
    cr_assert_eq(_ftc_tstate_current->critical_section, link_of(&_ftc_cs, 0));
    FTC_END_CRITICAL_SECTION();
    cr_assert(!ftc_mutex_is_locked(&ms[held]));
    cr_assert_eq(_ftc_parking_lot_parks(), parks, "no park: the thread waited for nobody");
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(critical_section, two_mutexes_over_a_top_holding_the_lower_one) { cs2_over_one_held(0); }

Test(critical_section, two_mutexes_over_a_top_holding_the_higher_one) { cs2_over_one_held(1); }

/* White-box: the same with a thread state that is not the caller's (so no detach can rescue a
 * wait: before the fix the lock call parked for good, and the timeout failed the test). */
Test(critical_section, two_mutexes_over_one_held_white_box, .init = reset, .timeout = 20)
{
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT, c = FTC_MUTEX_INIT;
    ftc_critical_section2 top, inner;
    _ftc_cs2_begin(&ts, &top, &a, &c);
    _ftc_cs2_begin(&ts, &inner, &b, &c);
    cr_assert_eq(ts.critical_section, link_of(&inner, FTC_CS_TWO));
    cr_assert_eq(inner.base.prev, link_of(&top, FTC_CS_TWO | FTC_CS_INACTIVE));
    cr_assert(!ftc_mutex_is_locked(&a), "the suspended top released both of its locks");
    cr_assert(ftc_mutex_is_locked(&b) && ftc_mutex_is_locked(&c));
    _ftc_cs2_end(&ts, &inner);
    cr_assert(ftc_mutex_is_locked(&a) && ftc_mutex_is_locked(&c) && !ftc_mutex_is_locked(&b));
    cr_assert_eq(ts.critical_section, link_of(&top, FTC_CS_TWO));
    _ftc_cs2_end(&ts, &top);
    cr_assert(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&c));
    cr_assert_eq(ts.critical_section, 0);
}

#else /* GIL build */

/* Sections need an attached thread state in both builds (checked here when FTC_DEBUG >= 1:
 * tests/misuse/no_tstate_misuse.c), so these run inside a runtime. */
Test(critical_section, macros_are_plain_blocks)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_mutex m = FTC_MUTEX_INIT, n = FTC_MUTEX_INIT;
    int x = 0;
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&m);
    x++;
    FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&m, &n);
    x++;
    FTC_END_CRITICAL_SECTION2();
    FTC_END_CRITICAL_SECTION();
    cr_assert_eq(x, 2);
    cr_assert(!ftc_mutex_is_locked(&m), "the GIL build takes no lock");
    _ftc_cs_suspend_all(NULL);
    _ftc_cs_resume(NULL);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(critical_section, functions_exist_and_are_no_ops)
{
    /* Both builds export the same symbols; in this one the functions begin no-op sections. */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_mutex m = FTC_MUTEX_INIT, n = FTC_MUTEX_INIT;
    ftc_critical_section c;
    ftc_critical_section2 c2;
    cr_assert_null(_ftc_cs_top_link);
    ftc_critical_section_begin_mutex(&c, &m);
    cr_assert_null(c.mutex);
    cr_assert(!ftc_mutex_is_locked(&m));
    ftc_critical_section2_begin_mutex(&c2, &m, &n);
    cr_assert_null(c2.base.mutex);
    cr_assert(!ftc_mutex_is_locked(&m) && !ftc_mutex_is_locked(&n));
    ftc_critical_section2_end(&c2);
    ftc_critical_section_end(&c);
    cr_assert_null(_ftc_cs_top_link);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

#endif
