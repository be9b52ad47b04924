/* Event objects (threading.Event): set, clear, is_set, wait, error paths, timeout lower bounds.
 * (tests/unit/event_test.c is the lock layer's one-shot ftc_event.) */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(event_obj, .init = setup, .fini = teardown);

Test(event_obj, set_clear_is_set_wait)
{
    ftc_object *e = ftc_sync_event_new();
    cr_assert_not_null(e);
    cr_assert_eq(ftc_sync_event_is_set(e), 0);
    cr_assert_eq(ftc_sync_event_wait(e, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_sync_event_set(e), 0);
    cr_assert_eq(ftc_sync_event_is_set(e), 1);
    cr_assert_eq(ftc_sync_event_wait(e, -1), 0);
    cr_assert_eq(ftc_sync_event_wait(e, 0), 0);
    cr_assert_eq(ftc_sync_event_set(e), 0, "setting twice is fine");
    cr_assert_eq(ftc_sync_event_clear(e), 0);
    cr_assert_eq(ftc_sync_event_is_set(e), 0);
    cr_assert_eq(ftc_sync_event_clear(e), 0);
    ftc_decref(e);
}

Test(event_obj, timed_wait_lower_bound)
{
    ftc_object *e = ftc_sync_event_new();
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_sync_event_wait(e, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    ftc_decref(e);
}

Test(event_obj, error_paths)
{
    ftc_object *e = ftc_sync_event_new();
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_sync_event_wait(e, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_sync_event_set(e), 0);
    cr_assert_eq(ftc_sync_event_wait(e, NAN), FTC_EINVAL, "even when it would not wait");
    cr_assert_eq(ftc_sync_event_set(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_sync_event_set(l), FTC_ETYPE);
    cr_assert_eq(ftc_sync_event_clear(l), FTC_ETYPE);
    cr_assert_eq(ftc_sync_event_is_set(l), FTC_ETYPE);
    cr_assert_eq(ftc_sync_event_wait(l, 0), FTC_ETYPE);
    ftc_decref(l);
    ftc_decref(e);
}

Test(event_obj, async_exception_ends_a_wait)
{
    ftc_object *e = ftc_sync_event_new();
    const int code = FTC_EUSER - 11;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_sync_event_wait(e, -1), code);
    cr_assert_eq(ftc_eval_tick(), 0);
    /* a set event does not wait, so it is not interrupted */
    cr_assert_eq(ftc_sync_event_set(e), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_sync_event_wait(e, -1), 0);
    cr_assert_eq(ftc_eval_tick(), code);
    ftc_decref(e);
}
