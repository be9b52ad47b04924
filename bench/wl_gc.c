/* Workloads of the cycle collector (include/ftcore/gc.h).
 *
 * gc_pause       the pause of a full collection with GC_PAUSE_LIVE live tracked objects (lists,
 *                each holding a dict, in one big list) while N-1 threads compute (create and drop
 *                ints, ticking after each: they must park at a tick for the world to stop).
 *                Thread 0 runs ftc_gc_collect() back to back (automatic collection off) and
 *                records each collection's stopped-world time (ftc_gc_get_stats' total pause
 *                before and after: only thread 0 collects). Reported as p50, p99 and max pause
 *                in microseconds, and the number of collections.
 * alloc_cycle    allocation churn of tracked objects that form garbage cycles: each operation
 *                makes two lists that hold each other and drops them, ticking after each, with
 *                automatic collection on at the default threshold: the collector's cost on an
 *                allocation-heavy loop (a reference point, not a target). finish checks that
 *                the live count came back (every cycle collected).
 */
#include "ftc_bench.h"

#include <math.h>

#define GC_PAUSE_LIVE 100000

typedef struct gc_state {
    ftc_object *live; /* a list of GC_PAUSE_LIVE / 2 lists, each holding a dict */
    double *pause;    /* seconds, one per collection */
    size_t cap, n;
    int64_t live_before;
} gc_state;

static int pause_setup(bench_run *r)
{
    gc_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    ftc_gc_disable();
    st->cap = (size_t)(r->seconds * 20000.0) + 1024;
    st->pause = malloc(st->cap * sizeof *st->pause);
    st->live = ftc_list_new();
    if (st->pause == NULL || st->live == NULL)
        return -1;
    for (int i = 0; i < GC_PAUSE_LIVE / 2; i++) {
        ftc_object *l = ftc_list_new(), *d = ftc_dict_new();
        if (l == NULL || d == NULL || ftc_list_append(l, d) < 0 || ftc_list_append(st->live, l) < 0)
            return -1;
        ftc_decref(d);
        ftc_decref(l);
    }
    return 0;
}

static void pause_body(bench_run *r, int t, bench_thread_result *res)
{
    gc_state *st = r->state;
    if (t != 0) {
        BENCH_LOOP(r, res, bench_churn_int(res, bench_i));
        return;
    }
    uint64_t n = 0;
    while (!bench_should_stop(&r->stop)) {
        ftc_gc_stats a, b;
        ftc_gc_get_stats(&a);
        int64_t rc = ftc_gc_collect();
        if (rc < 0)
            bench_note_error(res, (int)rc);
        ftc_gc_get_stats(&b);
        if (st->n < st->cap)
            st->pause[st->n++] = (double)(b.total_pause_ns - a.total_pause_ns) * 1e-9;
        n++;
        bench_note_error(res, ftc_eval_tick());
    }
    res->ops = n;
}

static int pause_finish(bench_run *r, FILE *out)
{
    gc_state *st = r->state;
    double maxp = 0.0;
    for (size_t i = 0; i < st->n; i++)
        maxp = fmax(maxp, st->pause[i]);
    double p50 = bench_quantile(st->pause, st->n, 0.50);
    double p99 = bench_quantile(st->pause, st->n, 0.99);
    ftc_gc_stats s;
    ftc_gc_get_stats(&s);
    fprintf(out,
            ",\"collections\":%zu,\"tracked\":%llu,\"pause_p50_us\":%.1f,\"pause_p99_us\":%.1f,"
            "\"pause_max_us\":%.1f",
            st->n, (unsigned long long)s.tracked, p50 * 1e6, p99 * 1e6, maxp * 1e6);
    int ok = st->n > 0 && s.tracked >= GC_PAUSE_LIVE;
    ftc_decref(st->live);
    free(st->pause);
    free(st);
    ftc_gc_enable();
    return ok ? 0 : -1;
}

const bench_workload wl_gc_pause = {
    "gc_pause",    "full collections, 100k live tracked objects, others compute; pause p50/p99",
    BENCH_LATENCY, pause_setup,
    NULL,          pause_body,
    NULL,          pause_finish};

static int cycle_setup(bench_run *r)
{
    gc_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    ftc_gc_enable();
    /* FTC_BENCH_GC_THRESHOLD: how the default was chosen (docs/internals/gc.md). */
    const char *env = getenv("FTC_BENCH_GC_THRESHOLD");
    if (env != NULL && ftc_gc_set_threshold(atoll(env)) < 0)
        return -1;
    st->live_before = ftc_object_live_count();
    return 0;
}

static inline void make_cycle(bench_thread_result *res)
{
    ftc_object *a = ftc_list_new(), *b = ftc_list_new();
    if (FTC_UNLIKELY(a == NULL || b == NULL)) {
        bench_note_error(res, ftc_last_error());
    } else {
        bench_note_error(res, ftc_list_append(a, b));
        bench_note_error(res, ftc_list_append(b, a));
    }
    ftc_xdecref(a);
    ftc_xdecref(b);
}

static void cycle_body(bench_run *r, int t, bench_thread_result *res)
{
    (void)t;
    BENCH_LOOP(r, res, make_cycle(res));
}

static int cycle_finish(bench_run *r, FILE *out)
{
    gc_state *st = r->state;
    int64_t rc = ftc_gc_collect();
    int64_t left = ftc_object_live_count() - st->live_before;
    ftc_gc_stats s;
    ftc_gc_get_stats(&s);
    fprintf(out, ",\"gc_collections\":%llu,\"gc_max_pause_us\":%.1f,\"left_live\":%lld",
            (unsigned long long)s.collections, (double)s.max_pause_ns / 1e3, (long long)left);
    free(st);
    ftc_gc_set_threshold(FTC_GC_DEFAULT_THRESHOLD);
    return rc >= 0 && left == 0 ? 0 : -1;
}

const bench_workload wl_alloc_cycle = {
    "alloc_cycle",  "make and drop a 2-list cycle; automatic collection at the default threshold",
    BENCH_BASELINE, cycle_setup,
    NULL,           cycle_body,
    NULL,           cycle_finish};
