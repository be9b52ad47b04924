/* Stress: readers and writers on a rwlock (writers keep a == b and count exactly; no reader
 * ever overlaps a writer) and on a seqlock (readers never accept a torn pair; writers count
 * exactly). More threads than cores, so waiters park. */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "internal/parking_lot.h"

enum { NTHREADS = 6 };
static long iters;

static ftc_rwlock rw = FTC_RWLOCK_INIT;
static long a, b, writes[NTHREADS];
static int readers_in, writers_in; /* atomic */

static void *rw_worker(void *arg)
{
    int id = (int)(uintptr_t)arg;
    uint64_t seed = (uint64_t)id + 11;
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&seed);
        if (r % 5 == 0) {
            if (r & 64) {
                ftc_rwlock_wrlock(&rw);
            } else {
                while (!ftc_rwlock_trywrlock(&rw))
                    sched_yield();
            }
            CHECK_EQ(ftc_atomic_fetch_add(&writers_in, 1), 0);
            CHECK_EQ(ftc_atomic_load(&readers_in), 0);
            a++;
            b++;
            writes[id]++;
            ftc_atomic_fetch_sub(&writers_in, 1);
            ftc_rwlock_wrunlock(&rw);
        } else {
            if (r & 64) {
                ftc_rwlock_rdlock(&rw);
            } else {
                while (!ftc_rwlock_tryrdlock(&rw))
                    sched_yield();
            }
            ftc_atomic_fetch_add(&readers_in, 1);
            CHECK_EQ(ftc_atomic_load(&writers_in), 0);
            CHECK_EQ(a, b);
            ftc_atomic_fetch_sub(&readers_in, 1);
            ftc_rwlock_rdunlock(&rw);
        }
    }
    return NULL;
}

FTC_TEST(rwlock_mixed)
{
    iters = ftc_check_scaled(100000);
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, rw_worker, (void *)(uintptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    long total = 0;
    for (int i = 0; i < NTHREADS; i++)
        total += writes[i];
    CHECK_EQ(a, total);
    CHECK_EQ(b, total);
    CHECK_EQ(rw.bits & ~(uintptr_t)2, 0);
}

static ftc_seqlock sl = FTC_SEQLOCK_INIT;
static uint64_t x, y; /* a pair: y == ~x; relaxed atomics (readers race with writers) */
static long seq_writes[NTHREADS];
static int stop; /* atomic */

static void *seq_writer(void *arg)
{
    int id = (int)(uintptr_t)arg;
    for (long i = 0; i < iters / 4; i++) {
        ftc_seqlock_write_begin(&sl);
        uint64_t v = ftc_atomic_load_relaxed(&x) + 1;
        ftc_atomic_store_relaxed(&x, v);
        ftc_atomic_store_relaxed(&y, ~v);
        seq_writes[id]++;
        ftc_seqlock_write_end(&sl);
    }
    return NULL;
}

static void *seq_reader(void *arg)
{
    (void)arg;
    while (!ftc_atomic_load_relaxed(&stop)) {
        uint64_t rx, ry;
        uint32_t s;
        do {
            s = ftc_seqlock_read_begin(&sl);
            rx = ftc_atomic_load_relaxed(&x);
            ry = ftc_atomic_load_relaxed(&y);
        } while (!ftc_seqlock_read_end(&sl, s));
        CHECK(ry == ~rx);
    }
    return NULL;
}

FTC_TEST(seqlock_readers_and_writers)
{
    iters = ftc_check_scaled(100000);
    x = 0;
    y = ~(uint64_t)0;
    pthread_t w[3], r[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&r[i], NULL, seq_reader, NULL);
    for (int i = 0; i < 3; i++)
        pthread_create(&w[i], NULL, seq_writer, (void *)(uintptr_t)i);
    for (int i = 0; i < 3; i++)
        pthread_join(w[i], NULL);
    ftc_atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(r[i], NULL);
    long total = seq_writes[0] + seq_writes[1] + seq_writes[2];
    CHECK_EQ(total, 3 * (iters / 4));
    CHECK_EQ(x, (uint64_t)total);
    CHECK_EQ(sl.seq, 2 * (uint32_t)total);
}
