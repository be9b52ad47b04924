/* Allocation-failure sweeps over the public operations of the threading API that allocate:
 * the constructors of Lock, RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier,
 * Future, local and pool; a local's first get and set in a thread; a future's done callback;
 * pool submit and map; thread start, both the starter's allocations and the new thread's own
 * (ftc_fault_alloc_fail_in_next_thread), and a pool worker's start; ftc_tstate_new on a thread
 * the embedder created.
 *
 * For each operation: run it once with nothing armed and count its allocations; then for every
 * n up to that count, fail the n-th allocation and check the call fails with FTC_ENOMEM (or
 * NULL and ftc_last_error() == FTC_ENOMEM), that nothing half-built remains (the live-object
 * count and the thread count are back where they were, the object it acted on still works and
 * is unchanged), and, in the ASan presets, that nothing leaked (LeakSanitizer at the exit of
 * each test's process). The walk ends at the first n the operation survives, which must be
 * past every allocation it made.
 */
#include <criterion/criterion.h>
#include "unit_fini.h"

#include "check.h"
#include "internal/core.h"

#include <pthread.h>

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }

TestSuite(fault, .init = setup, .fini = teardown);

enum { MAX_ALLOCS = 64 };

/* ---- constructors ---- */

typedef ftc_object *(*ctor_fn)(void);
typedef void (*use_fn)(ftc_object *o);

/* The live-object count once every object whose last reference went away is freed: a
 * non-owner's last decref queues the object to its owner (this thread), which frees it at its
 * next tick; a hot object (every primitive here, nogil) is freed by the next collection. */
static int64_t live_settled(void)
{
    CHECK_EQ(ftc_eval_tick(), 0);
    /* Again while it frees any: a freed condition releases its own lock, hot as well. */
    while (ftc_object_collect_hot() > 0)
        ;
    return ftc_object_live_count();
}

/* Fails each allocation of make() in turn; a made object is used, then released. An
 * allocation whose failure the constructor absorbs (marking a primitive hot is best effort:
 * without a slot it stays counted as any object) must leave a usable object; the walk goes on
 * until a run makes fewer allocations than the armed n. */
static void sweep_ctor(const char *name, ctor_fn make, use_fn use)
{
    int64_t live0 = live_settled();
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS, "%s never succeeded", name);
        ftc_set_last_error(0);
        ftc_fault_alloc_fail_after(n);
        ftc_object *o = make();
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (o != NULL) {
            use(o);
            ftc_decref(o);
            cr_assert_eq(live_settled(), live0, "%s: leaked an object", name);
            if (made < n)
                return;
            continue;
        }
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM, "%s: allocation %llu failed: code %d", name,
                     (unsigned long long)n, ftc_last_error());
        cr_assert_eq(live_settled(), live0,
                     "%s: allocation %llu failed but left an "
                     "object behind",
                     name, (unsigned long long)n);
    }
}

static ftc_object *make_lock(void) { return ftc_lock_new(); }
static ftc_object *make_rlock(void) { return ftc_rlock_new(); }
static ftc_object *make_sem(void) { return ftc_semaphore_new(2); }
static ftc_object *make_bsem(void) { return ftc_bounded_semaphore_new(1); }
static ftc_object *make_event(void) { return ftc_sync_event_new(); }
static ftc_object *make_cond_own_lock(void) { return ftc_condition_new(NULL); }
static ftc_object *cond_lock;
static ftc_object *make_cond_on_lock(void) { return ftc_condition_new(cond_lock); }
static int action_runs;
static int count_action(void *arg)
{
    (void)arg;
    action_runs++;
    return 0;
}
static ftc_object *make_barrier(void) { return ftc_barrier_new(1, count_action, NULL, -1); }
static ftc_object *make_future(void) { return ftc_future_new(); }
static ftc_object *make_local(void) { return ftc_local_new(); }

