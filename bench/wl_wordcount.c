/* wordcount: a realistic mix of allocation, refcounting, private and shared dicts.
 *
 * Each thread generates its own deterministic text before the timed loop (about 8,000 words
 * drawn with a skewed distribution from a vocabulary of 2,048 generated words, so a few words
 * are frequent and most are rare, as in prose). One operation takes the next word of the text:
 * it makes a str object of it (ftc_str_new), looks the word up in the thread's own dict and
 * stores the count plus one (a new int). When the thread reaches the end of its text it merges
 * its dict into one dict shared by all threads (for each word: get the shared count and set the
 * sum, the two inside a critical section on the shared dict, so that no update is lost in the
 * nogil build; under the GIL no tick separates them), clears its own dict and starts over. The
 * merge is part of the operation that reaches the end of the text, so it is timed.
 *
 * Check: after every thread merged what it counted last, the shared counts sum to the number
 * of words all threads processed, exactly.
 *
 * Reported: merges, and how many began while another thread was merging ("merges_overlapped"):
 * the merges serialize on the shared dict, so the share that overlap bounds the scaling
 * (docs/benchmarks.md, fifth session). Under the GIL none overlap (no tick inside a merge).
 */
#include "ftc_bench.h"

#define VOCAB 2048
#define TEXT_WORDS 8192

typedef struct wc_thread {
    char *text;
    size_t len;
    ftc_object *local;
    int error;
} wc_thread;

typedef struct wc_state {
    ftc_object *shared;
    int64_t total;                      /* the shared counts' sum, computed in finish */
    int merging;                        /* atomic: threads inside wc_merge now */
    uint64_t merges, merges_overlapped; /* atomic */
} wc_state;

static size_t vocab_word(int w, char *buf)
{
    uint64_t st = UINT64_C(0xC0FFEE) + (uint64_t)w;
    size_t len = 2 + (size_t)(bench_mix(&st) % 9);
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)('a' + bench_mix(&st) % 26);
    return len;
}

static int wc_setup(bench_run *r)
{
    wc_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    st->shared = ftc_dict_new();
    return st->shared ? 0 : -1;
}

static void wc_thread_setup(bench_run *r, int t)
{
    wc_thread *w = calloc(1, sizeof *w);
    r->tstate[t] = w;
    if (w == NULL)
        return;
    w->text = malloc(TEXT_WORDS * 12);
    w->local = ftc_dict_new();
    if (w->text == NULL || w->local == NULL) {
        w->error = FTC_ENOMEM;
        return;
    }
    uint64_t st = UINT64_C(0x7E47) + (uint64_t)t;
    size_t n = 0;
    for (int i = 0; i < TEXT_WORDS; i++) {
        /* The product of two uniform draws is skewed toward small indices. */
        uint64_t a = bench_mix(&st) % VOCAB, b = bench_mix(&st) % VOCAB;
        n += vocab_word((int)(a * b / VOCAB), w->text + n);
        w->text[n++] = ' ';
    }
    w->len = n;
}

/* Adds the thread's counts into the shared dict and clears them. 0 or a negative code. */
static int wc_merge(wc_state *st, wc_thread *w)
{
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int rc;
    /* Relaxed: statistics; the count of threads merging is exact in its modification order. */
    if (ftc_atomic_fetch_add_relaxed(&st->merging, 1) > 0)
        ftc_atomic_fetch_add_relaxed(&st->merges_overlapped, 1);
    ftc_atomic_fetch_add_relaxed(&st->merges, 1);
    while ((rc = ftc_dict_next(w->local, &pos, &k, &v)) == 1) {
        int64_t add = ftc_int_value(v);
        FTC_BEGIN_CRITICAL_SECTION(st->shared);
        ftc_object *old;
        rc = ftc_dict_get_ref(st->shared, k, &old);
        if (rc >= 0) {
            ftc_object *sum = ftc_int_new(add + (old ? ftc_int_value(old) : 0));
            rc = sum ? ftc_dict_set(st->shared, k, sum) : ftc_last_error();
            ftc_xdecref(sum);
        }
        ftc_xdecref(old);
        FTC_END_CRITICAL_SECTION();
        ftc_decref(k);
        ftc_decref(v);
        if (rc < 0)
            break;
    }
    ftc_atomic_fetch_sub_relaxed(&st->merging, 1);
    if (rc < 0)
        return rc;
    return ftc_dict_clear(w->local);
}

static void wc_body(bench_run *r, int t, bench_thread_result *res)
{
    wc_state *st = r->state;
    wc_thread *w = r->tstate[t];
    if (w == NULL || w->error) {
        bench_note_error(res, FTC_ENOMEM);
        return;
    }
    const char *text = w->text;
    size_t p = 0, len = w->len;
    ftc_object *local = w->local;
    BENCH_LOOP(r, res, {
        size_t e = p;
        while (text[e] != ' ')
            e++;
        ftc_object *word = ftc_str_new(text + p, e - p);
        ftc_object *count = NULL;
        int rc = word ? ftc_dict_get_ref(local, word, &count) : ftc_last_error();
        if (rc >= 0) {
            ftc_object *next = ftc_int_new(1 + (count ? ftc_int_value(count) : 0));
            rc = next ? ftc_dict_set(local, word, next) : ftc_last_error();
            ftc_xdecref(next);
        }
        ftc_xdecref(count);
        ftc_xdecref(word);
        if (FTC_UNLIKELY(rc < 0))
            bench_note_error(res, rc);
        p = e + 1;
        if (p >= len) {
            p = 0;
            rc = wc_merge(st, w);
            if (rc < 0)
                bench_note_error(res, rc);
        }
    });
}

static void wc_thread_teardown(bench_run *r, int t)
{
    wc_thread *w = r->tstate[t];
    if (w == NULL)
        return;
    if (w->local != NULL && w->error == 0) {
        int rc = wc_merge(r->state, w);
        if (rc < 0)
            bench_note_error(&r->res[t], rc);
    }
    ftc_xdecref(w->local);
    free(w->text);
    free(w);
}

static int wc_finish(bench_run *r, FILE *out)
{
    wc_state *st = r->state;
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *v;
    int rc;
    int64_t total = 0;
    while ((rc = ftc_dict_next(st->shared, &pos, NULL, &v)) == 1) {
        total += ftc_int_value(v);
        ftc_decref(v);
    }
    uint64_t words = 0;
    for (int t = 0; t < r->nthreads; t++)
        words += r->res[t].ops;
    int ok = rc == 0 && total == (int64_t)words;
    fprintf(out,
            ",\"distinct_words\":%lld,\"counted_words\":%lld,\"counts_exact\":%s"
            ",\"merges\":%llu,\"merges_overlapped\":%llu",
            (long long)ftc_dict_len(st->shared), (long long)total, ok ? "true" : "false",
            (unsigned long long)ftc_atomic_load_relaxed(&st->merges),
            (unsigned long long)ftc_atomic_load_relaxed(&st->merges_overlapped));
    ftc_decref(st->shared);
    free(st);
    return ok ? 0 : -1;
}

const bench_workload wl_wordcount = {
    "wordcount",
    "split text into str objects, count in a private dict, merge into a shared one",
    BENCH_THROUGHPUT,
    wc_setup,
    wc_thread_setup,
    wc_body,
    wc_thread_teardown,
    wc_finish};
