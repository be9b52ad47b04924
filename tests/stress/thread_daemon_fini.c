/* ftc_runtime_fini() with daemon threads still running: one spinning on ticks (attached) and
 * one blocked inside FTC_BEGIN/END_ALLOW_THREADS, plus a non-daemon thread that fini must join.
 * After fini the daemons never run runtime code again (the ASan presets check that they touch
 * no freed memory), the blocked one blocks forever once woken, and the runtime is initialized
 * again with new daemons, several times. */
#include <semaphore.h>

#include "check.h"
#include "internal/state.h"

static long spinner_ticks; /* atomic */
static int spinner_up;     /* atomic */
static sem_t blocker_sem;
static int blocker_in;        /* atomic */
static int blocker_woke;      /* atomic */
static int blocker_came_back; /* atomic: must stay 0 */
static int worker_done;       /* atomic */
static int spinner_came_back; /* atomic: must stay 0 */

static void spinner(void *arg)
{
    (void)arg;
    ftc_atomic_store_release(&spinner_up, 1);
    for (;;) {
        ftc_atomic_fetch_add(&spinner_ticks, 1);
        if (ftc_eval_tick() != 0)
            break;
    }
    ftc_atomic_store(&spinner_came_back, 1);
}

static void blocker(void *arg)
{
    (void)arg;
    FTC_BEGIN_ALLOW_THREADS
    ftc_atomic_store_release(&blocker_in, 1);
    sem_wait(&blocker_sem);
    ftc_atomic_store_release(&blocker_woke, 1);
    FTC_END_ALLOW_THREADS
    ftc_atomic_store(&blocker_came_back, 1);
}

static void worker(void *arg)
{
    (void)arg;
    /* runs a while after fini started: fini must wait for it */
    for (int i = 0; i < 2000; i++)
        ftc_eval_tick();
    FTC_BEGIN_ALLOW_THREADS
    struct timespec d = {0, 20 * 1000 * 1000};
    nanosleep(&d, NULL);
    FTC_END_ALLOW_THREADS
    ftc_atomic_store(&worker_done, 1);
}

static void wait_flag(int *flag)
{
    FTC_BEGIN_ALLOW_THREADS
    while (!ftc_atomic_load_acquire(flag))
        sched_yield();
    FTC_END_ALLOW_THREADS
}

static void pause_ms(int ms)
{
    struct timespec d = {0, ms * 1000L * 1000L};
    nanosleep(&d, NULL);
}

static void one_round(int gil)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = gil;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    spinner_up = blocker_in = blocker_woke = worker_done = 0;
    sem_init(&blocker_sem, 0, 0);
    ftc_thread_opts daemon = {.name = "daemon", .daemon = 1};
    ftc_thread *s, *b, *w;
    CHECK_EQ(ftc_thread_start(&s, spinner, NULL, &daemon), 0);
    CHECK_EQ(ftc_thread_start(&b, blocker, NULL, &daemon), 0);
    CHECK_EQ(ftc_thread_start(&w, worker, NULL, NULL), 0);
    wait_flag(&spinner_up);
    wait_flag(&blocker_in);
    ftc_thread_release(w);
    CHECK_EQ(ftc_runtime_fini(), 0);
    CHECK_EQ(ftc_atomic_load(&worker_done), 1);
    CHECK(!ftc_runtime_is_initialized());

    /* the spinner stopped at its next tick: its count no longer moves */
    long before = ftc_atomic_load(&spinner_ticks);
    pause_ms(20);
    CHECK_EQ(ftc_atomic_load(&spinner_ticks), before);
    CHECK_EQ(ftc_thread_state(s), FTC_THREAD_RUNNING);
    CHECK_EQ(ftc_thread_join(s, 0), FTC_ETIMEDOUT);

    /* wake the blocked daemon: it tries to attach to a finalized runtime and blocks forever */
    sem_post(&blocker_sem);
    while (!ftc_atomic_load_acquire(&blocker_woke))
        sched_yield();
    pause_ms(20);
    CHECK_EQ(ftc_atomic_load(&blocker_came_back), 0);
    CHECK_EQ(ftc_atomic_load(&spinner_came_back), 0);
    ftc_thread_release(s);
    ftc_thread_release(b);
}

