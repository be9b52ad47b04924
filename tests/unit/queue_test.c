/* Queue objects (include/ftcore/queue.h): order, bounds, non-blocking and timed calls (a timed
 * call never returns before its timeout), NaN and bad arguments, references (items left in a
 * freed queue included), task_done/join, shutdown, async exceptions, fault injection, and the
 * blocking calls of one other thread: woken by a put/get/task_done/shutdown, and detached while
 * asleep (the main thread runs and can stop the world meanwhile). The many-thread cases are in
 * tests/stress/queue_stress.c. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>
#include <sched.h>

#include "check.h"
#include "internal/core.h"
#include "queue_items.h"

static int64_t live_at_start;

static void setup(void)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    live_at_start = ftc_object_live_count();
}

static void teardown(void)
{
    /* Queues are hot objects: in the nogil build a collection frees the dropped ones. */
    ftc_object_collect_hot();
    ftc_fini_check_no_leak(live_at_start);
}
TestSuite(queue, .init = setup, .fini = teardown);

static ftc_object *item(int64_t id)
{
    ftc_object *o = ftc_object_new(&item_type);
    cr_assert_not_null(o);
    ((item_obj *)o)->id = id;
    return o;
}

static int64_t id_of(ftc_object *o)
{
    cr_assert_eq(ftc_type_of(o), &item_type);
    return ((item_obj *)o)->id;
}

/* Puts a new item and drops the caller's reference: the queue's is then the only one. */
static void put_new(ftc_object *q, int64_t id)
{
    ftc_object *o = item(id);
    cr_assert_eq(ftc_queue_put(q, o, -1), 0);
    ftc_decref(o);
}

/* Gets an item (asserted), checks its id and drops it. */
static void get_expect(ftc_object *q, int64_t id, double timeout)
{
    ftc_object *o = NULL;
    cr_assert_eq(ftc_queue_get(q, &o, timeout), 0);
    cr_assert_eq(id_of(o), id);
    ftc_decref(o);
}

