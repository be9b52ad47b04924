/* Stress: Lock and RLock objects under contention from more threads than cores.
 *   - a plain counter under a Lock (every acquire mode: forever, try loop, short timeouts);
 *   - the same under an RLock taken three levels deep;
 *   - Locks released by a thread that did not acquire them (ping-pong through two locks);
 *   - RLock ownership between threads (EPERM; timed acquire lower bound while held).
 * Threads tick between iterations so the GIL build switches threads too. */
#include "check.h"
#include "internal/sync.h"

enum { NTHREADS = 6 };

static ftc_object *lock, *rlock;
static long counter;
static long iters;

static void run_threads(int n, void (*fn)(void *))
{
    ftc_thread *t[16];
    for (int i = 0; i < n; i++)
        CHECK_EQ(ftc_thread_start(&t[i], fn, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < n; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
}

static void lock_worker(void *arg)
{
    uint64_t seed = (uint64_t)(intptr_t)arg * 31 + 7;
    for (long i = 0; i < iters; i++) {
        switch (ftc_check_rand(&seed) % 3) {
        case 0: CHECK_EQ(ftc_lock_acquire(lock, -1), 0); break;
        case 1: {
            int rc;
            while ((rc = ftc_lock_acquire(lock, 0)) != 0) {
                CHECK_EQ(rc, FTC_ETIMEDOUT);
                CHECK_EQ(ftc_eval_tick(), 0);
            }
            break;
        }
        default: {
            int rc;
            while ((rc = ftc_lock_acquire(lock, 0.0005)) != 0)
                CHECK_EQ(rc, FTC_ETIMEDOUT);
            break;
        }
        }
        counter++;
        CHECK_EQ(ftc_lock_release(lock), 0);
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

FTC_TEST(lock_counter_is_exact)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    lock = ftc_lock_new();
    counter = 0;
    iters = ftc_check_scaled(20000);
    run_threads(NTHREADS, lock_worker);
    CHECK_EQ(counter, NTHREADS * iters);
    CHECK_EQ(ftc_lock_locked(lock), 0);
    CHECK_EQ(ftc_atomic_load(&((_ftc_lock_obj *)lock)->core.word), 0u); /* nobody left queued */
    ftc_decref(lock);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static void rlock_worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        CHECK_EQ(ftc_rlock_acquire(rlock, -1), 0);
        CHECK_EQ(ftc_rlock_acquire(rlock, 0), 0);
        CHECK_EQ(ftc_rlock_acquire(rlock, 0.001), 0);
        long c = counter;
        CHECK_EQ(ftc_rlock_level(rlock), 3);
        counter = c + 1;
        CHECK_EQ(ftc_rlock_release(rlock), 0);
        CHECK_EQ(ftc_rlock_release(rlock), 0);
        CHECK_EQ(ftc_rlock_release(rlock), 0);
        CHECK_EQ(ftc_rlock_release(rlock), FTC_EPERM);
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

FTC_TEST(rlock_counter_is_exact)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    rlock = ftc_rlock_new();
    counter = 0;
    iters = ftc_check_scaled(10000);
    run_threads(NTHREADS, rlock_worker);
    CHECK_EQ(counter, NTHREADS * iters);
    CHECK_EQ(ftc_rlock_is_owned(rlock), 0);
    ftc_decref(rlock);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Two locks used as signals: each is released by the thread that did not acquire it. */
static ftc_object *ping, *pong;
static long pings, pongs;

static void ping_side(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        pings++;
        CHECK_EQ(ftc_lock_release(ping), 0); /* acquired by the other side */
        CHECK_EQ(ftc_lock_acquire(pong, -1), 0);
        CHECK_EQ(pongs, i + 1);
    }
}

static void pong_side(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        CHECK_EQ(ftc_lock_acquire(ping, -1), 0);
        CHECK_EQ(pings, i + 1);
        pongs++;
        CHECK_EQ(ftc_lock_release(pong), 0);
    }
}

static void ping_pong_thread(void *arg)
{
    if ((intptr_t)arg == 0)
        ping_side(NULL);
    else
        pong_side(NULL);
}

FTC_TEST(locks_released_by_another_thread)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ping = ftc_lock_new();
    pong = ftc_lock_new();
    CHECK_EQ(ftc_lock_acquire(ping, -1), 0);
    CHECK_EQ(ftc_lock_acquire(pong, -1), 0);
    pings = pongs = 0;
    iters = ftc_check_scaled(20000);
    run_threads(2, ping_pong_thread);
    CHECK_EQ(pings, iters);
    CHECK_EQ(pongs, iters);
    CHECK_EQ(ftc_lock_locked(ping), 1);
    CHECK_EQ(ftc_lock_locked(pong), 1);
    CHECK_EQ(ftc_lock_release(ping), 0);
    CHECK_EQ(ftc_lock_release(pong), 0);
    ftc_decref(ping);
    ftc_decref(pong);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static void not_the_owner(void *arg)
{
    (void)arg;
    CHECK_EQ(ftc_rlock_is_owned(rlock), 0);
    CHECK_EQ(ftc_rlock_level(rlock), 0);
    CHECK_EQ(ftc_rlock_release(rlock), FTC_EPERM);
    CHECK_EQ(ftc_rlock_acquire(rlock, 0), FTC_ETIMEDOUT);
    double t0 = ftc_monotonic();
    CHECK_EQ(ftc_rlock_acquire(rlock, 0.03), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.03);
    t0 = ftc_monotonic();
    CHECK_EQ(ftc_lock_acquire(lock, 0.03), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.03);
}

FTC_TEST(rlock_belongs_to_its_owner)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    rlock = ftc_rlock_new();
    lock = ftc_lock_new();
    CHECK_EQ(ftc_rlock_acquire(rlock, -1), 0);
    CHECK_EQ(ftc_rlock_acquire(rlock, -1), 0);
    CHECK_EQ(ftc_lock_acquire(lock, -1), 0);
    run_threads(3, not_the_owner);
    CHECK_EQ(ftc_rlock_level(rlock), 2);
    CHECK_EQ(ftc_rlock_release(rlock), 0);
    CHECK_EQ(ftc_rlock_release(rlock), 0);
    CHECK_EQ(ftc_lock_release(lock), 0);
    ftc_decref(rlock);
    ftc_decref(lock);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
