/* fork() while other threads attach, detach, tick and start threads: the child has only the
 * forking thread (attached as before, the only tstate), every other thread's handle reads DONE
 * and joins at once, every lock works (a GIL the dead threads were fighting over, the head
 * lock, the handle list), the child can start and join threads again and finalize. Several
 * forks in a row, from the main thread and from a started thread. */
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

#if defined(__SANITIZE_THREAD__)
/* TSan refuses to start threads in the child of a multi-threaded process unless told. */
const char *__tsan_default_options(void);
const char *__tsan_default_options(void) { return "die_after_fork=0"; }
#endif

static int stop; /* atomic */
static long child_ran;

static void churn(void *arg)
{
    (void)arg;
    long i = 0;
    while (!ftc_atomic_load_acquire(&stop)) {
        ftc_eval_tick();
        if (++i % 64 == 0) {
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
    }
}

#if !defined(__SANITIZE_ADDRESS__)
static void spawn_churn(void *arg)
{
    (void)arg;
    while (!ftc_atomic_load_acquire(&stop)) {
        ftc_thread *t;
        if (ftc_thread_start(&t, churn, NULL, NULL) == 0) {
            ftc_thread_join(t, 0.001);
            ftc_thread_release(t);
        }
    }
}
#endif

static void child_work(void *arg)
{
    (void)arg;
    child_ran++;
}

/* Runs in the child; returns the exit status (0 = all good). */
static int child_checks(ftc_thread **others, int nothers)
{
    if (ftc_tstate_get() == NULL)
        return 10;
    if (ftc_threads_snapshot(NULL, 0) != 1)
        return 11;
    for (int i = 0; i < nothers; i++) {
        if (ftc_thread_state(others[i]) != FTC_THREAD_DONE)
            return 12;
        if (ftc_thread_join(others[i], -1) != 0)
            return 13;
    }
    child_ran = 0;
    /* A stack larger than any the parent's threads had: glibc cannot hand the new thread a
     * cached stack of a dead one, whose thread id ThreadSanitizer still remembers. */
    ftc_thread_opts big = {.name = "child-thread", .stack_size = (size_t)32 << 20};
    for (int i = 0; i < 4; i++) {
        ftc_thread *t;
        if (ftc_thread_start(&t, child_work, NULL, &big) != 0)
            return 14;
        if (ftc_thread_join(t, -1) != 0)
            return 15;
        ftc_thread_release(t);
    }
    if (child_ran != 4)
        return 16;
    FTC_BEGIN_ALLOW_THREADS
    FTC_END_ALLOW_THREADS
    ftc_stop_the_world();
    ftc_start_the_world();
    /* the dead threads' handles still belong to the test; let fini run over them */
    for (int i = 0; i < nothers; i++)
        ftc_thread_release(others[i]);
    if (ftc_runtime_fini() != 0)
        return 17;
    if (ftc_runtime_init(NULL) != 0)
        return 18;
    if (ftc_runtime_fini() != 0)
        return 19;
    return 0;
}

static int fork_and_check_stopped(ftc_thread **others, int nothers, int stopped)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* the world the forking thread stopped stays stopped in the child until it restarts it */
        if (stopped)
            ftc_start_the_world();
        _exit(child_checks(others, nothers));
    }
    if (stopped)
        ftc_start_the_world();
    int status = 0;
    FTC_BEGIN_ALLOW_THREADS
    waitpid(pid, &status, 0);
    FTC_END_ALLOW_THREADS
    if (!WIFEXITED(status)) {
        fprintf(stderr, "child died by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : -1);
        return -2;
    }
    return WEXITSTATUS(status);
}

static int fork_and_check(ftc_thread **others, int nothers)
{
    return fork_and_check_stopped(others, nothers, 0);
}

static void run(int gil)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = gil;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    stop = 0;
    ftc_thread *t[4];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(ftc_thread_start(&t[i], churn, NULL, NULL), 0);
#if defined(__SANITIZE_ADDRESS__)
    /* Under ASan the fourth thread churns instead of spawning: gcc 12's libasan does not take
     * its allocator's locks around fork(), so a thread that is starting or exiting (allocating
     * or freeing while detached) when another forks can leave an allocator lock held in the
     * child forever (seen: the child's first new thread blocked in
     * __sanitizer::SizeClassAllocator64::GetFromAllocator; glibc's malloc handles fork). The
     * plain and TSan presets keep the spawner. */
    CHECK_EQ(ftc_thread_start(&t[3], churn, NULL, NULL), 0);
#else
    CHECK_EQ(ftc_thread_start(&t[3], spawn_churn, NULL, NULL), 0);
#endif
    int forks = (int)ftc_check_scaled(12);
    for (int i = 0; i < forks; i++) {
        for (int k = 0; k < 100; k++)
            ftc_eval_tick();
        if (i % 3 == 2) {
            ftc_stop_the_world();
            CHECK_EQ(fork_and_check_stopped(t, 4, 1), 0);
        } else {
            CHECK_EQ(fork_and_check(t, 4), 0);
        }
    }
    ftc_atomic_store_release(&stop, 1);
    for (int i = 0; i < 4; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(child_keeps_only_the_forking_thread) { run(-1); }

#ifdef FTC_GIL_DISABLED
FTC_TEST(child_keeps_only_the_forking_thread_gil_on) { run(1); }
#endif

static int forker_status = -100;

static void forker(void *arg)
{
    (void)arg;
    forker_status = fork_and_check(NULL, 0);
}

FTC_TEST(fork_from_a_started_thread)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    stop = 0;
    ftc_thread *c, *f;
    CHECK_EQ(ftc_thread_start(&c, churn, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_start(&f, forker, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_join(f, -1), 0);
    CHECK_EQ(forker_status, 0);
    ftc_atomic_store_release(&stop, 1);
    CHECK_EQ(ftc_thread_join(c, -1), 0);
    ftc_thread_release(c);
    ftc_thread_release(f);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
