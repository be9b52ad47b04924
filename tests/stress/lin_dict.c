/* Linearizability of the dict: thousands of short concurrent histories (two threads, four
 * operations each, two keys, every written value unique) of set, get, contains, del, pop,
 * setdefault and len on one dict, each checked against a sequential model (lin_common.h).
 * Keys are passed as fresh equal objects (ints in some histories, strs in others), so reads
 * take the lock-free compare path in the nogil build; values are heap ints. */
#include "lin_common.h"

enum { D_SET, D_GET, D_CONTAINS, D_DEL, D_POP, D_SETDEFAULT, D_LEN, D_NKINDS };
static const char *const names[] = {"set", "get", "contains", "del", "pop", "setdefault", "len"};
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

static int64_t number(ftc_object *v)
{
    return v ? ftc_int_value(v) : -1;
}

static void lin_touch(ftc_object *c) { CHECK(ftc_dict_len(c) >= 0); }

static void lin_run(ftc_object *d, lin_op *op)
{
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
    case D_CONTAINS:
        op->rc = ftc_dict_contains(d, k);
        break;
    case D_DEL:
        op->rc = ftc_dict_del(d, k);
        break;
    case D_POP:
        op->rc = ftc_dict_pop(d, k, &out);
        break;
    case D_SETDEFAULT:
        v = ftc_int_new(op->b);
        op->rc = ftc_dict_setdefault_ref(d, k, v, &out);
        break;
    default:
        op->rc = ftc_dict_len(d);
        break;
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
    case D_SET:
        *slot = op->b;
        return op->rc == 0;
    case D_GET:
        return *slot < 0 ? (op->rc == 0 && op->out == -1) : (op->rc == 1 && op->out == *slot);
    case D_CONTAINS:
        return op->rc == (*slot >= 0);
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
        lin_ops[i].b = 1000000 + i; /* unique per operation */
    }
    return d;
}

FTC_TEST(dict_histories_linearizable)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    long histories = ftc_check_scaled(10000), ran;
#ifdef FTC_GIL_DISABLED
    long want = ftc_check_scaled(200);
#else
    long want = 0; /* the GIL serializes the operations */
#endif
    long overlapped = lin_run_all(histories, want, 15.0, make, names, &ran);
    printf("dict: %ld histories linearizable, %ld with overlapping operations\n", ran,
           overlapped);
#ifdef FTC_GIL_DISABLED
    CHECK(overlapped > 0);
#endif
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
