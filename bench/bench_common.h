/* What the ftcore benchmark (ftc_bench) and the peer benchmark (ftc_peers) share: the clock,
 * the stop flag, the keys of the dict workloads and their lookup order, the text of the
 * wordcount workload, percentiles, and JSON output.
 *
 * Both programs are header-only users of this file, so that ftc_peers needs nothing of ftcore
 * but its atomics header. "Same keys" (issue 6) is meant literally: bench_key() builds the
 * 1,000 dict keys byte for byte the same in both programs, bench_order_index() gives every
 * reader thread the same sequence of key indices in both, and each reader thread starts at its
 * own offset in that sequence, so that the N threads of a run do not walk in lock step.
 *
 * How a run is timed: every worker waits at a start barrier, reads the monotonic clock, then
 * runs its operations in batches of BENCH_BATCH, checking the stop flag (a relaxed load) only
 * between batches, and reads the clock again when it sees the flag. The main thread sleeps for
 * the run's duration and sets the flag. A run's throughput is the sum of every worker's
 * operations divided by the span from the earliest start to the latest end, so time a worker
 * spends waiting for a GIL it never got counts against the run, as it should.
 */
#ifndef FTC_BENCH_COMMON_H
#define FTC_BENCH_COMMON_H

#include <ftcore/atomic.h>

#include <errno.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_BATCH 256
#define BENCH_NKEYS 1000
#define BENCH_ORDER_LEN 4096 /* power of two */
#define BENCH_MAX_THREADS 64

/* The command line both programs take: --list | <select> NAME --threads N --seconds S, with
 * select "--workload" (ftc_bench) or "--peer" (ftc_peers). 1: --list was asked for; 0: parsed
 * into *name (NULL if not given), *nthreads (default 1) and *seconds (default 1.0), which the
 * caller still validates; -1: an unknown or incomplete argument (print the usage). */
static inline int bench_parse_args(int argc, char **argv, const char *select, const char **name,
                                   int *nthreads, double *seconds)
{
    *name = NULL;
    *nthreads = 1;
    *seconds = 1.0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--list") == 0)
            return 1;
        else if (strcmp(argv[i], select) == 0 && i + 1 < argc)
            *name = argv[++i];
        else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
            *nthreads = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            *seconds = atof(argv[++i]);
        else
            return -1;
    }
    return 0;
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void bench_sleep(double seconds)
{
    struct timespec ts;
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts) == EINTR) {}
}

/* CPU time used by the whole process so far (every thread), in seconds. A run's CPU time over
 * its wall time says how many cores its threads actually got: on a machine shared with other
 * work this is how a report shows that its scaling figures could not reach the ideal. */
static inline double bench_cpu_seconds(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0)
        return 0.0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
}

