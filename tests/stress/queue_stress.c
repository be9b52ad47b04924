/* Stress: Queue objects (include/ftcore/queue.h) under many producers and consumers, more
 * threads than cores, bounded and unbounded.
 *
 *   mpmc_*: producers put distinct items (blocking, timed and non-blocking puts, mixed at
 *     random); consumers get them the same three ways and mark each task done; in the
 *     *_disturbed runs another thread keeps stopping the world and sending asynchronous
 *     exceptions to the consumers (a consumer whose wait is interrupted must lose nothing: it
 *     gets the code and retries).
 *     Checked: every item is delivered exactly once (the multiset of ids), each producer's
 *     items reach every consumer in the order they were put (FIFO), a timed call that timed out
 *     waited at least its timeout, a bounded queue's length never exceeds its bound, join
 *     returns once every item is done, every item is freed exactly once, and the live-object
 *     count is back to its start once the queue is gone.
 *   shutdown_under_load: the queue is shut down (plainly, or immediately) while producers and
 *     consumers are blocked on it: every blocked call returns FTC_ESHUTDOWN, every item that a
 *     put accepted is delivered once or (immediate) discarded by the shutdown, nothing else.
 * The harness's watchdog turns a lost wake-up (a thread asleep for good) into a failure. */
#include <sched.h>
#include <stdlib.h>

#include "check.h"
#include "internal/core.h"
#include "queue_items.h"

enum { NPROD = 5, NCONS = 5, ASYNC_CODE = FTC_EUSER - 11 };

static ftc_object *new_item(int64_t id)
{
    ftc_object *o = ftc_object_new(&item_type);
    CHECK(o != NULL);
    ((item_obj *)o)->id = id;
    return o;
}

/* Lets other threads run without holding the GIL (a spinning non-blocking call). */
static void yield_detached(void)
{
    FTC_BEGIN_ALLOW_THREADS
    sched_yield();
    FTC_END_ALLOW_THREADS
}

/* ---- many producers, many consumers ---- */

static ftc_object *q;
static int64_t q_max;
static long per_producer;
static uint32_t *seen;             /* atomic: deliveries per id */
static int64_t delivered;          /* atomic */
static int consumers_done;         /* atomic */
static uint64_t cons_ident[NCONS]; /* atomic */
static int64_t timeouts;   /* atomic: timed calls that timed out (checked >= their timeout) */
static int64_t interrupts; /* atomic: waits ended by an async exception */
static int64_t stws;       /* atomic: stop-the-worlds done meanwhile */

#define ID(p, k) ((int64_t)(p)*per_producer + (k))
#define STOP_ID ((int64_t)-1)

static void put_one(ftc_object *o, uint64_t *seed)
{
    int rc;
    switch (ftc_check_rand(seed) % 4) {
    case 0:
    case 1: CHECK_EQ(ftc_queue_put(q, o, -1), 0); break;
    case 2:
        for (;;) {
            const double to = 0.0005;
            double t0 = ftc_monotonic();
            rc = ftc_queue_put(q, o, to);
            if (rc == 0)
                break;
            CHECK_EQ(rc, FTC_ETIMEDOUT);
            CHECK(ftc_monotonic() - t0 >= to);
            ftc_atomic_fetch_add(&timeouts, 1);
        }
        break;
    default:
        while ((rc = ftc_queue_put(q, o, 0)) != 0) {
            CHECK_EQ(rc, FTC_EFULL);
            yield_detached();
        }
        break;
    }
}

static void producer(int p, void *ctx)
{
    FTC_UNUSED(ctx);
    uint64_t seed = (uint64_t)p * 7919 + 11;
    for (long k = 0; k < per_producer; k++) {
        ftc_object *o = new_item(ID(p, k));
        put_one(o, &seed);
        ftc_decref(o);
        if ((k & 63) == 0)
            CHECK_EQ(ftc_eval_tick(), 0);
    }
}

