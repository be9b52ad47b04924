/* Differential fuzz harness: random operation sequences on a dict and a list, checked against
 * a simple reference model after every operation.
 *
 * The input is a byte stream; each operation takes an opcode byte and a few argument bytes
 * (missing bytes read as 0). The dict's keys come from a small universe so that operations
 * collide: built-in ints, built-in strs, and objects of a user type ("val") whose hash callback
 * maps many numbers to one hash (collisions force the eq callback). A key is passed either as
 * the very object stored earlier (identity path) or as a fresh equal object (compare path).
 * The model is an insertion-ordered array of (key kind, key number, value number) for the dict
 * and an array of numbers for the list. Every value is a "val" object counting its live
 * instances: after each input every container and object is released and the count must be 0
 * (every object freed exactly once, nothing leaked; ASan checks the memory itself).
 *
 * Allocation failures: an opcode bit arms ftc_fault_alloc_fail_after(n) for the next
 * operation; when the operation then fails with FTC_ENOMEM the containers must still equal the
 * model (nothing changed).
 *
 * Built by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address (LLVMFuzzerTestOneInput) and
 * replayed over the committed corpus by replay.c in the normal test run.
 */
#include <ftcore/ftcore.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NKEYS 24
#define MAXN 512

#define FZ_CHECK(cond)                                                                       \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            fprintf(stderr, "fuzz: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                         \
        }                                                                                    \
    } while (0)

/* ---- the "val" user type: a number, hash = number % 5, eq by number ---- */
typedef struct {
    FTC_OBJECT_HEAD;
    int64_t n;
} val_obj;

static int64_t val_live;
static const ftc_type val_type;

static void val_dealloc(ftc_object *self)
{
    (void)self;
    val_live--;
}
static int val_hash(ftc_object *self, uint64_t *out)
{
    *out = (uint64_t)(((val_obj *)self)->n % 5);
    return 0;
}
static int val_eq(ftc_object *self, ftc_object *other)
{
    if (ftc_type_of(other) != &val_type)
        return 0;
    return ((val_obj *)self)->n == ((val_obj *)other)->n;
}
static const ftc_type val_type = {
    .name = "fuzz.val",
    .basicsize = sizeof(val_obj),
    .dealloc = val_dealloc,
    .hash = val_hash,
    .eq = val_eq,
};

static ftc_object *val_new(int64_t n)
{
    ftc_object *o = ftc_object_new(&val_type);
    FZ_CHECK(o != NULL);
    ((val_obj *)o)->n = n;
    val_live++;
    return o;
}
static int64_t val_of(ftc_object *o)
{
    FZ_CHECK(o != NULL && ftc_type_of(o) == &val_type);
    return ((val_obj *)o)->n;
}

/* ---- input ---- */
typedef struct {
    const uint8_t *p;
    size_t n;
} input;