Test(queue, fifo_order_and_len)
{
    ftc_object *q = ftc_queue_new(0);
    cr_assert_not_null(q);
    cr_assert_eq(ftc_type_of(q), &ftc_queue_type);
    cr_assert_eq(ftc_queue_len(q), 0);
    cr_assert_eq(ftc_queue_maxsize(q), 0);
    /* Interleaved puts and gets across the ring's wrap, growth and shrink. */
    int64_t next_in = 0, next_out = 0;
    for (int round = 0; round < 40; round++) {
        int puts = (round * 37) % 300 + 1, gets = (round * 53) % 300 + 1;
        for (int i = 0; i < puts; i++)
            put_new(q, next_in++);
        cr_assert_eq(ftc_queue_len(q), next_in - next_out);
        for (int i = 0; i < gets && next_out < next_in; i++)
            get_expect(q, next_out++, 0);
        cr_assert_eq(ftc_queue_len(q), next_in - next_out);
    }
    while (next_out < next_in)
        get_expect(q, next_out++, -1);
    ftc_object *o = (ftc_object *)1;
    cr_assert_eq(ftc_queue_get(q, &o, 0), FTC_EEMPTY);
    cr_assert_null(o, "*out is NULL on failure");
    cr_assert_eq(ftc_atomic_load(&items_freed), next_in, "every item freed once");
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, a_large_queue_grows_and_shrinks_in_order)
{
    ftc_object *q = ftc_queue_new(-5); /* <= 0: unbounded */
    cr_assert_eq(ftc_queue_maxsize(q), 0);
    const int64_t n = 100000;
    for (int64_t i = 0; i < n; i++)
        put_new(q, i);
    cr_assert_eq(ftc_queue_len(q), n);
    for (int64_t i = 0; i < n; i++)
        get_expect(q, i, 0);
    cr_assert_eq(ftc_queue_len(q), 0);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, put_keeps_the_callers_reference_and_get_hands_over_the_queues)
{
    ftc_object *q = ftc_queue_new(0);
    ftc_object *o = item(7);
    cr_assert_eq(ftc_object_refcount(o), 1);
    cr_assert_eq(ftc_queue_put(q, o, 0), 0);
    cr_assert_eq(ftc_object_refcount(o), 2);
    cr_assert_eq(ftc_queue_put(q, o, 0), 0, "the same object twice: two entries");
    cr_assert_eq(ftc_object_refcount(o), 3);
    ftc_object *got = NULL;
    cr_assert_eq(ftc_queue_get(q, &got, 0), 0);
    cr_assert_eq(got, o);
    cr_assert_eq(ftc_object_refcount(o), 3, "the queue's reference is now the caller's");
    ftc_decref(got);
    cr_assert_eq(ftc_queue_get(q, &got, 0), 0);
    ftc_decref(got);
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    cr_assert_eq(ftc_atomic_load(&items_freed), 1);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, items_left_in_a_freed_queue_are_released)
{
    int64_t live = ftc_object_live_count();
    ftc_object *q = ftc_queue_new(0);
    for (int i = 0; i < 50; i++)
        put_new(q, i);
    get_expect(q, 0, 0);
    get_expect(q, 1, 0);
    cr_assert_eq(ftc_atomic_load(&items_freed), 2);
    ftc_decref(q);
    ftc_object_collect_hot(); /* nogil: the hot queue is freed by a collection */
    cr_assert_eq(ftc_atomic_load(&items_freed), 50);
    cr_assert_eq(ftc_object_live_count(), live);
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, bounded_put_and_timeouts)
{
    ftc_object *q = ftc_queue_new(3);
    cr_assert_eq(ftc_queue_maxsize(q), 3);
    for (int i = 0; i < 3; i++)
        put_new(q, i);
    ftc_object *o = item(99);
    cr_assert_eq(ftc_queue_put(q, o, 0), FTC_EFULL);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_queue_put(q, o, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05, "a timed put never returns early");
    cr_assert_eq(ftc_queue_len(q), 3, "failed puts add nothing");
    cr_assert_eq(ftc_object_refcount(o), 1, "and take no reference");
    cr_assert_eq(ftc_queue_unfinished(q), 3);
    get_expect(q, 0, 0);
    cr_assert_eq(ftc_queue_put(q, o, 0), 0, "room again");
    cr_assert_eq(ftc_queue_put(q, o, 0), FTC_EFULL);
    ftc_decref(o);
    get_expect(q, 1, 0);
    get_expect(q, 2, 0);
    get_expect(q, 99, 0);
    t0 = ftc_monotonic();
    ftc_object *got = (ftc_object *)1;
    cr_assert_eq(ftc_queue_get(q, &got, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05, "a timed get never returns early");
    cr_assert_null(got);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, bad_arguments_change_nothing)
{
    ftc_object *q = ftc_queue_new(2);
    ftc_object *l = ftc_lock_new();
    ftc_object *o = item(1);
    ftc_object *got = NULL;
    cr_assert_eq(ftc_queue_put(NULL, o, 0), FTC_EINVAL);
    cr_assert_eq(ftc_queue_put(l, o, 0), FTC_ETYPE);
    cr_assert_eq(ftc_queue_put(q, NULL, 0), FTC_EINVAL);
    cr_assert_eq(ftc_queue_get(NULL, &got, 0), FTC_EINVAL);
    cr_assert_eq(ftc_queue_get(l, &got, 0), FTC_ETYPE);
    cr_assert_eq(ftc_queue_get(q, NULL, 0), FTC_EINVAL);
    cr_assert_eq(ftc_queue_len(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_queue_len(l), FTC_ETYPE);
    cr_assert_eq(ftc_queue_maxsize(l), FTC_ETYPE);
    cr_assert_eq(ftc_queue_unfinished(l), FTC_ETYPE);
    cr_assert_eq(ftc_queue_task_done(l), FTC_ETYPE);
    cr_assert_eq(ftc_queue_join(NULL, 0), FTC_EINVAL);
    cr_assert_eq(ftc_queue_shutdown(l, true), FTC_ETYPE);
    cr_assert_eq(ftc_queue_is_shutdown(NULL), FTC_EINVAL);
    /* NaN: refused even where the call would not have waited. */
    cr_assert_eq(ftc_queue_put(q, o, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_queue_len(q), 0);
    cr_assert_eq(ftc_queue_put(q, o, 0), 0);
    cr_assert_eq(ftc_queue_get(q, &got, NAN), FTC_EINVAL);
    cr_assert_null(got);
    cr_assert_eq(ftc_queue_len(q), 1);
    cr_assert_eq(ftc_queue_join(q, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_queue_put(q, o, 0), 0);
    cr_assert_eq(ftc_queue_put(q, o, NAN), FTC_EINVAL, "full: would wait");
    cr_assert_eq(ftc_queue_len(q), 2);
    cr_assert_eq(ftc_object_refcount(o), 3);
    cr_assert_eq(ftc_queue_is_shutdown(q), 0);
    ftc_decref(o);
    ftc_decref(l);
    ftc_decref(q);
    ftc_object_collect_hot();
    cr_assert_eq(ftc_atomic_load(&items_freed), 1);
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, task_done_and_join)
{
    ftc_object *q = ftc_queue_new(0);
    cr_assert_eq(ftc_queue_join(q, -1), 0, "nothing put: done at once");
    cr_assert_eq(ftc_queue_task_done(q), FTC_ESTATE, "more task_done than puts");
    put_new(q, 1);
    put_new(q, 2);
    cr_assert_eq(ftc_queue_unfinished(q), 2);
    cr_assert_eq(ftc_queue_join(q, 0), FTC_ETIMEDOUT);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_queue_join(q, 0.03), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.03, "a timed join never returns early");
    get_expect(q, 1, 0);
    get_expect(q, 2, 0);
    cr_assert_eq(ftc_queue_unfinished(q), 2, "a get is not a task_done");
    cr_assert_eq(ftc_queue_task_done(q), 0);
    cr_assert_eq(ftc_queue_join(q, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_queue_task_done(q), 0);
    cr_assert_eq(ftc_queue_unfinished(q), 0);
    cr_assert_eq(ftc_queue_join(q, 0), 0);
    cr_assert_eq(ftc_queue_task_done(q), FTC_ESTATE);
    cr_assert_eq(ftc_queue_unfinished(q), 0, "the refused task_done changed nothing");
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, shutdown_lets_gets_drain_then_fails)
{
    ftc_object *q = ftc_queue_new(0);
    put_new(q, 1);
    put_new(q, 2);
    cr_assert_eq(ftc_queue_shutdown(q, false), 0);
    cr_assert_eq(ftc_queue_is_shutdown(q), 1);
    ftc_object *o = item(3);
    cr_assert_eq(ftc_queue_put(q, o, -1), FTC_ESHUTDOWN, "even with room");
    cr_assert_eq(ftc_queue_put(q, o, 0), FTC_ESHUTDOWN);
    cr_assert_eq(ftc_object_refcount(o), 1);
    get_expect(q, 1, -1);
    get_expect(q, 2, 0);
    ftc_object *got = NULL;
    cr_assert_eq(ftc_queue_get(q, &got, -1), FTC_ESHUTDOWN, "empty and shut: no wait");
    cr_assert_eq(ftc_queue_get(q, &got, 0), FTC_ESHUTDOWN);
    cr_assert_eq(ftc_queue_unfinished(q), 2, "a plain shutdown finishes no task");
    cr_assert_eq(ftc_queue_join(q, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_queue_task_done(q), 0);
    cr_assert_eq(ftc_queue_task_done(q), 0);
    cr_assert_eq(ftc_queue_join(q, -1), 0);
    ftc_decref(o);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, immediate_shutdown_releases_items_and_finishes_their_tasks)
{
    ftc_object *q = ftc_queue_new(0);
    for (int i = 0; i < 20; i++)
        put_new(q, i);
    get_expect(q, 0, 0); /* taken, not done: stays unfinished */
    cr_assert_eq(ftc_atomic_load(&items_freed), 1);
    cr_assert_eq(ftc_queue_shutdown(q, true), 0);
    cr_assert_eq(ftc_atomic_load(&items_freed), 20, "released at once, queue still alive");
    cr_assert_eq(ftc_queue_len(q), 0);
    cr_assert_eq(ftc_queue_unfinished(q), 1);
    ftc_object *got = NULL;
    cr_assert_eq(ftc_queue_get(q, &got, -1), FTC_ESHUTDOWN);
    cr_assert_eq(ftc_queue_join(q, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_queue_task_done(q), 0);
    cr_assert_eq(ftc_queue_join(q, 0), 0);
    cr_assert_eq(ftc_queue_shutdown(q, true), 0, "again: allowed");
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, async_exception_ends_a_blocked_call_and_nothing_changes)
{
    const int code = FTC_EUSER - 3;
    ftc_object *q = ftc_queue_new(1);
    ftc_object *got = (ftc_object *)1;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_queue_get(q, &got, -1), code, "a blocked get returns the code");
    cr_assert_null(got);
    cr_assert_eq(ftc_eval_tick(), 0, "and consumed it");
    put_new(q, 1);
    ftc_object *o = item(2);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_queue_put(q, o, -1), code, "a blocked put too");
    cr_assert_eq(ftc_object_refcount(o), 1);
    cr_assert_eq(ftc_queue_len(q), 1);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_queue_join(q, -1), code, "and a blocked join");
    cr_assert_eq(ftc_eval_tick(), 0);
    /* A call that need not wait completes; the exception stays for the next tick. */
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    get_expect(q, 1, -1);
    cr_assert_eq(ftc_eval_tick(), code);
    /* A withdrawn exception does not end a timed wait. */
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), 0), 1);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_queue_get(q, &got, 0.03), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.03);
    ftc_decref(o);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, creation_fails_cleanly_at_every_allocation)
{
    ftc_fault_alloc_fail_after(0);
    ftc_object *q = ftc_queue_new(4);
    uint64_t made = ftc_fault_alloc_fail_after(0);
    cr_assert(q != NULL && made >= 1);
    ftc_decref(q);
    for (uint64_t n = 1; n <= made; n++) {
        ftc_fault_alloc_fail_after(n);
        q = ftc_queue_new(4);
        ftc_fault_alloc_fail_after(0);
        if (q == NULL) {
            cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
            continue;
        }
        /* A failure past the object itself (making it hot) leaves a working queue. */
        put_new(q, (int64_t)n);
        get_expect(q, (int64_t)n, 0);
        ftc_decref(q);
    }
    ftc_fault_alloc_fail_after(1);
    q = ftc_queue_new(0);
    ftc_fault_alloc_fail_after(0);
    cr_assert_null(q, "the object's own allocation failed");
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, a_put_whose_ring_cannot_grow_fails_with_enomem_and_changes_nothing)
{
    ftc_object *q = ftc_queue_new(0);
    ftc_object *o = item(1000);
    /* Every put that has to grow the ring (the first, then at 8, 16, 32 items) is failed once. */
    int64_t failures = 0;
    for (int64_t i = 0; i < 40; i++) {
        ftc_fault_alloc_fail_after(1);
        int rc = ftc_queue_put(q, o, 0);
        uint64_t made = ftc_fault_alloc_fail_after(0);
        if (rc == FTC_ENOMEM) {
            failures++;
            cr_assert_eq(made, 1);
            cr_assert_eq(ftc_queue_len(q), i, "nothing added");
            cr_assert_eq(ftc_queue_unfinished(q), i);
            cr_assert_eq(ftc_object_refcount(o), 1 + i, "no reference taken");
            cr_assert_eq(ftc_queue_put(q, o, 0), 0, "the next attempt succeeds");
        } else {
            cr_assert_eq(rc, 0);
            cr_assert_eq(made, 0, "a put with room allocates nothing");
        }
    }
    cr_assert_eq(failures, 4);
    /* Gets that shrink the ring may fail to allocate: harmless. */
    for (int64_t i = 0; i < 40; i++) {
        ftc_fault_alloc_fail_after(1);
        ftc_object *got = NULL;
        cr_assert_eq(ftc_queue_get(q, &got, 0), 0);
        ftc_fault_alloc_fail_after(0);
        cr_assert_eq(got, o);
        ftc_decref(got);
    }
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    ftc_atomic_store(&items_freed, 0);
    ftc_decref(q);
}

