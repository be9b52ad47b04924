/* Once-flag: runs once, a failing init (negative return) leaves the flag unset so the next
 * caller retries, and concurrent callers all see the one successful run. */
#include <criterion/criterion.h>
#include <pthread.h>

#include "check.h"
#include "internal/parking_lot.h"

static int runs;
static int init_value;

static int init_ok(void *arg)
{
    runs++;
    init_value = *(int *)arg;
    return 0;
}

Test(once, runs_once)
{
    ftc_once o = FTC_ONCE_INIT;
    runs = 0;
    int v = 7;
    cr_assert(!ftc_once_is_done(&o));
    cr_assert_eq(ftc_once_call(&o, init_ok, &v), 0);
    cr_assert(ftc_once_is_done(&o));
    int w = 9;
    cr_assert_eq(ftc_once_call(&o, init_ok, &w), 0);
    cr_assert_eq(runs, 1);
    cr_assert_eq(init_value, 7);
}

static int fail_first_n;

static int init_flaky(void *arg)
{
    (void)arg;
    runs++;
    if (fail_first_n > 0) {
        fail_first_n--;
        return FTC_ENOMEM;
    }
    return 1; /* positive counts as success; ftc_once_call returns 0 */
}

Test(once, failed_init_is_retried)
{
    ftc_once o = FTC_ONCE_INIT;
    runs = 0;
    fail_first_n = 2;
    cr_assert_eq(ftc_once_call(&o, init_flaky, NULL), FTC_ENOMEM);
    cr_assert(!ftc_once_is_done(&o));
    cr_assert_eq(ftc_once_call(&o, init_flaky, NULL), FTC_ENOMEM);
    cr_assert_eq(ftc_once_call(&o, init_flaky, NULL), 0);
    cr_assert(ftc_once_is_done(&o));
    cr_assert_eq(ftc_once_call(&o, init_flaky, NULL), 0);
    cr_assert_eq(runs, 3);
}

/* Concurrent: the first runner fails after making the others wait; one waiter retries. */
static ftc_once shared_once = FTC_ONCE_INIT;
static int shared_runs;     /* atomic */
static int shared_failures; /* atomic */
static int shared_data;
static ftc_event others_waiting = FTC_EVENT_INIT;

static int init_slow_then_fail(void *arg)
{
    (void)arg;
    int n = ftc_atomic_fetch_add(&shared_runs, 1);
    if (n == 0) {
        /* Hold the others off until they are parked, then fail. */
        ftc_event_wait(&others_waiting, -1);
        ftc_atomic_fetch_add(&shared_failures, 1);
        return FTC_EAGAIN;
    }
    shared_data = 1234;
    return 0;
}

struct res {
    int rc;
    int data;
};

static void *once_thread(void *arg)
{
    struct res *r = arg;
    r->rc = ftc_once_call(&shared_once, init_slow_then_fail, NULL);
    r->data = r->rc == 0 ? shared_data : -1;
    return NULL;
}

Test(once, concurrent_callers_after_a_failure)
{
    enum { N = 4 };
    pthread_t th[N];
    struct res rs[N];
    pthread_create(&th[0], NULL, once_thread, &rs[0]);
    while (ftc_atomic_load(&shared_runs) == 0)
        ;
    for (int i = 1; i < N; i++)
        pthread_create(&th[i], NULL, once_thread, &rs[i]);
    while (_ftc_parking_lot_count(&shared_once.v) != N - 1)
        ;
    ftc_event_set(&others_waiting);
    int failed = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (rs[i].rc == FTC_EAGAIN)
            failed++;
        else {
            cr_assert_eq(rs[i].rc, 0);
            cr_assert_eq(rs[i].data, 1234);
        }
    }
    cr_assert_eq(failed, 1, "only the failing runner sees the failure");
    cr_assert_eq(ftc_atomic_load(&shared_runs), 2, "exactly one retry after the failure");
    cr_assert(ftc_once_is_done(&shared_once));
}
