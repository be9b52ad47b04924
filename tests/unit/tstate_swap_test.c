/* ftc_tstate_swap (runtime.h): swapping NULL in and out, swapping with itself, swapping between
 * the main interpreter and sub-interpreters (sharing the GIL, and each with its own GIL in the
 * GIL build), and the bookkeeping that goes with it: the GIL of each side, QSBR online/offline,
 * critical sections suspended and re-taken, eval-breaker requests made while a tstate was
 * swapped out, and other threads (another thread takes the GIL or stops the world while ours
 * is swapped out). Misuse is in tests/misuse/tstate_swap_misuse.c, many threads swapping at
 * once in tests/stress/tstate_swap.c. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include "check.h"
#include "internal/object.h"
#include "internal/state.h"

static void init_with(int own_gil)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.own_gil_for_subinterpreters = own_gil;
    cr_assert_eq(ftc_runtime_init(&cfg), 0);
}

/* Whether ts holds its GIL (GIL build) / the thread is QSBR-online (nogil build; the QSBR
 * record belongs to the OS thread, shared by its tstates: online while any is attached). */
static void assert_attached_bookkeeping(ftc_tstate *ts, int attached)
{
    cr_assert_eq(ftc_tstate_state(ts), attached ? FTC_TSTATE_ATTACHED : FTC_TSTATE_DETACHED);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(ts->objects->qsbr_online, ftc_tstate_get() != NULL);
    cr_assert_eq(ftc_atomic_load(&ts->holds_gil), 0);
#else
    cr_assert_eq(ftc_atomic_load(&ts->holds_gil), attached);
    if (attached)
        cr_assert_eq(ts->gil->holder, ts);
    else
        cr_assert_neq(ts->gil->holder, ts);
#endif
}

