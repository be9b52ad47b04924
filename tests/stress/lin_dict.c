/* Linearizability of the dict: thousands of short concurrent histories (two threads, four
 * operations each, two keys, every written value unique) of set, get, contains, del, pop,
 * setdefault, len, update, copy, keys, values and items on one dict, each checked against a
 * sequential model (lin_common.h). Keys are passed as fresh equal objects (ints in some
 * histories, strs in others), so reads take the lock-free compare path in the nogil build;
 * values are heap ints. update sets one or both test keys from a private dict of fresh keys
 * in one call; copy, keys, values and items record a fingerprint of what they returned (an
 * order-free sum over its items plus its length) that must be the fingerprint of one model
 * state: a snapshot that mixed two states (one key's old value with another's new one, or a
 * key half inserted) matches none. ftc_dict_next is atomic only per step, which
 * stress/dict_snapshots.c checks. */
#include "lin_common.h"

enum {
    D_SET,
    D_GET,
    D_CONTAINS,
    D_DEL,
    D_POP,
    D_SETDEFAULT,
    D_LEN,
    D_UPDATE,
    D_COPY,
    D_KEYS,
    D_VALUES,
    D_ITEMS,
    D_NKINDS
};
static const char *const names[] = {"set", "get",    "contains", "del",  "pop",    "setdefault",
                                    "len", "update", "copy",     "keys", "values", "items"};
enum { NKEYS = 2, NFILLERS = 3 };
static int str_keys;

static ftc_object *key(int64_t k)
{
    if (!str_keys)
        return ftc_int_new(5000000 + k);
    char buf[16];
    int n = snprintf(buf, sizeof buf, "k%lld", (long long)k);
    return ftc_str_new(buf, (size_t)n);
}

static int64_t number(ftc_object *v) { return v ? ftc_int_value(v) : -1; }

static void lin_touch(ftc_object *c) { CHECK(ftc_dict_len(c) >= 0); }

/* ---- snapshot fingerprints ----
 * A key's number: a filler's int value, 5000000 + j for test key j (int or str "kj"). The
 * fingerprint of a set of (key, value) pairs is the sum of a mix of each pair plus its size
 * times a constant; keys alone and values alone use NONE for the other half. */
#define NONE INT64_MIN
enum { FINGERPRINT_LEN = 0x5bd1e995 };

static int64_t key_number(ftc_object *k)
{
    if (ftc_int_check(k))
        return ftc_int_value(k);
    CHECK(ftc_str_check(k) && ftc_str_data(k)[0] == 'k');
    return 5000000 + atoll(ftc_str_data(k) + 1);
}

static uint64_t mix(int64_t k, int64_t v)
{
    uint64_t x = (uint64_t)k * UINT64_C(0x9E3779B97F4A7C15) ^
                 ((uint64_t)v + UINT64_C(0x632BE59BD9B4E019)) * UINT64_C(0xC2B2AE3D27D4EB4F);
    x ^= x >> 29;
    x *= UINT64_C(0xBF58476D1CE4E5B9);
    return x ^ (x >> 32);
}

/* Masked to 62 bits: never -1 (the "no result" mark) nor negative. */
static int64_t finish(uint64_t sum, int64_t n)
{
    return (int64_t)((sum + (uint64_t)n * FINGERPRINT_LEN) & (UINT64_MAX >> 2));
}

/* The model's fingerprint: the fillers (value = key) and the present test keys. want_k and
 * want_v say which halves count. */
static int64_t model_fingerprint(const lin_state *s, bool want_k, bool want_v)
{
    uint64_t sum = 0;
    int64_t n = 0;
    for (int j = 0; j < NFILLERS; j++, n++)
        sum += mix(want_k ? -100 - j : NONE, want_v ? -100 - j : NONE);
    for (int j = 0; j < NKEYS; j++)
        if (s->item[j] >= 0) {
            sum += mix(want_k ? 5000000 + j : NONE, want_v ? s->item[j] : NONE);
            n++;
        }
    return finish(sum, n);
}

