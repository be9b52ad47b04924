/* The interface between ftc_peers' driver (peers.c) and each peer table (peers.c for ck_hs and
 * the unsynchronized floor, peer_urcu.c compiled once per liburcu flavour for rculfhash).
 *
 * Every peer stores the same 1,000 keys (bench_common.h) as peer_key records, each mapping to
 * the value index + 1, and answers lookups of the same key records in the same order. A lookup
 * that misses, or finds a record other than the one asked for, is counted as an error, so a
 * broken table cannot report a good number.
 */
#ifndef FTC_BENCH_PEERS_H
#define FTC_BENCH_PEERS_H

#include "bench_common.h"

#include <stdbool.h>

typedef struct peer_key {
    const char *s;
    size_t len;
    uint64_t hash; /* bench_hash_bytes(s, len), computed once, as ftcore's str caches its own */
    int64_t value; /* index + 1 */
} peer_key;

static inline bool peer_key_eq(const peer_key *a, const peer_key *b)
{
    return a == b || (a->hash == b->hash && a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
}

typedef struct peer_impl {
    const char *name;
    const char *what; /* one line for the report */
    /* Builds the table from keys[0..n) (main thread, before any reader runs). 0 or -1. */
    int (*setup)(const peer_key *keys, int n);
    /* Per reader thread, around its loop. */
    void *(*thread_init)(void);
    void (*thread_fini)(void *tctx);
    /* BENCH_BATCH lookups: key indices order[*pos & (BENCH_ORDER_LEN-1)], ...; adds each found
     * value to *sum and returns the number of lookups that failed (missed or mismatched). */
    uint64_t (*lookup_batch)(void *tctx, const peer_key *keys, const int *order, unsigned *pos,
                             int64_t *sum);
    void (*teardown)(void);
} peer_impl;

extern const peer_impl peer_urcu_qsbr;
extern const peer_impl peer_urcu_memb;

#endif /* FTC_BENCH_PEERS_H */
