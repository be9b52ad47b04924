/* Recursive mutex: nesting by the owner, exclusion of other threads, the checked unlock's
 * FTC_EPERM for a non-owner, and timeouts (lower bound). */
#include <criterion/criterion.h>
#include <pthread.h>

#include "check.h"
#include "internal/parking_lot.h"

Test(rmutex, owner_nests)
{
    ftc_rmutex r = FTC_RMUTEX_INIT;
    cr_assert(!ftc_rmutex_is_owned(&r));
    cr_assert_eq(ftc_rmutex_count(&r), 0);
    ftc_rmutex_lock(&r);
    ftc_rmutex_lock(&r);
    cr_assert_eq(ftc_rmutex_lock_timed(&r, 0, FTC_LOCK_DETACH), 0);
    cr_assert_eq(ftc_rmutex_count(&r), 3);
    ftc_rmutex_unlock(&r);
    ftc_rmutex_unlock(&r);
    cr_assert(ftc_rmutex_is_owned(&r));
    cr_assert(ftc_mutex_is_locked(&r.mutex));
    cr_assert_eq(ftc_rmutex_unlock_checked(&r), 0);
    cr_assert(!ftc_rmutex_is_owned(&r));
    cr_assert(!ftc_mutex_is_locked(&r.mutex));
    cr_assert_eq(ftc_rmutex_unlock_checked(&r), FTC_EPERM);
}

struct other {
    ftc_rmutex *r;
    int unlock_rc;
    int try_rc;
    int timed_rc;
    double waited;
};

static void *other_thread(void *arg)
{
    struct other *o = arg;
    o->unlock_rc = ftc_rmutex_unlock_checked(o->r);
    o->try_rc = ftc_rmutex_lock_timed(o->r, 0, FTC_LOCK_DETACH);
    double t0 = ftc_monotonic();
    o->timed_rc = ftc_rmutex_lock_timed(o->r, 0.03, FTC_LOCK_DETACH);
    o->waited = ftc_monotonic() - t0;
    return NULL;
}

Test(rmutex, other_threads_are_excluded)
{
    ftc_rmutex r = FTC_RMUTEX_INIT;
    ftc_rmutex_lock(&r);
    struct other o = {.r = &r};
    pthread_t th;
    pthread_create(&th, NULL, other_thread, &o);
    pthread_join(th, NULL);
    cr_assert_eq(o.unlock_rc, FTC_EPERM);
    cr_assert_eq(o.try_rc, FTC_ETIMEDOUT);
    cr_assert_eq(o.timed_rc, FTC_ETIMEDOUT);
    cr_assert_geq(o.waited, 0.03);
    cr_assert_eq(ftc_rmutex_count(&r), 1, "the failed calls changed nothing");
    ftc_rmutex_unlock(&r);
}

enum { NTHREADS = 4, ITERS = 5000 };
static ftc_rmutex shared = FTC_RMUTEX_INIT;
static long counter;

static void *count_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < ITERS; i++) {
        ftc_rmutex_lock(&shared);
        ftc_rmutex_lock(&shared);
        counter++;
        ftc_rmutex_unlock(&shared);
        counter++;
        ftc_rmutex_unlock(&shared);
    }
    return NULL;
}

Test(rmutex, exact_count_with_nesting)
{
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        pthread_create(&th[i], NULL, count_thread, NULL);
    for (int i = 0; i < NTHREADS; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(counter, 2L * NTHREADS * ITERS);
    cr_assert(!ftc_mutex_is_locked(&shared.mutex));
}