Test(queue, new_error_codes_have_names)
{
    cr_assert(strstr(ftc_strerror(FTC_EEMPTY), "FTC_EEMPTY"));
    cr_assert(strstr(ftc_strerror(FTC_EFULL), "FTC_EFULL"));
    cr_assert(strstr(ftc_strerror(FTC_ESHUTDOWN), "FTC_ESHUTDOWN"));
}

/* ---- one other thread ---- */

static ftc_object *shared_q, *started;
static ftc_tstate *worker_ts;  /* atomic */
static int worker_rc;          /* atomic */
static ftc_object *worker_got; /* written by the worker before it ends (join orders it) */

/* The main thread waits until the worker sleeps in the queue (its tstate detached). */
static void wait_until_worker_sleeps(void)
{
    cr_assert_eq(ftc_sync_event_wait(started, -1), 0);
    ftc_tstate *ts;
    while ((ts = ftc_atomic_load(&worker_ts)) == NULL ||
           ftc_tstate_state(ts) != FTC_TSTATE_DETACHED) {
        FTC_BEGIN_ALLOW_THREADS
        sched_yield();
        FTC_END_ALLOW_THREADS
    }
}

static void worker_get(void *arg)
{
    FTC_UNUSED(arg);
    ftc_atomic_store(&worker_ts, ftc_tstate_get());
    if (ftc_sync_event_set(started) != 0)
        abort();
    ftc_object *o = NULL;
    ftc_atomic_store(&worker_rc, ftc_queue_get(shared_q, &o, -1));
    worker_got = o;
}

