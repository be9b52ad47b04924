/* Stress: readers traverse a table of nodes without locks while writers replace nodes and
 * free the old ones through QSBR.
 *
 * Invariants checked: a reader only ever sees intact nodes (magic, a checksum of the value,
 * and a filled payload prefix; a node is poisoned just before its memory is freed, so a
 * premature free is caught in the plain build, and ASan reports the use after free in its
 * build; TSan checks the grace-period annotations); a writer's deferred memory stays under
 * FTC_QSBR_LIMIT_BYTES after each tick and never exceeds it by more than one node between
 * ticks; every node replaced is freed exactly once by the end (counted), none leaked at
 * ftc_runtime_fini(). One reader sometimes holds a node for a while (a slow read) so that
 * grace periods are held up and the limit is reached.
 */
#include <string.h>

#include "check.h"
#include "internal/object.h"

enum { NSLOTS = 64, NREADERS = 3, NWRITERS = 2, PREFIX = 64 };
#define MAGIC UINT64_C(0x5eed5eed5eed5eed)
#define DEAD UINT64_C(0xdeaddeaddeaddead)
#define MAX_NODE ((size_t)48 * 1024)

typedef struct {
    uint64_t magic;
    uint64_t value;
    uint64_t check;
    size_t size;
    unsigned char payload[];
} node;

static node *slots[NSLOTS];              /* atomic */
static uint64_t nodes_made, nodes_freed; /* atomic */
static int writers_left;                 /* atomic */
static uint64_t reads;                   /* atomic */
static int readers_started;              /* atomic */

static node *node_new(uint64_t value, size_t size)
{
    node *n = ftc_mem_alloc(size);
    CHECK(n != NULL);
    n->magic = MAGIC;
    n->value = value;
    n->check = ~value ^ MAGIC;
    n->size = size;
    memset(n->payload, (int)(value & 0xff), PREFIX);
    ftc_atomic_fetch_add(&nodes_made, 1);
    return n;
}

static void node_free(void *p)
{
    node *n = p;
    CHECK(n->magic == MAGIC);
    n->magic = DEAD;
    ftc_atomic_fetch_add(&nodes_freed, 1);
    ftc_mem_free(n);
}

static void verify(const node *n)
{
    CHECK(n->magic == MAGIC);
    CHECK(n->check == (~n->value ^ MAGIC));
    for (int i = 0; i < PREFIX; i++)
        CHECK(n->payload[i] == (unsigned char)(n->value & 0xff));
}

static long iterations;

static void writer(int w, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)w * 7919 + 3;
    size_t peak_between = 0;
    while (ftc_atomic_load(&readers_started) < NREADERS)
        CHECK(ftc_eval_tick() == 0); /* let the readers run (and hand the GIL over) */
    for (long i = 0; i < iterations; i++) {
        size_t size = sizeof(node) + PREFIX +
                      (size_t)(ftc_check_rand(&rng) % (MAX_NODE - sizeof(node) - PREFIX));
        node *n = node_new(ftc_check_rand(&rng), size);
        /* acq_rel: release publishes n's contents to readers (pairs with their acquire
         * load); acquire makes the old node's contents ours before we free it. */
        node *old = ftc_atomic_exchange_acq_rel(&slots[ftc_check_rand(&rng) % NSLOTS], n);
        if (old != NULL)
            ftc_qsbr_free_fn(old, node_free, old->size);
        ftc_qsbr_stats st;
        ftc_qsbr_get_stats(&st);
        if (st.pending_bytes > peak_between)
            peak_between = st.pending_bytes;
        CHECK(st.pending_bytes <= FTC_QSBR_LIMIT_BYTES + MAX_NODE);
        CHECK(ftc_eval_tick() == 0);
        ftc_qsbr_get_stats(&st);
        /* After a tick that handled QSBR the limit holds; a tick that had nothing to handle
         * leaves at most what was there before (checked above). */
        CHECK(st.pending_bytes <= FTC_QSBR_LIMIT_BYTES + MAX_NODE);
    }
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    CHECK(st.peak_bytes <= FTC_QSBR_LIMIT_BYTES + MAX_NODE);
    printf("writer: peak deferred %zu bytes (limit %zu)\n", (size_t)st.peak_bytes,
           (size_t)FTC_QSBR_LIMIT_BYTES);
    ftc_atomic_fetch_sub(&writers_left, 1);
}

static void reader(int me, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)me * 104729 + 11;
    uint64_t n_reads = 0;
    ftc_atomic_fetch_add(&readers_started, 1);
    while (ftc_atomic_load(&writers_left) > 0) {
        int burst = 1 + (int)(ftc_check_rand(&rng) % 64);
        for (int k = 0; k < burst; k++) {
            /* Acquire: pairs with the writer's exchange. */
            const node *n = ftc_atomic_load_acquire(&slots[ftc_check_rand(&rng) % NSLOTS]);
            if (n == NULL)
                continue;
            verify(n);
            if (me == 0 && ftc_check_rand(&rng) % 512 == 0) {
                /* A slow read: hold the node (no tick) while writers run on. */
                double until = ftc_monotonic() + 0.0005;
                while (ftc_monotonic() < until)
                    verify(n);
            }
            n_reads++;
        }
        CHECK(ftc_eval_tick() == 0); /* quiescent state (when asked) */
    }
    ftc_atomic_fetch_add(&reads, n_reads);
}

FTC_TEST(readers_and_writers_through_qsbr)
{
    iterations = ftc_check_scaled(30000);
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_qsbr_stats st0;
    ftc_qsbr_get_stats(&st0);
    ftc_atomic_store(&writers_left, NWRITERS);
    ftc_check_run_threads2(NWRITERS, writer, NREADERS, reader, NULL, NULL);
    for (int i = 0; i < NSLOTS; i++) {
        node *n = ftc_atomic_exchange(&slots[i], (node *)NULL);
        if (n != NULL)
            ftc_qsbr_free_fn(n, node_free, n->size);
    }
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    CHECK(ftc_atomic_load(&reads) > 0);
    printf("reads %llu, nodes %llu, limit waits %llu\n",
           (unsigned long long)ftc_atomic_load(&reads),
           (unsigned long long)ftc_atomic_load(&nodes_made),
           (unsigned long long)(st.limit_waits - st0.limit_waits));
    CHECK(ftc_runtime_fini() == 0);
    CHECK_EQ(ftc_atomic_load(&nodes_freed), ftc_atomic_load(&nodes_made));
}
