/* The plain test harness's utilities: see check.h. The runner's main is in check_main.c. */
#define _GNU_SOURCE
#include "check.h"

#include <ftcore/atomic.h>
#include <ftcore/thread.h>
#include <pthread.h>
#include <dirent.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TESTS 256

static struct {
    const char *name;
    ftc_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static const char *current_test;

/* Watchdog: a deadline in monotonic nanoseconds, re-armed per test; 0 = idle. */
static int64_t deadline_ns;
static pthread_mutex_t wd_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_cond;
static double default_watchdog = 240.0;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void ftc_check_register(const char *name, ftc_test_fn fn)
{
    if (ntests == MAX_TESTS) {
        fprintf(stderr, "check: too many tests\n");
        abort();
    }
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
}

void ftc_check_fail(const char *file, int line, const char *expr, const char *detail)
{
    fprintf(stderr, "FAIL %s: %s:%d: CHECK(%s)%s%s\n", current_test ? current_test : "?", file,
            line, expr, detail ? ": " : "", detail ? detail : "");
    fflush(stderr);
    abort();
}

long ftc_check_scaled(long n)
{
    double scale = 1.0;
    const char *env = getenv("FTC_STRESS_SCALE");
    if (env && *env) {
        scale = atof(env);
    } else {
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
        scale = 0.25;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
        scale = 0.25;
#endif
#endif
    }
    long r = (long)((double)n * scale);
    return r < 1 ? 1 : r;
}

void ftc_check_watchdog(double seconds)
{
    pthread_mutex_lock(&wd_mutex);
    deadline_ns = now_ns() + (int64_t)(seconds * 1e9);
    pthread_cond_signal(&wd_cond);
    pthread_mutex_unlock(&wd_mutex);
}

static void watchdog_disarm(void)
{
    pthread_mutex_lock(&wd_mutex);
    deadline_ns = 0;
    pthread_mutex_unlock(&wd_mutex);
}

/* A test that forks and hangs in the child would leave the child behind when the watchdog
 * aborts the parent, holding ctest's output pipe open: kill every child of every thread of
 * this process first (Linux /proc/<pid>/task/<tid>/children). */
static void kill_children(void)
{
    DIR *tasks = opendir("/proc/self/task");
    if (!tasks)
        return;
    struct dirent *e;
    while ((e = readdir(tasks)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long pid;
        while (fscanf(f, "%ld", &pid) == 1) {
            fprintf(stderr, "watchdog: killing child process %ld\n", pid);
            kill((pid_t)pid, SIGKILL);
        }
        fclose(f);
    }
    closedir(tasks);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&wd_mutex);
    for (;;) {
        if (deadline_ns == 0) {
            pthread_cond_wait(&wd_cond, &wd_mutex);
            continue;
        }
        int64_t d = deadline_ns;
        if (now_ns() >= d) {
            fprintf(stderr, "FAIL %s: watchdog expired (hang or deadlock)\n",
                    current_test ? current_test : "?");
            fflush(stderr);
            kill_children();
            abort();
        }
        struct timespec ts = {.tv_sec = d / 1000000000, .tv_nsec = d % 1000000000};
        pthread_cond_timedwait(&wd_cond, &wd_mutex, &ts);
    }
    return NULL;
}

/* Runs child(arg) in a forked child (it must not return into this process: it exits or
 * execs) and checks that it died by SIGABRT having printed expect (if not NULL) on its
 * stderr. 1 if so; else 0, having said why on stderr (or the pipe or the fork failed). */
static int child_dies(void (*child)(void *), void *arg, const char *expect)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 0;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        child(arg);
        _exit(127);
    }
    close(fds[1]);
    char buf[8192];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = 0;
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
        fprintf(stderr, "  expected death by SIGABRT with \"%s\"; child %s %d; stderr:\n%s\n",
                expect, WIFSIGNALED(status) ? "died by signal" : "exited with",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), buf);
        return 0;
    }
    if (expect && !strstr(buf, expect)) {
        fprintf(stderr, "  expected \"%s\" in the child's stderr:\n%s\n", expect, buf);
        return 0;
    }
    return 1;
}

struct dies_call {
    void (*fn)(void *);
    void *arg;
};

static void dies_child(void *arg)
{
    struct dies_call *c = arg;
    /* Keep sanitizers' own reports of the abort out of the way of the message check. */
    signal(SIGABRT, SIG_DFL);
    c->fn(c->arg);
    _exit(0); /* survived: the parent reports it */
}

int ftc_check_dies(void (*fn)(void *), void *arg, const char *expect)
{
    struct dies_call c = {fn, arg};
    return child_dies(dies_child, &c, expect);
}

