/* Thread states: attach/detach, ALLOW_THREADS, the per-thread id, the snapshot, misuse. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/state.h"

Test(tstate, detach_attach_and_allow_threads)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *ts = ftc_tstate_get();
    cr_assert_eq(ftc_detach(), ts);
    cr_assert_null(ftc_tstate_get());
    cr_assert_eq(ftc_tstate_state(ts), FTC_TSTATE_DETACHED);
#ifndef FTC_GIL_DISABLED
    cr_assert_eq(ts->gil->locked, 0);
#endif
    ftc_attach(ts);
    cr_assert_eq(ftc_tstate_get(), ts);
    cr_assert_eq(ftc_tstate_state(ts), FTC_TSTATE_ATTACHED);
#ifndef FTC_GIL_DISABLED
    cr_assert_eq(ts->gil->holder, ts);
#endif
    FTC_BEGIN_ALLOW_THREADS
    cr_assert_null(ftc_tstate_get());
    cr_assert_eq(ftc_tstate_state(ts), FTC_TSTATE_DETACHED);
    FTC_END_ALLOW_THREADS
    cr_assert_eq(ftc_tstate_get(), ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(tstate, thread_id_is_nonzero_and_stable)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    uintptr_t id = _ftc_tls_tid;
    cr_assert_neq(id, 0);
    cr_assert_eq(ftc_tstate_get()->tid, id);
    cr_assert_eq(ftc_runtime_fini(), 0);
    /* a new runtime: the thread keeps its id (never reused, never changed) */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_tstate_get()->tid, id);
    cr_assert_eq(ftc_tstate_get()->ident, ftc_thread_ident());
    cr_assert_eq(ftc_tstate_get()->native_id, ftc_thread_native_id());
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(tstate, one_tstate_per_thread_per_interpreter)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_null(ftc_tstate_new(ftc_interp_main()));
    cr_assert_eq(ftc_last_error(), FTC_ESTATE);
    cr_assert_null(ftc_tstate_new(NULL));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_null(ftc_tstate_new(ftc_interp_main()));
}

Test(tstate, snapshot_reports_the_main_thread)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_thread_info info[2];
    memset(info, 0, sizeof info);
    cr_assert_eq(ftc_threads_snapshot(info, 2), 1);
    cr_assert_eq(info[0].ident, ftc_thread_ident());
    cr_assert_eq(info[0].native_id, ftc_thread_native_id());
    cr_assert_str_eq(info[0].name, "MainThread");
    cr_assert_eq(info[0].state, FTC_TSTATE_ATTACHED);
    cr_assert_eq(info[0].daemon, 0);
    cr_assert_eq(info[0].interp_id, 0);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(info[0].holds_gil, 0);
#else
    cr_assert_eq(info[0].holds_gil, 1);
#endif
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    cr_assert_eq(ftc_threads_snapshot(NULL, 3), FTC_EINVAL);
    ftc_detach();
    cr_assert_eq(ftc_threads_snapshot(info, 2), 1);
    cr_assert_eq(info[0].state, FTC_TSTATE_DETACHED);
    cr_assert_eq(info[0].holds_gil, 0);
    ftc_attach(ftc_interp_main()->main_ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(ftc_threads_snapshot(info, 2), FTC_ESTATE);
}

static void *other_thread_attach(void *arg)
{
    ftc_attach(arg); /* dies: not this thread's tstate */
    return NULL;
}

static void misuse_attach_foreign(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_tstate *ts = ftc_detach();
    pthread_t th;
    pthread_create(&th, NULL, other_thread_attach, ts);
    pthread_join(th, NULL);
}

static void misuse_attach_twice(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_attach(ftc_tstate_get());
}

static void misuse_detach_detached(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_detach();
    ftc_detach();
}

static void misuse_tick_detached(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_detach();
    ftc_eval_tick();
}

static void misuse_delete_attached(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_tstate_delete(ftc_tstate_get());
}

static void misuse_tstate_delete_null(void *arg)
{
    (void)arg;
    ftc_tstate_delete(NULL);
}

Test(tstate, misuse_is_fatal)
{
    cr_assert(ftc_check_dies(misuse_attach_foreign, NULL, "belongs to another thread"));
    cr_assert(ftc_check_dies(misuse_attach_twice, NULL, "already has an attached"));
    cr_assert(ftc_check_dies(misuse_detach_detached, NULL, "no attached thread state"));
    cr_assert(ftc_check_dies(misuse_tick_detached, NULL, "ftc_eval_tick"));
    cr_assert(ftc_check_dies(misuse_delete_attached, NULL, "attached thread state"));
    cr_assert(ftc_check_dies(misuse_tstate_delete_null, NULL, "NULL thread state"));
}

Test(tstate, explicit_tstate_for_a_foreign_thread_pattern)
{
    /* A second tstate of this thread in a sub-interpreter, deleted explicitly while the main
     * one is attached (ftc_tstate_delete detaches and re-attaches the caller around it). */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    ftc_tstate *sub_ts = ftc_detach();
    ftc_attach(prev);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 2);
    ftc_tstate_delete(sub_ts);
    cr_assert_eq(ftc_tstate_get(), main_ts);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    /* the sub-interpreter has no tstate now; a new one can be made and destroys it */
    ftc_tstate *again = ftc_tstate_new(sub);
    cr_assert_not_null(again);
    ftc_detach();
    ftc_attach(again);
    cr_assert_eq(ftc_interp_destroy(sub), 0);
    ftc_attach(main_ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}