/* Gets one item, retrying after timeouts, empty polls and interrupts. */
static ftc_object *get_one(uint64_t *seed)
{
    ftc_object *o = NULL;
    for (;;) {
        int rc;
        double to = 0;
        double t0 = ftc_monotonic();
        switch (ftc_check_rand(seed) % 4) {
        case 0:
        case 1: rc = ftc_queue_get(q, &o, -1); break;
        case 2:
            to = 0.0005;
            rc = ftc_queue_get(q, &o, to);
            break;
        default: rc = ftc_queue_get(q, &o, 0); break;
        }
        if (rc == 0) {
            CHECK(o != NULL);
            return o;
        }
        CHECK(o == NULL);
        if (rc == FTC_ETIMEDOUT) {
            CHECK(to > 0 && ftc_monotonic() - t0 >= to);
            ftc_atomic_fetch_add(&timeouts, 1);
        } else if (rc == FTC_EEMPTY) {
            yield_detached();
        } else {
            CHECK_EQ(rc, ASYNC_CODE); /* interrupted while waiting: retry */
            ftc_atomic_fetch_add(&interrupts, 1);
        }
    }
}

static void consumer(int c, void *ctx)
{
    FTC_UNUSED(ctx);
    ftc_atomic_store(&cons_ident[c], ftc_thread_ident());
    uint64_t seed = (uint64_t)c * 104729 + 5;
    int64_t *last = malloc(NPROD * sizeof *last); /* last k seen from each producer */
    CHECK(last != NULL);
    for (int p = 0; p < NPROD; p++)
        last[p] = -1;
    for (;;) {
        ftc_object *o = get_one(&seed);
        int64_t id = ((item_obj *)o)->id;
        ftc_decref(o);
        CHECK_EQ(ftc_queue_task_done(q), 0);
        if (id == STOP_ID)
            break;
        CHECK(id >= 0 && id < NPROD * per_producer);
        int p = (int)(id / per_producer);
        int64_t k = id % per_producer;
        CHECK(k > last[p]); /* FIFO: a producer's items arrive in its order */
        last[p] = k;
        CHECK_EQ(ftc_atomic_fetch_add(&seen[id], 1u), 0u);
        ftc_atomic_fetch_add(&delivered, 1);
        int64_t len = ftc_queue_len(q);
        CHECK(len >= 0 && (q_max == 0 || len <= q_max));
        /* An interrupt that arrived while no wait was in progress stays pending: take it. */
        int t = ftc_eval_tick();
        CHECK(t == 0 || t == ASYNC_CODE);
    }
    free(last);
    ftc_atomic_fetch_add(&consumers_done, 1);
}

/* Keeps stopping the world and interrupting consumers until they are all done. */
static void disturber(int i, void *ctx)
{
    FTC_UNUSED(i);
    FTC_UNUSED(ctx);
    uint64_t seed = 77;
    while (ftc_atomic_load(&consumers_done) < NCONS) {
        ftc_stop_the_world();
        ftc_start_the_world();
        ftc_atomic_fetch_add(&stws, 1);
        uint64_t id = ftc_atomic_load(&cons_ident[ftc_check_rand(&seed) % NCONS]);
        if (id != 0)
            CHECK(ftc_thread_set_async_exc(id, ASYNC_CODE) >= 0);
        yield_detached();
    }
}

static void consumer_main(void *arg) { consumer((int)(intptr_t)arg, NULL); }
static void disturber_main(void *arg) { disturber(0, arg); }

