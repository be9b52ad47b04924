/* Stress: writers own disjoint key ranges of one dict and write increasing values; readers
 * look keys up without the lock (nogil) while the table is rebuilt under them, taking a
 * reference to the value (get_ref) or borrowing it (get_borrowed: the writers free old values
 * while borrowers still read them, which QSBR must make safe; ASan checks).
 *
 * Each writer owns NKEYS int keys and NKEYS str keys. In each round it sets every owned key to
 * the value (round << 20 | key) (a fresh heap int each time, so old values are freed while
 * readers may still hold pointers to them), and it inserts and deletes scratch keys of its own,
 * which forces table rebuilds. Readers pick random keys (int keys through fresh equal ints,
 * str keys through fresh equal strs: the content-compare path) and check that
 *   - every value they read carries the key it was read under and a round some writer wrote
 *     (never a stale or foreign or freed object),
 *   - per key, the rounds they see never go backwards,
 *   - a key once seen present is never missing again (keys are never deleted),
 * and len never goes outside its possible range. At the end every key holds its last round,
 * the dict has exactly the owned keys, and every object is freed exactly once (live count). */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include <ftcore/ftcore.h>

enum { NWRITERS = 3, NREADERS = 3, NKEYS = 40, NSCRATCH = 30 };
#define TOTAL_KEYS (NWRITERS * NKEYS * 2)

static ftc_object *dict;
static long rounds;
static int go;           /* atomic: start flag */
static int writers_done; /* atomic */

static ftc_object *make_key(int id)
{
    /* ids [0, NWRITERS*NKEYS) are ints, the next as many are strs */
    if (id < NWRITERS * NKEYS)
        return ftc_int_new(1000000 + id);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "key-%d", id);
    return ftc_str_new(buf, (size_t)n);
}

static void wait_go(void)
{
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
}

static void writer(int w, void *ctx)
{
    (void)ctx;
    wait_go();
    for (long r = 1; r <= rounds; r++) {
        for (int j = 0; j < NKEYS * 2; j++) {
            int id = j < NKEYS ? w * NKEYS + j : NWRITERS * NKEYS + w * NKEYS + (j - NKEYS);
            ftc_object *k = make_key(id), *v = ftc_int_new((r << 20) | id);
            CHECK(k != NULL && v != NULL);
            CHECK_EQ(ftc_dict_set(dict, k, v), 0);
            ftc_decref(k);
            ftc_decref(v);
        }
        /* Scratch keys: grow then shrink, forcing rebuilds while readers read. */
        for (int s = 0; s < NSCRATCH; s++) {
            ftc_object *k = ftc_int_new(-1 - (w * NSCRATCH + s));
            CHECK_EQ(ftc_dict_set(dict, k, k), 0);
            ftc_decref(k);
        }
        for (int s = 0; s < NSCRATCH; s++) {
            ftc_object *k = ftc_int_new(-1 - (w * NSCRATCH + s));
            CHECK_EQ(ftc_dict_del(dict, k), 0);
            ftc_decref(k);
        }
        ftc_eval_tick();
    }
    ftc_atomic_fetch_add(&writers_done, 1);
}

static void reader(int idx, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)(idx + 1) * 0x9E3779B97F4A7C15ull + 1;
    static _Thread_local long last[TOTAL_KEYS];
    memset(last, 0, sizeof last);
    wait_go();
    long reads = 0;
    while (ftc_atomic_load_acquire(&writers_done) < NWRITERS || reads < 1000) {
        int id = (int)(ftc_check_rand(&seed) % TOTAL_KEYS);
        ftc_object *k = make_key(id), *v = NULL;
        CHECK(k != NULL);
        /* One read in 8 is contains, 3 in 8 borrow the value (checked below, before this
         * thread's next tick, without a reference), the rest take a reference. */
        bool borrowed = (reads & 7) == 1 || (reads & 7) == 3 || (reads & 7) == 5;
        int rc = (reads & 7) == 7 ? ftc_dict_contains(dict, k)
                 : borrowed       ? ftc_dict_get_borrowed(dict, k, &v)
                                  : ftc_dict_get_ref(dict, k, &v);
        ftc_decref(k);
        CHECK(rc == 0 || rc == 1);
        if (rc == 0) {
            CHECK_EQ(last[id], 0); /* never deleted once written */
        } else if (v != NULL) {
            CHECK(ftc_int_check(v));
            int64_t x = ftc_int_value(v);
            CHECK_EQ(x & ((1 << 20) - 1), id);
            long r = (long)(x >> 20);
            CHECK(r >= 1 && r <= rounds);
            CHECK(r >= last[id]);
            last[id] = r;
            if (!borrowed)
                ftc_decref(v);
        } else if (last[id] == 0) {
            last[id] = 1; /* contains: present */
        }
        int64_t n = ftc_dict_len(dict);
        CHECK(n >= 0 && n <= TOTAL_KEYS + NWRITERS * NSCRATCH);
        if ((++reads & 63) == 0)
            ftc_eval_tick();
    }
}

FTC_TEST(disjoint_writers_monotonic_readers)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    rounds = ftc_check_scaled(1200);
    dict = ftc_dict_new();
    CHECK(dict != NULL);
    ftc_check_run_threads2(NWRITERS, writer, NREADERS, reader, NULL, &go);
    CHECK_EQ(ftc_dict_len(dict), TOTAL_KEYS);
    for (int id = 0; id < TOTAL_KEYS; id++) {
        ftc_object *k = make_key(id), *v = NULL;
        CHECK_EQ(ftc_dict_get_ref(dict, k, &v), 1);
        CHECK_EQ(ftc_int_value(v), (rounds << 20) | id);
        ftc_decref(v);
        ftc_decref(k);
    }
    ftc_decref(dict);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
