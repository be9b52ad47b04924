/* The GIL's single-thread semantics: interval, statistics, enable/disable. */
#include <criterion/criterion.h>

#include "check.h"
#include "internal/state.h"

Test(gil, switch_interval_default_set_get)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_float_eq(ftc_get_switch_interval(), 0.005, 1e-9);
    cr_assert_eq(ftc_set_switch_interval(0.001), 0);
    cr_assert_float_eq(ftc_get_switch_interval(), 0.001, 1e-9);
    cr_assert_eq(ftc_set_switch_interval(0), FTC_EINVAL);
    cr_assert_eq(ftc_set_switch_interval(-1), FTC_EINVAL);
    cr_assert_float_eq(ftc_get_switch_interval(), 0.001, 1e-9);
    cr_assert_eq(ftc_runtime_fini(), 0);
    /* init resets it from the config */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_float_eq(ftc_get_switch_interval(), 0.005, 1e-9);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static int init_with_gil(void)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    return ftc_runtime_init(&cfg);
}

Test(gil, statistics_count_acquisitions_without_switches)
{
    cr_assert_eq(init_with_gil(), 0);
    ftc_gil_reset_stats();
    for (int i = 0; i < 10; i++) {
        FTC_BEGIN_ALLOW_THREADS
        FTC_END_ALLOW_THREADS
    }
    ftc_gil_stats st;
    cr_assert_eq(ftc_gil_get_stats(&st), 0);
    cr_assert_eq(st.acquisitions, 10);
    cr_assert_eq(st.switches, 0);          /* always the same holder */
    cr_assert_eq(st.forced_switches, 0);
    cr_assert_eq(st.drop_requests, 0);
    cr_assert_eq(st.max_wait, 0);
    cr_assert_eq(ftc_gil_get_stats(NULL), FTC_EINVAL);
    ftc_gil_reset_stats();
    cr_assert_eq(ftc_gil_get_stats(&st), 0);
    cr_assert_eq(st.acquisitions, 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(gil, holder_and_release)
{
    cr_assert_eq(init_with_gil(), 0);
    ftc_tstate *ts = ftc_tstate_get();
    cr_assert_eq(ts->gil->holder, ts);
    cr_assert_eq(ts->holds_gil, 1);
    ftc_detach();
    cr_assert_null(ts->gil->holder);
    cr_assert_eq(ts->holds_gil, 0);
    ftc_attach(ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

#ifdef FTC_GIL_DISABLED
Test(gil, switched_on_and_off_at_run_time)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *ts = ftc_tstate_get();
    cr_assert_eq(ftc_gil_enabled(), 0);
    cr_assert_eq(ts->holds_gil, 0);
    cr_assert_eq(ftc_gil_set_enabled(1), 0);
    cr_assert_eq(ftc_gil_enabled(), 1);
    cr_assert_eq(ts->holds_gil, 1);
    ftc_detach();
    cr_assert_eq(ts->holds_gil, 0);
    ftc_attach(ts);
    cr_assert_eq(ts->holds_gil, 1);
    cr_assert_eq(ftc_gil_set_enabled(0), 0);
    cr_assert_eq(ftc_gil_enabled(), 0);
    cr_assert_eq(ts->holds_gil, 0);
    cr_assert_eq(ftc_gil_set_enabled(2), FTC_EINVAL);
    cr_assert_eq(ftc_runtime_fini(), 0);
}
#endif
