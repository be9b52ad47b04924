/* Objects: allocation, exact reference counts, deallocation, immortality, the live count,
 * hashing and equality, try-incref, and fault injection over ftc_object_new. These run
 * without a runtime (the calling thread has no tstate) and, in the second half, with one. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/object.h"

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t payload[4];
} counted;

static int deallocs;
static ftc_object *last_dealloc;

static void counted_dealloc(ftc_object *self)
{
    deallocs++;
    last_dealloc = self;
}

static int counted_hash(ftc_object *self, uint64_t *out)
{
    *out = (uint64_t)((counted *)self)->payload[0];
    return 0;
}

static int counted_eq(ftc_object *self, ftc_object *other)
{
    if (ftc_type_of(other) != ftc_type_of(self))
        return 0;
    if (((counted *)self)->payload[1] < 0)
        return (int)((counted *)self)->payload[1]; /* an error code */
    return ((counted *)self)->payload[0] == ((counted *)other)->payload[0];
}

static const ftc_type counted_type = {
    "counted", sizeof(counted), counted_dealloc, counted_hash, counted_eq, NULL, NULL};
static const ftc_type plain_type = {"plain", sizeof(counted), NULL, NULL, NULL, NULL, NULL};

Test(object, new_is_zero_filled_with_one_reference)
{
    int64_t live = ftc_object_live_count();
    counted *c = (counted *)ftc_object_new(&counted_type);
    cr_assert_not_null(c);
    cr_assert_eq(ftc_type_of(FTC_OBJ(c)), &counted_type);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(c->payload[i], 0);
    cr_assert_eq(ftc_object_refcount(FTC_OBJ(c)), 1);
    cr_assert_eq(ftc_object_live_count(), live + 1);
    cr_assert(!ftc_object_is_immortal(FTC_OBJ(c)));
    ftc_decref(FTC_OBJ(c));
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(last_dealloc, FTC_OBJ(c));
    cr_assert_eq(ftc_object_live_count(), live);
}

Test(object, header_size_per_build)
{
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(sizeof(ftc_object), 32);
#else
    cr_assert_eq(sizeof(ftc_object), 16);
#endif
}

Test(object, bad_types_are_refused)
{
    ftc_set_last_error(0);
    cr_assert_null(ftc_object_new(NULL));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
    static const ftc_type tiny = {"tiny", 4, NULL, NULL, NULL, NULL, NULL};
    ftc_set_last_error(0);
    cr_assert_null(ftc_object_new(&tiny));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
}

Test(object, counts_are_exact)
{
    ftc_object *o = ftc_object_new(&counted_type);
    for (int i = 0; i < 1000; i++)
        ftc_incref(o);
    cr_assert_eq(ftc_object_refcount(o), 1001);
    for (int i = 0; i < 1000; i++) {
        ftc_decref(o);
        cr_assert_eq(deallocs, 0);
    }
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_xincref(o);
    ftc_xdecref(o);
    ftc_xdecref(NULL);
    ftc_xincref(NULL);
    cr_assert_eq(deallocs, 0);
    ftc_xdecref(o);
    cr_assert_eq(deallocs, 1);
}

Test(object, many_objects_each_freed_once)
{
    enum { N = 500 };
    ftc_object *objs[N];
    int64_t live = ftc_object_live_count();
    for (int i = 0; i < N; i++) {
        objs[i] = ftc_object_new(&counted_type);
        cr_assert_not_null(objs[i]);
        ftc_incref(objs[i]);
    }
    cr_assert_eq(ftc_object_live_count(), live + N);
    for (int i = 0; i < N; i++)
        ftc_decref(objs[i]);
    cr_assert_eq(deallocs, 0);
    for (int i = N - 1; i >= 0; i--)
        ftc_decref(objs[i]);
    cr_assert_eq(deallocs, N);
    cr_assert_eq(ftc_object_live_count(), live);
}

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t v;
} static_obj;

