/* Stress: hot objects (per-thread reference counts) under many threads, with collections
 * running concurrently and threads ending while they hold references.
 *
 * Invariants checked (exact): while main holds one reference to each hot object, no
 * collection frees any of them, however the other threads' counts swing (each thread's own
 * slot goes negative when it drops references another thread took); references handed from
 * thread to thread through a pool arrive intact; threads that end holding references have
 * them merged into the objects; at the end each object's count is exactly 1 + the
 * references main collected from ended threads, and after main drops them one collection frees
 * every object exactly once.
 */
#include <pthread.h>

#include "check.h"
#include "internal/object.h"

enum { NOBJS = 16, NTHREADS = 4, KEEP = 3 };

#ifdef FTC_GIL_DISABLED
#define IS_NOGIL_HOT 1
#else
#define IS_NOGIL_HOT 0
#endif

typedef struct {
    FTC_OBJECT_HEAD;
    int idx;
} hot_item;

static int dealloc_count[NOBJS]; /* atomic */
static ftc_object *objs[NOBJS];

static void hot_dealloc(ftc_object *self)
{
    int i = ((hot_item *)self)->idx;
    CHECK(ftc_atomic_fetch_add(&dealloc_count[i], 1) == 0);
}

static const ftc_type hot_type = {"hot", sizeof(hot_item), hot_dealloc, NULL, NULL, NULL, NULL};

/* A pool of references in transit between threads. */
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static ftc_object *pool[4096];
static int pool_len;
static long iterations;
static int running; /* atomic */

static void worker(void *arg)
{
    uint64_t rng = (uint64_t)(intptr_t)arg * 31337 + 5;
    for (long i = 0; i < iterations; i++) {
        ftc_object *o = objs[ftc_check_rand(&rng) % NOBJS];
        int k = 1 + (int)(ftc_check_rand(&rng) % 5);
        for (int j = 0; j < k; j++)
            ftc_incref(o);
        for (int j = 0; j < k; j++)
            ftc_decref(o);
        /* hand one reference to whoever pops it */
        ftc_incref(o);
        pthread_mutex_lock(&pool_mu);
        ftc_object *drop = NULL;
        if (pool_len < (int)(sizeof pool / sizeof pool[0]))
            pool[pool_len++] = o;
        else
            drop = o;
        ftc_object *taken = NULL;
        if (pool_len > 0 && ftc_check_rand(&rng) % 2 == 0)
            taken = pool[--pool_len];
        pthread_mutex_unlock(&pool_mu);
        ftc_xdecref(drop);
        ftc_xdecref(taken);
        CHECK(ftc_eval_tick() == 0);
    }
    /* End holding KEEP references to object 0: merged into it when this thread ends. */
    for (int j = 0; j < KEEP; j++)
        ftc_incref(objs[0]);
}

static void collector(void *arg)
{
    (void)arg;
    while (ftc_atomic_load(&running)) {
        CHECK(ftc_object_collect_hot() == 0); /* main holds one of each: nothing dies */
        for (int i = 0; i < NOBJS; i++)
            CHECK(ftc_atomic_load(&dealloc_count[i]) == 0);
        CHECK(ftc_eval_tick() == 0);
    }
}

/* Stops the collector thread c, drops the references still in transit in the pool, and
 * checks that a final collection frees nothing (every object is still referenced). */
static void stop_collector_and_drain(ftc_thread *c)
{
    ftc_atomic_store(&running, 0);
    CHECK(ftc_thread_join(c, -1) == 0);
    ftc_thread_release(c);
    for (int i = 0; i < pool_len; i++)
        ftc_decref(pool[i]);
    pool_len = 0;
    CHECK(ftc_object_collect_hot() == 0);
}

