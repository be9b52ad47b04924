/* Runtime: init/fini cycles, configuration, interpreters, the main thread's tstate. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "internal/state.h"

Test(runtime, init_fini_many_times)
{
    for (int i = 0; i < 50; i++) {
        cr_assert(!ftc_runtime_is_initialized());
        cr_assert_eq(ftc_runtime_init(NULL), 0);
        cr_assert(ftc_runtime_is_initialized());
        cr_assert_not_null(ftc_tstate_get());
        cr_assert_eq(ftc_tstate_state(ftc_tstate_get()), FTC_TSTATE_ATTACHED);
        cr_assert_eq(ftc_eval_tick(), 0);
        cr_assert_eq(ftc_runtime_fini(), 0);
        cr_assert_null(ftc_tstate_get());
    }
}

Test(runtime, double_init_and_stray_fini_are_refused)
{
    cr_assert_eq(ftc_runtime_fini(), FTC_ESTATE);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_runtime_init(NULL), FTC_ESTATE);
    /* fini needs the caller attached */
    ftc_tstate *ts = ftc_detach();
    cr_assert_eq(ftc_runtime_fini(), FTC_ESTATE);
    ftc_attach(ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ftc_runtime_fini(), FTC_ESTATE);
}

Test(runtime, config_validation)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cr_assert_float_eq(cfg.switch_interval, 0.005, 1e-12);
    cr_assert_eq(cfg.gil, -1);
    cr_assert_eq(cfg.pending_calls_max, 32);
    cfg.switch_interval = 0;
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
    ftc_config_init(&cfg);
    cfg.pending_calls_max = 0;
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
    ftc_config_init(&cfg);
    cfg.gil = 7;
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
#ifndef FTC_GIL_DISABLED
    ftc_config_init(&cfg);
    cfg.gil = 0; /* the GIL build cannot run without its GIL */
    cr_assert_eq(ftc_runtime_init(&cfg), FTC_EINVAL);
#endif
    cr_assert(!ftc_runtime_is_initialized());
    ftc_config_init(&cfg);
    cfg.switch_interval = 0.02;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    cr_assert_float_eq(ftc_get_switch_interval(), 0.02, 1e-9);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(runtime, gil_enabled_by_build_config_and_env)
{
#ifdef FTC_GIL_DISABLED
    unsetenv("FTC_GIL");
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_gil_enabled(), 0);
    ftc_gil_stats st;
    cr_assert_eq(ftc_gil_get_stats(&st), FTC_ENOTSUP);
    cr_assert_eq(ftc_runtime_fini(), 0);

    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    cr_assert_eq(ftc_gil_enabled(), 1);
    cr_assert_eq(ftc_gil_get_stats(&st), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);

    setenv("FTC_GIL", "1", 1);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_gil_enabled(), 1);
    cr_assert_eq(ftc_runtime_fini(), 0);
    setenv("FTC_GIL", "0", 1);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_gil_enabled(), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    setenv("FTC_GIL", "maybe", 1);
    cr_assert_eq(ftc_runtime_init(NULL), FTC_EINVAL);
    unsetenv("FTC_GIL");
#else
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_gil_enabled(), 1);
    cr_assert_eq(ftc_gil_set_enabled(0), FTC_ENOTSUP);
    cr_assert_eq(ftc_gil_set_enabled(1), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
#endif
}

