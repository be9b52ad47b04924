/* Barrier objects with one thread: a one-party barrier, the action (and its failure), broken
 * state, reset, abort, timeouts, error paths. Many threads: tests/stress/sync_barrier_stress.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(barrier, .init = setup, .fini = teardown);

static int action_calls;
static int action_result;
static int count_action(void *arg)
{
    (void)arg;
    action_calls++;
    return action_result;
}

Test(barrier, one_party_passes_at_once_and_runs_the_action)
{
    action_calls = 0;
    action_result = 0;
    ftc_object *b = ftc_barrier_new(1, count_action, NULL, -1);
    cr_assert_not_null(b);
    cr_assert_eq(ftc_barrier_parties(b), 1);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ftc_barrier_wait(b, -1), 0);
    cr_assert_eq(action_calls, 5);
    cr_assert_eq(ftc_barrier_n_waiting(b), 0);
    cr_assert_eq(ftc_barrier_broken(b), 0);
    ftc_decref(b);
}

Test(barrier, failing_action_breaks_it)
{
    action_calls = 0;
    action_result = FTC_EUSER - 9;
    ftc_object *b = ftc_barrier_new(1, count_action, NULL, -1);
    cr_assert_eq(ftc_barrier_wait(b, -1), FTC_EUSER - 9, "the action's error, to its thread");
    cr_assert_eq(ftc_barrier_broken(b), 1);
    cr_assert_eq(ftc_barrier_wait(b, -1), FTC_EBROKEN);
    cr_assert_eq(action_calls, 1, "a broken barrier runs no action");
    cr_assert_eq(ftc_barrier_reset(b), 0);
    cr_assert_eq(ftc_barrier_broken(b), 0);
    action_result = 0;
    cr_assert_eq(ftc_barrier_wait(b, -1), 0);
    cr_assert_eq(action_calls, 2);
    ftc_decref(b);
}

Test(barrier, timeout_breaks_it_after_the_timeout)
{
    ftc_object *b = ftc_barrier_new(2, NULL, NULL, -1);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_barrier_wait(b, 0.05), FTC_EBROKEN);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(ftc_barrier_broken(b), 1);
    cr_assert_eq(ftc_barrier_n_waiting(b), 0);
    t0 = ftc_monotonic();
    cr_assert_eq(ftc_barrier_wait(b, -1), FTC_EBROKEN, "broken: no wait at all");
    cr_assert_eq(ftc_barrier_reset(b), 0);
    cr_assert_eq(ftc_barrier_broken(b), 0);
    cr_assert_eq(ftc_barrier_wait(b, 0), FTC_EBROKEN, "a zero timeout breaks it at once");
    ftc_decref(b);
}

Test(barrier, default_timeout)
{
    ftc_object *b = ftc_barrier_new(3, NULL, NULL, 0.03);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_barrier_wait_default(b), FTC_EBROKEN);
    cr_assert_geq(ftc_monotonic() - t0, 0.03);
    ftc_decref(b);
}

Test(barrier, abort_and_reset)
{
    ftc_object *b = ftc_barrier_new(2, NULL, NULL, -1);
    cr_assert_eq(ftc_barrier_abort(b), 0);
    cr_assert_eq(ftc_barrier_broken(b), 1);
    cr_assert_eq(ftc_barrier_wait(b, -1), FTC_EBROKEN);
    cr_assert_eq(ftc_barrier_reset(b), 0);
    cr_assert_eq(ftc_barrier_broken(b), 0);
    cr_assert_eq(ftc_barrier_reset(b), 0, "reset of a fresh barrier is fine");
    ftc_decref(b);
}

static ftc_object *self_barrier;
static int reentering_action(void *arg)
{
    (void)arg;
    cr_assert_eq(ftc_barrier_wait(self_barrier, -1), FTC_EDEADLK);
    cr_assert_eq(ftc_barrier_abort(self_barrier), FTC_EDEADLK);
    cr_assert_eq(ftc_barrier_reset(self_barrier), FTC_EDEADLK);
    return 0;
}

Test(barrier, action_cannot_wait_for_itself)
{
    self_barrier = ftc_barrier_new(1, reentering_action, NULL, -1);
    cr_assert_eq(ftc_barrier_wait(self_barrier, -1), 0);
    cr_assert_eq(ftc_barrier_broken(self_barrier), 0);
    ftc_decref(self_barrier);
}

Test(barrier, bad_arguments)
{
    cr_assert_null(ftc_barrier_new(0, NULL, NULL, -1));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
    cr_assert_null(ftc_barrier_new(2, NULL, NULL, NAN));
    ftc_object *b = ftc_barrier_new(2, NULL, NULL, -1);
    cr_assert_eq(ftc_barrier_wait(b, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_barrier_broken(b), 0, "a refused call changes nothing");
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_barrier_wait(l, -1), FTC_ETYPE);
    cr_assert_eq(ftc_barrier_abort(l), FTC_ETYPE);
    cr_assert_eq(ftc_barrier_reset(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_barrier_parties(l), FTC_ETYPE);
    ftc_decref(l);
    ftc_decref(b);
}

Test(barrier, async_exception_breaks_it_and_returns_the_code)
{
    ftc_object *b = ftc_barrier_new(2, NULL, NULL, -1);
    const int code = FTC_EUSER - 4;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_barrier_wait(b, -1), code);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_barrier_broken(b), 1);
    cr_assert_eq(ftc_barrier_n_waiting(b), 0);
    ftc_decref(b);
}