static void use_lock(ftc_object *o)
{
    cr_assert_eq(ftc_lock_acquire(o, 0), 0);
    cr_assert_eq(ftc_lock_release(o), 0);
}
static void use_rlock(ftc_object *o)
{
    cr_assert_eq(ftc_rlock_acquire(o, 0), 0);
    cr_assert_eq(ftc_rlock_acquire(o, 0), 0);
    cr_assert_eq(ftc_rlock_level(o), 2);
    cr_assert_eq(ftc_rlock_release(o), 0);
    cr_assert_eq(ftc_rlock_release(o), 0);
}
static void use_sem(ftc_object *o)
{
    cr_assert_eq(ftc_semaphore_acquire(o, 0), 0);
    cr_assert_eq(ftc_semaphore_release(o, 1), 0);
    cr_assert_geq(ftc_semaphore_value(o), 1);
}
static void use_event(ftc_object *o)
{
    cr_assert_eq(ftc_sync_event_is_set(o), 0);
    cr_assert_eq(ftc_sync_event_set(o), 0);
    cr_assert_eq(ftc_sync_event_wait(o, 0), 0);
}
static void use_cond(ftc_object *o)
{
    cr_assert_eq(ftc_condition_acquire(o, -1), 0);
    cr_assert_eq(ftc_condition_notify_all(o), 0);
    cr_assert_eq(ftc_condition_wait(o, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_condition_release(o), 0);
}
static void use_barrier(ftc_object *o)
{
    int before = action_runs;
    cr_assert_eq(ftc_barrier_wait(o, -1), 0);
    cr_assert_eq(action_runs, before + 1);
}
static void use_future(ftc_object *o)
{
    cr_assert_eq(ftc_future_set_result(o, NULL), 0);
    cr_assert_eq(ftc_future_done(o), 1);
}
static void use_local(ftc_object *o)
{
    ftc_object *v = ftc_lock_new(), *out = NULL;
    cr_assert_eq(ftc_local_set(o, v), 0);
    cr_assert_eq(ftc_local_get(o, &out), 1);
    cr_assert_eq(out, v);
    ftc_decref(out);
    ftc_decref(v);
}

Test(fault, every_constructor_fails_cleanly)
{
    sweep_ctor("ftc_lock_new", make_lock, use_lock);
    sweep_ctor("ftc_rlock_new", make_rlock, use_rlock);
    sweep_ctor("ftc_semaphore_new", make_sem, use_sem);
    sweep_ctor("ftc_bounded_semaphore_new", make_bsem, use_sem);
    sweep_ctor("ftc_sync_event_new", make_event, use_event);
    sweep_ctor("ftc_condition_new(NULL)", make_cond_own_lock, use_cond);
    cond_lock = ftc_lock_new();
    cr_assert_not_null(cond_lock);
    sweep_ctor("ftc_condition_new(lock)", make_cond_on_lock, use_cond);
    use_lock(cond_lock); /* every failed attempt gave its reference back: usable, freed below */
    ftc_decref(cond_lock);
    sweep_ctor("ftc_barrier_new", make_barrier, use_barrier);
    sweep_ctor("ftc_future_new", make_future, use_future);
    sweep_ctor("ftc_local_new", make_local, use_local);
}

static ftc_object *local_init(void *arg, int *err)
{
    (void)err;
    ftc_atomic_fetch_add((int *)arg, 1);
    return ftc_int_new(42);
}

static int init_runs;
static ftc_object *make_local_with_init(void)
{
    return ftc_local_new_with_init(local_init, &init_runs);
}
static void use_local_with_init(ftc_object *o)
{
    ftc_object *out = NULL;
    cr_assert_eq(ftc_local_get(o, &out), 1);
    cr_assert_eq(ftc_int_value(out), 42);
    ftc_decref(out);
}

Test(fault, local_with_init_constructor)
{
    sweep_ctor("ftc_local_new_with_init", make_local_with_init, use_local_with_init);
}

/* ---- operations on an existing object ---- */

Test(fault, local_first_set_and_get)
{
    /* A local's first set in a thread allocates that thread's storage: a failure leaves the
     * thread without a value; the first get of a local with init runs init and stores. */
    ftc_object *v = ftc_int_new(7);
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS);
        ftc_object *loc = ftc_local_new();
        cr_assert_not_null(loc);
        int64_t live0 = live_settled();
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_local_set(loc, v);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        ftc_object *out = (ftc_object *)1;
        if (rc == 0) {
            cr_assert_lt(made, n);
            cr_assert_eq(ftc_local_get(loc, &out), 1);
            cr_assert_eq(out, v);
            ftc_decref(out);
            ftc_decref(loc);
            break;
        }
        cr_assert_eq(rc, FTC_ENOMEM);
        cr_assert_eq(ftc_local_get(loc, &out), 0, "a failed set stored nothing");
        cr_assert_null(out);
        cr_assert_eq(live_settled(), live0);
        ftc_decref(loc);
    }
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS);
        int runs = 0;
        ftc_object *loc = ftc_local_new_with_init(local_init, &runs);
        cr_assert_not_null(loc);
        int64_t live0 = live_settled();
        ftc_fault_alloc_fail_after(n);
        ftc_object *out = NULL;
        int rc = ftc_local_get(loc, &out);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (rc == 1) {
            cr_assert_lt(made, n);
            cr_assert_eq(ftc_int_value(out), 42);
            ftc_decref(out);
            ftc_decref(loc);
            break;
        }
        cr_assert_eq(rc, FTC_ENOMEM, "allocation %llu: code %d", (unsigned long long)n, rc);
        cr_assert_null(out);
        cr_assert_eq(live_settled(), live0,
                     "allocation %llu: the init's value or a "
                     "half-stored one survived",
                     (unsigned long long)n);
        ftc_decref(loc);
    }
    ftc_decref(v);
}

