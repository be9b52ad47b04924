/* Stress: the dict's whole-dict reads against writers that keep an invariant, and the
 * per-step guarantee of ftc_dict_next (docs/atomicity.md).
 *
 * Writers change the dict only with ftc_dict_update (all KEYS keys at once, every one to the
 * same fresh value) and ftc_dict_clear, so every state the dict ever has is either empty or
 * holds exactly the KEYS keys with one common value. Readers check on every read that what
 * they got is such a state: ftc_dict_copy, ftc_dict_keys, ftc_dict_values, ftc_dict_items (a
 * snapshot: empty or all the keys, once each, with one value), and ftc_dict_len (lock-free in
 * the nogil build: 0 or KEYS; before the update held its write window across all of its
 * insertions this saw a count between two of them in some runs; stress/lin_dict sees that in
 * every run). Iterating with ftc_dict_next is atomic only
 * per step: each step must return one of the keys with a value some update wrote (a generation
 * its writer had announced), no key twice in one iteration; an iteration that ends with 0 saw
 * no key added or removed, so it returned 0 or KEYS items; one that a clear or a refill
 * interrupted ends with FTC_ECHANGED (counted). In the nogil build the readers read lock-free
 * while the writers resize and refill the table.
 */
#include "check.h"
#include <ftcore/ftcore.h>

enum { KEYS = 8, WRITERS = 2, READERS = 2 };

static ftc_object *dict;
static ftc_object *keys[KEYS];
static int64_t announced[WRITERS]; /* atomic: each writer's latest generation, before writing */
static int writers_left;           /* atomic */
static int readers_started;        /* atomic */
static long rounds;
static uint64_t reads, steps, changed, completed; /* atomic, statistics */

/* A value: writer w's generation g. */
static int64_t value_of(int w, int64_t g) { return (int64_t)w << 40 | g; }

static int key_index(ftc_object *k)
{
    int64_t i = ftc_int_value(k) - 7000;
    CHECK(i >= 0 && i < KEYS);
    return (int)i;
}

/* A value some update wrote: its writer exists and had announced that generation. */
static void check_written(int64_t v)
{
    int w = (int)(v >> 40);
    int64_t g = v & (((int64_t)1 << 40) - 1);
    CHECK(w >= 0 && w < WRITERS);
    CHECK(g >= 1 && g <= ftc_atomic_load_acquire(&announced[w]));
}

/* n items whose key numbers are idx[] and values val[] (val may be NULL): a state the dict
 * can have. */
static void check_state(int64_t n, const int *idx, const int64_t *val)
{
    CHECK(n == 0 || n == KEYS);
    int seen = 0;
    for (int64_t i = 0; i < n; i++) {
        if (idx != NULL) {
            CHECK(!(seen & 1 << idx[i]));
            seen |= 1 << idx[i];
        }
        if (val != NULL) {
            CHECK_EQ(val[i], val[0]);
            check_written(val[i]);
        }
    }
}

static void writer(int w, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)w * 7901 + 5;
    /* The readers must be running before the updates start, or a reader started after the
     * writers are done reads nothing (seen in the GIL build, where a writer can hold the GIL
     * through all its rounds). The tick lets a waiting reader take the GIL. */
    while (ftc_atomic_load(&readers_started) < READERS)
        CHECK_EQ(ftc_eval_tick(), 0);
    for (long r = 1; r <= rounds; r++) {
        if (ftc_check_rand(&rng) % 16 == 0) {
            CHECK_EQ(ftc_dict_clear(dict), 0);
        } else {
            ftc_object *src = ftc_dict_new(), *v = ftc_int_new(value_of(w, r));
            CHECK(src && v);
            for (int i = 0; i < KEYS; i++)
                CHECK_EQ(ftc_dict_set(src, keys[i], v), 0);
            /* Release: pairs with the readers' acquire load in check_written. */
            ftc_atomic_store_release(&announced[w], (int64_t)r);
            CHECK_EQ(ftc_dict_update(dict, src), 0);
            ftc_decref(v);
            ftc_decref(src);
        }
        CHECK_EQ(ftc_eval_tick(), 0);
    }
    ftc_atomic_fetch_sub(&writers_left, 1);
}

