/* Timed read and write locks of ftc_rwlock (src/rwlock.c, "Timed waits").
 *
 *   - a timed-out call returns FTC_ETIMEDOUT no sooner than its timeout (0: at once) and leaves
 *     the lock as it found it: the holders' counts intact, no waiter bit left behind;
 *   - a writer that gives up while readers it blocked are parked behind it must not strand
 *     them: the last reader out must still let them in (without the timed-out writer's
 *     clean-up they would park again for good: the watchdog would end the test);
 *   - many threads mixing timed and untimed reads and writes with short timeouts: writers are
 *     exclusive (a == b under every read), every successful write is counted exactly, and at
 *     the end the lock word is 0 and nobody is parked on it.
 * Plain pthreads: the rwlock needs no thread state (the calls detach only if attached).
 */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "internal/parking_lot.h"

#define RW_WRITE_LOCKED ((uintptr_t)1) /* src/rwlock.c's word */
#define RW_HAS_PARKED ((uintptr_t)2)
#define RW_READER ((uintptr_t)4)

FTC_TEST(timeouts_change_nothing)
{
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, 1.0, FTC_LOCK_DETACH), 0);
    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0, 0), FTC_ETIMEDOUT);
    double t0 = ftc_monotonic();
    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0.02, FTC_LOCK_DETACH), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.02);
    CHECK_EQ(ftc_atomic_load(&rw.bits), RW_READER); /* one reader, no waiter bit */
    CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, 0, 0), 0); /* readers still share it */
    CHECK_EQ(ftc_atomic_load(&rw.bits), 2 * RW_READER);
    ftc_rwlock_rdunlock(&rw);
    ftc_rwlock_rdunlock(&rw);
    CHECK_EQ(ftc_atomic_load(&rw.bits), 0);

    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0, 0), 0);
    CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, 0, 0), FTC_ETIMEDOUT);
    t0 = ftc_monotonic();
    CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, 0.02, 0), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.02);
    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0.01, 0), FTC_ETIMEDOUT); /* not recursive */
    CHECK_EQ(ftc_atomic_load(&rw.bits), RW_WRITE_LOCKED);
    ftc_rwlock_wrunlock(&rw);
    CHECK_EQ(ftc_atomic_load(&rw.bits), 0);
    CHECK_EQ(_ftc_parking_lot_count(&rw.bits), 0);
}

/* ---- a writer gives up in front of parked readers ---- */

static ftc_rwlock gate = FTC_RWLOCK_INIT;
static int writer_result = 1; /* atomic: 1 while waiting */
static int late_reader_in;    /* atomic */

static void *timed_writer(void *arg)
{
    double timeout = *(double *)arg;
    int rc = ftc_rwlock_wrlock_timed(&gate, timeout, FTC_LOCK_DETACH);
    if (rc == 0)
        ftc_rwlock_wrunlock(&gate);
    ftc_atomic_store(&writer_result, rc);
    return NULL;
}

static void *late_reader(void *arg)
{
    (void)arg;
    ftc_rwlock_rdlock(&gate); /* parks: the waiting writer set HAS_PARKED */
    ftc_atomic_store(&late_reader_in, 1);
    ftc_rwlock_rdunlock(&gate);
    return NULL;
}

FTC_TEST(writer_timeout_frees_parked_readers)
{
    long tested = 0;
    /* Each round: we hold a read lock; the writer waits (timed) behind us; a late reader parks
     * behind the writer; the writer times out; we unlock; the late reader must get in. A round
     * counts only if the late reader parked before the writer gave up (almost always; the
     * watchdog bounds the loop if the machine never lets that happen). */
    for (long round = 0; tested < ftc_check_scaled(20); round++) {
        double timeout = 0.05;
        ftc_atomic_store(&writer_result, 1);
        ftc_atomic_store(&late_reader_in, 0);
        ftc_rwlock_rdlock(&gate);
        pthread_t w, r;
        CHECK_EQ(pthread_create(&w, NULL, timed_writer, &timeout), 0);
        while (_ftc_parking_lot_count(&gate.bits) < 1 && ftc_atomic_load(&writer_result) == 1)
            sched_yield();
        CHECK_EQ(pthread_create(&r, NULL, late_reader, NULL), 0);
        bool both_parked = false;
        while (ftc_atomic_load(&writer_result) == 1) {
            if (_ftc_parking_lot_count(&gate.bits) == 2)
                both_parked = true;
            sched_yield();
        }
        CHECK_EQ(pthread_join(w, NULL), 0);
        CHECK_EQ(ftc_atomic_load(&writer_result), FTC_ETIMEDOUT); /* we never let go */
        if (both_parked)
            tested++;
        ftc_rwlock_rdunlock(&gate);
        CHECK_EQ(pthread_join(r, NULL), 0); /* hangs (watchdog) if the reader was stranded */
        CHECK_EQ(ftc_atomic_load(&late_reader_in), 1);
        CHECK_EQ(ftc_atomic_load(&gate.bits), 0);
    }
    CHECK(tested > 0);
}

/* ---- many threads, timed and untimed, short timeouts ---- */

enum { NTHREADS = 6 };
static ftc_rwlock mixed = FTC_RWLOCK_INIT;
static long a, b;                    /* written under the write lock only */
static long writes_done[NTHREADS];   /* each thread's successful writes */
static long timeouts_seen[NTHREADS];

/* Bit 2 of r: the untimed call; else a timed one, timeout by bits 0-1 (try, 50 us, 1 ms,
 * forever). */
static int lock_one(bool write, uint64_t r)
{
    static const double timeouts[] = {0, 0.00005, 0.001, -1};
    if (r & 4) {
        if (write)
            ftc_rwlock_wrlock(&mixed);
        else
            ftc_rwlock_rdlock(&mixed);
        return 0;
    }
    double t = timeouts[r % 4];
    return write ? ftc_rwlock_wrlock_timed(&mixed, t, FTC_LOCK_DETACH)
                 : ftc_rwlock_rdlock_timed(&mixed, t, FTC_LOCK_DETACH);
}

static void *mixed_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t seed = 0x51ED270B27 + (uint64_t)id * 977;
    long iters = ftc_check_scaled(20000);
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&seed);
        bool write = (r >> 8) % 4 == 0;
        int rc = lock_one(write, r);
        if (rc == FTC_ETIMEDOUT) {
            timeouts_seen[id]++;
            continue;
        }
        CHECK_EQ(rc, 0);
        if (write) {
            long v = a + 1;
            a = v;
            for (int k = 0; k < (int)((r >> 16) % 32); k++)
                __asm__ volatile("" ::: "memory");
            b = v;
            writes_done[id]++;
            ftc_rwlock_wrunlock(&mixed);
        } else {
            CHECK_EQ(a, b);
            ftc_rwlock_rdunlock(&mixed);
        }
    }
    return NULL;
}

FTC_TEST(timed_mixed_load)
{
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, mixed_worker, (void *)(intptr_t)i), 0);
    long total = 0, timeouts = 0;
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        total += writes_done[i];
        timeouts += timeouts_seen[i];
    }
    printf("rwlock_timed: %ld writes, %ld timeouts\n", total, timeouts);
    CHECK_EQ(a, total);
    CHECK_EQ(b, total);
    CHECK_EQ(ftc_atomic_load(&mixed.bits), 0);
    CHECK_EQ(_ftc_parking_lot_count(&mixed.bits), 0);
}
