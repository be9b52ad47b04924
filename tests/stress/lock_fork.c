/* Fork from a multi-threaded parent while other threads hammer mutexes and park (so parking-lot
 * buckets are locked and list waiters at the moment of fork). In the child, after
 * _ftc_locks_after_fork_child(), locks work: the child starts threads that contend on fresh
 * mutexes hashing to the same buckets, and finishes with exact counts. Without the reset, a
 * child inherits a bucket locked by a thread that no longer exists and hangs (the child has its
 * own alarm so a hang is a failure, not a stuck test). */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/parking_lot.h"

/* ThreadSanitizer cannot run threads in the child of a multi-threaded fork (it dies, or with
 * die_after_fork=0 fails on reused thread ids). Under TSan the child therefore stays single
 * threaded and checks every bucket it can reach with timed parks and mutex slow paths. */
#if defined(__SANITIZE_THREAD__)
#define CHILD_THREADS 0
#else
#define CHILD_THREADS 3
#endif

enum { NPARENT = 4, NMUTEX = 4 };

static ftc_mutex mutexes[NMUTEX];
static int stop;    /* atomic */
static int started; /* atomic */

static void *hammer(void *arg)
{
    uint64_t seed = (uint64_t)(uintptr_t)arg + 3;
    ftc_atomic_fetch_add(&started, 1);
    while (!ftc_atomic_load_relaxed(&stop)) {
        ftc_mutex *m = &mutexes[ftc_check_rand(&seed) % NMUTEX];
        ftc_mutex_lock(m);
        for (int i = 0; i < 50; i++)
            ftc_cpu_relax();
        ftc_mutex_unlock(m);
    }
    return NULL;
}

static long child_counters[NMUTEX];

static void *child_worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 2000; i++) {
        int k = i % NMUTEX;
        ftc_mutex_lock(&mutexes[k]);
        child_counters[k]++;
        ftc_mutex_unlock(&mutexes[k]);
    }
    return NULL;
}

static int child_main(void)
{
    alarm(20);
    _ftc_locks_after_fork_child();
    /* The parent's mutexes may be held by threads that do not exist here: a runtime
     * reinitializes the locks it owns; we do the same for ours. */
    for (int k = 0; k < NMUTEX; k++)
        mutexes[k].bits = 0;
    for (int k = 0; k < NMUTEX; k++)
        if (_ftc_parking_lot_count(&mutexes[k]) != 0)
            return 2;
    /* Every bucket is usable: a timed park takes its lock, enqueues, times out, dequeues. */
    for (int k = 0; k < NMUTEX; k++) {
        uint8_t expected = 0;
        if (_ftc_parking_lot_park(&mutexes[k].bits, &expected, 1, 1000, NULL, 0) !=
            FTC_PARK_TIMEOUT)
            return 5;
        mutexes[k].bits = FTC_MUTEX_LOCKED | FTC_MUTEX_HAS_PARKED;
        ftc_mutex_unlock(&mutexes[k]); /* slow path: unparks nobody, clears the byte */
    }
#if CHILD_THREADS > 0
    pthread_t th[CHILD_THREADS];
    for (int i = 0; i < CHILD_THREADS; i++)
        pthread_create(&th[i], NULL, child_worker, NULL);
    for (int i = 0; i < CHILD_THREADS; i++)
        pthread_join(th[i], NULL);
#else
    child_worker(NULL);
#endif
    for (int k = 0; k < NMUTEX; k++)
        if (child_counters[k] != (CHILD_THREADS ? CHILD_THREADS : 1) * 2000 / NMUTEX ||
            mutexes[k].bits != 0)
            return 3;
    ftc_event e = FTC_EVENT_INIT;
    ftc_event_set(&e);
    return ftc_event_wait(&e, -1) ? 0 : 4;
}

FTC_TEST(child_uses_locks_after_fork)
{
    pthread_t th[NPARENT];
    for (int i = 0; i < NPARENT; i++)
        pthread_create(&th[i], NULL, hammer, (void *)(uintptr_t)i);
    /* Fork only once every hammer runs its loop: a thread still starting up may hold the C (or
     * sanitizer) allocator's lock, which a child could then never take — not our lock. */
    while (ftc_atomic_load(&started) != NPARENT)
        sched_yield();
    long forks = ftc_check_scaled(40);
    for (long f = 0; f < forks; f++) {
        fflush(stdout);
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0)
            _exit(child_main());
        int status = 0;
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
    }
    ftc_atomic_store(&stop, 1);
    for (int i = 0; i < NPARENT; i++)
        pthread_join(th[i], NULL);
}
