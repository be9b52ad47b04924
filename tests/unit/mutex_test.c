/* ftc_mutex: states of the byte, try-lock, timeouts (lower bounds), blocking, the handoff to a
 * waiter parked over 1 ms (observed through the lock byte and the handoff counter, not through
 * timing), barging, and exact counts under contention. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"
#include "unit_parked.h"

Test(mutex, one_byte_states)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    cr_assert_eq(sizeof m, 1);
    cr_assert(!ftc_mutex_is_locked(&m));
    ftc_mutex_lock(&m);
    cr_assert_eq(m.bits, FTC_MUTEX_LOCKED);
    cr_assert(ftc_mutex_is_locked(&m));
    ftc_mutex_unlock(&m);
    cr_assert_eq(m.bits, 0);
}

Test(mutex, trylock)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    cr_assert(ftc_mutex_trylock(&m));
    cr_assert(!ftc_mutex_trylock(&m));
    cr_assert_eq(ftc_mutex_lock_timed(&m, 0, FTC_LOCK_DETACH), FTC_ETIMEDOUT);
    ftc_mutex_unlock(&m);
    cr_assert_eq(ftc_mutex_lock_timed(&m, 0, FTC_LOCK_DETACH), 0);
    ftc_mutex_unlock(&m);
    /* try-lock keeps HAS_PARKED so that the unlock still looks in the parking lot */
    m.bits = FTC_MUTEX_HAS_PARKED;
    cr_assert(ftc_mutex_trylock(&m));
    cr_assert_eq(m.bits, FTC_MUTEX_LOCKED | FTC_MUTEX_HAS_PARKED);
    ftc_mutex_unlock(&m); /* nobody is parked: the slow path clears the byte */
    cr_assert_eq(m.bits, 0);
}

Test(mutex, timeout_is_a_lower_bound)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    ftc_mutex_lock(&m);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_mutex_lock_timed(&m, 0.05, FTC_LOCK_NODETACH), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(_ftc_parking_lot_count(&m.bits), 0);
    /* The timed-out waiter left HAS_PARKED behind; the unlock copes. */
    ftc_mutex_unlock(&m);
    cr_assert_eq(m.bits, 0);
}

struct ctx {
    ftc_mutex *m;
    int acquired; /* atomic */
    int release;  /* atomic */
};

static void *lock_thread(void *arg)
{
    struct ctx *c = arg;
    ftc_mutex_lock(c->m);
    ftc_atomic_store(&c->acquired, 1);
    while (!ftc_atomic_load(&c->release))
        sleep_ms(1);
    ftc_mutex_unlock(c->m);
    return NULL;
}

Test(mutex, blocks_until_unlocked)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    struct ctx c = {.m = &m};
    ftc_mutex_lock(&m);
    pthread_t th;
    pthread_create(&th, NULL, lock_thread, &c);
    wait_parked(&m.bits, 1);
    cr_assert_eq(m.bits, FTC_MUTEX_LOCKED | FTC_MUTEX_HAS_PARKED);
    cr_assert_eq(ftc_atomic_load(&c.acquired), 0);
    ftc_mutex_unlock(&m);
    ftc_atomic_store(&c.release, 1);
    pthread_join(th, NULL);
    cr_assert_eq(c.acquired, 1);
    cr_assert_eq(m.bits, 0);
}

Test(mutex, handoff_to_a_waiter_parked_over_1ms)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    struct ctx c = {.m = &m};
    ftc_mutex_lock(&m);
    pthread_t th;
    pthread_create(&th, NULL, lock_thread, &c);
    wait_parked(&m.bits, 1);
    /* The waiter stamped its fairness deadline before it parked; 5 ms later it is overdue. */
    sleep_ms(5);
    uint64_t before = _ftc_mutex_handoff_count();
    ftc_mutex_unlock(&m);
    /* Handed off: the byte never became free, so we cannot take it back. */
    cr_assert(!ftc_mutex_trylock(&m), "the lock went straight to the parked waiter");
    cr_assert_eq(_ftc_mutex_handoff_count(), before + 1);
    ftc_atomic_store(&c.release, 1);
    pthread_join(th, NULL);
    cr_assert_eq(c.acquired, 1);
    cr_assert_eq(m.bits, 0);
}

Test(mutex, timed_lock_succeeds_when_released_in_time)
{
    ftc_mutex m = FTC_MUTEX_INIT;
    struct ctx c = {.m = &m};
    pthread_t th;
    pthread_create(&th, NULL, lock_thread, &c);
    while (!ftc_atomic_load(&c.acquired))
        sleep_ms(1);
    ftc_atomic_store(&c.release, 1);
    cr_assert_eq(ftc_mutex_lock_timed(&m, 60.0, FTC_LOCK_NODETACH), 0);
    ftc_mutex_unlock(&m);
    pthread_join(th, NULL);
}

enum { NTHREADS = 4, ITERS = 20000 };
static ftc_mutex counter_mutex = FTC_MUTEX_INIT;
static long counter;

static void *count_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        if (i % 3 == 0) {
            while (!ftc_mutex_trylock(&counter_mutex))
                ;
        } else if (i % 3 == 1) {
            cr_assert_eq(ftc_mutex_lock_timed(&counter_mutex, -1, FTC_LOCK_NODETACH), 0);
        } else {
            ftc_mutex_lock(&counter_mutex);
        }
        counter++;
        ftc_mutex_unlock(&counter_mutex);
    }
    return NULL;
}

Test(mutex, exact_count_under_contention)
{
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, count_thread, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(counter, (long)NTHREADS * ITERS);
    cr_assert_eq(counter_mutex.bits, 0);
}
