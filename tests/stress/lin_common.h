/* Shared machinery of the linearizability tests (lin_dict.c, lin_list.c).
 *
 * A history: LIN_THREADS threads each run LIN_OPS operations on one shared container, all
 * starting at once. Each operation records a call stamp and a return stamp from one global
 * seq_cst counter, its arguments and its results. The history is linearizable if some order of
 * all operations (1) respects real time: an operation that returned before another was called
 * comes first, and (2) replayed on a sequential model from the same initial state, gives every
 * operation the results it actually returned. The checker searches for that order depth
 * first (Wing and Gong's algorithm): at each step only operations that no pending operation
 * must precede are candidates, and a candidate is taken only if the model agrees with its
 * recorded results. With two threads of a few operations each the search is tiny.
 *
 * Threads stay alive across histories; between histories they wait detached (so that in the
 * GIL build the waiting does not hold the GIL), and the main thread builds the next container
 * and operations, starts the round, waits for it, and checks it.
 */
#ifndef FTC_TEST_LIN_COMMON_H
#define FTC_TEST_LIN_COMMON_H

#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include <ftcore/ftcore.h>

#define LIN_THREADS 2 /* the machine has 2 cores: more would mostly wait for each other */
#define LIN_OPS 4
#define LIN_TOTAL (LIN_THREADS * LIN_OPS)
#define LIN_MAXITEMS 32

typedef struct lin_op {
    int kind;
    int64_t a, b; /* arguments: key or index, value */
    int64_t rc;   /* the call's return value */
    int64_t out;  /* a returned object's number, or -1 */
    uint64_t call, ret;
} lin_op;

/* The sequential model's state, shared by both tests: an array of numbers (the list's items;
 * the dict uses slots [0, nkeys) with -1 for absent). */
typedef struct lin_state {
    int n;
    int64_t item[LIN_MAXITEMS];
} lin_state;

/* Applies op to the model; true if the results it recorded are the model's. Defined by each
 * test. */
static bool lin_apply(lin_state *s, const lin_op *op);
/* Runs op on the container, filling rc and out. Defined by each test. */
static void lin_run(ftc_object *c, lin_op *op);
/* A read that changes nothing (the length). Defined by each test. */
static void lin_touch(ftc_object *c);

static lin_op lin_ops[LIN_TOTAL]; /* thread t's ops are [t*LIN_OPS, (t+1)*LIN_OPS) */
static uint64_t lin_clock;        /* atomic */
static ftc_object *lin_container;
static int lin_round, lin_done; /* atomic */
static int lin_stop;            /* atomic */
static int lin_ready;           /* atomic: workers attached and about to start this round */

static bool lin_search(const lin_state *s, uint32_t done)
{
    if (done == (1u << LIN_TOTAL) - 1)
        return true;
    for (int t = 0; t < LIN_THREADS; t++) {
        /* Only each thread's first pending operation can be next (program order). */
        int i = -1;
        for (int k = 0; k < LIN_OPS; k++)
            if (!(done & (1u << (t * LIN_OPS + k)))) {
                i = t * LIN_OPS + k;
                break;
            }
        if (i < 0)
            continue;
        bool minimal = true;
        for (int j = 0; j < LIN_TOTAL && minimal; j++)
            if (j != i && !(done & (1u << j)) && lin_ops[j].ret < lin_ops[i].call)
                minimal = false;
        if (!minimal)
            continue;
        lin_state next = *s;
        if (lin_apply(&next, &lin_ops[i]) && lin_search(&next, done | (1u << i)))
            return true;
    }
    return false;
}

static void lin_wait_value(int *word, int want)
{
    while (ftc_atomic_load_acquire(word) != want)
        sched_yield();
}

/* Pins the calling worker to the t-th CPU it may use (when it may use several). Without it,
 * two of these tests run side by side (ctest -j2 on 2 cores) sometimes had the scheduler keep
 * each process's two workers on one CPU for the whole run, and not one history overlapped
 * (measured: both tests failed their overlap check together in 1 of 7 paired runs). */
static void lin_pin(int t)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2)
        return;
    int want = t % CPU_COUNT(&allowed);
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &allowed) || want-- > 0)
            continue;
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpu, &one);
        (void)sched_setaffinity(0, sizeof one, &one); /* best effort: 0 = this thread */
        return;
    }
}

static void lin_worker(void *arg)
{
    int t = (int)(uintptr_t)arg;
    lin_pin(t);
    for (int round = 1;; round++) {
        FTC_BEGIN_ALLOW_THREADS
        while (ftc_atomic_load_acquire(&lin_round) < round && !ftc_atomic_load_acquire(&lin_stop))
            sched_yield();
        FTC_END_ALLOW_THREADS
        if (ftc_atomic_load_acquire(&lin_stop))
            return;
        /* A container becomes shared at the first use by a thread that is not its owner (the
         * main thread made it), in its critical section (nogil; containers/ctr.h). In odd
         * rounds the workers' first operations race with that; in even rounds the workers
         * touch it first, before the start line, since two threads that meet at that lock at
         * once rarely overlap afterwards: the loser parks while the winner runs its four
         * operations. */
        if (round % 2 == 0)
            lin_touch(lin_container);
#ifdef FTC_GIL_DISABLED
        /* Start together, attached, so that the operations really overlap. (In the GIL build
         * they cannot overlap: waiting here would only wait for GIL switches.) */
        ftc_atomic_fetch_add(&lin_ready, 1);
        for (long spins = 0; ftc_atomic_load_acquire(&lin_ready) < round * LIN_THREADS; spins++) {
            ftc_eval_tick();
            if (spins > 2000)
                sched_yield(); /* the other worker is not running: let it */
            else
                ftc_cpu_relax();
        }
#endif
        for (int k = 0; k < LIN_OPS; k++) {
            lin_op *op = &lin_ops[t * LIN_OPS + k];
            op->call = ftc_atomic_fetch_add(&lin_clock, 1);
            lin_run(lin_container, op);
            op->ret = ftc_atomic_fetch_add(&lin_clock, 1);
        }
        ftc_atomic_fetch_add(&lin_done, 1);
    }
}

