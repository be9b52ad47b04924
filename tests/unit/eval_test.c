/* The eval breaker: the idle tick, pending calls, async exceptions, bit handling order. */
#include <criterion/criterion.h>

#include "check.h"
#include "internal/state.h"

static int calls[8];
static int ncalls;

static int record(void *arg)
{
    calls[ncalls++] = (int)(intptr_t)arg;
    return 0;
}

static int fail_with(void *arg) { return (int)(intptr_t)arg; }

Test(eval, idle_tick_is_zero_and_bits_are_clear)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *ts = ftc_tstate_get();
    for (int i = 0; i < 1000; i++)
        cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ts->head.eval_breaker, 0);
    /* the object layer's bits are passed on and cleared */
    _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE | FTC_EB_QSBR);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ts->head.eval_breaker, 0);
    /* a stray stop request with no stop in progress is dropped */
    _ftc_eval_breaker_set(ts, FTC_EB_STOP_THE_WORLD);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ts->head.eval_breaker, 0);
    /* a stale drop request with nobody waiting is handled and cleared */
    _ftc_eval_breaker_set(ts, FTC_EB_GIL_DROP_REQUEST);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ts->head.eval_breaker, 0);
    cr_assert_eq(ftc_tstate_get(), ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(eval, pending_calls_run_in_order_at_the_next_tick)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ncalls = 0;
    cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)1), 0);
    cr_assert_eq(ftc_pending_call_add(ftc_interp_main(), record, (void *)2), 0);
    cr_assert_eq(ncalls, 0);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 2);
    cr_assert_eq(calls[0], 1);
    cr_assert_eq(calls[1], 2);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 2);
    cr_assert_eq(ftc_pending_call_add(NULL, NULL, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ftc_pending_call_add(NULL, record, NULL), FTC_ESTATE);
}

Test(eval, pending_queue_is_bounded)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.pending_calls_max = 3;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
    ncalls = 0;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)(intptr_t)i), 0);
    cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)9), FTC_EAGAIN);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 3);
    cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)3), 0);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 4);
    cr_assert_eq(calls[3], 3);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(eval, failing_pending_call_is_returned_and_the_rest_wait)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ncalls = 0;
    cr_assert_eq(ftc_pending_call_add(NULL, fail_with, (void *)(intptr_t)(FTC_EUSER - 1)), 0);
    cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)7), 0);
    cr_assert_eq(ftc_eval_tick(), FTC_EUSER - 1);
    cr_assert_eq(ncalls, 0);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 1);
    cr_assert_eq(calls[0], 7);
    /* calls left at fini still run */
    cr_assert_eq(ftc_pending_call_add(NULL, record, (void *)8), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ncalls, 2);
}

Test(eval, pending_calls_of_a_subinterpreter_run_on_its_main_thread)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ncalls = 0;
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    ftc_tstate *sub_ts = ftc_detach();
    ftc_attach(prev);
    cr_assert_eq(ftc_pending_call_add(sub, record, (void *)5), 0);
    cr_assert_eq(ftc_eval_tick(), 0); /* the main interpreter's thread does not run it */
    cr_assert_eq(ncalls, 0);
    ftc_detach();
    ftc_attach(sub_ts);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ncalls, 1);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    ftc_attach(prev);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(eval, async_exception_is_returned_once)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), 5), FTC_EINVAL);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident() + 1, FTC_EUSER), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 3), 1);
    cr_assert_eq(ftc_eval_tick(), FTC_EUSER - 3);
    cr_assert_eq(ftc_eval_tick(), 0);
    /* 0 clears a pending one */
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 4), 1);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), 0), 1);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(eval, pending_call_comes_before_async_exception)
{
    /* Fixed order: a failing pending call's code wins; the async exception follows. */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 2), 1);
    cr_assert_eq(ftc_pending_call_add(NULL, fail_with, (void *)(intptr_t)(FTC_EUSER - 1)), 0);
    cr_assert_eq(ftc_eval_tick(), FTC_EUSER - 1);
    cr_assert_eq(ftc_eval_tick(), FTC_EUSER - 2);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
}
