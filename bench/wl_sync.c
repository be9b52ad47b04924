/* Workloads of waiting: io_latency and lock_pingpong.
 *
 * io_latency     the convoy effect of bpo-7946. Thread 0 repeatedly sleeps 1 ms detached (as a
 *                VM thread blocked in I/O would, inside FTC_BEGIN/END_ALLOW_THREADS) and
 *                measures how late it is back in, attached: (time attached again) - (time it
 *                went to sleep) - 1 ms. The other N-1 threads compute meanwhile (create and drop
 *                ints, ticking after each). In the GIL build the sleeper must wait for the GIL:
 *                a holder that computes gives it up only after a drop request, one switch
 *                interval after the sleeper asked, so the lateness is about the switch
 *                interval; in the nogil build attaching takes no GIL and the lateness is the
 *                operating system's wake-up latency. With N = 1 nobody computes: the lateness
 *                of sleeping alone. Reported as p50, p99 and max lateness in microseconds.
 * lock_pingpong  N threads hand a turn round a ring with one Condition: thread t waits until
 *                turn % N == t, advances the turn, and notifies all. With two threads it is a
 *                ping-pong; with one, the cost of an uncontended wait-free pass through the
 *                Condition. Serial by design: no scaling target.
 */
#include "ftc_bench.h"

#include <math.h>

typedef struct io_state {
    double *late; /* seconds late, one per sleep */
    size_t cap, n;
    uint64_t compute_ops;
} io_state;

static int io_setup(bench_run *r)
{
    io_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    st->cap = (size_t)(r->seconds * 2000.0) + 1024;
    st->late = malloc(st->cap * sizeof *st->late);
    r->state = st;
    return st->late ? 0 : -1;
}

static void io_body(bench_run *r, int t, bench_thread_result *res)
{
    io_state *st = r->state;
    if (t != 0) {
        BENCH_LOOP(r, res, bench_churn_int(res, bench_i));
        return;
    }
    /* The sleeper checks the stop flag after every sleep, not every batch. */
    uint64_t n = 0;
    while (!bench_should_stop(&r->stop)) {
        double t0 = bench_now();
        FTC_BEGIN_ALLOW_THREADS
        bench_sleep(0.001);
        FTC_END_ALLOW_THREADS
        double late = bench_now() - t0 - 0.001;
        if (st->n < st->cap)
            st->late[st->n++] = late;
        n++;
        bench_note_error(res, ftc_eval_tick());
    }
    res->ops = n;
}

static int io_finish(bench_run *r, FILE *out)
{
    io_state *st = r->state;
    uint64_t compute = 0;
    for (int t = 1; t < r->nthreads; t++)
        compute += r->res[t].ops;
    double maxl = 0.0;
    for (size_t i = 0; i < st->n; i++)
        maxl = fmax(maxl, st->late[i]);
    double p50 = bench_quantile(st->late, st->n, 0.50);
    double p99 = bench_quantile(st->late, st->n, 0.99);
    fprintf(out,
            ",\"sleeps\":%zu,\"compute_ops\":%llu,\"late_p50_us\":%.1f,\"late_p99_us\":%.1f,"
            "\"late_max_us\":%.1f",
            st->n, (unsigned long long)compute, p50 * 1e6, p99 * 1e6, maxl * 1e6);
    int ok = st->n > 0;
    free(st->late);
    free(st);
    return ok ? 0 : -1;
}

const bench_workload wl_io_latency = {
    "io_latency",  "one thread sleeps 1 ms detached, the others compute; lateness p50/p99",
    BENCH_LATENCY, io_setup,
    NULL,          io_body,
    NULL,          io_finish};

/* turn and done are guarded by the condition's lock. A thread that leaves its loop sets done
 * and notifies, so that a thread waiting for a turn that will never come leaves too. */
typedef struct pp_state {
    ftc_object *cond;
    uint64_t turn;
    int done;
} pp_state;

static int pp_setup(bench_run *r)
{
    pp_state *st = calloc(1, sizeof *st);
    if (st == NULL)
        return -1;
    r->state = st;
    ftc_object *lock = ftc_lock_new();
    if (lock == NULL)
        return -1;
    st->cond = ftc_condition_new(lock);
    ftc_decref(lock);
    return st->cond ? 0 : -1;
}

static void pp_body(bench_run *r, int t, bench_thread_result *res)
{
    pp_state *st = r->state;
    ftc_object *cond = st->cond;
    uint64_t n = (uint64_t)r->nthreads, mine = 0;
    int rc;
    /* One operation is one turn; the stop flag is checked every turn, not every batch, since
     * every thread must leave at about the same turn. */
    while (!bench_should_stop(&r->stop)) {
        if ((rc = ftc_condition_acquire(cond, -1)) != 0) {
            bench_note_error(res, rc);
            break;
        }
        int leave = 0;
        while (st->turn % n != (uint64_t)t && !st->done) {
            /* The wait holds the lock again when it returns, whatever it returns. */
            if ((rc = ftc_condition_wait(cond, -1)) != 0) {
                bench_note_error(res, rc);
                leave = 1;
                break;
            }
        }
        leave |= st->done;
        if (!leave) {
            st->turn++;
            mine++;
            if ((rc = ftc_condition_notify_all(cond)) != 0)
                bench_note_error(res, rc);
        }
        if ((rc = ftc_condition_release(cond)) != 0)
            bench_note_error(res, rc);
        if (leave)
            break;
        bench_note_error(res, ftc_eval_tick());
    }
    res->ops = mine;
    if ((rc = ftc_condition_acquire(cond, -1)) == 0) {
        st->done = 1;
        ftc_condition_notify_all(cond);
        ftc_condition_release(cond);
    } else {
        bench_note_error(res, rc);
    }
}

/* The ring is strict: every thread's count of turns is within one of every other's, and the
 * counts add up to the turn counter. */
static int pp_finish(bench_run *r, FILE *out)
{
    pp_state *st = r->state;
    uint64_t sum = 0, lo = UINT64_MAX, hi = 0;
    for (int t = 0; t < r->nthreads; t++) {
        uint64_t k = r->res[t].ops;
        sum += k;
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    int ok = sum == st->turn && hi - lo <= 1;
    fprintf(out, ",\"turns\":%llu,\"ring_strict\":%s", (unsigned long long)st->turn,
            ok ? "true" : "false");
    ftc_decref(st->cond);
    free(st);
    return ok ? 0 : -1;
}

const bench_workload wl_lock_pingpong = {"lock_pingpong",
                                         "threads hand a turn round a ring with one Condition",
                                         BENCH_SERIAL,
                                         pp_setup,
                                         NULL,
                                         pp_body,
                                         NULL,
                                         pp_finish};
