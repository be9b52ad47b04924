/* List workloads: list_private, list_shared_read (+ _ref), list_shared_append.
 *
 * list_private        each thread its own list of 1,000 ints: 80% get (borrowed, index in the
 *                     shared order), 10% append, 10% pop from the end; the final length is checked
 *                     against the exact number of appends and pops.
 * list_shared_read    one list of 1,000 ints (index + 1) built by the main thread; every thread
 *                     indexes it in the shared order with ftc_list_get_borrowed; the sum of
 *                     the values read is checked exactly, as for dict_shared_read.
 * list_shared_read_ref  the same with ftc_list_get_ref (a reference per read: a baseline).
 * list_shared_append  one list, initially empty; every thread appends 64 times an int it created
 *                     itself, then pops 64, and again (so that the list stays bounded over a
 *                     run of any length); both count as operations. Since each thread pops only what it appended, a pop
 *                     never finds the list empty; every popped item must be one of the ints
 *                     the threads append, and the list ends empty.
 */
#include "ftc_bench.h"

typedef struct list_state {
    ftc_object *list;
    ftc_object *items[BENCH_MAX_THREADS]; /* what list_shared_append's thread t appends */
    int order[BENCH_ORDER_LEN];
    int64_t sums[BENCH_MAX_THREADS];
    uint64_t bad[BENCH_MAX_THREADS];
    int valid[BENCH_MAX_THREADS];
} list_state;

/* A list of the ints index + 1, for index in [0, BENCH_NKEYS). NULL on failure. */
static ftc_object *list_build(void)
{
    ftc_object *l = ftc_list_new();
    for (int i = 0; l != NULL && i < BENCH_NKEYS; i++) {
        ftc_object *v = ftc_int_new(i + 1);
        int rc = v ? ftc_list_append(l, v) : FTC_ENOMEM;
        ftc_xdecref(v);
        if (rc != 0) {
            ftc_decref(l);
            l = NULL;
        }
    }
    return l;
}

static int list_setup(bench_run *r)
{
    list_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    bench_order_fill(st->order, BENCH_NKEYS);
    return 0;
}

static int list_finish_common(bench_run *r, FILE *out, int ok)
{
    list_state *st = r->state;
    ftc_xdecref(st->list);
    for (int t = 0; t < BENCH_MAX_THREADS; t++)
        ftc_xdecref(st->items[t]);
    free(st);
    fprintf(out, ",\"list_check\":%s", ok ? "true" : "false");
    return ok ? 0 : -1;
}

/* ---- list_private ---- */

static void list_private_thread_setup(bench_run *r, int t) { r->tstate[t] = list_build(); }

static void list_private_body(bench_run *r, int t, bench_thread_result *res)
{
    list_state *st = r->state;
    ftc_object *l = r->tstate[t];
    if (l == NULL) {
        bench_note_error(res, FTC_ENOMEM);
        return;
    }
    ftc_object *extra = ftc_int_new(-1 - t);
    if (extra == NULL) {
        bench_note_error(res, FTC_ENOMEM);
        return;
    }
    const int *order = st->order;
    unsigned pos = bench_order_start(t);
    BENCH_LOOP(r, res, {
        unsigned m = (unsigned)(bench_i % 10);
        int rc;
        if (m < 8) {
            ftc_object *v;
            rc = ftc_list_get_borrowed(l, order[pos++ & (BENCH_ORDER_LEN - 1)], &v);
            if (FTC_LIKELY(rc == 0) && FTC_UNLIKELY(!ftc_int_check(v)))
                rc = FTC_ETYPE;
        } else if (m == 8) {
            rc = ftc_list_append(l, extra);
        } else {
            rc = ftc_list_pop(l, -1, NULL);
        }
        if (FTC_UNLIKELY(rc != 0))
            bench_note_error(res, rc);
    });
    ftc_decref(extra);
}

static void list_private_thread_teardown(bench_run *r, int t)
{
    list_state *st = r->state;
    ftc_object *l = r->tstate[t];
    if (l == NULL)
        return;
    /* Appends happen at i % 10 == 8, pops at i % 10 == 9: one more append than pops exactly
     * when the last operation was an append. */
    uint64_t n = r->res[t].ops;
    int64_t expect = BENCH_NKEYS + (n % 10 == 9 ? 1 : 0);
    st->valid[t] = ftc_list_len(l) == expect;
    ftc_decref(l);
}

static int list_private_finish(bench_run *r, FILE *out)
{
    list_state *st = r->state;
    int ok = 1;
    for (int t = 0; t < r->nthreads; t++)
        ok &= st->valid[t];
    return list_finish_common(r, out, ok);
}

/* ---- list_shared_read ---- */

static int list_shared_read_setup(bench_run *r)
{
    if (list_setup(r) != 0)
        return -1;
    list_state *st = r->state;
    st->list = list_build();
    return st->list ? 0 : -1;
}

