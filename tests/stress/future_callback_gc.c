/* Collections racing futures whose done callbacks hold objects
 * (ftc_future_add_done_callback_obj, docs/internals/gc.md), every preset, TSan included.
 *
 * Each worker round makes a future f and a node n referring to f, and registers a done
 * callback holding n on f: the cycle f -(callback)-> n -> f. It puts n twice into a shared
 * queue and takes two items out; for each item taken it finishes the item's future (set_result
 * or set_error, racing the other worker, which may hold the other copy) or just drops it. A
 * future nobody finished is garbage once both copies are gone, visible to the collector only
 * through its callback's object. Meanwhile the main thread collects back to back, so
 * collections traverse futures whose callbacks are being added, detached and run.
 *
 * Invariants: a callback runs at most once (checked as it runs) and exactly as often as its
 * future was finished successfully; it is given its own node, alive, while the node is still
 * counted; every node is freed exactly once (so every unfinished cycle was collected and no
 * node was freed twice), and at the end the live count is back to where it started. */
#include "check.h"
#include <ftcore/ftcore.h>

#define WORKERS 2
#define ROUNDS 300
#define GC_NODES_MAX (WORKERS * ROUNDS + 16)
#include "gc_nodes.h"

static int runs[GC_NODES_MAX];     /* atomic: callback runs per node id */
static int finished[GC_NODES_MAX]; /* atomic: successful finishes per node id */
static int running;                /* atomic: workers not done */
static int collecting;             /* atomic: the main thread has made its first collection */
static ftc_object *shared_q;

static void on_done(ftc_object *future, ftc_object *obj)
{
    check_alive(obj);
    CHECK(((node *)obj)->ref[0] == future);
    CHECK(ftc_object_refcount(obj) >= 1);
    CHECK_EQ(ftc_atomic_fetch_add(&runs[id_of(obj)], 1), 0);
}

static void take_one(unsigned *seed)
{
    ftc_object *got = NULL;
    if (ftc_queue_get(shared_q, &got, 0) != 0)
        return;
    check_alive(got);
    ftc_object *f = ((node *)got)->ref[0]; /* held by the node, which we hold */
    *seed = *seed * 1103515245u + 12345u;
    unsigned what = (*seed >> 16) % 3;
    int rc = what == 0   ? ftc_future_set_result(f, NULL)
             : what == 1 ? ftc_future_set_error(f, FTC_ECANCELLED)
                         : FTC_ESTATE; /* drop without finishing */
    if (rc == 0)
        ftc_atomic_fetch_add(&finished[id_of(got)], 1);
    else
        CHECK_EQ(rc, FTC_ESTATE);
    ftc_decref(got);
}

static void worker(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u + 1u;
    /* Start once the collections have (in the GIL build a worker could otherwise run all its
     * rounds before the main thread gets the GIL back). */
    while (!ftc_atomic_load(&collecting))
        ftc_eval_tick();
    for (int i = 0; i < ROUNDS; i++) {
        ftc_object *f = ftc_future_new();
        CHECK(f != NULL);
        ftc_object *n = node_to_of(&noclear_type, f); /* only the future's clear breaks it */
        CHECK_EQ(ftc_future_add_done_callback_obj(f, on_done, n), 0);
        ftc_decref(f);
        CHECK_EQ(ftc_queue_put(shared_q, n, 0), 0);
        CHECK_EQ(ftc_queue_put(shared_q, n, 0), 0);
        ftc_decref(n);
        take_one(&seed);
        take_one(&seed);
        ftc_eval_tick();
    }
    ftc_atomic_fetch_sub(&running, 1);
}

FTC_TEST(collections_race_future_callback_objects)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_gc_disable(); /* only the main thread's explicit collections */
    int64_t base = ftc_object_live_count();
    shared_q = ftc_queue_new(0);
    CHECK(shared_q != NULL);
    ftc_atomic_store(&running, WORKERS);
    ftc_thread *t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], worker, (void *)(uintptr_t)i, NULL), 0);
    int64_t collections = 0, found = 0;
    do {
        int64_t r = ftc_gc_collect();
        CHECK(r >= 0);
        found += r;
        collections++;
        ftc_atomic_store(&collecting, 1);
        ftc_eval_tick(); /* GIL build: let the workers have the GIL between collections */
    } while (ftc_atomic_load(&running) > 0);
    for (int i = 0; i < WORKERS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    ftc_decref(shared_q); /* what is left in it becomes garbage too */
    found += ftc_gc_collect();
    int n = ftc_atomic_load(&next_id);
    CHECK_EQ(n, WORKERS * ROUNDS);
    int64_t unfinished = 0;
    for (int id = 0; id < n; id++) {
        CHECK_EQ(ftc_atomic_load(&freed[id]), 1);
        int fin = ftc_atomic_load(&finished[id]);
        CHECK(fin <= 1);
        CHECK_EQ(ftc_atomic_load(&runs[id]), fin);
        unfinished += fin == 0;
    }
    CHECK_EQ(ftc_object_live_count(), base);
    CHECK_EQ(ftc_gc_tracked_count(), 0);
    CHECK(collections > 0);
    CHECK(unfinished > 0); /* some cycles were left to the collector */
    CHECK(found >= 2 * unfinished);
    printf("collections=%lld unfinished cycles=%lld found=%lld\n", (long long)collections,
           (long long)unfinished, (long long)found);
    ftc_gc_enable();
    CHECK_EQ(ftc_runtime_fini(), 0);
}