static int cb_runs;
static void count_cb(ftc_object *f, void *arg)
{
    (void)f;
    (void)arg;
    cb_runs++;
}

Test(fault, future_done_callback)
{
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS);
        ftc_object *f = ftc_future_new();
        cr_assert_not_null(f);
        cb_runs = 0;
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_future_add_done_callback(f, count_cb, NULL);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        cr_assert_eq(ftc_future_set_result(f, NULL), 0);
        ftc_decref(f);
        if (rc == 0) {
            cr_assert_lt(made, n);
            cr_assert_eq(cb_runs, 1);
            break;
        }
        cr_assert_eq(rc, FTC_ENOMEM);
        cr_assert_eq(cb_runs, 0, "a failed add registered its callback");
    }
}

/* ---- the pool ---- */

static int square(void *arg, ftc_object **result)
{
    int64_t x = (int64_t)(intptr_t)arg;
    *result = ftc_int_new(x * x);
    return *result ? 0 : FTC_ENOMEM;
}

static void pool_works(ftc_pool *p, int64_t x)
{
    ftc_object *f = NULL, *out = NULL;
    cr_assert_eq(ftc_pool_submit(p, square, (void *)(intptr_t)x, &f), 0);
    cr_assert_eq(ftc_future_result(f, -1, &out), 0);
    cr_assert_eq(ftc_int_value(out), x * x);
    ftc_decref(out);
    ftc_decref(f);
}

Test(fault, pool_new)
{
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS);
        ftc_set_last_error(0);
        ftc_fault_alloc_fail_after(n);
        ftc_pool *p = ftc_pool_new(2);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (p != NULL) {
            cr_assert_lt(made, n);
            pool_works(p, 5);
            ftc_pool_free(p);
            break;
        }
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
    }
}

/* Every allocation of a first submit: the starter's (work item, future, handle) and the new
 * worker's own start. A failed submit queued nothing and started nobody. */
