/* The parking lot: validation, timeouts (lower bounds only), FIFO wake order per address,
 * the callback's view (park_arg, has_more), unpark_all, and addresses sharing a bucket. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"
#include "unit_parked.h"

Test(parking_lot, mismatched_value_returns_at_once)
{
    uint32_t word = 5, expected = 6;
    cr_assert_eq(_ftc_parking_lot_park(&word, &expected, 4, -1, NULL, 0), FTC_PARK_AGAIN);
    uint8_t b = 1, eb = 0;
    cr_assert_eq(_ftc_parking_lot_park(&b, &eb, 1, -1, NULL, 0), FTC_PARK_AGAIN);
    uint16_t h = 1, eh = 2;
    cr_assert_eq(_ftc_parking_lot_park(&h, &eh, 2, -1, NULL, 0), FTC_PARK_AGAIN);
    uint64_t q = 1, eq = 2;
    cr_assert_eq(_ftc_parking_lot_park(&q, &eq, 8, -1, NULL, 0), FTC_PARK_AGAIN);
    cr_assert_eq(_ftc_parking_lot_count(&word), 0);
}

Test(parking_lot, timeout_is_a_lower_bound)
{
    uint64_t word = 7, expected = 7;
    double t0 = ftc_monotonic();
    cr_assert_eq(_ftc_parking_lot_park(&word, &expected, 8, 30000000, NULL, 0), FTC_PARK_TIMEOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.030);
    cr_assert_eq(_ftc_parking_lot_count(&word), 0, "a timed-out waiter leaves the queue");
    /* A zero timeout only checks the value. */
    cr_assert_eq(_ftc_parking_lot_park(&word, &expected, 8, 0, NULL, 0), FTC_PARK_TIMEOUT);
}

Test(parking_lot, unpark_without_waiters)
{
    int word = 0;
    cr_assert_eq(_ftc_parking_lot_unpark(&word, NULL, NULL), 0);
    cr_assert_eq(_ftc_parking_lot_unpark_all(&word), 0);
}

struct parker {
    uint32_t *word;
    int id;
    int result;
};

static void *park_thread(void *arg)
{
    struct parker *p = arg;
    uint32_t expected = 0;
    p->result = _ftc_parking_lot_park(p->word, &expected, 4, -1, p, 0);
    return NULL;
}

struct seen {
    int ids[8];
    int more[8];
    int n;
};

static void record_cb(void *arg, void *park_arg, int has_more)
{
    struct seen *s = arg;
    struct parker *p = park_arg;
    s->ids[s->n] = p ? p->id : -1;
    s->more[s->n] = has_more;
    s->n++;
}

Test(parking_lot, fifo_order_and_has_more)
{
    uint32_t word = 0;
    struct parker ps[3];
    pthread_t th[3];
    for (int i = 0; i < 3; i++) {
        ps[i] = (struct parker){.word = &word, .id = i, .result = -1};
        pthread_create(&th[i], NULL, park_thread, &ps[i]);
        wait_parked(&word, i + 1); /* arrival order is creation order */
    }
    struct seen s = {.n = 0};
    for (int i = 0; i < 3; i++)
        cr_assert_eq(_ftc_parking_lot_unpark(&word, record_cb, &s), 1);
    cr_assert_eq(_ftc_parking_lot_unpark(&word, record_cb, &s), 0);
    for (int i = 0; i < 3; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(s.n, 4);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(s.ids[i], i, "woken in arrival order");
        cr_assert_eq(s.more[i], i < 2);
        cr_assert_eq(ps[i].result, FTC_PARK_OK);
    }
    cr_assert_eq(s.ids[3], -1, "the callback runs with NULL when nobody is parked");
}

Test(parking_lot, unpark_all_and_shared_buckets)
{
    /* 300 words > 257 buckets: some share a bucket; unpark_all of one address wakes exactly
     * the threads parked on it. */
    static uint32_t words[300];
    enum { N = 4 };
    struct parker ps[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        /* two on words[0], one on words[257], one on words[1] */
        uint32_t *w = i < 2 ? &words[0] : i == 2 ? &words[257] : &words[1];
        ps[i] = (struct parker){.word = w, .id = i, .result = -1};
        pthread_create(&th[i], NULL, park_thread, &ps[i]);
    }
    wait_parked(&words[0], 2);
    wait_parked(&words[257], 1);
    wait_parked(&words[1], 1);
    cr_assert_eq(_ftc_parking_lot_unpark_all(&words[0]), 2);
    pthread_join(th[0], NULL);
    pthread_join(th[1], NULL);
    cr_assert_eq(_ftc_parking_lot_count(&words[257]), 1);
    cr_assert_eq(_ftc_parking_lot_count(&words[1]), 1);
    cr_assert_eq(_ftc_parking_lot_unpark_all(&words[257]), 1);
    cr_assert_eq(_ftc_parking_lot_unpark_all(&words[1]), 1);
    for (int i = 2; i < N; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < N; i++)
        cr_assert_eq(ps[i].result, FTC_PARK_OK);
}

Test(parking_lot, sema_post_before_wait)
{
    ftc_sema s = {0};
    cr_assert(!_ftc_sema_wait(&s, 0));
    double t0 = ftc_monotonic();
    cr_assert(!_ftc_sema_wait(&s, 10000000));
    cr_assert_geq(ftc_monotonic() - t0, 0.010);
    _ftc_sema_post(&s);
    cr_assert(_ftc_sema_wait(&s, -1));
}

static ftc_raw_mutex raw = FTC_RAW_MUTEX_INIT;
static long raw_counter;

static void *raw_thread(void *arg)
{
    (void)arg;
    for (int i = 0; i < 20000; i++) {
        _ftc_raw_mutex_lock(&raw);
        raw_counter++;
        _ftc_raw_mutex_unlock(&raw);
    }
    return NULL;
}

Test(parking_lot, raw_mutex_exact_count)
{
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, raw_thread, NULL);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    cr_assert_eq(raw_counter, 80000);
    cr_assert_eq(raw.v, 0);
}

Test(parking_lot, timeout_conversion)
{
    cr_assert_eq(_ftc_timeout_to_ns(-1), -1);
    cr_assert_eq(_ftc_timeout_to_ns(-0.5), -1);
    cr_assert_eq(_ftc_timeout_to_ns(0), 0);
    cr_assert_eq(_ftc_timeout_to_ns(1.5), 1500000000);
    cr_assert_eq(_ftc_timeout_to_ns(1e300), -1);
}
