/* Biased reference counting, step by step (nogil; in the GIL build the same scenarios check
 * plain exact counting): a non-owner's decref queues to the owner, whose tick merges; the owner
 * reaching zero merges; an exited owner's objects merge directly; a thread drains its queue
 * when it ends; try-incref refuses dying and never-shared objects. */
#include <criterion/criterion.h>
#include "unit_fini.h"

#include "check.h"
#include "internal/object.h"

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t v;
} counted;

static int deallocs; /* atomic */
static uint64_t dealloc_thread;

static void counted_dealloc(ftc_object *self)
{
    (void)self;
    ftc_atomic_fetch_add(&deallocs, 1);
    ftc_atomic_store(&dealloc_thread, ftc_thread_ident());
}

static const ftc_type counted_type = {"counted", sizeof(counted), counted_dealloc, NULL, NULL, NULL,
                                      NULL};

#ifdef FTC_GIL_DISABLED
#define IS_NOGIL 1
#else
#define IS_NOGIL 0
#endif

static void run_on_thread(void (*fn)(void *), void *arg)
{
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, fn, arg, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}

static void decref_arg(void *arg) { ftc_decref((ftc_object *)arg); }
static void incref_arg(void *arg) { ftc_incref((ftc_object *)arg); }

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }

TestSuite(brc, .init = setup, .fini = teardown);

Test(brc, owner_counts_locally)
{
    ftc_object *o = ftc_object_new(&counted_type);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(o->ob_tid, _ftc_tls_tid);
    cr_assert_neq(o->ob_tid, FTC_TID_NONE);
    ftc_incref(o);
    cr_assert_eq(o->ob_ref_local, 2);
    cr_assert_eq(o->ob_ref_shared, 0);
    ftc_decref(o);
#endif
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
}

Test(brc, non_owner_decref_queues_and_owner_tick_merges)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_incref(o);                /* local 2 */
    run_on_thread(decref_arg, o); /* shared 0 -> QUEUED, pushed to us */
    cr_assert_eq(deallocs, 0);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(o->ob_ref_shared, FTC_REF_QUEUED);
    cr_assert(ftc_atomic_load(&((_ftc_tstate_head *)ftc_tstate_get())->eval_breaker) &
              FTC_EB_BRC_MERGE);
#endif
    cr_assert_eq(ftc_eval_tick(), 0); /* merge: 2 + 0 - 1 = 1 */
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_refcount(o), 1);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(o->ob_tid, FTC_TID_NONE);
    cr_assert_eq(o->ob_ref_shared & FTC_REF_SHARED_FLAG_MASK, FTC_REF_MERGED);
#endif
    run_on_thread(decref_arg, o); /* merged: the last decref frees, on that thread */
    cr_assert_eq(deallocs, 1);
    cr_assert_neq(dealloc_thread, ftc_thread_ident());
}

Test(brc, queued_object_dies_at_merge)
{
    ftc_object *o = ftc_object_new(&counted_type);
    run_on_thread(decref_arg, o); /* the only reference, given away and dropped */
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(deallocs, 0); /* the owner still holds the count */
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(dealloc_thread, ftc_thread_ident());
#else
    cr_assert_eq(deallocs, 1); /* plain counting: freed by that decref */
#endif
}

Test(brc, owner_zero_with_shared_refs_merges)
{
    ftc_object *o = ftc_object_new(&counted_type);
    run_on_thread(incref_arg, o); /* shared count 1 */
    ftc_decref(o);                /* local 0: merge, total 1, alive */
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_refcount(o), 1);
    run_on_thread(decref_arg, o);
    cr_assert_eq(deallocs, 1);
}

static ftc_object *made;

static void make_and_exit(void *arg)
{
    (void)arg;
    made = ftc_object_new(&counted_type);
    ftc_incref(made);
    ftc_incref(made); /* local 3, owner exits */
}

