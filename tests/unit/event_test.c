/* One-shot event: set is final, wait returns at once when set, times out (lower bound) when
 * not, and every parked waiter wakes on set. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"
#include "unit_parked.h"

Test(event, set_is_final)
{
    ftc_event e = FTC_EVENT_INIT;
    cr_assert(!ftc_event_is_set(&e));
    cr_assert(!ftc_event_wait(&e, 0));
    ftc_event_set(&e);
    cr_assert(ftc_event_is_set(&e));
    cr_assert(ftc_event_wait(&e, 0));
    cr_assert(ftc_event_wait(&e, -1));
    ftc_event_set(&e);
    cr_assert(ftc_event_is_set(&e));
}

Test(event, timeout_is_a_lower_bound)
{
    ftc_event e = FTC_EVENT_INIT;
    double t0 = ftc_monotonic();
    cr_assert(!ftc_event_wait(&e, 0.04));
    cr_assert_geq(ftc_monotonic() - t0, 0.04);
    cr_assert_eq(_ftc_parking_lot_count(&e.v), 0);
    ftc_event_set(&e); /* the parked bit left behind does no harm */
    cr_assert(ftc_event_wait_flags(&e, 0, FTC_LOCK_NODETACH));
}

struct waiter {
    ftc_event *e;
    int payload_seen;
    int ok;
};
static int payload;

static void *wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->ok = ftc_event_wait(w->e, -1);
    w->payload_seen = payload; /* plain read: ordered by the event (release/acquire) */
    return NULL;
}

Test(event, set_wakes_every_waiter_and_publishes)
{
    ftc_event e = FTC_EVENT_INIT;
    enum { N = 4 };
    struct waiter ws[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        ws[i] = (struct waiter){.e = &e};
        pthread_create(&th[i], NULL, wait_thread, &ws[i]);
    }
    wait_parked(&e.v, N);
    payload = 42;
    ftc_event_set(&e);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_assert(ws[i].ok);
        cr_assert_eq(ws[i].payload_seen, 42);
    }
    cr_assert_eq(_ftc_parking_lot_count(&e.v), 0);
}

static void *timed_wait_thread(void *arg)
{
    struct waiter *w = arg;
    w->ok = ftc_event_wait(w->e, 60.0);
    return NULL;
}

Test(event, timed_wait_wakes_on_set)
{
    ftc_event e = FTC_EVENT_INIT;
    struct waiter w = {.e = &e};
    pthread_t th;
    pthread_create(&th, NULL, timed_wait_thread, &w);
    wait_parked(&e.v, 1);
    ftc_event_set(&e);
    pthread_join(th, NULL);
    cr_assert(w.ok);
}
