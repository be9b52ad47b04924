/* Foreign threads (created with pthread_create by the embedder) enter and leave the runtime
 * through ftc_gilstate_ensure/release, nested, many times, while runtime threads run and the
 * main thread takes snapshots (and, in the nogil build, stops the world). Counters updated
 * while attached are exact; in the end only the main tstate is left. */
#include "check.h"
#include "internal/state.h"

#define FOREIGN 4

static long counter; /* GIL build: plain (GIL); nogil: atomic */

static void bump(void)
{
#ifdef FTC_GIL_DISABLED
    ftc_atomic_fetch_add(&counter, 1);
#else
    counter++;
#endif
}

static void *foreign(void *arg)
{
    long n = (long)(intptr_t)arg;
    for (long i = 0; i < n; i++) {
        ftc_gilstate g = ftc_gilstate_ensure();
        if (g != FTC_GILSTATE_UNLOCKED)
            abort();
        ftc_gilstate g2 = ftc_gilstate_ensure();
        if (g2 != FTC_GILSTATE_LOCKED)
            abort();
        bump();
        ftc_eval_tick();
        ftc_gilstate_release(g2);
        if (i % 8 == 0) {
            /* keep the tstate across a blocking call */
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
        bump();
        ftc_gilstate_release(g);
        if (ftc_tstate_get() != NULL)
            abort();
    }
    return NULL;
}

FTC_TEST(foreign_threads_come_and_go)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    counter = 0;
    long per = ftc_check_scaled(3000);
    pthread_t th[FOREIGN];
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < FOREIGN; i++)
        pthread_create(&th[i], NULL, foreign, (void *)(intptr_t)per);
    FTC_END_ALLOW_THREADS
    int joined[FOREIGN] = {0}, left = FOREIGN;
    long snaps = 0;
    while (left > 0) {
        ftc_thread_info info[16];
        int64_t n = ftc_threads_snapshot(info, 16);
        CHECK(n >= 1 && n <= FOREIGN + 1);
        snaps++;
#ifdef FTC_GIL_DISABLED
        if (snaps % 16 == 0) {
            ftc_stop_the_world();
            ftc_start_the_world();
        }
#endif
        FTC_BEGIN_ALLOW_THREADS
        for (int i = 0; i < FOREIGN; i++) {
            if (!joined[i] && pthread_tryjoin_np(th[i], NULL) == 0) {
                joined[i] = 1;
                left--;
            }
        }
        sched_yield();
        FTC_END_ALLOW_THREADS
        ftc_eval_tick();
    }
    CHECK_EQ(counter, FOREIGN * per * 2);
    CHECK_EQ(ftc_threads_snapshot(NULL, 0), 1);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
