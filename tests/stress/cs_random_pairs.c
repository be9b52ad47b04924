/* Stress: runtime threads take random pairs of locks in random order through critical sections
 * — two-mutex sections, nested one-mutex sections in either order, re-entry of a held mutex,
 * deeper nesting — with blocking waits (which detach, and so suspend every section) inside and
 * between them. Every counter is updated only under the lock of the *top* section (the only one
 * guaranteed held), as a read, a yield, and a write, so a lost update shows as an inexact total.
 * It must always finish: a deadlock fails the run through the harness's watchdog.
 * In the GIL build the sections are empty blocks and the GIL protects the counters (the threads
 * tick, so the GIL moves between them). */
#include <sched.h>
#include <time.h>

#include "check.h"
#include "internal/core.h"

enum { NTHREADS = 6, NLOCKS = 5 };

static ftc_mutex locks[NLOCKS];
static long counters[NLOCKS];
static long added[NTHREADS][NLOCKS];
static long iters;
static ftc_event never = FTC_EVENT_INIT; /* never set: waiting on it is a detaching sleep */

struct worker {
    int id;
    uint64_t seed;
};

/* Called with locks[k] held by the top section. */
static void bump(struct worker *w, int k)
{
    long v = counters[k];
    if (ftc_check_rand(&w->seed) % 8 == 0)
        sched_yield(); /* widen the window for a lost update */
    counters[k] = v + 1;
    added[w->id][k]++;
#ifdef FTC_GIL_DISABLED
    CHECK(ftc_mutex_is_locked(&locks[k]));
#endif
}

/* A blocking wait: detaches (suspending every section), sleeps ~50 us, re-attaches (resuming
 * the top section). */
static void blocking_wait(void) { CHECK(!ftc_event_wait(&never, 0.00005)); }

static void worker_main(int idx, void *ctx)
{
    struct worker *w = (struct worker *)ctx + idx;
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&w->seed);
        int a = (int)(r % NLOCKS), b = (int)((r >> 8) % NLOCKS), c = (int)((r >> 16) % NLOCKS);
        switch ((r >> 24) % 5) {
        case 0: /* two-mutex section, arguments in random order (a == b allowed) */
            FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&locks[a], &locks[b]);
            bump(w, a);
            if (r & (1u << 30))
                blocking_wait();
            if (b != a)
                bump(w, b);
            FTC_END_CRITICAL_SECTION2();
            break;
        case 1: /* nested, random order, blocking waits in both levels */
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[a]);
            bump(w, a);
            if (r & (1u << 30))
                blocking_wait();
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[b]);
            bump(w, b);
            if (r & (1u << 31))
                blocking_wait();
            bump(w, b);
            FTC_END_CRITICAL_SECTION();
            bump(w, a); /* the outer section was resumed when the inner one ended */
            FTC_END_CRITICAL_SECTION();
            break;
        case 2: /* re-entry: the inner section on the same mutex is a no-op */
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[a]);
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[a]);
            bump(w, a);
            if (r & (1u << 30))
                blocking_wait();
            bump(w, a);
            FTC_END_CRITICAL_SECTION();
            bump(w, a);
            FTC_END_CRITICAL_SECTION();
            break;
        case 3: /* three deep, with a pair at the top */
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[c]);
            FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&locks[b], &locks[a]);
            FTC_BEGIN_CRITICAL_SECTION_MUTEX(&locks[c]);
            bump(w, c);
            FTC_END_CRITICAL_SECTION();
            bump(w, a);
            if (r & (1u << 30))
                blocking_wait();
            if (b != a)
                bump(w, b);
            FTC_END_CRITICAL_SECTION2();
            bump(w, c);
            FTC_END_CRITICAL_SECTION();
            break;
        default: /* a wait outside any section, and a tick */ blocking_wait(); break;
        }
        CHECK(ftc_eval_tick() == 0);
    }
}

FTC_TEST(random_pairs_nested_with_blocking)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    iters = ftc_check_scaled(6000);
    static struct worker ws[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        ws[i] = (struct worker){.id = i, .seed = (uint64_t)i * 0x9E3779B97F4A7C15ull + 1};
    ftc_check_run_threads(NTHREADS, worker_main, ws, NULL);
    for (int k = 0; k < NLOCKS; k++) {
        long expect = 0;
        for (int i = 0; i < NTHREADS; i++)
            expect += added[i][k];
        CHECK_EQ(counters[k], expect);
        CHECK(!ftc_mutex_is_locked(&locks[k]));
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* The object forms: the same exercise on objects' own mutexes, with the counter inside the
 * object. */
typedef struct {
    FTC_OBJECT_HEAD;
    long count;
} counted;

static const ftc_type counted_type = {.name = "counted", .basicsize = sizeof(counted)};
static counted *objs[NLOCKS];
static long obj_added[NTHREADS][NLOCKS];

static void obj_bump(struct worker *w, int k)
{
    long v = objs[k]->count;
    if (ftc_check_rand(&w->seed) % 8 == 0)
        sched_yield();
    objs[k]->count = v + 1;
    obj_added[w->id][k]++;
#ifdef FTC_GIL_DISABLED
    CHECK(ftc_mutex_is_locked(&objs[k]->ob_base.ob_mutex));
#endif
}

static void obj_worker_main(int idx, void *ctx)
{
    struct worker *w = (struct worker *)ctx + idx;
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&w->seed);
        int a = (int)(r % NLOCKS), b = (int)((r >> 8) % NLOCKS);
        if (r & (1u << 20)) {
            FTC_BEGIN_CRITICAL_SECTION2(objs[a], objs[b]);
            obj_bump(w, a);
            if (r & (1u << 30))
                blocking_wait();
            if (b != a)
                obj_bump(w, b);
            FTC_END_CRITICAL_SECTION2();
        } else {
            FTC_BEGIN_CRITICAL_SECTION(objs[a]);
            obj_bump(w, a);
            FTC_BEGIN_CRITICAL_SECTION(objs[b]);
            if (r & (1u << 30))
                blocking_wait();
            obj_bump(w, b);
            FTC_END_CRITICAL_SECTION();
            obj_bump(w, a);
            FTC_END_CRITICAL_SECTION();
        }
        CHECK(ftc_eval_tick() == 0);
    }
}

FTC_TEST(object_sections)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    iters = ftc_check_scaled(3000);
    for (int k = 0; k < NLOCKS; k++) {
        objs[k] = (counted *)ftc_object_new(&counted_type);
        CHECK(objs[k] != NULL);
    }
    static struct worker ws[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        ws[i] = (struct worker){.id = i, .seed = (uint64_t)i * 31337 + 7};
    ftc_check_run_threads(NTHREADS, obj_worker_main, ws, NULL);
    for (int k = 0; k < NLOCKS; k++) {
        long expect = 0;
        for (int i = 0; i < NTHREADS; i++)
            expect += obj_added[i][k];
        CHECK_EQ(objs[k]->count, expect);
        ftc_decref((ftc_object *)objs[k]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
