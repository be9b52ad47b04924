/* Futures (standalone: states, cancel, callbacks, result/error, timeouts) and the pool
 * (submit, errors through futures, map, shutdown with queued tasks cancelled, submit after
 * shutdown, thread-start failure). The pool's workers are threads, so the heavy concurrent
 * runs are in tests/stress/pool_stress.c (TSan); these check semantics. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(future, .init = setup, .fini = teardown);
TestSuite(pool, .init = setup, .fini = teardown);

struct cb_log {
    int n;
    int order[8];
};
static void log_cb(ftc_object *f, void *arg)
{
    struct cb_log *log = arg;
    cr_assert_eq(ftc_future_done(f), 1, "callbacks see a done future");
    log->order[log->n] = log->n;
    log->n++;
}

Test(future, pending_running_finished)
{
    ftc_object *f = ftc_future_new();
    cr_assert_not_null(f);
    cr_assert_eq(ftc_future_state(f), FTC_FUTURE_PENDING);
    cr_assert_eq(ftc_future_done(f), 0);
    ftc_object *out = (ftc_object *)1;
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_future_result(f, 0.05, &out), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_null(out);
    cr_assert_eq(ftc_future_result(f, 0, &out), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_future_wait(f, 0), FTC_ETIMEDOUT);
    struct cb_log log = {0};
    cr_assert_eq(ftc_future_add_done_callback(f, log_cb, &log), 0);
    cr_assert_eq(ftc_future_add_done_callback(f, log_cb, &log), 0);
    cr_assert_eq(log.n, 0);
    cr_assert_eq(ftc_future_set_running_or_notify_cancel(f), 1);
    cr_assert_eq(ftc_future_running(f), 1);
    cr_assert_eq(ftc_future_set_running_or_notify_cancel(f), FTC_ESTATE);
    cr_assert_eq(ftc_future_cancel(f), 0, "a running future cannot be cancelled");
    ftc_object *v = ftc_int_new(7);
    cr_assert_eq(ftc_future_set_result(f, v), 0);
    ftc_decref(v);
    cr_assert_eq(log.n, 2, "callbacks ran once each, in order");
    cr_assert_eq(log.order[1], 1);
    cr_assert_eq(ftc_future_state(f), FTC_FUTURE_FINISHED);
    cr_assert_eq(ftc_future_result(f, -1, &out), 0);
    cr_assert_eq(ftc_int_value(out), 7);
    ftc_decref(out);
    cr_assert_eq(ftc_future_wait(f, -1), 0);
    cr_assert_eq(ftc_future_set_result(f, NULL), FTC_ESTATE);
    cr_assert_eq(ftc_future_set_error(f, FTC_EUSER), FTC_ESTATE);
    cr_assert_eq(ftc_future_cancel(f), 0);
    cr_assert_eq(ftc_future_add_done_callback(f, log_cb, &log), 0);
    cr_assert_eq(log.n, 3, "added after done: runs at once");
    ftc_decref(f);
}

Test(future, cancel_only_while_pending)
{
    ftc_object *f = ftc_future_new();
    struct cb_log log = {0};
    cr_assert_eq(ftc_future_add_done_callback(f, log_cb, &log), 0);
    cr_assert_eq(ftc_future_cancel(f), 1);
    cr_assert_eq(log.n, 1);
    cr_assert_eq(ftc_future_cancel(f), 1, "cancelling again is fine and runs nothing");
    cr_assert_eq(log.n, 1);
    cr_assert_eq(ftc_future_cancelled(f), 1);
    cr_assert_eq(ftc_future_done(f), 1);
    ftc_object *out;
    cr_assert_eq(ftc_future_result(f, -1, &out), FTC_ECANCELLED);
    cr_assert_eq(ftc_future_set_running_or_notify_cancel(f), 0);
    cr_assert_eq(ftc_future_set_result(f, NULL), FTC_ESTATE);
    ftc_decref(f);
}

Test(future, error_and_null_result)
{
    ftc_object *f = ftc_future_new();
    cr_assert_eq(ftc_future_set_error(f, 0), FTC_EINVAL);
    cr_assert_eq(ftc_future_set_error(f, 5), FTC_EINVAL);
    cr_assert_eq(ftc_future_set_error(f, FTC_EUSER - 3), 0);
    ftc_object *out;
    cr_assert_eq(ftc_future_result(f, -1, &out), FTC_EUSER - 3);
    cr_assert_null(out);
    ftc_decref(f);
    f = ftc_future_new();
    cr_assert_eq(ftc_future_set_result(f, NULL), 0);
    cr_assert_eq(ftc_future_result(f, 0, &out), 0);
    cr_assert_null(out);
    ftc_decref(f);
}

Test(future, bad_arguments)
{
    ftc_object *f = ftc_future_new();
    ftc_object *l = ftc_lock_new();
    ftc_object *out;
    cr_assert_eq(ftc_future_result(f, -1, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_future_result(f, NAN, &out), FTC_EINVAL);
    cr_assert_eq(ftc_future_result(l, 0, &out), FTC_ETYPE);
    cr_assert_eq(ftc_future_cancel(l), FTC_ETYPE);
    cr_assert_eq(ftc_future_state(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_future_add_done_callback(f, NULL, NULL), FTC_EINVAL);
    ftc_fault_alloc_fail_after(1);
    int rc = ftc_future_add_done_callback(f, log_cb, NULL);
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(rc, FTC_ENOMEM);
    cr_assert_eq(ftc_future_cancel(f), 1, "no callback was registered by the failed add");
    ftc_decref(l);
    ftc_decref(f);
}

Test(future, async_exception_ends_a_result_wait)
{
    ftc_object *f = ftc_future_new();
    ftc_object *out;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 8), 1);
    cr_assert_eq(ftc_future_result(f, -1, &out), FTC_EUSER - 8);
    cr_assert_eq(ftc_eval_tick(), 0);
    ftc_decref(f);
}

static int square(void *arg, ftc_object **result)
{
    int64_t x = (int64_t)(intptr_t)arg;
    if (x < 0)
        return FTC_EUSER - (int)-x; /* a task error */
    *result = ftc_int_new(x * x);
    return *result ? 0 : FTC_ENOMEM;
}