static void worker_put(void *arg)
{
    ftc_atomic_store(&worker_ts, ftc_tstate_get());
    if (ftc_sync_event_set(started) != 0)
        abort();
    ftc_atomic_store(&worker_rc, ftc_queue_put(shared_q, (ftc_object *)arg, -1));
}

static void worker_join(void *arg)
{
    FTC_UNUSED(arg);
    ftc_atomic_store(&worker_ts, ftc_tstate_get());
    if (ftc_sync_event_set(started) != 0)
        abort();
    ftc_atomic_store(&worker_rc, ftc_queue_join(shared_q, -1));
}

static ftc_thread *start_worker(void (*fn)(void *), void *arg)
{
    started = ftc_sync_event_new();
    ftc_atomic_store(&worker_ts, (ftc_tstate *)NULL);
    ftc_atomic_store(&worker_rc, 1);
    worker_got = NULL;
    ftc_thread *t = NULL;
    cr_assert_eq(ftc_thread_start(&t, fn, arg, NULL), 0);
    return t;
}

static int finish_worker(ftc_thread *t)
{
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    ftc_decref(started);
    return ftc_atomic_load(&worker_rc);
}

Test(queue, a_blocked_get_sleeps_detached_and_a_put_wakes_it)
{
    shared_q = ftc_queue_new(0);
    ftc_thread *t = start_worker(worker_get, NULL);
    wait_until_worker_sleeps();
    /* The sleeper holds neither the GIL (we run) nor the world (this returns). */
    ftc_stop_the_world();
    ftc_start_the_world();
    cr_assert_eq(ftc_atomic_load(&worker_rc), 1, "still waiting");
    put_new(shared_q, 42);
    cr_assert_eq(finish_worker(t), 0);
    cr_assert_eq(id_of(worker_got), 42);
    ftc_decref(worker_got);
    cr_assert_eq(ftc_queue_len(shared_q), 0);
    ftc_decref(shared_q);
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, a_blocked_put_is_woken_by_a_get_and_keeps_fifo_order)
{
    shared_q = ftc_queue_new(2);
    put_new(shared_q, 1);
    put_new(shared_q, 2);
    ftc_object *o = item(3);
    ftc_thread *t = start_worker(worker_put, o);
    wait_until_worker_sleeps();
    ftc_stop_the_world();
    ftc_start_the_world();
    cr_assert_eq(ftc_queue_len(shared_q), 2);
    get_expect(shared_q, 1, 0);
    cr_assert_eq(finish_worker(t), 0);
    get_expect(shared_q, 2, 0);
    get_expect(shared_q, 3, 0);
    ftc_decref(o);
    ftc_decref(shared_q);
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, a_blocked_join_is_woken_by_the_last_task_done)
{
    shared_q = ftc_queue_new(0);
    put_new(shared_q, 1);
    put_new(shared_q, 2);
    ftc_thread *t = start_worker(worker_join, NULL);
    wait_until_worker_sleeps();
    get_expect(shared_q, 1, 0);
    get_expect(shared_q, 2, 0);
    cr_assert_eq(ftc_queue_task_done(shared_q), 0);
    cr_assert_eq(ftc_atomic_load(&worker_rc), 1, "one task still unfinished");
    cr_assert_eq(ftc_queue_task_done(shared_q), 0);
    cr_assert_eq(finish_worker(t), 0);
    ftc_decref(shared_q);
    ftc_atomic_store(&items_freed, 0);
}

