/* Stress: fetch_add from many threads gives an exact total, at every width and memory order
 * that can count (relaxed suffices for a counter: RMWs on one location are totally ordered);
 * CAS loops give an exact total too; exchange-based token passing loses no token. */
#include <pthread.h>

#include "check.h"
#include <ftcore/atomic.h>

enum { NTHREADS = 6 };
static long iters;
static uint8_t c8;
static uint16_t c16;
static uint32_t c32;
static uint64_t c64, c64_cas, c64_sub = UINT64_MAX;
static uintptr_t cptr;
static uint64_t tokens_in_hand[NTHREADS];
static uint64_t token = 1; /* one token (value 1) moves between the shared slot and threads */

static void *worker(void *arg)
{
    int id = (int)(uintptr_t)arg;
    for (long i = 0; i < iters; i++) {
        ftc_atomic_fetch_add_relaxed(&c8, 1);
        ftc_atomic_fetch_add_acquire(&c16, 1);
        ftc_atomic_fetch_add_release(&c32, 1);
        ftc_atomic_fetch_add_acq_rel(&c64, 1);
        ftc_atomic_fetch_add(&cptr, 3);
        ftc_atomic_fetch_sub_relaxed(&c64_sub, 1);
        uint64_t v = ftc_atomic_load_relaxed(&c64_cas);
        while (!ftc_atomic_cas_weak_relaxed(&c64_cas, &v, v + 1))
            ;
        /* take whatever is in the slot, put it back: the token count never changes */
        uint64_t got = ftc_atomic_exchange_acq_rel(&token, 0);
        tokens_in_hand[id] += got;
        if (got)
            tokens_in_hand[id] -= ftc_atomic_exchange_acq_rel(&token, got) == 0 ? got : 0;
    }
    return NULL;
}

FTC_TEST(exact_totals)
{
    iters = ftc_check_scaled(300000);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    uint64_t total = (uint64_t)iters * NTHREADS;
    CHECK_EQ(c8, (uint8_t)total);
    CHECK_EQ(c16, (uint16_t)total);
    CHECK_EQ(c32, (uint32_t)total);
    CHECK_EQ(c64, total);
    CHECK_EQ(c64_cas, total);
    CHECK_EQ(cptr, 3 * total);
    CHECK_EQ(c64_sub, UINT64_MAX - total);
    uint64_t held = token;
    for (int i = 0; i < NTHREADS; i++)
        held += tokens_in_hand[i];
    CHECK_EQ(held, 1);
}