static void read_list(ftc_object *l, int kind)
{
    int64_t n = ftc_list_len(l);
    int idx[KEYS];
    int64_t val[KEYS];
    CHECK(n == 0 || n == KEYS);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *x = NULL, *k = NULL, *v = NULL;
        CHECK_EQ(ftc_list_get_ref(l, i, &x), 0);
        if (kind == 2) {
            CHECK_EQ(ftc_list_get_ref(x, 0, &k), 0);
            CHECK_EQ(ftc_list_get_ref(x, 1, &v), 0);
        } else if (kind == 0) {
            k = x;
            ftc_incref(k);
        } else {
            v = x;
            ftc_incref(v);
        }
        if (k != NULL)
            idx[i] = key_index(k);
        if (v != NULL)
            val[i] = ftc_int_value(v);
        ftc_xdecref(k);
        ftc_xdecref(v);
        ftc_decref(x);
    }
    check_state(n, kind == 1 ? NULL : idx, kind == 0 ? NULL : val);
}

/* Iterates d with ftc_dict_next: the shared dict, or a private copy (shared false), which
 * nobody changes, so it must iterate whole with one common value. */
static void iterate(ftc_object *d, bool shared)
{
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int idx[KEYS];
    int64_t val[KEYS];
    int64_t n = 0;
    int seen = 0, rc;
    while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) {
        CHECK(n < KEYS);
        int i = key_index(k);
        CHECK(!(seen & 1 << i)); /* no key twice in one iteration */
        seen |= 1 << i;
        idx[n] = i;
        val[n] = ftc_int_value(v);
        check_written(val[n]);
        n++;
        ftc_decref(k);
        ftc_decref(v);
        if (shared)
            ftc_atomic_fetch_add_relaxed(&steps, 1);
    }
    if (rc == FTC_ECHANGED) {
        CHECK(shared);
        ftc_atomic_fetch_add_relaxed(&changed, 1);
        return;
    }
    CHECK_EQ(rc, 0);
    /* Nothing added or removed since the first step: 0 or every key, once each. The values
     * may differ (an update may overwrite between steps) unless nobody else saw d. */
    check_state(n, idx, shared ? NULL : val);
    if (shared)
        ftc_atomic_fetch_add_relaxed(&completed, 1);
}

static void reader(int me, void *ctx)
{
    (void)ctx;
    uint64_t rng = (uint64_t)me * 104723 + 17;
    uint64_t n_reads = 0;
    ftc_atomic_fetch_add(&readers_started, 1);
    while (ftc_atomic_load(&writers_left) > 0) {
        /* A burst of lock-free length reads: cheap, so they land inside updates. */
        for (int i = 0; i < 32; i++) {
            int64_t len = ftc_dict_len(dict);
            CHECK(len == 0 || len == KEYS);
        }
        switch (ftc_check_rand(&rng) % 5) {
        case 0: {
            ftc_object *c = ftc_dict_copy(dict);
            CHECK(c != NULL);
            iterate(c, false);
            ftc_decref(c);
            break;
        }
        case 1:
        case 2:
        case 3: {
            int kind = (int)(ftc_check_rand(&rng) % 3); /* keys, values, items */
            ftc_object *l = kind == 0   ? ftc_dict_keys(dict)
                            : kind == 1 ? ftc_dict_values(dict)
                                        : ftc_dict_items(dict);
            CHECK(l != NULL);
            read_list(l, kind);
            ftc_decref(l);
            break;
        }
        default: iterate(dict, true); break;
        }
        n_reads++;
        CHECK_EQ(ftc_eval_tick(), 0);
    }
    ftc_atomic_fetch_add(&reads, n_reads);
}

FTC_TEST(snapshots_and_iteration_against_updates_and_clears)
{
    rounds = ftc_check_scaled(20000);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    dict = ftc_dict_new();
    CHECK(dict != NULL);
    for (int i = 0; i < KEYS; i++) {
        keys[i] = ftc_int_new(7000 + i);
        CHECK(keys[i] != NULL);
    }
    ftc_atomic_store(&writers_left, WRITERS);
    ftc_atomic_store(&readers_started, 0);
    ftc_check_run_threads2(WRITERS, writer, READERS, reader, NULL, NULL);
    printf("dict_snapshots: %llu reads; iterations of the shared dict: %llu steps, %llu whole, "
           "%llu ended by a change\n",
           (unsigned long long)reads, (unsigned long long)steps, (unsigned long long)completed,
           (unsigned long long)changed);
    CHECK(ftc_atomic_load(&reads) > 0);
    int64_t n = ftc_dict_len(dict);
    CHECK(n == 0 || n == KEYS);
    ftc_decref(dict);
    for (int i = 0; i < KEYS; i++)
        ftc_decref(keys[i]);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