struct exec_call {
    const char *test, *env;
};

static void exec_child(void *arg)
{
    struct exec_call *c = arg;
    setenv(c->env, "1", 1);
    execl("/proc/self/exe", "/proc/self/exe", c->test, (char *)NULL);
}

int ftc_check_dies_exec(const char *test, const char *env, const char *expect)
{
    struct exec_call c = {test, env};
    return child_dies(exec_child, &c, expect);
}

static int capture_saved_fd = -1;
static FILE *capture_file;
static char captured[8192];

void ftc_check_capture_begin(void)
{
    fflush(stderr);
    capture_file = tmpfile();
    CHECK(capture_file != NULL);
    capture_saved_fd = dup(2);
    CHECK(capture_saved_fd >= 0);
    CHECK(dup2(fileno(capture_file), 2) == 2);
}

const char *ftc_check_capture_end(void)
{
    fflush(stderr);
    CHECK(dup2(capture_saved_fd, 2) == 2);
    close(capture_saved_fd);
    rewind(capture_file);
    size_t n = fread(captured, 1, sizeof captured - 1, capture_file);
    captured[n] = 0;
    fclose(capture_file);
    fputs(captured, stderr); /* keep it in the test's log */
    return captured;
}

int ftc_check_run_all(int argc, char **argv)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&wd_cond, &ca);
    const char *wd = getenv("FTC_WATCHDOG");
    if (wd && *wd)
        default_watchdog = atof(wd);
    pthread_t wd_thread;
    pthread_create(&wd_thread, NULL, watchdog_main, NULL);
    pthread_detach(wd_thread);

    int passed = 0, ran = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1) {
            int want = 0;
            for (int j = 1; j < argc; j++)
                want |= strcmp(argv[j], tests[i].name) == 0;
            if (!want)
                continue;
        }
        current_test = tests[i].name;
        fprintf(stderr, "RUN  %s\n", tests[i].name);
        ftc_check_watchdog(default_watchdog);
        double t0 = (double)now_ns();
        tests[i].fn();
        watchdog_disarm();
        fprintf(stderr, "OK   %s (%.2f s)\n", tests[i].name, ((double)now_ns() - t0) / 1e9);
        passed++;
        ran++;
    }
    if (ran == 0) {
        fprintf(stderr, "no test matched\n");
        return 1;
    }
    printf("%d passed, 0 failed\n", passed);
    return 0;
}

/* ---- threads ---- */

struct run_slot {
    void (*fn)(int i, void *ctx);
    void *ctx;
    int i;
};

static void run_slot_main(void *arg)
{
    struct run_slot *s = arg;
    s->fn(s->i, s->ctx);
}

void ftc_check_run_threads2(int na, void (*fa)(int i, void *ctx), int nb,
                            void (*fb)(int i, void *ctx), void *ctx, int *gate)
{
    int n = na + nb;
    CHECK(na >= 0 && nb >= 0 && n > 0);
    struct run_slot *slots = calloc((size_t)n, sizeof *slots);
    ftc_thread **th = calloc((size_t)n, sizeof *th);
    CHECK(slots != NULL && th != NULL);
    for (int i = 0; i < n; i++) {
        slots[i] = i < na ? (struct run_slot){.fn = fa, .ctx = ctx, .i = i}
                          : (struct run_slot){.fn = fb, .ctx = ctx, .i = i - na};
        CHECK_EQ(ftc_thread_start(&th[i], run_slot_main, &slots[i], NULL), 0);
    }
    if (gate != NULL)
        ftc_atomic_store_release(gate, 1); /* release: pairs with the threads' acquire loads */
    for (int i = 0; i < n; i++) {
        CHECK_EQ(ftc_thread_join(th[i], -1), 0);
        ftc_thread_release(th[i]);
    }
    free(th);
    free(slots);
}

void ftc_check_run_pair(void (*fa)(void *), void *a, void (*fb)(void *), void *b)
{
    ftc_thread *ta, *tb;
    CHECK_EQ(ftc_thread_start(&ta, fa, a, NULL), 0);
    CHECK_EQ(ftc_thread_start(&tb, fb, b, NULL), 0);
    CHECK_EQ(ftc_thread_join(ta, -1), 0);
    CHECK_EQ(ftc_thread_join(tb, -1), 0);
    ftc_thread_release(ta);
    ftc_thread_release(tb);
}

void ftc_check_run_threads(int n, void (*fn)(int i, void *ctx), void *ctx, int *gate)
{
    ftc_check_run_threads2(n, fn, 0, NULL, ctx, gate);
}
