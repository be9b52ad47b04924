/* The core's object-holding types take part in the cycle collector (docs/internals/gc.md),
 * both builds: a queue whose item refers back to the queue, a future whose result refers back
 * to the future, a threading.local whose values (this thread's and another live thread's)
 * refer back to the local are each freed by one collection, every object exactly once; the
 * same holders referenced from outside survive a collection with their contents intact, and
 * are freed by one collection once that outside reference goes. A future whose pending done
 * callback's object (ftc_future_add_done_callback_obj) refers back to the future is freed
 * too, without running the callback; a callback that ran drops its object. Each of these fails without
 * the type's traverse (the cycle stays alive) or clear (nothing breaks it). */
#include <criterion/criterion.h>
#include "unit_fini.h"

#include "check.h"
#include <ftcore/ftcore.h>

/* ---- tracked nodes (tests/common/gc_nodes.h) with a dealloc count ---- */

#define GC_NODES_MAX 64
#include "gc_nodes.h"

/* A new node holding a new reference to ref. No clear on purpose: the cycles below can break
 * only through the core type's clear. */
static ftc_object *node_to(ftc_object *ref) { return node_to_of(&noclear_type, ref); }

static int64_t base_live;

static void setup(void)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_gc_disable(); /* the tests decide when to collect */
    base_live = ftc_object_live_count();
}
static void teardown(void)
{
    ftc_gc_enable();
    FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed");
}

TestSuite(gc_types, .init = setup, .fini = teardown);

/* One collection frees what the test dropped: the live count is back to where it started. */
static void assert_all_freed(void)
{
    cr_assert_eq(ftc_object_live_count(), base_live, "live %lld, expected %lld",
                 (long long)ftc_object_live_count(), (long long)base_live);
    cr_assert_eq(ftc_gc_tracked_count(), 0);
}

Test(gc_types, the_core_holders_are_tracked)
{
    ftc_object *q = ftc_queue_new(0), *f = ftc_future_new(), *l = ftc_local_new();
    cr_assert(q && f && l);
    cr_assert(ftc_gc_is_tracked(q));
    cr_assert(ftc_gc_is_tracked(f));
    cr_assert(ftc_gc_is_tracked(l));
    ftc_decref(q);
    ftc_decref(f);
    ftc_decref(l);
    cr_assert_geq(ftc_gc_collect(), 0); /* nogil: the queue is hot, freed by a collection */
    assert_all_freed();
}

/* ---- Queue ---- */

Test(gc_types, queue_item_cycle_is_freed_by_one_collection)
{
    ftc_object *q = ftc_queue_new(0);
    cr_assert_not_null(q);
    ftc_object *n = node_to(q); /* q -> n -> q */
    int id = id_of(n);
    cr_assert_eq(ftc_queue_put(q, n, 0), 0);
    ftc_object *n2 = node_to(q); /* a second item, the same cycle */
    int id2 = id_of(n2);
    cr_assert_eq(ftc_queue_put(q, n2, 0), 0);
    ftc_decref(n);
    ftc_decref(n2);
    ftc_decref(q);
    cr_assert_eq(freed_of(id), 0);
    int64_t found = ftc_gc_collect();
    cr_assert_geq(found, 3, "collect found %lld", (long long)found);
    cr_assert_eq(freed_of(id), 1);
    cr_assert_eq(freed_of(id2), 1);
    assert_all_freed();
}

Test(gc_types, queue_held_from_outside_survives_intact)
{
    ftc_object *q = ftc_queue_new(4);
    ftc_object *n = node_to(q);
    int id = id_of(n);
    cr_assert_eq(ftc_queue_put(q, n, 0), 0);
    ftc_decref(n);
    cr_assert_geq(ftc_gc_collect(), 0);
    cr_assert_eq(freed_of(id), 0);
    cr_assert_eq(ftc_queue_len(q), 1);
    ftc_object *out = NULL;
    cr_assert_eq(ftc_queue_get(q, &out, 0), 0);
    cr_assert_eq(out, n);
    cr_assert_eq(((node *)out)->ref[0], q);
    cr_assert_eq(ftc_queue_put(q, out, 0), 0); /* back in: the cycle again */
    ftc_decref(out);
    /* Dropping the outside reference leaves a cycle that one collection frees. */
    ftc_decref(q);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    assert_all_freed();
}

