/* nogil: two attached threads run runtime code at the same time (a barrier that only
 * completes if both are attached at once; neither ticks nor detaches while waiting).
 * GIL build: the opposite, attached threads exclude each other. */
#include "check.h"
#include "internal/state.h"

#ifdef FTC_GIL_DISABLED
static int arrived;            /* atomic */
static int both_attached_seen; /* atomic */

static void barrier_worker(void *arg)
{
    (void)arg;
    ftc_atomic_fetch_add(&arrived, 1);
    /* Attached, not ticking: completes only if the other thread is attached meanwhile. */
    while (ftc_atomic_load(&arrived) % 2 != 0)
        ftc_cpu_relax();
    ftc_thread_info info[4];
    int64_t n = ftc_threads_snapshot(info, 4);
    int attached = 0;
    for (int64_t i = 0; i < n && i < 4; i++)
        attached += info[i].state == FTC_TSTATE_ATTACHED;
    if (attached >= 2)
        ftc_atomic_store(&both_attached_seen, 1);
}

FTC_TEST(two_attached_threads_run_at_once)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_gil_enabled(), 0);
    for (int round = 0; round < 20; round++) {
        ftc_check_run_pair(barrier_worker, NULL, barrier_worker, NULL);
    }
    CHECK_EQ(arrived, 40);
    CHECK_EQ(ftc_atomic_load(&both_attached_seen), 1);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
#endif

static int inside; /* plain: checked under the GIL */
static long excl_violations;

static void exclusive_worker(int idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    long n = ftc_check_scaled(200000);
    for (long i = 0; i < n; i++) {
        inside++;
        if (inside != 1)
            excl_violations++;
        inside--;
        ftc_eval_tick();
    }
}

static void run_exclusive(void)
{
    inside = 0;
    excl_violations = 0;
    ftc_check_run_threads(3, exclusive_worker, NULL, NULL);
    CHECK_EQ(excl_violations, 0);
}

FTC_TEST(gil_makes_attached_threads_exclusive)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    run_exclusive();
    CHECK_EQ(ftc_runtime_fini(), 0);
}

#ifndef FTC_GIL_DISABLED
static int own_arrived; /* atomic */

static void own_gil_worker(void *arg)
{
    (void)arg;
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    if (!sub)
        abort();
    /* attached in the sub-interpreter (own GIL) while the other worker is attached in its
     * own: a barrier that needs both GILs held at once */
    ftc_atomic_fetch_add(&own_arrived, 1);
    while (ftc_atomic_load(&own_arrived) < 2)
        ftc_cpu_relax();
    if (ftc_interp_destroy(sub) != 0)
        abort();
    ftc_attach(prev);
}

FTC_TEST(own_gil_subinterpreters_run_in_parallel)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.own_gil_for_subinterpreters = 1;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    own_arrived = 0;
    ftc_check_run_pair(own_gil_worker, NULL, own_gil_worker, NULL);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
#endif
