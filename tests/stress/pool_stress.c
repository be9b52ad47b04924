/* Stress: the thread pool.
 *   - tens of thousands of small tasks with exact results (submit, and map), done callbacks
 *     counted exactly once per task;
 *   - shutdown with tasks still queued: without cancel every task still runs; with cancel every
 *     future ends either finished or cancelled, and the counts add up;
 *   - several threads submit while another shuts the pool down: every submit either fails with
 *     FTC_ESTATE or its task ends (ran or cancelled); no task runs twice, none is lost. */
#include "check.h"
#include "internal/sync.h"

static long ran; /* atomic */

static int compute(void *arg, ftc_object **result)
{
    int64_t x = (int64_t)(intptr_t)arg;
    ftc_atomic_fetch_add(&ran, 1);
    if (x % 1000 == 999)
        return FTC_EUSER - 1; /* some tasks fail */
    *result = ftc_int_new(3 * x + 1);
    return *result ? 0 : FTC_ENOMEM;
}

static long callbacks; /* atomic */
static void count_cb(ftc_object *f, void *arg)
{
    (void)arg;
    CHECK_EQ(ftc_future_done(f), 1);
    ftc_atomic_fetch_add(&callbacks, 1);
}

FTC_TEST(many_small_tasks_exact_results)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long n = ftc_check_scaled(20000);
    ftc_pool *p = ftc_pool_new(4);
    ftc_object **fs = ftc_mem_calloc((size_t)n, sizeof *fs);
    ran = callbacks = 0;
    for (long i = 0; i < n; i++) {
        CHECK_EQ(ftc_pool_submit(p, compute, (void *)(intptr_t)i, &fs[i]), 0);
        CHECK_EQ(ftc_future_add_done_callback(fs[i], count_cb, NULL), 0);
        if (i % 64 == 0)
            CHECK_EQ(ftc_eval_tick(), 0);
    }
    for (long i = 0; i < n; i++) {
        ftc_object *out;
        int rc = ftc_future_result(fs[i], -1, &out);
        if (i % 1000 == 999) {
            CHECK_EQ(rc, FTC_EUSER - 1);
            CHECK(out == NULL);
        } else {
            CHECK_EQ(rc, 0);
            CHECK_EQ(ftc_int_value(out), 3 * i + 1);
            ftc_decref(out);
        }
        ftc_decref(fs[i]);
    }
    CHECK_EQ(ftc_atomic_load(&ran), n);
    CHECK_EQ(ftc_pool_shutdown(p, true, false), 0);
    CHECK_EQ(ftc_atomic_load(&callbacks), n);
    CHECK(ftc_pool_num_threads(p) <= 4);
    ftc_pool_free(p);
    ftc_mem_free(fs);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(map_exact_results)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long n = ftc_check_scaled(10000);
    ftc_pool *p = ftc_pool_new(3);
    void **args = ftc_mem_calloc((size_t)n, sizeof *args);
    ftc_object **res = ftc_mem_calloc((size_t)n, sizeof *res);
    for (long i = 0; i < n; i++)
        args[i] = (void *)(intptr_t)(i % 1000 == 999 ? i - 1 : i); /* no failing task */
    CHECK_EQ(ftc_pool_map(p, compute, args, (size_t)n, res, -1), 0);
    for (long i = 0; i < n; i++) {
        CHECK_EQ(ftc_int_value(res[i]), 3 * (int64_t)(intptr_t)args[i] + 1);
        ftc_decref(res[i]);
    }
    ftc_pool_free(p);
    ftc_mem_free(args);
    ftc_mem_free(res);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static ftc_object *gate;
static int wait_gate(void *arg, ftc_object **result)
{
    (void)arg;
    (void)result;
    ftc_atomic_fetch_add(&ran, 1);
    return ftc_sync_event_wait(gate, -1);
}

static void shutdown_with_queue(bool cancel)
{
    long n = ftc_check_scaled(5000);
    ftc_pool *p = ftc_pool_new(2);
    ftc_object **fs = ftc_mem_calloc((size_t)n + 2, sizeof *fs);
    gate = ftc_sync_event_new();
    ran = 0;
    /* two blockers hold both workers, so the rest stay queued */
    CHECK_EQ(ftc_pool_submit(p, wait_gate, NULL, &fs[0]), 0);
    CHECK_EQ(ftc_pool_submit(p, wait_gate, NULL, &fs[1]), 0);
    for (long i = 0; i < n; i++)
        CHECK_EQ(ftc_pool_submit(p, compute, (void *)(intptr_t)i, &fs[i + 2]), 0);
    CHECK_EQ(ftc_pool_shutdown(p, false, cancel), 0);
    CHECK_EQ(ftc_pool_submit(p, compute, NULL, NULL), FTC_ESTATE);
    CHECK_EQ(ftc_sync_event_set(gate), 0);
    CHECK_EQ(ftc_pool_shutdown(p, true, false), 0); /* waits: queued tasks drain */
    long finished = 0, cancelled = 0;
    for (long i = 0; i < n + 2; i++) {
        int s = ftc_future_state(fs[i]);
        CHECK(s == FTC_FUTURE_FINISHED || s == FTC_FUTURE_CANCELLED);
        finished += s == FTC_FUTURE_FINISHED;
        cancelled += s == FTC_FUTURE_CANCELLED;
        ftc_decref(fs[i]);
    }
    CHECK_EQ(finished + cancelled, n + 2);
    CHECK_EQ(ftc_atomic_load(&ran), finished);
    if (!cancel)
        CHECK_EQ(cancelled, 0);
    else
        CHECK(cancelled >= n - 2); /* at most the blockers' successors slipped in */
    ftc_pool_free(p);
    ftc_decref(gate);
    ftc_mem_free(fs);
}