Test(brc, exited_owner_objects_merge_directly)
{
    int64_t live = ftc_object_live_count();
    run_on_thread(make_and_exit, NULL);
    cr_assert_eq(ftc_object_live_count(), live + 1);
    ftc_decref(made); /* owner gone: merged directly, 2 left */
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_refcount(made), 2);
    ftc_decref(made);
    ftc_decref(made);
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(ftc_object_live_count(), live);
}

/* A thread that ends drains its merge queue: the owner never ticks after the decref. */
static ftc_object *given;
static int decref_done; /* atomic */

static void owner_waits_without_ticking(void *arg)
{
    (void)arg;
    given = ftc_object_new(&counted_type);
    ftc_atomic_store(&decref_done, 1); /* hand over: the other thread decrefs */
    FTC_BEGIN_ALLOW_THREADS            /* detached (the GIL build needs it), never ticking */
        while (ftc_atomic_load(&decref_done) != 2) ftc_cpu_relax();
    FTC_END_ALLOW_THREADS
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(ftc_atomic_load(&deallocs), 0); /* queued to us, not merged yet */
#endif
}

static void handoff_main(void *arg)
{
    (void)arg;
    FTC_BEGIN_ALLOW_THREADS
    while (ftc_atomic_load(&decref_done) != 1)
        ftc_cpu_relax();
    FTC_END_ALLOW_THREADS
    ftc_decref(given); /* queued to the spinning owner */
    ftc_atomic_store(&decref_done, 2);
}

Test(brc, ending_thread_drains_its_queue)
{
    ftc_thread *a, *b;
    cr_assert_eq(ftc_thread_start(&a, owner_waits_without_ticking, NULL, NULL), 0);
    cr_assert_eq(ftc_thread_start(&b, handoff_main, NULL, NULL), 0);
    cr_assert_eq(ftc_thread_join(b, -1), 0);
    cr_assert_eq(ftc_thread_join(a, -1), 0);
    ftc_thread_release(a);
    ftc_thread_release(b);
    cr_assert_eq(deallocs, 1);
}

static int try_result;

static void try_incref_arg(void *arg) { try_result = ftc_try_incref((ftc_object *)arg); }

Test(brc, try_incref_needs_the_shared_flag)
{
    ftc_object *o = ftc_object_new(&counted_type);
    run_on_thread(try_incref_arg, o);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(try_result, 0); /* never shared: the owner could free it unseen */
#else
    cr_assert_eq(try_result, 1);
    ftc_decref(o);
#endif
    ftc_object_set_shared(o);
    run_on_thread(try_incref_arg, o);
    cr_assert_eq(try_result, 1);
    cr_assert_eq(ftc_object_refcount(o), 2);
    ftc_decref(o);
    cr_assert_eq(deallocs, 0);
    run_on_thread(decref_arg, o);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(deallocs, 1);
}

Test(brc, try_incref_refuses_dying)
{
#ifdef FTC_GIL_DISABLED
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object_set_shared(o);
    /* The state a reader can meet while a merge frees it: count 0, merged. */
    intptr_t saved_shared = o->ob_ref_shared;
    uint32_t saved_local = o->ob_ref_local;
    uintptr_t saved_tid = o->ob_tid;
    o->ob_ref_shared = FTC_REF_MERGED;
    o->ob_ref_local = 0;
    o->ob_tid = FTC_TID_NONE;
    cr_assert(!ftc_try_incref(o));
    ftc_object *slot = o;
    cr_assert(!ftc_try_incref_slot(&slot, o));
    o->ob_ref_shared = saved_shared;
    o->ob_ref_local = saved_local;
    o->ob_tid = saved_tid;
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
#endif
}

