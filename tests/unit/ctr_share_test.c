/* Containers private until another thread comes (containers/ctr.h), in both builds.
 *
 * nogil: a dict or list marks nothing while only its creator uses it, and another thread's
 * first operation of any kind marks everything it holds then (the flags are checked here);
 * both builds: the values, lengths, reference counts and the live count around the same
 * sequences. The transition under concurrency (memory safety when the first access races with
 * the owner's writes) is tests/stress/ctr_share.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include "unit_objects.h"

#include <ftcore/ftcore.h>

static int64_t live_at_start;

static void setup(void)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    live_at_start = ftc_object_live_count();
}
static void teardown(void) { ftc_fini_check_no_leak(live_at_start); }
TestSuite(dict_share, .init = setup, .fini = teardown);
TestSuite(list_share, .init = setup, .fini = teardown);

#ifdef FTC_GIL_DISABLED
static bool has_flag(ftc_object *o, uint16_t f)
{
    return (ftc_atomic_load_relaxed(&o->ob_flags) & f) != 0;
}
/* Marked shared: FTC_OBF_QSBR and a non-zero state in ob_ref_shared's low bits. */
static bool is_marked(ftc_object *o)
{
    return has_flag(o, FTC_OBF_QSBR) &&
           (ftc_atomic_load_relaxed(&o->ob_ref_shared) & FTC_REF_SHARED_FLAG_MASK) != 0;
}
#define ASSERT_CTR_SHARED(c, want) \
    cr_assert_eq(has_flag((c), FTC_OBF_CTR_SHARED), (want), "container shared flag")
#define ASSERT_MARKED(o, want) cr_assert_eq(is_marked(o), (want), "item marked")
#define is_marked_or(o, dflt) ((void)(dflt), is_marked(o))
#else
#define is_marked_or(o, dflt) ((void)(o), (dflt))
#define ASSERT_CTR_SHARED(c, want) ((void)(c), (void)(want))
#define ASSERT_MARKED(o, want) ((void)(o), (void)(want))
#endif

/* ---- private until another thread comes (containers/ctr.h) ----
 * nogil: a dict filled by its owner marks nothing (no FTC_OBF_CTR_SHARED on the dict, no
 * FTC_OBF_QSBR on what it holds) until another thread's first operation, which marks every
 * key and value it holds then; from that point the owner's stores are marked at once, and
 * a value replaced or deleted while the dict was private stays unmarked. A copy is private
 * again. Both builds: the values, lengths, refcounts and the live count. */

enum { SH_KEYS = 40 };
static int64_t sh_val(int64_t key) { return key * 1000003 + 11; }

/* Asserts that every key and value of d is marked (or none is) and that each value decodes
 * to its key; returns the number of entries. */
static int64_t assert_entries(ftc_object *d, bool marked)
{
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int64_t n = 0;
    int rc;
    while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) {
        cr_assert_eq(ftc_int_value(v), sh_val(ftc_int_value(k)), "value of key %lld",
                     (long long)ftc_int_value(k));
        ASSERT_MARKED(k, marked);
        ASSERT_MARKED(v, marked);
        ftc_decref(k);
        ftc_decref(v);
        n++;
    }
    cr_assert_eq(rc, 0);
    return n;
}

enum { VISIT_GET_BORROWED, VISIT_LEN, VISIT_SET };
typedef struct {
    ftc_object *d;
    int op;
    int rc;
    int64_t got; /* the int read (get), or the length */
} dict_visit;

/* Another thread's one operation (no Criterion asserts off the test's thread). */
static void dict_visitor(void *arg)
{
    dict_visit *vi = arg;
    vi->rc = -12345;
    ftc_object *k = ftc_int_new(vi->op == VISIT_SET ? 5000 : 1007);
    if (k == NULL)
        return;
    if (vi->op == VISIT_GET_BORROWED) {
        ftc_object *out = NULL;
        vi->rc = ftc_dict_get_borrowed(vi->d, k, &out);
        vi->got = out != NULL ? ftc_int_value(out) : -1; /* before any quiescent point */
    } else if (vi->op == VISIT_LEN) {
        vi->got = ftc_dict_len(vi->d);
        vi->rc = 0;
    } else {
        ftc_object *v = ftc_int_new(sh_val(5000));
        if (v != NULL) {
            vi->rc = ftc_dict_set(vi->d, k, v);
            ftc_decref(v);
        }
    }
    ftc_decref(k);
}

