/* Dict: every operation and every error path, in both builds. Keys of the built-in types and
 * of a user type ("uobj") whose hash and eq can be told to fail or to run a hook that mutates
 * the dict being read; fault-injection walks over every allocation of set, setdefault, copy,
 * update and the views (clean error, dict unchanged, no leak). Leaks are checked with the
 * object layer's live count: each test ends with as many live objects as it began with. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include "unit_objects.h"
#include <string.h>

#include <ftcore/ftcore.h>

/* ---- a user type: value n; hash = n % hash_mod; eq by n; failures and hooks on demand ---- */
typedef struct {
    FTC_OBJECT_HEAD;
    int64_t n;
    int fail_hash; /* hash returns this code when non-zero */
    int fail_eq;   /* eq returns this code when non-zero */
} uobj;

static int64_t hash_mod = 1000003;
static int eq_calls;
static void (*eq_hook)(ftc_object *self, ftc_object *other);
static int uobj_deallocs;

static void uobj_dealloc(ftc_object *self)
{
    (void)self;
    uobj_deallocs++;
}
static int uobj_hash(ftc_object *self, uint64_t *out)
{
    uobj *u = (uobj *)self;
    if (u->fail_hash)
        return u->fail_hash;
    *out = (uint64_t)(u->n % hash_mod);
    return 0;
}
static const ftc_type uobj_type;
static int uobj_eq(ftc_object *self, ftc_object *other)
{
    eq_calls++;
    if (eq_hook != NULL)
        eq_hook(self, other);
    uobj *u = (uobj *)self;
    if (u->fail_eq)
        return u->fail_eq;
    if (ftc_type_of(other) != &uobj_type)
        return 0;
    if (((uobj *)other)->fail_eq)
        return ((uobj *)other)->fail_eq;
    return u->n == ((uobj *)other)->n;
}
static const ftc_type uobj_type = {"uobj",  sizeof(uobj), uobj_dealloc, uobj_hash,
                                   uobj_eq, NULL,         NULL};
static const ftc_type unhashable_type = {"unhashable", sizeof(uobj), NULL, NULL, NULL, NULL, NULL};

static ftc_object *U(int64_t n)
{
    ftc_object *o = ftc_object_new(&uobj_type);
    cr_assert_not_null(o);
    ((uobj *)o)->n = n;
    return o;
}
static ftc_object *S(const char *s)
{
    ftc_object *o = ftc_str_new(s, strlen(s));
    cr_assert_not_null(o);
    return o;
}

static int64_t live_at_start;

static void setup(void)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    hash_mod = 1000003;
    eq_calls = 0;
    eq_hook = NULL;
    live_at_start = ftc_object_live_count();
}
static void teardown(void)
{
    FTC_FINI_CHECK(ftc_object_live_count() == live_at_start, "leaked %lld objects",
                   (long long)(ftc_object_live_count() - live_at_start));
    FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed");
}

TestSuite(dict, .init = setup, .fini = teardown);

Test(dict, new_is_empty)
{
    ftc_object *d = ftc_dict_new();
    cr_assert_not_null(d);
    cr_assert(ftc_dict_check(d));
    cr_assert_eq(ftc_type_of(d), &ftc_dict_type);
    cr_assert_eq(ftc_dict_len(d), 0);
    ftc_object *k = I(1), *v = (ftc_object *)1;
    cr_assert_eq(ftc_dict_get_ref(d, k, &v), 0);
    cr_assert_null(v);
    cr_assert_eq(ftc_dict_contains(d, k), 0);
    cr_assert_eq(ftc_dict_del(d, k), FTC_EKEY);
    ftc_decref(k);
    ftc_decref(d);
}

