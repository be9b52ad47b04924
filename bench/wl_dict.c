/* Dict workloads: dict_private, dict_shared_read (+ _ref, _mutex), dict_shared_mixed.
 *
 * Keys are the 1,000 str keys of bench_common.h (the same bytes the peers of ftc_peers store),
 * mapped to the ints index + 1; readers look them up in the shared order of bench_common.h,
 * each thread from its own offset, exactly as the peers do, so dict_shared_read and the peers
 * can be compared lookup for lookup.
 *
 * dict_private          each thread its own dict with its own key and value objects; 90% get
 *                       (borrowed), 10% set (of a present key to one of 16 preallocated ints).
 * dict_shared_read      one dict shared by all threads (built by the main thread); gets only,
 *                       with ftc_dict_get_borrowed (the read of a value that is looked at and
 *                       not kept: no reference counted, like the peers' lookups). Every get's
 *                       value is summed and the sum checked exactly at the end.
 * dict_shared_read_ref  the same with ftc_dict_get_ref: a new reference to each value, released
 *                       at once (a baseline: every reader then writes the shared values'
 *                       reference counts, the contention of gh-131988).
 * dict_shared_read_mutex  the borrowed gets, each behind one pthread_mutex_t (a peer baseline:
 *                       the coarse lock that a lock-free read path has to beat).
 * dict_shared_mixed     the shared dict, 90% get (borrowed) and 10% set, by all threads; at the
 *                       end the dict must still hold its 1,000 keys, each mapped to its
 *                       original value or to one of the preallocated ints the writers store.
 */
#include "ftc_bench.h"

#define NPOOL 16

typedef struct dict_set {
    ftc_object *dict;
    ftc_object *keys[BENCH_NKEYS];
    ftc_object *pool[NPOOL];
} dict_set;

typedef struct dict_state {
    dict_set shared;
    int order[BENCH_ORDER_LEN];
    pthread_mutex_t mu;
    int64_t sums[BENCH_MAX_THREADS];
    uint64_t bad[BENCH_MAX_THREADS];
} dict_state;

/* Builds a dict of the 1,000 keys (values index + 1) and a pool of ints to store; the calling
 * thread owns every object. 0 or -1 (everything built so far is released by dict_set_free). */
static int dict_set_build(dict_set *s)
{
    s->dict = ftc_dict_new();
    if (s->dict == NULL)
        return -1;
    for (int i = 0; i < NPOOL; i++)
        if ((s->pool[i] = ftc_int_new(-1 - i)) == NULL)
            return -1;
    for (int i = 0; i < BENCH_NKEYS; i++) {
        char buf[24];
        size_t n = bench_key(i, buf);
        s->keys[i] = ftc_str_new(buf, n);
        ftc_object *v = ftc_int_new(i + 1);
        if (s->keys[i] == NULL || v == NULL) {
            ftc_xdecref(v);
            return -1;
        }
        int rc = ftc_dict_set(s->dict, s->keys[i], v);
        ftc_decref(v);
        if (rc != 0)
            return -1;
    }
    return ftc_dict_len(s->dict) == BENCH_NKEYS ? 0 : -1;
}

/* 1 if the dict still maps every key to its original value or to a pool int. */
static int dict_set_valid(dict_set *s)
{
    if (ftc_dict_len(s->dict) != BENCH_NKEYS)
        return 0;
    for (int i = 0; i < BENCH_NKEYS; i++) {
        ftc_object *v;
        if (ftc_dict_get_ref(s->dict, s->keys[i], &v) != 1)
            return 0;
        int64_t x = ftc_int_value(v);
        ftc_decref(v);
        if (x != i + 1 && !(x <= -1 && x >= -NPOOL))
            return 0;
    }
    return 1;
}

static void dict_set_free(dict_set *s)
{
    ftc_xdecref(s->dict);
    for (int i = 0; i < BENCH_NKEYS; i++)
        ftc_xdecref(s->keys[i]);
    for (int i = 0; i < NPOOL; i++)
        ftc_xdecref(s->pool[i]);
    memset(s, 0, sizeof *s);
}

