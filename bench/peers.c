/* ftc_peers: the peer baselines that make_ab reports beside dict_shared_read.
 *
 *   ftc_peers --peer NAME --threads N --seconds S     one run, one JSON line on stdout
 *   ftc_peers --list                                  the peers, one JSON line each
 *
 * Every peer answers the same lookups as ftcore's dict_shared_read workload: the same 1,000 keys
 * (byte for byte), the same lookup order, N reader threads, each lookup followed by what the
 * peer needs to stay correct while a writer may run (an epoch section, an RCU read-side
 * section, a quiescent state), and the found value used (summed) so that nothing is optimized
 * away. The peers:
 *
 *   ck_hs           Concurrency Kit's single-writer many-reader hash set (SPMC mode) of key
 *                   records; each lookup inside a ck_epoch section, as ck requires of readers
 *                   when a writer may free an old table (docs/architecture.md). The table's
 *                   allocator defers frees through the epoch, as ck_hs's contract asks.
 *   rculfhash_qsbr  liburcu's lock-free resizable hash table, QSBR flavour: lookups in
 *                   (empty) read-side sections, one quiescent state after each lookup (what an
 *                   ftcore tick is in the nogil build).
 *   rculfhash_memb  the same with the memb flavour (read lock/unlock per lookup).
 *   floor           an open-addressing table with no synchronization at all: what a lookup
 *                   costs when nothing is paid for concurrency. Read-only, so running it on
 *                   several threads is still correct.
 *
 * rculfhash tables are created at their final size with no automatic resize (its automatic
 * resize can stop for good in liburcu 0.13: docs/architecture.md). The ftcore dict behind one
 * pthread_mutex_t is the fourth baseline; it needs ftcore, so it is a workload of ftc_bench
 * (dict_shared_read_mutex).
 *
 * Nothing here links ftcore; only its atomics header is used (for the stop flag).
 */
#include "peers.h"

#include <ck_epoch.h>
#include <ck_hs.h>

#include <pthread.h>
#include <stddef.h>

/* ---------------------------------------------------------------------------------------
 * ck_hs with ck_epoch
 * --------------------------------------------------------------------------------------- */

static ck_epoch_t hs_epoch;
static ck_epoch_record_t *hs_writer; /* the main thread's record: the only writer */
static ck_hs_t hs;

/* Every block ck_hs allocates carries an epoch entry in front, so that a table ck_hs replaces
 * while readers may still be inside it can be freed after a grace period. */
typedef union hs_block {
    struct {
        ck_epoch_entry_t entry;
        size_t size;
    } h;
    max_align_t align;
} hs_block;

static void *hs_malloc(size_t n)
{
    hs_block *b = malloc(sizeof *b + n);
    return b ? (void *)(b + 1) : NULL;
}

static void hs_free_entry(ck_epoch_entry_t *e)
{
    free((hs_block *)(void *)((char *)e - offsetof(hs_block, h.entry)));
}

static void hs_free(void *p, size_t n, bool defer)
{
    (void)n;
    if (p == NULL)
        return;
    hs_block *b = (hs_block *)p - 1;
    if (defer)
        ck_epoch_call(hs_writer, &b->h.entry, hs_free_entry);
    else
        free(b);
}

static void *hs_realloc(void *p, size_t old, size_t n, bool defer)
{
    void *q = hs_malloc(n);
    if (q == NULL)
        return NULL;
    memcpy(q, p, old < n ? old : n);
    hs_free(p, old, defer);
    return q;
}

static struct ck_malloc hs_allocator = {hs_malloc, hs_realloc, hs_free};

static unsigned long hs_hash_cb(const void *k, unsigned long seed)
{
    (void)seed;
    return (unsigned long)((const peer_key *)k)->hash;
}

static bool hs_compare_cb(const void *a, const void *b) { return peer_key_eq(a, b); }

static int hs_setup(const peer_key *keys, int n)
{
    ck_epoch_init(&hs_epoch);
    hs_writer = malloc(sizeof *hs_writer);
    if (hs_writer == NULL)
        return -1;
    ck_epoch_register(&hs_epoch, hs_writer, NULL);
    if (!ck_hs_init(&hs, CK_HS_MODE_SPMC | CK_HS_MODE_OBJECT, hs_hash_cb, hs_compare_cb,
                    &hs_allocator, (unsigned long)n * 2, 0))
        return -1;
    for (int i = 0; i < n; i++)
        if (!ck_hs_put(&hs, (unsigned long)keys[i].hash, &keys[i]))
            return -1;
    return ck_hs_count(&hs) == (unsigned long)n ? 0 : -1;
}

