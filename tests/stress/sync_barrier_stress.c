/* Stress: Barriers cycled thousands of times by more threads than cores.
 *   - plain cycles: every cycle hands out each arrival index exactly once and runs the action
 *     exactly once, before anyone leaves;
 *   - cycles with aborts and short timeouts mixed in: a second barrier (never broken) closes
 *     each round, and its action resets the first if it broke. Every round is all-or-nothing:
 *     either every thread passed (indices a permutation, one action) or the barrier broke
 *     (every waiter got FTC_EBROKEN and the action did not run). */
#include "check.h"
#include "internal/sync.h"

enum { NTHREADS = 6 };

static ftc_object *bar, *closing;
static long rounds;
static long actions;             /* run by the action: plain, ordered by the barrier */
static int index_seen[NTHREADS]; /* atomic, per round */
static int passed, broken;       /* atomic, per round */
static int aborted;              /* atomic, per round */
static long good_rounds, broken_rounds;

static int count_action(void *arg)
{
    (void)arg;
    actions++;
    return 0;
}

static void cycler(int idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    for (long r = 0; r < rounds; r++) {
        int64_t i = ftc_barrier_wait(bar, -1);
        CHECK(i >= 0 && i < NTHREADS);
        CHECK_EQ(ftc_atomic_fetch_add(&index_seen[i], 1), 0); /* each index once per cycle */
        CHECK(ftc_barrier_wait(closing, -1) >= 0);
    }
}

static int check_round(void *arg)
{
    (void)arg;
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_atomic_load(&index_seen[i]), 1);
        ftc_atomic_store(&index_seen[i], 0);
    }
    return 0;
}

FTC_TEST(barrier_cycles)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    rounds = ftc_check_scaled(3000);
    actions = 0;
    bar = ftc_barrier_new(NTHREADS, count_action, NULL, -1);
    closing = ftc_barrier_new(NTHREADS, check_round, NULL, -1);
    ftc_check_run_threads(NTHREADS, cycler, NULL, NULL);
    CHECK_EQ(actions, rounds);
    CHECK_EQ(ftc_barrier_broken(bar), 0);
    ftc_decref(bar);
    ftc_decref(closing);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static void chaotic(int t, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)t * 104729 + 11;
    for (long r = 0; r < rounds; r++) {
        uint64_t dice = ftc_check_rand(&seed) % 64;
        if (dice == 0) {
            CHECK_EQ(ftc_barrier_abort(bar), 0);
            ftc_atomic_fetch_add(&aborted, 1);
        } else {
            double timeout = dice == 1 ? 0.0002 : -1; /* a short timeout now and then */
            int64_t i = ftc_barrier_wait(bar, timeout);
            if (i >= 0) {
                CHECK(i < NTHREADS);
                ftc_atomic_fetch_add(&index_seen[i], 1);
                ftc_atomic_fetch_add(&passed, 1);
            } else {
                CHECK_EQ(i, FTC_EBROKEN);
                ftc_atomic_fetch_add(&broken, 1);
            }
        }
        CHECK(ftc_barrier_wait(closing, -1) >= 0);
    }
}

static int close_round(void *arg)
{
    (void)arg;
    int p = ftc_atomic_load(&passed), b = ftc_atomic_load(&broken), a = ftc_atomic_load(&aborted);
    CHECK_EQ(p + b + a, NTHREADS);
    if (p > 0) {
        CHECK_EQ(p, NTHREADS); /* all or nothing */
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_atomic_load(&index_seen[i]), 1);
        good_rounds++;
    } else {
        broken_rounds++;
        CHECK_EQ(ftc_barrier_broken(bar), 1);
        CHECK_EQ(ftc_barrier_reset(bar), 0); /* nobody is inside: back to FILLING */
    }
    CHECK_EQ(ftc_barrier_broken(bar), 0);
    CHECK_EQ(ftc_barrier_n_waiting(bar), 0);
    for (int i = 0; i < NTHREADS; i++)
        ftc_atomic_store(&index_seen[i], 0);
    ftc_atomic_store(&passed, 0);
    ftc_atomic_store(&broken, 0);
    ftc_atomic_store(&aborted, 0);
    return 0;
}

FTC_TEST(barrier_cycles_with_aborts_and_timeouts)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    rounds = ftc_check_scaled(3000);
    actions = good_rounds = broken_rounds = 0;
    bar = ftc_barrier_new(NTHREADS, count_action, NULL, -1);
    closing = ftc_barrier_new(NTHREADS, close_round, NULL, -1);
    ftc_check_run_threads(NTHREADS, chaotic, NULL, NULL);
    CHECK_EQ(good_rounds + broken_rounds, rounds);
    CHECK_EQ(actions, good_rounds); /* the action ran exactly in the rounds that passed */
    CHECK(broken_rounds > 0);       /* aborts happen in about 9% of rounds */
    ftc_decref(bar);
    ftc_decref(closing);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