/* The fingerprint of a private dict (the copy), read by iteration. */
static int64_t dict_fingerprint(ftc_object *d)
{
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    uint64_t sum = 0;
    int64_t n = 0;
    int rc;
    while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) {
        sum += mix(key_number(k), ftc_int_value(v));
        n++;
        ftc_decref(k);
        ftc_decref(v);
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(n, ftc_dict_len(d));
    return finish(sum, n);
}

/* The fingerprint of a list of keys (want_v false), of values (want_k false) or of [key,
 * value] pairs (both). */
static int64_t list_fingerprint(ftc_object *l, bool want_k, bool want_v)
{
    int64_t n = ftc_list_len(l);
    uint64_t sum = 0;
    for (int64_t i = 0; i < n; i++) {
        ftc_object *x = NULL;
        CHECK_EQ(ftc_list_get_ref(l, i, &x), 0);
        if (want_k && want_v) {
            ftc_object *k = NULL, *v = NULL;
            CHECK_EQ(ftc_list_len(x), 2);
            CHECK_EQ(ftc_list_get_ref(x, 0, &k), 0);
            CHECK_EQ(ftc_list_get_ref(x, 1, &v), 0);
            sum += mix(key_number(k), ftc_int_value(v));
            ftc_decref(k);
            ftc_decref(v);
        } else {
            sum += want_k ? mix(key_number(x), NONE) : mix(NONE, ftc_int_value(x));
        }
        ftc_decref(x);
    }
    return finish(sum, n);
}

/* update's argument: a private dict of fresh keys, test key a (a < NKEYS) or both (a ==
 * NKEYS), the values b and b + 100 (unique: b is 1000000 + the op's index, below 100). */
static ftc_object *update_source(const lin_op *op)
{
    ftc_object *o = ftc_dict_new();
    CHECK(o != NULL);
    for (int j = 0; j < NKEYS; j++) {
        if (op->a != NKEYS && op->a != j)
            continue;
        ftc_object *k = key(j), *v = ftc_int_new(op->b + 100 * j);
        CHECK(k && v);
        CHECK_EQ(ftc_dict_set(o, k, v), 0);
        ftc_decref(k);
        ftc_decref(v);
    }
    return o;
}

/* Runs a snapshot or update op; false if op is of another kind. */
static bool run_many(ftc_object *d, lin_op *op)
{
    ftc_object *r = NULL;
    switch (op->kind) {
    case D_UPDATE:
        r = update_source(op);
        op->rc = ftc_dict_update(d, r);
        break;
    case D_COPY:
        r = ftc_dict_copy(d);
        op->rc = r ? 0 : ftc_last_error();
        if (r)
            op->out = dict_fingerprint(r);
        break;
    case D_KEYS:
    case D_VALUES:
    case D_ITEMS:
        r = op->kind == D_KEYS     ? ftc_dict_keys(d)
            : op->kind == D_VALUES ? ftc_dict_values(d)
                                   : ftc_dict_items(d);
        op->rc = r ? 0 : ftc_last_error();
        if (r)
            op->out = list_fingerprint(r, op->kind != D_VALUES, op->kind != D_KEYS);
        break;
    default: return false;
    }
    ftc_xdecref(r);
    return true;
}

