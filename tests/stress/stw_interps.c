/* Stop-the-world across interpreters with their own GIL, in both builds.
 *
 * Threads count in sub-interpreters that have their own GIL (in the GIL build they run in
 * parallel with the main interpreter, so the caller's GIL does not exclude them), plus one
 * thread in the main interpreter. Checked exactly:
 *   - once ftc_stop_the_world() returns, every other thread state of every interpreter is
 *     SUSPENDED (the snapshot), and no counter moves while the world stays stopped (read before
 *     and after a window in which the counting threads, were they running, would count);
 *   - fork() stops them as well: a pthread_atfork handler of this test, registered before the
 *     runtime's (so its prepare runs after the runtime's prepare and its parent handler before
 *     the runtime's parent handler), reads the counters with the world stopped by the fork's
 *     prepare and again after the fork; they must be equal.
 * Before the fix the GIL build stopped nothing outside the caller's GIL: the sub-interpreter
 * threads stayed ATTACHED and their counters advanced through both windows.
 */
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

#define NSUB 3
#define NCOUNT (NSUB + 1) /* the sub-interpreter threads, then one main-interpreter thread */

static long counts[NCOUNT]; /* atomic */
static int running;         /* atomic: counting threads that have started counting */
static int stop;            /* atomic */

static void count_until_stopped(long *c)
{
    ftc_atomic_fetch_add(&running, 1);
    while (!ftc_atomic_load_acquire(&stop)) {
        ftc_atomic_fetch_add(c, 1);
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

static void sub_counter(void *arg)
{
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    CHECK(sub != NULL);
    count_until_stopped(arg);
    CHECK_EQ(ftc_interp_destroy(sub), 0);
    ftc_attach(prev);
}

static void main_counter(void *arg) { count_until_stopped(arg); }

/* Busy-waits `ms` milliseconds of monotonic time (an observation window, not a handshake). */
static void window_ms(double ms)
{
    double end = ftc_monotonic() + ms * 1e-3;
    while (ftc_monotonic() < end)
        ftc_cpu_relax();
}

static void snapshot(long *out)
{
    for (int i = 0; i < NCOUNT; i++)
        out[i] = ftc_atomic_load(&counts[i]);
}

/* Waits (detached) until every counter moved past `base`. */
static void wait_all_move(void)
{
    long base[NCOUNT];
    snapshot(base);
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < NCOUNT; i++)
        while (ftc_atomic_load(&counts[i]) == base[i])
            sched_yield();
    FTC_END_ALLOW_THREADS
}

static ftc_thread *threads[NCOUNT];

static void start_counters(void)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.own_gil_for_subinterpreters = 1;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    ftc_atomic_store(&stop, 0);
    ftc_atomic_store(&running, 0);
    for (int i = 0; i < NSUB; i++)
        CHECK_EQ(ftc_thread_start(&threads[i], sub_counter, &counts[i], NULL), 0);
    CHECK_EQ(ftc_thread_start(&threads[NSUB], main_counter, &counts[NSUB], NULL), 0);
    FTC_BEGIN_ALLOW_THREADS
    while (ftc_atomic_load(&running) < NCOUNT)
        sched_yield();
    FTC_END_ALLOW_THREADS
}

static void stop_counters(void)
{
    ftc_atomic_store_release(&stop, 1);
    for (int i = 0; i < NCOUNT; i++) {
        CHECK_EQ(ftc_thread_join(threads[i], -1), 0);
        ftc_thread_release(threads[i]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(stop_the_world_stops_every_interpreter)
{
    start_counters();
    int rounds = (int)ftc_check_scaled(40);
    for (int r = 0; r < rounds; r++) {
        wait_all_move();
        ftc_stop_the_world();
        ftc_thread_info info[16];
        int64_t n = ftc_threads_snapshot(info, 16);
        /* main; each sub counter twice (its detached main-interpreter tstate and its
         * sub-interpreter one); the main-interpreter counter */
        CHECK_EQ(n, 1 + 2 * NSUB + 1);
        int suspended = 0;
        for (int64_t i = 0; i < n; i++) {
            if (info[i].ident == ftc_thread_ident()) {
                CHECK_EQ(info[i].state, FTC_TSTATE_ATTACHED);
            } else {
                CHECK_EQ(info[i].state, FTC_TSTATE_SUSPENDED);
                suspended++;
            }
        }
        CHECK_EQ(suspended, 2 * NSUB + 1);
        long before[NCOUNT], after[NCOUNT];
        snapshot(before);
        window_ms(2);
        snapshot(after);
        for (int i = 0; i < NCOUNT; i++)
            CHECK_EQ(after[i], before[i]);
        ftc_start_the_world();
    }
    wait_all_move(); /* and they all run again */
    stop_counters();
}

/* ---- fork ---- */

static int in_fork;             /* atomic: 1 while this test forks (the handlers do nothing else) */
static long at_prepare[NCOUNT]; /* written by the prepare handler, read by the parent handler */
static long fork_moved;         /* counters that moved between prepare and parent */

static void test_prepare(void)
{
    if (ftc_atomic_load(&in_fork))
        snapshot(at_prepare);
}

static void test_parent(void)
{
    if (!ftc_atomic_load(&in_fork))
        return;
    long now[NCOUNT];
    /* Still inside the fork: the runtime's parent handler (which restarts the world) runs
     * after this one. A window, so that running threads would visibly count. */
    window_ms(1);
    snapshot(now);
    for (int i = 0; i < NCOUNT; i++)
        if (now[i] != at_prepare[i])
            fork_moved++;
}

__attribute__((constructor)) static void register_before_runtime(void)
{
    /* Before any ftc_runtime_init() in this process: the runtime registers its handlers at its
     * first init, so its prepare runs before ours and its parent handler after ours. */
    if (pthread_atfork(test_prepare, test_parent, NULL) != 0)
        abort();
}

FTC_TEST(fork_stops_every_interpreter)
{
    start_counters();
    int rounds = (int)ftc_check_scaled(20);
    fork_moved = 0;
    for (int r = 0; r < rounds; r++) {
        wait_all_move();
        ftc_atomic_store(&in_fork, 1);
        pid_t pid = fork();
        if (pid == 0)
            _exit(0); /* the child has nothing to check: the window is the parent's */
        ftc_atomic_store(&in_fork, 0);
        CHECK(pid > 0);
        int st = 0;
        FTC_BEGIN_ALLOW_THREADS
        CHECK_EQ(waitpid(pid, &st, 0), pid);
        FTC_END_ALLOW_THREADS
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_EQ(fork_moved, 0);
    }
    stop_counters();
}
