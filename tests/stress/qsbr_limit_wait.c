/* The per-thread bound on deferred memory (FTC_QSBR_LIMIT_BYTES) and where it holds: a thread
 * may go past it between two of its ticks (the deferral never blocks), and its next tick that
 * handles FTC_EB_QSBR waits, detached, for the other threads' quiescent states until it is
 * back under it (src/qsbr.c, wait_for_limit).
 *
 * Two ftcore threads. The holder attaches and spins without ticking: an online reader that
 * could still hold a pointer into anything the freer unlinks. The freer defers blocks until
 * its pending bytes are past the limit (checked: the deferrals returned, nothing was freed),
 * then ticks. Checked, with handshakes only (the watchdog ends a hang): the tick waits (the
 * holder sees the process-wide limit_waits go up while the freer's tick has not returned, and
 * nothing of the freer's was freed); only the holder's quiescent state lets the tick return;
 * when it does, the freer's pending bytes are at most the limit and every block it freed was
 * freed once. Without the wait at the tick (or with a wait that did not depend on the holder)
 * the holder would see the tick return before it reported, or never see limit_waits move.
 * The GIL build frees at once: nothing is pending, nothing waits.
 */
#include <sched.h>

#include "check.h"
#include "internal/object.h"

enum { BLOCK = 64 * 1024 };

static int freed; /* atomic */

static void count_free(void *p)
{
    ftc_atomic_fetch_add(&freed, 1);
    ftc_mem_free(p);
}

static int defer_block(void)
{
    void *p = ftc_mem_alloc(BLOCK);
    CHECK(p != NULL);
    ftc_qsbr_free_fn(p, count_free, BLOCK);
    return 1;
}

#ifdef FTC_GIL_DISABLED
static int holder_ready, tick_returned, holder_reported; /* atomic */
static uint64_t waits_before;                            /* atomic */

static void worker(int i, void *ctx)
{
    (void)ctx;
    if (i == 1) {
        /* The holder: online and never quiescent until it has seen the freer wait. */
        ftc_atomic_store_release(&holder_ready, 1);
        ftc_qsbr_stats st;
        do {
            sched_yield();
            ftc_qsbr_get_stats(&st);
        } while (st.limit_waits == ftc_atomic_load(&waits_before));
        /* The freer is in its wait, and it cannot leave it before we report. */
        CHECK_EQ(ftc_atomic_load_acquire(&tick_returned), 0);
        CHECK_EQ(ftc_atomic_load(&freed), 0);
        ftc_atomic_store_release(&holder_reported, 1);
        ftc_qsbr_quiescent();
        /* Ticks until the freer is done, so that later grace periods do not wait for us. */
        while (!ftc_atomic_load_acquire(&tick_returned)) {
            CHECK_EQ(ftc_eval_tick(), 0);
            sched_yield();
        }
        return;
    }
    while (!ftc_atomic_load_acquire(&holder_ready))
        sched_yield();
    ftc_qsbr_stats st;
    ftc_qsbr_get_stats(&st);
    ftc_atomic_store(&waits_before, st.limit_waits);
    uint64_t base = st.pending_bytes;
    int n = 0;
    while (st.pending_bytes - base <= FTC_QSBR_LIMIT_BYTES + 2 * (uint64_t)BLOCK) {
        n += defer_block();
        ftc_qsbr_get_stats(&st);
    }
    /* Past the limit between ticks: the deferrals did not wait, and freed nothing (the
     * holder has not passed a quiescent state since any of them). */
    CHECK(st.pending_bytes > FTC_QSBR_LIMIT_BYTES);
    CHECK_EQ(ftc_atomic_load(&freed), 0);
    CHECK_EQ(st.limit_waits, ftc_atomic_load(&waits_before));
    fprintf(stderr, "qsbr_limit_wait: %llu bytes pending before the tick (limit %zu)\n",
            (unsigned long long)st.pending_bytes, (size_t)FTC_QSBR_LIMIT_BYTES);
    CHECK_EQ(ftc_eval_tick(), 0);
    /* Only the holder's report can have let the tick return. */
    CHECK_EQ(ftc_atomic_load_acquire(&holder_reported), 1);
    ftc_qsbr_get_stats(&st);
    CHECK(st.pending_bytes <= FTC_QSBR_LIMIT_BYTES);
    CHECK(st.limit_waits > ftc_atomic_load(&waits_before));
    CHECK(ftc_atomic_load(&freed) > 0);
    CHECK(ftc_atomic_load(&freed) <= n);
    ftc_atomic_store_release(&tick_returned, 1);
    /* The rest goes at later quiescent states (the holder now ticks). */
    while (st.pending_items != 0) {
        CHECK_EQ(ftc_eval_tick(), 0);
        ftc_qsbr_quiescent();
        ftc_qsbr_get_stats(&st);
        sched_yield();
    }
    CHECK_EQ(ftc_atomic_load(&freed), n);
}
#endif

FTC_TEST(a_tick_past_the_limit_waits_for_the_other_readers)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
#ifdef FTC_GIL_DISABLED
    ftc_check_run_threads(2, worker, NULL, NULL);
#else
    ftc_qsbr_stats st;
    int n = 0;
    for (size_t bytes = 0; bytes <= 2 * FTC_QSBR_LIMIT_BYTES; bytes += BLOCK)
        n += defer_block();
    CHECK_EQ(ftc_atomic_load(&freed), n);
    CHECK_EQ(ftc_eval_tick(), 0);
    ftc_qsbr_get_stats(&st);
    CHECK_EQ(st.pending_bytes, 0);
    CHECK_EQ(st.peak_bytes, 0);
    CHECK_EQ(st.limit_waits, 0);
#endif
    CHECK_EQ(ftc_runtime_fini(), 0);
}
