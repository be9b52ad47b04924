/* BRC outboxes (src/brc.c): a non-owner's queueing decref puts the object in its own thread's
 * outbox, handed to the owners' queues later (when full, at the pusher's tick, detach and end).
 * Checked: every object is freed exactly once and none is left behind, in the windows where an
 * entry sits in an outbox while
 *   - its owner ends (the flush finds no owner: the pusher merges the entry itself);
 *   - the pusher ends (its detach hands the outbox over);
 *   - a collection runs (the collector takes outbox entries with the world stopped);
 *   - a stop of the collector converts the entry's object to hot;
 *   - the process forks (the child's flush finds the dead owner gone);
 * and in a random mix: threads passing objects to each other and ending at random points
 * while a collector thread collects and nominations are converted. The nogil build checks the
 * intermediate states too (what waits in an outbox is not freed early, and is freed by the
 * step that must free it); the GIL build the same scenarios with plain counting.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "stress_objects.h"

enum { MAX_OBJS = 1 << 20 };

typedef struct {
    FTC_OBJECT_HEAD;
    uint64_t serial;
    uint64_t magic;
} item;

#define MAGIC UINT64_C(0x0b0cb0c5feedface)

static uint8_t *dead;        /* by serial; atomic */
static uint64_t next_serial; /* atomic */
static int64_t deallocs;     /* atomic */

static void item_dealloc(ftc_object *self)
{
    item *it = (item *)self;
    stress_dealloc_once(dead, MAX_OBJS, it->serial, &it->magic, MAGIC);
    ftc_atomic_fetch_add(&deallocs, 1);
}

static const ftc_type item_type = {"item", sizeof(item), item_dealloc, NULL, NULL, NULL, NULL};

static ftc_object *new_item(void)
{
    item *it = (item *)ftc_object_new(&item_type);
    CHECK(it != NULL);
    it->serial = ftc_atomic_fetch_add(&next_serial, 1);
    CHECK(it->serial < MAX_OBJS);
    it->magic = MAGIC;
    return FTC_OBJ(it);
}

static void check_alive(ftc_object *o)
{
    item *it = (item *)o;
    CHECK(it->magic == MAGIC);
    CHECK(ftc_atomic_load(&dead[it->serial]) == 0);
}

#ifdef FTC_GIL_DISABLED
#define IS_NOGIL 1
#else
#define IS_NOGIL 0
#endif

/* Waits for *flag to reach v while keeping this thread's outbox as it is: attached, neither
 * ticking nor detaching (nogil). Under the GIL that would hold the GIL: wait detached. */
static void wait_keeping_outbox(int *flag, int v)
{
#ifdef FTC_GIL_DISABLED
    while (ftc_atomic_load(flag) != v)
        ftc_cpu_relax();
#else
    FTC_BEGIN_ALLOW_THREADS
    while (ftc_atomic_load(flag) != v)
        ftc_cpu_relax();
    FTC_END_ALLOW_THREADS
#endif
}

static void wait_detached(int *flag, int v)
{
    FTC_BEGIN_ALLOW_THREADS
    while (ftc_atomic_load(flag) != v)
        ftc_cpu_relax();
    FTC_END_ALLOW_THREADS
}

static void start(void)
{
    if (dead == NULL) {
        dead = calloc(MAX_OBJS, 1);
        CHECK(dead != NULL);
    }
    CHECK(ftc_runtime_init(NULL) == 0);
}

/* Every object made so far was freed exactly once; the runtime finalizes with nothing left. */
static void finish(int64_t live0)
{
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK(ftc_runtime_fini() == 0);
    uint64_t made = ftc_atomic_load(&next_serial);
    CHECK_EQ((uint64_t)ftc_atomic_load(&deallocs), made);
    for (uint64_t s = 0; s < made; s++)
        CHECK(dead[s] == 1);
}

/* ---- the owner ends while entries for it sit in an outbox ---- */

enum { N1 = 200 }; /* more than an outbox holds: some flushes happen while the owner lives */
static ftc_object *objs1[N1];
static int stage1; /* atomic: 1 made, 2 dropped, 3 owner joined */