static void lin_run(ftc_object *d, lin_op *op)
{
    if (run_many(d, op))
        return;
    ftc_object *k = key(op->a), *v = NULL, *out = NULL;
    CHECK(k != NULL);
    switch (op->kind) {
    case D_SET:
        v = ftc_int_new(op->b);
        op->rc = ftc_dict_set(d, k, v);
        break;
    case D_GET:
        if (op->b & 1) {
            /* Every other get borrows: its value is read before this thread's next quiescent
             * point, which is what the borrowed form guarantees; nothing to release. */
            ftc_object *b = NULL;
            op->rc = ftc_dict_get_borrowed(d, k, &b);
            op->out = number(b);
            ftc_decref(k);
            return;
        }
        op->rc = ftc_dict_get_ref(d, k, &out);
        break;
    case D_CONTAINS: op->rc = ftc_dict_contains(d, k); break;
    case D_DEL: op->rc = ftc_dict_del(d, k); break;
    case D_POP: op->rc = ftc_dict_pop(d, k, &out); break;
    case D_SETDEFAULT:
        v = ftc_int_new(op->b);
        op->rc = ftc_dict_setdefault_ref(d, k, v, &out);
        break;
    default: op->rc = ftc_dict_len(d); break;
    }
    op->out = number(out);
    ftc_xdecref(out);
    ftc_xdecref(v);
    ftc_decref(k);
}

static bool lin_apply(lin_state *s, const lin_op *op)
{
    int64_t *slot = &s->item[op->a];
    switch (op->kind) {
    case D_UPDATE:
        for (int j = 0; j < NKEYS; j++)
            if (op->a == NKEYS || op->a == j)
                s->item[j] = op->b + 100 * j;
        return op->rc == 0;
    case D_COPY:
    case D_ITEMS: return op->rc == 0 && op->out == model_fingerprint(s, true, true);
    case D_KEYS: return op->rc == 0 && op->out == model_fingerprint(s, true, false);
    case D_VALUES: return op->rc == 0 && op->out == model_fingerprint(s, false, true);
    case D_SET: *slot = op->b; return op->rc == 0;
    case D_GET:
        return *slot < 0 ? (op->rc == 0 && op->out == -1) : (op->rc == 1 && op->out == *slot);
    case D_CONTAINS: return op->rc == (*slot >= 0);
    case D_DEL:
        if (*slot < 0)
            return op->rc == FTC_EKEY;
        *slot = -1;
        return op->rc == 0;
    case D_POP:
        if (*slot < 0)
            return op->rc == 0 && op->out == -1;
        if (op->rc != 1 || op->out != *slot)
            return false;
        *slot = -1;
        return true;
    case D_SETDEFAULT:
        if (*slot >= 0)
            return op->rc == 1 && op->out == *slot;
        *slot = op->b;
        return op->rc == 0 && op->out == op->b;
    default: {
        int64_t n = NFILLERS;
        for (int j = 0; j < NKEYS; j++)
            n += s->item[j] >= 0;
        return op->rc == n;
    }
    }
}

static ftc_object *make(lin_state *init, uint64_t *seed)
{
    str_keys = (int)(ftc_check_rand(seed) & 1);
    ftc_object *d = ftc_dict_new();
    CHECK(d != NULL);
    /* Some filler keys so that the table is not trivially small, and a random initial state
     * of the two test keys. */
    for (int j = 0; j < NFILLERS; j++) {
        ftc_object *f = ftc_int_new(-100 - j);
        CHECK_EQ(ftc_dict_set(d, f, f), 0);
        ftc_decref(f);
    }
    for (int j = 0; j < NKEYS; j++) {
        init->item[j] = -1;
        if (ftc_check_rand(seed) & 1) {
            ftc_object *k = key(j), *v = ftc_int_new(900000 + j);
            CHECK_EQ(ftc_dict_set(d, k, v), 0);
            init->item[j] = 900000 + j;
            ftc_decref(k);
            ftc_decref(v);
        }
    }
    init->n = NKEYS;
    for (int i = 0; i < LIN_TOTAL; i++) {
        uint64_t r = ftc_check_rand(seed);
        lin_ops[i].kind = (int)(r % D_NKINDS);
        lin_ops[i].a = (int64_t)((r >> 8) % NKEYS);
        if (lin_ops[i].kind == D_UPDATE)
            lin_ops[i].a = (int64_t)((r >> 8) % (NKEYS + 1)); /* NKEYS: both keys */
        lin_ops[i].b = 1000000 + i;                           /* unique per operation */
    }
    return d;
}

FTC_TEST(dict_histories_linearizable) { lin_test("dict", make, names); }
