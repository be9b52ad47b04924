/* Stress for CPython gh-144513: stop-the-world while other threads contend on mutexes with
 * handoff. Workers hold a critical section across a short sleep, so waiters park (detached) for
 * over 1 ms and unlocks hand the mutex to them. When the world stops, a parked waiter is paused
 * where it is; an unlock can still hand it the mutex, which it then owns while paused. The
 * thread that stopped the world enters critical sections on the same mutexes and must not wait
 * for them (it would wait forever: the owner cannot run until the world restarts). Counters
 * updated under the sections (and by the stopper while the world is stopped) stay exact, and
 * the run always finishes (watchdog).
 * In the GIL build stop-the-world is trivial (the GIL is exclusive) and sections are empty;
 * the test still checks the counters. */
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"

enum { NWORKERS = 4, NLOCKS = 2 };

static ftc_mutex locks[NLOCKS];
static long counters[NLOCKS];
static long added[NWORKERS + 1][NLOCKS];
static int stop; /* atomic */

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

struct worker {
    int id;
    uint64_t seed;
};

static void worker_main(void *arg)
{
    struct worker *w = arg;
    while (!ftc_atomic_load_relaxed(&stop)) {
        int k = (int)(ftc_check_rand(&w->seed) % NLOCKS);
        FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[k]);
        long v = counters[k];
        sleep_us(300); /* holding the lock: creates waiters that park over 1 ms */
        counters[k] = v + 1;
        added[w->id][k]++;
        FTC_END_CRITICAL_SECTION();
        CHECK(ftc_eval_tick() == 0); /* where a stop-the-world pauses us */
    }
}

FTC_TEST(stop_the_world_during_handoffs)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    static struct worker ws[NWORKERS];
    ftc_thread *th[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        ws[i] = (struct worker){.id = i, .seed = (uint64_t)i * 7777 + 5};
        CHECK_EQ(ftc_thread_start(&th[i], worker_main, &ws[i], NULL), 0);
    }
    uint64_t handoffs_before = _ftc_mutex_handoff_count();
    long rounds = ftc_check_scaled(300);
    long busy_seen = 0;
    for (long r = 0; r < rounds; r++) {
        FTC_BEGIN_ALLOW_THREADS
        sleep_us(2000); /* let the workers build queues of parked waiters */
        FTC_END_ALLOW_THREADS
        ftc_stop_the_world();
        for (int k = 0; k < NLOCKS; k++) {
            if (ftc_mutex_is_locked(&locks[k]))
                busy_seen++; /* owned by a paused thread (handoff) or parked-for */
            FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&locks[k], &locks[(k + 1) % NLOCKS]);
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[k]);
            counters[k]++;
            added[NWORKERS][k]++;
            FTC_END_CRITICAL_SECTION();
            FTC_END_CRITICAL_SECTION2();
        }
        ftc_start_the_world();
    }
    ftc_atomic_store(&stop, 1);
    for (int i = 0; i < NWORKERS; i++) {
        CHECK_EQ(ftc_thread_join(th[i], -1), 0);
        ftc_thread_release(th[i]);
    }
    for (int k = 0; k < NLOCKS; k++) {
        long expect = 0;
        for (int i = 0; i <= NWORKERS; i++)
            expect += added[i][k];
        CHECK_EQ(counters[k], expect);
        CHECK(!ftc_mutex_is_locked(&locks[k]));
    }
    printf("rounds %ld, a lock was busy at the stop %ld times, handoffs %llu\n", rounds, busy_seen,
           (unsigned long long)(_ftc_mutex_handoff_count() - handoffs_before));
    CHECK_EQ(ftc_runtime_fini(), 0);
}