static void *hs_thread_init(void)
{
    ck_epoch_record_t *r = ck_epoch_recycle(&hs_epoch, NULL);
    if (r == NULL) {
        r = malloc(sizeof *r);
        if (r == NULL)
            return NULL;
        ck_epoch_register(&hs_epoch, r, NULL);
    }
    return r;
}

static void hs_thread_fini(void *tctx)
{
    ck_epoch_unregister(tctx); /* records are recycled, never freed while the epoch lives */
}

static uint64_t hs_lookup_batch(void *tctx, const peer_key *keys, const int *order, unsigned *pos,
                                int64_t *sum)
{
    ck_epoch_record_t *rec = tctx;
    uint64_t bad = 0;
    unsigned p = *pos;
    for (int i = 0; i < BENCH_BATCH; i++, p++) {
        const peer_key *k = &keys[order[p & (BENCH_ORDER_LEN - 1)]];
        ck_epoch_begin(rec, NULL);
        const peer_key *found = ck_hs_get(&hs, (unsigned long)k->hash, k);
        if (found == k)
            *sum += found->value;
        else
            bad++;
        ck_epoch_end(rec, NULL);
    }
    *pos = p;
    return bad;
}

static void hs_teardown(void)
{
    ck_hs_destroy(&hs);
    ck_epoch_barrier(hs_writer); /* runs every deferred free */
    ck_epoch_unregister(hs_writer);
}

static const peer_impl peer_ck_hs = {
    "ck_hs",        "Concurrency Kit ck_hs (SPMC), each lookup in a ck_epoch section",
    hs_setup,       hs_thread_init,
    hs_thread_fini, hs_lookup_batch,
    hs_teardown};

/* ---------------------------------------------------------------------------------------
 * floor: open addressing, linear probing, no synchronization
 * --------------------------------------------------------------------------------------- */

static const peer_key **floor_slots;
static size_t floor_mask;

static int floor_setup(const peer_key *keys, int n)
{
    size_t cap = 16;
    while (cap < (size_t)n * 2)
        cap <<= 1;
    floor_slots = calloc(cap, sizeof *floor_slots);
    if (floor_slots == NULL)
        return -1;
    floor_mask = cap - 1;
    for (int i = 0; i < n; i++) {
        size_t j = (size_t)keys[i].hash & floor_mask;
        while (floor_slots[j] != NULL)
            j = (j + 1) & floor_mask;
        floor_slots[j] = &keys[i];
    }
    return 0;
}

static void *floor_thread_init(void) { return &floor_mask; /* any non-NULL context */ }

static void floor_thread_fini(void *tctx) { (void)tctx; }

static uint64_t floor_lookup_batch(void *tctx, const peer_key *keys, const int *order,
                                   unsigned *pos, int64_t *sum)
{
    (void)tctx;
    uint64_t bad = 0;
    unsigned p = *pos;
    for (int i = 0; i < BENCH_BATCH; i++, p++) {
        const peer_key *k = &keys[order[p & (BENCH_ORDER_LEN - 1)]];
        size_t j = (size_t)k->hash & floor_mask;
        const peer_key *found;
        while ((found = floor_slots[j]) != NULL && !peer_key_eq(found, k))
            j = (j + 1) & floor_mask;
        if (found == k)
            *sum += found->value;
        else
            bad++;
    }
    *pos = p;
    return bad;
}

static void floor_teardown(void)
{
    free(floor_slots);
    floor_slots = NULL;
}

static const peer_impl peer_floor = {
    "floor",           "open addressing, no synchronization at all (the floor)",
    floor_setup,       floor_thread_init,
    floor_thread_fini, floor_lookup_batch,
    floor_teardown};

/* ---------------------------------------------------------------------------------------
 * the driver
 * --------------------------------------------------------------------------------------- */

static const peer_impl *const peers[] = {&peer_ck_hs, &peer_urcu_qsbr, &peer_urcu_memb,
                                         &peer_floor};
#define NPEERS (sizeof peers / sizeof peers[0])

typedef struct run {
    const peer_impl *impl;
    const peer_key *keys;
    const int *order;
    pthread_barrier_t start;
    bench_stop stop;
    bench_thread_result res[BENCH_MAX_THREADS];
    int64_t sums[BENCH_MAX_THREADS];
    uint64_t bad[BENCH_MAX_THREADS];
} run;

