/* Stress: objects converted to per-thread counting by contention (src/refcount_hot.c) die
 * promptly again once the threads that used them are joined (the settle at ftc_thread_join).
 *
 * Each round, main makes fresh tracked objects, each with a weak reference whose callback
 * records the object's death, publishes them in atomic slots, a shared list and a shared dict,
 * and gives each worker a few references of its own (main owns the objects: a worker's decref
 * of one whose shared count is zero queues it to main, which does not tick while it waits in
 * the join, so objects are converted while queued). The workers read the objects lock-free
 * (try-incref from the slots, ftc_list_get_ref, ftc_dict_get_ref), dereference the weak
 * references, churn the counts (contended CASes), nominate every 16th read directly (so
 * conversions happen however the threads overlap on a loaded machine) and tick (conversion
 * rounds); worker 0 also runs ftc_gc_collect() now and then, concurrently with the rounds.
 * Automatic collection is off: after the joins nothing but main's decrefs and ticks (BRC
 * merges, never a collection) runs.
 *
 * Invariants checked, every round: an object a thread holds a reference to is alive (magic,
 * not dead); a weak reference yields a live object or none; after the joins every object's
 * count is exact (what main holds: slot + list + dict + main's own); after main drops those
 * references and ticks once (its BRC queue), every object of the round was deallocated
 * exactly once and its weak-reference callback ran exactly once, with no collection; the live
 * count is back where it started. nogil: objects were seen hot during the rounds (conversion
 * happened), and none is hot after the joins.
 */
#include <string.h>

#include "stress_objects.h"
#include <ftcore/dict.h>
#include <ftcore/gc.h>
#include <ftcore/list.h>
#include <ftcore/weakref.h>

#ifdef FTC_GIL_DISABLED
#define IS_NOGIL_BUILD true
#else
#define IS_NOGIL_BUILD false
#endif

enum { NTHREADS = 3, NOBJ = 8, NGIFT = 4, MAX_OBJS = 1 << 16 };

typedef struct {
    FTC_OBJECT_HEAD;
    uint64_t serial;
    uint64_t magic;
} item;

#define MAGIC UINT64_C(0x5e771edc0ffee000)

static uint8_t *dead;        /* by serial; atomic */
static uint8_t *called;      /* by serial: callbacks run; atomic */
static uint64_t next_serial; /* atomic */
static uint64_t seen_hot;    /* atomic */
static uint64_t weak_hits;   /* atomic */

static void item_dealloc(ftc_object *self)
{
    item *it = (item *)self;
    stress_dealloc_once(dead, MAX_OBJS, it->serial, &it->magic, MAGIC);
}

static int item_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    (void)self;
    (void)visit;
    (void)arg;
    return 0;
}

static const ftc_type item_type = {
    .name = "item",
    .basicsize = sizeof(item),
    .dealloc = item_dealloc,
    .traverse = item_traverse, /* tracked: weak references, and collections see it */
};

static void on_death(ftc_weakref *w, void *data)
{
    (void)w;
    uint64_t serial = (uint64_t)(uintptr_t)data;
    CHECK(serial < MAX_OBJS);
    CHECK(ftc_atomic_load(&dead[serial]) == 1); /* runs once the referent is gone */
    if (ftc_atomic_fetch_add(&called[serial], (uint8_t)1) != 0)
        ftc_check_fail(__FILE__, __LINE__, "callback once", "weak-reference callback ran twice");
}

static void check_alive(ftc_object *o)
{
    item *it = (item *)o;
    CHECK(it->magic == MAGIC);
    CHECK(ftc_atomic_load(&dead[it->serial]) == 0);
}

static ftc_object *slots[NOBJ]; /* atomic */
static ftc_object *objs[NOBJ];  /* main's references (written by main before the threads) */
static ftc_weakref *weak[NOBJ];
static ftc_object *keys[NOBJ];
static ftc_object *shared_list, *shared_dict;
static ftc_object *gifts[NTHREADS][NGIFT];
static long per_thread;

static void use(ftc_object *o)
{
    check_alive(o);
    if (stress_is_hot(o))
        ftc_atomic_fetch_add(&seen_hot, 1);
    for (int k = 0; k < 4; k++) /* contended churn */
        ftc_incref(o);
    for (int k = 0; k < 4; k++)
        ftc_decref(o);
    check_alive(o);
}

static void worker(int me, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)me * 0x9E3779B97F4A7C15ull + 11;
    for (long i = 0; i < per_thread; i++) {
        size_t k = ftc_check_rand(&rng) % NOBJ;
        ftc_object *o = NULL;
        switch (ftc_check_rand(&rng) % 4) {
        case 0: {
            o = ftc_atomic_load_acquire(&slots[k]);
            if (o != NULL && !ftc_try_incref_slot(&slots[k], o))
                o = NULL;
            break;
        }
        case 1: CHECK_EQ(ftc_list_get_ref(shared_list, (int64_t)k, &o), 0); break;
        case 2: CHECK_EQ(ftc_dict_get_ref(shared_dict, keys[k], &o), 1); break;
        default:
            o = ftc_weakref_get_ref(weak[k]);
            if (o != NULL)
                ftc_atomic_fetch_add(&weak_hits, 1);
            break;
        }
        if (o != NULL) {
            use(o);
            if (i % 16 == 0)
                (void)_ftc_hot_nominate(o);
            ftc_decref(o);
        }
        /* A gift dropped now and then: main's object, its count perhaps contended or 0. */
        if (i % (per_thread / NGIFT + 1) == 0) {
            size_t g = (size_t)(i / (per_thread / NGIFT + 1));
            if (g < NGIFT && gifts[me][g] != NULL) {
                use(gifts[me][g]);
                ftc_decref(gifts[me][g]);
                gifts[me][g] = NULL;
            }
        }
        if (me == 0 && i % 256 == 128)
            CHECK(ftc_gc_collect() >= 0); /* a collection while the others convert */
        CHECK(ftc_eval_tick() == 0);
    }
    for (size_t g = 0; g < NGIFT; g++) {
        ftc_xdecref(gifts[me][g]);
        gifts[me][g] = NULL;
    }
}

