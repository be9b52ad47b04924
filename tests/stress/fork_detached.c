/* fork() from a thread that is detached (inside FTC_BEGIN_ALLOW_THREADS) or has no thread
 * state at all, while another thread holds a critical section on a dict: the child must be able
 * to lock the dict at once. A watchdog (alarm) in the child turns a hang into a failure.
 *
 * Cases (each repeated; the handshakes make the interesting state certain at the fork):
 * d is the dict of the two whose lock has the higher address (H always holds it), e the other.
 *   held:      thread H is inside a section on d (attached, ticking) when the detached main
 *              thread forks. Before the fix the prepare handler stopped the world only for an
 *              attached forking thread: the child inherited d's lock held by the dead H.
 *   raw:       the same with the fork made by a plain pthread that never had a thread state.
 *   handoff:   thread W waits (parked, detached) for d's lock held by H for longer than the
 *              mutex's fairness bound, so when the fork's stop makes H detach, H's release hands
 *              the lock straight to W, which then parks in its attach owning it. Before the
 *              fix the child inherited the lock owned by the dead W.
 *   two:       W begins a two-object section on (e, d): it takes e's lock (the lower address,
 *              taken first) and waits for d's, which H holds, and is then handed it: W holds
 *              both while parked.
 * The child attaches (when it has a thread state), sets a key in d (and e), and exits 0.
 * Nothing is checked in the GIL build beyond the child finishing (the sections are the GIL). */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/parking_lot.h"
#include "internal/state.h"

static ftc_object *d, *e;
static int h_in;      /* atomic: H is inside its section on d */
static int h_release; /* atomic: H may end it */
static int w_done;    /* atomic */

static void holder(void *arg)
{
    (void)arg;
    FTC_BEGIN_CRITICAL_SECTION(d);
    ftc_atomic_store_release(&h_in, 1);
    while (!ftc_atomic_load_acquire(&h_release))
        CHECK_EQ(ftc_eval_tick(), 0); /* a stop-the-world parks it here */
    FTC_END_CRITICAL_SECTION();
}

static void waiter_one(void *arg)
{
    (void)arg;
    ftc_object *k = ftc_int_new(7);
    CHECK_EQ(ftc_dict_set(d, k, k), 0); /* waits for H's lock */
    ftc_decref(k);
    ftc_atomic_store_release(&w_done, 1);
}

static void waiter_two(void *arg)
{
    (void)arg;
    FTC_BEGIN_CRITICAL_SECTION2(e, d);
    FTC_END_CRITICAL_SECTION2();
    ftc_atomic_store_release(&w_done, 1);
}

/* In the child: lock d (and e) through the public calls, under a watchdog. */
static void child_checks(ftc_tstate *ts)
{
    alarm(10);
    if (ts)
        ftc_attach(ts);
    else
        ftc_gilstate_ensure();
    ftc_object *k = ftc_int_new(1);
    if (ftc_dict_set(d, k, k) != 0 || ftc_dict_set(e, k, k) != 0)
        _exit(3);
    ftc_object *v = NULL;
    if (ftc_dict_get_ref(d, k, &v) != 1 || v != k)
        _exit(4);
    _exit(0);
}

static void check_child(pid_t pid)
{
    CHECK(pid > 0);
    int st = 0;
    CHECK_EQ(waitpid(pid, &st, 0), pid);
    if (WIFSIGNALED(st))
        fprintf(stderr, "child killed by signal %d (SIGALRM: it hung on a lock)\n", WTERMSIG(st));
    CHECK(WIFEXITED(st));
    CHECK_EQ(WEXITSTATUS(st), 0);
}

static void *raw_forker(void *arg)
{
    (void)arg;
    pid_t pid = fork();
    if (pid == 0)
        child_checks(NULL);
    return (void *)(intptr_t)pid;
}

/* Waits (detached) until flag is set. */
static void wait_flag(int *flag)
{
    FTC_BEGIN_ALLOW_THREADS
    while (!ftc_atomic_load_acquire(flag))
        sched_yield();
    FTC_END_ALLOW_THREADS
}

enum { CASE_HELD, CASE_RAW, CASE_HANDOFF, CASE_TWO };

static void run_case(int which)
{
    ftc_atomic_store(&h_in, 0);
    ftc_atomic_store(&h_release, 0);
    ftc_atomic_store(&w_done, 0);
    ftc_thread *h, *w = NULL;
    CHECK_EQ(ftc_thread_start(&h, holder, NULL, NULL), 0);
    wait_flag(&h_in);
    if (which == CASE_HANDOFF || which == CASE_TWO) {
        CHECK_EQ(ftc_thread_start(&w, which == CASE_TWO ? waiter_two : waiter_one, NULL, NULL), 0);
#ifdef FTC_GIL_DISABLED
        FTC_BEGIN_ALLOW_THREADS
        /* W parked on d's lock (holding e's in the two-lock case). */
        while (_ftc_parking_lot_count(&d->ob_mutex.bits) == 0)
            sched_yield();
        /* Past the fairness bound (1 ms) of W's wait: H's release will hand the lock to W. */
        double until = ftc_monotonic() + 0.005;
        while (ftc_monotonic() < until)
            sched_yield();
        FTC_END_ALLOW_THREADS
#endif
    }
    pid_t pid;
    if (which == CASE_RAW) {
        pthread_t th;
        void *res;
        FTC_BEGIN_ALLOW_THREADS
        CHECK_EQ(pthread_create(&th, NULL, raw_forker, NULL), 0);
        CHECK_EQ(pthread_join(th, &res), 0);
        FTC_END_ALLOW_THREADS
        pid = (pid_t)(intptr_t)res;
    } else {
        ftc_tstate *ts = ftc_detach();
        pid = fork();
        if (pid == 0)
            child_checks(ts);
        ftc_attach(ts);
    }
    FTC_BEGIN_ALLOW_THREADS
    check_child(pid);
    FTC_END_ALLOW_THREADS
    ftc_atomic_store_release(&h_release, 1);
    CHECK_EQ(ftc_thread_join(h, -1), 0);
    ftc_thread_release(h);
    if (w) {
        CHECK_EQ(ftc_thread_join(w, -1), 0);
        ftc_thread_release(w);
        CHECK_EQ(ftc_atomic_load(&w_done), 1);
    }
}

static void run_rounds(int which, long rounds)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    d = ftc_dict_new();
    e = ftc_dict_new();
    CHECK(d && e);
    if ((uintptr_t)d < (uintptr_t)e) {
        ftc_object *t = d;
        d = e;
        e = t;
    }
    for (long r = 0; r < rounds; r++)
        run_case(which);
    ftc_decref(d);
    ftc_decref(e);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(fork_detached_while_a_section_is_held) { run_rounds(CASE_HELD, ftc_check_scaled(20)); }

FTC_TEST(fork_without_tstate_while_a_section_is_held)
{
    run_rounds(CASE_RAW, ftc_check_scaled(20));
}

#ifdef FTC_GIL_DISABLED
FTC_TEST(fork_while_a_lock_is_handed_to_a_waiter)
{
    run_rounds(CASE_HANDOFF, ftc_check_scaled(10));
}

FTC_TEST(fork_while_a_two_lock_section_waits) { run_rounds(CASE_TWO, ftc_check_scaled(10)); }
#endif
