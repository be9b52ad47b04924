/* N threads increment a plain (non-atomic) counter while attached and ticking; with a GIL in
 * force (the GIL build, and the nogil build with the GIL switched on) the total is exact and
 * ThreadSanitizer sees no race: the GIL orders every increment. */
#include "check.h"
#include "internal/state.h"

#define NTHREADS 4

static long counter; /* plain: protected by the GIL */
static long iters;

static void worker(void *arg)
{
    (void)arg;
    for (long i = 0; i < iters; i++) {
        counter++;
        if (ftc_eval_tick() != 0)
            abort();
        if ((i & 1023) == 0) {
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
    }
}

static void run(double interval)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    cfg.switch_interval = interval;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    CHECK_EQ(ftc_gil_enabled(), 1);
    counter = 0;
    iters = ftc_check_scaled(3000000);
    ftc_gil_reset_stats();
    ftc_thread *t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], worker, NULL, NULL), 0);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(counter, NTHREADS * iters);
    ftc_gil_stats st;
    CHECK_EQ(ftc_gil_get_stats(&st), 0);
    /* every start and join of a worker made the GIL change hands at least once */
    CHECK(st.switches >= NTHREADS);
    CHECK(st.acquisitions >= st.switches);
    CHECK(st.forced_switches <= st.switches);
    CHECK(st.max_wait <= st.total_wait);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(exact_total_default_interval) { run(0.005); }
FTC_TEST(exact_total_short_interval) { run(0.0001); }
