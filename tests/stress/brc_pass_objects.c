/* Stress: threads create objects, pass references to each other through inboxes, churn
 * incref/decref on what they receive, and publish objects in shared slots that other threads
 * read lock-free with try-incref while writers replace them.
 *
 * Invariants checked: every object is deallocated exactly once (a per-object flag set by an
 * atomic exchange in dealloc: a second dealloc fails the test); an object a thread holds a
 * reference to is never deallocated (checked on every read); after the threads end and the
 * runtime finalizes, the number of deallocs equals the number of objects made and the live
 * count is back where it started. Under the nogil build this exercises the owner path, the
 * shared path, queueing to a live owner, merging at ticks, merging objects of exited owners,
 * draining at thread end and try-incref against concurrent frees (through QSBR).
 */
#include <pthread.h>
#include <string.h>

#include "stress_objects.h"

enum { NTHREADS = 4, NSLOTS = 8, MAX_OBJS = 1 << 20 };

typedef struct {
    FTC_OBJECT_HEAD;
    uint64_t serial;
    uint64_t magic;
} item;

#define MAGIC UINT64_C(0x1badb002cafef00d)

static uint8_t *dead;        /* by serial; atomic */
static uint64_t next_serial; /* atomic */
static uint64_t deallocs;    /* atomic */

static void item_dealloc(ftc_object *self)
{
    item *it = (item *)self;
    stress_dealloc_once(dead, MAX_OBJS, it->serial, &it->magic, MAGIC);
    ftc_atomic_fetch_add(&deallocs, 1);
}

static const ftc_type item_type = {"item", sizeof(item), item_dealloc, NULL, NULL, NULL, NULL};

static void check_alive(ftc_object *o)
{
    item *it = (item *)o;
    CHECK(it->magic == MAGIC);
    CHECK(ftc_atomic_load(&dead[it->serial]) == 0);
}

/* ---- inboxes: a mutex-protected vector per thread ---- */
typedef struct {
    pthread_mutex_t mu;
    ftc_object **objs;
    size_t len, cap;
} inbox;

static inbox boxes[NTHREADS];
static ftc_object *slots[NSLOTS]; /* atomic */
static int64_t refs_in_flight;    /* atomic: references sitting in inboxes */
static int producers_left;        /* atomic */

static void push(int to, ftc_object *o)
{
    inbox *b = &boxes[to];
    pthread_mutex_lock(&b->mu);
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->objs = realloc(b->objs, b->cap * sizeof *b->objs);
        CHECK(b->objs != NULL);
    }
    b->objs[b->len++] = o;
    pthread_mutex_unlock(&b->mu);
    ftc_atomic_fetch_add(&refs_in_flight, 1);
}

static size_t drain(int me, uint64_t *rng)
{
    inbox *b = &boxes[me];
    pthread_mutex_lock(&b->mu);
    ftc_object **objs = b->objs;
    size_t n = b->len;
    b->objs = NULL;
    b->len = b->cap = 0;
    pthread_mutex_unlock(&b->mu);
    for (size_t i = 0; i < n; i++) {
        ftc_object *o = objs[i];
        check_alive(o);
        int churn = (int)(ftc_check_rand(rng) % 4);
        for (int k = 0; k < churn; k++)
            ftc_incref(o);
        check_alive(o);
        for (int k = 0; k < churn; k++)
            ftc_decref(o);
        ftc_decref(o); /* the reference that was passed to us */
        ftc_atomic_fetch_sub(&refs_in_flight, 1);
    }
    free(objs);
    return n;
}

static void read_slot(uint64_t *rng)
{
    ftc_object **slot = &slots[ftc_check_rand(rng) % NSLOTS];
    for (int tries = 0; tries < 4; tries++) {
        ftc_object *o = ftc_atomic_load_acquire(slot); /* pairs with the exchange below */
        if (o == NULL)
            return;
        if (ftc_try_incref_slot(slot, o)) {
            check_alive(o);
            ftc_decref(o);
            return;
        }
    }
}

static ftc_object *new_item(void)
{
    item *it = (item *)ftc_object_new(&item_type);
    CHECK(it != NULL);
    it->serial = ftc_atomic_fetch_add(&next_serial, 1);
    CHECK(it->serial < MAX_OBJS);
    it->magic = MAGIC;
    return FTC_OBJ(it);
}

static void write_slot(uint64_t *rng)
{
    ftc_object *o = new_item();
    ftc_object_set_shared(o); /* published: readers may try-incref it */
    /* acq_rel: release publishes o's fields to readers; acquire orders the old value's
     * fields before our decref of it. */
    ftc_object *old = ftc_atomic_exchange_acq_rel(&slots[ftc_check_rand(rng) % NSLOTS], o);
    ftc_xdecref(old);
}

static long per_thread;

static void worker(int me, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)me * 0x9E3779B97F4A7C15ull + 1;
    for (long i = 0; i < per_thread; i++) {
        ftc_object *o = new_item();
        int fanout = 1 + (int)(ftc_check_rand(&rng) % 3);
        for (int k = 1; k < fanout; k++)
            ftc_incref(o);
        for (int k = 0; k < fanout; k++) {
            int to = (int)(ftc_check_rand(&rng) % NTHREADS);
            push(to, o); /* one of our references goes to `to` (maybe ourselves) */
        }
        if (i % 8 == 0)
            write_slot(&rng);
        read_slot(&rng);
        if (i % 4 == 0)
            drain(me, &rng);
        CHECK(ftc_eval_tick() == 0);
    }
    ftc_atomic_fetch_sub(&producers_left, 1);
    /* Keep consuming until no producer is left and every inbox is empty. */
    while (ftc_atomic_load(&producers_left) > 0 || ftc_atomic_load(&refs_in_flight) > 0) {
        drain(me, &rng);
        read_slot(&rng);
        CHECK(ftc_eval_tick() == 0);
    }
}

static void run(void)
{
    ftc_atomic_store(&producers_left, NTHREADS);
    ftc_check_run_threads(NTHREADS, worker, NULL, NULL);
    CHECK(ftc_atomic_load(&refs_in_flight) == 0);
}

FTC_TEST(pass_objects_exact_deallocs)
{
    dead = calloc(MAX_OBJS, 1);
    CHECK(dead != NULL);
    per_thread = ftc_check_scaled(20000);
    CHECK(ftc_runtime_init(NULL) == 0);
    int64_t live0 = ftc_object_live_count();
    run();
    /* A second round: the first round's threads are gone, their objects in slots are
     * merged directly by whoever drops them. */
    run();
    for (int i = 0; i < NSLOTS; i++)
        ftc_xdecref(ftc_atomic_exchange(&slots[i], (ftc_object *)NULL));
    CHECK(ftc_eval_tick() == 0);
    CHECK(ftc_runtime_fini() == 0);
    uint64_t made = ftc_atomic_load(&next_serial);
    CHECK_EQ(ftc_atomic_load(&deallocs), made);
    for (uint64_t s = 0; s < made; s++)
        CHECK(dead[s] == 1);
    CHECK_EQ(ftc_object_live_count(), live0);
    printf("objects made and freed exactly once: %llu\n", (unsigned long long)made);
    for (int i = 0; i < NTHREADS; i++)
        free(boxes[i].objs);
    free(dead);
}

__attribute__((constructor)) static void init_boxes(void)
{
    for (int i = 0; i < NTHREADS; i++)
        pthread_mutex_init(&boxes[i].mu, NULL);
}