static void owner1(void *arg)
{
    (void)arg;
    for (int i = 0; i < N1; i++)
        objs1[i] = new_item(); /* our one reference each goes to the consumer */
    ftc_atomic_store(&stage1, 1);
    wait_detached(&stage1, 2);
    /* Ends: its last drain merges what reached its queue; the rest is in the consumer's
     * outbox. */
}

static void consumer1(void *arg)
{
    int64_t d0 = *(int64_t *)arg;
    wait_keeping_outbox(&stage1, 1);
    for (int i = 0; i < N1; i++) {
        check_alive(objs1[i]);
        ftc_decref(objs1[i]);
    }
    ftc_atomic_store(&stage1, 2);
    wait_keeping_outbox(&stage1, 3);
    /* nogil: the owner merged what the full outbox flushes handed it; what is still in our
     * outbox is alive (its reference is the entry's). */
    int64_t freed = ftc_atomic_load(&deallocs) - d0;
    CHECK(IS_NOGIL ? freed < N1 : freed == N1);
    CHECK(ftc_eval_tick() == 0); /* the flush finds the owner gone: merged by us */
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N1);
}

FTC_TEST(owner_ends_while_its_objects_wait_in_an_outbox)
{
    start();
    int64_t live0 = ftc_object_live_count();
    int64_t d0 = ftc_atomic_load(&deallocs);
    ftc_atomic_store(&stage1, 0);
    ftc_thread *o, *c;
    CHECK(ftc_thread_start(&o, owner1, NULL, NULL) == 0);
    CHECK(ftc_thread_start(&c, consumer1, &d0, NULL) == 0);
    CHECK(ftc_thread_join(o, -1) == 0);
    ftc_atomic_store(&stage1, 3);
    CHECK(ftc_thread_join(c, -1) == 0);
    ftc_thread_release(o);
    ftc_thread_release(c);
    finish(live0);
}

/* ---- the pusher ends with entries in its outbox ---- */

enum { N2 = 40 }; /* fewer than an outbox holds: nothing is flushed before the end */
static ftc_object *objs2[N2];

static void consumer2(void *arg)
{
    (void)arg;
    for (int i = 0; i < N2; i++)
        ftc_decref(objs2[i]); /* our (main's) objects: queued to main, via our outbox */
    /* ends without a tick */
}

FTC_TEST(pusher_ends_with_entries_in_its_outbox)
{
    start();
    int64_t live0 = ftc_object_live_count();
    int64_t d0 = ftc_atomic_load(&deallocs);
    for (int i = 0; i < N2; i++)
        objs2[i] = new_item();
    ftc_thread *c;
    CHECK(ftc_thread_start(&c, consumer2, NULL, NULL) == 0);
    CHECK(ftc_thread_join(c, -1) == 0);
    ftc_thread_release(c);
    CHECK(ftc_eval_tick() == 0); /* our merge: the ended thread handed its outbox to us */
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N2);
    finish(live0);
}

/* ---- a collection while entries sit in an outbox ---- */

static int stage3; /* atomic */

static void consumer3(void *arg)
{
    int64_t d0 = *(int64_t *)arg;
    for (int i = 0; i < N2; i++)
        ftc_decref(objs2[i]);
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)(IS_NOGIL ? 0 : N2));
    /* The owner (main) waits detached; our outbox holds the entries: the collector takes them
     * with the world stopped, and the merged totals are zero. */
    CHECK(ftc_gc_collect() >= 0);
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N2);
    ftc_atomic_store(&stage3, 1);
}

FTC_TEST(collection_takes_outbox_entries)
{
    start();
    int64_t live0 = ftc_object_live_count();
    int64_t d0 = ftc_atomic_load(&deallocs);
    ftc_atomic_store(&stage3, 0);
    for (int i = 0; i < N2; i++)
        objs2[i] = new_item();
    ftc_thread *c;
    CHECK(ftc_thread_start(&c, consumer3, &d0, NULL) == 0);
    wait_detached(&stage3, 1);
    CHECK(ftc_thread_join(c, -1) == 0);
    ftc_thread_release(c);
    CHECK(ftc_eval_tick() == 0);
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N2);
    finish(live0);
}