Test(brc, hot_object_exact_counts_and_free_rule)
{
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    for (int i = 0; i < 10; i++)
        run_on_thread(incref_arg, o); /* each thread ends: its +1 merged into the object */
    cr_assert_eq(ftc_object_refcount(o), 11);
    for (int i = 0; i < 10; i++)
        ftc_decref(o); /* our slot goes to -10 */
    cr_assert_eq(ftc_object_refcount(o), 1);
    cr_assert_eq(ftc_object_collect_hot(), 0);
    cr_assert_eq(deallocs, 0);
    ftc_decref(o);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(deallocs, 0); /* never freed by a decref */
    cr_assert_eq(ftc_object_collect_hot(), 1);
#endif
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(ftc_object_collect_hot(), 0);
}

/* Contention-driven conversion (refcount_hot.c), step by step. A nomination (here forced:
 * _ftc_hot_nominate, which a contended CAS does on a sample) holds a reference until the
 * nominating thread's next tick runs a round, which converts the object to hot; while it is
 * hot only a stop of the collector frees it. Joining the thread settles: the object becomes
 * an ordinary merged one and its last decref frees it, with no collection. GIL build: nothing
 * is nominated, counts are plain. */
static bool nominate_result;
static bool hot_in_thread;
static void incref_nominate_tick_decref(void *arg)
{
    ftc_object *o = arg;
    ftc_incref(o);
    nominate_result = _ftc_hot_nominate(o);
    cr_assert_eq(ftc_eval_tick(), 0); /* the round */
#ifdef FTC_GIL_DISABLED
    hot_in_thread = (o->ob_flags & FTC_OBF_HOT) && o->ob_tid == FTC_TID_HOT;
#endif
    ftc_decref(o);
}

static void decref_tick(void *arg)
{
    ftc_decref((ftc_object *)arg);
    cr_assert_eq(ftc_eval_tick(), 0);
}

Test(brc, nominated_object_becomes_hot_at_the_round)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_incref(o); /* local 2 */
    run_on_thread(incref_nominate_tick_decref, o);
    cr_assert_eq(nominate_result, IS_NOGIL);
    cr_assert_eq(hot_in_thread, IS_NOGIL);
    cr_assert_eq(ftc_object_refcount(o), 2);
#ifdef FTC_GIL_DISABLED
    /* The join settled: merged, no owner, no longer hot, nominable again. */
    cr_assert(!(o->ob_flags & (FTC_OBF_HOT | FTC_OBF_NOMINATED)));
    cr_assert_eq(o->ob_tid, FTC_TID_NONE);
#endif
    ftc_decref(o);
    run_on_thread(decref_tick, o); /* another thread's decref: total 0 */
    cr_assert_eq(deallocs, 1);     /* freed by that decref: no collection */
    cr_assert_eq(ftc_object_collect_hot(), 0);
}

/* While the threads still run: a thread whose count of a converted object goes below zero
 * (it dropped a reference it did not take while the object was hot: main, its creator) asks
 * for a round at its next tick, which demotes the object (total 1: the other thread's), so
 * that the other thread's last decref frees it at once, before any join or collection. */
static ftc_event rel_converted = FTC_EVENT_INIT, rel_demoted = FTC_EVENT_INIT,
                 rel_dropped = FTC_EVENT_INIT;
static void hold_convert_wait_drop(void *arg)
{
    ftc_object *o = arg;
    ftc_incref(o);
    nominate_result = _ftc_hot_nominate(o);
    cr_assert_eq(ftc_eval_tick(), 0); /* the round converts */
#ifdef FTC_GIL_DISABLED
    hot_in_thread = (o->ob_flags & FTC_OBF_HOT) != 0;
#endif
    ftc_event_set(&rel_converted);
    ftc_event_wait(&rel_demoted, -1);
    ftc_decref(o); /* the last reference */
    ftc_event_set(&rel_dropped);
}