Test(object, static_objects_are_immortal)
{
    static static_obj s = {FTC_OBJECT_STATIC_INIT(&counted_type), 7};
    ftc_object *o = FTC_OBJ(&s);
    cr_assert(ftc_object_is_immortal(o));
    for (int i = 0; i < 100; i++)
        ftc_decref(o);
    for (int i = 0; i < 50; i++)
        ftc_incref(o);
    cr_assert(ftc_object_is_immortal(o));
    cr_assert_eq(deallocs, 0);
    cr_assert(ftc_try_incref(o));
    cr_assert_eq(s.v, 7);
}

Test(object, immortalize_freezes_counts)
{
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(o), 0);
    cr_assert(ftc_object_is_immortal(o));
    cr_assert_eq(ftc_object_immortalize(o), 0); /* idempotent */
    for (int i = 0; i < 10; i++)
        ftc_decref(o);
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_refcount(o), INT64_MAX);
    /* Freed by runtime fini (tested with a runtime below). */
}

Test(object, immortalize_out_of_memory_leaves_object_mortal)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_fault_alloc_fail_after(1);
    int rc = ftc_object_immortalize(o);
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(rc, FTC_ENOMEM);
    cr_assert(!ftc_object_is_immortal(o));
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
}

Test(object, hash_and_eq)
{
    counted *a = (counted *)ftc_object_new(&counted_type);
    counted *b = (counted *)ftc_object_new(&counted_type);
    a->payload[0] = 42;
    b->payload[0] = 42;
    uint64_t ha = 0, hb = 1;
    cr_assert_eq(ftc_object_hash(FTC_OBJ(a), &ha), 0);
    cr_assert_eq(ftc_object_hash(FTC_OBJ(b), &hb), 0);
    cr_assert_eq(ha, 42);
    cr_assert_eq(ha, hb);
    cr_assert_eq(ftc_object_eq(FTC_OBJ(a), FTC_OBJ(b)), 1);
    b->payload[0] = 43;
    cr_assert_eq(ftc_object_eq(FTC_OBJ(a), FTC_OBJ(b)), 0);
    a->payload[1] = FTC_EUSER - 1;
    cr_assert_eq(ftc_object_eq(FTC_OBJ(a), FTC_OBJ(b)), FTC_EUSER - 1);
    cr_assert_eq(ftc_object_eq(FTC_OBJ(a), FTC_OBJ(a)), 1); /* identity first */

    ftc_object *p = ftc_object_new(&plain_type), *q = ftc_object_new(&plain_type);
    uint64_t h;
    cr_assert_eq(ftc_object_hash(p, &h), FTC_ETYPE);
    cr_assert_eq(ftc_object_eq(p, q), 0); /* NULL eq: identity */
    cr_assert_eq(ftc_object_eq(p, p), 1);
    ftc_object *i = ftc_int_new(42), *s = ftc_str_new("42", 2);
    cr_assert_eq(ftc_object_eq(i, s), 0);
    cr_assert_eq(ftc_object_eq(s, i), 0);
    cr_assert_eq(ftc_object_eq(FTC_OBJ(a), i), 0);
    cr_assert_eq(ftc_object_eq(i, FTC_OBJ(a)), 0);
    ftc_decref(i);
    ftc_decref(s);
    ftc_decref(p);
    ftc_decref(q);
    ftc_decref(FTC_OBJ(a));
    ftc_decref(FTC_OBJ(b));
    cr_assert_eq(deallocs, 2);
}

Test(object, try_incref_and_slot_recheck)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object *other = ftc_object_new(&counted_type);
    ftc_object_set_shared(o);
    cr_assert(ftc_try_incref(o));
    cr_assert_eq(ftc_object_refcount(o), 2);
    ftc_object *slot = o;
    cr_assert(ftc_try_incref_slot(&slot, o));
    cr_assert_eq(ftc_object_refcount(o), 3);
    slot = other; /* the slot changed: the reference is undone */
    cr_assert(!ftc_try_incref_slot(&slot, o));
    cr_assert_eq(ftc_object_refcount(o), 3);
    ftc_decref(o);
    ftc_decref(o);
    ftc_decref(o);
    ftc_decref(other);
    cr_assert_eq(deallocs, 2);
}

