/* Stop-the-world: while the world is stopped no other thread runs attached (spinning threads'
 * counters freeze, every other tstate is SUSPENDED, a thread woken inside ALLOW_THREADS cannot
 * attach), and everything resumes after ftc_start_the_world(). Several threads requesting at
 * once never deadlock and are mutually exclusive. The GIL is switched on at run time under
 * load (nogil build): from then on attached threads exclude each other.
 * The same machinery runs in the GIL build, where the same checks hold (stw_interps.c adds
 * sub-interpreters with their own GIL, which the caller's GIL does not exclude). */
#include <semaphore.h>

#include "check.h"
#include "internal/state.h"

#define NSPIN 3

static long counts[NSPIN]; /* atomic */
static int stop_spinning;  /* atomic */

static void spin(void *arg)
{
    long *c = arg;
    while (!ftc_atomic_load_acquire(&stop_spinning)) {
        ftc_atomic_fetch_add(c, 1);
        ftc_eval_tick();
    }
}

static sem_t wake_sem;
static int blocked_in;   /* atomic */
static int blocked_back; /* atomic */

static void blocked(void *arg)
{
    (void)arg;
    for (;;) {
        FTC_BEGIN_ALLOW_THREADS
        ftc_atomic_store_release(&blocked_in, 1);
        sem_wait(&wake_sem);
        FTC_END_ALLOW_THREADS
        ftc_atomic_fetch_add(&blocked_back, 1);
        if (ftc_atomic_load_acquire(&stop_spinning))
            return;
    }
}

static void pause_ms(int ms)
{
    struct timespec d = {0, ms * 1000L * 1000L};
    nanosleep(&d, NULL);
}

static void wait_counts_move(void)
{
    long base[NSPIN];
    for (int i = 0; i < NSPIN; i++)
        base[i] = ftc_atomic_load(&counts[i]);
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < NSPIN; i++)
        while (ftc_atomic_load(&counts[i]) == base[i])
            sched_yield();
    FTC_END_ALLOW_THREADS
}

FTC_TEST(stopped_world_freezes_every_other_thread)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    stop_spinning = 0;
    blocked_in = blocked_back = 0;
    sem_init(&wake_sem, 0, 0);
    ftc_thread *t[NSPIN], *b;
    for (int i = 0; i < NSPIN; i++)
        CHECK_EQ(ftc_thread_start(&t[i], spin, &counts[i], NULL), 0);
    CHECK_EQ(ftc_thread_start(&b, blocked, NULL, NULL), 0);
    int rounds = (int)ftc_check_scaled(20);
    for (int r = 0; r < rounds; r++) {
        wait_counts_move();
        FTC_BEGIN_ALLOW_THREADS
        while (!ftc_atomic_load_acquire(&blocked_in))
            sched_yield();
        FTC_END_ALLOW_THREADS
        ftc_stop_the_world();
        ftc_thread_info info[8];
        int64_t n = ftc_threads_snapshot(info, 8);
        CHECK_EQ(n, NSPIN + 2);
        for (int64_t i = 0; i < n; i++) {
            if (info[i].ident == ftc_thread_ident())
                CHECK_EQ(info[i].state, FTC_TSTATE_ATTACHED);
            else
                CHECK_EQ(info[i].state, FTC_TSTATE_SUSPENDED);
        }
        long before[NSPIN];
        for (int i = 0; i < NSPIN; i++)
            before[i] = ftc_atomic_load(&counts[i]);
        int back = ftc_atomic_load(&blocked_back);
        ftc_atomic_store(&blocked_in, 0);
        sem_post(&wake_sem); /* it wakes, but cannot attach while the world is stopped */
        pause_ms(5);
        for (int i = 0; i < NSPIN; i++)
            CHECK_EQ(ftc_atomic_load(&counts[i]), before[i]);
        CHECK_EQ(ftc_atomic_load(&blocked_back), back);
        ftc_start_the_world();
    }
    ftc_atomic_store_release(&stop_spinning, 1);
    sem_post(&wake_sem);
    for (int i = 0; i < NSPIN; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(ftc_thread_join(b, -1), 0);
    ftc_thread_release(b);
    CHECK(ftc_atomic_load(&blocked_back) >= rounds);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static int in_stw;    /* plain: only touched with the world stopped */
static long stw_done; /* plain: likewise */
static long stw_violations;

static void requester(void *arg)
{
    (void)arg;
    long n = ftc_check_scaled(300);
    for (long i = 0; i < n; i++) {
        ftc_stop_the_world();
        in_stw++;
        if (in_stw != 1)
            stw_violations++;
        stw_done++;
        in_stw--;
        ftc_start_the_world();
        ftc_eval_tick();
        if (i % 16 == 0) {
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
    }
}

FTC_TEST(concurrent_requesters_are_exclusive_and_never_deadlock)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    stop_spinning = 0;
    in_stw = 0;
    stw_done = stw_violations = 0;
    ftc_thread *s[2], *r[3];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(ftc_thread_start(&s[i], spin, &counts[i], NULL), 0);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(ftc_thread_start(&r[i], requester, NULL, NULL), 0);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ftc_thread_join(r[i], -1), 0);
        ftc_thread_release(r[i]);
    }
    ftc_atomic_store_release(&stop_spinning, 1);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ftc_thread_join(s[i], -1), 0);
        ftc_thread_release(s[i]);
    }
    CHECK_EQ(stw_violations, 0);
    CHECK_EQ(stw_done, 3 * ftc_check_scaled(300));
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static void start_and_join_during_stops(void *arg)
{
    (void)arg;
    for (int i = 0; i < (int)ftc_check_scaled(50); i++) {
        ftc_thread *t;
        long dummy = 0;
        if (ftc_thread_start(&t, spin, &dummy, NULL) != 0)
            abort();
        if (ftc_thread_join(t, -1) != 0)
            abort();
        ftc_thread_release(t);
    }
}

FTC_TEST(threads_come_and_go_while_the_world_stops)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    /* the spinning threads started here stop at once (stop_spinning is set) */
    stop_spinning = 1;
    ftc_check_run_pair(start_and_join_during_stops, NULL, requester, NULL);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

#ifdef FTC_GIL_DISABLED
static int phase;        /* atomic: 1 while the GIL is on and counting is allowed */
static long gil_counter; /* plain: protected by the run-time GIL */
static long per_thread;

static void count_under_gil(void *arg)
{
    (void)arg;
    long mine = 0;
    while (mine < per_thread) {
        if (ftc_atomic_load_acquire(&phase) == 1) {
            gil_counter++;
            mine++;
        }
        ftc_eval_tick();
    }
}

FTC_TEST(gil_switched_on_under_load_serializes_attached_threads)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_gil_enabled(), 0);
    phase = 0;
    gil_counter = 0;
    per_thread = ftc_check_scaled(200000);
    ftc_thread *t[3];
    for (int i = 0; i < 3; i++)
        CHECK_EQ(ftc_thread_start(&t[i], count_under_gil, NULL, NULL), 0);
    /* the threads are attached and running without a GIL; switch it on under them */
    CHECK_EQ(ftc_gil_set_enabled(1), 0);
    CHECK_EQ(ftc_gil_enabled(), 1);
    ftc_atomic_store_release(&phase, 1);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(gil_counter, 3 * per_thread);
    ftc_gil_stats st;
    CHECK_EQ(ftc_gil_get_stats(&st), 0);
    CHECK(st.acquisitions > 0);
    CHECK_EQ(ftc_gil_set_enabled(0), 0);
    CHECK_EQ(ftc_gil_enabled(), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
#endif
