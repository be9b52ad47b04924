/* The GIL's single-thread semantics: interval, I/O priority settings, statistics,
 * enable/disable. The priority's ordering between threads: tests/stress/gil_priority.c. */
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

Test(gil, io_priority_default_set_get_and_config)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cr_assert_eq(cfg.gil_io_priority, 1);
    cr_assert_float_eq(cfg.gil_io_grace, 0.0, 1e-12);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    double grace = -1;
    cr_assert_eq(ftc_get_gil_io_priority(&grace), 1);
    cr_assert_float_eq(grace, 0.0, 1e-12);
    cr_assert_eq(ftc_set_gil_io_priority(0, 0.002), 0);
    cr_assert_eq(ftc_get_gil_io_priority(&grace), 0);
    cr_assert_float_eq(grace, 0.002, 1e-9);
    /* bad values change nothing */
    cr_assert_eq(ftc_set_gil_io_priority(2, 0.001), FTC_EINVAL);
    cr_assert_eq(ftc_set_gil_io_priority(1, -0.001), FTC_EINVAL);
    cr_assert_eq(ftc_set_gil_io_priority(1, 0.0 / 0.0), FTC_EINVAL);
    cr_assert_eq(ftc_set_gil_io_priority(1, 2e6), FTC_EINVAL);
    cr_assert_eq(ftc_get_gil_io_priority(NULL), 0);
    cr_assert_eq(ftc_get_gil_io_priority(&grace), 0);
    cr_assert_float_eq(grace, 0.002, 1e-9);
    cr_assert_eq(ftc_runtime_fini(), 0);
    /* init sets both from its config, and refuses bad ones */
    cfg.gil_io_priority = 3;
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
    cfg.gil_io_priority = 1;
    cfg.gil_io_grace = -1;
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
    cfg.gil_io_grace = 0.0001;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    cr_assert_eq(ftc_get_gil_io_priority(&grace), 1);
    cr_assert_float_eq(grace, 0.0001, 1e-9);
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
    cr_assert_eq(st.switches, 0); /* always the same holder */
    cr_assert_eq(st.forced_switches, 0);
    cr_assert_eq(st.drop_requests, 0);
    cr_assert_eq(st.max_wait, 0);
    /* re-attaching with nobody else around: priority takes, but nothing to hand over */
    cr_assert_eq(st.handoffs, 0);
    cr_assert_eq(st.prio_requests, 0);
    cr_assert_eq(st.prio_handoffs, 0);
    cr_assert_eq(st.urgent_requests, 0);
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