Test(object, set_shared_marks_the_word)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object_set_shared(o);
    ftc_object_set_shared(o);
#ifdef FTC_GIL_DISABLED
    cr_assert_neq(o->ob_ref_shared & FTC_REF_SHARED_FLAG_MASK, 0);
    cr_assert(o->ob_flags & FTC_OBF_QSBR);
#endif
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
}

/* Fault injection: walk n over every allocation ftc_object_new makes. */
Test(object, new_fault_walk)
{
    int64_t live = ftc_object_live_count();
    ftc_fault_alloc_fail_after(0);
    ftc_object *o = ftc_object_new(&counted_type);
    uint64_t allocs = ftc_fault_alloc_count();
    cr_assert_not_null(o);
    cr_assert_geq(allocs, 1);
    ftc_decref(o);
    for (uint64_t n = 1; n <= allocs; n++) {
        ftc_fault_alloc_fail_after(n);
        ftc_set_last_error(0);
        o = ftc_object_new(&counted_type);
        ftc_fault_alloc_fail_after(0);
        cr_assert_null(o, "allocation %lu of %lu failed but the object was made", (unsigned long)n,
                       (unsigned long)allocs);
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
        cr_assert_eq(ftc_object_live_count(), live);
    }
    cr_assert_eq(deallocs, 1);
}

Test(object, hot_in_no_runtime_is_refused_or_plain)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object *imm = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(imm), 0);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(ftc_object_set_hot(imm), FTC_ESTATE);
#else
    cr_assert_eq(ftc_object_set_hot(imm), 0);
#endif
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
}

/* ---- with a runtime ---- */

Test(object, runtime_fini_frees_immortalized_heap_objects)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    int64_t live = ftc_object_live_count();
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(o), 0);
    ftc_decref(o);
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_live_count(), live + 1);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(ftc_object_live_count(), live);
}

Test(object, no_leak_at_runtime_fini)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    enum { N = 300 };
    for (int i = 0; i < N; i++) {
        ftc_object *o = ftc_object_new(&counted_type);
        ftc_object_set_shared(o); /* nogil: freed through QSBR */
        ftc_decref(o);
    }
    cr_assert_eq(deallocs, N);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ftc_object_live_count(), 0);
    /* ASan's leak check at exit proves the deferred memory was freed too. */
}

Test(object, new_var_sizes_and_refusals)
{
    int before = deallocs;
    ftc_object *o = ftc_object_new_var(&counted_type, sizeof(counted) + 64);
    cr_assert_not_null(o);
    unsigned char *tail = (unsigned char *)o + sizeof(counted);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(tail[i], 0);
    memset(tail, 0xab, 64); /* the extra bytes are the object's own (ASan checks) */
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    cr_assert_eq(deallocs, before + 1);
    ftc_set_last_error(0);
    cr_assert_null(ftc_object_new_var(&counted_type, sizeof(counted) - 1));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
    cr_assert_null(ftc_object_new_var(NULL, 64));
}

/* An immortal that holds a reference to an immortal made after it (a dict made at start-up
 * holding keys interned later): runtime fini releases both without reading freed memory. */
typedef struct {
    FTC_OBJECT_HEAD;
    ftc_object *held;
    int *seen_immortal;
} holder;

static void holder_dealloc(ftc_object *self)
{
    holder *h = (holder *)self;
    /* The held object must still be readable here: its header says immortal. */
    *h->seen_immortal = ftc_object_is_immortal(h->held);
    ftc_decref(h->held);
}

static const ftc_type holder_type = {"holder", sizeof(holder), holder_dealloc, NULL, NULL, NULL,
                                     NULL};

Test(object, runtime_fini_immortal_holding_a_younger_immortal)
{
    static int seen = -1;
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    holder *h = (holder *)ftc_object_new(&holder_type);
    cr_assert_eq(ftc_object_immortalize(FTC_OBJ(h)), 0);
    ftc_object *young = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(young), 0);
    h->held = young; /* the holder's reference (immortal: counts do not change) */
    h->seen_immortal = &seen;
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(seen, 1);
}