FTC_TEST(hot_objects_exact_counts)
{
    iterations = ftc_check_scaled(40000);
    CHECK(ftc_runtime_init(NULL) == 0);
    for (int i = 0; i < NOBJS; i++) {
        hot_item *h = (hot_item *)ftc_object_new(&hot_type);
        CHECK(h != NULL);
        h->idx = i;
        objs[i] = FTC_OBJ(h);
        CHECK(ftc_object_set_hot(objs[i]) == 0);
    }
    ftc_atomic_store(&running, 1);
    ftc_thread *c, *t[NTHREADS];
    CHECK(ftc_thread_start(&c, collector, NULL, NULL) == 0);
    for (int i = 0; i < NTHREADS; i++)
        CHECK(ftc_thread_start(&t[i], worker, (void *)(intptr_t)i, NULL) == 0);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK(ftc_thread_join(t[i], -1) == 0);
        ftc_thread_release(t[i]);
    }
    /* Drop what is still in transit. */
    stop_collector_and_drain(c);
    CHECK_EQ(ftc_object_refcount(objs[0]), 1 + NTHREADS * KEEP);
    for (int i = 1; i < NOBJS; i++)
        CHECK_EQ(ftc_object_refcount(objs[i]), 1);
    for (int j = 0; j < NTHREADS * KEEP; j++)
        ftc_decref(objs[0]);
    for (int i = 0; i < NOBJS; i++) {
        CHECK_EQ(ftc_atomic_load(&dealloc_count[i]), 0);
        ftc_decref(objs[i]);
    }
#ifdef FTC_GIL_DISABLED
    for (int i = 0; i < NOBJS; i++)
        CHECK_EQ(ftc_atomic_load(&dealloc_count[i]), 0); /* decrefs never free hot objects */
    CHECK_EQ(ftc_object_collect_hot(), NOBJS);
#endif
    for (int i = 0; i < NOBJS; i++)
        CHECK_EQ(ftc_atomic_load(&dealloc_count[i]), 1);
    CHECK_EQ(ftc_object_collect_hot(), 0);
    CHECK(ftc_runtime_fini() == 0);
    CHECK_EQ(ftc_object_live_count(), 0);
}

/* Short-lived threads: each takes references that other threads drop (so its own slots end
 * positive and theirs negative) and ends; a collector runs all along. A collection that missed
 * an ending thread's counts would see a total of zero and free an object main still holds. */
static void short_lived(void *arg)
{
    uint64_t rng = (uint64_t)(intptr_t)arg * 2654435761u + 1;
    for (int j = 0; j < 64; j++) {
        ftc_object *o = objs[ftc_check_rand(&rng) % NOBJS];
        ftc_incref(o);
        pthread_mutex_lock(&pool_mu);
        ftc_object *drop = NULL;
        if (pool_len < (int)(sizeof pool / sizeof pool[0]))
            pool[pool_len++] = o;
        else
            drop = o;
        ftc_object *taken = pool_len > 0 && ftc_check_rand(&rng) % 2 ? pool[--pool_len] : NULL;
        pthread_mutex_unlock(&pool_mu);
        ftc_xdecref(drop);
        ftc_xdecref(taken);
        CHECK(ftc_eval_tick() == 0);
    }
}

FTC_TEST(hot_counts_survive_thread_exits)
{
    long rounds = ftc_check_scaled(200);
    CHECK(ftc_runtime_init(NULL) == 0);
    for (int i = 0; i < NOBJS; i++) {
        ftc_atomic_store(&dealloc_count[i], 0);
        hot_item *h = (hot_item *)ftc_object_new(&hot_type);
        CHECK(h != NULL);
        h->idx = i;
        objs[i] = FTC_OBJ(h);
        CHECK(ftc_object_set_hot(objs[i]) == 0);
    }
    ftc_atomic_store(&running, 1);
    ftc_thread *c;
    CHECK(ftc_thread_start(&c, collector, NULL, NULL) == 0);
    for (long r = 0; r < rounds; r++) {
        ftc_thread *t[3];
        for (int i = 0; i < 3; i++)
            CHECK(ftc_thread_start(&t[i], short_lived, (void *)(intptr_t)(r * 3 + i), NULL) == 0);
        for (int i = 0; i < 3; i++) {
            CHECK(ftc_thread_join(t[i], -1) == 0);
            ftc_thread_release(t[i]);
        }
    }
    stop_collector_and_drain(c);
    for (int i = 0; i < NOBJS; i++) {
        CHECK_EQ(ftc_object_refcount(objs[i]), 1);
        ftc_decref(objs[i]);
    }
    CHECK_EQ(ftc_object_collect_hot(), IS_NOGIL_HOT * NOBJS);
    for (int i = 0; i < NOBJS; i++)
        CHECK_EQ(ftc_atomic_load(&dealloc_count[i]), 1);
    CHECK(ftc_runtime_fini() == 0);
}
