/* A thread whose deferred memory waits for a grace period that another thread holds up must
 * neither poll at every tick nor scan the threads under the registry lock while nothing that
 * could end the grace period has happened: it sleeps (src/qsbr.c, "Sleeping pollers") until a
 * report that changes a seq, or a thread going offline, wakes it; and the memory must still
 * wait for every online thread.
 *
 * Two ftcore threads. The holder attaches and then spins without ticking: an online reader
 * that could still hold a pointer to the block. The freer defers one block and ticks many
 * times. Checked: the block is not freed while the holder has not ticked (the grace period
 * waits for it); the freer polled and scanned only a handful of times in all those ticks (its
 * seal, its own report after it, the poll before it sleeps: before sleeping pollers it polled
 * at every tick, TICKS polls); then the holder ticks, its report wakes the freer, and the
 * freer's next tick frees the block exactly once (no wake-up: the freer would tick forever and
 * the watchdog would end the test). The GIL build frees at once and never polls. */
#include <sched.h>

#include "check.h"
#include "internal/object.h"

enum { TICKS = 2000, BLOCK = 64 };

static int freed; /* atomic */

static void count_free(void *p)
{
    ftc_atomic_fetch_add(&freed, 1);
    ftc_mem_free(p);
}

#ifdef FTC_GIL_DISABLED
static int holder_ready, release_holder, done; /* atomic */

static void worker(int i, void *ctx)
{
    (void)ctx;
    if (i == 1) {
        /* The holder: online, never quiescent until released. */
        ftc_atomic_store_release(&holder_ready, 1);
        while (!ftc_atomic_load_acquire(&release_holder))
            sched_yield();
        while (!ftc_atomic_load_acquire(&done)) {
            CHECK_EQ(ftc_eval_tick(), 0);
            sched_yield();
        }
        return;
    }
    while (!ftc_atomic_load_acquire(&holder_ready))
        sched_yield();
    void *p = ftc_mem_alloc(BLOCK);
    CHECK(p != NULL);
    ftc_qsbr_stats st0, st1;
    ftc_qsbr_get_stats(&st0);
    ftc_qsbr_free_fn(p, count_free, BLOCK);
    for (int k = 0; k < TICKS; k++)
        CHECK_EQ(ftc_eval_tick(), 0);
    ftc_qsbr_get_stats(&st1);
    CHECK_EQ(ftc_atomic_load(&freed), 0); /* the holder has not passed a quiescent state */
    CHECK_EQ(st1.pending_items, 1);
    uint64_t polls = st1.polls - st0.polls, scans = st1.scans - st0.scans;
    fprintf(stderr, "qsbr_poll_skip: %llu polls, %llu scans in %d ticks\n",
            (unsigned long long)polls, (unsigned long long)scans, TICKS);
    CHECK(polls >= 1 && polls <= 8);
    CHECK(scans >= 1 && scans <= 8);
    ftc_atomic_store_release(&release_holder, 1);
    /* The holder's next tick reports and wakes us; our poll after it must scan and free. No
     * sleep: the watchdog ends the test if the block is never freed. */
    while (ftc_atomic_load(&freed) == 0) {
        CHECK_EQ(ftc_eval_tick(), 0);
        sched_yield();
    }
    CHECK_EQ(ftc_atomic_load(&freed), 1);
    ftc_qsbr_get_stats(&st1);
    CHECK_EQ(st1.pending_items, 0);
    ftc_atomic_store_release(&done, 1);
}
#endif

FTC_TEST(poll_skips_scan_until_something_changes)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
#ifdef FTC_GIL_DISABLED
    ftc_check_run_threads(2, worker, NULL, NULL);
    CHECK_EQ(ftc_atomic_load(&freed), 1);
#else
    ftc_qsbr_stats st;
    void *p = ftc_mem_alloc(BLOCK);
    CHECK(p != NULL);
    ftc_qsbr_free_fn(p, count_free, BLOCK);
    CHECK_EQ(ftc_atomic_load(&freed), 1);
    ftc_qsbr_get_stats(&st);
    CHECK_EQ(st.polls, 0);
    CHECK_EQ(st.scans, 0);
#endif
    CHECK_EQ(ftc_runtime_fini(), 0);
}