Test(queue, shutdown_wakes_a_blocked_get_and_a_blocked_put)
{
    shared_q = ftc_queue_new(0);
    ftc_thread *t = start_worker(worker_get, NULL);
    wait_until_worker_sleeps();
    cr_assert_eq(ftc_queue_shutdown(shared_q, false), 0);
    cr_assert_eq(finish_worker(t), FTC_ESHUTDOWN);
    cr_assert_null(worker_got);
    ftc_decref(shared_q);

    shared_q = ftc_queue_new(1);
    put_new(shared_q, 1);
    ftc_object *o = item(2);
    t = start_worker(worker_put, o);
    wait_until_worker_sleeps();
    cr_assert_eq(ftc_queue_shutdown(shared_q, true), 0);
    cr_assert_eq(finish_worker(t), FTC_ESHUTDOWN);
    cr_assert_eq(ftc_object_refcount(o), 1);
    cr_assert_eq(ftc_atomic_load(&items_freed), 1, "the queued item went with the shutdown");
    ftc_decref(o);
    ftc_decref(shared_q);
    ftc_atomic_store(&items_freed, 0);
}

static void raw_thread_get(void *arg)
{
    FTC_UNUSED(arg);
    /* A thread with no thread state at all (pthread) may use a queue too. */
    ftc_object *o = NULL;
    ftc_atomic_store(&worker_rc, ftc_queue_get(shared_q, &o, -1));
    worker_got = o;
}

static void *raw_main(void *arg)
{
    raw_thread_get(arg);
    return NULL;
}

Test(queue, a_thread_without_a_thread_state_can_wait)
{
    shared_q = ftc_queue_new(0);
    ftc_atomic_store(&worker_rc, 1);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, raw_main, NULL), 0);
    put_new(shared_q, 5);
    cr_assert_eq(pthread_join(th, NULL), 0);
    cr_assert_eq(ftc_atomic_load(&worker_rc), 0);
    cr_assert_eq(id_of(worker_got), 5);
    ftc_decref(worker_got);
    ftc_decref(shared_q);
    ftc_atomic_store(&items_freed, 0);
}