typedef struct worker_arg {
    run *r;
    int idx;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    run *r = a->r;
    bench_thread_result *res = &r->res[a->idx];
    void *tctx = r->impl->thread_init();
    pthread_barrier_wait(&r->start);
    if (tctx == NULL) {
        res->error = -1;
        res->start = res->end = bench_now();
        return NULL;
    }
    unsigned pos = bench_order_start(a->idx);
    int64_t sum = 0;
    uint64_t bad = 0, ops = 0;
    res->start = bench_now();
    while (!bench_should_stop(&r->stop)) {
        bad += r->impl->lookup_batch(tctx, r->keys, r->order, &pos, &sum);
        ops += BENCH_BATCH;
    }
    res->end = bench_now();
    res->ops = ops;
    r->sums[a->idx] = sum;
    r->bad[a->idx] = bad;
    r->impl->thread_fini(tctx);
    return NULL;
}

static int usage(void)
{
    fprintf(stderr, "usage: ftc_peers --list | --peer NAME --threads N --seconds S\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *name;
    int nthreads;
    double seconds;
    int parsed = bench_parse_args(argc, argv, "--peer", &name, &nthreads, &seconds);
    if (parsed < 0)
        return usage();
    if (parsed == 1) {
        for (size_t k = 0; k < NPEERS; k++)
            printf("{\"peer\":\"%s\",\"what\":\"%s\"}\n", peers[k]->name, peers[k]->what);
        return 0;
    }
    const peer_impl *impl = NULL;
    for (size_t k = 0; k < NPEERS; k++)
        if (name != NULL && strcmp(name, peers[k]->name) == 0)
            impl = peers[k];
    if (impl == NULL || nthreads < 1 || nthreads > BENCH_MAX_THREADS || !(seconds > 0))
        return usage();

    static char keybuf[BENCH_NKEYS][24];
    static peer_key keys[BENCH_NKEYS];
    static int order[BENCH_ORDER_LEN];
    for (int i = 0; i < BENCH_NKEYS; i++) {
        keys[i].len = bench_key(i, keybuf[i]);
        keys[i].s = keybuf[i];
        keys[i].hash = bench_hash_bytes(keys[i].s, keys[i].len);
        keys[i].value = i + 1;
    }
    bench_order_fill(order, BENCH_NKEYS);
    if (impl->setup(keys, BENCH_NKEYS) != 0) {
        fprintf(stderr, "ftc_peers: %s: setup failed\n", impl->name);
        return 1;
    }

    static run r;
    r.impl = impl;
    r.keys = keys;
    r.order = order;
    pthread_barrier_init(&r.start, NULL, (unsigned)nthreads + 1);
    pthread_t tids[BENCH_MAX_THREADS];
    worker_arg args[BENCH_MAX_THREADS];
    for (int t = 0; t < nthreads; t++) {
        args[t] = (worker_arg){&r, t};
        if (pthread_create(&tids[t], NULL, worker, &args[t]) != 0) {
            fprintf(stderr, "ftc_peers: pthread_create failed\n");
            return 1;
        }
    }
    pthread_barrier_wait(&r.start);
    double cpu0 = bench_cpu_seconds();
    bench_sleep(seconds);
    bench_stop_now(&r.stop);
    for (int t = 0; t < nthreads; t++)
        pthread_join(tids[t], NULL);
    double cpu = bench_cpu_seconds() - cpu0;
    pthread_barrier_destroy(&r.start);
    impl->teardown();

    /* Every lookup must have found its own key: each thread's sum of values is checked
     * exactly. */
    uint64_t bad = 0;
    int sums_ok = 1;
    for (int t = 0; t < nthreads; t++) {
        bad += r.bad[t];
        if (r.bad[t] != 0 || bench_order_expect(order, t, r.res[t].ops) != r.sums[t]) {
            sums_ok = 0;
            if (r.res[t].error == 0)
                r.res[t].error = -1;
        }
    }
    bench_json_begin(stdout, "ftc_peers", impl->name, "peer", nthreads, seconds, r.res, nthreads);
    printf(",\"cpu_seconds\":%.6f,\"failed_lookups\":%llu,\"check\":\"%s\"}\n", cpu,
           (unsigned long long)bad, bad == 0 && sums_ok ? "ok" : "FAILED");
    return bad == 0 && sums_ok ? 0 : 1;
}
