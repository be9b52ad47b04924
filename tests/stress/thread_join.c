/* Thread start/join under concurrency: several joiners on one handle (some with timeouts),
 * handles released before their thread ends, many start/join cycles, threads starting threads,
 * and injected pthread_create failures mixed in. Every started function runs exactly once. */
#include "check.h"
#include "internal/state.h"

static long ran; /* atomic */

static void count_once(void *arg)
{
    (void)arg;
    ftc_atomic_fetch_add(&ran, 1);
}

static int release_target; /* atomic */

static void wait_release(void *arg)
{
    (void)arg;
    while (!ftc_atomic_load_acquire(&release_target))
        ftc_eval_tick();
    ftc_atomic_fetch_add(&ran, 1);
}

static ftc_thread *shared_target;
static int joins_ok;    /* atomic */
static int timeouts_ok; /* atomic */

static void joiner(void *arg)
{
    intptr_t mode = (intptr_t)arg;
    if (mode == 1) {
        double t0 = ftc_monotonic();
        int rc = ftc_thread_join(shared_target, 0.02);
        if (rc == FTC_ETIMEDOUT && ftc_monotonic() - t0 >= 0.02)
            ftc_atomic_fetch_add(&timeouts_ok, 1);
        else if (rc == 0)
            ftc_atomic_fetch_add(&timeouts_ok, 1); /* target finished first: also fine */
    }
    if (ftc_thread_join(shared_target, -1) == 0 &&
        ftc_thread_state(shared_target) == FTC_THREAD_DONE)
        ftc_atomic_fetch_add(&joins_ok, 1);
}

FTC_TEST(several_joiners_one_target)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    for (int round = 0; round < ftc_check_scaled(20); round++) {
        ran = 0;
        release_target = 0;
        joins_ok = timeouts_ok = 0;
        CHECK_EQ(ftc_thread_start(&shared_target, wait_release, NULL, NULL), 0);
        ftc_thread *j[6];
        for (intptr_t i = 0; i < 6; i++)
            CHECK_EQ(ftc_thread_start(&j[i], joiner, (void *)(i % 2), NULL), 0);
        double t0 = ftc_monotonic();
        CHECK_EQ(ftc_thread_join(shared_target, 0.03), FTC_ETIMEDOUT);
        CHECK(ftc_monotonic() - t0 >= 0.03);
        ftc_atomic_store_release(&release_target, 1);
        for (int i = 0; i < 6; i++) {
            CHECK_EQ(ftc_thread_join(j[i], -1), 0);
            ftc_thread_release(j[i]);
        }
        CHECK_EQ(ftc_thread_join(shared_target, -1), 0);
        CHECK_EQ(joins_ok, 6);
        CHECK_EQ(timeouts_ok, 3);
        CHECK_EQ(ran, 1);
        ftc_thread_release(shared_target);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(release_before_the_thread_ends)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ran = 0;
    long n = ftc_check_scaled(200);
    for (long i = 0; i < n; i++) {
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, count_once, NULL, NULL), 0);
        ftc_thread_release(t); /* the thread keeps its own reference */
    }
    /* fini joins every non-daemon thread, even without handles left */
    CHECK_EQ(ftc_runtime_fini(), 0);
    CHECK_EQ(ran, n);
}

static void spawner(void *arg)
{
    long depth = (long)(intptr_t)arg;
    ftc_atomic_fetch_add(&ran, 1);
    if (depth == 0)
        return;
    ftc_thread *a, *b;
    if (ftc_thread_start(&a, spawner, (void *)(intptr_t)(depth - 1), NULL) != 0)
        abort();
    if (ftc_thread_start(&b, spawner, (void *)(intptr_t)(depth - 1), NULL) != 0)
        abort();
    ftc_thread_release(b); /* not joined here: fini must still wait for it */
    if (ftc_thread_join(a, -1) != 0)
        abort();
    ftc_thread_release(a);
}

FTC_TEST(threads_starting_threads_are_all_joined_by_fini)
{
    for (int round = 0; round < 5; round++) {
        CHECK_EQ(ftc_runtime_init(NULL), 0);
        ran = 0;
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, spawner, (void *)(intptr_t)5, NULL), 0);
        ftc_thread_release(t);
        CHECK_EQ(ftc_runtime_fini(), 0);
        CHECK_EQ(ran, 63); /* 2^6 - 1 */
    }
}

FTC_TEST(injected_create_failures_leak_nothing)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ran = 0;
    long ok = 0, failed = 0;
    for (int i = 0; i < ftc_check_scaled(100); i++) {
        if (i % 3 == 0)
            ftc_fault_thread_create_fail(1);
        ftc_thread *t = NULL;
        int rc = ftc_thread_start(&t, count_once, NULL, NULL);
        ftc_fault_thread_create_fail(0);
        if (rc == 0) {
            ok++;
            CHECK_EQ(ftc_thread_join(t, -1), 0);
            ftc_thread_release(t);
        } else {
            CHECK_EQ(rc, FTC_EAGAIN);
            CHECK(t == NULL);
            failed++;
        }
    }
    CHECK(failed > 0);
    CHECK_EQ(ran, ok);
    CHECK_EQ(ftc_threads_snapshot(NULL, 0), 1);
    CHECK_EQ(ftc_runtime_fini(), 0);
    CHECK(_ftc_rt.handles == NULL);
}