/* ---- converted to hot while in an outbox ---- */

static int stage4; /* atomic */
static int nominated4;

static void consumer4(void *arg)
{
    (void)arg;
    int n = 0;
    for (int i = 0; i < N2; i++) {
        ftc_decref(objs2[i]); /* the first of our two references: QUEUED, in our outbox */
        n += _ftc_hot_nominate(objs2[i]); /* with the second */
    }
    nominated4 = n;
    /* A stop of the collector converts the nominations, objects whose entries are in our
     * outbox, and takes the entries: a hot entry gives the queue's reference back out of its
     * total (a merge would overwrite its id). */
    CHECK(ftc_object_collect_hot() >= 0);
    for (int i = 0; i < N2; i++) {
        check_alive(objs2[i]);
        CHECK_EQ(ftc_object_refcount(objs2[i]), (int64_t)2); /* main's and our second */
        ftc_decref(objs2[i]);
    }
    ftc_atomic_store(&stage4, 1);
}

FTC_TEST(converted_while_in_an_outbox)
{
    start();
    int64_t live0 = ftc_object_live_count();
    int64_t d0 = ftc_atomic_load(&deallocs);
    ftc_atomic_store(&stage4, 0);
    for (int i = 0; i < N2; i++) {
        objs2[i] = new_item();
        ftc_incref(objs2[i]);
        ftc_incref(objs2[i]); /* we keep one, the consumer gets two */
    }
    ftc_thread *c;
    CHECK(ftc_thread_start(&c, consumer4, NULL, NULL) == 0);
    wait_detached(&stage4, 1);
    CHECK_EQ(nominated4, IS_NOGIL ? N2 : 0);
    for (int i = 0; i < N2; i++) {
        CHECK_EQ(ftc_object_refcount(objs2[i]), (int64_t)1);
        ftc_decref(objs2[i]);
    }
    CHECK(ftc_thread_join(c, -1) == 0); /* settles: converted objects are demoted */
    ftc_thread_release(c);
    CHECK(ftc_eval_tick() == 0);
    CHECK(ftc_object_collect_hot() >= 0);
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N2);
    finish(live0);
}

/* ---- fork while an outbox holds entries for a thread that does not survive ---- */

static int stage5; /* atomic */

static void owner5(void *arg)
{
    (void)arg;
    for (int i = 0; i < N2; i++)
        objs2[i] = new_item(); /* the references go to main */
    ftc_atomic_store(&stage5, 1);
    wait_detached(&stage5, 2);
}

FTC_TEST(fork_with_entries_in_the_forking_threads_outbox)
{
    start();
    int64_t live0 = ftc_object_live_count();
    int64_t d0 = ftc_atomic_load(&deallocs);
    ftc_atomic_store(&stage5, 0);
    ftc_thread *t;
    CHECK(ftc_thread_start(&t, owner5, NULL, NULL) == 0);
    wait_detached(&stage5, 1);
    for (int i = 0; i < N2; i++)
        ftc_decref(objs2[i]); /* the owner lives: into our outbox (nogil) */
#ifdef FTC_GIL_DISABLED
    CHECK_EQ(ftc_atomic_load(&_ftc_objects_self->brc_box_len), (size_t)N2);
#endif
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* Only we exist: the owner's record was ended, so our flush finds no owner. */
        int ok = ftc_atomic_load(&deallocs) - d0 == (IS_NOGIL ? 0 : N2);
        ok = ok && ftc_eval_tick() == 0;
        ok = ok && ftc_atomic_load(&deallocs) - d0 == N2;
        ok = ok && ftc_runtime_fini() == 0;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);
    /* Parent: the owner lives; our tick hands the outbox to it, its end merges. */
    CHECK(ftc_eval_tick() == 0);
    ftc_atomic_store(&stage5, 2);
    CHECK(ftc_thread_join(t, -1) == 0);
    ftc_thread_release(t);
    CHECK_EQ(ftc_atomic_load(&deallocs) - d0, (int64_t)N2);
    finish(live0);
}