/* splitmix64: the generator behind every "random" choice, so that runs are reproducible. */
static inline uint64_t bench_mix(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* FNV-1a, 64 bits: the peers' hash of a key's bytes (ftcore's str caches its own hash). */
static inline uint64_t bench_hash_bytes(const char *s, size_t n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

/* Key i of the dict workloads, written to buf (at least 24 bytes), NUL-terminated; returns its
 * length (8 to 16 bytes). A three-digit prefix makes the keys distinct; the random letters
 * after it give them the lengths and byte patterns of identifiers. */
static inline size_t bench_key(int i, char *buf)
{
    uint64_t st = UINT64_C(0x5eed0000) + (uint64_t)i;
    size_t len = 8 + (size_t)(bench_mix(&st) % 9);
    buf[0] = (char)('a' + i / 100 % 10);
    buf[1] = (char)('a' + i / 10 % 10);
    buf[2] = (char)('a' + i % 10);
    buf[3] = '_';
    for (size_t k = 4; k < len; k++)
        buf[k] = (char)('a' + bench_mix(&st) % 26);
    buf[len] = '\0';
    return len;
}

/* The shared lookup order: BENCH_ORDER_LEN key indices in [0, nkeys). */
static inline void bench_order_fill(int *order, int nkeys)
{
    uint64_t st = UINT64_C(0x0dde5);
    for (int i = 0; i < BENCH_ORDER_LEN; i++)
        order[i] = (int)(bench_mix(&st) % (uint64_t)nkeys);
}

/* Where thread t starts in the order, so that threads do not read in lock step. */
static inline unsigned bench_order_start(int t) { return (unsigned)t * 977u; }

/* The exact sum a reader thread t gets after `ops` lookups in the shared order when key i's
 * value is i + 1: any BENCH_ORDER_LEN consecutive positions of the order hold one full cycle. */
static inline int64_t bench_order_expect(const int *order, int t, uint64_t ops)
{
    int64_t cycle = 0;
    for (int i = 0; i < BENCH_ORDER_LEN; i++)
        cycle += order[i] + 1;
    int64_t expect = (int64_t)(ops / BENCH_ORDER_LEN) * cycle;
    unsigned p = bench_order_start(t);
    for (uint64_t k = 0; k < ops % BENCH_ORDER_LEN; k++, p++)
        expect += order[p & (BENCH_ORDER_LEN - 1)] + 1;
    return expect;
}

/* ---- the stop flag ---- */
typedef struct bench_stop {
    int flag; /* atomic */
} bench_stop;

static inline int bench_should_stop(bench_stop *s)
{
    /* Relaxed: a worker that sees the flag a batch late only runs a little longer, and its
     * own clock reading after it sees the flag is what counts. */
    return ftc_atomic_load_relaxed(&s->flag);
}

static inline void bench_stop_now(bench_stop *s)
{
    /* Relaxed: pairs with the relaxed load in bench_should_stop; the flag publishes nothing
     * else (results travel through thread join). */
    ftc_atomic_store_relaxed(&s->flag, 1);
}

/* ---- results ---- */
typedef struct bench_thread_result {
    uint64_t ops;
    double start, end;
    int error; /* 0, or the first negative code an operation or a tick returned */
} bench_thread_result;

typedef struct bench_totals {
    uint64_t ops;
    double seconds;
    int error;
} bench_totals;

static inline bench_totals bench_sum(const bench_thread_result *r, int n)
{
    bench_totals t = {0, 0.0, 0};
    double first = 0.0, last = 0.0;
    for (int i = 0; i < n; i++) {
        t.ops += r[i].ops;
        if (i == 0 || r[i].start < first)
            first = r[i].start;
        if (i == 0 || r[i].end > last)
            last = r[i].end;
        if (t.error == 0 && r[i].error != 0)
            t.error = r[i].error;
    }
    t.seconds = last > first ? last - first : 0.0;
    return t;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The q-quantile (0..1) of n samples, nearest rank; sorts the samples. 0 if n is 0. */
static inline double bench_quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    qsort(v, n, sizeof *v, bench_cmp_double);
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* Writes the common part of a result line; the caller adds its own fields and "}\n". */
static inline void bench_json_begin(FILE *out, const char *program, const char *workload,
                                    const char *build, int threads, double target_seconds,
                                    const bench_thread_result *r, int n)
{
    bench_totals t = bench_sum(r, n);
    double ops_per_s = t.seconds > 0 ? (double)t.ops / t.seconds : 0.0;
    fprintf(out,
            "{\"program\":\"%s\",\"workload\":\"%s\",\"build\":\"%s\",\"threads\":%d,"
            "\"target_seconds\":%.3f,\"ops\":%llu,\"seconds\":%.6f,\"ops_per_s\":%.1f,"
            "\"ns_per_op_per_thread\":%.3f,\"error\":%d,\"per_thread_ops\":[",
            program, workload, build, threads, target_seconds, (unsigned long long)t.ops, t.seconds,
            ops_per_s, ops_per_s > 0 ? 1e9 * threads / ops_per_s : 0.0, t.error);
    for (int i = 0; i < n; i++)
        fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)r[i].ops);
    fputc(']', out);
}

#endif /* FTC_BENCH_COMMON_H */