static void lin_print(const char *const *names)
{
    for (int i = 0; i < LIN_TOTAL; i++)
        fprintf(stderr, "  t%d %-10s a=%lld b=%lld -> rc=%lld out=%lld  [%llu, %llu]\n",
                i / LIN_OPS, names[lin_ops[i].kind], (long long)lin_ops[i].a,
                (long long)lin_ops[i].b, (long long)lin_ops[i].rc, (long long)lin_ops[i].out,
                (unsigned long long)lin_ops[i].call, (unsigned long long)lin_ops[i].ret);
}

/* Runs at least `histories` rounds: make() builds the container and the initial model state
 * and fills lin_ops' kinds and arguments; each round is checked. In the nogil build it goes on
 * (within a time budget, and past it until there is one) until `want_overlap` rounds had
 * operations of different threads overlapping in time, since only those test anything; on a
 * loaded 2-core machine most rounds run one thread after the other. Returns the number of
 * overlapping rounds; *ran the rounds. */
static long lin_run_all(long histories, long want_overlap, double budget,
                        ftc_object *(*make)(lin_state *, uint64_t *), const char *const *names,
                        long *ran)
{
    double t0 = ftc_monotonic();
    ftc_thread *th[LIN_THREADS];
    lin_round = lin_done = lin_stop = lin_ready = 0;
    for (int t = 0; t < LIN_THREADS; t++)
        CHECK_EQ(ftc_thread_start(&th[t], lin_worker, (void *)(uintptr_t)t, NULL), 0);
    uint64_t seed = 0xC0FFEE ^ (uint64_t)(uintptr_t)names;
    long overlapped = 0;
    long h;
    /* The budget bounds the search for want_overlap overlapping rounds, not for the first:
     * a run with none tested nothing concurrent, so it goes on until one (the watchdog ends
     * it if none ever comes; on a loaded machine all rounds of a budget may run serially). */
    for (h = 1; h <= histories || (want_overlap > 0 && overlapped == 0) ||
                (overlapped < want_overlap && ftc_monotonic() - t0 < budget);
         h++) {
        lin_state init;
        memset(&init, 0, sizeof init);
        lin_container = make(&init, &seed);
        for (int i = 0; i < LIN_TOTAL; i++)
            lin_ops[i].rc = lin_ops[i].out = -1;
        ftc_atomic_store_release(&lin_done, 0);
        ftc_atomic_store_release(&lin_round, (int)h);
        FTC_BEGIN_ALLOW_THREADS
        lin_wait_value(&lin_done, LIN_THREADS);
        FTC_END_ALLOW_THREADS
        if (!lin_search(&init, 0)) {
            fprintf(stderr, "history %ld is not linearizable:\n", h);
            lin_print(names);
            CHECK(!"linearizable");
        }
        for (int i = 0; i < LIN_TOTAL; i++)
            for (int j = 0; j < LIN_TOTAL; j++)
                if (i / LIN_OPS != j / LIN_OPS && lin_ops[i].call < lin_ops[j].ret &&
                    lin_ops[j].call < lin_ops[i].ret) {
                    overlapped++;
                    i = j = LIN_TOTAL;
                }
        ftc_decref(lin_container);
        ftc_eval_tick();
    }
    *ran = h - 1;
    ftc_atomic_store_release(&lin_stop, 1);
    for (int t = 0; t < LIN_THREADS; t++) {
        CHECK_EQ(ftc_thread_join(th[t], -1), 0);
        ftc_thread_release(th[t]);
    }
    return overlapped;
}

/* The whole test of one container: a runtime, 10000 histories (scaled), in the nogil build
 * 200 (scaled) of them with overlapping operations and at least one; no object left over. */
static void lin_test(const char *what, ftc_object *(*make)(lin_state *, uint64_t *),
                     const char *const *names)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    long histories = ftc_check_scaled(10000), ran;
#ifdef FTC_GIL_DISABLED
    long want = ftc_check_scaled(200);
#else
    long want = 0; /* the GIL serializes the operations */
#endif
    long overlapped = lin_run_all(histories, want, 15.0, make, names, &ran);
    /* The workers' last decrefs of our objects reached our queue by their ends at the latest
     * (a queueing decref waits in the pusher's BRC outbox until its next tick or detach,
     * src/brc.c): merge them before counting. */
    CHECK_EQ(ftc_eval_tick(), 0);
    printf("%s: %ld histories linearizable, %ld with overlapping operations\n", what, ran,
           overlapped);
#ifdef FTC_GIL_DISABLED
    CHECK(overlapped > 0);
#endif
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

#endif