Test(fault, pool_submit_starting_a_worker)
{
    int64_t threads0 = ftc_threads_snapshot(NULL, 0);
    int64_t live0 = live_settled();
    for (int side = 0; side < 2; side++) {
        for (uint64_t n = 1;; n++) {
            cr_assert_leq(n, MAX_ALLOCS);
            ftc_pool *p = ftc_pool_new(1);
            cr_assert_not_null(p);
            ftc_object *f = (ftc_object *)1;
            if (side == 0)
                ftc_fault_alloc_fail_after(n);
            else
                ftc_fault_alloc_fail_in_next_thread(n);
            int rc = ftc_pool_submit(p, square, (void *)(intptr_t)3, &f);
            uint64_t made =
                side == 0 ? ftc_fault_alloc_fail_after(0) : ftc_fault_alloc_fail_in_next_thread(0);
            if (rc == 0) {
                cr_assert_lt(made, n);
                ftc_object *out = NULL;
                cr_assert_eq(ftc_future_result(f, -1, &out), 0);
                cr_assert_eq(ftc_int_value(out), 9);
                ftc_decref(out);
                ftc_decref(f);
                ftc_pool_free(p);
                break;
            }
            cr_assert_eq(rc, FTC_ENOMEM, "%s allocation %llu: code %d",
                         side ? "worker" : "submitter", (unsigned long long)n, rc);
            cr_assert_null(f);
            cr_assert_eq(ftc_pool_num_threads(p), 0);
            cr_assert_eq(ftc_threads_snapshot(NULL, 0), threads0);
            pool_works(p, 4); /* the pool is still whole */
            ftc_pool_free(p);
            cr_assert_eq(live_settled(), live0);
        }
    }
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), threads0);
}

Test(fault, pool_map)
{
    int64_t live0 = live_settled();
    ftc_pool *p = ftc_pool_new(2);
    cr_assert_not_null(p);
    pool_works(p, 2); /* a worker runs: the sweep below walks the map's own allocations */
    void *args[4] = {(void *)1, (void *)2, (void *)3, (void *)4};
    for (uint64_t n = 1;; n++) {
        cr_assert_leq(n, MAX_ALLOCS);
        ftc_object *results[4] = {NULL, NULL, NULL, NULL};
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_pool_map(p, square, args, 4, results, -1);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (rc == 0) {
            cr_assert_lt(made, n);
            for (int i = 0; i < 4; i++) {
                cr_assert_eq(ftc_int_value(results[i]), (int64_t)(i + 1) * (i + 1));
                ftc_decref(results[i]);
            }
            break;
        }
        cr_assert_eq(rc, FTC_ENOMEM, "allocation %llu: code %d", (unsigned long long)n, rc);
        for (int i = 0; i < 4; i++)
            if (results[i] != NULL)
                ftc_decref(results[i]);
        /* Tasks already queued may still be finishing: their futures are released by the
         * workers; wait for the pool to be idle by running one more task through it. */
        pool_works(p, 6);
    }
    ftc_pool_free(p);
    int64_t live1 = live_settled();
    cr_assert_eq(live1, live0, "%lld objects left", (long long)(live1 - live0));
}

/* ---- thread start ---- */

static int thread_runs; /* atomic */
static void count_run(void *arg)
{
    (void)arg;
    ftc_atomic_fetch_add(&thread_runs, 1);
}

