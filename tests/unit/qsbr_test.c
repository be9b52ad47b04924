/* QSBR deferred freeing: nothing is freed before every attached thread passed a quiescent
 * state; batches seal at their thresholds; the byte limit makes a tick wait; an exiting
 * thread hands its deferrals over; runtime fini frees all; a batch that cannot be allocated
 * falls back to stop-the-world. The GIL build frees at once. */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <pthread.h>

#include "check.h"
#include "internal/object.h"

static int freed; /* atomic */

static void count_free(void *p)
{
    ftc_atomic_fetch_add(&freed, 1);
    ftc_mem_free(p);
}

static void defer(size_t size)
{
    void *p = ftc_mem_alloc(size);
    cr_assert_not_null(p);
    ftc_qsbr_free_fn(p, count_free, size);
}

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }

TestSuite(qsbr, .init = setup, .fini = teardown);

Test(qsbr, null_is_ignored)
{
    ftc_qsbr_free(NULL);
    ftc_qsbr_free_fn(NULL, count_free, 0);
    cr_assert_eq(freed, 0);
}

Test(qsbr, single_thread_frees_after_its_own_quiescent_states)
{
    defer(100);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(freed, 0);
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    cr_assert_eq(st.pending_items, 1);
    cr_assert_eq(st.pending_bytes, 100);
    /* The first quiescent state seals the batch (a grace period starts); the second is after
     * its start, which completes it: we are the only reader. */
    ftc_qsbr_quiescent();
    ftc_qsbr_quiescent();
    ftc_qsbr_get_stats(&st);
    cr_assert_eq(st.pending_items, 0);
    cr_assert_eq(st.pending_bytes, 0);
#endif
    cr_assert_eq(freed, 1);
}

Test(qsbr, ticks_do_the_work)
{
    defer(64);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(ftc_eval_tick(), 0);
    cr_assert_eq(freed, 1);
}

#ifdef FTC_GIL_DISABLED
/* A second attached thread that does not tick holds the grace period up. */
static int phase; /* atomic */

static void reader_that_waits(void *arg)
{
    (void)arg;
    ftc_atomic_store(&phase, 1);
    while (ftc_atomic_load(&phase) != 2)
        ftc_cpu_relax();              /* attached, online, no tick: a reader in its read */
    cr_assert_eq(ftc_eval_tick(), 0); /* the quiescent state that was asked for */
    ftc_atomic_store(&phase, 3);
}

Test(qsbr, an_online_reader_holds_the_grace_period)
{
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, reader_that_waits, NULL, NULL), 0);
    while (ftc_atomic_load(&phase) != 1)
        ftc_cpu_relax();
    defer(32);
    for (int i = 0; i < 10; i++)
        ftc_qsbr_quiescent();
    cr_assert_eq(freed, 0); /* the reader has not passed a quiescent state */
    ftc_atomic_store(&phase, 2);
    while (ftc_atomic_load(&phase) != 3)
        ftc_cpu_relax();
    ftc_qsbr_quiescent();
    cr_assert_eq(freed, 1);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}
#endif

Test(qsbr, a_full_batch_starts_a_grace_period)
{
    for (int i = 0; i < FTC_QSBR_BATCH_ITEMS; i++)
        defer(8);
#ifdef FTC_GIL_DISABLED
    /* Sealed at the last item: one quiescent state of ours completes it. */
    cr_assert_eq(freed, 0);
    ftc_qsbr_quiescent();
#endif
    cr_assert_eq(freed, FTC_QSBR_BATCH_ITEMS);
}

Test(qsbr, bytes_start_a_grace_period)
{
    defer(FTC_QSBR_BATCH_BYTES / 2);
    defer(FTC_QSBR_BATCH_BYTES / 2);
#ifdef FTC_GIL_DISABLED
    cr_assert_eq(freed, 0);
    ftc_qsbr_quiescent();
#endif
    cr_assert_eq(freed, 2);
}