/* ---- Future ---- */

Test(gc_types, future_result_cycle_is_freed_by_one_collection)
{
    ftc_object *f = ftc_future_new();
    cr_assert_not_null(f);
    ftc_object *n = node_to(f); /* f -> n -> f */
    int id = id_of(n);
    cr_assert_eq(ftc_future_set_result(f, n), 0);
    ftc_decref(n);
    ftc_decref(f);
    cr_assert_eq(freed_of(id), 0);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    assert_all_freed();
}

Test(gc_types, future_held_from_outside_survives_intact)
{
    ftc_object *f = ftc_future_new();
    ftc_object *n = node_to(f);
    int id = id_of(n);
    cr_assert_eq(ftc_future_set_result(f, n), 0);
    ftc_decref(n);
    cr_assert_geq(ftc_gc_collect(), 0);
    cr_assert_eq(freed_of(id), 0);
    ftc_object *out = NULL;
    cr_assert_eq(ftc_future_result(f, 0, &out), 0);
    cr_assert_eq(out, n);
    cr_assert_eq(((node *)out)->ref[0], f);
    ftc_decref(out);
    ftc_decref(f);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    assert_all_freed();
}

/* ---- Future done callbacks holding an object (ftc_future_add_done_callback_obj) ---- */

static int obj_cb_runs;           /* how many times obj_cb ran */
static ftc_object *obj_cb_last;   /* the object it was given last (borrowed, for identity) */
static int obj_cb_refcount_in_cb; /* the object's count while its callback ran */

static void obj_cb(ftc_object *future, ftc_object *obj)
{
    cr_assert_eq(ftc_future_done(future), 1);
    check_alive(obj);
    obj_cb_runs++;
    obj_cb_last = obj;
    obj_cb_refcount_in_cb = (int)ftc_object_refcount(obj);
}

static void reset_obj_cb(void)
{
    obj_cb_runs = 0;
    obj_cb_last = NULL;
    obj_cb_refcount_in_cb = 0;
}

static int plain_cb_runs;
static void plain_cb(ftc_object *future, void *arg)
{
    (void)future;
    (void)arg;
    plain_cb_runs++;
}

/* future -> callback object -> future: before the object form, the future's callbacks were
 * invisible to traverse and this cycle leaked. One collection frees it; the pending callback
 * never runs (as a collected Python Future never calls its callbacks). */
Test(gc_types, future_callback_object_cycle_is_freed_by_one_collection)
{
    reset_obj_cb();
    ftc_object *f = ftc_future_new();
    cr_assert_not_null(f);
    ftc_object *n = node_to(f); /* f -(callback)-> n -> f */
    int id = id_of(n);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n), 0);
    ftc_object *n2 = node_to(f); /* a second callback, the same cycle */
    int id2 = id_of(n2);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n2), 0);
    ftc_decref(n);
    ftc_decref(n2);
    ftc_decref(f);
    cr_assert_eq(freed_of(id), 0); /* the future holds its callbacks' objects */
    int64_t found = ftc_gc_collect();
    cr_assert_geq(found, 3, "collect found %lld", (long long)found);
    cr_assert_eq(freed_of(id), 1);
    cr_assert_eq(freed_of(id2), 1);
    cr_assert_eq(obj_cb_runs, 0, "a collected future ran a pending callback");
    assert_all_freed();
}

/* A pending plain callback next to the object ones: clear leaves it (its argument is the
 * caller's), the dealloc frees its node without running it (ASan checks no node leaks). */
