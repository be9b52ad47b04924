/* Stress: many threads (more than cores) on a few mutexes through every locking call (lock,
 * try-lock, timed lock with and without detach), with exact counters per mutex; a recursive
 * mutex with nesting; a once-flag and an event raced by all threads. Handoffs happen (waiters
 * park over 1 ms when threads outnumber cores), but are not asserted: that is timing. */
#include <pthread.h>

#include "check.h"
#include "internal/parking_lot.h"

enum { NTHREADS = 8, NMUTEX = 3 };

static ftc_mutex mutexes[NMUTEX];
static long counters[NMUTEX];
static long per_thread[NTHREADS][NMUTEX];
static ftc_rmutex rm = FTC_RMUTEX_INIT;
static long rcounter;
static ftc_once once = FTC_ONCE_INIT;
static int once_runs; /* atomic */
static ftc_event start = FTC_EVENT_INIT;
static long iters;

static int once_init(void *arg)
{
    (void)arg;
    ftc_atomic_fetch_add(&once_runs, 1);
    return 0;
}

static void *worker(void *arg)
{
    int id = (int)(uintptr_t)arg;
    uint64_t seed = (uint64_t)id * 7919 + 1;
    CHECK(ftc_event_wait(&start, -1));
    CHECK_EQ(ftc_once_call(&once, once_init, NULL), 0);
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&seed);
        int k = (int)(r % NMUTEX);
        switch ((r >> 8) % 5) {
        case 0: ftc_mutex_lock(&mutexes[k]); break;
        case 1:
            while (!ftc_mutex_trylock(&mutexes[k]))
                ftc_cpu_relax();
            break;
        case 2:
            while (ftc_mutex_lock_timed(&mutexes[k], 0.0001, FTC_LOCK_NODETACH) != 0)
                ;
            break;
        case 3: CHECK_EQ(ftc_mutex_lock_timed(&mutexes[k], -1, FTC_LOCK_DETACH), 0); break;
        default:
            ftc_rmutex_lock(&rm);
            ftc_rmutex_lock(&rm);
            rcounter++;
            ftc_rmutex_unlock(&rm);
            ftc_rmutex_unlock(&rm);
            continue;
        }
        counters[k]++;
        per_thread[id][k]++;
        ftc_mutex_unlock(&mutexes[k]);
    }
    return NULL;
}

FTC_TEST(exact_counts)
{
    iters = ftc_check_scaled(400000);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
    ftc_event_set(&start);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    long total = rcounter;
    for (int k = 0; k < NMUTEX; k++) {
        long expect = 0;
        for (int i = 0; i < NTHREADS; i++)
            expect += per_thread[i][k];
        CHECK_EQ(counters[k], expect);
        CHECK_EQ(mutexes[k].bits, 0);
        total += counters[k];
    }
    CHECK_EQ(total, iters * NTHREADS);
    CHECK_EQ(once_runs, 1);
    CHECK(!ftc_mutex_is_locked(&rm.mutex));
    printf("handoffs: %llu\n", (unsigned long long)_ftc_mutex_handoff_count());
}

/* Handoff chain: every thread holds the lock across a short sleep, so waiters park far longer
 * than 1 ms and unlocks hand the lock over; the count must still be exact. */
static ftc_mutex slow_mutex = FTC_MUTEX_INIT;
static long slow_counter;

static void *slow_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) {
        ftc_mutex_lock(&slow_mutex);
        long v = slow_counter;
        struct timespec ts = {0, 200000}; /* creates contention, synchronizes nothing */
        nanosleep(&ts, NULL);
        slow_counter = v + 1;
        ftc_mutex_unlock(&slow_mutex);
    }
    return NULL;
}

FTC_TEST(handoff_chain)
{
    uint64_t before = _ftc_mutex_handoff_count();
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, slow_worker, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    CHECK_EQ(slow_counter, 200);
    CHECK_EQ(slow_mutex.bits, 0);
    printf("handoffs in the chain: %llu\n",
           (unsigned long long)(_ftc_mutex_handoff_count() - before));
}
