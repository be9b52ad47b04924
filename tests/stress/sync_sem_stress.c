/* Stress: a Semaphore (and a BoundedSemaphore) never admits more threads than its value at
 * once, checked by a counter of threads inside; no unit is lost or made up (the value is back
 * to its start at the end; a bounded release never fails). And Event objects: rounds of
 * set/clear with many waiters, synchronized by a Barrier (so both are exercised). */
#include "check.h"
#include "internal/sync.h"

enum { NTHREADS = 8, VALUE = 3 };

static ftc_object *sem;
static int inside, max_inside; /* atomic */
static long iters;

static void admit(void *arg)
{
    uint64_t seed = (uint64_t)(intptr_t)arg * 977 + 3;
    for (long i = 0; i < iters; i++) {
        int rc;
        switch (ftc_check_rand(&seed) % 3) {
        case 0: CHECK_EQ(ftc_semaphore_acquire(sem, -1), 0); break;
        case 1:
            while ((rc = ftc_semaphore_acquire(sem, 0.0003)) != 0)
                CHECK_EQ(rc, FTC_ETIMEDOUT);
            break;
        default:
            while ((rc = ftc_semaphore_acquire(sem, 0)) != 0) {
                CHECK_EQ(rc, FTC_ETIMEDOUT);
                CHECK_EQ(ftc_eval_tick(), 0);
            }
            break;
        }
        int now = ftc_atomic_fetch_add(&inside, 1) + 1;
        CHECK(now <= VALUE);
        int m = ftc_atomic_load(&max_inside);
        while (now > m && !ftc_atomic_cas(&max_inside, &m, now)) {}
        CHECK_EQ(ftc_eval_tick(), 0); /* let others run while we are inside */
        ftc_atomic_fetch_sub(&inside, 1);
        CHECK_EQ(ftc_semaphore_release(sem, 1), 0);
    }
}

static void admission_round(ftc_object *s)
{
    sem = s;
    inside = max_inside = 0;
    iters = ftc_check_scaled(8000);
    ftc_thread *t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], admit, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK(max_inside >= 1 && max_inside <= VALUE);
    CHECK_EQ(ftc_semaphore_value(s), VALUE);
}

FTC_TEST(semaphore_admits_at_most_its_value)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *s = ftc_semaphore_new(VALUE);
    admission_round(s);
    ftc_decref(s);
    s = ftc_bounded_semaphore_new(VALUE);
    admission_round(s);
    CHECK_EQ(ftc_semaphore_release(s, 1), FTC_EINVAL);
    ftc_decref(s);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* release(n) from one thread wakes n sleepers: units handed over exactly. */
static ftc_object *gate_sem, *done_sem;
static void take_one(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        CHECK_EQ(ftc_semaphore_acquire(gate_sem, -1), 0);
        CHECK_EQ(ftc_semaphore_release(done_sem, 1), 0);
    }
}

FTC_TEST(release_n_wakes_n)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    gate_sem = ftc_semaphore_new(0);
    done_sem = ftc_semaphore_new(0);
    iters = ftc_check_scaled(3000);
    ftc_thread *t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], take_one, NULL, NULL), 0);
    for (long r = 0; r < iters; r++) {
        CHECK_EQ(ftc_semaphore_release(gate_sem, NTHREADS), 0);
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_semaphore_acquire(done_sem, -1), 0);
    }
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(ftc_semaphore_value(gate_sem), 0);
    CHECK_EQ(ftc_semaphore_value(done_sem), 0);
    ftc_decref(gate_sem);
    ftc_decref(done_sem);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static ftc_object *events[2], *round_barrier;
static long ev_rounds;
static long woken; /* atomic */

static void event_waiter(void *arg)
{
    (void)arg;
    for (long r = 0; r < ev_rounds; r++) {
        CHECK_EQ(ftc_sync_event_wait(events[r & 1], -1), 0);
        ftc_atomic_fetch_add(&woken, 1);
        CHECK(ftc_barrier_wait(round_barrier, -1) >= 0);
    }
}

FTC_TEST(event_rounds)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    events[0] = ftc_sync_event_new();
    events[1] = ftc_sync_event_new();
    round_barrier = ftc_barrier_new(NTHREADS + 1, NULL, NULL, -1);
    ev_rounds = ftc_check_scaled(2000);
    woken = 0;
    ftc_thread *t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], event_waiter, NULL, NULL), 0);
    for (long r = 0; r < ev_rounds; r++) {
        CHECK_EQ(ftc_sync_event_clear(events[(r + 1) & 1]), 0); /* next round's, nobody waits */
        CHECK_EQ(ftc_sync_event_set(events[r & 1]), 0);
        CHECK(ftc_barrier_wait(round_barrier, -1) >= 0);
        CHECK_EQ(ftc_atomic_load(&woken), (r + 1) * NTHREADS);
    }
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    ftc_decref(events[0]);
    ftc_decref(events[1]);
    ftc_decref(round_barrier);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