FTC_TEST(shutdown_with_tasks_still_queued)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    shutdown_with_queue(false);
    shutdown_with_queue(true);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

enum { SUBMITTERS = 4 };
static ftc_pool *shared_pool;
static long accepted, refused; /* atomic */
static long per_submitter;

static void submitter(void *arg)
{
    (void)arg;
    for (long i = 0; i < per_submitter; i++) {
        ftc_object *f;
        int rc = ftc_pool_submit(shared_pool, compute, (void *)(intptr_t)i, &f);
        if (rc == FTC_ESTATE) {
            ftc_atomic_fetch_add(&refused, 1);
            continue;
        }
        CHECK_EQ(rc, 0);
        ftc_atomic_fetch_add(&accepted, 1);
        if (i & 1) {
            CHECK_EQ(ftc_future_wait(f, -1), 0);
            CHECK_EQ(ftc_future_done(f), 1);
        }
        ftc_decref(f);
    }
}

FTC_TEST(submit_races_shutdown)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(20);
    per_submitter = ftc_check_scaled(400);
    for (long r = 0; r < rounds; r++) {
        shared_pool = ftc_pool_new(3);
        ran = accepted = refused = 0;
        ftc_thread *t[SUBMITTERS];
        for (int i = 0; i < SUBMITTERS; i++)
            CHECK_EQ(ftc_thread_start(&t[i], submitter, NULL, NULL), 0);
        /* shut down somewhere in the middle, cancelling what is queued then */
        for (long i = 0; i < per_submitter * (r % 4); i++)
            CHECK_EQ(ftc_eval_tick(), 0);
        CHECK_EQ(ftc_pool_shutdown(shared_pool, true, r & 1), 0);
        for (int i = 0; i < SUBMITTERS; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        CHECK_EQ(accepted + refused, SUBMITTERS * per_submitter);
        CHECK(ftc_atomic_load(&ran) <= accepted);
        if (!(r & 1))
            CHECK_EQ(ftc_atomic_load(&ran), accepted); /* no cancel: every accepted task ran */
        ftc_pool_free(shared_pool);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Every worker start fails while several threads submit: each submit either fails (nothing
 * queued) or returns a future that ends with the start error; none is left pending. */
static long submit_failed, future_failed; /* atomic */
static ftc_object *go;
static void failing_submitter(void *arg)
{
    (void)arg;
    CHECK_EQ(ftc_sync_event_wait(go, -1), 0);
    for (long i = 0; i < per_submitter; i++) {
        ftc_object *f = NULL;
        int rc = ftc_pool_submit(shared_pool, compute, (void *)(intptr_t)i, &f);
        if (rc != 0) {
            CHECK(rc < 0 && rc != FTC_ESTATE);
            CHECK(f == NULL);
            ftc_atomic_fetch_add(&submit_failed, 1);
            continue;
        }
        ftc_object *out;
        rc = ftc_future_result(f, -1, &out); /* must end: a stranded item would hang here */
        CHECK(rc < 0 && rc != FTC_ECANCELLED);
        ftc_atomic_fetch_add(&future_failed, 1);
        ftc_decref(f);
    }
}

FTC_TEST(worker_start_failures_strand_nothing)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    per_submitter = ftc_check_scaled(200);
    shared_pool = ftc_pool_new(2);
    submit_failed = future_failed = ran = 0;
    go = ftc_sync_event_new();
    ftc_thread *t[SUBMITTERS];
    for (int i = 0; i < SUBMITTERS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], failing_submitter, NULL, NULL), 0);
    ftc_fault_thread_create_fail(UINT64_MAX / 2); /* from now on every thread start fails */
    CHECK_EQ(ftc_sync_event_set(go), 0);
    for (int i = 0; i < SUBMITTERS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    ftc_fault_thread_create_fail(0);
    CHECK_EQ(ftc_atomic_load(&ran), 0);
    CHECK_EQ(submit_failed + future_failed, SUBMITTERS * per_submitter);
    CHECK(submit_failed > 0);
    CHECK_EQ(ftc_pool_num_threads(shared_pool), 0);
    ftc_pool_free(shared_pool);
    ftc_decref(go);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