static uint8_t take(input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

/* ---- keys: kind 0 int, 1 str, 2 val; number 0..NKEYS-1 ---- */
typedef struct {
    int kind, num;
} keyd;

static ftc_object *key_cache[3][NKEYS];

static ftc_object *key_make(keyd k)
{
    char buf[16];
    ftc_object *o;
    switch (k.kind) {
    case 0: o = ftc_int_new(k.num * 1000003LL - 7); break;
    case 1:
        snprintf(buf, sizeof buf, "key%d", k.num);
        o = ftc_str_new(buf, strlen(buf));
        break;
    default: return val_new(k.num);
    }
    FZ_CHECK(o != NULL);
    return o;
}

/* A new reference to a key object: the cached one (identity) or a fresh equal one. */
static ftc_object *key_get(input *in, keyd *kd)
{
    uint8_t b = take(in);
    kd->kind = b % 3;
    kd->num = (b / 3) % NKEYS;
    if (take(in) & 1) {
        ftc_object **slot = &key_cache[kd->kind][kd->num];
        if (*slot == NULL)
            *slot = key_make(*kd);
        ftc_incref(*slot);
        return *slot;
    }
    return key_make(*kd);
}

/* ---- the model ---- */
typedef struct {
    keyd k;
    int64_t v;
} mentry;
static mentry mdict[3 * NKEYS];
static int mdict_n;
static int64_t mlist[MAXN];
static int mlist_n;

static int mdict_find(keyd k)
{
    for (int j = 0; j < mdict_n; j++)
        if (mdict[j].k.kind == k.kind && mdict[j].k.num == k.num)
            return j;
    return -1;
}
static void mdict_remove(int j)
{
    memmove(&mdict[j], &mdict[j + 1], (size_t)(mdict_n - j - 1) * sizeof(mentry));
    mdict_n--;
}

/* The whole dict against the model: len, iteration order, and the three views. */
static void check_dict(ftc_object *d)
{
    FZ_CHECK(ftc_dict_len(d) == mdict_n);
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int j = 0, rc;
    while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) {
        FZ_CHECK(j < mdict_n);
        FZ_CHECK(val_of(v) == mdict[j].v);
        /* The key must find the model's key at this position. */
        ftc_object *mk = key_make(mdict[j].k);
        FZ_CHECK(ftc_type_of(k) == ftc_type_of(mk));
        ftc_object *tmp = ftc_dict_new();
        FZ_CHECK(tmp != NULL);
        FZ_CHECK(ftc_dict_set(tmp, k, v) == 0);
        FZ_CHECK(ftc_dict_contains(tmp, mk) == 1);
        ftc_decref(tmp);
        ftc_decref(mk);
        ftc_decref(k);
        ftc_decref(v);
        j++;
    }
    FZ_CHECK(rc == 0);
    FZ_CHECK(j == mdict_n);
    ftc_object *vals = ftc_dict_values(d), *keys = ftc_dict_keys(d), *items = ftc_dict_items(d);
    FZ_CHECK(vals && keys && items);
    FZ_CHECK(ftc_list_len(vals) == mdict_n && ftc_list_len(keys) == mdict_n &&
             ftc_list_len(items) == mdict_n);
    for (int m = 0; m < mdict_n; m++) {
        ftc_object *x, *pair, *pk, *pv;
        FZ_CHECK(ftc_list_get_ref(vals, m, &x) == 0);
        FZ_CHECK(val_of(x) == mdict[m].v);
        FZ_CHECK(ftc_list_get_ref(items, m, &pair) == 0);
        FZ_CHECK(ftc_list_len(pair) == 2);
        FZ_CHECK(ftc_list_get_ref(pair, 0, &pk) == 0 && ftc_list_get_ref(pair, 1, &pv) == 0);
        FZ_CHECK(pv == x);
        ftc_object *kk;
        FZ_CHECK(ftc_list_get_ref(keys, m, &kk) == 0);
        FZ_CHECK(kk == pk);
        ftc_decref(kk);
        ftc_decref(pk);
        ftc_decref(pv);
        ftc_decref(pair);
        ftc_decref(x);
    }
    ftc_decref(vals);
    ftc_decref(keys);
    ftc_decref(items);
}

static void check_list(ftc_object *l)
{
    FZ_CHECK(ftc_list_len(l) == mlist_n);
    for (int j = 0; j < mlist_n; j++) {
        ftc_object *x;
        FZ_CHECK(ftc_list_get_ref(l, j, &x) == 0);
        FZ_CHECK(val_of(x) == mlist[j]);
        ftc_decref(x);
    }
    ftc_object *x = (ftc_object *)1;
    FZ_CHECK(ftc_list_get_ref(l, mlist_n, &x) == FTC_EINDEX && x == NULL);
    FZ_CHECK(ftc_list_get_ref(l, -(int64_t)mlist_n - 1, &x) == FTC_EINDEX);
}

/* Python's index normalization for an existing item; -1 when out of range. */
static int norm(int i, int n)
{
    if (i < 0)
        i += n;
    return (i < 0 || i >= n) ? -1 : i;
}

static int sort_less(ftc_object *a, ftc_object *b, void *arg)
{
    (void)arg;
    return (val_of(a) >> 2) < (val_of(b) >> 2);
}

static void model_sort(int reverse)
{
    for (int j = 1; j < mlist_n; j++) {
        int64_t x = mlist[j];
        int k = j;
        while (k > 0 &&
               (reverse ? (mlist[k - 1] >> 2) < (x >> 2) : (x >> 2) < (mlist[k - 1] >> 2))) {
            mlist[k] = mlist[k - 1];
            k--;
        }
        mlist[k] = x;
    }
}

static int64_t next_value;