Test(brc, converted_object_released_by_its_creator_dies_at_the_last_decref)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_incref(o); /* local 2 */
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, hold_convert_wait_drop, o, NULL), 0);
    ftc_event_wait(&rel_converted, -1);
    cr_assert_eq(hot_in_thread, IS_NOGIL);
    ftc_decref(o);
    ftc_decref(o);              /* our count of it: -2 */
    int tick = ftc_eval_tick(); /* the round we asked for: total 1, demoted */
    bool hot = false;
#ifdef FTC_GIL_DISABLED
    hot = (o->ob_flags & FTC_OBF_HOT) != 0;
#endif
    int64_t count = ftc_object_refcount(o);
    ftc_event_set(&rel_demoted);
    ftc_event_wait(&rel_dropped, -1);
    int freed = ftc_atomic_load(&deallocs);  /* before the join */
    cr_assert_eq(ftc_thread_join(t, -1), 0); /* (asserts after it: no thread left waiting) */
    ftc_thread_release(t);
    cr_assert_eq(tick, 0);
    cr_assert(!hot);
    cr_assert_eq(count, 1);
    cr_assert_eq(freed, 1); /* freed by the other thread's decref, not joined yet */
}

/* Made hot by its owner (ftc_object_set_hot), an object stays hot across joins: the settle
 * demotes only what contention converted. */
Test(brc, set_hot_object_stays_hot_across_joins)
{
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    ftc_incref(o);
    run_on_thread(incref_nominate_tick_decref, o); /* not nominated: hot already */
    cr_assert(!nominate_result);
    run_on_thread(decref_tick, o);
#ifdef FTC_GIL_DISABLED
    cr_assert(o->ob_flags & FTC_OBF_HOT);
    ftc_decref(o);
    cr_assert_eq(deallocs, 0);
    cr_assert_eq(ftc_object_collect_hot(), 1);
#else
    ftc_decref(o);
#endif
    cr_assert_eq(deallocs, 1);
}

/* Converted while queued for a BRC merge: the owner (this thread) holds 4 references and
 * gives two away; the other thread's first decref queues o to us (shared count 0), it
 * nominates o with its second reference and its tick converts o while o is still in our
 * queue. Our merge (the thread is still running: not joined) then drops the queue's reference
 * as a hot decref; the total stays exact. The join settles: the last decref frees. */
static ftc_event queued_converted = FTC_EVENT_INIT, owner_merged = FTC_EVENT_INIT;
static void decref_nominate_tick_decref(void *arg)
{
    ftc_object *o = arg;
    ftc_decref(o); /* shared 0 -> QUEUED, pushed to the owner, which does not tick */
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(o->ob_ref_shared, FTC_REF_QUEUED);
#endif
    nominate_result = _ftc_hot_nominate(o);
    cr_assert_eq(ftc_eval_tick(), 0); /* round: converted while queued */
#ifdef FTC_GIL_DISABLED
    cr_assert(o->ob_flags & FTC_OBF_HOT);
#endif
    ftc_decref(o); /* the second reference given to us */
    ftc_event_set(&queued_converted);
    ftc_event_wait(&owner_merged, -1);
}

Test(brc, converted_while_queued_merges_exactly_once)
{
    ftc_object *o = ftc_object_new(&counted_type);
    for (int i = 0; i < 3; i++)
        ftc_incref(o); /* local 4: we keep 2, give 2 */
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, decref_nominate_tick_decref, o, NULL), 0);
    ftc_event_wait(&queued_converted, -1);
    cr_assert_eq(nominate_result, IS_NOGIL);
#ifdef FTC_GIL_DISABLED
    cr_assert(o->ob_flags & FTC_OBF_HOT); /* not joined: still hot */
#endif
    cr_assert_eq(ftc_eval_tick(), 0); /* our merge finds o hot */
    cr_assert_eq(ftc_object_refcount(o), 2);
    cr_assert_eq(ftc_object_collect_hot(), 0);
    ftc_decref(o);
    cr_assert_eq(ftc_object_collect_hot(), 0);
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_event_set(&owner_merged);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_eq(deallocs, 0);
    ftc_decref(o); /* settled at the join: this decref frees */
    cr_assert_eq(deallocs, 1);
}

