/* Timed read and write locks of ftc_rwlock (src/rwlock.c, "Timed waits").
 *
 *   - a timed-out call returns FTC_ETIMEDOUT no sooner than its timeout (0: at once) and leaves
 *     the lock as it found it: the holders' counts intact, no waiter bit left behind;
 *   - a writer that gives up while readers it blocked are parked behind it must not strand
 *     them: the last reader out must still let them in (without the timed-out writer's
 *     clean-up they would park again for good: the watchdog would end the test);
 *   - a reader that gives up leaves a waiting writer's claim in place: new readers still wait
 *     (writer preference survives readers' timeouts);
 *   - many threads mixing timed and untimed reads and writes, holding the lock long enough
 *     that timed waits really park and time out (counted until enough have): writers are
 *     exclusive (a == b under every read), every successful write is counted exactly, and at
 *     the end the lock word is 0 and nobody is parked on it.
 * Plain pthreads: the rwlock needs no thread state (the calls detach only if attached).
 */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "internal/parking_lot.h"

#define RW_WRITE_LOCKED FTC_RW_WRITE_LOCKED /* the word's bits: internal/parking_lot.h */
#define RW_HAS_PARKED FTC_RW_HAS_PARKED
#define RW_READER FTC_RW_READER

FTC_TEST(timeouts_change_nothing)
{
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, 1.0, FTC_LOCK_DETACH), 0);
    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0, 0), FTC_ETIMEDOUT);
    double t0 = ftc_monotonic();
    CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, 0.02, FTC_LOCK_DETACH), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.02);
    CHECK_EQ(ftc_atomic_load(&rw.bits), RW_READER);  /* one reader, no waiter bit */
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
    double timeout = 0.05;
    for (long round = 0; tested < ftc_check_scaled(20); round++) {
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
        else if (timeout < 5)
            timeout *= 2; /* the late reader was too slow to park: give it longer */
        ftc_rwlock_rdunlock(&gate);
        CHECK_EQ(pthread_join(r, NULL), 0); /* hangs (watchdog) if the reader was stranded */
        CHECK_EQ(ftc_atomic_load(&late_reader_in), 1);
        CHECK_EQ(ftc_atomic_load(&gate.bits), 0);
    }
    CHECK(tested > 0);
}

/* ---- a reader that gives up keeps the writer's claim ---- */

static ftc_rwlock pref = FTC_RWLOCK_INIT;
static int pref_writer_done; /* atomic */

static void *untimed_writer(void *arg)
{
    (void)arg;
    ftc_rwlock_wrlock(&pref);
    ftc_atomic_store(&pref_writer_done, 1);
    ftc_rwlock_wrunlock(&pref);
    return NULL;
}

FTC_TEST(reader_timeout_keeps_writer_preference)
{
    ftc_rwlock_rdlock(&pref);
    pthread_t w;
    CHECK_EQ(pthread_create(&w, NULL, untimed_writer, NULL), 0);
    while (_ftc_parking_lot_count(&pref.bits) < 1) /* the writer waits behind our read */
        sched_yield();
    CHECK(ftc_atomic_load(&pref.bits) & RW_HAS_PARKED);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(ftc_rwlock_rdlock_timed(&pref, 0.01, FTC_LOCK_DETACH), FTC_ETIMEDOUT);
    /* Still the writer's turn next: the bit stays, new readers still wait. */
    CHECK_EQ(ftc_atomic_load(&pref.bits), RW_READER | RW_HAS_PARKED);
    CHECK(!ftc_rwlock_tryrdlock(&pref));
    CHECK_EQ(ftc_atomic_load(&pref_writer_done), 0);
    ftc_rwlock_rdunlock(&pref);
    CHECK_EQ(pthread_join(w, NULL), 0);
    CHECK_EQ(ftc_atomic_load(&pref_writer_done), 1);
    CHECK_EQ(ftc_atomic_load(&pref.bits), 0);
}

/* ---- many threads, timed and untimed, short timeouts ---- */

enum { NTHREADS = 6 };
static ftc_rwlock mixed = FTC_RWLOCK_INIT;
static long a, b;                  /* written under the write lock only */
static long writes_done[NTHREADS]; /* each thread's successful writes */
static long timeouts_seen[NTHREADS];
static int mixed_go;         /* atomic: the start gate */
static long ops_done;        /* atomic: operations of all threads */
static long parked_timeouts; /* atomic: timed waits (timeout > 0) that timed out */

/* Bit 2 of r: the untimed call; else a timed one, timeout by bits 0-1 (try, 50 us, 1 ms,
 * forever). *waited: the call had a timeout > 0. */
static int lock_one(bool write, uint64_t r, bool *waited)
{
    static const double timeouts[] = {0, 0.00005, 0.001, -1};
    *waited = false;
    if (r & 4) {
        if (write)
            ftc_rwlock_wrlock(&mixed);
        else
            ftc_rwlock_rdlock(&mixed);
        return 0;
    }
    double t = timeouts[r % 4];
    *waited = t > 0;
    return write ? ftc_rwlock_wrlock_timed(&mixed, t, FTC_LOCK_DETACH)
                 : ftc_rwlock_rdlock_timed(&mixed, t, FTC_LOCK_DETACH);
}

/* Holds the lock for a while (busy, so the holder stays on its core): long enough, next to the
 * 50 us timeouts, that timed waiters park and time out. Not synchronization: nothing waits
 * for it to end but the lock's own waiters. */
static void hold_for(double seconds)
{
    double end = ftc_monotonic() + seconds;
    while (ftc_monotonic() < end)
        ;
}

static void *mixed_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t seed = 0x51ED270B27 + (uint64_t)id * 977;
    long min_ops = ftc_check_scaled(12000), min_parked = ftc_check_scaled(100);
    while (!ftc_atomic_load_acquire(&mixed_go))
        sched_yield();
    /* Every thread goes on until all of them together did enough operations and enough timed
     * waits really timed out (the watchdog bounds it if the machine never lets them). */
    while (ftc_atomic_load(&ops_done) < min_ops || ftc_atomic_load(&parked_timeouts) < min_parked) {
        ftc_atomic_fetch_add(&ops_done, 1);
        uint64_t r = ftc_check_rand(&seed);
        bool write = (r >> 8) % 4 == 0, waited;
        int rc = lock_one(write, r, &waited);
        if (rc == FTC_ETIMEDOUT) {
            timeouts_seen[id]++;
            if (waited)
                ftc_atomic_fetch_add(&parked_timeouts, 1);
            continue;
        }
        CHECK_EQ(rc, 0);
        if (write) {
            long v = a + 1;
            a = v;
            hold_for(1e-6 * (double)((r >> 16) % 100));
            b = v;
            writes_done[id]++;
            ftc_rwlock_wrunlock(&mixed);
        } else {
            CHECK_EQ(a, b);
            hold_for(1e-6 * (double)((r >> 16) % 20));
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
    ftc_atomic_store_release(&mixed_go, 1);
    long total = 0, timeouts = 0;
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(pthread_join(th[i], NULL), 0);
        total += writes_done[i];
        timeouts += timeouts_seen[i];
    }
    printf("rwlock_timed: %ld operations, %ld writes, %ld timeouts, %ld after parking\n",
           ftc_atomic_load(&ops_done), total, timeouts, ftc_atomic_load(&parked_timeouts));
    CHECK_EQ(a, total);
    CHECK_EQ(b, total);
    CHECK_EQ(ftc_atomic_load(&mixed.bits), 0);
    CHECK_EQ(_ftc_parking_lot_count(&mixed.bits), 0);
}
