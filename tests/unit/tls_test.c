/* Thread-local storage: keys (create/get/set/delete, destructors at thread-state deletion,
 * rounds of destructors, exhaustion, allocation failures) and threading.local objects
 * (references held and released exactly once). Destructors run when a thread state is
 * deleted; here that is a sub-interpreter's tstate of this same thread, or the main tstate at
 * ftc_runtime_fini(). Many threads: tests/stress/tls_stress.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(tls, .init = setup, .fini = teardown);
TestSuite(tls_exit);

static int dtor_calls;
static void *dtor_last;
static void count_dtor(void *v)
{
    dtor_calls++;
    dtor_last = v;
}

/* a type that counts its deallocations */
typedef struct {
    FTC_OBJECT_HEAD;
    int64_t v;
} counted;
static int deallocs;
static void counted_dealloc(ftc_object *o)
{
    (void)o;
    deallocs++;
}
static const ftc_type counted_type = {
    .name = "counted", .basicsize = sizeof(counted), .dealloc = counted_dealloc};

Test(tls, key_get_set_delete)
{
    ftc_tls_key k;
    cr_assert_eq(ftc_tls_key_create(&k, NULL), 0);
    cr_assert_neq(k, FTC_TLS_KEY_INVALID);
    int x = 1, y = 2;
    cr_assert_null(ftc_tls_get(k));
    cr_assert_eq(ftc_tls_set(k, &x), 0);
    cr_assert_eq(ftc_tls_get(k), &x);
    cr_assert_eq(ftc_tls_set(k, &y), 0);
    cr_assert_eq(ftc_tls_get(k), &y);
    cr_assert_eq(ftc_tls_set(k, NULL), 0);
    cr_assert_null(ftc_tls_get(k));
    cr_assert_eq(ftc_tls_set(k, &x), 0);
    cr_assert_eq(ftc_tls_key_delete(k), 0);
    cr_assert_null(ftc_tls_get(k), "a deleted key has no values");
    cr_assert_eq(ftc_tls_set(k, &x), FTC_EINVAL);
    cr_assert_eq(ftc_tls_key_delete(k), FTC_EINVAL);

    ftc_tls_key k2;
    cr_assert_eq(ftc_tls_key_create(&k2, NULL), 0);
    cr_assert_neq(k2, k, "a reused slot gets a new generation");
    cr_assert_null(ftc_tls_get(k2));
    cr_assert_null(ftc_tls_get(k));
    cr_assert_eq(ftc_tls_key_delete(k2), 0);
}

Test(tls, bad_keys_and_detached_callers)
{
    int x;
    cr_assert_eq(ftc_tls_key_create(NULL, NULL), FTC_EINVAL);
    cr_assert_null(ftc_tls_get(FTC_TLS_KEY_INVALID));
    cr_assert_eq(ftc_tls_set(FTC_TLS_KEY_INVALID, &x), FTC_EINVAL);
    cr_assert_eq(ftc_tls_set((ftc_tls_key)1 << 32 | 77, &x), FTC_EINVAL, "never created");
    cr_assert_eq(ftc_tls_key_delete(FTC_TLS_KEY_INVALID), FTC_EINVAL);
    ftc_tls_key k;
    cr_assert_eq(ftc_tls_key_create(&k, NULL), 0);
    cr_assert_eq(ftc_tls_set(k, &x), 0);
    ftc_tstate *ts = ftc_detach();
    cr_assert_eq(ftc_tls_set(k, &x), FTC_ESTATE);
    cr_assert_null(ftc_tls_get(k));
    ftc_attach(ts);
    cr_assert_eq(ftc_tls_get(k), &x);
    cr_assert_eq(ftc_tls_key_delete(k), 0);
}

Test(tls, destructor_runs_once_when_the_tstate_is_deleted)
{
    dtor_calls = 0;
    ftc_tls_key k, never;
    cr_assert_eq(ftc_tls_key_create(&k, count_dtor), 0);
    cr_assert_eq(ftc_tls_key_create(&never, count_dtor), 0);
    int main_value, sub_value;
    cr_assert_eq(ftc_tls_set(k, &main_value), 0);

    ftc_tstate *prev = NULL;
    ftc_interp *sub = ftc_interp_new(&prev);
    cr_assert_not_null(sub);
    cr_assert_null(ftc_tls_get(k), "a new thread state starts empty");
    cr_assert_eq(ftc_tls_set(k, &sub_value), 0);
    cr_assert_eq(ftc_tls_set(never, &sub_value), 0);
    cr_assert_eq(ftc_tls_set(never, NULL), 0, "a cleared value gets no destructor");
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_eq(dtor_calls, 1);
    cr_assert_eq(dtor_last, &sub_value);
    ftc_attach(prev);
    cr_assert_eq(ftc_tls_get(k), &main_value, "the main tstate keeps its own value");
    cr_assert_eq(ftc_tls_key_delete(k), 0);
    cr_assert_eq(ftc_tls_key_delete(never), 0);
    cr_assert_eq(dtor_calls, 1, "delete runs no destructor");
}

static ftc_tls_key resetting_key;
static int resetting_calls;
static void resetting_dtor(void *v)
{
    resetting_calls++;
    cr_assert_eq(ftc_tls_set(resetting_key, v), 0); /* a destructor that sets the value again */
}

Test(tls_exit, destructors_run_at_runtime_fini_in_bounded_rounds)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    dtor_calls = 0;
    resetting_calls = 0;
    ftc_tls_key k;
    cr_assert_eq(ftc_tls_key_create(&k, count_dtor), 0);
    cr_assert_eq(ftc_tls_key_create(&resetting_key, resetting_dtor), 0);
    int a, b;
    cr_assert_eq(ftc_tls_set(k, &a), 0);
    cr_assert_eq(ftc_tls_set(resetting_key, &b), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(dtor_calls, 1);
    cr_assert_eq(resetting_calls, FTC_TLS_DESTRUCTOR_ROUNDS);
}