/* The signal: the out-of-line paths a lost CAS takes (decref's and try-incref's) sample the
 * contention events and nominate on the eighth of this thread; the tick converts. Called here
 * directly, as the inline paths call them when their CAS fails. */
static void contend_tick(void *arg)
{
    ftc_object *o = arg;
    for (int i = 0; i < 4; i++)
        cr_assert(_ftc_object_try_incref_contended(o)); /* 4 events, 4 references */
    for (int i = 0; i < 3; i++)
        _ftc_object_decref_contended(o); /* 3 more events */
#ifdef FTC_GIL_DISABLED
    cr_assert(!(o->ob_flags & FTC_OBF_NOMINATED));
#endif
    _ftc_object_decref_contended(o); /* the eighth: nominated */
#ifdef FTC_GIL_DISABLED
    cr_assert(o->ob_flags & FTC_OBF_NOMINATED);
#endif
    cr_assert_eq(ftc_eval_tick(), 0);
}

Test(brc, eighth_contention_event_nominates_and_the_tick_converts)
{
    cr_assert_eq(ftc_object_auto_hot_enabled(), IS_NOGIL); /* on by default */
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object_set_shared(o); /* try-incref needs it */
    run_on_thread(contend_tick, o);
    cr_assert_eq(ftc_object_refcount(o), 1);
#ifdef FTC_GIL_DISABLED
    cr_assert(!(o->ob_flags & FTC_OBF_HOT)); /* converted, then settled by the join */
#endif
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
}

/* Off, the same events nominate nothing: the object stays biased-counted. */
static void contend_off(void *arg)
{
    ftc_object *o = arg;
    for (int i = 0; i < 8; i++)
        cr_assert(_ftc_object_try_incref_contended(o));
    for (int i = 0; i < 8; i++)
        _ftc_object_decref_contended(o);
#ifdef FTC_GIL_DISABLED
    cr_assert(!(o->ob_flags & FTC_OBF_NOMINATED));
#endif
    cr_assert_eq(ftc_eval_tick(), 0);
}

Test(brc, contention_nominates_nothing_unless_auto_hot_is_on)
{
    ftc_object_set_auto_hot(false);
    cr_assert(!ftc_object_auto_hot_enabled());
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_object_set_shared(o);
    run_on_thread(contend_off, o);
#ifdef FTC_GIL_DISABLED
    cr_assert(!(o->ob_flags & FTC_OBF_HOT));
#endif
    cr_assert_eq(deallocs, 0);
    ftc_decref(o);
    cr_assert_eq(deallocs, 1); /* freed by the decref, no collection */
    ftc_object_set_auto_hot(true);
}

/* A nominating thread that ends before its round drops the nomination's reference: nothing
 * converted, nothing leaked, the object freed by its last decref. Immortal objects are never
 * nominated. */
static void nominate_and_exit(void *arg)
{
    ftc_object *o = arg;
    ftc_incref(o);
    nominate_result = _ftc_hot_nominate(o);
    ftc_decref(o);
}

Test(brc, nomination_dropped_at_thread_end)
{
    ftc_object *o = ftc_object_new(&counted_type);
    run_on_thread(nominate_and_exit, o);
    cr_assert_eq(nominate_result, IS_NOGIL);
    cr_assert_eq(ftc_object_refcount(o), 1);
#ifdef FTC_GIL_DISABLED
    cr_assert(!(o->ob_flags & FTC_OBF_HOT));
    cr_assert(!(o->ob_flags & FTC_OBF_NOMINATED));
#endif
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
    ftc_object *imm = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(imm), 0);
    cr_assert(!_ftc_hot_nominate(imm));
}