FTC_TEST(converted_objects_die_promptly_after_the_joins)
{
    dead = calloc(MAX_OBJS, 1);
    called = calloc(MAX_OBJS, 1);
    CHECK(dead != NULL && called != NULL);
    per_thread = ftc_check_scaled(3000);
    int rounds = (int)ftc_check_scaled(12);
    CHECK(ftc_runtime_init(NULL) == 0);
    CHECK(ftc_object_auto_hot_enabled() == IS_NOGIL_BUILD);
    ftc_gc_disable(); /* after the joins, nothing but main's own decrefs may free */
    int64_t live0 = ftc_object_live_count();
    shared_list = ftc_list_new();
    shared_dict = ftc_dict_new();
    CHECK(shared_list != NULL && shared_dict != NULL);
    for (int k = 0; k < NOBJ; k++) {
        keys[k] = ftc_int_new(k);
        CHECK(keys[k] != NULL);
        CHECK_EQ(ftc_list_append(shared_list, keys[k]), 0); /* placeholders, set each round */
    }
    int64_t live_round = ftc_object_live_count();
    uint64_t hot_after_join = 0;
    for (int round = 0; round < rounds; round++) {
        uint64_t first = ftc_atomic_load(&next_serial);
        for (int k = 0; k < NOBJ; k++) {
            item *it = (item *)ftc_object_new(&item_type);
            CHECK(it != NULL);
            it->serial = ftc_atomic_fetch_add(&next_serial, 1);
            CHECK(it->serial < MAX_OBJS);
            it->magic = MAGIC;
            ftc_object *o = FTC_OBJ(it);
            objs[k] = o;
            weak[k] = ftc_weakref_new(o, on_death, (void *)(uintptr_t)it->serial);
            CHECK(weak[k] != NULL);
            CHECK_EQ(ftc_list_set(shared_list, k, o), 0);
            CHECK_EQ(ftc_dict_set(shared_dict, keys[k], o), 0);
            ftc_incref(o);
            ftc_object_set_shared(o);
            ftc_atomic_store_release(&slots[k], o); /* the slot's reference */
            for (int t = 0; t < NTHREADS; t++) {
                if ((size_t)k < NGIFT) {
                    ftc_incref(o);
                    gifts[t][k] = o;
                }
            }
        }
        ftc_check_run_threads(NTHREADS, worker, NULL, NULL);
        for (int k = 0; k < NOBJ; k++) {
            /* Exact after the joins: main's own, the slot's, the list's, the dict's. */
            CHECK_EQ(ftc_object_refcount(objs[k]), 4);
            hot_after_join += stress_is_hot(objs[k]);
        }
        /* Main drops every reference: the objects die now, with no collection. */
        for (int k = 0; k < NOBJ; k++) {
            ftc_decref(ftc_atomic_exchange(&slots[k], (ftc_object *)NULL));
            CHECK_EQ(ftc_list_set(shared_list, k, keys[k]), 0);
            CHECK_EQ(ftc_dict_del(shared_dict, keys[k]), 0);
            ftc_decref(objs[k]);
        }
        CHECK(ftc_eval_tick() == 0); /* main's BRC queue (workers' decrefs), not a collection */
        for (uint64_t s = first; s < ftc_atomic_load(&next_serial); s++) {
            CHECK_EQ(ftc_atomic_load(&dead[s]), 1);
            CHECK_EQ(ftc_atomic_load(&called[s]), 1);
        }
        for (int k = 0; k < NOBJ; k++) {
            CHECK(ftc_weakref_get_ref(weak[k]) == NULL);
            ftc_decref(FTC_OBJ(weak[k]));
        }
        CHECK_EQ(ftc_object_live_count(), live_round);
    }
    CHECK_EQ(hot_after_join, 0u);
    for (int k = 0; k < NOBJ; k++)
        ftc_decref(keys[k]);
    ftc_decref(shared_list);
    ftc_decref(shared_dict);
    CHECK_EQ(ftc_object_live_count(), live0);
    ftc_gc_enable();
    CHECK(ftc_runtime_fini() == 0);
    uint64_t made = ftc_atomic_load(&next_serial);
#ifdef FTC_GIL_DISABLED
    CHECK(ftc_atomic_load(&seen_hot) > 0);
#endif
    printf("rounds %d, objects made %llu, each freed once by its last decref after the joins "
           "with its callback run once; reads of a hot object %llu; weak references that "
           "yielded their object %llu\n",
           rounds, (unsigned long long)made, (unsigned long long)ftc_atomic_load(&seen_hot),
           (unsigned long long)ftc_atomic_load(&weak_hits));
    free(dead);
    free(called);
}