Test(qsbr, over_the_limit_the_tick_waits_and_frees)
{
    size_t chunk = FTC_QSBR_BATCH_BYTES / 4;
    int n = (int)(FTC_QSBR_LIMIT_BYTES / chunk) + 3;
    for (int i = 0; i < n; i++)
        defer(chunk);
    cr_assert_eq(ftc_eval_tick(), 0);
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    cr_assert_leq(st.pending_bytes, FTC_QSBR_LIMIT_BYTES);
#ifdef FTC_GIL_DISABLED
    cr_assert_geq(st.peak_bytes, FTC_QSBR_LIMIT_BYTES);
#endif
    for (int i = 0; i < 4; i++)
        ftc_qsbr_quiescent();
    cr_assert_eq(freed, n);
}

static void defer_and_exit(void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++)
        defer(48);
}

Test(qsbr, an_exiting_thread_hands_its_queue_over)
{
    int n = 1000;
    ftc_thread *t;
    cr_assert_eq(ftc_thread_start(&t, defer_and_exit, &n, NULL), 0);
    cr_assert_eq(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    for (int i = 0; i < 4 && ftc_atomic_load(&freed) != n; i++)
        ftc_qsbr_quiescent();
    cr_assert_eq(freed, n);
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    cr_assert_eq(st.orphan_items, 0);
}

Test(qsbr, runtime_fini_frees_everything)
{
    for (int i = 0; i < 10; i++)
        defer(16);
    cr_assert_eq(ftc_runtime_fini(), 0);
    cr_assert_eq(freed, 10);
    cr_assert_eq(ftc_runtime_init(NULL), 0);
}

/* Fault injection: walk n over the allocations of a deferral that needs a new batch. */
Test(qsbr, free_fault_walk)
{
    void *p = ftc_mem_alloc(8);
    ftc_fault_alloc_fail_after(0);
    ftc_qsbr_free_fn(p, count_free, 8); /* first deferral: allocates the batch */
    uint64_t allocs = ftc_fault_alloc_count();
#ifdef FTC_GIL_DISABLED
    cr_assert_geq(allocs, 1);
#endif
    int expect = ftc_atomic_load(&freed);
    for (int i = 0; i < 3; i++)
        ftc_qsbr_quiescent();
    cr_assert_eq(freed, expect + (expect == 0));
    for (uint64_t n = 1; n <= allocs; n++) {
        /* With no batch, the next deferral must allocate: exhaust the spare first. */
        int before = ftc_atomic_load(&freed);
        void *q = ftc_mem_alloc(8);
        void *spare = ftc_mem_alloc(8);
        ftc_qsbr_free_fn(spare, count_free, 8); /* takes the cached batch */
        for (int i = 0; i < FTC_QSBR_BATCH_ITEMS - 1; i++)
            defer(8); /* fills and seals it */
        ftc_fault_alloc_fail_after(n);
        ftc_qsbr_free_fn(q, count_free, 8); /* needs a batch: allocation fails */
        ftc_fault_alloc_fail_after(0);
        /* Out of memory: freed at once with the world stopped, nothing lost. */
        cr_assert_eq(ftc_atomic_load(&freed), before + 1);
        for (int i = 0; i < 3; i++)
            ftc_qsbr_quiescent();
        cr_assert_eq(freed, before + 1 + FTC_QSBR_BATCH_ITEMS);
    }
}

/* Deferring while detached (offline): a full batch's grace period completes at once when no
 * other thread is online, and the batch is freed inside the call that filled it. */
Test(qsbr, detached_full_batch_is_freed_at_once)
{
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < 3 * FTC_QSBR_BATCH_ITEMS; i++)
        defer(8);
    FTC_END_ALLOW_THREADS
    cr_assert_eq(freed, 3 * FTC_QSBR_BATCH_ITEMS);
}

static void *foreign_defer(void *arg)
{
    int n = *(int *)arg;
    for (int i = 0; i < n; i++)
        defer(24); /* no tstate: one-item batches on the shared queue */
    return NULL;
}

Test(qsbr, a_thread_without_tstate_can_defer)
{
    int n = 20;
    pthread_t t;
    FTC_BEGIN_ALLOW_THREADS
    cr_assert_eq(pthread_create(&t, NULL, foreign_defer, &n), 0);
    cr_assert_eq(pthread_join(t, NULL), 0);
    FTC_END_ALLOW_THREADS
    for (int i = 0; i < 3 && ftc_atomic_load(&freed) != n; i++)
        ftc_qsbr_quiescent();
    cr_assert_eq(freed, n);
}