/* The inline incref/decref/try-incref test the owner first (object.h): that is right only
 * because an object with an owner is never immortal nor hot. Check that the owner loses its
 * ownership when it makes its object immortal (FTC_TID_NONE) or hot (FTC_TID_HOT), and that its own counting afterwards
 * goes where it must: nowhere (immortal), its hot slot (hot), never the local count. */
Test(brc, owner_first_order_invariants)
{
    ftc_object *im = ftc_object_new(&counted_type);
    ftc_object *hot = ftc_object_new(&counted_type);
    ftc_object *plain = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_immortalize(im), 0);
    cr_assert_eq(ftc_object_set_hot(hot), 0);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(im->ob_tid, FTC_TID_NONE);
    cr_assert_eq(hot->ob_tid, FTC_TID_HOT);
    cr_assert_eq(plain->ob_tid, _ftc_tls_tid);
    uint32_t id = hot->ob_ref_local;
    for (int i = 0; i < 1000; i++) {
        ftc_incref(im);
        ftc_incref(hot);
        cr_assert(ftc_try_incref(im));
        cr_assert(ftc_try_incref(hot));
        ftc_incref(plain);
    }
    cr_assert_eq(im->ob_ref_local, FTC_REF_IMMORTAL);
    cr_assert_eq(hot->ob_ref_local, id, "a hot object's id never changes");
    cr_assert(id < _ftc_hot.nslots);
    cr_assert_eq(_ftc_hot.slots[id], 2000);
    cr_assert_eq(plain->ob_ref_local, 1001);
    cr_assert_eq(plain->ob_ref_shared, 0, "the owner never touches the shared word");
    for (int i = 0; i < 2000; i++) {
        ftc_decref(im);
        ftc_decref(hot);
    }
    for (int i = 0; i < 1000; i++)
        ftc_decref(plain);
    cr_assert_eq(_ftc_hot.slots[id], 0);
    cr_assert_eq(im->ob_ref_local, FTC_REF_IMMORTAL);
    cr_assert_eq(plain->ob_ref_local, 1);
#endif
    cr_assert_eq(ftc_object_refcount(hot), 1);
    cr_assert_eq(ftc_object_refcount(plain), 1);
    /* Another thread counts plain on the shared word, hot in its own slot. */
    run_on_thread(incref_arg, plain);
    run_on_thread(incref_arg, hot);
    cr_assert_eq(ftc_object_refcount(plain), 2);
    cr_assert_eq(ftc_object_refcount(hot), 2);
    ftc_decref(plain);
    ftc_decref(plain);
    ftc_decref(hot);
    ftc_decref(hot);
    cr_assert_eq(ftc_object_collect_hot(), IS_NOGIL ? 1 : 0);
    cr_assert_eq(deallocs, 2);
}

Test(brc, hot_object_dead_at_fini_is_freed)
{
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    run_on_thread(incref_arg, o);
    run_on_thread(decref_arg, o);
    ftc_decref(o);
    /* teardown's ftc_runtime_fini collects it; checked by the live count there */
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(deallocs, 1);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
}

/* ---- fault injection ---- */

static uint64_t decref_allocs;

static void decref_counting_allocs(void *arg)
{
    ftc_fault_alloc_fail_after(0);
    ftc_decref((ftc_object *)arg);
    decref_allocs = ftc_fault_alloc_count();
}

static uint64_t fail_at;

static void decref_failing(void *arg)
{
    ftc_fault_alloc_fail_after(fail_at);
    ftc_decref((ftc_object *)arg);
    ftc_fault_alloc_fail_after(0);
}

/* Walk n over the allocations a queueing decref makes (growing the owner's queue): when it
 * fails, the decref merges with the world stopped; nothing is lost or freed early. */
Test(brc, queue_growth_fault_walk)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_incref(o);
    run_on_thread(decref_counting_allocs, o);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    cr_assert_eq(deallocs, 1);
#ifdef FTC_GIL_DISABLED
    cr_assert_geq(decref_allocs, 1);