Test(tls_exit, local_values_are_released_at_thread_exit)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    deallocs = 0;
    ftc_object *loc = ftc_local_new();
    ftc_object *v = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_local_set(loc, v), 0);
    ftc_decref(v); /* the local holds the only reference now */
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(deallocs, 1);
    /* The local object outlives that runtime (plain memory); release it in a new one. */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_decref(loc);
    cr_assert_eq(deallocs, 1, "no value was left to release");
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(tls, local_holds_and_releases_references)
{
    deallocs = 0;
    ftc_object *loc = ftc_local_new();
    cr_assert_not_null(loc);
    ftc_object *out = (ftc_object *)1;
    cr_assert_eq(ftc_local_get(loc, &out), 0);
    cr_assert_null(out);
    ftc_object *a = ftc_object_new(&counted_type);
    ftc_object *b = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_local_set(loc, a), 0);
    cr_assert_eq(ftc_object_refcount(a), 2);
    cr_assert_eq(ftc_local_get(loc, &out), 1);
    cr_assert_eq(out, a);
    cr_assert_eq(ftc_object_refcount(a), 3);
    ftc_decref(out);
    cr_assert_eq(ftc_local_set(loc, b), 0, "replacing releases the old value");
    cr_assert_eq(ftc_object_refcount(a), 1);
    cr_assert_eq(ftc_local_set(loc, NULL), 0);
    cr_assert_eq(ftc_object_refcount(b), 1);
    cr_assert_eq(ftc_local_set(loc, b), 0);
    ftc_decref(a);
    ftc_decref(b);
    cr_assert_eq(deallocs, 1, "a is gone, b lives in the local");
    ftc_decref(loc);
    cr_assert_eq(deallocs, 2, "the local's death released b");
}

static int init_calls;
static ftc_object *make_value(void *arg, int *err)
{
    init_calls++;
    if (arg) {
        *err = FTC_EUSER - 1;
        return NULL;
    }
    return ftc_int_new(42);
}

Test(tls, local_with_init_runs_it_once_per_thread)
{
    init_calls = 0;
    ftc_object *loc = ftc_local_new_with_init(make_value, NULL);
    ftc_object *out;
    cr_assert_eq(ftc_local_get(loc, &out), 1);
    cr_assert_eq(ftc_int_value(out), 42);
    ftc_decref(out);
    cr_assert_eq(ftc_local_get(loc, &out), 1);
    ftc_decref(out);
    cr_assert_eq(init_calls, 1);
    ftc_decref(loc);

    ftc_object *bad = ftc_local_new_with_init(make_value, (void *)1);
    cr_assert_eq(ftc_local_get(bad, &out), FTC_EUSER - 1);
    cr_assert_null(out);
    ftc_decref(bad);
}

Test(tls, local_error_paths)
{
    ftc_object *loc = ftc_local_new();
    ftc_object *l = ftc_lock_new();
    ftc_object *out;
    cr_assert_eq(ftc_local_get(l, &out), FTC_ETYPE);
    cr_assert_eq(ftc_local_set(l, l), FTC_ETYPE);
    cr_assert_eq(ftc_local_get(loc, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_local_set(NULL, l), FTC_EINVAL);
    ftc_tstate *ts = ftc_detach();
    cr_assert_eq(ftc_local_get(loc, &out), FTC_ESTATE);
    cr_assert_eq(ftc_local_set(loc, l), FTC_ESTATE);
    ftc_attach(ts);
    ftc_decref(l);
    ftc_decref(loc);
}

Test(tls, allocation_failures_change_nothing)
{
    /* Walk an injected failure over every allocation a first set() makes (storage, array). */
    int x;
    for (uint64_t n = 1;; n++) {
        ftc_tstate *prev = NULL;
        ftc_interp *sub = ftc_interp_new(&prev); /* a fresh, empty storage each round */
        cr_assert_not_null(sub);
        ftc_tls_key k;
        cr_assert_eq(ftc_tls_key_create(&k, NULL), 0);
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_tls_set(k, &x);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (rc == 0) {
            cr_assert_lt(made, n, "succeeded only once no allocation failed");
            cr_assert_eq(ftc_tls_get(k), &x);
        } else {
            cr_assert_eq(rc, FTC_ENOMEM);
            cr_assert_null(ftc_tls_get(k));
        }
        cr_assert_eq(ftc_tls_key_delete(k), 0);
        cr_assert_eq(ftc_interp_destroy(sub), 0);
        ftc_attach(prev);
        if (rc == 0)
            break;
        cr_assert_lt(n, 10);
    }
}

Test(tls, keys_run_out_cleanly)
{
    static ftc_tls_key keys[FTC_TLS_KEYS_MAX];
    size_t n = 0;
    int rc;
    ftc_tls_key k;
    while ((rc = ftc_tls_key_create(&k, NULL)) == 0) {
        cr_assert_lt(n, FTC_TLS_KEYS_MAX);
        keys[n++] = k;
    }
    cr_assert_eq(rc, FTC_EAGAIN);
    cr_assert_eq(k, FTC_TLS_KEY_INVALID);
    cr_assert_eq(n, FTC_TLS_KEYS_MAX);
    int x;
    cr_assert_eq(ftc_tls_set(keys[n - 1], &x), 0, "the last key works");
    cr_assert_eq(ftc_tls_get(keys[n - 1]), &x);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(ftc_tls_key_delete(keys[i]), 0);
    cr_assert_eq(ftc_tls_key_create(&k, NULL), 0, "deleted keys are reused");
    cr_assert_eq(ftc_tls_key_delete(k), 0);
}