/* ---- random mix: passing, random ends, collections and conversions ---- */

enum { NW = 3, GENS = 6, NSLOT = 4 };

typedef struct {
    pthread_mutex_t mu;
    ftc_object **objs;
    size_t len, cap;
} inbox;

static inbox boxes[NW];
static int workers_left; /* atomic */

static void give(int to, ftc_object *o)
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
}

/* Drops (after some churn) every reference in inbox i; returns how many. */
static size_t drain(int i, uint64_t *rng)
{
    inbox *b = &boxes[i];
    pthread_mutex_lock(&b->mu);
    ftc_object **objs = b->objs;
    size_t n = b->len;
    b->objs = NULL;
    b->len = b->cap = 0;
    pthread_mutex_unlock(&b->mu);
    for (size_t k = 0; k < n; k++) {
        check_alive(objs[k]);
        if (rng != NULL && ftc_check_rand(rng) % 4 == 0) {
            ftc_incref(objs[k]);
            ftc_decref(objs[k]);
        }
        ftc_decref(objs[k]);
    }
    free(objs);
    return n;
}

static long iters;

static void worker(int me, void *ctx)
{
    uint64_t rng = *(const uint64_t *)ctx + (uint64_t)me * 0x9E3779B97F4A7C15ull;
    long mine = iters / 4 + (long)(ftc_check_rand(&rng) % (uint64_t)iters); /* a random end */
    for (long i = 0; i < mine; i++) {
        ftc_object *o = new_item();
        int fanout = 1 + (int)(ftc_check_rand(&rng) % 3);
        for (int k = 1; k < fanout; k++)
            ftc_incref(o);
        if (ftc_check_rand(&rng) % 64 == 0) {
            ftc_incref(o);
            (void)_ftc_hot_nominate(o);
            ftc_decref(o);
        }
        for (int k = 0; k < fanout; k++)
            give((int)(ftc_check_rand(&rng) % NW), o);
        if (i % 4 == 0)
            drain(me, &rng);
        uint64_t r = ftc_check_rand(&rng) % 16;
        if (r == 0)
            CHECK(ftc_eval_tick() == 0);
        else if (r == 1)
            ftc_attach(ftc_detach()); /* a detach: the outbox is handed over */
    }
    /* Ends with whatever its outbox holds, and objects of its own still in others' inboxes. */
    ftc_atomic_fetch_sub(&workers_left, 1);
}

static void collector(int me, void *ctx)
{
    (void)me;
    (void)ctx;
    int n = 0;
    while (ftc_atomic_load(&workers_left) > 0) {
        if (n++ % 2 == 0)
            CHECK(ftc_gc_collect() >= 0);
        else
            CHECK(ftc_object_collect_hot() >= 0);
        CHECK(ftc_eval_tick() == 0);
    }
}

FTC_TEST(random_passing_ends_collections)
{
    start();
    int64_t live0 = ftc_object_live_count();
    iters = ftc_check_scaled(3000);
    uint64_t seed = 12345;
    for (int g = 0; g < GENS; g++) {
        ftc_atomic_store(&workers_left, NW);
        ftc_check_run_threads2(NW, worker, 1, collector, &seed, NULL);
        (void)ftc_check_rand(&seed);
        /* Every worker of this generation ended; their leftovers go now (owners gone). */
        for (int i = 0; i < NW; i++)
            drain(i, NULL);
        CHECK(ftc_eval_tick() == 0);
    }
    CHECK(ftc_gc_collect() >= 0);
    finish(live0);
    for (int i = 0; i < NW; i++)
        free(boxes[i].objs);
}

__attribute__((constructor)) static void init_boxes(void)
{
    for (int i = 0; i < NW; i++)
        pthread_mutex_init(&boxes[i].mu, NULL);
}