Test(gc_types, future_collected_with_plain_and_object_callbacks)
{
    reset_obj_cb();
    plain_cb_runs = 0;
    ftc_object *f = ftc_future_new();
    ftc_object *n = node_to(f);
    int id = id_of(n);
    cr_assert_eq(ftc_future_add_done_callback(f, plain_cb, NULL), 0);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n), 0);
    cr_assert_eq(ftc_future_add_done_callback(f, plain_cb, NULL), 0);
    ftc_decref(n);
    ftc_decref(f);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    cr_assert_eq(obj_cb_runs, 0);
    cr_assert_eq(plain_cb_runs, 0);
    assert_all_freed();
}

/* The object is counted until its callback returned, then the future lets it go: a callback
 * that ran holds nothing, and it runs once however often the future is finished or
 * cancelled afterwards, and whatever a later collection does. */
Test(gc_types, future_callback_object_runs_once_then_is_dropped)
{
    reset_obj_cb();
    ftc_object *f = ftc_future_new();
    ftc_object *n = node_to(f); /* a cycle while pending */
    int id = id_of(n);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n), 0);
    ftc_decref(n);
    cr_assert_eq(ftc_object_refcount(n), 1); /* the future's */
    cr_assert_geq(ftc_gc_collect(), 0);      /* f is held by the test: the cycle survives */
    cr_assert_eq(freed_of(id), 0);
    cr_assert_eq(obj_cb_runs, 0);
    ftc_object *r = node_to(NULL);
    int rid = id_of(r);
    cr_assert_eq(ftc_future_set_result(f, r), 0);
    ftc_decref(r);
    cr_assert_eq(obj_cb_runs, 1);
    cr_assert_eq(obj_cb_last, n);
    cr_assert_eq(obj_cb_refcount_in_cb, 1, "the object was not held while its callback ran");
    /* the future dropped the object after its callback: n is freed, and its reference to f
     * went with it */
    cr_assert_eq(freed_of(id), 1);
    cr_assert_eq(ftc_object_refcount(f), 1);
    cr_assert_eq(ftc_future_set_result(f, NULL), FTC_ESTATE);
    cr_assert_eq(ftc_future_cancel(f), 0);
    cr_assert_geq(ftc_gc_collect(), 0);
    cr_assert_eq(obj_cb_runs, 1);
    cr_assert_eq(freed_of(rid), 0);
    ftc_decref(f);
    cr_assert_eq(freed_of(rid), 1);
    assert_all_freed();
}

/* Added to a future that is done already: runs at once in the caller, and the future keeps
 * no reference (the object is freed when the caller drops its own). */
Test(gc_types, future_callback_object_added_when_done_runs_at_once)
{
    reset_obj_cb();
    ftc_object *f = ftc_future_new();
    cr_assert_eq(ftc_future_cancel(f), 1);
    ftc_object *n = node_to(f);
    int id = id_of(n);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n), 0);
    cr_assert_eq(obj_cb_runs, 1);
    cr_assert_eq(obj_cb_last, n);
    cr_assert_eq(obj_cb_refcount_in_cb, 2); /* the caller's and the future's */
    cr_assert_eq(ftc_object_refcount(n), 1);
    ftc_decref(n);
    cr_assert_eq(freed_of(id), 1);
    ftc_decref(f);
    assert_all_freed();
}

Test(gc_types, future_callback_object_refusals)
{
    ftc_object *f = ftc_future_new();
    ftc_object *n = node_to(NULL);
    int id = id_of(n);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, NULL, n), FTC_EINVAL);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_future_add_done_callback_obj(NULL, obj_cb, n), FTC_EINVAL);
    cr_assert_eq(ftc_future_add_done_callback_obj(n, obj_cb, n), FTC_ETYPE);
    ftc_fault_alloc_fail_after(1);
    cr_assert_eq(ftc_future_add_done_callback_obj(f, obj_cb, n), FTC_ENOMEM);
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(ftc_object_refcount(n), 1, "a refused add kept a reference");
    ftc_decref(n);
    cr_assert_eq(freed_of(id), 1);
    ftc_decref(f);
    assert_all_freed();
}

