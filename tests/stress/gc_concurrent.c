/* The collector and weak references under concurrency (every preset, TSan and ASan included).
 *
 * Workers create and drop cycles (nodes, lists, dicts), publish nodes in a shared list that
 * every worker reads lock-free and overwrites (dropping the last reference to what was there),
 * and dereference weak references to those nodes (with callbacks) while collections run:
 * automatic ones (a low threshold, at each worker's ticks) and explicit ones from the workers
 * and from the main thread, which meanwhile starts and joins short threads that make cycles
 * and exit, and forks (the child collects and checks its counts).
 *
 * Checked: every node freed exactly once (a per-id count), a node obtained from the shared
 * list or a weak reference is never a dead one (its magic is intact while held), every weak
 * reference's callback runs at most once and only after get_ref returns NULL for it, nothing
 * leaks (after the last collection the live count is what it was before).
 */
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include <ftcore/ftcore.h>

#define GC_NODES_MAX (1 << 21)
#include "gc_nodes.h"

#define MAX_REFS (1 << 20)
#define SLOTS 32
#define WORKERS 3
#define RING 8

static int cb_calls[MAX_REFS]; /* atomic */
static int next_ref;           /* atomic */
static int cb_saw_live;        /* atomic: a callback whose get_ref was not NULL */
static ftc_object *shared;     /* a list of SLOTS nodes */

static void callback(ftc_weakref *w, void *data)
{
    int id = (int)(intptr_t)data;
    CHECK(ftc_atomic_fetch_add(&cb_calls[id], 1) == 0);
    ftc_object *o = ftc_weakref_get_ref(w);
    if (o != NULL) {
        ftc_atomic_fetch_add(&cb_saw_live, 1);
        ftc_decref(o);
    }
}

/* A few kinds of garbage cycles. */
static void make_cycles(void)
{
    ftc_object *a = new_node(), *b = new_node();
    link_ref(a, 0, b);
    link_ref(b, 0, a);
    ftc_object *l = ftc_list_new();
    CHECK(l != NULL && ftc_list_append(l, a) == 0);
    link_ref(a, 1, l);
    ftc_object *d = ftc_dict_new();
    ftc_object *k = ftc_int_new(1000);
    CHECK(d != NULL && k != NULL && ftc_dict_set(d, k, d) == 0);
    ftc_decref(k);
    ftc_decref(d);
    ftc_decref(l);
    ftc_decref(a);
    ftc_decref(b);
}

static long iterations;
static int workers_done; /* atomic */

static void worker(int me, void *ctx)
{
    (void)ctx;
    ftc_weakref *ring[RING] = {0};
    unsigned seed = (unsigned)me * 7919u + 1u;
    for (long i = 0; i < iterations; i++) {
        make_cycles();
        /* publish a node, with a weak reference to it, overwriting a slot */
        ftc_object *x = new_node();
        int rid = ftc_atomic_fetch_add(&next_ref, 1);
        CHECK(rid < MAX_REFS);
        ftc_weakref *w = ftc_weakref_new(x, callback, (void *)(intptr_t)rid);
        CHECK(w != NULL);
        seed = seed * 1103515245u + 12345u;
        CHECK(ftc_list_set(shared, (int64_t)((seed >> 8) % SLOTS), x) == 0);
        ftc_decref(x);
        ftc_xdecref(FTC_OBJ(ring[i % RING]));
        ring[i % RING] = w;
        /* dereference weak references and read the shared list lock-free */
        for (int j = 0; j < RING; j++) {
            if (ring[j] == NULL)
                continue;
            ftc_object *o = ftc_weakref_get_ref(ring[j]);
            if (o != NULL) {
                check_alive(o);
                ftc_decref(o);
            }
        }
        seed = seed * 1103515245u + 12345u;
        ftc_object *o;
        CHECK(ftc_list_get_ref(shared, (int64_t)((seed >> 8) % SLOTS), &o) == 0);
        check_alive(o);
        ftc_decref(o);
        CHECK(ftc_eval_tick() == 0); /* automatic collections run here */
        if (i % 500 == 250)
            CHECK(ftc_gc_collect() >= 0);
    }
    for (int j = 0; j < RING; j++)
        ftc_xdecref(FTC_OBJ(ring[j]));
    ftc_atomic_fetch_add(&workers_done, 1);
}

