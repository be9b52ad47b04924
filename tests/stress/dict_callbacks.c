/* Stress: dict lookups whose eq callbacks block (detach), so that other threads change the
 * dict in the middle of a lookup, in the critical section the lookup had to suspend.
 *
 * Keys are objects of a user type whose hash maps every key to one of two values (long
 * collision chains: every lookup calls eq on most of the keys it passes), and whose eq
 * detaches for a moment now and then (FTC_BEGIN_ALLOW_THREADS around a yield), which suspends
 * the caller's critical section and lets the other threads set and delete keys. Each thread
 * owns a range of keys and sets, overwrites and deletes them; all threads also look up each
 * other's keys. Checks: a value read always belongs to the key it was read under; a thread
 * always reads back exactly its own last write for its own keys (other threads never touch
 * them, so any restart must still find it); at the end the dict holds exactly each thread's
 * surviving keys, and every object was freed exactly once (live count). FTC_ECHANGED (too many
 * restarts in a row) is legal but must stay rare, and nothing may change when it happens. */
#include <sched.h>

#include "check.h"
#include <ftcore/ftcore.h>

enum { NTHREADS = 3, NKEYS = 24 };

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t n;
} ukey;

static const ftc_type ukey_type;
static long eq_calls; /* atomic */

static int ukey_hash(ftc_object *self, uint64_t *out)
{
    *out = (uint64_t)(((ukey *)self)->n & 1);
    return 0;
}
static int ukey_eq(ftc_object *self, ftc_object *other)
{
    if ((ftc_atomic_fetch_add_relaxed(&eq_calls, 1) & 15) == 0) {
        FTC_BEGIN_ALLOW_THREADS
        sched_yield();
        FTC_END_ALLOW_THREADS
    }
    return ftc_type_of(other) == &ukey_type && ((ukey *)self)->n == ((ukey *)other)->n;
}
static const ftc_type ukey_type = {"ukey", sizeof(ukey), NULL, ukey_hash, ukey_eq, NULL, NULL};

static ftc_object *K(int64_t n)
{
    ftc_object *o = ftc_object_new(&ukey_type);
    CHECK(o != NULL);
    ((ukey *)o)->n = n;
    return o;
}

static ftc_object *dict;
static long rounds;
static int go;                                /* atomic */
static long echanged;                         /* atomic */
static int64_t final_value[NTHREADS * NKEYS]; /* -1: absent; written by the owner only */

static void worker(int t, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)t * 977 + 5;
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
    int64_t *mine = &final_value[t * NKEYS];
    for (int j = 0; j < NKEYS; j++)
        mine[j] = -1;
    for (long r = 0; r < rounds; r++) {
        uint64_t x = ftc_check_rand(&seed);
        int j = (int)(x % NKEYS);
        int64_t id = t * NKEYS + j;
        ftc_object *k = K(id), *v = NULL;
        int rc;
        switch ((x >> 16) % 4) {
        case 0:
        case 1: {
            int64_t val = (r << 16) | id;
            v = ftc_int_new(val);
            rc = ftc_dict_set(dict, k, v);
            CHECK(rc == 0 || rc == FTC_ECHANGED);
            if (rc == 0)
                mine[j] = val;
            else
                ftc_atomic_fetch_add(&echanged, 1);
            break;
        }
        case 2:
            rc = ftc_dict_del(dict, k);
            CHECK(rc == 0 || rc == FTC_EKEY || rc == FTC_ECHANGED);
            if (rc == FTC_ECHANGED)
                ftc_atomic_fetch_add(&echanged, 1);
            else
                CHECK_EQ(rc == 0, mine[j] >= 0); /* only we touch our keys */
            if (rc == 0)
                mine[j] = -1;
            break;
        default:
            rc = ftc_dict_get_ref(dict, k, &v);
            if (rc == FTC_ECHANGED) {
                ftc_atomic_fetch_add(&echanged, 1);
                break;
            }
            CHECK(rc == 0 || rc == 1);
            CHECK_EQ(rc == 1 ? ftc_int_value(v) : -1, mine[j]);
            break;
        }
        ftc_xdecref(v);
        ftc_decref(k);
        /* Someone else's key: whatever is read must belong to that key. */
        int64_t other = (int64_t)((x >> 32) % (NTHREADS * NKEYS));
        k = K(other);
        v = NULL;
        rc = ftc_dict_get_ref(dict, k, &v);
        CHECK(rc == 0 || rc == 1 || rc == FTC_ECHANGED);
        if (rc == 1)
            CHECK_EQ(ftc_int_value(v) & 0xFFFF, other);
        ftc_xdecref(v);
        ftc_decref(k);
        if ((r & 15) == 0)
            ftc_eval_tick();
    }
}

FTC_TEST(eq_callbacks_that_block_while_others_write)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    rounds = ftc_check_scaled(2000);
    dict = ftc_dict_new();
    CHECK(dict != NULL);
    ftc_check_run_threads(NTHREADS, worker, NULL, &go);
    int64_t present = 0;
    for (int64_t id = 0; id < NTHREADS * NKEYS; id++) {
        ftc_object *k = K(id), *v = NULL;
        int rc = ftc_dict_get_ref(dict, k, &v);
        CHECK_EQ(rc == 1 ? ftc_int_value(v) : -1, final_value[id]);
        present += rc == 1;
        ftc_xdecref(v);
        ftc_decref(k);
    }
    CHECK_EQ(ftc_dict_len(dict), present);
    printf("eq calls %ld, FTC_ECHANGED %ld\n", eq_calls, echanged);
    CHECK(echanged * 100 < rounds * NTHREADS);
    ftc_decref(dict);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
