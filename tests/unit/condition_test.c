/* Condition objects: ownership checks, waits that time out with the lock restored (a Lock and
 * an RLock at level 3), wait_for, error paths. Notification between threads is in
 * tests/stress/sync_cond_stress.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(condition, .init = setup, .fini = teardown);

Test(condition, default_lock_is_an_rlock)
{
    ftc_object *c = ftc_condition_new(NULL);
    cr_assert_not_null(c);
    ftc_object *l = ftc_condition_get_lock_ref(c);
    cr_assert_eq(ftc_type_of(l), &ftc_rlock_type);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    cr_assert_eq(ftc_rlock_level(l), 2);
    cr_assert_eq(ftc_condition_release(c), 0);
    cr_assert_eq(ftc_condition_release(c), 0);
    cr_assert_eq(ftc_condition_release(c), FTC_EPERM);
    ftc_decref(l);
    ftc_decref(c);
}

Test(condition, wait_and_notify_need_the_lock)
{
    ftc_object *lock = ftc_lock_new();
    ftc_object *c = ftc_condition_new(lock);
    cr_assert_eq(ftc_condition_wait(c, 0), FTC_EPERM);
    cr_assert_eq(ftc_condition_notify(c, 1), FTC_EPERM);
    cr_assert_eq(ftc_condition_notify_all(c), FTC_EPERM);
    cr_assert_eq(ftc_condition_release(c), FTC_ESTATE, "a plain Lock that is not locked");
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    cr_assert_eq(ftc_lock_locked(lock), 1, "the condition uses the given lock");
    cr_assert_eq(ftc_condition_notify(c, 1), 0, "notify without waiters is fine");
    cr_assert_eq(ftc_condition_notify_all(c), 0);
    cr_assert_eq(ftc_condition_release(c), 0);
    ftc_object *r = ftc_rlock_new();
    ftc_object *c2 = ftc_condition_new(r);
    cr_assert_eq(ftc_condition_wait(c2, 0), FTC_EPERM);
    ftc_decref(c2);
    ftc_decref(r);
    ftc_decref(c);
    ftc_decref(lock);
}

Test(condition, timed_wait_restores_a_lock)
{
    ftc_object *lock = ftc_lock_new();
    ftc_object *c = ftc_condition_new(lock);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_condition_wait(c, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(ftc_lock_locked(lock), 1);
    cr_assert_eq(ftc_condition_wait(c, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_lock_locked(lock), 1);
    cr_assert_eq(ftc_condition_release(c), 0);
    ftc_decref(c);
    ftc_decref(lock);
}

Test(condition, timed_wait_restores_an_rlock_level)
{
    ftc_object *r = ftc_rlock_new();
    ftc_object *c = ftc_condition_new(r);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ftc_rlock_acquire(r, -1), 0);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_condition_wait(c, 0.03), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.03);
    cr_assert_eq(ftc_rlock_is_owned(r), 1);
    cr_assert_eq(ftc_rlock_level(r), 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ftc_rlock_release(r), 0);
    cr_assert_eq(ftc_rlock_release(r), FTC_EPERM);
    ftc_decref(c);
    ftc_decref(r);
}

struct pred_state {
    int calls;
    int answer_at; /* return 1 from this call on; 0 = never */
    int fail;      /* return this code instead, if non-zero */
};

static int pred(void *arg)
{
    struct pred_state *s = arg;
    s->calls++;
    if (s->fail)
        return s->fail;
    return s->answer_at && s->calls >= s->answer_at;
}

Test(condition, wait_for)
{
    ftc_object *c = ftc_condition_new(NULL);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    struct pred_state s = {.answer_at = 1};
    cr_assert_eq(ftc_condition_wait_for(c, pred, &s, -1), 0, "true at once: no wait");
    cr_assert_eq(s.calls, 1);

    struct pred_state never = {0};
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_condition_wait_for(c, pred, &never, 0.04), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.04);
    cr_assert_geq(never.calls, 2, "evaluated before and after the wait");

    struct pred_state at0 = {0};
    cr_assert_eq(ftc_condition_wait_for(c, pred, &at0, 0), FTC_ETIMEDOUT);
    cr_assert_eq(at0.calls, 1);

    struct pred_state bad = {.fail = FTC_EUSER - 2};
    cr_assert_eq(ftc_condition_wait_for(c, pred, &bad, -1), FTC_EUSER - 2);
    cr_assert_eq(ftc_condition_wait_for(c, NULL, NULL, -1), FTC_EINVAL);
    cr_assert_eq(ftc_condition_wait(c, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_condition_release(c), 0);
    cr_assert_eq(ftc_condition_wait_for(c, pred, &s, -1), FTC_EPERM);
    ftc_decref(c);
}

Test(condition, bad_arguments)
{
    ftc_object *e = ftc_sync_event_new();
    cr_assert_null(ftc_condition_new(e));
    cr_assert_eq(ftc_last_error(), FTC_ETYPE);
    cr_assert_eq(ftc_condition_wait(e, 0), FTC_ETYPE);
    cr_assert_eq(ftc_condition_notify(NULL, 1), FTC_EINVAL);
    cr_assert_null(ftc_condition_get_lock_ref(e));
    ftc_decref(e);
}

Test(condition, async_exception_ends_a_wait_with_the_lock_held)
{
    ftc_object *c = ftc_condition_new(NULL);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    const int code = FTC_EUSER - 5;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_condition_wait(c, -1), code);
    cr_assert_eq(ftc_eval_tick(), 0);
    ftc_object *l = ftc_condition_get_lock_ref(c);
    cr_assert_eq(ftc_rlock_level(l), 2);
    ftc_decref(l);
    cr_assert_eq(ftc_condition_release(c), 0);
    cr_assert_eq(ftc_condition_release(c), 0);
    ftc_decref(c);
}

Test(condition, keeps_its_lock_alive)
{
    ftc_object *lock = ftc_lock_new();
    ftc_object *c = ftc_condition_new(lock);
    ftc_decref(lock); /* the condition's reference keeps it */
    cr_assert_eq(ftc_condition_acquire(c, -1), 0);
    cr_assert_eq(ftc_condition_release(c), 0);
    ftc_decref(c);
}
