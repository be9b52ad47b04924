/* ftc_bench: one workload, one build, one thread count, one JSON line.
 *
 *   ftc_bench --list                                   every workload, one JSON line each
 *   ftc_bench --workload NAME --threads N --seconds S  run it; the result line on stdout
 *
 * bench/ab.py runs this program from build-gil/ and build-nogil/ alternately and compares.
 * The program is linked with the static ftcore library of its build (bench/CMakeLists.txt).
 *
 * How a run goes (ftc_bench.h has the workload hooks): the main thread initializes the runtime
 * (attached), builds the shared state, starts N threads with ftc_thread_start(), and waits at a
 * start barrier, detached, with them; then it sleeps (detached) for the run's duration, sets
 * the stop flag, re-attaches and joins them. Every wait on the barrier is detached, so that in
 * the GIL build nobody holds the GIL while waiting for a thread that needs it. The result line
 * has the operations, the span of the timed loops, ops/s, the per-thread counts, the GIL's
 * switch statistics for the run (when a GIL is in force), the workload's own fields (latency
 * percentiles, check results), and "check":"ok" or "FAILED". The exit status is 0 only when
 * every check passed and no operation returned an error.
 */
#include "ftc_bench.h"

static const bench_workload *const workloads[] = {
    &wl_tick,
    &wl_count_floor,
    &wl_alloc_int,
    &wl_refcount_private,
    &wl_refcount_shared,
    &wl_refcount_shared_marked,
    &wl_dict_private,
    &wl_dict_shared_read,
    &wl_dict_shared_read_ref,
    &wl_dict_shared_read_mutex,
    &wl_dict_shared_mixed,
    &wl_list_private,
    &wl_list_shared_read,
    &wl_list_shared_read_ref,
    &wl_list_shared_append,
    &wl_lock_pingpong,
    &wl_io_latency,
    &wl_wordcount,
    &wl_alloc_cycle,
    &wl_gc_pause,
};
#define NWORKLOADS (sizeof workloads / sizeof workloads[0])

static const char *const kind_names[] = {"throughput", "serial", "latency", "baseline"};

#ifdef FTC_GIL_DISABLED
#define BUILD_NAME "nogil"
#else
#define BUILD_NAME "gil"
#endif

typedef struct worker_arg {
    bench_run *r;
    int t;
} worker_arg;

static void worker_main(void *p)
{
    worker_arg *a = p;
    bench_run *r = a->r;
    bench_thread_result *res = &r->res[a->t];
    if (r->wl->thread_setup)
        r->wl->thread_setup(r, a->t);
    FTC_BEGIN_ALLOW_THREADS
    pthread_barrier_wait(&r->start);
    FTC_END_ALLOW_THREADS
    res->start = bench_now();
    r->wl->body(r, a->t, res);
    res->end = bench_now();
    if (r->wl->thread_teardown)
        r->wl->thread_teardown(r, a->t);
}

