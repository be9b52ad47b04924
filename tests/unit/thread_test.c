/* Thread start/join: states, join semantics, names, stack size, failed creation. The
 * concurrent cases (several joiners, daemons at fini, fork) are in tests/stress/thread_*.c. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/state.h"

static void add_one(void *arg)
{
    int *p = arg;
    (*p)++; /* attached: the GIL (or the join's ordering) protects it */
}

Test(thread, start_join_release)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    int v = 0;
    ftc_thread *t = NULL;
    cr_assert_eq(ftc_thread_start(&t, add_one, &v, NULL), 0);
    cr_assert_not_null(t);
    cr_assert_neq(ftc_thread_handle_ident(t), 0);
    cr_assert_neq(ftc_thread_handle_ident(t), ftc_thread_ident());
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    cr_assert_eq(ftc_thread_state(t), FTC_THREAD_DONE);
    cr_assert_eq(v, 1);
    /* idempotent */
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    cr_assert_eq(ftc_thread_join(t, 0), 0);
    cr_assert_eq(ftc_thread_join(t, 0.01), 0);
    ftc_thread_release(t);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(thread, bad_arguments)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_thread *t = (ftc_thread *)1;
    cr_assert_eq(ftc_thread_start(NULL, add_one, NULL, NULL), FTC_EINVAL);
    cr_assert_eq(ftc_thread_start(&t, NULL, NULL, NULL), FTC_EINVAL);
    ftc_thread_opts o = {.stack_size = 1};
    cr_assert_eq(ftc_thread_start(&t, add_one, NULL, &o), FTC_EINVAL);
    cr_assert_null(t);
    cr_assert_eq(ftc_thread_join(NULL, 0), FTC_EINVAL);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void wait_for_flag(void *arg)
{
    int *flag = arg;
    /* Spin attached, ticking (so a GIL waiter can get in), until the main thread sets it. */
    while (!ftc_atomic_load_acquire(flag))
        ftc_eval_tick();
}

Test(thread, timed_join_is_a_lower_bound)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    int flag = 0;
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, wait_for_flag, &flag, NULL), 0);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_thread_join(t, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(ftc_thread_join(t, 0), FTC_ETIMEDOUT);
    cr_assert_eq(ftc_thread_state(t), FTC_THREAD_RUNNING);
    ftc_atomic_store_release(&flag, 1);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static ftc_thread *self_handle;
static int self_join_rc;
static int self_ready;

static void join_myself(void *arg)
{
    (void)arg;
    while (!ftc_atomic_load_acquire(&self_ready))
        ftc_eval_tick();
    self_join_rc = ftc_thread_join(self_handle, -1);
}

Test(thread, self_join_is_refused)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    cr_assert_eq(ftc_thread_start(&self_handle, join_myself, NULL, NULL), 0);
    ftc_atomic_store_release(&self_ready, 1);
    cr_assert_eq(ftc_thread_join(self_handle, -1), 0);
    cr_assert_eq(self_join_rc, FTC_EDEADLK);
    ftc_thread_release(self_handle);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void check_name_and_stack(void *arg)
{
    size_t *out = arg;
    pthread_attr_t a;
    pthread_getattr_np(pthread_self(), &a);
    pthread_attr_getstacksize(&a, &out[0]);
    pthread_attr_destroy(&a);
    char name[16] = {0};
    pthread_getname_np(pthread_self(), name, sizeof name);
    out[1] = strcmp(name, "worker-7") == 0;
    ftc_thread_info info[4];
    int64_t n = ftc_threads_snapshot(info, 4);
    out[2] = 0;
    for (int64_t i = 0; i < n && i < 4; i++)
        if (info[i].ident == ftc_thread_ident() && strcmp(info[i].name, "worker-7") == 0 &&
            info[i].daemon == 1 && info[i].state == FTC_TSTATE_ATTACHED)
            out[2] = 1;
}

Test(thread, names_daemon_flag_and_stack_size)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    size_t out[3] = {0};
    ftc_thread_opts o = {.name = "worker-7", .daemon = 1, .stack_size = 1 << 20};
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, check_name_and_stack, out, &o), 0);
    cr_assert_str_eq(ftc_thread_name(t), "worker-7");
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    cr_assert_geq(out[0], (size_t)1 << 20);
    cr_assert_eq(out[1], 1);
    cr_assert_eq(out[2], 1);
    ftc_thread_release(t);

    /* default names are Thread-N, distinct */
    int v = 0;
    ftc_thread *a, *b;
    cr_assert_eq(ftc_thread_start(&a, add_one, &v, NULL), 0);
    cr_assert_eq(ftc_thread_start(&b, add_one, &v, NULL), 0);
    cr_assert(strncmp(ftc_thread_name(a), "Thread-", 7) == 0);
    cr_assert_str_neq(ftc_thread_name(a), ftc_thread_name(b));
    cr_assert_eq(ftc_thread_join(a, -1), 0);
    cr_assert_eq(ftc_thread_join(b, -1), 0);
    ftc_thread_release(a);
    ftc_thread_release(b);
    cr_assert_eq(v, 2);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

Test(thread, failed_create_returns_an_error_and_leaks_nothing)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    int v = 0;
    ftc_thread *t = (ftc_thread *)1;
    ftc_fault_thread_create_fail(1);
    cr_assert_eq(ftc_thread_start(&t, add_one, &v, NULL), FTC_EAGAIN);
    cr_assert_null(t);
    cr_assert_null(_ftc_rt.handles); /* unlinked and freed (ASan checks the freeing) */
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    /* the next start works */
    cr_assert_eq(ftc_thread_start(&t, add_one, &v, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    cr_assert_eq(v, 1);
    /* the handle allocation failing is reported too */
    ftc_fault_alloc_fail_after(1);
    cr_assert_eq(ftc_thread_start(&t, add_one, &v, NULL), FTC_ENOMEM);
    ftc_fault_alloc_fail_after(0);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_null(_ftc_rt.handles);
}

Test(thread, failed_tstate_creation_in_the_new_thread_is_reported)
{
    /* White-box: an interpreter marked dying refuses new tstates, so the new thread fails to
     * create its own; the starter reaps it, frees the handle and returns the code. */
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    int v = 0;
    ftc_thread *t = (ftc_thread *)1;
    _ftc_head_lock();
    ftc_interp_main()->dying = 1;
    _ftc_head_unlock();
    cr_assert_eq(ftc_thread_start(&t, add_one, &v, NULL), FTC_ESTATE);
    _ftc_head_lock();
    ftc_interp_main()->dying = 0;
    _ftc_head_unlock();
    cr_assert_null(t);
    cr_assert_null(_ftc_rt.handles);
    cr_assert_eq(v, 0);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void start_detached(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_thread *t;
    ftc_detach();
    ftc_thread_start(&t, add_one, NULL, NULL);
}

Test(thread, start_needs_an_attached_caller)
{
    cr_assert(ftc_check_dies(start_detached, NULL, "no attached thread state"));
}