/* Arms the allocation failure right before the call under test (arguments already made). */
#define ARM() ((void)(fault_n ? ftc_fault_alloc_fail_after(fault_n) : 0))
#define DISARM() ((void)ftc_fault_alloc_fail_after(0))

static void run(input *in)
{
    ftc_object *d = ftc_dict_new(), *l = ftc_list_new();
    FZ_CHECK(d && l);
    mdict_n = mlist_n = 0;
    int ops = 0;
    while (in->n > 0 && ops++ < 400) {
        uint8_t op = take(in);
        int faulty = (op & 0x80) != 0;
        op &= 0x7f;
        uint64_t fault_n = faulty ? 1 + take(in) % 4 : 0;
        int rc;
        keyd kd;
        ftc_object *k, *v, *out;
        int64_t nv = next_value++;
        switch (op % 24) {
        case 0: /* set */
            k = key_get(in, &kd);
            v = val_new(nv);
            ARM();
            rc = ftc_dict_set(d, k, v);
            DISARM();
            if (rc == 0) {
                int j = mdict_find(kd);
                if (j >= 0) {
                    mdict[j].v = nv;
                } else {
                    mdict[mdict_n].k = kd;
                    mdict[mdict_n++].v = nv;
                }
            } else {
                FZ_CHECK(faulty && rc == FTC_ENOMEM);
            }
            ftc_decref(k);
            ftc_decref(v);
            break;
        case 1: /* get */
            k = key_get(in, &kd);
            rc = ftc_dict_get_ref(d, k, &out);
            if (mdict_find(kd) >= 0) {
                FZ_CHECK(rc == 1 && val_of(out) == mdict[mdict_find(kd)].v);
                ftc_decref(out);
            } else {
                FZ_CHECK(rc == 0 && out == NULL);
            }
            ftc_decref(k);
            break;
        case 2: /* del */
            k = key_get(in, &kd);
            rc = ftc_dict_del(d, k);
            if (mdict_find(kd) >= 0) {
                FZ_CHECK(rc == 0);
                mdict_remove(mdict_find(kd));
            } else {
                FZ_CHECK(rc == FTC_EKEY);
            }
            ftc_decref(k);
            break;
        case 3: /* pop */
            k = key_get(in, &kd);
            rc = ftc_dict_pop(d, k, &out);
            if (mdict_find(kd) >= 0) {
                FZ_CHECK(rc == 1 && val_of(out) == mdict[mdict_find(kd)].v);
                ftc_decref(out);
                mdict_remove(mdict_find(kd));
            } else {
                FZ_CHECK(rc == 0 && out == NULL);
            }
            ftc_decref(k);
            break;
        case 4: /* setdefault */
            k = key_get(in, &kd);
            v = val_new(nv);
            ARM();
            rc = ftc_dict_setdefault_ref(d, k, v, &out);
            DISARM();
            if (mdict_find(kd) >= 0) {
                FZ_CHECK(rc == 1 && val_of(out) == mdict[mdict_find(kd)].v);
                ftc_decref(out);
            } else if (rc == 0) {
                FZ_CHECK(out == v);
                ftc_decref(out);
                mdict[mdict_n].k = kd;
                mdict[mdict_n++].v = nv;
            } else {
                FZ_CHECK(faulty && rc == FTC_ENOMEM && out == NULL);
            }
            ftc_decref(k);
            ftc_decref(v);
            break;
        case 5: /* contains */
            k = key_get(in, &kd);
            FZ_CHECK(ftc_dict_contains(d, k) == (mdict_find(kd) >= 0));
            ftc_decref(k);
            break;
        case 6: check_dict(d); break;
        case 7: /* clear, rarely */
            if (take(in) % 8 == 0) {
                FZ_CHECK(ftc_dict_clear(d) == 0);
                mdict_n = 0;
            }
            break;
        case 8: { /* copy, and sometimes continue with the copy */
            ARM();
            ftc_object *c = ftc_dict_copy(d);
            DISARM();
            if (c == NULL) {
                FZ_CHECK(faulty && ftc_last_error() == FTC_ENOMEM);
                break;
            }
            if (take(in) & 1) {
                ftc_decref(d);
                d = c;
            } else {
                ftc_decref(c);
            }
            break;
        }
        case 9: { /* iteration with a mutation in the middle */
            ftc_dict_pos pos = FTC_DICT_POS_INIT;
            if (ftc_dict_next(d, &pos, &k, NULL) == 1) {
                uint8_t how = take(in) % 3;
                v = val_new(nv);
                if (how == 0) { /* overwrite: allowed */
                    FZ_CHECK(ftc_dict_set(d, k, v) == 0);
                    mdict[0].v = nv; /* the first item is the model's first */
                    FZ_CHECK(ftc_dict_next(d, &pos, NULL, NULL) >= 0);
                } else if (how == 1) { /* delete: changed */
                    FZ_CHECK(ftc_dict_del(d, k) == 0);
                    mdict_remove(0);
                    FZ_CHECK(ftc_dict_next(d, &pos, NULL, NULL) == FTC_ECHANGED);
                }
                ftc_decref(v);
                ftc_decref(k);
            }
            break;
        }
        case 10: /* append */
            v = val_new(nv);
            ARM();
            rc = ftc_list_append(l, v);
            DISARM();
            if (rc == 0 && mlist_n < MAXN) {
                mlist[mlist_n++] = nv;
            } else if (rc == 0) {
                FZ_CHECK(ftc_list_pop(l, -1, NULL) == 0);
            } else {
                FZ_CHECK(faulty && rc == FTC_ENOMEM);
            }
            ftc_decref(v);
            break;
        case 11: { /* insert */
            int i = (int8_t)take(in);
            v = val_new(nv);
            if (mlist_n < MAXN) {
                ARM();
                rc = ftc_list_insert(l, i, v);
                DISARM();
                if (rc == 0) {
                    int j = i < 0 ? i + mlist_n : i;
                    j = j < 0 ? 0 : j > mlist_n ? mlist_n : j;
                    memmove(&mlist[j + 1], &mlist[j], (size_t)(mlist_n - j) * sizeof(int64_t));
                    mlist[j] = nv;
                    mlist_n++;
                } else {
                    FZ_CHECK(faulty && rc == FTC_ENOMEM);
                }
            }
            ftc_decref(v);
            break;
        }
        case 12: { /* get */
            int i = (int8_t)take(in), j = norm(i, mlist_n);
            rc = ftc_list_get_ref(l, i, &out);
            if (j < 0) {
                FZ_CHECK(rc == FTC_EINDEX && out == NULL);
            } else {
                FZ_CHECK(rc == 0 && val_of(out) == mlist[j]);
                ftc_decref(out);
            }
            break;
        }
        case 13: { /* set */
            int i = (int8_t)take(in), j = norm(i, mlist_n);
            v = val_new(nv);
            rc = ftc_list_set(l, i, v);
            if (j < 0) {
                FZ_CHECK(rc == FTC_EINDEX);
            } else {
                FZ_CHECK(rc == 0);
                mlist[j] = nv;
            }
            ftc_decref(v);
            break;
        }
        case 14:
        case 15: { /* pop / del */
            int i = (int8_t)take(in), j = norm(i, mlist_n);
            out = NULL;
            rc = op % 24 == 14 ? ftc_list_pop(l, i, &out) : ftc_list_del(l, i);
            if (j < 0) {
                FZ_CHECK(rc == FTC_EINDEX && out == NULL);
            } else {
                FZ_CHECK(rc == 0);
                if (op % 24 == 14) {
                    FZ_CHECK(val_of(out) == mlist[j]);
                    ftc_decref(out);
                }
                memmove(&mlist[j], &mlist[j + 1], (size_t)(mlist_n - j - 1) * sizeof(int64_t));
                mlist_n--;
            }
            break;
        }
        case 16: { /* extend by itself or by a slice of itself */
            if (mlist_n * 2 > MAXN)
                break;
            int self = take(in) & 1;
            ftc_object *src = self ? l : ftc_list_slice(l, 0, mlist_n / 2);
            if (src == NULL) {
                FZ_CHECK(faulty && ftc_last_error() == FTC_ENOMEM);
                break;
            }
            int m = self ? mlist_n : mlist_n / 2;
            ARM();
            rc = ftc_list_extend(l, src);
            DISARM();
            if (rc == 0) {
                memcpy(&mlist[mlist_n], mlist, (size_t)m * sizeof(int64_t));
                mlist_n += m;
            } else {
                FZ_CHECK(faulty && rc == FTC_ENOMEM);
            }
            if (!self)
                ftc_decref(src);
            break;
        }
        case 17: { /* slice */
            int a = (int8_t)take(in) % 40, b = (int8_t)take(in) % 40;
            ARM();
            ftc_object *s = ftc_list_slice(l, a, b);
            DISARM();
            if (s == NULL) {
                FZ_CHECK(faulty && ftc_last_error() == FTC_ENOMEM);
                break;
            }
            int lo = a < 0 ? (a + mlist_n < 0 ? 0 : a + mlist_n) : (a > mlist_n ? mlist_n : a);
            int hi = b < 0 ? (b + mlist_n < 0 ? 0 : b + mlist_n) : (b > mlist_n ? mlist_n : b);
            int m = hi > lo ? hi - lo : 0;
            FZ_CHECK(ftc_list_len(s) == m);
            for (int t = 0; t < m; t++) {
                FZ_CHECK(ftc_list_get_ref(s, t, &out) == 0 && val_of(out) == mlist[lo + t]);
                ftc_decref(out);
            }
            ftc_decref(s);
            break;
        }
        case 18: { /* index / contains of an equal fresh object */
            int64_t target = mlist_n && (take(in) & 1) ? mlist[take(in) % mlist_n] : -1;
            v = val_new(target);
            int64_t want = FTC_EKEY;
            for (int j = 0; j < mlist_n; j++)
                if (mlist[j] == target) {
                    want = j;
                    break;
                }
            FZ_CHECK(ftc_list_index(l, v) == want);
            FZ_CHECK(ftc_list_contains(l, v) == (want >= 0));
            ftc_decref(v);
            break;
        }
        case 19:
            FZ_CHECK(ftc_list_reverse(l) == 0);
            for (int lo = 0, hi = mlist_n - 1; lo < hi; lo++, hi--) {
                int64_t t = mlist[lo];
                mlist[lo] = mlist[hi];
                mlist[hi] = t;
            }
            break;
        case 20: { /* sort, stable, by number >> 2; or the built-in order (vals: FTC_ETYPE) */
            uint8_t how = take(in);
            if (how & 1) {
                ARM();
                rc = ftc_list_sort(l, sort_less, NULL, (how >> 1) & 1);
                DISARM();
                if (rc == 0)
                    model_sort((how >> 1) & 1);
                else
                    FZ_CHECK(faulty && rc == FTC_ENOMEM);
            } else {
                ARM();
                rc = ftc_list_sort(l, NULL, NULL, 0);
                DISARM();
                FZ_CHECK(mlist_n < 2 ? rc == 0 : (rc == FTC_ETYPE || (faulty && rc == FTC_ENOMEM)));
            }
            break;
        }
        case 21:
            if (take(in) % 4 == 0) {
                FZ_CHECK(ftc_list_clear(l) == 0);
                mlist_n = 0;
            }
            break;
        case 22: { /* copy, and sometimes continue with the copy */
            ARM();
            ftc_object *c = ftc_list_copy(l);
            DISARM();
            if (c == NULL) {
                FZ_CHECK(faulty && ftc_last_error() == FTC_ENOMEM);
                break;
            }
            if (take(in) & 1) {
                ftc_decref(l);
                l = c;
            } else {
                ftc_decref(c);
            }
            break;
        }
        default: check_list(l); break;
        }
    }
    check_dict(d);
    check_list(l);
    ftc_decref(d);
    ftc_decref(l);
    for (int kind = 0; kind < 3; kind++)
        for (int j = 0; j < NKEYS; j++) {
            ftc_xdecref(key_cache[kind][j]);
            key_cache[kind][j] = NULL;
        }
    FZ_CHECK(val_live == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    if (!initialized) {
        FZ_CHECK(ftc_runtime_init(NULL) == 0);
        initialized = 1;
    }
    input in = {data, size};
    run(&in);
    /* Let the deferred frees of this input happen now (this is the only thread, so one
     * quiescent state ends the grace period): each input then frees what it allocated, and
     * libFuzzer's leak check does not have to scan the heap after every input. */
    ftc_qsbr_quiescent();
    ftc_qsbr_quiescent();
    return 0;
}
