/* Object workloads: alloc_int, refcount_private, refcount_shared, refcount_shared_marked.
 *
 * alloc_int            create a thread-private int and drop it (allocation + owner-path
 *                      refcount + dealloc).
 * refcount_private     incref then decref an int the thread created itself (the owner path of
 *                      biased refcounting in the nogil build; plain ++/-- in the GIL build).
 * refcount_shared      incref then decref one int that every thread shares, created by the main
 *                      thread, so that no worker owns it: the contended shared count in the nogil
 *                      build (gh-131988's problem), plain ++/-- under the GIL.
 * refcount_shared_marked  the same object marked hot with ftc_object_set_hot() (per-thread
 *                      reference counts in the nogil build; an ordinary object under the GIL).
 *
 * tick                 ftc_eval_tick() alone: the per-operation cost the others include.
 * count_floor          the least a non-owner's incref/decref pair can cost under biased
 *                      counting, beside the GIL build's: refcount_shared's floor (below).
 *
 * Between the incref and the decref sits BENCH_OPAQUE(), a compiler barrier: a VM does unknown
 * work between the two, and without it the compiler could fold a non-atomic ++/-- pair away in
 * the GIL build and measure nothing. Values are BENCH_BIG_INT()s, outside any small-int cache,
 * so every int here is a real heap object.
 */
#include "ftc_bench.h"

/* tick: nothing but the dispatch loop's check, the cost every other workload pays per
 * operation on top of its own (a baseline, not a target). */
static void tick_body(bench_run *r, int t, bench_thread_result *res)
{
    (void)t;
    BENCH_LOOP(r, res, BENCH_OPAQUE());
}

const bench_workload wl_tick = {
    "tick",         "ftc_eval_tick() alone (the per-operation cost every workload includes)",
    BENCH_BASELINE, NULL,
    NULL,           tick_body,
    NULL,           NULL};

static void alloc_int_body(bench_run *r, int t, bench_thread_result *res)
{
    (void)t;
    BENCH_LOOP(r, res, bench_churn_int(res, bench_i));
}

const bench_workload wl_alloc_int = {"alloc_int",
                                     "create and drop a thread-private int",
                                     BENCH_THROUGHPUT,
                                     NULL,
                                     NULL,
                                     alloc_int_body,
                                     NULL,
                                     NULL};

static void refcount_private_body(bench_run *r, int t, bench_thread_result *res)
{
    ftc_object *o = ftc_int_new(BENCH_BIG_INT(t));
    if (o == NULL) {
        bench_note_error(res, ftc_last_error());
        return;
    }
    BENCH_LOOP(r, res, {
        ftc_incref(o);
        BENCH_OPAQUE();
        ftc_decref(o);
    });
    if (ftc_int_value(o) != BENCH_BIG_INT(t))
        bench_note_error(res, FTC_EINVAL);
    ftc_decref(o);
}

const bench_workload wl_refcount_private = {"refcount_private",
                                            "incref/decref an int the thread created",
                                            BENCH_THROUGHPUT,
                                            NULL,
                                            NULL,
                                            refcount_private_body,
                                            NULL,
                                            NULL};

/* count_floor: what refcount_shared cannot go below in the nogil build, measured beside what
 * it costs in the GIL build. The GIL build runs ftc_incref/ftc_decref on a thread-private int:
 * the very code refcount_shared runs there (a GIL build's counts do not depend on who counts).
 * The nogil build runs two atomic read-modify-writes on a word of the thread's own, an add
 * and a subtract, with nothing around them: the least that any scheme counting a non-owner's
 * references atomically performs per incref/decref pair. Biased counting's non-owner path
 * (include/ftcore/object.h) does more: its tests, and a load and a compare-exchange for the
 * decref, which must not take the shared count below zero. So refcount_shared's nogil/gil
 * ratio is at least count_floor's (up to noise), and bench/ab.py turns that into the least
 * overhead geometric mean such an implementation can reach on the machine of the run. Each
 * thread counts on its own cache line: nothing is contended, at any thread count. */
typedef struct floor_word {
    _Alignas(64) intptr_t w;
} floor_word;

static void count_floor_body(bench_run *r, int t, bench_thread_result *res)
{
    (void)t;
#ifdef FTC_GIL_DISABLED
    (void)r;
    floor_word fw = {0};
    BENCH_LOOP(r, res, {
        ftc_atomic_fetch_add_relaxed(&fw.w, (intptr_t)1 << FTC_REF_SHARED_SHIFT);
        BENCH_OPAQUE();
        ftc_atomic_fetch_sub_acq_rel(&fw.w, (intptr_t)1 << FTC_REF_SHARED_SHIFT);
    });
    if (ftc_atomic_load_relaxed(&fw.w) != 0)
        bench_note_error(res, FTC_EINVAL);
#else
    refcount_private_body(r, t, res);
#endif
}

const bench_workload wl_count_floor = {
    "count_floor",
    "refcount_shared's floor: gil ftc_incref/ftc_decref; nogil only BRC's non-owner atomics",
    BENCH_BASELINE,
    NULL,
    NULL,
    count_floor_body,
    NULL,
    NULL};

/* Shared by refcount_shared and refcount_shared_marked: run->state is the shared int. */
static int refcount_shared_setup(bench_run *r)
{
    r->state = ftc_int_new(BENCH_BIG_INT(12345));
    return r->state ? 0 : -1;
}

static void refcount_shared_body(bench_run *r, int t, bench_thread_result *res)
{
    (void)t;
    ftc_object *o = r->state;
    BENCH_LOOP(r, res, {
        ftc_incref(o);
        BENCH_OPAQUE();
        ftc_decref(o);
    });
}

static int refcount_shared_finish(bench_run *r, FILE *out)
{
    ftc_object *o = r->state;
    int ok = ftc_int_value(o) == BENCH_BIG_INT(12345);
    fprintf(out, ",\"shared_object_intact\":%s", ok ? "true" : "false");
    ftc_decref(o);
    return ok ? 0 : -1;
}

const bench_workload wl_refcount_shared = {
    "refcount_shared",
    "incref/decref one int shared by all threads (plain object)",
    BENCH_THROUGHPUT,
    refcount_shared_setup,
    NULL,
    refcount_shared_body,
    NULL,
    refcount_shared_finish};

static int refcount_shared_marked_setup(bench_run *r)
{
    if (refcount_shared_setup(r) != 0)
        return -1;
    return ftc_object_set_hot((ftc_object *)r->state) < 0 ? -1 : 0;
}

/* A hot object is freed by the first collection after its last reference went away (nogil);
 * in the GIL build it was freed by the decref and the collection finds nothing. */
static int refcount_shared_marked_finish(bench_run *r, FILE *out)
{
    int rc = refcount_shared_finish(r, out);
    int64_t freed = ftc_object_collect_hot();
    fprintf(out, ",\"hot_collected\":%lld", (long long)freed);
    return freed < 0 ? -1 : rc;
}

const bench_workload wl_refcount_shared_marked = {
    "refcount_shared_marked",
    "incref/decref one int shared by all threads, marked as a hot shared object",
    BENCH_THROUGHPUT,
    refcount_shared_marked_setup,
    NULL,
    refcount_shared_body,
    NULL,
    refcount_shared_marked_finish};