static void start_and_join(void)
{
    ftc_thread *t = NULL;
    cr_assert_eq(ftc_thread_start(&t, count_run, NULL, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}

Test(fault, thread_start_every_allocation_of_both_threads)
{
    int64_t threads0 = ftc_threads_snapshot(NULL, 0);
    int64_t live0 = live_settled();
    /* Measure the new thread's start. */
    ftc_fault_alloc_fail_in_next_thread(0);
    start_and_join();
    uint64_t child = ftc_fault_alloc_fail_in_next_thread(0);
    cr_assert_geq(child, 2, "a thread start made only %llu allocations", (unsigned long long)child);
    fprintf(stderr, "fault_sweep: a new thread's start makes %llu allocations\n",
            (unsigned long long)child);
    for (int side = 0; side < 2; side++) {
        for (uint64_t n = 1;; n++) {
            cr_assert_leq(n, MAX_ALLOCS);
            int runs0 = ftc_atomic_load(&thread_runs);
            ftc_thread *t = (ftc_thread *)1;
            if (side == 0)
                ftc_fault_alloc_fail_after(n);
            else
                ftc_fault_alloc_fail_in_next_thread(n);
            int rc = ftc_thread_start(&t, count_run, NULL, NULL);
            uint64_t made =
                side == 0 ? ftc_fault_alloc_fail_after(0) : ftc_fault_alloc_fail_in_next_thread(0);
            if (rc == 0) {
                cr_assert_lt(made, n);
                if (side == 1)
                    cr_assert_eq(made, child);
                cr_assert_eq(ftc_thread_join(t, -1), 0);
                ftc_thread_release(t);
                cr_assert_eq(ftc_atomic_load(&thread_runs), runs0 + 1);
                break;
            }
            cr_assert_eq(rc, FTC_ENOMEM, "%s allocation %llu: code %d",
                         side ? "new thread's" : "starter's", (unsigned long long)n, rc);
            cr_assert_null(t);
            if (side == 1)
                cr_assert_eq(made, n, "the new thread stopped at its failed allocation");
            cr_assert_eq(ftc_atomic_load(&thread_runs), runs0, "the function ran");
            cr_assert_eq(ftc_threads_snapshot(NULL, 0), threads0, "a thread state remained");
            cr_assert_eq(live_settled(), live0);
        }
    }
    /* And threads still start normally afterwards: the injector is disarmed. */
    start_and_join();
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), threads0);
}

/* ---- a thread the embedder created: ftc_tstate_new ---- */

struct foreign_sweep {
    int64_t threads0;
    uint64_t failed; /* attempts that failed cleanly */
    int bad_code;    /* a failure with another code than FTC_ENOMEM */
    int bad_count;   /* a failure that left a thread state linked */
    int never;       /* no attempt succeeded */
};

static void *foreign_main(void *arg)
{
    struct foreign_sweep *r = arg;
    r->never = 1;
    for (uint64_t n = 1; n <= MAX_ALLOCS; n++) {
        ftc_set_last_error(0);
        ftc_fault_alloc_fail_after(n);
        ftc_tstate *ts = ftc_tstate_new(ftc_interp_main());
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (ts != NULL) {
            ftc_attach(ts);
            ftc_object *o = ftc_int_new(1234567);
            if (o != NULL && ftc_int_value(o) == 1234567 && made < n)
                r->never = 0;
            ftc_xdecref(o);
            ftc_detach();
            ftc_tstate_delete(ts);
            if (made < n)
                break;
            continue;
        }
        r->failed++;
        if (ftc_last_error() != FTC_ENOMEM)
            r->bad_code = ftc_last_error();
        if (ftc_threads_snapshot(NULL, 0) != r->threads0)
            r->bad_count = 1;
    }
    return NULL;
}

Test(fault, foreign_thread_state_new)
{
    struct foreign_sweep r = {.threads0 = ftc_threads_snapshot(NULL, 0)};
    int64_t live0 = live_settled();
    pthread_t th;
    ftc_tstate *me = ftc_detach(); /* the GIL build's new tstate must be able to attach */
    cr_assert_eq(pthread_create(&th, NULL, foreign_main, &r), 0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    ftc_attach(me);
    cr_assert_eq(r.never, 0, "ftc_tstate_new never succeeded");
    cr_assert_geq(r.failed, 1);
    cr_assert_eq(r.bad_code, 0, "a failure returned code %d", r.bad_code);
    cr_assert_eq(r.bad_count, 0, "a failed ftc_tstate_new left a thread state linked");
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), r.threads0);
    cr_assert_eq(live_settled(), live0);
}