static void dict_visit_from_thread(dict_visit *vi)
{
    ftc_thread *t = NULL;
    cr_assert_eq(ftc_thread_start(&t, dict_visitor, vi, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_eq(ftc_eval_tick(), 0); /* merges whatever the visitor queued to us */
}

static void dict_private_then_shared(int op)
{
    ftc_object *d = ftc_dict_new();
    cr_assert_not_null(d);
    for (int64_t j = 0; j < SH_KEYS; j++)
        set_steal(d, I(1000 + j), I(sh_val(1000 + j)));
    /* Replaced and deleted while private, each still held by the test. */
    ftc_object *replaced = I(777777777), *dk = I(1000 + SH_KEYS), *dv = I(888888888);
    ftc_object *k3 = I(1003);
    cr_assert_eq(ftc_dict_set(d, k3, replaced), 0);
    set_steal(d, I(1003), I(sh_val(1003)));
    cr_assert_eq(ftc_dict_set(d, dk, dv), 0);
    cr_assert_eq(ftc_dict_del(d, dk), 0);
    cr_assert_eq(ftc_object_refcount(replaced), 1, "only the test holds it");
    cr_assert_eq(ftc_object_refcount(dv), 1);
    ASSERT_CTR_SHARED(d, false);
    cr_assert_eq(assert_entries(d, false), SH_KEYS);
    ASSERT_MARKED(replaced, false);
    ASSERT_MARKED(dv, false);

    dict_visit vi = {.d = d, .op = op, .rc = 0, .got = 0};
    dict_visit_from_thread(&vi);
    int64_t want_len = SH_KEYS;
    if (op == VISIT_GET_BORROWED) {
        cr_assert_eq(vi.rc, 1);
        cr_assert_eq(vi.got, sh_val(1007));
    } else if (op == VISIT_LEN) {
        cr_assert_eq(vi.rc, 0);
        cr_assert_eq(vi.got, SH_KEYS);
    } else {
        cr_assert_eq(vi.rc, 0);
        want_len++;
    }
    ASSERT_CTR_SHARED(d, true);
    cr_assert_eq(ftc_dict_len(d), want_len);
    cr_assert_eq(assert_entries(d, true), want_len);
    ASSERT_MARKED(replaced, false); /* gone before the dict was shared */
    ASSERT_MARKED(dv, false);
    ASSERT_MARKED(dk, false);
    cr_assert_eq(ftc_object_refcount(d), 1);
    ftc_object *k7 = I(1007), *out = NULL;
    cr_assert_eq(ftc_dict_get_borrowed(d, k7, &out), 1);
    cr_assert_eq(ftc_object_refcount(out), 1, "only the dict holds it");

    /* The owner's stores into the shared dict are marked at once: a new key and value, and a
     * value replacing one (which was marked by the pass and stays marked). */
    ftc_object *was7 = out, *fresh = I(sh_val(1007)), *nk = I(2000), *nv = I(sh_val(2000));
    ftc_incref(was7);
    cr_assert_eq(ftc_dict_set(d, k7, fresh), 0);
    cr_assert_eq(ftc_dict_set(d, nk, nv), 0);
    ASSERT_MARKED(fresh, true);
    ASSERT_MARKED(nk, true);
    ASSERT_MARKED(nv, true);
    ASSERT_MARKED(was7, true);
    cr_assert_eq(ftc_object_refcount(was7), 1, "dropped by the dict");
    cr_assert_eq(ftc_object_refcount(fresh), 2);
    ftc_decref(was7);
    want_len++;
    cr_assert_eq(assert_entries(d, true), want_len);

    /* A copy made by the owner is private again; what the owner stores into it is not
     * marked, and the dict it came from is unchanged. */
    ftc_object *c = ftc_dict_copy(d);
    cr_assert_not_null(c);
    ASSERT_CTR_SHARED(c, false);
    cr_assert_eq(ftc_dict_len(c), want_len);
    cr_assert_eq(ftc_object_refcount(fresh), 3);
    ftc_object *ck = I(3000), *cv = I(sh_val(3000));
    cr_assert_eq(ftc_dict_set(c, ck, cv), 0);
    ASSERT_MARKED(ck, false);
    ASSERT_MARKED(cv, false);
    ASSERT_CTR_SHARED(c, false);
    cr_assert_eq(ftc_dict_len(c), want_len + 1);
    cr_assert_eq(ftc_dict_len(d), want_len);
    cr_assert_eq(get_int(c, I(3000)), sh_val(3000));
    cr_assert_eq(get_int(d, I(3000)), -1);
    ftc_decref(c);
    cr_assert_eq(ftc_object_refcount(fresh), 2);
    cr_assert_eq(ftc_object_refcount(cv), 1);

    for (ftc_object **p = (ftc_object *[]){replaced, dk, dv, k3, k7, fresh, nk, nv, ck, cv, NULL};
         *p != NULL; p++)
        ftc_decref(*p);
    ftc_decref(d);
    cr_assert_eq(ftc_object_live_count(), live_at_start, "every object freed once");
}

Test(dict_share, private_until_another_thread_gets_borrowed)
{
    dict_private_then_shared(VISIT_GET_BORROWED);
}
Test(dict_share, private_until_another_thread_asks_len) { dict_private_then_shared(VISIT_LEN); }
Test(dict_share, private_until_another_thread_sets) { dict_private_then_shared(VISIT_SET); }

/* The owner's own reads and writes never share its dict, however many; clear and regrowth
 * free the private tables at once (ASan sees any use after that). */
Test(dict_share, owner_alone_never_shares)
{
    ftc_object *d = ftc_dict_new(), *out = NULL;
    cr_assert_not_null(d);
    for (int round = 0; round < 3; round++) {
        for (int64_t j = 0; j < 300; j++)
            set_steal(d, I(1000 + j), I(sh_val(1000 + j)));
        for (int64_t j = 0; j < 300; j += 7) {
            ftc_object *k = I(1000 + j);
            cr_assert_eq(ftc_dict_get_borrowed(d, k, &out), 1);
            cr_assert_eq(ftc_int_value(out), sh_val(1000 + j));
            ftc_decref(k);
            cr_assert_eq(get_int(d, I(1000 + j)), sh_val(1000 + j));
        }
        cr_assert_eq(assert_entries(d, false), 300);
        ASSERT_CTR_SHARED(d, false);
        cr_assert_eq(ftc_dict_clear(d), 0);
        cr_assert_eq(ftc_dict_len(d), 0);
    }
    ftc_decref(d);
    cr_assert_eq(ftc_object_live_count(), live_at_start);
}

/* ---- private until another thread comes (containers/ctr.h) ----
 * nogil: a list filled by its owner marks nothing (no FTC_OBF_CTR_SHARED on the list, no
 * FTC_OBF_QSBR on its items) until another thread's first operation (including the inline
 * lock-free get of list.c, with a positive or negative index), which marks every item it
 * holds then; from that point the owner's stores are marked at once, and an item replaced or
 * popped while the list was private stays unmarked. A copy is private again. Both builds:
 * the items, lengths, refcounts and the live count. */

enum { SH_ITEMS = 40 };
static int64_t sl_val(int64_t slot) { return slot * 1000003 + 1001; } /* never a small int */
static ftc_object *SI(int64_t v)
{
    ftc_object *o = ftc_int_new(v);
    cr_assert_not_null(o);
    return o;
}

/* Asserts that item j decodes to slot j for every j < n (the list's length) and, unless
 * marked is -1, that each is marked (1) or none is (0); returns the length. */
static int64_t assert_slots(ftc_object *l, int marked)
{
    int64_t n = ftc_list_len(l);
    for (int64_t j = 0; j < n; j++) {
        ftc_object *x = NULL;
        cr_assert_eq(ftc_list_get_borrowed(l, j, &x), 0);
        cr_assert_eq(ftc_int_value(x), sl_val(j), "item %lld", (long long)j);
        if (marked >= 0)
            cr_assert_eq(is_marked_or(x, marked == 1), marked == 1, "item %lld marked: want %d",
                         (long long)j, marked);
    }
    return n;
}

enum { LV_GET_BORROWED, LV_GET_BORROWED_NEG, LV_GET_REF, LV_LEN, LV_APPEND, LV_SET, LV_POP };
typedef struct {
    ftc_object *l;
    int op;
    int rc;
    int64_t got;        /* the int read, or the length */
    ftc_object *popped; /* LV_POP: the reference the list held, handed to the test */
} list_visit;

/* Another thread's one operation (no Criterion asserts off the test's thread). */
static void list_visitor(void *arg)
{
    list_visit *vi = arg;
    ftc_object *x = NULL, *v;
    vi->got = -1;
    switch (vi->op) {
    case LV_GET_BORROWED:
    case LV_GET_BORROWED_NEG:
        vi->rc = ftc_list_get_borrowed(vi->l, vi->op == LV_GET_BORROWED ? 7 : -SH_ITEMS + 7, &x);
        if (x != NULL)
            vi->got = ftc_int_value(x); /* before any quiescent point */
        break;
    case LV_GET_REF:
        vi->rc = ftc_list_get_ref(vi->l, 7, &x);
        if (x != NULL) {
            vi->got = ftc_int_value(x);
            ftc_decref(x);
        }
        break;
    case LV_LEN:
        vi->got = ftc_list_len(vi->l);
        vi->rc = 0;
        break;
    case LV_APPEND:
    case LV_SET:
        v = ftc_int_new(vi->op == LV_APPEND ? sl_val(SH_ITEMS) : sl_val(5));
        vi->rc = -12345;
        if (v != NULL) {
            vi->rc = vi->op == LV_APPEND ? ftc_list_append(vi->l, v) : ftc_list_set(vi->l, 5, v);
            ftc_decref(v);
        }
        break;
    default: vi->rc = ftc_list_pop(vi->l, -1, &vi->popped); break;
    }
}

static void list_private_then_shared(int op)
{
    ftc_object *l = ftc_list_new();
    cr_assert_not_null(l);
    for (int64_t j = 0; j < SH_ITEMS; j++)
        append_steal(l, SI(sl_val(j)));
    /* Replaced and popped while private, each still held by the test. */
    ftc_object *replaced = SI(777777777), *popped = NULL;
    cr_assert_eq(ftc_list_set(l, 3, replaced), 0);
    ftc_object *three = SI(sl_val(3));
    cr_assert_eq(ftc_list_set(l, 3, three), 0);
    ftc_decref(three);
    append_steal(l, SI(888888888));
    cr_assert_eq(ftc_list_pop(l, -1, &popped), 0);
    cr_assert_eq(ftc_int_value(popped), 888888888);
    cr_assert_eq(ftc_object_refcount(replaced), 1, "only the test holds it");
    cr_assert_eq(ftc_object_refcount(popped), 1);
    ASSERT_CTR_SHARED(l, false);
    cr_assert_eq(assert_slots(l, 0), SH_ITEMS);
    ASSERT_MARKED(replaced, false);
    ASSERT_MARKED(popped, false);
    /* Hold what the visitor's set or pop will drop from the list, to check it afterwards. */
    ftc_object *five = NULL, *last = NULL;
    cr_assert_eq(ftc_list_get_ref(l, 5, &five), 0);
    cr_assert_eq(ftc_list_get_ref(l, -1, &last), 0);

    list_visit vi = {.l = l, .op = op, .rc = 0, .got = 0, .popped = NULL};
    ftc_thread *t = NULL;
    cr_assert_eq(ftc_thread_start(&t, list_visitor, &vi, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_eq(ftc_eval_tick(), 0); /* merges whatever the visitor queued to us */

    int64_t want_len = SH_ITEMS;
    cr_assert_eq(vi.rc, 0);
    switch (op) {
    case LV_GET_BORROWED:
    case LV_GET_BORROWED_NEG:
    case LV_GET_REF: cr_assert_eq(vi.got, sl_val(7)); break;
    case LV_LEN: cr_assert_eq(vi.got, SH_ITEMS); break;
    case LV_APPEND: want_len++; break;
    case LV_POP:
        cr_assert_eq(vi.popped, last);
        ftc_decref(vi.popped);
        want_len--;
        break;
    default: break;
    }
    ASSERT_CTR_SHARED(l, true);
    cr_assert_eq(assert_slots(l, 1), want_len);
    ASSERT_MARKED(replaced, false); /* gone before the list was shared */
    ASSERT_MARKED(popped, false);
    ASSERT_MARKED(five, true); /* held when the list was shared */
    ASSERT_MARKED(last, true);
    cr_assert_eq(ftc_object_refcount(five), op == LV_SET ? 1 : 2);
    cr_assert_eq(ftc_object_refcount(last), op == LV_POP ? 1 : 2);
    cr_assert_eq(ftc_object_refcount(l), 1);

    /* The owner's stores into the shared list are marked at once (append and set). */
    ftc_object *fresh = SI(sl_val(9)), *app = SI(sl_val(want_len)), *was9 = NULL;
    cr_assert_eq(ftc_list_get_ref(l, 9, &was9), 0);
    cr_assert_eq(ftc_list_set(l, 9, fresh), 0);
    cr_assert_eq(ftc_list_append(l, app), 0);
    want_len++;
    ASSERT_MARKED(fresh, true);
    ASSERT_MARKED(app, true);
    cr_assert_eq(ftc_object_refcount(was9), 1, "dropped by the list");
    cr_assert_eq(ftc_object_refcount(fresh), 2);
    ftc_decref(was9);
    cr_assert_eq(assert_slots(l, 1), want_len);

    /* A copy made by the owner is private again; what the owner stores into it is not
     * marked, and the list it came from is unchanged. */
    ftc_object *c = ftc_list_copy(l);
    cr_assert_not_null(c);
    ASSERT_CTR_SHARED(c, false);
    cr_assert_eq(ftc_list_len(c), want_len);
    cr_assert_eq(ftc_object_refcount(fresh), 3);
    ftc_object *cv = SI(sl_val(want_len));
    cr_assert_eq(ftc_list_append(c, cv), 0);
    ASSERT_MARKED(cv, false);
    ASSERT_CTR_SHARED(c, false);
    cr_assert_eq(assert_slots(c, -1), want_len + 1); /* the items it copied stay marked */
    ftc_decref(c);
    cr_assert_eq(ftc_list_len(l), want_len);
    cr_assert_eq(ftc_object_refcount(fresh), 2);
    cr_assert_eq(ftc_object_refcount(cv), 1);

    for (ftc_object **p = (ftc_object *[]){replaced, popped, five, last, fresh, app, cv, NULL};
         *p != NULL; p++)
        ftc_decref(*p);
    ftc_decref(l);
    cr_assert_eq(ftc_object_live_count(), live_at_start, "every object freed once");
}

Test(list_share, private_until_another_thread_gets_borrowed)
{
    list_private_then_shared(LV_GET_BORROWED);
}
Test(list_share, private_until_another_thread_gets_borrowed_negative)
{
    list_private_then_shared(LV_GET_BORROWED_NEG);
}
Test(list_share, private_until_another_thread_gets_ref) { list_private_then_shared(LV_GET_REF); }
Test(list_share, private_until_another_thread_asks_len) { list_private_then_shared(LV_LEN); }
Test(list_share, private_until_another_thread_appends) { list_private_then_shared(LV_APPEND); }
Test(list_share, private_until_another_thread_sets) { list_private_then_shared(LV_SET); }
Test(list_share, private_until_another_thread_pops) { list_private_then_shared(LV_POP); }

/* ---- a private dict released by another thread while its owner still borrows a value ----
 * The owner O borrows v from its private dict (or list) D, then drops its own reference to D
 * while a thread T still holds one (counted in D's shared word: O stops owning D). T's decref then
 * deallocates D on T. v's last reference was D's and v has no owner (its creator Y dropped its
 * own reference, which merged v's count), so v dies right there. O's borrowed v must stay
 * readable until O's next quiescent point (dict.h): the dealloc of a never-shared container by
 * another thread marks what it holds, so v's memory waits for a grace period that O, spinning
 * without a tick, holds up. Before that rule v was freed at once and this read was a
 * use-after-free (the ASan presets report it). nogil only: under the GIL, T cannot run while
 * O spins holding it, and O may not tick (a tick ends what a borrowed pointer is good for). */

#ifdef FTC_GIL_DISABLED
enum { DB_VALUE = 987654321 };
typedef struct {
    ftc_object *v;  /* atomic: Y's value */
    ftc_object *d;  /* atomic: O's dict, for T */
    int y_go, t_go; /* atomic: O -> Y, O -> T */
    int t_held, t_done;
} dealloc_borrow;

static void db_spin_until(int *flag)
{
    /* No tick and no detach: O must not pass a quiescent point. */
    while (!ftc_atomic_load_acquire(flag))
        ftc_cpu_relax();
}

static void db_creator(void *arg) /* Y */
{
    dealloc_borrow *s = arg;
    ftc_object *v = ftc_int_new(DB_VALUE);
    ftc_atomic_store_release(&s->v, v);
    if (v == NULL)
        return;
    while (!ftc_atomic_load_acquire(&s->y_go))
        ftc_eval_tick();
    ftc_decref(v); /* Y's own count reaches zero with O's reference in the shared word */
}

static void db_releaser(void *arg) /* T */
{
    dealloc_borrow *s = arg;
    ftc_object *d = ftc_atomic_load_acquire(&s->d);
    ftc_incref(d); /* counted in d's shared word: T is not d's owner */
    ftc_atomic_store_release(&s->t_held, 1);
    while (!ftc_atomic_load_acquire(&s->t_go))
        ftc_cpu_relax();
    ftc_decref(d); /* the last reference: d is deallocated here, on T */
    ftc_atomic_store_release(&s->t_done, 1);
}

/* The scenario above for a dict (is_list 0) or a list (1). */
static void released_by_another_thread(int is_list)
{
    dealloc_borrow s = {0};
    ftc_thread *y, *t;
    cr_assert_eq(ftc_thread_start(&y, db_creator, &s, NULL), 0);
    ftc_object *v;
    while ((v = ftc_atomic_load_acquire(&s.v)) == NULL)
        ftc_eval_tick();
    ftc_object *d = is_list ? ftc_list_new() : ftc_dict_new(), *k = I(5);
    cr_assert_not_null(d);
    /* O's reference to v, in v's shared word */
    if (is_list)
        cr_assert_eq(ftc_list_append(d, v), 0);
    else
        cr_assert_eq(ftc_dict_set(d, k, v), 0);
    ftc_atomic_store_release(&s.y_go, 1);
    cr_assert_eq(ftc_thread_join(y, -1), 0);
    ftc_thread_release(y);

    ftc_atomic_store_release(&s.d, d);
    cr_assert_eq(ftc_thread_start(&t, db_releaser, &s, NULL), 0);
    while (!ftc_atomic_load_acquire(&s.t_held))
        ftc_eval_tick();
    ftc_object *got = NULL;
    if (is_list)
        cr_assert_eq(ftc_list_get_borrowed(d, 0, &got), 0);
    else
        cr_assert_eq(ftc_dict_get_borrowed(d, k, &got), 1);
    cr_assert_eq(got, v);
    ASSERT_CTR_SHARED(d, false);
    ftc_decref(k);
    ftc_decref(d); /* O's last reference: O no longer owns d; T holds the only one */
    ftc_atomic_store_release(&s.t_go, 1);
    db_spin_until(&s.t_done);
    /* d and v are gone (nogil: v's memory waits for our next quiescent point). */
    cr_assert_eq(ftc_int_value(got), DB_VALUE);
    ftc_eval_tick();
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}

Test(dict_share, private_dict_released_by_another_thread_keeps_borrowed_value)
{
    released_by_another_thread(0);
}

Test(list_share, private_list_released_by_another_thread_keeps_borrowed_item)
{
    released_by_another_thread(1);
}
#endif