static void mpmc_round(int64_t maxsize, bool disturb)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    per_producer = ftc_check_scaled(20000);
    q_max = maxsize;
    q = ftc_queue_new(maxsize);
    CHECK(q != NULL);
    seen = calloc((size_t)(NPROD * per_producer), sizeof *seen);
    CHECK(seen != NULL);
    ftc_atomic_store(&items_freed, 0);
    ftc_atomic_store(&delivered, 0);
    ftc_atomic_store(&consumers_done, 0);
    ftc_atomic_store(&timeouts, 0);
    ftc_atomic_store(&interrupts, 0);
    ftc_atomic_store(&stws, 0);
    for (int c = 0; c < NCONS; c++)
        ftc_atomic_store(&cons_ident[c], (uint64_t)0);

    /* Consumers and the disturber run on threads of their own, the producers on theirs (run
     * and joined by ftc_check_run_threads); then this thread sends one stop item per consumer
     * (FIFO: behind every real item) and joins the queue. */
    ftc_thread *cons[NCONS], *dist = NULL;
    for (int c = 0; c < NCONS; c++)
        CHECK_EQ(ftc_thread_start(&cons[c], consumer_main, (void *)(intptr_t)c, NULL), 0);
    if (disturb)
        CHECK_EQ(ftc_thread_start(&dist, disturber_main, NULL, NULL), 0);
    ftc_check_run_threads(NPROD, producer, NULL, NULL);
    for (int c = 0; c < NCONS; c++) {
        ftc_object *stop = new_item(STOP_ID);
        CHECK_EQ(ftc_queue_put(q, stop, -1), 0);
        ftc_decref(stop);
    }
    CHECK_EQ(ftc_queue_join(q, -1), 0); /* the disturber only interrupts consumers */
    for (int c = 0; c < NCONS; c++) {
        CHECK_EQ(ftc_thread_join(cons[c], -1), 0);
        ftc_thread_release(cons[c]);
    }
    if (dist) {
        CHECK_EQ(ftc_thread_join(dist, -1), 0);
        ftc_thread_release(dist);
    }

    int64_t total = NPROD * per_producer;
    CHECK_EQ(ftc_atomic_load(&delivered), total);
    for (int64_t id = 0; id < total; id++)
        CHECK_EQ(seen[id], 1);
    CHECK_EQ(ftc_queue_len(q), 0);
    CHECK_EQ(ftc_queue_unfinished(q), 0);
    /* Every item, the stop items included, freed exactly once (a second free would have been
     * counted, and ASan would see it). The stop items are ours: the consumers' decrefs wait in
     * our merge queue (nogil) until this tick. */
    CHECK_EQ(ftc_eval_tick(), 0);
    CHECK_EQ(ftc_atomic_load(&items_freed), total + NCONS);
    ftc_decref(q);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_object_live_count(), live0);
    printf("  maxsize %lld: %lld items; timed out %lld, interrupted %lld, %lld stop-the-worlds\n",
           (long long)maxsize, (long long)total, (long long)ftc_atomic_load(&timeouts),
           (long long)ftc_atomic_load(&interrupts), (long long)ftc_atomic_load(&stws));
    free(seen);
    seen = NULL;
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Without the disturber first: its interrupts wake sleepers, which would hide a lost wake-up. */
FTC_TEST(mpmc_unbounded) { mpmc_round(0, false); }
FTC_TEST(mpmc_bounded) { mpmc_round(4, false); }
FTC_TEST(mpmc_bound_one) { mpmc_round(1, false); }
FTC_TEST(mpmc_unbounded_disturbed) { mpmc_round(0, true); }
FTC_TEST(mpmc_bounded_disturbed) { mpmc_round(4, true); }
FTC_TEST(mpmc_bound_one_disturbed) { mpmc_round(1, true); }

/* ---- shutdown while producers and consumers are blocked ---- */

enum { SD_PRODUCERS = 4, SD_CONSUMERS = 4, SD_MAX = 1000000 };

static int64_t sd_accepted[SD_PRODUCERS]; /* written by its producer; read after join */
static uint32_t *sd_seen;                 /* atomic: deliveries per id */
static int64_t sd_delivered;              /* atomic */
static int64_t sd_threshold;
static ftc_object *sd_reached; /* Event: sd_threshold items delivered */

static void sd_producer(int p, void *ctx)
{
    FTC_UNUSED(ctx);
    int64_t k = 0;
    for (;; k++) {
        CHECK(k < SD_MAX);
        /* An unbounded queue: keep it from growing without limit before the shutdown. */
        while (ftc_queue_len(q) > 5000 && ftc_queue_is_shutdown(q) == 0)
            yield_detached();
        ftc_object *o = new_item((int64_t)p * SD_MAX + k);
        int rc = ftc_queue_put(q, o, -1);
        if (rc != 0) {
            CHECK_EQ(rc, FTC_ESHUTDOWN);
            CHECK_EQ(ftc_object_refcount(o), 1); /* the refused put took nothing */
            ftc_decref(o);
            break;
        }
        ftc_decref(o);
    }
    sd_accepted[p] = k;
}