#endif
    for (uint64_t n = 1; n <= decref_allocs; n++) {
        ftc_object *p = ftc_object_new(&counted_type);
        ftc_incref(p); /* local 2 */
        fail_at = n;
        run_on_thread(decref_failing, p); /* queue cannot grow: merged with the world stopped */
        cr_assert_eq(deallocs, (int)n);
        cr_assert_eq(ftc_object_refcount(p), 1);
#ifdef FTC_GIL_DISABLED
        cr_assert_eq(p->ob_tid, FTC_TID_NONE);
        cr_assert_eq(p->ob_ref_shared & FTC_REF_SHARED_FLAG_MASK, FTC_REF_MERGED);
#endif
        cr_assert_eq(ftc_eval_tick(), 0); /* nothing queued */
        cr_assert_eq(ftc_object_refcount(p), 1);
        run_on_thread(decref_arg, p);
        cr_assert_eq(deallocs, (int)n + 1);
    }
}

Test(brc, set_hot_fault_walk)
{
    ftc_object *o = ftc_object_new(&counted_type);
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    uint64_t allocs = ftc_fault_alloc_count();
#ifdef FTC_GIL_DISABLED
    cr_assert_geq(allocs, 1); /* the id table, on first use */
#endif
    ftc_decref(o);
    cr_assert_eq(ftc_object_collect_hot(), IS_NOGIL);
    cr_assert_eq(deallocs, 1);
    /* Runtime fini frees the id table once no hot object is left; start afresh so that the
     * next set_hot allocates it again. */
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    for (uint64_t n = 1; n <= allocs; n++) {
        ftc_object *p = ftc_object_new(&counted_type);
        ftc_fault_alloc_fail_after(n);
        int rc = ftc_object_set_hot(p);
        ftc_fault_alloc_fail_after(0);
        cr_assert_eq(rc, FTC_ENOMEM);
        /* still an ordinary object: its decref frees it */
        ftc_incref(p);
        run_on_thread(decref_arg, p);
        cr_assert_eq(ftc_eval_tick(), 0);
        ftc_decref(p);
        cr_assert_eq(deallocs, 1 + (int)n);
    }
}

static void incref_failing(void *arg)
{
    ftc_fault_alloc_fail_after(1); /* this thread's slot array cannot be allocated */
    ftc_incref((ftc_object *)arg);
    ftc_incref((ftc_object *)arg);
    ftc_fault_alloc_fail_after(0);
}

Test(brc, hot_slot_growth_failure_counts_in_the_shared_word)
{
    ftc_object *o = ftc_object_new(&counted_type);
    cr_assert_eq(ftc_object_set_hot(o), 0);
    run_on_thread(incref_failing, o);
    cr_assert_eq(ftc_object_refcount(o), 3);
    ftc_decref(o);
    ftc_decref(o);
    cr_assert_eq(ftc_object_collect_hot(), 0);
    cr_assert_eq(ftc_object_refcount(o), 1);
    ftc_decref(o);
    cr_assert_eq(ftc_object_collect_hot(), IS_NOGIL);
    cr_assert_eq(deallocs, 1);
}

/* ---- misuse ---- */
#ifdef FTC_GIL_DISABLED
static void set_hot_on_foreign_object(void *arg)
{
    (void)arg;
    ftc_object *o = ftc_object_new(&counted_type);
    o->ob_tid = _ftc_tls_tid + 1000; /* as if another thread had made it */
    ftc_object_set_hot(o);
}

static void collect_hot_detached(void *arg)
{
    (void)arg;
    ftc_detach();
    ftc_object_collect_hot();
}

Test(brc, misuse_is_fatal)
{
    cr_assert(ftc_check_dies(set_hot_on_foreign_object, NULL, "owned by another thread"));
    cr_assert(ftc_check_dies(collect_hot_detached, NULL, "needs an attached thread state"));
}
#endif
