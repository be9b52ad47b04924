/* Seqlock: sequence parity, read validation fails across a write, and readers racing writers
 * never accept a torn snapshot. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "check.h"
#include "internal/parking_lot.h"

Test(seqlock, parity_and_validation)
{
    ftc_seqlock sl = FTC_SEQLOCK_INIT;
    uint32_t s = ftc_seqlock_read_begin(&sl);
    cr_assert_eq(s % 2, 0);
    cr_assert(ftc_seqlock_read_end(&sl, s));
    ftc_seqlock_write_begin(&sl);
    cr_assert_eq(sl.seq % 2, 1);
    cr_assert(ftc_mutex_is_locked(&sl.writer));
    cr_assert(!ftc_seqlock_read_end(&sl, s), "a read overlapping a write is rejected");
    ftc_seqlock_write_end(&sl);
    cr_assert_eq(sl.seq, s + 2);
    cr_assert(!ftc_mutex_is_locked(&sl.writer));
    cr_assert(!ftc_seqlock_read_end(&sl, s));
    cr_assert(ftc_seqlock_read_end(&sl, ftc_seqlock_read_begin(&sl)));
}

static ftc_seqlock sl = FTC_SEQLOCK_INIT;
static uint64_t x, y; /* written as a pair: y == ~x */
static int stop;      /* atomic */

static void *writer(void *arg)
{
    (void)arg;
    for (uint64_t i = 1; i <= 20000; i++) {
        ftc_seqlock_write_begin(&sl);
        ftc_atomic_store_relaxed(&x, i);
        ftc_atomic_store_relaxed(&y, ~i);
        ftc_seqlock_write_end(&sl);
    }
    return NULL;
}

static void *reader(void *arg)
{
    long *good = arg;
    while (!ftc_atomic_load(&stop)) {
        uint64_t rx, ry;
        uint32_t s;
        do {
            s = ftc_seqlock_read_begin(&sl);
            rx = ftc_atomic_load_relaxed(&x);
            ry = ftc_atomic_load_relaxed(&y);
        } while (!ftc_seqlock_read_end(&sl, s));
        cr_assert_eq(ry, ~rx, "torn read accepted");
        (*good)++;
    }
    return NULL;
}

Test(seqlock, no_torn_snapshot)
{
    x = 0;
    y = ~(uint64_t)0;
    pthread_t w[2], r[2];
    long good[2] = {0, 0};
    for (int i = 0; i < 2; i++)
        pthread_create(&r[i], NULL, reader, &good[i]);
    for (int i = 0; i < 2; i++)
        pthread_create(&w[i], NULL, writer, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(w[i], NULL);
    ftc_atomic_store(&stop, 1);
    for (int i = 0; i < 2; i++)
        pthread_join(r[i], NULL);
    cr_assert_eq(sl.seq, 2 * 2 * 20000);
    cr_assert_eq(x, 20000);
}