static void sd_consumer(int c, void *ctx)
{
    FTC_UNUSED(c);
    FTC_UNUSED(ctx);
    for (;;) {
        ftc_object *o = NULL;
        int rc = ftc_queue_get(q, &o, -1);
        if (rc != 0) {
            CHECK_EQ(rc, FTC_ESHUTDOWN);
            CHECK(o == NULL);
            break;
        }
        int64_t id = ((item_obj *)o)->id;
        ftc_decref(o);
        CHECK_EQ(ftc_queue_task_done(q), 0);
        CHECK_EQ(ftc_atomic_fetch_add(&sd_seen[id], 1u), 0u);
        if (ftc_atomic_fetch_add(&sd_delivered, 1) + 1 == sd_threshold)
            CHECK_EQ(ftc_sync_event_set(sd_reached), 0);
    }
}

static void sd_producer_main(void *arg) { sd_producer((int)(intptr_t)arg, NULL); }
static void sd_consumer_main(void *arg) { sd_consumer((int)(intptr_t)arg, NULL); }

static void sd_round(int64_t maxsize, bool immediate)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    q = ftc_queue_new(maxsize);
    sd_reached = ftc_sync_event_new();
    sd_seen = calloc((size_t)SD_PRODUCERS * SD_MAX, sizeof *sd_seen);
    CHECK(q != NULL && sd_reached != NULL && sd_seen != NULL);
    sd_threshold = ftc_check_scaled(20000);
    ftc_atomic_store(&sd_delivered, 0);
    ftc_atomic_store(&items_freed, 0);

    enum { N = SD_PRODUCERS + SD_CONSUMERS };
    ftc_thread *t[N];
    for (int i = 0; i < N; i++) {
        bool prod = i < SD_PRODUCERS;
        CHECK_EQ(ftc_thread_start(&t[i], prod ? sd_producer_main : sd_consumer_main,
                                  (void *)(intptr_t)(prod ? i : i - SD_PRODUCERS), NULL),
                 0);
    }
    /* Shut down in the middle of the traffic: threads are blocked on both sides (a bounded
     * queue keeps producers waiting for room; consumers wait whenever it runs dry). */
    CHECK_EQ(ftc_sync_event_wait(sd_reached, -1), 0);
    CHECK_EQ(ftc_queue_shutdown(q, immediate), 0);
    CHECK_EQ(ftc_queue_is_shutdown(q), 1);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }

    /* Every accepted item was delivered once, or (immediate) discarded by the shutdown. */
    int64_t accepted = 0, delivered_ids = 0;
    for (int p = 0; p < SD_PRODUCERS; p++) {
        accepted += sd_accepted[p];
        for (int64_t k = 0; k < SD_MAX; k++) {
            uint32_t n = sd_seen[(int64_t)p * SD_MAX + k];
            CHECK(n <= 1);
            CHECK(n == 0 || k < sd_accepted[p]); /* nothing delivered that was refused */
            delivered_ids += n;
        }
    }
    CHECK_EQ(delivered_ids, ftc_atomic_load(&sd_delivered));
    int64_t discarded = accepted - delivered_ids;
    if (!immediate)
        CHECK_EQ(discarded, 0); /* a plain shutdown lets the consumers drain the queue */
    CHECK(discarded >= 0 && (maxsize == 0 || discarded <= maxsize));
    CHECK_EQ(ftc_queue_len(q), 0);
    CHECK_EQ(ftc_queue_unfinished(q), 0); /* delivered ones marked done, discarded counted */
    CHECK_EQ(ftc_queue_join(q, 0), 0);
    /* Every item created (accepted, or refused at the end: one per producer) freed once. */
    CHECK_EQ(ftc_atomic_load(&items_freed), accepted + SD_PRODUCERS);
    ftc_decref(q);
    ftc_decref(sd_reached);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_object_live_count(), live0);
    printf("  maxsize %lld, %s: %lld accepted, %lld discarded\n", (long long)maxsize,
           immediate ? "immediate" : "plain", (long long)accepted, (long long)discarded);
    free(sd_seen);
    sd_seen = NULL;
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(shutdown_under_load)
{
    sd_round(0, false);
    sd_round(0, true);
    sd_round(8, false);
    sd_round(8, true);
}
