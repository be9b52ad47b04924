/* The workload interface of ftc_bench (ftc_bench.c is the harness; wl_*.c are the workloads).
 *
 * A workload is a loop of operations on ftcore's public API run by N threads started with
 * ftc_thread_start() (so attached, with their own tstate), each calling ftc_eval_tick() after
 * every operation as a VM's dispatch loop would. The harness calls, in order:
 *
 *   setup(run)                  main thread, attached: build the shared state (run->state)
 *   thread_setup(run, t)        worker t, attached, before the start barrier (not timed)
 *   body(run, t, res)           worker t, attached, timed: loop until the stop flag is set,
 *                               store the number of operations (and the first error) in res
 *   thread_teardown(run, t)     worker t, attached, after its timed loop (not timed)
 *   finish(run, out)            main thread, attached, after every worker joined: check the
 *                               result (exact counts, checksums), print extra JSON fields
 *                               (",\"name\":value"), free the shared state. Returns 0 if the
 *                               checks passed, -1 if not (the run is then reported FAILED).
 *
 * Any hook but body may be NULL. Every workload runs in both builds.
 */
#ifndef FTC_BENCH_H
#define FTC_BENCH_H

#include "bench_common.h"

#include <ftcore/ftcore.h>
#include <pthread.h>

typedef enum bench_kind {
    BENCH_THROUGHPUT = 0, /* ops/s; scaling and overhead targets apply */
    BENCH_SERIAL = 1,     /* ops/s, but serial by design (lock_pingpong): no scaling target */
    BENCH_LATENCY = 2,    /* reported by its latency percentiles */
    BENCH_BASELINE = 3    /* a reference point beside another workload (not a target) */
} bench_kind;

typedef struct bench_run bench_run;

typedef struct bench_workload {
    const char *name;
    const char *what;
    bench_kind kind;
    int (*setup)(bench_run *r);
    void (*thread_setup)(bench_run *r, int t);
    void (*body)(bench_run *r, int t, bench_thread_result *res);
    void (*thread_teardown)(bench_run *r, int t);
    int (*finish)(bench_run *r, FILE *out);
} bench_workload;

struct bench_run {
    const bench_workload *wl;
    int nthreads;
    double seconds;
    bench_stop stop;
    pthread_barrier_t start;
    bench_thread_result res[BENCH_MAX_THREADS];
    void *state;                     /* the workload's shared state */
    void *tstate[BENCH_MAX_THREADS]; /* the workload's per-thread state */
};

/* Keeps the compiler from merging or dropping memory operations across this point, as the
 * unknown code between two operations of a real VM would (e.g. an incref and its decref). */
#define BENCH_OPAQUE() __asm__ volatile("" ::: "memory")

static inline void bench_note_error(bench_thread_result *res, int code)
{
    if (res->error == 0 && code < 0)
        res->error = code;
}

/* An int outside any small-int cache (>= 2^40), so that it is a real heap object. */
#define BENCH_BIG_INT(i) ((int64_t)1 << 40 | (int64_t)(i))

/* One operation of allocation churn (alloc_int, io_latency's computing threads): create a
 * thread-private int and drop it. */
static inline void bench_churn_int(bench_thread_result *res, uint64_t i)
{
    ftc_object *o = ftc_int_new(BENCH_BIG_INT(i));
    if (FTC_UNLIKELY(o == NULL))
        bench_note_error(res, ftc_last_error());
    else
        ftc_decref(o);
}

/* Accounts one read of a shared container of ints in a checked-sum workload: when `found`, adds
 * the value of v to *sum and drops the reference the read returned; else counts a failed read
 * and notes rc (the read's return code). */
static inline void bench_sum_read(int found, int rc, ftc_object *v, int64_t *sum, uint64_t *bad,
                                  bench_thread_result *res)
{
    if (FTC_LIKELY(found)) {
        *sum += ftc_int_value(v);
        ftc_decref(v);
    } else {
        (*bad)++;
        bench_note_error(res, rc);
    }
}

/* The same for a borrowed value (ftc_*_get_borrowed): read before the next tick, no release. */
static inline void bench_sum_borrowed(int found, int rc, ftc_object *v, int64_t *sum, uint64_t *bad,
                                      bench_thread_result *res)
{
    if (FTC_LIKELY(found)) {
        *sum += ftc_int_value(v);
    } else {
        (*bad)++;
        bench_note_error(res, rc);
    }
}

/* The timed loop: runs OP (a statement; it may use `bench_i`, the operation's number in this
 * thread) then a tick, in batches of BENCH_BATCH, until the stop flag is set. */
#define BENCH_LOOP(r, res, OP)                                                   \
    do {                                                                         \
        uint64_t bench_i = 0;                                                    \
        int bench_tick_err = 0;                                                  \
        while (!bench_should_stop(&(r)->stop)) {                                 \
            for (int bench_k = 0; bench_k < BENCH_BATCH; bench_k++, bench_i++) { \
                OP;                                                              \
                int bench_rc = ftc_eval_tick();                                  \
                if (FTC_UNLIKELY(bench_rc < 0))                                  \
                    bench_tick_err = bench_rc;                                   \
            }                                                                    \
        }                                                                        \
        (res)->ops = bench_i;                                                    \
        bench_note_error((res), bench_tick_err);                                 \
    } while (0)

/* Workloads, one per file family. */
extern const bench_workload wl_tick, wl_count_floor, wl_alloc_int, wl_refcount_private,
    wl_refcount_shared, wl_refcount_shared_marked;
extern const bench_workload wl_dict_private, wl_dict_shared_read, wl_dict_shared_read_ref,
    wl_dict_shared_read_mutex, wl_dict_shared_mixed;
extern const bench_workload wl_list_private, wl_list_shared_read, wl_list_shared_read_ref,
    wl_list_shared_append;
extern const bench_workload wl_lock_pingpong, wl_io_latency;
extern const bench_workload wl_wordcount;
extern const bench_workload wl_gc_pause, wl_alloc_cycle;

#endif /* FTC_BENCH_H */