/* One 90/10 operation on s: a get (borrowed, as in dict_shared_read; the value must be an int),
 * or every tenth a set of a present key. */
#define DICT_MIXED_OP(s, order, pos, res)                                                          \
    do {                                                                                           \
        int idx_ = (order)[(pos)++ & (BENCH_ORDER_LEN - 1)];                                       \
        if (bench_i % 10 == 9) {                                                                   \
            int rc_ =                                                                              \
                ftc_dict_set((s)->dict, (s)->keys[idx_], (s)->pool[(bench_i / 10) & (NPOOL - 1)]); \
            if (FTC_UNLIKELY(rc_ != 0))                                                            \
                bench_note_error((res), rc_);                                                      \
        } else {                                                                                   \
            ftc_object *v_;                                                                        \
            int rc_ = ftc_dict_get_borrowed((s)->dict, (s)->keys[idx_], &v_);                      \
            if (FTC_UNLIKELY(rc_ != 1))                                                            \
                bench_note_error((res), rc_ < 0 ? rc_ : FTC_EKEY);                                 \
            else if (FTC_UNLIKELY(!ftc_int_check(v_)))                                             \
                bench_note_error((res), FTC_ETYPE);                                                \
        }                                                                                          \
    } while (0)

static int dict_shared_setup(bench_run *r)
{
    dict_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    bench_order_fill(st->order, BENCH_NKEYS);
    pthread_mutex_init(&st->mu, NULL);
    return dict_set_build(&st->shared);
}

/* The three shared-read workloads: one loop, the get and the lock chosen by flags. */
static inline void dict_shared_read_loop(bench_run *r, int t, bench_thread_result *res, bool borrow,
                                         bool mutex)
{
    dict_state *st = r->state;
    ftc_object *d = st->shared.dict;
    ftc_object *const *keys = st->shared.keys;
    const int *order = st->order;
    unsigned pos = bench_order_start(t);
    int64_t sum = 0;
    uint64_t bad = 0;
    BENCH_LOOP(r, res, {
        ftc_object *v;
        ftc_object *k = keys[order[pos++ & (BENCH_ORDER_LEN - 1)]];
        if (mutex)
            pthread_mutex_lock(&st->mu);
        int rc = borrow ? ftc_dict_get_borrowed(d, k, &v) : ftc_dict_get_ref(d, k, &v);
        if (mutex)
            pthread_mutex_unlock(&st->mu);
        if (borrow)
            bench_sum_borrowed(rc == 1, rc, v, &sum, &bad, res);
        else
            bench_sum_read(rc == 1, rc, v, &sum, &bad, res);
    });
    st->sums[t] = sum;
    st->bad[t] = bad;
}

static void dict_shared_read_body(bench_run *r, int t, bench_thread_result *res)
{
    dict_shared_read_loop(r, t, res, true, false);
}

static void dict_shared_read_ref_body(bench_run *r, int t, bench_thread_result *res)
{
    dict_shared_read_loop(r, t, res, false, false);
}

static void dict_shared_read_mutex_body(bench_run *r, int t, bench_thread_result *res)
{
    dict_shared_read_loop(r, t, res, true, true);
}

/* The read workloads: every lookup found its key and the sums are exact. */
static int dict_shared_read_finish(bench_run *r, FILE *out)
{
    dict_state *st = r->state;
    uint64_t bad = 0;
    int sums_ok = 1;
    for (int t = 0; t < r->nthreads; t++) {
        bad += st->bad[t];
        if (bench_order_expect(st->order, t, r->res[t].ops) != st->sums[t])
            sums_ok = 0;
    }
    int valid = dict_set_valid(&st->shared);
    fprintf(out, ",\"failed_lookups\":%llu,\"sums_exact\":%s,\"dict_intact\":%s",
            (unsigned long long)bad, sums_ok ? "true" : "false", valid ? "true" : "false");
    dict_set_free(&st->shared);
    pthread_mutex_destroy(&st->mu);
    free(st);
    return bad == 0 && sums_ok && valid ? 0 : -1;
}

