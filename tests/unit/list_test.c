/* List: every operation and every error path, in both builds, including compare and eq
 * callbacks that fail or change the list being read, and fault-injection walks over append,
 * insert, extend, slice, copy and sort (clean error, list unchanged, no leak). Leaks are
 * checked with the object layer's live count. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include "unit_objects.h"
#include <string.h>

#include <ftcore/ftcore.h>

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t n;
    int fail_eq;
} uobj;

static const ftc_type uobj_type;
static void (*eq_hook)(ftc_object *self);
static int uobj_eq(ftc_object *self, ftc_object *other)
{
    if (eq_hook != NULL)
        eq_hook(self);
    if (((uobj *)self)->fail_eq)
        return ((uobj *)self)->fail_eq;
    return ftc_type_of(other) == &uobj_type && ((uobj *)self)->n == ((uobj *)other)->n;
}
static const ftc_type uobj_type = {"uobj", sizeof(uobj), NULL, NULL, uobj_eq, NULL, NULL};

static ftc_object *U(int64_t n)
{
    ftc_object *o = ftc_object_new(&uobj_type);
    cr_assert_not_null(o);
    ((uobj *)o)->n = n;
    return o;
}
static int64_t N(ftc_object *o) { return ((uobj *)o)->n; }

static int64_t live_at_start;
static void setup(void)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    eq_hook = NULL;
    live_at_start = ftc_object_live_count();
}
static void teardown(void) { ftc_fini_check_no_leak(live_at_start); }
TestSuite(list, .init = setup, .fini = teardown);

/* A list of uobj 0..n-1. */
static ftc_object *range(int n)
{
    ftc_object *l = ftc_list_new();
    cr_assert_not_null(l);
    for (int j = 0; j < n; j++)
        append_steal(l, U(j));
    return l;
}
/* Asserts the list's numbers are want[0..n). */
static void assert_items(ftc_object *l, const int64_t *want, int n)
{
    cr_assert_eq(ftc_list_len(l), n);
    for (int j = 0; j < n; j++) {
        ftc_object *x = NULL;
        cr_assert_eq(ftc_list_get_ref(l, j, &x), 0);
        cr_assert_eq(N(x), want[j], "item %d is %lld, want %lld", j, (long long)N(x),
                     (long long)want[j]);
        ftc_decref(x);
    }
}
static void assert_range(ftc_object *l, int n)
{
    int64_t want[256];
    for (int j = 0; j < n; j++)
        want[j] = j;
    assert_items(l, want, n);
}