static inline void list_shared_read_loop(bench_run *r, int t, bench_thread_result *res, bool borrow)
{
    list_state *st = r->state;
    ftc_object *l = st->list;
    const int *order = st->order;
    unsigned pos = bench_order_start(t);
    int64_t sum = 0;
    uint64_t bad = 0;
    BENCH_LOOP(r, res, {
        ftc_object *v;
        int64_t i = order[pos++ & (BENCH_ORDER_LEN - 1)];
        if (borrow) {
            int rc = ftc_list_get_borrowed(l, i, &v);
            bench_sum_borrowed(rc == 0, rc, v, &sum, &bad, res);
        } else {
            int rc = ftc_list_get_ref(l, i, &v);
            bench_sum_read(rc == 0, rc, v, &sum, &bad, res);
        }
    });
    st->sums[t] = sum;
    st->bad[t] = bad;
}

static void list_shared_read_body(bench_run *r, int t, bench_thread_result *res)
{
    list_shared_read_loop(r, t, res, true);
}

static void list_shared_read_ref_body(bench_run *r, int t, bench_thread_result *res)
{
    list_shared_read_loop(r, t, res, false);
}

static int list_shared_read_finish(bench_run *r, FILE *out)
{
    list_state *st = r->state;
    int ok = ftc_list_len(st->list) == BENCH_NKEYS;
    for (int t = 0; t < r->nthreads; t++)
        ok &= st->bad[t] == 0 && bench_order_expect(st->order, t, r->res[t].ops) == st->sums[t];
    return list_finish_common(r, out, ok);
}

/* ---- list_shared_append ---- */

static int list_shared_append_setup(bench_run *r)
{
    if (list_setup(r) != 0)
        return -1;
    list_state *st = r->state;
    st->list = ftc_list_new();
    return st->list ? 0 : -1;
}

/* Each thread appends an int it made itself (as a VM appends objects it just created): its
 * own appends and pops count on the owner path; popping another thread's item does not. */
static void list_shared_append_thread_setup(bench_run *r, int t)
{
    list_state *st = r->state;
    st->items[t] = ftc_int_new(1000 + t);
}

static void list_shared_append_body(bench_run *r, int t, bench_thread_result *res)
{
    list_state *st = r->state;
    ftc_object *l = st->list;
    ftc_object *mine = st->items[t];
    int nthreads = r->nthreads;
    uint64_t bad = 0;
    if (mine == NULL) {
        bench_note_error(res, FTC_ENOMEM);
        st->bad[t] = 1;
        return;
    }
    BENCH_LOOP(r, res, {
        int rc;
        if ((bench_i & 64) == 0) {
            rc = ftc_list_append(l, mine);
        } else {
            ftc_object *v;
            rc = ftc_list_pop(l, -1, &v);
            if (FTC_LIKELY(rc == 0)) {
                int64_t x = ftc_int_value(v);
                if (x < 1000 || x >= 1000 + nthreads)
                    bad++;
                ftc_decref(v);
            }
        }
        if (FTC_UNLIKELY(rc != 0)) {
            bad++;
            bench_note_error(res, rc);
        }
    });
    st->bad[t] = bad;
}

static int list_shared_append_finish(bench_run *r, FILE *out)
{
    list_state *st = r->state;
    /* Every thread ran whole batches of 256 = 2 x (64 appends + 64 pops). */
    int ok = ftc_list_len(st->list) == 0;
    for (int t = 0; t < r->nthreads; t++)
        ok &= st->bad[t] == 0;
    return list_finish_common(r, out, ok);
}

const bench_workload wl_list_private = {
    "list_private",
    "a thread-private list of 1,000 ints, 80% index / 10% append / 10% pop",
    BENCH_THROUGHPUT,
    list_setup,
    list_private_thread_setup,
    list_private_body,
    list_private_thread_teardown,
    list_private_finish};
const bench_workload wl_list_shared_read = {"list_shared_read",
                                            "index one shared list of 1,000 ints",
                                            BENCH_THROUGHPUT,
                                            list_shared_read_setup,
                                            NULL,
                                            list_shared_read_body,
                                            NULL,
                                            list_shared_read_finish};
const bench_workload wl_list_shared_read_ref = {
    "list_shared_read_ref",
    "list_shared_read taking a reference to each item (get_ref)",
    BENCH_BASELINE,
    list_shared_read_setup,
    NULL,
    list_shared_read_ref_body,
    NULL,
    list_shared_read_finish};
const bench_workload wl_list_shared_append = {
    "list_shared_append",
    "all threads append to one list (64 appends, then 64 pops)",
    BENCH_THROUGHPUT,
    list_shared_append_setup,
    list_shared_append_thread_setup,
    list_shared_append_body,
    NULL,
    list_shared_append_finish};