static void dict_shared_mixed_body(bench_run *r, int t, bench_thread_result *res)
{
    dict_state *st = r->state;
    unsigned pos = bench_order_start(t);
    BENCH_LOOP(r, res, DICT_MIXED_OP(&st->shared, st->order, pos, res));
}

static int dict_shared_mixed_finish(bench_run *r, FILE *out)
{
    dict_state *st = r->state;
    int valid = dict_set_valid(&st->shared);
    fprintf(out, ",\"dict_intact\":%s", valid ? "true" : "false");
    dict_set_free(&st->shared);
    pthread_mutex_destroy(&st->mu);
    free(st);
    return valid ? 0 : -1;
}

/* dict_private: each thread builds its own dict_set in thread_setup (so it owns every object),
 * and checks and frees it in thread_teardown; run->state holds the order and the verdicts. */
typedef struct dict_private_state {
    int order[BENCH_ORDER_LEN];
    int valid[BENCH_MAX_THREADS];
} dict_private_state;

static int dict_private_setup(bench_run *r)
{
    dict_private_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    bench_order_fill(st->order, BENCH_NKEYS);
    r->state = st;
    return 0;
}

static void dict_private_thread_setup(bench_run *r, int t)
{
    dict_set *s = calloc(1, sizeof *s);
    r->tstate[t] = s;
    if (s != NULL && dict_set_build(s) != 0) {
        dict_set_free(s);
        free(s);
        r->tstate[t] = NULL;
    }
}

static void dict_private_body(bench_run *r, int t, bench_thread_result *res)
{
    dict_private_state *st = r->state;
    dict_set *s = r->tstate[t];
    if (s == NULL) {
        bench_note_error(res, FTC_ENOMEM);
        return;
    }
    unsigned pos = bench_order_start(t);
    BENCH_LOOP(r, res, DICT_MIXED_OP(s, st->order, pos, res));
}

static void dict_private_thread_teardown(bench_run *r, int t)
{
    dict_private_state *st = r->state;
    dict_set *s = r->tstate[t];
    if (s == NULL)
        return;
    st->valid[t] = dict_set_valid(s);
    dict_set_free(s);
    free(s);
}

static int dict_private_finish(bench_run *r, FILE *out)
{
    dict_private_state *st = r->state;
    int valid = 1;
    for (int t = 0; t < r->nthreads; t++)
        valid &= st->valid[t];
    fprintf(out, ",\"dicts_intact\":%s", valid ? "true" : "false");
    free(st);
    return valid ? 0 : -1;
}

const bench_workload wl_dict_private = {
    "dict_private",
    "a thread-private dict of 1,000 str keys, 90% get / 10% set",
    BENCH_THROUGHPUT,
    dict_private_setup,
    dict_private_thread_setup,
    dict_private_body,
    dict_private_thread_teardown,
    dict_private_finish};
const bench_workload wl_dict_shared_read = {"dict_shared_read",
                                            "one shared dict of 1,000 str keys, gets only",
                                            BENCH_THROUGHPUT,
                                            dict_shared_setup,
                                            NULL,
                                            dict_shared_read_body,
                                            NULL,
                                            dict_shared_read_finish};
const bench_workload wl_dict_shared_read_ref = {
    "dict_shared_read_ref",
    "dict_shared_read taking a reference to each value (get_ref)",
    BENCH_BASELINE,
    dict_shared_setup,
    NULL,
    dict_shared_read_ref_body,
    NULL,
    dict_shared_read_finish};
const bench_workload wl_dict_shared_read_mutex = {
    "dict_shared_read_mutex",
    "dict_shared_read with each get behind one pthread_mutex_t",
    BENCH_BASELINE,
    dict_shared_setup,
    NULL,
    dict_shared_read_mutex_body,
    NULL,
    dict_shared_read_finish};
const bench_workload wl_dict_shared_mixed = {"dict_shared_mixed",
                                             "one shared dict of 1,000 str keys, 90% get / 10% set",
                                             BENCH_THROUGHPUT,
                                             dict_shared_setup,
                                             NULL,
                                             dict_shared_mixed_body,
                                             NULL,
                                             dict_shared_mixed_finish};
