/* Collections racing the core's tracked holders (Queue, Future, local; docs/internals/gc.md),
 * every preset, TSan included: workers build and drop cycles through a queue's item, a
 * future's result and a local's value, pass items through a shared queue and overwrite their
 * value of a shared local, ticking after each round, while the main thread collects back to
 * back (each collection traverses the holders the workers are using, under their locks).
 * Invariants: every node is freed exactly once, none while still reachable (a node taken
 * from the shared queue is checked alive), and at the end the live count is back to its start. */
#include "check.h"
#include <ftcore/ftcore.h>

#define WORKERS 2
#define ROUNDS 200
#define GC_NODES_MAX (WORKERS * ROUNDS * 5 + 16)
#include "gc_nodes.h"

static int running; /* atomic: workers not done */

/* A new node holding a new reference to ref (or none), traversable, without clear. */
static ftc_object *node_to(ftc_object *ref) { return node_to_of(&noclear_type, ref); }

static ftc_object *shared_q, *shared_local;
static int collecting; /* atomic: the main thread has made its first collection */

static void worker(void *arg)
{
    (void)arg;
    /* Start once the collections have: in the GIL build a worker can otherwise run all its
     * rounds before the main thread gets the GIL back, and no collection races anything. */
    while (!ftc_atomic_load(&collecting))
        ftc_eval_tick();
    for (int i = 0; i < ROUNDS; i++) {
        ftc_object *q = ftc_queue_new(0), *f = ftc_future_new(), *l = ftc_local_new();
        CHECK(q && f && l);
        ftc_object *a = node_to(q), *b = node_to(f), *c = node_to(l);
        CHECK_EQ(ftc_queue_put(q, a, 0), 0);
        CHECK_EQ(ftc_future_set_result(f, b), 0);
        CHECK_EQ(ftc_local_set(l, c), 0);
        ftc_decref(a);
        ftc_decref(b);
        ftc_decref(c);
        ftc_decref(q);
        ftc_decref(f);
        ftc_decref(l);
        ftc_object *s = node_to(shared_q); /* a cycle kept alive by the main thread's ref */
        CHECK_EQ(ftc_queue_put(shared_q, s, 0), 0);
        ftc_decref(s);
        ftc_object *got = NULL;
        if (ftc_queue_get(shared_q, &got, 0) == 0) {
            check_alive(got); /* reachable: never freed */
            ftc_decref(got);
        }
        ftc_object *v = node_to(shared_local);
        CHECK_EQ(ftc_local_set(shared_local, v), 0);
        ftc_decref(v);
        ftc_eval_tick();
    }
    ftc_atomic_fetch_sub(&running, 1);
}

FTC_TEST(collections_race_queue_future_local_cycles)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_gc_disable(); /* only the main thread's explicit collections */
    int64_t base = ftc_object_live_count();
    shared_q = ftc_queue_new(0);
    shared_local = ftc_local_new();
    CHECK(shared_q && shared_local);
    ftc_atomic_store(&running, WORKERS);
    ftc_thread *t[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], worker, NULL, NULL), 0);
    int64_t collections = 0;
    do {
        CHECK(ftc_gc_collect() >= 0);
        collections++;
        ftc_atomic_store(&collecting, 1);
        ftc_eval_tick(); /* GIL build: let the workers have the GIL between collections */
    } while (ftc_atomic_load(&running) > 0);
    for (int i = 0; i < WORKERS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    ftc_decref(shared_q);
    ftc_decref(shared_local);
    CHECK(ftc_gc_collect() >= 0);
    int n = ftc_atomic_load(&next_id);
    for (int id = 0; id < n; id++)
        CHECK_EQ(ftc_atomic_load(&freed[id]), 1);
    CHECK_EQ(ftc_object_live_count(), base);
    CHECK(collections > 0);
    ftc_gc_enable();
    CHECK_EQ(ftc_runtime_fini(), 0);
}