/* ---- threading.local ---- */

Test(gc_types, local_value_cycle_is_freed_by_one_collection)
{
    ftc_object *l = ftc_local_new();
    cr_assert_not_null(l);
    ftc_object *n = node_to(l); /* l -(this thread's value)-> n -> l */
    int id = id_of(n);
    cr_assert_eq(ftc_local_set(l, n), 0);
    ftc_decref(n);
    ftc_decref(l);
    cr_assert_eq(freed_of(id), 0);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    assert_all_freed();
}

/* Another thread stores a value referring to the local, then blocks (detached) on a queue
 * while the main thread collects: its value is part of the cycle and is freed, once, while the
 * thread is still alive; the thread's exit then finds nothing to release. */
struct local_ctx {
    ftc_object *local, *ready, *gate;
    int id;
};

/* Puts an (untracked) int into q. */
static void send_signal(ftc_object *q)
{
    ftc_object *one = ftc_int_new(1);
    cr_assert_not_null(one);
    cr_assert_eq(ftc_queue_put(q, one, -1), 0);
    ftc_decref(one);
}

static void local_thread(void *arg)
{
    struct local_ctx *c = arg;
    ftc_object *n = node_to(c->local);
    c->id = id_of(n);
    cr_assert_eq(ftc_local_set(c->local, n), 0);
    ftc_decref(n);
    send_signal(c->ready);
    ftc_object *go = NULL;
    cr_assert_eq(ftc_queue_get(c->gate, &go, -1), 0);
    ftc_decref(go);
}

Test(gc_types, local_values_of_a_live_thread_are_freed)
{
    struct local_ctx c = {ftc_local_new(), ftc_queue_new(0), ftc_queue_new(0), -1};
    cr_assert(c.local && c.ready && c.gate);
    ftc_object *mine = node_to(c.local);
    int my_id = id_of(mine);
    cr_assert_eq(ftc_local_set(c.local, mine), 0);
    ftc_decref(mine);
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, local_thread, &c, NULL), 0);
    ftc_object *r = NULL;
    cr_assert_eq(ftc_queue_get(c.ready, &r, -1), 0);
    ftc_decref(r);
    int64_t live_before_drop = ftc_object_live_count();
    ftc_decref(c.local); /* the thread keeps only a pointer it no longer uses */
    cr_assert_eq(ftc_object_live_count(), live_before_drop);
    int64_t found = ftc_gc_collect();
    int mine_freed = freed_of(my_id), its_freed = freed_of(c.id);
    send_signal(c.gate); /* release the thread before asserting: fini would wait for it */
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_geq(found, 3);
    cr_assert_eq(mine_freed, 1);
    cr_assert_eq(its_freed, 1, "the live thread's value was not freed by the collection");
    cr_assert_eq(freed_of(c.id), 1); /* the thread's exit released nothing twice */
    ftc_decref(c.ready);
    ftc_decref(c.gate);
    cr_assert_geq(ftc_gc_collect(), 0);
    assert_all_freed();
}

Test(gc_types, local_held_from_outside_survives_intact)
{
    ftc_object *l = ftc_local_new();
    ftc_object *n = node_to(l);
    int id = id_of(n);
    cr_assert_eq(ftc_local_set(l, n), 0);
    ftc_decref(n);
    cr_assert_geq(ftc_gc_collect(), 0);
    cr_assert_eq(freed_of(id), 0);
    ftc_object *out = NULL;
    cr_assert_eq(ftc_local_get(l, &out), 1);
    cr_assert_eq(out, n);
    cr_assert_eq(((node *)out)->ref[0], l);
    ftc_decref(out);
    ftc_decref(l);
    cr_assert_geq(ftc_gc_collect(), 2);
    cr_assert_eq(freed_of(id), 1);
    assert_all_freed();
}