FTC_TEST(daemons_are_stopped_and_the_runtime_reinitializes)
{
    for (int round = 0; round < 4; round++)
        one_round(-1);
}

#ifdef FTC_GIL_DISABLED
FTC_TEST(daemons_are_stopped_with_the_gil_switched_on)
{
    for (int round = 0; round < 2; round++)
        one_round(1);
}
#endif

static sem_t foreign_sem;
static int foreign_in; /* atomic */

static void *foreign_main(void *arg)
{
    (void)arg;
    ftc_gilstate g = ftc_gilstate_ensure();
    FTC_BEGIN_ALLOW_THREADS
    ftc_atomic_store_release(&foreign_in, 1);
    sem_wait(&foreign_sem);
    FTC_END_ALLOW_THREADS /* blocks forever: the runtime was finalized meanwhile */
        ftc_gilstate_release(g);
    abort();
    return NULL;
}

FTC_TEST(foreign_thread_with_a_tstate_is_stopped_too)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    sem_init(&foreign_sem, 0, 0);
    pthread_t th;
    pthread_create(&th, NULL, foreign_main, NULL);
    pthread_detach(th);
    wait_flag(&foreign_in);
    CHECK_EQ(ftc_threads_snapshot(NULL, 0), 2);
    CHECK_EQ(ftc_runtime_fini(), 0);
    sem_post(&foreign_sem);
    pause_ms(20);
    /* and a fresh runtime does not see it */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_threads_snapshot(NULL, 0), 1);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static int sub_spinning;  /* atomic */
static long sub_ticks;    /* atomic */
static int sub_came_back; /* atomic: must stay 0 */

static void subinterp_spinner(void *arg)
{
    (void)arg;
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    if (!sub)
        abort();
    ftc_atomic_store_release(&sub_spinning, 1);
    for (;;) {
        ftc_atomic_fetch_add(&sub_ticks, 1);
        if (ftc_eval_tick() != 0)
            break;
    }
    ftc_atomic_store(&sub_came_back, 1);
}

/* A daemon attached in a sub-interpreter (own GIL in the GIL build: it runs in parallel with
 * the finalizing thread, so it must be stopped through its eval breaker, not by the GIL). */
FTC_TEST(daemon_in_a_subinterpreter_is_stopped)
{
    for (int round = 0; round < 3; round++) {
        ftc_config cfg;
        ftc_config_init(&cfg);
        cfg.own_gil_for_subinterpreters = 1;
        CHECK_EQ(ftc_runtime_init(&cfg), 0);
        sub_spinning = 0;
        ftc_thread_opts daemon = {.name = "sub-daemon", .daemon = 1};
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, subinterp_spinner, NULL, &daemon), 0);
        wait_flag(&sub_spinning);
        /* main, and the daemon twice: its (detached) main-interpreter tstate and its
         * sub-interpreter one */
        CHECK_EQ(ftc_threads_snapshot(NULL, 0), 3);
        CHECK_EQ(ftc_runtime_fini(), 0);
        long before = ftc_atomic_load(&sub_ticks);
        pause_ms(20);
        CHECK_EQ(ftc_atomic_load(&sub_ticks), before);
        CHECK_EQ(ftc_atomic_load(&sub_came_back), 0);
        ftc_thread_release(t);
    }
}

static int late_got_in;  /* atomic: must stay 0 */
static int late_started; /* atomic */

static void *late_foreign(void *arg)
{
    (void)arg;
    ftc_atomic_store_release(&late_started, 1);
    ftc_gilstate g = ftc_gilstate_ensure(); /* the runtime is finalized: blocks forever */
    ftc_atomic_store(&late_got_in, 1);
    ftc_gilstate_release(g);
    return NULL;
}

FTC_TEST(foreign_thread_entering_after_fini_blocks)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
    pthread_t th;
    pthread_create(&th, NULL, late_foreign, NULL);
    pthread_detach(th);
    while (!ftc_atomic_load_acquire(&late_started))
        sched_yield();
    pause_ms(20);
    CHECK_EQ(ftc_atomic_load(&late_got_in), 0);
    /* (no new runtime here: the thread might be slow to reach ensure and join that one) */
}
