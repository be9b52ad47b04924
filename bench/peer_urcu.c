/* The rculfhash peers of ftc_peers (peers.c), compiled once per liburcu flavour:
 * PEER_URCU_QSBR gives peer_urcu_qsbr, PEER_URCU_MEMB gives peer_urcu_memb.
 *
 * A reader registers with the flavour, does each lookup inside rcu_read_lock/unlock (empty in
 * the QSBR flavour), and in the QSBR flavour reports a quiescent state after each lookup, which
 * is what an ftcore tick is in the nogil build. The table is created at its final size with no
 * automatic resize (rculfhash's automatic resize can stop for good in 0.13:
 * docs/architecture.md), and torn down after every reader has unregistered: its nodes removed
 * in a read-side section, a grace period, then freed.
 */
#define _LGPL_SOURCE 1
#if defined(PEER_URCU_QSBR)
#include <urcu/urcu-qsbr.h>
#define PEER_FLAVOR urcu_qsbr_flavor
#define PEER_OBJ peer_urcu_qsbr
#define PEER_NAME "rculfhash_qsbr"
#define PEER_WHAT "liburcu rculfhash, QSBR flavour, quiescent state after each lookup"
#define PEER_AFTER_LOOKUP() urcu_qsbr_quiescent_state()
#define P_(x) urcu_qsbr_##x
#elif defined(PEER_URCU_MEMB)
#include <urcu/urcu-memb.h>
#define PEER_FLAVOR urcu_memb_flavor
#define PEER_OBJ peer_urcu_memb
#define PEER_NAME "rculfhash_memb"
#define PEER_WHAT "liburcu rculfhash, memb flavour, read lock/unlock per lookup"
#define PEER_AFTER_LOOKUP() ((void)0)
#define P_(x) urcu_memb_##x
#else
#error "define PEER_URCU_QSBR or PEER_URCU_MEMB"
#endif
#include <urcu/rculfhash.h>

#include "peers.h"

typedef struct lf_node {
    struct cds_lfht_node node;
    const peer_key *key;
} lf_node;

static struct cds_lfht *table;
static lf_node *nodes;
static int nnodes;

static int lf_match(struct cds_lfht_node *node, const void *key)
{
    return peer_key_eq(caa_container_of(node, lf_node, node)->key, key);
}

static int lf_setup(const peer_key *keys, int n)
{
    unsigned long size = 1;
    while (size < (unsigned long)n)
        size <<= 1;
    table = cds_lfht_new_flavor(size, size, size, 0, &PEER_FLAVOR, NULL);
    nodes = calloc((size_t)n, sizeof *nodes);
    if (table == NULL || nodes == NULL)
        return -1;
    nnodes = n;
    P_(register_thread)();
    P_(read_lock)();
    for (int i = 0; i < n; i++) {
        cds_lfht_node_init(&nodes[i].node);
        nodes[i].key = &keys[i];
        cds_lfht_add(table, (unsigned long)keys[i].hash, &nodes[i].node);
    }
    P_(read_unlock)();
    P_(unregister_thread)();
    return 0;
}

static void *lf_thread_init(void)
{
    P_(register_thread)();
    return table;
}

static void lf_thread_fini(void *tctx)
{
    (void)tctx;
    P_(unregister_thread)();
}

static uint64_t lf_lookup_batch(void *tctx, const peer_key *keys, const int *order, unsigned *pos,
                                int64_t *sum)
{
    struct cds_lfht *ht = tctx;
    uint64_t bad = 0;
    unsigned p = *pos;
    for (int i = 0; i < BENCH_BATCH; i++, p++) {
        const peer_key *k = &keys[order[p & (BENCH_ORDER_LEN - 1)]];
        struct cds_lfht_iter iter;
        P_(read_lock)();
        cds_lfht_lookup(ht, (unsigned long)k->hash, lf_match, k, &iter);
        struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
        const peer_key *found = node ? caa_container_of(node, lf_node, node)->key : NULL;
        if (found == k)
            *sum += found->value;
        else
            bad++;
        P_(read_unlock)();
        PEER_AFTER_LOOKUP();
    }
    *pos = p;
    return bad;
}

static void lf_teardown(void)
{
    P_(register_thread)();
    P_(read_lock)();
    for (int i = 0; i < nnodes; i++)
        cds_lfht_del(table, &nodes[i].node);
    P_(read_unlock)();
#if defined(PEER_URCU_QSBR)
    P_(thread_offline)(); /* a QSBR thread must not wait for a grace period while online */
#endif
    P_(synchronize_rcu)();
#if defined(PEER_URCU_QSBR)
    P_(thread_online)();
#endif
    P_(unregister_thread)();
    cds_lfht_destroy(table, NULL);
    free(nodes);
    table = NULL;
    nodes = NULL;
}

const peer_impl PEER_OBJ = {PEER_NAME,      PEER_WHAT,       lf_setup,   lf_thread_init,
                            lf_thread_fini, lf_lookup_batch, lf_teardown};