static int run_one(const bench_workload *wl, int nthreads, double seconds)
{
    static bench_run r;
    r.wl = wl;
    r.nthreads = nthreads;
    r.seconds = seconds;
    int rc = ftc_runtime_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "ftc_bench: ftc_runtime_init: %s\n", ftc_strerror(rc));
        return 1;
    }
    if (wl->setup && wl->setup(&r) != 0) {
        fprintf(stderr, "ftc_bench: %s: setup failed\n", wl->name);
        return 1;
    }
    pthread_barrier_init(&r.start, NULL, (unsigned)nthreads + 1);
    ftc_thread *th[BENCH_MAX_THREADS];
    worker_arg args[BENCH_MAX_THREADS];
    char names[BENCH_MAX_THREADS][32];
    for (int t = 0; t < nthreads; t++) {
        args[t] = (worker_arg){&r, t};
        snprintf(names[t], sizeof names[t], "bench-%d", t);
        ftc_thread_opts opts = {names[t], 0, 0};
        rc = ftc_thread_start(&th[t], worker_main, &args[t], &opts);
        if (rc != 0) {
            fprintf(stderr, "ftc_bench: ftc_thread_start: %s\n", ftc_strerror(rc));
            return 1;
        }
    }
    int have_gil = ftc_gil_enabled();
    if (have_gil)
        ftc_gil_reset_stats();
    double cpu0 = 0.0;
    FTC_BEGIN_ALLOW_THREADS
    pthread_barrier_wait(&r.start);
    cpu0 = bench_cpu_seconds();
    bench_sleep(seconds);
    bench_stop_now(&r.stop);
    FTC_END_ALLOW_THREADS
    for (int t = 0; t < nthreads; t++) {
        rc = ftc_thread_join(th[t], -1);
        if (rc != 0) {
            fprintf(stderr, "ftc_bench: ftc_thread_join: %s\n", ftc_strerror(rc));
            return 1;
        }
        ftc_thread_release(th[t]);
    }
    double cpu = bench_cpu_seconds() - cpu0;
    ftc_gil_stats gs;
    int have_stats = have_gil && ftc_gil_get_stats(&gs) == 0;
    pthread_barrier_destroy(&r.start);

    bench_json_begin(stdout, "ftc_bench", wl->name, BUILD_NAME, nthreads, seconds, r.res, nthreads);
    printf(",\"kind\":\"%s\",\"gil_enabled\":%d,\"cpu_seconds\":%.6f", kind_names[wl->kind],
           have_gil, cpu);
    if (have_stats)
        printf(",\"gil_switches\":%llu,\"gil_forced_switches\":%llu,\"gil_drop_requests\":%llu,"
               "\"gil_max_wait_s\":%.6f,\"gil_total_wait_s\":%.6f,\"switch_interval_s\":%.6f",
               (unsigned long long)gs.switches, (unsigned long long)gs.forced_switches,
               (unsigned long long)gs.drop_requests, gs.max_wait, gs.total_wait,
               ftc_get_switch_interval());
    if (have_stats)
        printf(",\"gil_handoffs\":%llu,\"gil_prio_requests\":%llu,\"gil_prio_handoffs\":%llu,"
               "\"gil_urgent_requests\":%llu",
               (unsigned long long)gs.handoffs, (unsigned long long)gs.prio_requests,
               (unsigned long long)gs.prio_handoffs, (unsigned long long)gs.urgent_requests);
    int ok = wl->finish ? wl->finish(&r, stdout) == 0 : 1;
    bench_totals tot = bench_sum(r.res, nthreads);
    if (tot.error != 0) {
        printf(",\"error_name\":\"%s\"", ftc_strerror(tot.error));
        ok = 0;
    }
    printf(",\"check\":\"%s\"}\n", ok ? "ok" : "FAILED");
    fflush(stdout);
    rc = ftc_runtime_fini();
    if (rc != 0) {
        fprintf(stderr, "ftc_bench: ftc_runtime_fini: %s\n", ftc_strerror(rc));
        ok = 0;
    }
    return ok ? 0 : 1;
}

static int usage(void)
{
    fprintf(stderr, "usage: ftc_bench --list | --workload NAME --threads N --seconds S\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *name = NULL;
    int nthreads = 1;
    double seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0) {
            for (size_t k = 0; k < NWORKLOADS; k++) {
                const bench_workload *w = workloads[k];
                printf("{\"workload\":\"%s\",\"build\":\"%s\",\"kind\":\"%s\","
                       "\"what\":\"%s\"}\n",
                       w->name, BUILD_NAME, kind_names[w->kind], w->what);
            }
            return 0;
        } else if (strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
            name = argv[++i];
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            nthreads = atoi(argv[++i]);
        } else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
            seconds = atof(argv[++i]);
        } else {
            return usage();
        }
    }
    const bench_workload *wl = NULL;
    for (size_t k = 0; k < NWORKLOADS; k++)
        if (name != NULL && strcmp(name, workloads[k]->name) == 0)
            wl = workloads[k];
    if (wl == NULL || nthreads < 1 || nthreads > BENCH_MAX_THREADS || !(seconds > 0))
        return usage();
    return run_one(wl, nthreads, seconds);
}