Test(dict, wrong_type_and_null_arguments)
{
    ftc_object *l = ftc_list_new(), *d = ftc_dict_new(), *k = I(5), *v = NULL;
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    cr_assert(!ftc_dict_check(l));
    cr_assert(!ftc_dict_check(NULL));
    cr_assert_eq(ftc_dict_set(l, k, k), FTC_ETYPE);
    cr_assert_eq(ftc_dict_get_ref(l, k, &v), FTC_ETYPE);
    cr_assert_eq(ftc_dict_contains(l, k), FTC_ETYPE);
    cr_assert_eq(ftc_dict_del(l, k), FTC_ETYPE);
    cr_assert_eq(ftc_dict_pop(l, k, &v), FTC_ETYPE);
    cr_assert_eq(ftc_dict_setdefault_ref(l, k, k, &v), FTC_ETYPE);
    cr_assert_eq(ftc_dict_len(l), FTC_ETYPE);
    cr_assert_eq(ftc_dict_clear(l), FTC_ETYPE);
    cr_assert_null(ftc_dict_copy(l));
    cr_assert_eq(ftc_last_error(), FTC_ETYPE);
    cr_assert_eq(ftc_dict_update(l, d), FTC_ETYPE);
    cr_assert_eq(ftc_dict_update(d, l), FTC_ETYPE);
    cr_assert_eq(ftc_dict_next(l, &pos, NULL, NULL), FTC_ETYPE);
    cr_assert_null(ftc_dict_keys(l));
    cr_assert_null(ftc_dict_values(k));
    cr_assert_null(ftc_dict_items(k));
    cr_assert_eq(ftc_last_error(), FTC_ETYPE);
    cr_assert_eq(ftc_dict_set(NULL, k, k), FTC_EINVAL);
    cr_assert_eq(ftc_dict_set(d, NULL, k), FTC_EINVAL);
    cr_assert_eq(ftc_dict_set(d, k, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_get_ref(d, k, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_get_ref(d, NULL, &v), FTC_EINVAL);
    cr_assert_eq(ftc_dict_pop(d, k, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_setdefault_ref(d, k, NULL, &v), FTC_EINVAL);
    cr_assert_eq(ftc_dict_setdefault_ref(d, k, k, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_len(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_next(d, NULL, NULL, NULL), FTC_EINVAL);
    ftc_dict_pos bad = FTC_DICT_POS_INIT;
    bad.index = -1;
    cr_assert_eq(ftc_dict_next(d, &bad, NULL, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_len(d), 0);
    ftc_decref(k);
    ftc_decref(l);
    ftc_decref(d);
}

Test(dict, set_get_overwrite_with_refcounts)
{
    ftc_object *d = ftc_dict_new(), *k = S("alpha"), *v1 = U(1), *v2 = U(2);
    cr_assert_eq(ftc_dict_set(d, k, v1), 0);
    cr_assert_eq(ftc_object_refcount(v1), 2);
    cr_assert_eq(ftc_object_refcount(k), 2);
    ftc_object *k2 = S("alpha"), *out = NULL; /* an equal, different object */
    cr_assert_eq(ftc_dict_get_ref(d, k2, &out), 1);
    cr_assert_eq(out, v1);
    cr_assert_eq(ftc_object_refcount(v1), 3);
    ftc_decref(out);
    cr_assert_eq(ftc_dict_set(d, k2, v2), 0); /* overwrite: the stored key stays */
    cr_assert_eq(ftc_object_refcount(v1), 1);
    cr_assert_eq(ftc_object_refcount(v2), 2);
    cr_assert_eq(ftc_object_refcount(k2), 1);
    cr_assert_eq(ftc_dict_len(d), 1);
    cr_assert_eq(ftc_dict_set(d, k, v2), 0); /* same value again */
    cr_assert_eq(ftc_object_refcount(v2), 2);
    ftc_decref(d);
    cr_assert_eq(ftc_object_refcount(v2), 1);
    cr_assert_eq(ftc_object_refcount(k), 1);
    ftc_decref(k);
    ftc_decref(k2);
    ftc_decref(v1);
    ftc_decref(v2);
    cr_assert_eq(uobj_deallocs, 2);
}

Test(dict, int_str_and_user_keys_are_distinct)
{
    ftc_object *d = ftc_dict_new();
    set_steal(d, I(7), I(1));
    set_steal(d, S("7"), I(2));
    set_steal(d, U(7), I(3));
    cr_assert_eq(ftc_dict_len(d), 3);
    cr_assert_eq(get_int(d, I(7)), 1);
    cr_assert_eq(get_int(d, S("7")), 2);
    cr_assert_eq(get_int(d, U(7)), 3);
    cr_assert_eq(get_int(d, I(8)), -1);
    cr_assert_eq(get_int(d, S("")), -1);
    set_steal(d, S(""), I(4)); /* the empty string is a key like any other */
    cr_assert_eq(get_int(d, S("")), 4);
    ftc_decref(d);
}

Test(dict, many_keys_through_every_index_width)
{
    ftc_object *d = ftc_dict_new();
    const int64_t n = 40000; /* 8-, 16- and 32-bit index slots */
    for (int64_t j = 0; j < n; j++)
        set_steal(d, I(j * 7), I(j));
    cr_assert_eq(ftc_dict_len(d), n);
    for (int64_t j = 0; j < n; j += 97)
        cr_assert_eq(get_int(d, I(j * 7)), j);
    cr_assert_eq(get_int(d, I(-7)), -1);
    /* Delete the odd ones, then check order and contents by iteration. */
    for (int64_t j = 1; j < n; j += 2) {
        ftc_object *k = I(j * 7);
        cr_assert_eq(ftc_dict_del(d, k), 0);
        ftc_decref(k);
    }
    cr_assert_eq(ftc_dict_len(d), n / 2);
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int64_t expect = 0;
    while (ftc_dict_next(d, &pos, &k, &v) == 1) {
        cr_assert_eq(ftc_int_value(k), expect * 7);
        cr_assert_eq(ftc_int_value(v), expect);
        ftc_decref(k);
        ftc_decref(v);
        expect += 2;
    }
    cr_assert_eq(expect, n);
    ftc_decref(d);
}

Test(dict, delete_reinsert_keeps_insertion_order)
{
    ftc_object *d = ftc_dict_new();
    for (int j = 0; j < 5; j++)
        set_steal(d, I(j), I(j));
    ftc_object *k = I(1);
    cr_assert_eq(ftc_dict_del(d, k), 0);
    cr_assert_eq(ftc_dict_del(d, k), FTC_EKEY);
    cr_assert_eq(ftc_dict_set(d, k, k), 0); /* goes to the end */
    set_steal(d, I(3), I(33));              /* overwrite keeps its place */
    ftc_decref(k);
    int64_t want_k[] = {0, 2, 3, 4, 1}, want_v[] = {0, 2, 33, 4, 1};
    ftc_object *keys = ftc_dict_keys(d), *vals = ftc_dict_values(d), *items = ftc_dict_items(d);
    cr_assert_eq(ftc_list_len(keys), 5);
    for (int j = 0; j < 5; j++) {
        ftc_object *x, *y, *pair, *pk, *pv;
        cr_assert_eq(ftc_list_get_ref(keys, j, &x), 0);
        cr_assert_eq(ftc_list_get_ref(vals, j, &y), 0);
        cr_assert_eq(ftc_int_value(x), want_k[j]);
        cr_assert_eq(ftc_int_value(y), want_v[j]);
        cr_assert_eq(ftc_list_get_ref(items, j, &pair), 0);
        cr_assert_eq(ftc_list_len(pair), 2);
        cr_assert_eq(ftc_list_get_ref(pair, 0, &pk), 0);
        cr_assert_eq(ftc_list_get_ref(pair, 1, &pv), 0);
        cr_assert_eq(pk, x);
        cr_assert_eq(pv, y);
        ftc_decref(pk);
        ftc_decref(pv);
        ftc_decref(pair);
        ftc_decref(x);
        ftc_decref(y);
    }
    ftc_decref(keys);
    ftc_decref(vals);
    ftc_decref(items);
    ftc_decref(d);
}

Test(dict, pop_and_setdefault)
{
    ftc_object *d = ftc_dict_new(), *k = S("k"), *v = U(5), *dflt = U(6), *out = NULL;
    cr_assert_eq(ftc_dict_pop(d, k, &out), 0);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_setdefault_ref(d, k, dflt, &out), 0); /* inserted */
    cr_assert_eq(out, dflt);
    cr_assert_eq(ftc_object_refcount(dflt), 3);
    ftc_decref(out);
    cr_assert_eq(ftc_dict_setdefault_ref(d, k, v, &out), 1); /* present: not replaced */
    cr_assert_eq(out, dflt);
    ftc_decref(out);
    cr_assert_eq(ftc_object_refcount(v), 1);
    cr_assert_eq(ftc_dict_pop(d, k, &out), 1);
    cr_assert_eq(out, dflt);
    cr_assert_eq(ftc_object_refcount(dflt), 2); /* the dict's reference moved to us */
    ftc_decref(out);
    cr_assert_eq(ftc_dict_len(d), 0);
    ftc_decref(k);
    ftc_decref(v);
    ftc_decref(dflt);
    ftc_decref(d);
}

Test(dict, unhashable_and_failing_hash)
{
    ftc_object *d = ftc_dict_new(), *bad = ftc_object_new(&unhashable_type), *v = U(100), *out;
    set_steal(d, I(1), I(1));
    cr_assert_eq(ftc_dict_set(d, bad, v), FTC_ETYPE);
    cr_assert_eq(ftc_dict_get_ref(d, bad, &out), FTC_ETYPE);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_contains(d, bad), FTC_ETYPE);
    cr_assert_eq(ftc_dict_del(d, bad), FTC_ETYPE);
    cr_assert_eq(ftc_dict_pop(d, bad, &out), FTC_ETYPE);
    cr_assert_eq(ftc_dict_setdefault_ref(d, bad, v, &out), FTC_ETYPE);
    ftc_object *u = U(3);
    ((uobj *)u)->fail_hash = FTC_EUSER - 5;
    cr_assert_eq(ftc_dict_set(d, u, v), FTC_EUSER - 5);
    cr_assert_eq(ftc_dict_get_ref(d, u, &out), FTC_EUSER - 5);
    cr_assert_eq(ftc_dict_setdefault_ref(d, u, v, &out), FTC_EUSER - 5);
    cr_assert_eq(ftc_dict_len(d), 1);
    cr_assert_eq(ftc_object_refcount(v), 1);
    ftc_decref(u);
    ftc_decref(bad);
    ftc_decref(v);
    ftc_decref(d);
}

Test(dict, failing_eq_leaves_dict_unchanged)
{
    hash_mod = 1; /* every uobj collides */
    ftc_object *d = ftc_dict_new();
    set_steal(d, U(1), I(10));
    set_steal(d, U(2), I(20));
    ftc_object *k = U(3), *v = U(30), *out = NULL;
    ((uobj *)k)->fail_eq = FTC_EUSER - 1;
    cr_assert_eq(ftc_dict_set(d, k, v), FTC_EUSER - 1);
    cr_assert_eq(ftc_dict_get_ref(d, k, &out), FTC_EUSER - 1);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_contains(d, k), FTC_EUSER - 1);
    cr_assert_eq(ftc_dict_del(d, k), FTC_EUSER - 1);
    cr_assert_eq(ftc_dict_pop(d, k, &out), FTC_EUSER - 1);
    cr_assert_eq(ftc_dict_setdefault_ref(d, k, v, &out), FTC_EUSER - 1);
    cr_assert_eq(ftc_dict_len(d), 2);
    cr_assert_eq(ftc_object_refcount(v), 1);
    cr_assert_eq(ftc_object_refcount(k), 1);
    cr_assert_eq(get_int(d, U(2)), 20);
    ftc_decref(k);
    ftc_decref(v);
    ftc_decref(d);
}

/* eq hooks that mutate the dict being read. */
static ftc_object *hook_dict;
static int hook_budget;
static void hook_delete_other(ftc_object *self, ftc_object *other)
{
    (void)other;
    if (hook_budget-- <= 0)
        return;
    /* Remove the stored key that eq is being asked about: the lookup must restart and then
     * miss it. */
    cr_assert_eq(ftc_dict_del(hook_dict, self), 0);
}
static void hook_grow(ftc_object *self, ftc_object *other)
{
    (void)self;
    (void)other;
    if (hook_budget-- <= 0)
        return;
    /* Force a table rebuild in the middle of the lookup. */
    for (int j = 0; j < 50; j++) {
        ftc_object *k = ftc_int_new(1000 + j + hook_budget * 100);
        ftc_dict_set(hook_dict, k, k);
        ftc_decref(k);
    }
}
static void hook_always_mutate(ftc_object *self, ftc_object *other)
{
    (void)self;
    (void)other;
    ftc_object *k = ftc_int_new(424242);
    ftc_dict_set(hook_dict, k, k); /* an overwrite still counts as a change */
    ftc_decref(k);
}

Test(dict, eq_callback_deleting_the_key_restarts)
{
    hash_mod = 1;
    ftc_object *d = ftc_dict_new();
    hook_dict = d;
    ftc_object *stored = U(1);
    set_steal(d, I(0), I(0));
    cr_assert_eq(ftc_dict_set(d, stored, stored), 0);
    eq_hook = hook_delete_other;
    hook_budget = 1;
    ftc_object *probe = U(1), *out = NULL;
    cr_assert_eq(ftc_dict_get_ref(d, probe, &out), 0); /* deleted under us: now missing */
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_len(d), 1);
    cr_assert_eq(ftc_object_refcount(stored), 1); /* nothing leaked by the restart */
    eq_hook = NULL;
    ftc_decref(probe);
    ftc_decref(stored);
    ftc_decref(d);
}

Test(dict, eq_callback_growing_the_dict_restarts)
{
    hash_mod = 1;
    ftc_object *d = ftc_dict_new();
    hook_dict = d;
    set_steal(d, U(1), I(100));
    set_steal(d, U(2), I(200));
    eq_hook = hook_grow;
    hook_budget = 2;
    cr_assert_eq(get_int(d, U(2)), 200);
    cr_assert(ftc_dict_len(d) > 2);
    hook_budget = 2;
    ftc_object *k = U(2), *v = I(222);
    cr_assert_eq(ftc_dict_set(d, k, v), 0); /* overwrite found after restarts */
    ftc_decref(k);
    ftc_decref(v);
    eq_hook = NULL;
    cr_assert_eq(get_int(d, U(2)), 222);
    int64_t n = ftc_dict_len(d);
    k = U(9);
    v = I(9);
    cr_assert_eq(ftc_dict_set(d, k, v), 0);
    cr_assert_eq(ftc_dict_len(d), n + 1);
    ftc_decref(k);
    ftc_decref(v);
    ftc_decref(d);
}

Test(dict, eq_callback_always_mutating_gives_echanged)
{
    hash_mod = 1;
    ftc_object *d = ftc_dict_new();
    hook_dict = d;
    set_steal(d, U(1), I(1));
    eq_hook = hook_always_mutate;
    ftc_object *k = U(2), *v = I(2), *out = NULL;
    cr_assert_eq(ftc_dict_get_ref(d, k, &out), FTC_ECHANGED);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_set(d, k, v), FTC_ECHANGED);
    cr_assert(eq_calls > FTC_DICT_MAX_RESTARTS);
    eq_hook = NULL;
    cr_assert_eq(ftc_dict_contains(d, k), 0);
    ftc_decref(k);
    ftc_decref(v);
    ftc_decref(d);
}

Test(dict, clear_and_reuse)
{
    ftc_object *d = ftc_dict_new(), *v = U(1);
    for (int j = 0; j < 100; j++) {
        ftc_object *k = I(j);
        cr_assert_eq(ftc_dict_set(d, k, v), 0);
        ftc_decref(k);
    }
    cr_assert_eq(ftc_object_refcount(v), 101);
    cr_assert_eq(ftc_dict_clear(d), 0);
    cr_assert_eq(ftc_dict_len(d), 0);
    cr_assert_eq(ftc_object_refcount(v), 1);
    cr_assert_eq(ftc_dict_clear(d), 0); /* empty: fine */
    set_steal(d, I(5), I(6));
    cr_assert_eq(get_int(d, I(5)), 6);
    ftc_decref(v);
    ftc_decref(d);
}

Test(dict, copy_is_independent)
{
    ftc_object *d = ftc_dict_new();
    for (int j = 0; j < 20; j++)
        set_steal(d, I(j), I(j * j));
    for (int j = 0; j < 20; j += 3) {
        ftc_object *k = I(j);
        ftc_dict_del(d, k);
        ftc_decref(k);
    }
    ftc_object *c = ftc_dict_copy(d);
    cr_assert_not_null(c);
    cr_assert_eq(ftc_dict_len(c), ftc_dict_len(d));
    set_steal(d, I(1), I(-1));
    cr_assert_eq(get_int(c, I(1)), 1);
    cr_assert_eq(get_int(c, I(3)), -1);
    ftc_dict_pos p1 = FTC_DICT_POS_INIT, p2 = FTC_DICT_POS_INIT;
    ftc_object *k1, *k2;
    while (ftc_dict_next(c, &p1, &k1, NULL) == 1) {
        cr_assert_eq(ftc_dict_next(d, &p2, &k2, NULL), 1);
        cr_assert_eq(k1, k2); /* same key objects, same order */
        ftc_decref(k1);
        ftc_decref(k2);
    }
    ftc_object *e = ftc_dict_new(), *ec = ftc_dict_copy(e);
    cr_assert_eq(ftc_dict_len(ec), 0);
    ftc_decref(e);
    ftc_decref(ec);
    ftc_decref(c);
    ftc_decref(d);
}

Test(dict, update_merges_in_order_and_from_itself)
{
    ftc_object *a = ftc_dict_new(), *b = ftc_dict_new();
    set_steal(a, I(1), I(1));
    set_steal(a, I(2), I(2));
    set_steal(b, I(2), I(20));
    set_steal(b, I(3), I(30));
    cr_assert_eq(ftc_dict_update(a, b), 0);
    cr_assert_eq(ftc_dict_len(a), 3);
    cr_assert_eq(get_int(a, I(2)), 20);
    cr_assert_eq(get_int(a, I(3)), 30);
    cr_assert_eq(ftc_dict_update(a, a), 0);
    cr_assert_eq(ftc_dict_len(a), 3);
    ftc_object *e = ftc_dict_new();
    cr_assert_eq(ftc_dict_update(a, e), 0);
    cr_assert_eq(ftc_dict_update(e, a), 0);
    cr_assert_eq(ftc_dict_len(e), 3);
    ftc_decref(e);
    ftc_decref(a);
    ftc_decref(b);
}

Test(dict, update_stops_at_failing_eq)
{
    hash_mod = 1;
    ftc_object *a = ftc_dict_new(), *b = ftc_dict_new(), *bad = U(2);
    set_steal(a, U(1), I(1));
    ((uobj *)bad)->fail_eq = FTC_EUSER - 3;
    set_steal(b, I(50), I(50)); /* no eq needed: set */
    cr_assert_eq(ftc_dict_set(b, bad, bad), 0);
    cr_assert_eq(ftc_dict_update(a, b), FTC_EUSER - 3);
    cr_assert_eq(ftc_dict_len(a), 2); /* the item before the failure is in */
    ftc_decref(bad);
    ftc_decref(a);
    ftc_decref(b);
}

Test(dict, iteration_detects_changes)
{
    ftc_object *d = ftc_dict_new(), *k, *v;
    for (int j = 0; j < 4; j++)
        set_steal(d, I(j), I(j));
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    cr_assert_eq(ftc_dict_next(d, &pos, &k, &v), 1);
    ftc_object *nv = I(99);
    cr_assert_eq(ftc_dict_set(d, k, nv), 0); /* overwrite: allowed */
    ftc_decref(nv);
    ftc_decref(k);
    ftc_decref(v);
    cr_assert_eq(ftc_dict_next(d, &pos, &k, NULL), 1);
    cr_assert_eq(ftc_int_value(k), 1);
    ftc_decref(k);
    set_steal(d, I(10), I(10)); /* insertion: changed */
    k = v = (ftc_object *)1;
    cr_assert_eq(ftc_dict_next(d, &pos, &k, &v), FTC_ECHANGED);
    cr_assert_null(k);
    cr_assert_null(v);
    ftc_dict_pos p2 = FTC_DICT_POS_INIT;
    cr_assert_eq(ftc_dict_next(d, &p2, NULL, NULL), 1);
    k = I(3);
    cr_assert_eq(ftc_dict_del(d, k), 0); /* deletion: changed */
    ftc_decref(k);
    cr_assert_eq(ftc_dict_next(d, &p2, NULL, NULL), FTC_ECHANGED);
    ftc_dict_pos p3 = FTC_DICT_POS_INIT;
    int n = 0;
    while (ftc_dict_next(d, &p3, NULL, NULL) == 1)
        n++;
    cr_assert_eq(n, 4);
    cr_assert_eq(ftc_dict_next(d, &p3, NULL, NULL), 0); /* stays at the end */
    ftc_dict_pos p4 = FTC_DICT_POS_INIT;
    cr_assert_eq(ftc_dict_next(d, &p4, NULL, NULL), 1);
    cr_assert_eq(ftc_dict_clear(d), 0);
    cr_assert_eq(ftc_dict_next(d, &p4, NULL, NULL), FTC_ECHANGED);
    ftc_decref(d);
}

Test(dict, dealloc_releases_everything)
{
    ftc_object *d = ftc_dict_new();
    for (int j = 0; j < 30; j++)
        set_steal(d, U(j), U(-j));
    ftc_object *k = U(5);
    cr_assert_eq(ftc_dict_del(d, k), 0);
    ftc_decref(k);
    cr_assert_eq(uobj_deallocs, 3);
    ftc_decref(d);
    cr_assert_eq(uobj_deallocs, 61);
}

/* ---- fault injection: walk the failing allocation over every allocation of an operation ---- */

/* A dict holding n int items i -> i. */
static ftc_object *filled(int n)
{
    ftc_object *d = ftc_dict_new();
    for (int j = 0; j < n; j++)
        set_steal(d, I(j), I(j));
    return d;
}
static void assert_filled(ftc_object *d, int n)
{
    cr_assert_eq(ftc_dict_len(d), n);
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int j = 0;
    while (ftc_dict_next(d, &pos, &k, &v) == 1) {
        cr_assert_eq(ftc_int_value(k), j);
        cr_assert_eq(ftc_int_value(v), j);
        ftc_decref(k);
        ftc_decref(v);
        j++;
    }
    cr_assert_eq(j, n);
}

Test(dict, fault_walk_set_with_resize)
{
    /* 5 items fill the first table: the 6th insertion rebuilds it. */
    for (uint64_t n = 1;; n++) {
        ftc_object *d = filled(5), *k = I(5), *v = I(5);
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_dict_set(d, k, v);
        ftc_fault_alloc_fail_after(0);
        ftc_decref(k);
        ftc_decref(v);
        if (rc == 0) {
            assert_filled(d, 6);
            ftc_decref(d);
            cr_assert(n > 1, "the resize must allocate");
            break;
        }
        cr_assert_eq(rc, FTC_ENOMEM);
        assert_filled(d, 5);
        ftc_decref(d);
        cr_assert(n < 100);
    }
}

Test(dict, fault_walk_setdefault_copy_update_views)
{
    for (int op = 0; op < 6; op++) {
        int failures = 0;
        for (uint64_t n = 1;; n++) {
            ftc_object *d = filled(5), *src = filled(8), *k = I(5), *out = NULL;
            ftc_fault_alloc_fail_after(n);
            int rc = 0;
            switch (op) {
            case 0: rc = ftc_dict_setdefault_ref(d, k, k, &out); break;
            case 1:
                out = ftc_dict_copy(d);
                rc = out ? 0 : ftc_last_error();
                break;
            case 2: rc = ftc_dict_update(d, src); break;
            case 3:
                out = ftc_dict_keys(d);
                rc = out ? 0 : ftc_last_error();
                break;
            case 4:
                out = ftc_dict_values(d);
                rc = out ? 0 : ftc_last_error();
                break;
            default:
                out = ftc_dict_items(d);
                rc = out ? 0 : ftc_last_error();
                break;
            }
            ftc_fault_alloc_fail_after(0);
            ftc_decref(k);
            ftc_xdecref(out);
            if (rc == 0) {
                assert_filled(d, op == 0 || op == 2 ? (op == 0 ? 6 : 8) : 5);
                ftc_decref(d);
                ftc_decref(src);
                break;
            }
            failures++;
            cr_assert_eq(rc, FTC_ENOMEM, "op %d rc %d", op, rc);
            if (op == 2) {
                /* update is item by item: a prefix of src's new items may be in. */
                int64_t len = ftc_dict_len(d);
                cr_assert(len >= 5 && len <= 8);
                assert_filled(d, (int)len);
            } else {
                assert_filled(d, 5);
            }
            ftc_decref(d);
            ftc_decref(src);
            cr_assert(n < 200);
        }
        cr_assert(failures > 0, "op %d made no allocation", op);
    }
}

/* ftc_dict_get_borrowed: the same answers as get_ref, the same errors, no reference taken. */
Test(dict, get_borrowed_found_missing_and_errors)
{
    ftc_object *d = ftc_dict_new(), *l = ftc_list_new(), *v = I(1000001), *out = NULL;
    cr_assert_not_null(d);
    for (int64_t j = 0; j < 50; j++)
        set_steal(d, I(j * 7), I(j * 100 + 1000));
    ftc_object *name = S("name");
    cr_assert_eq(ftc_dict_set(d, name, v), 0);
    ftc_decref(name);
    int64_t vref = ftc_object_refcount(v);
    for (int64_t j = 0; j < 50; j++) {
        ftc_object *k = I(j * 7);
        out = NULL;
        cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), 1);
        cr_assert_eq(ftc_int_value(out), j * 100 + 1000);
        cr_assert_eq(ftc_object_refcount(out), 1, "only the dict holds it");
        ftc_decref(k);
    }
    ftc_object *k = S("name");
    cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), 1);
    cr_assert_eq(out, v);
    cr_assert_eq(ftc_object_refcount(v), vref);
    ftc_decref(k);
    k = I(3); /* not a multiple of 7 */
    out = v;
    cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), 0);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_get_borrowed(l, k, &out), FTC_ETYPE);
    cr_assert_null(out);
    cr_assert_eq(ftc_dict_get_borrowed(d, k, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_dict_get_borrowed(d, NULL, &out), FTC_EINVAL);
    cr_assert_eq(ftc_dict_get_borrowed(NULL, k, &out), FTC_EINVAL);
    ftc_object *u = ftc_object_new(&unhashable_type);
    cr_assert_eq(ftc_dict_get_borrowed(d, u, &out), FTC_ETYPE);
    ftc_decref(u);
    ftc_decref(k);
    /* A user-type key (eq callback under the lock) and a failing hash callback. */
    set_steal(d, U(42), I(4242));
    k = U(42);
    cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), 1);
    cr_assert_eq(ftc_int_value(out), 4242);
    ((uobj *)k)->fail_hash = (FTC_EUSER - 7);
    out = v;
    cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), (FTC_EUSER - 7));
    cr_assert_null(out);
    ftc_decref(k);
    cr_assert_eq(ftc_dict_len(d), 52, "nothing lost");
    ftc_decref(v);
    ftc_decref(l);
    ftc_decref(d);
}