Test(tstate_swap, null_detaches_and_swapping_back_attaches)
{
    init_with(0);
    ftc_tstate *ts = ftc_tstate_get();
    assert_attached_bookkeeping(ts, 1);
    cr_assert_eq(ftc_tstate_swap(NULL), ts);
    cr_assert_null(ftc_tstate_get());
    assert_attached_bookkeeping(ts, 0);
#ifndef FTC_GIL_DISABLED
    cr_assert_eq(ts->gil->locked, 0, "the GIL is free");
#endif
    cr_assert_null(ftc_tstate_swap(NULL), "nothing attached: NULL, no effect");
    cr_assert_null(ftc_tstate_get());
    cr_assert_null(ftc_tstate_swap(ts));
    cr_assert_eq(ftc_tstate_get(), ts);
    assert_attached_bookkeeping(ts, 1);
    /* Swapping in the current tstate: detach and re-attach, still attached after. */
    cr_assert_eq(ftc_tstate_swap(ts), ts);
    cr_assert_eq(ftc_tstate_get(), ts);
    assert_attached_bookkeeping(ts, 1);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void swap_between_interpreters(int own_gil)
{
    init_with(own_gil);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev = NULL;
    ftc_interp *sub = ftc_interp_new(&prev);
    cr_assert_not_null(sub);
    cr_assert_eq(prev, main_ts);
    ftc_tstate *sub_ts = ftc_tstate_get();
    for (int round = 0; round < 3; round++) {
        cr_assert_eq(ftc_tstate_swap(main_ts), sub_ts);
        cr_assert_eq(ftc_tstate_get(), main_ts);
        cr_assert_eq(ftc_tstate_interp(ftc_tstate_get()), ftc_interp_main());
        assert_attached_bookkeeping(main_ts, 1);
        assert_attached_bookkeeping(sub_ts, 0);
#ifndef FTC_GIL_DISABLED
        if (own_gil)
            cr_assert_eq(sub_ts->gil->locked, 0, "the sub-interpreter's own GIL is released");
#endif
        cr_assert_eq(ftc_tstate_swap(sub_ts), main_ts);
        cr_assert_eq(ftc_tstate_get(), sub_ts);
        cr_assert_eq(ftc_tstate_interp(ftc_tstate_get()), sub);
        assert_attached_bookkeeping(sub_ts, 1);
        assert_attached_bookkeeping(main_ts, 0);
#ifndef FTC_GIL_DISABLED
        if (own_gil)
            cr_assert_eq(main_ts->gil->locked, 0, "the main GIL is released");
#endif
    }
    cr_assert_eq(ftc_interp_destroy(sub), 0); /* leaves us detached */
    cr_assert_null(ftc_tstate_swap(main_ts));
    cr_assert_eq(ftc_tstate_get(), main_ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(tstate_swap, between_interpreters_sharing_a_gil) { swap_between_interpreters(0); }
Test(tstate_swap, between_interpreters_with_their_own_gils) { swap_between_interpreters(1); }

Test(tstate_swap, critical_sections_are_suspended_and_retaken)
{
    init_with(1);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    ftc_tstate *sub_ts = ftc_tstate_get();
    cr_assert_eq(ftc_tstate_swap(main_ts), sub_ts);
    /* Sections begun and ended through the functions: each END names its own section (the
     * macros would pair an END with the lexically innermost BEGIN). */
    ftc_mutex m1 = FTC_MUTEX_INIT, m2 = FTC_MUTEX_INIT;
    ftc_critical_section c1, c2;
    ftc_critical_section_begin_mutex(&c1, &m1);
#ifdef FTC_GIL_DISABLED
    cr_assert(ftc_mutex_is_locked(&m1));
#endif
    cr_assert_eq(ftc_tstate_swap(sub_ts), main_ts);
#ifdef FTC_GIL_DISABLED
    cr_assert(!ftc_mutex_is_locked(&m1), "main_ts's section is suspended: its lock released");
#endif
    ftc_critical_section_begin_mutex(&c2, &m2);
#ifdef FTC_GIL_DISABLED
    cr_assert(ftc_mutex_is_locked(&m2));
#endif
    cr_assert_eq(ftc_tstate_swap(main_ts), sub_ts);
#ifdef FTC_GIL_DISABLED
    cr_assert(!ftc_mutex_is_locked(&m2), "sub_ts's section is suspended");
    cr_assert(ftc_mutex_is_locked(&m1), "main_ts's innermost section is taken again");
#endif
    ftc_critical_section_end(&c1);
#ifdef FTC_GIL_DISABLED
    cr_assert(!ftc_mutex_is_locked(&m1));
#endif
    cr_assert_eq(ftc_tstate_swap(sub_ts), main_ts);
#ifdef FTC_GIL_DISABLED
    cr_assert(ftc_mutex_is_locked(&m2), "sub_ts's section is taken again");
#endif
    ftc_critical_section_end(&c2);
#ifdef FTC_GIL_DISABLED
    cr_assert(!ftc_mutex_is_locked(&m2));
#endif
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_null(ftc_tstate_swap(main_ts));
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static int pending_ran;
static int count_pending(void *arg)
{
    FTC_UNUSED(arg);
    pending_ran++;
    return 0;
}

Test(tstate_swap, requests_made_while_swapped_out_are_served_after_swapping_back)
{
    init_with(0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    ftc_tstate *sub_ts = ftc_tstate_get();
    pending_ran = 0;
    /* A pending call for the main interpreter runs on its main tstate, swapped out now. */
    cr_assert_eq(ftc_pending_call_add(ftc_interp_main(), count_pending, NULL), 0);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(pending_ran, 0, "not run by another interpreter's tstate");
    cr_assert_eq(ftc_tstate_swap(main_ts), sub_ts);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(pending_ran, 1);
    /* An async exception for this thread in the sub-interpreter waits for sub_ts. */
    cr_assert_eq(ftc_tstate_swap(sub_ts), main_ts);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 4), 1);
    cr_assert_eq(ftc_tstate_swap(main_ts), sub_ts);
    cr_assert_eq(ftc_eval_tick(), 0, "main_ts has none");
    cr_assert_eq(ftc_tstate_swap(sub_ts), main_ts);
    cr_assert_eq(ftc_eval_tick(), FTC_EUSER - 4);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_null(ftc_tstate_swap(main_ts));
    cr_assert_eq(ftc_runtime_fini(), 0);
}

/* ---- other threads run while ours is swapped out ---- */

static int helper_done; /* atomic */

static void *gilstate_helper(void *arg)
{
    int stop_world = (int)(intptr_t)arg;
    ftc_gilstate g = ftc_gilstate_ensure(); /* GIL build: needs the GIL */
    if (stop_world) {
        ftc_stop_the_world(); /* nogil: needs every other thread detached or ticking */
        ftc_start_the_world();
    }
    ftc_gilstate_release(g);
    ftc_atomic_store(&helper_done, 1);
    return NULL;
}

/* Runs the helper and gives it 60 s: without the swap's detach it could never finish. */
static void run_helper_while_swapped_out(int stop_world)
{
    ftc_atomic_store(&helper_done, 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, gilstate_helper, (void *)(intptr_t)stop_world), 0);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 60;
    cr_assert_eq(pthread_timedjoin_np(th, NULL, &deadline), 0, "the helper never finished");
    cr_assert_eq(ftc_atomic_load(&helper_done), 1);
}

Test(tstate_swap, other_threads_take_the_gil_and_stop_the_world_while_swapped_out)
{
    init_with(1);
    ftc_tstate *main_ts = ftc_tstate_get();
    cr_assert_eq(ftc_tstate_swap(NULL), main_ts);
    run_helper_while_swapped_out(0);
    run_helper_while_swapped_out(1);
    cr_assert_null(ftc_tstate_swap(main_ts));
    /* Swapped to a sub-interpreter with its own GIL: the main GIL is free for the helper. */
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    ftc_tstate *sub_ts = ftc_tstate_get();
    cr_assert_eq(ftc_tstate_swap(NULL), sub_ts);
    cr_assert_null(ftc_tstate_swap(sub_ts));
#ifndef FTC_GIL_DISABLED
    run_helper_while_swapped_out(0); /* we hold only the sub-interpreter's GIL */
#endif
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_null(ftc_tstate_swap(main_ts));
    cr_assert_eq(ftc_runtime_fini(), 0);
}

#ifdef FTC_GIL_DISABLED
static void decref_other(void *arg) { ftc_decref((ftc_object *)arg); }

Test(tstate_swap, reference_merges_follow_the_thread_to_its_current_tstate)
{
    init_with(0);
    ftc_tstate *main_ts = ftc_tstate_get();
    int64_t live = ftc_object_live_count();
    ftc_object *o = ftc_int_new(1000000);
    ftc_incref(o); /* one reference for the other thread */
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, decref_other, o, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    /* The other thread's decref was queued to us (the owner thread). Swap to a tstate of
     * another interpreter: its ticks must do the merge (the record follows the thread). */
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    cr_assert_eq(ftc_tstate_get()->objects, main_ts->objects);
    cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(ftc_atomic_load(&main_ts->objects->brc_len), 0u, "merged in sub's tick");
    ftc_decref(o);
    cr_assert_eq(ftc_object_live_count(), live);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    cr_assert_null(ftc_tstate_swap(main_ts));
    cr_assert_eq(ftc_runtime_fini(), 0);
}
#endif
