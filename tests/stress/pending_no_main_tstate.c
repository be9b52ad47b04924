/* A pending call for a sub-interpreter whose main thread state was deleted (the interpreter
 * lives on in another thread) is refused with FTC_ESTATE (eval.h): only the main tstate runs
 * pending calls, so it would never run. Until the deletion the same add is accepted and run
 * by the main tstate's tick; the interpreter's other thread, ticking all along, never runs
 * one; the main interpreter's queue is unaffected. Both builds. */
#include "check.h"
#include "internal/state.h"

static int sub_calls;  /* atomic: pending calls run in the sub-interpreter */
static int main_calls; /* main thread only */
static ftc_event worker_ticking, worker_go;
static int worker_ticks; /* atomic */

static int count_sub(void *arg)
{
    (void)arg;
    ftc_atomic_fetch_add(&sub_calls, 1);
    return 0;
}

static int count_main(void *arg)
{
    (void)arg;
    main_calls++;
    return 0;
}

/* Lives in the sub-interpreter: ticks until told to stop (a pending call, had one been queued
 * for it, would run only on the main tstate: it must not run here). */
static void sub_worker(void *arg)
{
    (void)arg;
    ftc_event_set(&worker_ticking);
    while (!ftc_event_is_set(&worker_go)) {
        CHECK_EQ(ftc_eval_tick(), 0);
        ftc_atomic_fetch_add(&worker_ticks, 1);
        FTC_BEGIN_ALLOW_THREADS
        ftc_event_wait(&worker_go, 0.001); /* a bounded wait for the stop, not a sleep */
        FTC_END_ALLOW_THREADS
    }
}

FTC_TEST(pending_call_for_an_interpreter_without_main_tstate_is_refused)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev = NULL;
    ftc_interp *sub = ftc_interp_new(&prev);
    CHECK(sub != NULL);
    CHECK(prev == main_ts);
    ftc_tstate *sub_main = ftc_tstate_get();

    /* With its main tstate alive, a call is queued and its tick runs it. */
    CHECK_EQ(ftc_pending_call_add(sub, count_sub, NULL), 0);
    CHECK_EQ(ftc_eval_tick(), 0);
    CHECK_EQ(ftc_atomic_load(&sub_calls), 1);

    ftc_thread *worker;
    CHECK_EQ(ftc_thread_start(&worker, sub_worker, NULL, NULL), 0);
    ftc_event_wait(&worker_ticking, -1);

    /* Delete the sub-interpreter's main tstate; the worker keeps the interpreter alive. */
    CHECK(ftc_detach() == sub_main);
    ftc_tstate_delete(sub_main);
    ftc_attach(main_ts);

    CHECK_EQ(ftc_pending_call_add(sub, count_sub, NULL), FTC_ESTATE);
    CHECK_EQ(ftc_pending_call_add(sub, count_sub, NULL), FTC_ESTATE);
    /* Let the worker tick a while longer: nothing may run there. */
    int ticks = ftc_atomic_load(&worker_ticks);
    while (ftc_atomic_load(&worker_ticks) < ticks + 20) {
        FTC_BEGIN_ALLOW_THREADS
        ftc_event_wait(&worker_go, 0.001);
        FTC_END_ALLOW_THREADS
    }
    CHECK_EQ(ftc_atomic_load(&sub_calls), 1);

    /* The main interpreter's queue works as before. */
    CHECK_EQ(ftc_pending_call_add(NULL, count_main, NULL), 0);
    CHECK_EQ(ftc_eval_tick(), 0);
    CHECK_EQ(main_calls, 1);

    ftc_event_set(&worker_go);
    CHECK_EQ(ftc_thread_join(worker, -1), 0);
    ftc_thread_release(worker);
    CHECK_EQ(ftc_pending_call_add(sub, count_sub, NULL), FTC_ESTATE);
    CHECK_EQ(ftc_runtime_fini(), 0);
    CHECK_EQ(ftc_atomic_load(&sub_calls), 1);
}
