/* Fault-injection walk shared by the Criterion suites of the object constructors (int_test.c,
 * object_test.c, str_test.c). Include after criterion.h. */
#ifndef FTC_TEST_UNIT_FAULT_H
#define FTC_TEST_UNIT_FAULT_H

#include <ftcore/ftcore.h>

/* Counts the allocations one make() does, then makes allocation n fail for every n of
 * them: each such make() must return NULL with FTC_ENOMEM in ftc_last_error() and leave
 * no object alive. */
static inline void unit_new_fault_walk(ftc_object *(*make)(void))
{
    int64_t live = ftc_object_live_count();
    ftc_fault_alloc_fail_after(0);
    ftc_object *o = make();
    uint64_t allocs = ftc_fault_alloc_count();
    cr_assert_not_null(o);
    cr_assert_geq(allocs, 1);
    ftc_decref(o);
    for (uint64_t n = 1; n <= allocs; n++) {
        ftc_fault_alloc_fail_after(n);
        ftc_set_last_error(0);
        o = make();
        ftc_fault_alloc_fail_after(0);
        cr_assert_null(o, "allocation %lu of %lu failed but the object was made", (unsigned long)n,
                       (unsigned long)allocs);
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
        cr_assert_eq(ftc_object_live_count(), live);
    }
}

#endif /* FTC_TEST_UNIT_FAULT_H */
