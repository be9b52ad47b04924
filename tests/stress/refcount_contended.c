/* Stress: contention-driven conversion to per-thread counting (src/refcount_hot.c).
 *
 * Threads read objects from shared slots lock-free (try-incref), churn their counts (contended
 * shared-count CASes: the nomination signal), keep some references across ticks and drop them
 * later, and replace slots with new objects (so objects die while nominated, while queued to
 * their owner, while being converted). Every 64th read also nominates the object it holds
 * directly, so conversions happen however the threads overlap on this machine; one thread
 * runs ftc_object_collect_hot() (a round) now and then, concurrently with the others' rounds.
 * One pinned object, never replaced and never nominated by hand, takes every thread's churn:
 * only real contention converts it (reported, not asserted: whether two threads overlap on a
 * shared machine is not the test's to decide).
 *
 * With the collector (src/gc.c): items are tracked (traverse/clear), a quarter of the new ones
 * are self-cycles (freed only by a collection), automatic collection runs at the workers'
 * ticks with a low threshold, concurrently with the explicit collections and the nominating
 * threads' hot rounds, and the workers keep weak references to objects they held and
 * dereference them: a weak reference yields a live object or none, never a dead one.
 *
 * Invariants checked: an object a thread holds a reference to is alive (magic, not dead) on
 * every use; every object is deallocated exactly once (an atomic exchange of a per-object
 * flag); the pinned object's count is exact after the threads end (1 + what main holds); after
 * the slots are emptied and the runtime finalizes, deallocs equal objects made and the live
 * count is back where it started. nogil: some objects were seen hot (conversion happened).
 */
#include <pthread.h>
#include <string.h>

#include "stress_objects.h"
#include <ftcore/gc.h>
#include <ftcore/weakref.h>

enum { NTHREADS = 4, NSLOTS = 6, NHELD = 8, NWEAK = 4, MAX_OBJS = 1 << 20 };

#define OBJ_OR_NULL(w) ((w) != NULL ? FTC_OBJ(w) : NULL)

typedef struct {
    FTC_OBJECT_HEAD;
    uint64_t serial;
    uint64_t magic;
    ftc_object *link; /* itself (a self-cycle) or NULL; set before publication, cleared by clear */
} item;

#define MAGIC UINT64_C(0x5eedc0de0badf00d)

static uint8_t *dead;        /* by serial; atomic */
static uint64_t next_serial; /* atomic */
static uint64_t deallocs;    /* atomic */
static uint64_t seen_hot;    /* atomic: reads that found the object hot */
static uint64_t nominated;   /* atomic: forced nominations accepted */
static uint64_t weak_hits;   /* atomic: weak references that yielded their (live) object */

static void item_dealloc(ftc_object *self)
{
    item *it = (item *)self;
    stress_dealloc_once(dead, MAX_OBJS, it->serial, &it->magic, MAGIC);
    ftc_object *link = it->link;
    it->link = NULL;
    ftc_xdecref(link);
    ftc_atomic_fetch_add(&deallocs, 1);
}

static int item_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    item *it = (item *)self;
    return it->link != NULL ? visit(it->link, arg) : 0;
}

static int item_clear(ftc_object *self)
{
    item *it = (item *)self;
    ftc_object *link = it->link;
    it->link = NULL;
    ftc_xdecref(link);
    return 0;
}

static const ftc_type item_type = {
    .name = "item",
    .basicsize = sizeof(item),
    .dealloc = item_dealloc,
    .traverse = item_traverse,
    .clear = item_clear,
};

