/* Repeated ftc_runtime_init/fini while the runtime is busy: non-daemon workers (joined by
 * fini) that start threads of their own, a daemon that keeps stopping the world, a daemon that
 * keeps starting short-lived daemon threads, and a daemon that queues pending calls. Every
 * round's daemons are stopped by fini wherever they are (attached, detached, waiting for the
 * stop-the-world mutex, starting a thread) and never run runtime code again; nothing they can
 * touch is freed (the ASan presets check it), and no data race appears (TSan presets). */
#include "check.h"
#include "internal/state.h"

static long work_done; /* atomic */

static void short_child(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        ftc_eval_tick();
    ftc_atomic_fetch_add(&work_done, 1);
}

static void daemon_child(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++)
        ftc_eval_tick();
}

static void worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        ftc_thread *t;
        if (ftc_thread_start(&t, short_child, NULL, NULL) != 0)
            abort(); /* non-daemon threads may still start threads: fini is joining them */
        for (int k = 0; k < 500; k++) {
            ftc_eval_tick();
            if (k % 50 == 0) {
                FTC_BEGIN_ALLOW_THREADS
                FTC_END_ALLOW_THREADS
            }
        }
        if (i % 2 == 0)
            ftc_thread_join(t, -1);
        ftc_thread_release(t);
    }
    ftc_atomic_fetch_add(&work_done, 1);
}

static void stopper(void *arg)
{
    (void)arg;
    for (;;) {
        ftc_stop_the_world();
        ftc_start_the_world();
        for (int i = 0; i < 50; i++)
            ftc_eval_tick();
    }
}

static void spawner(void *arg)
{
    (void)arg;
    ftc_thread_opts d = {.daemon = 1};
    for (;;) {
        ftc_thread *t;
        if (ftc_thread_start(&t, daemon_child, NULL, &d) == 0)
            ftc_thread_release(t);
        ftc_eval_tick();
    }
}

static int nop_call(void *arg)
{
    (void)arg;
    return 0;
}

static void caller(void *arg)
{
    (void)arg;
    for (;;) {
        (void)ftc_pending_call_add(NULL, nop_call, NULL);
        FTC_BEGIN_ALLOW_THREADS
        sched_yield();
        FTC_END_ALLOW_THREADS
    }
}

FTC_TEST(busy_runtime_finalized_and_reinitialized)
{
    int rounds = (int)ftc_check_scaled(16);
    for (int r = 0; r < rounds; r++) {
        ftc_config cfg;
        ftc_config_init(&cfg);
#ifdef FTC_GIL_DISABLED
        cfg.gil = r % 4 == 3; /* now and then with the GIL switched on */
#endif
        CHECK_EQ(ftc_runtime_init(&cfg), 0);
        work_done = 0;
        ftc_thread_opts d = {.daemon = 1};
        ftc_thread *w[2], *s, *p, *c;
        for (int i = 0; i < 2; i++)
            CHECK_EQ(ftc_thread_start(&w[i], worker, NULL, NULL), 0);
        CHECK_EQ(ftc_thread_start(&s, stopper, NULL, &d), 0);
        CHECK_EQ(ftc_thread_start(&p, spawner, NULL, &d), 0);
        CHECK_EQ(ftc_thread_start(&c, caller, NULL, &d), 0);
        for (int i = 0; i < 200; i++)
            CHECK_EQ(ftc_eval_tick(), 0);
        ftc_thread_release(w[0]);
        ftc_thread_release(s);
        ftc_thread_release(p);
        ftc_thread_release(c);
        CHECK_EQ(ftc_runtime_fini(), 0);
        /* both workers and the 6 children they started ran to the end */
        CHECK_EQ(ftc_atomic_load(&work_done), 8);
        CHECK_EQ(ftc_thread_state(w[1]), FTC_THREAD_DONE);
        CHECK_EQ(ftc_thread_join(w[1], -1), 0);
        ftc_thread_release(w[1]);
    }
}