static void short_thread(void *arg)
{
    (void)arg;
    make_cycles();
    ftc_object *x = new_node();
    link_ref(x, 0, x);
    ftc_decref(x);
}

static void run_workers(void *arg)
{
    (void)arg;
    ftc_check_run_threads(WORKERS, worker, NULL, NULL);
}

FTC_TEST(gc_collects_while_threads_read_write_and_deref)
{
    CHECK(ftc_runtime_init(NULL) == 0);
    int64_t base = ftc_object_live_count();
    iterations = ftc_check_scaled(4000);
    ftc_gc_enable();
    CHECK(ftc_gc_set_threshold(200) == 0);
    shared = ftc_list_new();
    for (int i = 0; i < SLOTS; i++) {
        ftc_object *x = new_node();
        CHECK(ftc_list_append(shared, x) == 0);
        ftc_decref(x);
    }
    ftc_thread *runner;
    CHECK(ftc_thread_start(&runner, run_workers, NULL, NULL) == 0);
    int forks = 0;
    for (long round = 0; ftc_atomic_load(&workers_done) < WORKERS; round++) {
        CHECK(ftc_gc_collect() >= 0);
        ftc_thread *t;
        CHECK(ftc_thread_start(&t, short_thread, NULL, NULL) == 0);
        CHECK(ftc_gc_collect() >= 0); /* racing the thread's start, work and exit */
        CHECK(ftc_thread_join(t, -1) == 0);
        ftc_thread_release(t);
        if (round % 4 == 0 && forks < 4) {
            forks++;
            pid_t pid = fork();
            if (pid == 0) {
                /* The child: only this thread; a collection works and frees what is
                 * garbage; the nodes the dead threads held stay (their references died
                 * with them, uncounted: a leak, not a free). */
                int64_t rc = ftc_gc_collect();
                _exit(rc >= 0 ? 0 : 1);
            }
            CHECK(pid > 0);
            int status = 0;
            ftc_tstate *me = ftc_detach(); /* a stop-the-world must not wait for us */
            CHECK(waitpid(pid, &status, 0) == pid);
            ftc_attach(me);
            CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        }
        CHECK(ftc_eval_tick() == 0);
    }
    CHECK(ftc_thread_join(runner, -1) == 0);
    ftc_thread_release(runner);
    ftc_decref(shared);
    CHECK(ftc_gc_collect() >= 0);
    CHECK_EQ(ftc_object_live_count(), base);
    int n = ftc_atomic_load(&next_id);
    for (int id = 0; id < n; id++)
        CHECK_EQ(ftc_atomic_load(&freed[id]), 1);
    int nref = ftc_atomic_load(&next_ref);
    int called = 0;
    for (int id = 0; id < nref; id++) {
        CHECK(ftc_atomic_load(&cb_calls[id]) <= 1);
        called += ftc_atomic_load(&cb_calls[id]);
    }
    CHECK_EQ(ftc_atomic_load(&cb_saw_live), 0);
    CHECK(called > 0);
    ftc_gc_stats s;
    ftc_gc_get_stats(&s);
    CHECK(s.auto_collections > 0);
    printf("nodes %d, weakrefs %d, callbacks %d, collections %llu (auto %llu), forks %d, "
           "longest pause %.3f ms\n",
           n, nref, called, (unsigned long long)s.collections,
           (unsigned long long)s.auto_collections, forks, (double)s.max_pause_ns / 1e6);
    CHECK(ftc_gc_set_threshold(FTC_GC_DEFAULT_THRESHOLD) == 0);
    CHECK(ftc_runtime_fini() == 0);
}
