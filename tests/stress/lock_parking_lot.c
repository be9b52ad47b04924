/* Stress of the parking lot's accounting under timeouts racing wake-ups. Parkers park on a few
 * addresses with short timeouts; wakers unpark one or all. Exact invariant: every waiter that a
 * wake dequeued returns FTC_PARK_OK (even when its timeout expired meanwhile) and every other
 * one returns FTC_PARK_TIMEOUT or FTC_PARK_AGAIN, so the number of FTC_PARK_OK results equals
 * the number of waiters the wakers report having woken. The unpark callback also checks that
 * park_arg belongs to a thread parked on that very address. */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "internal/parking_lot.h"

enum { NPARKERS = 6, NWAKERS = 2, NADDR = 3 };

static uint32_t words[NADDR];
static long iters;
static int parkers_done; /* atomic */
static long ok[NPARKERS], timeouts[NPARKERS], again[NPARKERS];
static long woken[NWAKERS];
static long cb_calls[NWAKERS];

struct tag {
    int addr_index;
};

static void *parker(void *arg)
{
    int id = (int)(uintptr_t)arg;
    uint64_t seed = (uint64_t)id + 101;
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&seed);
        int k = (int)(r % NADDR);
        struct tag t = {k};
        uint32_t expected = 0;
        int64_t timeout = (int64_t)((r >> 8) % 200) * 1000; /* 0 .. 200 us */
        switch (_ftc_parking_lot_park(&words[k], &expected, 4, timeout, &t, 0)) {
        case FTC_PARK_OK: ok[id]++; break;
        case FTC_PARK_TIMEOUT: timeouts[id]++; break;
        case FTC_PARK_AGAIN: again[id]++; break;
        default: CHECK(0);
        }
    }
    ftc_atomic_fetch_add(&parkers_done, 1);
    return NULL;
}

struct cb_ctx {
    int k;
    long *calls;
};

static void check_cb(void *arg, void *park_arg, int has_more)
{
    struct cb_ctx *c = arg;
    (*c->calls)++;
    if (park_arg)
        CHECK_EQ(((struct tag *)park_arg)->addr_index, c->k);
    CHECK(has_more == 0 || has_more == 1);
}

static void *waker(void *arg)
{
    int id = (int)(uintptr_t)arg;
    uint64_t seed = (uint64_t)id + 977;
    while (ftc_atomic_load(&parkers_done) < NPARKERS) {
        uint64_t r = ftc_check_rand(&seed);
        int k = (int)(r % NADDR);
        if (r & 256) {
            woken[id] += _ftc_parking_lot_unpark_all(&words[k]);
        } else {
            struct cb_ctx c = {k, &cb_calls[id]};
            long before = cb_calls[id];
            woken[id] += _ftc_parking_lot_unpark(&words[k], check_cb, &c);
            CHECK_EQ(cb_calls[id], before + 1);
        }
        if (r % 4 == 0)
            sched_yield();
    }
    return NULL;
}

FTC_TEST(ok_results_equal_wakeups)
{
    iters = ftc_check_scaled(20000);
    pthread_t p[NPARKERS], w[NWAKERS];
    for (int i = 0; i < NPARKERS; i++)
        pthread_create(&p[i], NULL, parker, (void *)(uintptr_t)i);
    for (int i = 0; i < NWAKERS; i++)
        pthread_create(&w[i], NULL, waker, (void *)(uintptr_t)i);
    for (int i = 0; i < NPARKERS; i++)
        pthread_join(p[i], NULL);
    for (int i = 0; i < NWAKERS; i++)
        pthread_join(w[i], NULL);
    long n_ok = 0, n_to = 0, n_again = 0, n_woken = 0;
    for (int i = 0; i < NPARKERS; i++) {
        n_ok += ok[i];
        n_to += timeouts[i];
        n_again += again[i];
    }
    for (int i = 0; i < NWAKERS; i++)
        n_woken += woken[i];
    CHECK_EQ(n_ok + n_to + n_again, iters * NPARKERS);
    CHECK_EQ(n_ok, n_woken);
    for (int k = 0; k < NADDR; k++)
        CHECK_EQ(_ftc_parking_lot_count(&words[k]), 0);
    printf("parks %ld: woken %ld, timed out %ld\n", iters * NPARKERS, n_ok, n_to);
}

/* The same with the value check failing half the time. */
static void *flipper(void *arg)
{
    (void)arg;
    while (ftc_atomic_load(&parkers_done) < 2 * NPARKERS) {
        ftc_atomic_store(&words[0], 1u);
        sched_yield();
        ftc_atomic_store(&words[0], 0u);
        _ftc_parking_lot_unpark_all(&words[0]); /* counted by nobody: see below */
        sched_yield();
    }
    return NULL;
}

FTC_TEST(value_check_races)
{
    /* Only address 0 is used with the flipper; OK results there come from its unpark_all, so
     * here the invariant is weaker: every park returns, nobody stays queued. */
    iters = ftc_check_scaled(5000);
    pthread_t p[NPARKERS], f;
    pthread_create(&f, NULL, flipper, NULL);
    for (int i = 0; i < NPARKERS; i++)
        pthread_create(&p[i], NULL, parker, (void *)(uintptr_t)i);
    for (int i = 0; i < NPARKERS; i++)
        pthread_join(p[i], NULL);
    pthread_join(f, NULL);
    for (int k = 0; k < NADDR; k++)
        CHECK_EQ(_ftc_parking_lot_count(&words[k]), 0);
}
