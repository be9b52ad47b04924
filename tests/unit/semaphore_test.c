/* Semaphore and BoundedSemaphore: counting, bounds, error paths, timeout lower bounds. The
 * concurrent admission check is tests/stress/sync_sem_stress.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(semaphore, .init = setup, .fini = teardown);

Test(semaphore, counts_units)
{
    ftc_object *s = ftc_semaphore_new(2);
    cr_assert_not_null(s);
    cr_assert_eq(ftc_semaphore_value(s), 2);
    cr_assert_eq(ftc_semaphore_acquire(s, -1), 0);
    cr_assert_eq(ftc_semaphore_acquire(s, 0), 0);
    cr_assert_eq(ftc_semaphore_value(s), 0);
    cr_assert_eq(ftc_semaphore_acquire(s, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_semaphore_release(s, 3), 0);
    cr_assert_eq(ftc_semaphore_value(s), 3, "an unbounded semaphore may exceed its start value");
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ftc_semaphore_acquire(s, 0), 0);
    cr_assert_eq(ftc_semaphore_acquire(s, 0), FTC_ETIMEDOUT);
    ftc_decref(s);
}

Test(semaphore, zero_start_and_timed_acquire_lower_bound)
{
    ftc_object *s = ftc_semaphore_new(0);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_semaphore_acquire(s, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(ftc_semaphore_value(s), 0);
    /* the timed-out waiter cleared its trace: a release takes the fast path and counts */
    cr_assert_eq(ftc_semaphore_release(s, 1), 0);
    cr_assert_eq(ftc_semaphore_value(s), 1);
    cr_assert_eq(ftc_semaphore_acquire(s, 0), 0);
    ftc_decref(s);
}

Test(semaphore, bounded_refuses_release_past_its_bound)
{
    ftc_object *s = ftc_bounded_semaphore_new(2);
    cr_assert_eq(ftc_type_of(s), &ftc_bounded_semaphore_type);
    cr_assert_eq(ftc_semaphore_release(s, 1), FTC_EINVAL);
    cr_assert_eq(ftc_semaphore_value(s), 2, "nothing changed");
    cr_assert_eq(ftc_semaphore_acquire(s, -1), 0);
    cr_assert_eq(ftc_semaphore_release(s, 2), FTC_EINVAL);
    cr_assert_eq(ftc_semaphore_value(s), 1);
    cr_assert_eq(ftc_semaphore_release(s, 1), 0);
    cr_assert_eq(ftc_semaphore_value(s), 2);
    cr_assert_eq(ftc_semaphore_release(s, 3), FTC_EINVAL);
    ftc_decref(s);
}

Test(semaphore, error_paths)
{
    ftc_object *s = ftc_semaphore_new(1);
    cr_assert_eq(ftc_semaphore_release(s, 0), FTC_EINVAL);
    cr_assert_eq(ftc_semaphore_acquire(NULL, 0), FTC_EINVAL);
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_semaphore_acquire(l, 0), FTC_ETYPE);
    cr_assert_eq(ftc_semaphore_release(l, 1), FTC_ETYPE);
    cr_assert_eq(ftc_semaphore_value(l), FTC_ETYPE);
    ftc_decref(l);
    cr_assert_eq(ftc_semaphore_acquire(s, NAN), FTC_EINVAL, "even when it would not wait");
    cr_assert_eq(ftc_semaphore_value(s), 1);
    cr_assert_eq(ftc_semaphore_acquire(s, 0), 0);
    cr_assert_eq(ftc_semaphore_acquire(s, NAN), FTC_EINVAL);
    cr_assert_null(ftc_semaphore_new((uint64_t)FTC_SEMAPHORE_MAX + 1));
    cr_assert_eq(ftc_last_error(), FTC_EOVERFLOW);
    cr_assert_eq(ftc_semaphore_release(s, (uint64_t)FTC_SEMAPHORE_MAX), 0);
    cr_assert_eq(ftc_semaphore_release(s, 1), FTC_EOVERFLOW);
    cr_assert_eq(ftc_semaphore_value(s), FTC_SEMAPHORE_MAX);
    ftc_decref(s);
}

Test(semaphore, async_exception_ends_a_blocked_acquire)
{
    ftc_object *s = ftc_semaphore_new(0);
    const int code = FTC_EUSER - 3;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_semaphore_acquire(s, -1), code);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_semaphore_release(s, 1), 0);
    cr_assert_eq(ftc_semaphore_value(s), 1, "the interrupted acquire took nothing");
    ftc_decref(s);
}