Test(pool, submit_result_and_error)
{
    ftc_pool *p = ftc_pool_new(2);
    cr_assert_not_null(p);
    cr_assert_eq(ftc_pool_max_workers(p), 2);
    cr_assert_eq(ftc_pool_num_threads(p), 0, "threads start on demand");
    ftc_object *f, *g, *out;
    cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)12, &f), 0);
    cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)-4, &g), 0);
    cr_assert_eq(ftc_future_result(f, -1, &out), 0);
    cr_assert_eq(ftc_int_value(out), 144);
    ftc_decref(out);
    cr_assert_eq(ftc_future_result(g, -1, &out), FTC_EUSER - 4, "the task's error");
    cr_assert_null(out);
    cr_assert_geq(ftc_pool_num_threads(p), 1);
    cr_assert_leq(ftc_pool_num_threads(p), 2);
    cr_assert_eq(ftc_pool_submit(p, square, NULL, NULL), 0, "no future wanted");
    ftc_decref(f);
    ftc_decref(g);
    cr_assert_eq(ftc_pool_shutdown(p, true, false), 0);
    cr_assert_eq(ftc_pool_submit(p, square, NULL, &f), FTC_ESTATE);
    cr_assert_null(f);
    cr_assert_eq(ftc_pool_shutdown(p, true, false), 0, "shutdown twice is fine");
    ftc_pool_free(p);
}

Test(pool, map_in_order_and_first_error)
{
    ftc_pool *p = ftc_pool_new(0);
    cr_assert_geq(ftc_pool_max_workers(p), 5);
    enum { N = 200 };
    void *args[N];
    ftc_object *res[N];
    for (int i = 0; i < N; i++)
        args[i] = (void *)(intptr_t)i;
    cr_assert_eq(ftc_pool_map(p, square, args, N, res, -1), 0);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(ftc_int_value(res[i]), (int64_t)i * i);
        ftc_decref(res[i]);
    }
    args[50] = (void *)(intptr_t)-2;
    cr_assert_eq(ftc_pool_map(p, square, args, N, res, -1), FTC_EUSER - 2);
    for (int i = 0; i < 50; i++) {
        cr_assert_eq(ftc_int_value(res[i]), (int64_t)i * i);
        ftc_decref(res[i]);
    }
    for (int i = 50; i < N; i++)
        cr_assert_null(res[i]);
    cr_assert_eq(ftc_pool_map(p, square, args, 0, NULL, -1), 0);
    cr_assert_eq(ftc_pool_map(p, square, NULL, 3, res, -1), FTC_EINVAL);
    cr_assert_eq(ftc_pool_map(p, NULL, args, 3, res, -1), FTC_EINVAL);
    ftc_pool_free(p);
}

static int block_on_event(void *arg, ftc_object **result)
{
    (void)result;
    return ftc_sync_event_wait((ftc_object *)arg, -1);
}

struct gates {
    ftc_object *started, *go;
};
static int signal_then_block(void *arg, ftc_object **result)
{
    (void)result;
    struct gates *g = arg;
    ftc_sync_event_set(g->started);
    return ftc_sync_event_wait(g->go, -1);
}