static void check_alive(ftc_object *o)
{
    item *it = (item *)o;
    CHECK(it->magic == MAGIC);
    CHECK(ftc_atomic_load(&dead[it->serial]) == 0);
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

static ftc_object *slots[NSLOTS]; /* atomic; slot 0 holds the pinned object */
static ftc_object *pinned;
static long per_thread;

static void write_slot(uint64_t *rng)
{
    ftc_object *o = new_item();
    if (ftc_check_rand(rng) % 4 == 0) {
        ftc_incref(o);
        ((item *)o)->link = o; /* garbage once unpublished: only a collection frees it */
    }
    ftc_object_set_shared(o);
    /* acq_rel: release publishes o's fields; acquire orders the old one's before our decref. */
    size_t i = 1 + ftc_check_rand(rng) % (NSLOTS - 1);
    ftc_object *old = ftc_atomic_exchange_acq_rel(&slots[i], o);
    ftc_xdecref(old);
}

static void worker(int me, void *ctx)
{
    uint64_t rng = (uint64_t)me * 0x9E3779B97F4A7C15ull + 7;
    ftc_object *held[NHELD] = {0};
    ftc_weakref *weak[NWEAK] = {0};
    for (long i = 0; i < per_thread; i++) {
        ftc_weakref *w = weak[ftc_check_rand(&rng) % NWEAK];
        ftc_object *got = w != NULL ? ftc_weakref_get_ref(w) : NULL;
        if (got != NULL) {
            check_alive(got);
            ftc_atomic_fetch_add(&weak_hits, 1);
            ftc_decref(got);
        }
        ftc_object **slot = &slots[ftc_check_rand(&rng) % NSLOTS];
        ftc_object *o = ftc_atomic_load_acquire(slot); /* pairs with the exchange */
        if (o != NULL && ftc_try_incref_slot(slot, o)) {
            check_alive(o);
            if (stress_is_hot(o))
                ftc_atomic_fetch_add(&seen_hot, 1);
            for (int k = 0; k < 8; k++) /* contended churn on a shared count */
                ftc_incref(o);
            for (int k = 0; k < 8; k++)
                ftc_decref(o);
            if (o != pinned && i % 64 == 0 && _ftc_hot_nominate(o))
                ftc_atomic_fetch_add(&nominated, 1);
            check_alive(o);
            /* Keep it a while (across ticks and rounds) in place of an older one. */
            size_t h = ftc_check_rand(&rng) % NHELD;
            if (held[h] != NULL)
                check_alive(held[h]);
            ftc_xdecref(held[h]);
            held[h] = o;
            if (i % 8 == 0) {
                size_t k = ftc_check_rand(&rng) % NWEAK;
                ftc_xdecref(OBJ_OR_NULL(weak[k]));
                weak[k] = ftc_weakref_new(o, NULL, NULL);
                CHECK(weak[k] != NULL);
            }
        }
        if (i % 16 == me)
            write_slot(&rng);
        if (me == 0 && i % 512 == 0)
            ftc_object_collect_hot();
        CHECK(ftc_eval_tick() == 0);
    }
    /* Thread 1 ends holding its references: its end drops its nominations' and the merge
     * of its counts must keep every total exact. The others drop theirs first. */
    for (int k = 0; k < NWEAK; k++)
        ftc_xdecref(OBJ_OR_NULL(weak[k]));
    for (int h = 0; h < NHELD; h++) {
        if (held[h] != NULL)
            check_alive(held[h]);
        if (me != 1)
            ftc_xdecref(held[h]);
    }
    if (me == 1) {
        static ftc_object *leftover[NHELD]; /* dropped by main after the join */
        memcpy(leftover, held, sizeof held);
        *(ftc_object ***)ctx = leftover; /* read by main after the join */
    }
}

FTC_TEST(contended_objects_exact_and_freed_once)
{
    dead = calloc(MAX_OBJS, 1);
    CHECK(dead != NULL);
    per_thread = ftc_check_scaled(40000);
    CHECK(ftc_runtime_init(NULL) == 0);
    CHECK(ftc_gc_set_threshold(64) == 0); /* automatic collections at the workers' ticks */
    ftc_gc_enable();
    int64_t live0 = ftc_object_live_count();
    pinned = new_item();
    ftc_incref(pinned); /* main's own reference besides the slot's */
    ftc_object_set_shared(pinned);
    ftc_atomic_store_release(&slots[0], pinned);
    uint64_t rng = 99;
    for (int i = 1; i < NSLOTS; i++)
        write_slot(&rng);
    for (int round = 0; round < 2; round++) {
        ftc_object **leftover = NULL;
        ftc_check_run_threads(NTHREADS, worker, &leftover, NULL);
        CHECK(leftover != NULL);
        for (int h = 0; h < NHELD; h++) {
            if (leftover[h] != NULL)
                check_alive(leftover[h]);
            ftc_xdecref(leftover[h]);
        }
        CHECK(ftc_eval_tick() == 0);
        /* Exact: the slot's reference and main's; every thread's churn cancelled out. */
        CHECK_EQ(ftc_object_refcount(pinned), 2);
    }
    bool pinned_hot = stress_is_hot(pinned);
    for (int i = 0; i < NSLOTS; i++)
        ftc_xdecref(ftc_atomic_exchange(&slots[i], (ftc_object *)NULL));
    CHECK_EQ(ftc_object_refcount(pinned), 1);
    ftc_decref(pinned);
    CHECK(ftc_eval_tick() == 0);
    ftc_object_collect_hot();
    /* Everything is unreachable: a collection has freed the hot ones and the cycles, decrefs
     * the others. */
    ftc_gc_stats st;
    ftc_gc_get_stats(&st);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK(ftc_runtime_fini() == 0);
    uint64_t made = ftc_atomic_load(&next_serial);
    CHECK_EQ(ftc_atomic_load(&deallocs), made);
    for (uint64_t s = 0; s < made; s++)
        CHECK(dead[s] == 1);
#ifdef FTC_GIL_DISABLED
    CHECK(ftc_atomic_load(&nominated) > 0);
    CHECK(ftc_atomic_load(&seen_hot) > 0);
#else
    CHECK_EQ(ftc_atomic_load(&nominated), 0u);
#endif
    CHECK(st.auto_collections > 0);
    printf("objects made and freed exactly once: %llu; forced nominations %llu; reads of a hot "
           "object %llu; pinned object converted by contention alone: %s; collections %llu "
           "(automatic %llu); weak references that yielded their object %llu\n",
           (unsigned long long)made, (unsigned long long)ftc_atomic_load(&nominated),
           (unsigned long long)ftc_atomic_load(&seen_hot), pinned_hot ? "yes" : "no",
           (unsigned long long)st.collections, (unsigned long long)st.auto_collections,
           (unsigned long long)ftc_atomic_load(&weak_hits));
    free(dead);
}