Test(runtime, init_survives_every_allocation_failure)
{
    /* Measure, then fail each allocation of init in turn: init reports FTC_ENOMEM (or the
     * object layer's code) and leaves nothing behind (ASan preset checks leaks). */
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    uint64_t n = ftc_fault_alloc_fail_after(0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert(n >= 3, "init made %llu allocations", (unsigned long long)n);
    for (uint64_t i = 1; i <= n; i++) {
        ftc_fault_alloc_fail_after(i);
        int rc = ftc_runtime_init(NULL);
        ftc_fault_alloc_fail_after(0);
        cr_assert(rc < 0, "allocation %llu failed but init returned %d", (unsigned long long)i, rc);
        cr_assert(!ftc_runtime_is_initialized());
        cr_assert_null(ftc_tstate_get());
    }
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(runtime, subinterpreters_have_their_own_thread_lists)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_interp *main_interp = ftc_interp_main();
    cr_assert_eq(ftc_interp_id(main_interp), 0);
    cr_assert_eq(ftc_tstate_interp(main_ts), main_interp);
    cr_assert_eq(ftc_interp_destroy(main_interp), FTC_EINVAL);

    ftc_tstate *prev = NULL;
    ftc_interp *sub = ftc_interp_new(&prev);
    cr_assert_not_null(sub);
    cr_assert_eq(prev, main_ts);
    cr_assert_eq(ftc_interp_id(sub), 1);
    ftc_tstate *sub_ts = ftc_tstate_get();
    cr_assert_neq(sub_ts, main_ts);
    cr_assert_eq(ftc_tstate_interp(sub_ts), sub);
    cr_assert_eq(ftc_tstate_state(main_ts), FTC_TSTATE_DETACHED);
    /* the same OS thread: one id shared by its tstates */
    cr_assert_eq(sub_ts->tid, main_ts->tid);
    cr_assert_eq(sub_ts->tid, _ftc_tls_tid);

    ftc_thread_info info[4];
    cr_assert_eq(ftc_threads_snapshot(info, 4), 2);
    int in_sub = 0;
    for (int i = 0; i < 2; i++)
        in_sub += info[i].interp_id == 1;
    cr_assert_eq(in_sub, 1);

    /* a tstate of the main interpreter cannot destroy the sub-interpreter */
    ftc_detach();
    ftc_attach(main_ts);
    cr_assert_eq(ftc_interp_destroy(sub), FTC_ESTATE);
    ftc_detach();
    ftc_attach(sub_ts);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_null(ftc_tstate_get());
    ftc_attach(main_ts);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);

    /* one left alive is destroyed by fini */
    sub = ftc_interp_new(&prev);
    cr_assert_not_null(sub);
    cr_assert_eq(ftc_interp_id(sub), 2);
    ftc_detach();
    ftc_attach(prev);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(runtime, own_gil_for_subinterpreters)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.own_gil_for_subinterpreters = 1;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    cr_assert_not_null(sub);
    ftc_tstate *sub_ts = ftc_tstate_get();
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(sub_ts->gil, main_ts->gil); /* one (switchable) GIL for all */
#else
    cr_assert_neq(sub_ts->gil, main_ts->gil);
    /* both held at once by one thread would be impossible with a shared GIL: attach main_ts
     * while sub_ts's GIL is still taken is refused (one attached tstate per thread), so check
     * the GILs themselves */
    cr_assert_eq(sub_ts->gil->holder, sub_ts);
    cr_assert_null(main_ts->gil->holder);
#endif
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    ftc_attach(prev);
    cr_assert_eq(ftc_runtime_fini(), 0);

    ftc_config_init(&cfg);
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    main_ts = ftc_tstate_get();
    sub = ftc_interp_new(&prev);
    cr_assert_eq(ftc_tstate_get()->gil, main_ts->gil);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    ftc_attach(prev);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(runtime, interp_new_failure_restores_the_caller)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    for (uint64_t i = 1; i <= 3; i++) {
        ftc_tstate *prev = (ftc_tstate *)1;
        ftc_fault_alloc_fail_after(i);
        ftc_interp *sub = ftc_interp_new(&prev);
        ftc_fault_alloc_fail_after(0);
        if (sub) {
            cr_assert_eq(ftc_interp_destroy(sub), 0);
            ftc_attach(prev);
            continue;
        }
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
        cr_assert_eq(ftc_tstate_get(), main_ts);
        cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    }
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void misuse_start_without_stop(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_start_the_world();
}

static void misuse_nested_stop(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_stop_the_world();
    ftc_stop_the_world();
}

static void misuse_stop_detached(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_detach();
    ftc_stop_the_world();
}

Test(runtime, stop_the_world_misuse_is_fatal)
{
    cr_assert(ftc_check_dies(misuse_start_without_stop, NULL, "not stopped by the calling"));
    cr_assert(ftc_check_dies(misuse_nested_stop, NULL, "already stopped"));
    cr_assert(ftc_check_dies(misuse_stop_detached, NULL, "no attached thread state"));
}

Test(runtime, stop_the_world_alone_and_fini_refused_while_stopped)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_stop_the_world();
    cr_assert_eq(ftc_runtime_fini(), FTC_ESTATE);
    ftc_start_the_world();
    cr_assert_eq(ftc_runtime_fini(), 0);
}