Test(pool, shutdown_cancels_queued_tasks)
{
    ftc_pool *p = ftc_pool_new(1);
    ftc_object *gate = ftc_sync_event_new();
    struct gates g = {ftc_sync_event_new(), gate};
    ftc_object *blocker, *queued[10];
    cr_assert_eq(ftc_pool_submit(p, signal_then_block, &g, &blocker), 0);
    cr_assert_eq(ftc_sync_event_wait(g.started, -1), 0); /* the only worker is busy now */
    for (int i = 0; i < 10; i++)
        cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)i, &queued[i]), 0);
    cr_assert_eq(ftc_pool_shutdown(p, false, true), 0);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(ftc_future_cancelled(queued[i]), 1);
    cr_assert_eq(ftc_pool_submit(p, square, NULL, NULL), FTC_ESTATE);
    cr_assert_eq(ftc_sync_event_set(gate), 0);
    ftc_object *out;
    cr_assert_eq(ftc_future_result(blocker, -1, &out), 0, "the running task completed");
    cr_assert_eq(ftc_pool_shutdown(p, true, false), 0);
    for (int i = 0; i < 10; i++)
        ftc_decref(queued[i]);
    ftc_decref(blocker);
    ftc_decref(gate);
    ftc_decref(g.started);
    ftc_pool_free(p);
}

Test(pool, map_timeout_lower_bound)
{
    ftc_pool *p = ftc_pool_new(1);
    ftc_object *gate = ftc_sync_event_new();
    void *args[3] = {gate, gate, gate};
    ftc_object *res[3];
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_pool_map(p, block_on_event, args, 3, res, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    for (int i = 0; i < 3; i++)
        cr_assert_null(res[i]);
    cr_assert_eq(ftc_sync_event_set(gate), 0);
    ftc_pool_free(p); /* waits for the running one; the rest were cancelled */
    ftc_decref(gate);
}

Test(pool, thread_start_failure_queues_nothing)
{
    ftc_pool *p = ftc_pool_new(2);
    ftc_fault_thread_create_fail(1);
    ftc_object *f = (ftc_object *)1;
    int rc = ftc_pool_submit(p, square, (void *)(intptr_t)3, &f);
    cr_assert_lt(rc, 0);
    cr_assert_null(f);
    cr_assert_eq(ftc_pool_num_threads(p), 0);
    cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)3, &f), 0, "works afterwards");
    ftc_object *out;
    cr_assert_eq(ftc_future_result(f, -1, &out), 0);
    cr_assert_eq(ftc_int_value(out), 9);
    ftc_decref(out);
    ftc_decref(f);
    ftc_pool_free(p);
}

Test(pool, allocation_failures_in_submit)
{
    ftc_pool *p = ftc_pool_new(1);
    ftc_object *f = NULL;
    cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)1, &f), 0); /* worker started */
    ftc_object *out;
    cr_assert_eq(ftc_future_result(f, -1, &out), 0);
    ftc_decref(out);
    ftc_decref(f);
    for (uint64_t n = 1; n <= 2; n++) {
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_pool_submit(p, square, (void *)(intptr_t)2, &f);
        ftc_fault_alloc_fail_after(0);
        cr_assert_eq(rc, FTC_ENOMEM);
        cr_assert_null(f);
    }
    cr_assert_null(ftc_pool_new((size_t)-1 / 4));
    cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
    ftc_pool_free(p);
}

/* Misuse that cannot be reported as a code: freeing the pool from one of its own tasks (it
 * would have to join the thread running the call). Checked in a forked child. */
static ftc_pool *doomed;
static int free_own_pool(void *arg, ftc_object **result)
{
    (void)arg;
    (void)result;
    ftc_pool_free(doomed);
    return 0;
}
static void free_from_task(void *arg)
{
    (void)arg;
    doomed = ftc_pool_new(1);
    ftc_object *f, *out;
    if (ftc_pool_submit(doomed, free_own_pool, NULL, &f) == 0)
        (void)ftc_future_result(f, 10, &out);
}

Test(pool, free_from_own_task_is_fatal)
{
    cr_assert(ftc_check_dies(free_from_task, NULL, "pool's own tasks"));
}

static int shutdown_own_pool(void *arg, ftc_object **result)
{
    (void)result;
    return ftc_pool_shutdown((ftc_pool *)arg, true, false);
}

Test(pool, shutdown_wait_from_own_task_is_edeadlk)
{
    ftc_pool *p = ftc_pool_new(2);
    ftc_object *f, *out;
    cr_assert_eq(ftc_pool_submit(p, shutdown_own_pool, p, &f), 0);
    cr_assert_eq(ftc_future_result(f, -1, &out), FTC_EDEADLK);
    cr_assert_eq(ftc_pool_submit(p, square, NULL, NULL), FTC_ESTATE, "it did shut down");
    ftc_decref(f);
    ftc_pool_free(p);
}
