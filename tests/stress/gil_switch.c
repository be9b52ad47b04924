/* The new GIL's switching, proven with its statistics (no wall-clock thresholds):
 *  - a thread spinning on ticks hands the GIL to a waiter (the waiter's drop request);
 *  - after a requested drop, the dropper does not take the GIL again before another thread
 *    has (forced switching): the switch number advances by at least two across that tick.
 * Both builds (the nogil build with the GIL switched on). */
#include "check.h"
#include "internal/state.h"

static int init_gil(void)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    cfg.switch_interval = 0.001;
    return ftc_runtime_init(&cfg);
}

static int spinner_up; /* atomic */
static int waiter_ran; /* plain: written and read only while attached (GIL) */
static long spins;

static void spinner(void *arg)
{
    (void)arg;
    ftc_atomic_store_release(&spinner_up, 1);
    while (!waiter_ran) {
        spins++;
        ftc_eval_tick();
    }
}

static void waiter(void *arg)
{
    (void)arg;
    /* Wait detached until the spinner owns the GIL, then contend for it. */
    FTC_BEGIN_ALLOW_THREADS
    while (!ftc_atomic_load_acquire(&spinner_up))
        sched_yield();
    FTC_END_ALLOW_THREADS
    waiter_ran = 1;
}

FTC_TEST(spinner_hands_the_gil_to_a_waiter)
{
    for (int round = 0; round < 5; round++) {
        CHECK_EQ(init_gil(), 0);
        spinner_up = 0;
        waiter_ran = 0;
        ftc_thread *a, *b;
        CHECK_EQ(ftc_thread_start(&b, waiter, NULL, NULL), 0);
        ftc_gil_reset_stats();
        CHECK_EQ(ftc_thread_start(&a, spinner, NULL, NULL), 0);
        CHECK_EQ(ftc_thread_join(b, -1), 0);
        CHECK_EQ(ftc_thread_join(a, -1), 0);
        ftc_gil_stats st;
        CHECK_EQ(ftc_gil_get_stats(&st), 0);
        /* The spinner holds the GIL until the waiter ran and never detaches on its own: the
         * waiter (and this thread, coming back from starting it) got the GIL only because a
         * waiter timed out and requested a drop, and the spinner's tick honoured it. */
        CHECK(st.drop_requests >= 1);
        CHECK(st.forced_switches >= 1);
        CHECK(st.switches >= 2);
        CHECK(st.total_wait > 0);
        CHECK(st.max_wait > 0);
        ftc_thread_release(a);
        ftc_thread_release(b);
        CHECK_EQ(ftc_runtime_fini(), 0);
    }
}

static int done;         /* plain: GIL */
static long forced_seen; /* spinner only */
static long violations;  /* spinner only */

static void forced_spinner(void *arg)
{
    (void)arg;
    ftc_tstate *ts = ftc_tstate_get();
    long want = ftc_check_scaled(40);
    while (forced_seen < want) {
        if (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_GIL_DROP_REQUEST) {
            ftc_gil_stats s0, s1;
            ftc_gil_get_stats(&s0);
            uint64_t drops0 = ts->gil_forced_drops;
            ftc_eval_tick();
            ftc_gil_get_stats(&s1);
            if (ts->gil_forced_drops != drops0) {
                forced_seen++;
                /* away to another thread and back to us: two switches at least */
                if (s1.switches < s0.switches + 2)
                    violations++;
            }
        } else {
            ftc_eval_tick();
        }
    }
    done = 1;
}

static void contender(void *arg)
{
    (void)arg;
    while (!done) {
        FTC_BEGIN_ALLOW_THREADS
        FTC_END_ALLOW_THREADS
    }
}

FTC_TEST(dropper_waits_until_another_thread_took_the_gil)
{
    CHECK_EQ(init_gil(), 0);
    done = 0;
    forced_seen = violations = 0;
    ftc_thread *a, *b, *c;
    CHECK_EQ(ftc_thread_start(&a, forced_spinner, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_start(&b, contender, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_start(&c, contender, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_join(a, -1), 0);
    CHECK_EQ(ftc_thread_join(b, -1), 0);
    CHECK_EQ(ftc_thread_join(c, -1), 0);
    CHECK(forced_seen >= ftc_check_scaled(40));
    CHECK_EQ(violations, 0);
    ftc_thread_release(a);
    ftc_thread_release(b);
    ftc_thread_release(c);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