Test(list, new_is_empty)
{
    ftc_object *l = ftc_list_new(), *x = (ftc_object *)1;
    cr_assert(ftc_list_check(l));
    cr_assert_eq(ftc_type_of(l), &ftc_list_type);
    cr_assert_eq(ftc_list_len(l), 0);
    cr_assert_eq(ftc_list_get_ref(l, 0, &x), FTC_EINDEX);
    cr_assert_null(x);
    cr_assert_eq(ftc_list_get_ref(l, -1, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_pop(l, -1, &x), FTC_EINDEX);
    cr_assert_null(x);
    cr_assert_eq(ftc_list_del(l, 0), FTC_EINDEX);
    cr_assert_eq(ftc_list_reverse(l), 0);
    cr_assert_eq(ftc_list_sort(l, NULL, NULL, 0), 0);
    cr_assert_eq(ftc_list_clear(l), 0);
    ftc_decref(l);
}

Test(list, wrong_type_and_null_arguments)
{
    ftc_object *d = ftc_dict_new(), *l = ftc_list_new(), *v = U(1), *x = NULL;
    cr_assert(!ftc_list_check(d));
    cr_assert(!ftc_list_check(NULL));
    cr_assert_eq(ftc_list_append(d, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_insert(d, 0, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_get_ref(d, 0, &x), FTC_ETYPE);
    cr_assert_eq(ftc_list_set(d, 0, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_pop(d, 0, &x), FTC_ETYPE);
    cr_assert_eq(ftc_list_del(d, 0), FTC_ETYPE);
    cr_assert_eq(ftc_list_len(d), FTC_ETYPE);
    cr_assert_eq(ftc_list_extend(d, l), FTC_ETYPE);
    cr_assert_eq(ftc_list_extend(l, d), FTC_ETYPE);
    cr_assert_null(ftc_list_slice(d, 0, 1));
    cr_assert_eq(ftc_last_error(), FTC_ETYPE);
    cr_assert_null(ftc_list_copy(v));
    cr_assert_eq(ftc_list_index(d, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_contains(d, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_reverse(d), FTC_ETYPE);
    cr_assert_eq(ftc_list_clear(d), FTC_ETYPE);
    cr_assert_eq(ftc_list_sort(d, NULL, NULL, 0), FTC_ETYPE);
    cr_assert_eq(ftc_list_append(NULL, v), FTC_EINVAL);
    cr_assert_eq(ftc_list_append(l, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_insert(l, 0, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_set(l, 0, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_get_ref(l, 0, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_index(l, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_len(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_len(l), 0);
    ftc_decref(v);
    ftc_decref(l);
    ftc_decref(d);
}

Test(list, append_get_negative_index_refcounts)
{
    ftc_object *l = ftc_list_new(), *v = U(7), *x;
    cr_assert_eq(ftc_list_append(l, v), 0);
    cr_assert_eq(ftc_object_refcount(v), 2);
    cr_assert_eq(ftc_list_get_ref(l, 0, &x), 0);
    cr_assert_eq(x, v);
    cr_assert_eq(ftc_object_refcount(v), 3);
    ftc_decref(x);
    for (int j = 1; j < 100; j++)
        append_steal(l, U(j));
    cr_assert_eq(ftc_list_len(l), 100);
    cr_assert_eq(ftc_list_get_ref(l, -1, &x), 0);
    cr_assert_eq(N(x), 99);
    ftc_decref(x);
    cr_assert_eq(ftc_list_get_ref(l, -100, &x), 0);
    cr_assert_eq(x, v);
    ftc_decref(x);
    cr_assert_eq(ftc_list_get_ref(l, -101, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_ref(l, 100, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_ref(l, INT64_MIN, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_ref(l, INT64_MAX, &x), FTC_EINDEX);
    ftc_decref(l);
    cr_assert_eq(ftc_object_refcount(v), 1);
    ftc_decref(v);
}

Test(list, insert_clamps_like_python)
{
    ftc_object *l = range(3);
    append_steal(l, U(3));
    ftc_object *m = U(-1);
    cr_assert_eq(ftc_list_insert(l, 0, m), 0);
    cr_assert_eq(ftc_object_refcount(m), 2);
    ftc_decref(m);
    ftc_object *a = U(10), *b = U(20), *c = U(30), *e = U(40);
    cr_assert_eq(ftc_list_insert(l, 100, a), 0);  /* past the end: append */
    cr_assert_eq(ftc_list_insert(l, -100, b), 0); /* before the start: front */
    cr_assert_eq(ftc_list_insert(l, -1, c), 0);   /* before the last */
    cr_assert_eq(ftc_list_insert(l, 3, e), 0);
    int64_t want[] = {20, -1, 0, 40, 1, 2, 3, 30, 10};
    assert_items(l, want, 9);
    ftc_decref(a);
    ftc_decref(b);
    ftc_decref(c);
    ftc_decref(e);
    ftc_decref(l);
}

Test(list, insert_many_in_front_grows)
{
    ftc_object *l = ftc_list_new();
    for (int j = 0; j < 200; j++) {
        ftc_object *v = U(199 - j);
        cr_assert_eq(ftc_list_insert(l, 0, v), 0);
        ftc_decref(v);
    }
    assert_range(l, 200);
    ftc_decref(l);
}

Test(list, set_pop_del)
{
    ftc_object *l = range(6), *v = U(100), *x = NULL;
    cr_assert_eq(ftc_list_set(l, -2, v), 0);
    cr_assert_eq(ftc_object_refcount(v), 2);
    cr_assert_eq(ftc_list_set(l, 6, v), FTC_EINDEX);
    cr_assert_eq(ftc_list_set(l, -7, v), FTC_EINDEX);
    cr_assert_eq(ftc_list_pop(l, -1, &x), 0); /* from the end */
    cr_assert_eq(N(x), 5);
    cr_assert_eq(ftc_object_refcount(x), 1); /* the list's reference moved to us */
    ftc_decref(x);
    cr_assert_eq(ftc_list_pop(l, 1, &x), 0); /* from the middle */
    cr_assert_eq(N(x), 1);
    ftc_decref(x);
    cr_assert_eq(ftc_list_del(l, 0), 0);
    cr_assert_eq(ftc_list_pop(l, 5, &x), FTC_EINDEX);
    cr_assert_null(x);
    int64_t want[] = {2, 3, 100};
    assert_items(l, want, 3);
    cr_assert_eq(ftc_list_pop(l, 2, NULL), 0); /* drop it */
    cr_assert_eq(ftc_object_refcount(v), 1);
    ftc_decref(v);
    ftc_decref(l);
}

Test(list, pop_shrinks_and_stays_correct)
{
    ftc_object *l = range(200);
    for (int j = 199; j >= 10; j--) {
        ftc_object *x;
        cr_assert_eq(ftc_list_pop(l, -1, &x), 0);
        cr_assert_eq(N(x), j);
        ftc_decref(x);
    }
    assert_range(l, 10);
    ftc_decref(l);
}

Test(list, extend_other_and_self)
{
    ftc_object *a = range(3), *b = range(2), *e = ftc_list_new();
    cr_assert_eq(ftc_list_extend(a, b), 0);
    int64_t w1[] = {0, 1, 2, 0, 1};
    assert_items(a, w1, 5);
    cr_assert_eq(ftc_list_extend(a, a), 0);
    int64_t w2[] = {0, 1, 2, 0, 1, 0, 1, 2, 0, 1};
    assert_items(a, w2, 10);
    cr_assert_eq(ftc_list_extend(a, e), 0);
    cr_assert_eq(ftc_list_extend(e, e), 0);
    assert_items(a, w2, 10);
    /* in place (capacity to spare) */
    cr_assert_eq(ftc_list_pop(a, -1, NULL), 0);
    cr_assert_eq(ftc_list_pop(a, -1, NULL), 0);
    cr_assert_eq(ftc_list_extend(a, b), 0);
    assert_items(a, w2, 10);
    ftc_decref(a);
    ftc_decref(b);
    ftc_decref(e);
}

Test(list, slice_and_copy)
{
    ftc_object *l = range(10);
    struct {
        int64_t lo, hi;
        int64_t first;
        int n;
    } cases[] = {
        {2, 5, 2, 3},          {-3, 100, 7, 3},       {-100, 2, 0, 2}, {5, 2, 0, 0},
        {0, INT64_MAX, 0, 10}, {INT64_MIN, -8, 0, 2}, {10, 20, 0, 0},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        ftc_object *s = ftc_list_slice(l, cases[c].lo, cases[c].hi);
        cr_assert_not_null(s);
        int64_t want[10];
        for (int j = 0; j < cases[c].n; j++)
            want[j] = cases[c].first + j;
        assert_items(s, want, cases[c].n);
        ftc_decref(s);
    }
    ftc_object *c = ftc_list_copy(l);
    cr_assert_neq(c, l);
    cr_assert_eq(ftc_list_clear(l), 0);
    assert_range(c, 10);
    ftc_decref(c);
    ftc_decref(l);
}

/* ftc_list_set_slice against a model (Python's l[lo:hi] = src on 0..n-1 with src's items
 * numbered 100+): every bound combination around the ends, negative and reversed bounds,
 * replacement, growth, shrinking, deletion (src NULL), self-assignment; each removed item is
 * released exactly once (the fixture checks nothing leaks) and each kept or stored item holds
 * exactly its list's references. */
static void model_set_slice(int n, int64_t lo, int64_t hi, int m, bool self, int64_t *want, int *wn)
{
    int64_t L = lo < 0 ? (lo + n < 0 ? 0 : lo + n) : (lo > n ? n : lo);
    int64_t H = hi < 0 ? (hi + n < 0 ? 0 : hi + n) : (hi > n ? n : hi);
    if (H < L)
        H = L;
    int k = 0;
    for (int64_t j = 0; j < L; j++)
        want[k++] = j;
    for (int j = 0; j < m; j++)
        want[k++] = self ? j : 100 + j;
    for (int64_t j = H; j < n; j++)
        want[k++] = j;
    *wn = k;
}

Test(list, set_slice_like_python)
{
    const int64_t bounds[] = {INT64_MIN, -9, -3, -1, 0, 1, 2, 4, 6, 7, 100, INT64_MAX};
    const int nb = (int)(sizeof bounds / sizeof bounds[0]);
    for (int n = 0; n <= 7; n += 7) {
        for (int a = 0; a < nb; a++) {
            for (int b = 0; b < nb; b++) {
                for (int m = -2; m <= 20; m += (m < 5 ? 1 : 15)) {
                    /* m -1: self-assignment; m -2: deletion (src NULL); else m new items */
                    ftc_object *l = range(n), *src = NULL;
                    if (m >= 0) {
                        src = ftc_list_new();
                        for (int j = 0; j < m; j++)
                            append_steal(src, U(100 + j));
                    }
                    bool self = m == -1;
                    int rc = ftc_list_set_slice(l, bounds[a], bounds[b], self ? l : src);
                    cr_assert_eq(rc, 0);
                    int64_t want[64];
                    int wn;
                    model_set_slice(n, bounds[a], bounds[b], self ? n : (m < 0 ? 0 : m), self, want,
                                    &wn);
                    assert_items(l, want, wn);
                    for (int j = 0; j < wn; j++) {
                        ftc_object *x = NULL;
                        cr_assert_eq(ftc_list_get_borrowed(l, j, &x), 0);
                        /* in l once per occurrence (self: twice for a copied item), and in
                         * src if it came from there */
                        int64_t refs = 0;
                        for (int i = 0; i < wn; i++)
                            refs += want[i] == want[j];
                        refs += want[j] >= 100;
                        cr_assert_eq(ftc_object_refcount(x), refs, "n %d [%lld:%lld] m %d", n,
                                     (long long)bounds[a], (long long)bounds[b], m);
                    }
                    ftc_decref(l);
                    ftc_xdecref(src);
                }
            }
        }
    }
}

Test(list, set_slice_errors_leave_list_unchanged)
{
    ftc_object *l = range(4), *d = ftc_dict_new();
    cr_assert_eq(ftc_list_set_slice(NULL, 0, 1, l), FTC_EINVAL);
    cr_assert_eq(ftc_list_set_slice(d, 0, 1, l), FTC_ETYPE);
    cr_assert_eq(ftc_list_set_slice(l, 0, 1, d), FTC_ETYPE);
    assert_range(l, 4);
    ftc_decref(d);
    ftc_decref(l);
}

/* ftc_list_append_unique: the results and codes of ftc_list_append, whether the list is held
 * only by the caller (no section in the nogil build) or also elsewhere (another reference, a
 * list another thread has used: the locked append). */
Test(list, append_unique_like_append)
{
    ftc_object *d = ftc_dict_new(), *v = U(5);
    ftc_object *u = ftc_list_new();
    for (int j = 0; j < 40; j++) { /* grows through several arrays */
        ftc_object *x = U(j);
        cr_assert_eq(ftc_list_append_unique(u, x), 0);
        cr_assert_eq(ftc_object_refcount(x), 2);
        ftc_decref(x);
    }
    assert_range(u, 40);
    ftc_incref(u); /* a second reference: the locked path, same result */
    cr_assert_eq(ftc_list_append_unique(u, v), 0);
    cr_assert_eq(ftc_list_len(u), 41);
    cr_assert_eq(ftc_object_refcount(v), 2);
    ftc_decref(u);
    cr_assert_eq(ftc_list_append_unique(NULL, v), FTC_EINVAL);
    cr_assert_eq(ftc_list_append_unique(u, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_list_append_unique(d, v), FTC_ETYPE);
    cr_assert_eq(ftc_list_len(u), 41);
    ftc_decref(u);
    ftc_decref(d);
    ftc_decref(v);
}

static ftc_object *hook_list;
static int hook_budget;
static void hook_clear_list(ftc_object *self)
{
    (void)self;
    if (hook_budget-- > 0)
        ftc_list_clear(hook_list);
}
static void hook_append(ftc_object *self)
{
    (void)self;
    if (hook_budget-- > 0) {
        ftc_object *v = U(1000);
        ftc_list_append(hook_list, v);
        ftc_decref(v);
    }
}

Test(list, index_contains_with_callbacks)
{
    ftc_object *l = range(5), *v3 = U(3), *v9 = U(9), *x;
    cr_assert_eq(ftc_list_index(l, v3), 3);
    cr_assert_eq(ftc_list_contains(l, v3), 1);
    cr_assert_eq(ftc_list_index(l, v9), FTC_EKEY);
    cr_assert_eq(ftc_list_contains(l, v9), 0);
    cr_assert_eq(ftc_list_get_ref(l, 2, &x), 0);
    cr_assert_eq(ftc_list_index(l, x), 2); /* identity */
    ftc_decref(x);
    /* A failing eq: its code. */
    ((uobj *)v9)->fail_eq = FTC_EUSER - 2;
    ftc_object *bad = U(50);
    ((uobj *)bad)->fail_eq = FTC_EUSER - 2;
    append_steal(l, bad);
    cr_assert_eq(ftc_list_index(l, v9), FTC_EUSER - 2);
    cr_assert_eq(ftc_list_contains(l, v9), FTC_EUSER - 2);
    cr_assert_eq(ftc_list_pop(l, -1, NULL), 0);
    /* eq clearing the list: the search stops at the new end, nothing freed under it. */
    hook_list = l;
    eq_hook = hook_clear_list;
    hook_budget = 1;
    cr_assert_eq(ftc_list_index(l, v3), FTC_EKEY);
    cr_assert_eq(ftc_list_len(l), 0);
    /* eq appending: the search goes on over the longer list. */
    append_steal(l, U(0));
    eq_hook = hook_append;
    hook_budget = 1;
    ftc_object *v1000 = U(1000);
    cr_assert_eq(ftc_list_index(l, v1000), 1);
    eq_hook = NULL;
    ftc_decref(v1000);
    ftc_decref(v3);
    ftc_decref(v9);
    ftc_decref(l);
}

Test(list, reverse)
{
    for (int n = 0; n < 6; n++) {
        ftc_object *l = range(n);
        cr_assert_eq(ftc_list_reverse(l), 0);
        int64_t want[6];
        for (int j = 0; j < n; j++)
            want[j] = n - 1 - j;
        assert_items(l, want, n);
        ftc_decref(l);
    }
}

/* Sort by n / 10 so that equal keys keep their order (stability). */
static int sort_calls;
static int less_tens(ftc_object *a, ftc_object *b, void *arg)
{
    (void)arg;
    sort_calls++;
    return N(a) / 10 < N(b) / 10;
}
static int less_failing(ftc_object *a, ftc_object *b, void *arg)
{
    int *budget = arg;
    if ((*budget)-- <= 0)
        return FTC_EUSER - 9;
    return N(a) < N(b);
}
static int less_mutating(ftc_object *a, ftc_object *b, void *arg)
{
    ftc_object *l = arg;
    if (ftc_list_len(l) > 0)
        ftc_list_pop(l, 0, NULL); /* the popped item stays alive in the sort's copy */
    return N(a) < N(b);
}

Test(list, sort_stable_both_directions)
{
    uint64_t seed = 12345;
    ftc_object *l = ftc_list_new();
    int64_t model[300];
    for (int j = 0; j < 300; j++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        model[j] = (int64_t)((seed >> 33) % 1000) * 1000 + j; /* n / 10 groups; j breaks ties */
        append_steal(l, U(model[j] / 1000 * 10 + (j % 10)));
    }
    for (int rev = 0; rev < 2; rev++) {
        cr_assert_eq(ftc_list_sort(l, less_tens, NULL, rev), 0);
        ftc_object *prev = NULL;
        for (int j = 0; j < 300; j++) {
            ftc_object *x;
            cr_assert_eq(ftc_list_get_ref(l, j, &x), 0);
            if (prev != NULL) {
                int64_t a = N(prev) / 10, b = N(x) / 10;
                cr_assert(rev ? a >= b : a <= b);
            }
            ftc_xdecref(prev);
            prev = x;
        }
        ftc_decref(prev);
    }
    ftc_decref(l);
    /* Stability checked exactly: equal keys keep their original relative order. */
    ftc_object *s = ftc_list_new();
    int64_t vals[] = {31, 12, 35, 17, 33, 10, 19};
    for (int j = 0; j < 7; j++)
        append_steal(s, U(vals[j]));
    cr_assert_eq(ftc_list_sort(s, less_tens, NULL, 0), 0);
    int64_t up[] = {12, 17, 10, 19, 31, 35, 33};
    assert_items(s, up, 7);
    cr_assert_eq(ftc_list_sort(s, less_tens, NULL, 1), 0);
    int64_t down[] = {31, 35, 33, 12, 17, 10, 19};
    assert_items(s, down, 7);
    ftc_decref(s);
}

Test(list, sort_builtin_order)
{
    ftc_object *l = ftc_list_new();
    int64_t vals[] = {5, -3, 1000000, 0, 5};
    for (int j = 0; j < 5; j++) {
        ftc_object *v = ftc_int_new(vals[j]);
        cr_assert_eq(ftc_list_append(l, v), 0);
        ftc_decref(v);
    }
    cr_assert_eq(ftc_list_sort(l, NULL, NULL, 0), 0);
    int64_t want[] = {-3, 0, 5, 5, 1000000};
    for (int j = 0; j < 5; j++) {
        ftc_object *x;
        cr_assert_eq(ftc_list_get_ref(l, j, &x), 0);
        cr_assert_eq(ftc_int_value(x), want[j]);
        ftc_decref(x);
    }
    ftc_object *s = ftc_str_new("a", 1);
    cr_assert_eq(ftc_list_append(l, s), 0);
    cr_assert_eq(ftc_list_sort(l, NULL, NULL, 0), FTC_ETYPE); /* int vs str */
    ftc_decref(s);
    ftc_decref(l);
    ftc_object *strs = ftc_list_new();
    const char *words[] = {"pear", "apple", "app", "", "zoo"};
    for (int j = 0; j < 5; j++) {
        ftc_object *w = ftc_str_new(words[j], strlen(words[j]));
        cr_assert_eq(ftc_list_append(strs, w), 0);
        ftc_decref(w);
    }
    cr_assert_eq(ftc_list_sort(strs, NULL, NULL, 1), 0);
    const char *sorted[] = {"zoo", "pear", "apple", "app", ""};
    for (int j = 0; j < 5; j++) {
        ftc_object *x;
        cr_assert_eq(ftc_list_get_ref(strs, j, &x), 0);
        cr_assert_eq(ftc_str_len(x), strlen(sorted[j]));
        cr_assert(memcmp(ftc_str_data(x), sorted[j], strlen(sorted[j])) == 0);
        ftc_decref(x);
    }
    ftc_decref(strs);
}

Test(list, sort_failing_compare_leaves_list_unchanged)
{
    for (int budget0 = 0; budget0 < 40; budget0 += 3) {
        ftc_object *l = ftc_list_new();
        int64_t vals[20];
        for (int j = 0; j < 20; j++) {
            vals[j] = (j * 7) % 20;
            append_steal(l, U(vals[j]));
        }
        int budget = budget0;
        cr_assert_eq(ftc_list_sort(l, less_failing, &budget, 0), FTC_EUSER - 9);
        assert_items(l, vals, 20);
        ftc_decref(l);
    }
}

Test(list, sort_detects_list_changed_by_compare)
{
    ftc_object *l = range(20);
    cr_assert_eq(ftc_list_sort(l, less_mutating, l, 0), FTC_ECHANGED);
    /* The list keeps what the callbacks left: items popped from the front, the rest in order;
     * the popped items were released exactly once (the live count check at teardown). */
    int64_t n = ftc_list_len(l);
    cr_assert(n < 20);
    int64_t want[20];
    for (int j = 0; j < n; j++)
        want[j] = 20 - n + j;
    assert_items(l, want, (int)n);
    ftc_decref(l);
}

Test(list, clear_releases_items)
{
    ftc_object *l = range(50), *v = U(1);
    append_steal(l, (ftc_incref(v), v));
    cr_assert_eq(ftc_object_refcount(v), 2);
    cr_assert_eq(ftc_list_clear(l), 0);
    cr_assert_eq(ftc_list_len(l), 0);
    cr_assert_eq(ftc_object_refcount(v), 1);
    append_steal(l, U(0));
    assert_range(l, 1);
    ftc_decref(v);
    ftc_decref(l);
}

/* ---- fault injection ---- */
Test(list, fault_walks)
{
    for (int op = 0; op < 11; op++) {
        int failures = 0;
        for (uint64_t n = 1;; n++) {
            /* 8 appended items fill their array exactly (capacities 4, then 8): every
             * operation below must allocate. */
            ftc_object *l = range(8), *src = range(5), *v = U(7), *out = NULL;
            ftc_fault_alloc_fail_after(n);
            int rc = 0;
            switch (op) {
            case 0: rc = ftc_list_append(l, v); break;
            case 1: rc = ftc_list_insert(l, 0, v); break;
            case 2: rc = ftc_list_extend(l, src); break;
            case 3: rc = ftc_list_extend(l, l); break;
            case 4:
                out = ftc_list_slice(l, 1, 5);
                rc = out ? 0 : ftc_last_error();
                break;
            case 5:
                out = ftc_list_copy(l);
                rc = out ? 0 : ftc_last_error();
                break;
            case 6: rc = ftc_list_set_slice(l, 2, 4, src); break; /* grows */
            case 9: rc = ftc_list_append_unique(l, v); break;
            case 7: rc = ftc_list_set_slice(l, 0, 8, l); break; /* self: a snapshot */
            case 8: /* replaces 17 items in place: the removed ones go to a heap array */
                ftc_fault_alloc_fail_after(0);
                for (int j = 8; j < 20; j++)
                    append_steal(src, U(j));
                {
                    ftc_object *big = range(20);
                    ftc_fault_alloc_fail_after(n);
                    rc = ftc_list_set_slice(big, 0, 17, src);
                    ftc_fault_alloc_fail_after(0);
                    if (rc != 0)
                        assert_range(big, 20);
                    ftc_decref(big);
                }
                break;
            default: rc = ftc_list_sort(l, less_tens, NULL, 1); break;
            }
            ftc_fault_alloc_fail_after(0);
            ftc_xdecref(out);
            ftc_decref(v);
            ftc_decref(src);
            if (rc == 0) {
                ftc_decref(l);
                break;
            }
            failures++;
            cr_assert_eq(rc, FTC_ENOMEM, "op %d rc %d", op, rc);
            assert_range(l, 8);
            ftc_decref(l);
            cr_assert(n < 100);
        }
        cr_assert(failures > 0, "op %d made no allocation", op);
    }
}

/* ftc_list_get_borrowed: the same items and errors as get_ref, no reference taken. */
Test(list, get_borrowed_items_errors_no_reference)
{
    ftc_object *l = ftc_list_new(), *d = ftc_dict_new(), *x = NULL;
    for (int j = 0; j < 100; j++)
        append_steal(l, U(j));
    for (int j = -100; j < 100; j++) {
        x = NULL;
        cr_assert_eq(ftc_list_get_borrowed(l, j, &x), 0);
        cr_assert_eq(N(x), j < 0 ? j + 100 : j);
        cr_assert_eq(ftc_object_refcount(x), 1, "only the list holds it");
    }
    x = l;
    cr_assert_eq(ftc_list_get_borrowed(l, 100, &x), FTC_EINDEX);
    cr_assert_null(x);
    cr_assert_eq(ftc_list_get_borrowed(l, -101, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_borrowed(l, INT64_MIN, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_borrowed(d, 0, &x), FTC_ETYPE);
    cr_assert_null(x);
    cr_assert_eq(ftc_list_get_borrowed(NULL, 0, &x), FTC_EINVAL);
    cr_assert_eq(ftc_list_get_borrowed(l, 0, NULL), FTC_EINVAL);
    ftc_object *e = ftc_list_new();
    cr_assert_eq(ftc_list_get_borrowed(e, 0, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_get_borrowed(e, -1, &x), FTC_EINDEX);
    cr_assert_eq(ftc_list_len(l), 100, "nothing lost");
    ftc_decref(e);
    ftc_decref(d);
    ftc_decref(l);
}
