/* Reader-writer lock: shared readers, exclusive writer, try variants, writer preference (a
 * waiting writer blocks new readers), and exact counts under a mixed load. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"
#include "unit_parked.h"

Test(rwlock, readers_share_writer_excludes)
{
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    ftc_rwlock_rdlock(&rw);
    cr_assert(ftc_rwlock_tryrdlock(&rw));
    cr_assert(!ftc_rwlock_trywrlock(&rw));
    ftc_rwlock_rdunlock(&rw);
    cr_assert(!ftc_rwlock_trywrlock(&rw));
    ftc_rwlock_rdunlock(&rw);
    cr_assert(ftc_rwlock_trywrlock(&rw));
    cr_assert(!ftc_rwlock_tryrdlock(&rw));
    cr_assert(!ftc_rwlock_trywrlock(&rw));
    ftc_rwlock_wrunlock(&rw);
    cr_assert_eq(rw.bits, 0);
    ftc_rwlock_wrlock(&rw);
    ftc_rwlock_wrunlock(&rw);
    cr_assert_eq(rw.bits, 0);
}

static ftc_rwlock pref = FTC_RWLOCK_INIT;
static int writer_done; /* atomic */

static void *writer_thread(void *arg)
{
    (void)arg;
    ftc_rwlock_wrlock(&pref);
    ftc_atomic_store(&writer_done, 1);
    ftc_rwlock_wrunlock(&pref);
    return NULL;
}

static void *reader_thread(void *arg)
{
    int *saw_writer = arg;
    ftc_rwlock_rdlock(&pref);
    *saw_writer = ftc_atomic_load(&writer_done);
    ftc_rwlock_rdunlock(&pref);
    return NULL;
}

Test(rwlock, waiting_writer_blocks_new_readers)
{
    ftc_rwlock_rdlock(&pref);
    pthread_t w, r;
    pthread_create(&w, NULL, writer_thread, NULL);
    wait_parked(&pref.bits, 1);
    cr_assert(!ftc_rwlock_tryrdlock(&pref), "a parked writer stops new readers");
    int saw_writer = -1;
    pthread_create(&r, NULL, reader_thread, &saw_writer);
    wait_parked(&pref.bits, 2);
    ftc_rwlock_rdunlock(&pref);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    cr_assert_eq(saw_writer, 1, "the reader that came after the writer ran after it");
    cr_assert_eq(pref.bits, 0);
}

enum { NTHREADS = 4, ITERS = 5000 };
static ftc_rwlock mixed = FTC_RWLOCK_INIT;
static long a, b;      /* invariant under the lock: a == b */
static int readers_in; /* atomic */

static void *mixed_thread(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg + 1;
    for (int i = 0; i < ITERS; i++) {
        if (ftc_check_rand(&seed) % 4 == 0) {
            ftc_rwlock_wrlock(&mixed);
            cr_assert_eq(ftc_atomic_load(&readers_in), 0);
            a++;
            b++;
            ftc_rwlock_wrunlock(&mixed);
        } else {
            ftc_rwlock_rdlock(&mixed);
            ftc_atomic_fetch_add(&readers_in, 1);
            cr_assert_eq(a, b);
            ftc_atomic_fetch_sub(&readers_in, 1);
            ftc_rwlock_rdunlock(&mixed);
        }
    }
    return NULL;
}

Test(rwlock, mixed_load_keeps_invariant)
{
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, mixed_thread, (void *)(uintptr_t)i);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(a, b);
    cr_assert_eq(mixed.bits & ~(uintptr_t)2, 0);
}
