/* Stress and white-box checks of the inline fast paths of critical sections
 * (include/ftcore/critical_section.h): begin on a free mutex and end of an active one-mutex
 * section with an active section (or none) beneath are done inline; everything else falls back
 * to src/critical_section.c. These tests drive every way out of the fast paths and check the
 * stack and the locks after each:
 *   - the thread-local stack link follows attach and detach, also across two thread states of
 *     one thread in two interpreters (each has its own stack);
 *   - an end whose enclosing section was suspended by a detach resumes it (slow path);
 *   - re-entry of a held mutex (slow path, no-op), a section begun while the mutex is
 *     contended, and an end that finds threads parked on the mutex (slow path unlock);
 *   - many threads on a few objects, with nesting and detaching waits inside: exact counts.
 * In the GIL build the sections are empty blocks; the counting test then runs under the GIL. */
#include <sched.h>

#include "check.h"
#include "internal/core.h"

enum { NTHREADS = 6, NOBJS = 3 };

/* Never set: waiting on it detaches for a while, unless the timeout passes before the wait
 * parks (a slow thread), so no check below relies on that detach happening. */
static ftc_event never = FTC_EVENT_INIT;

static void detaching_wait(void) { CHECK(!ftc_event_wait(&never, 0.00002)); }

#ifdef FTC_GIL_DISABLED
static uintptr_t stack_of(ftc_tstate *ts) { return ts->critical_section; }

FTC_TEST(link_follows_attach_and_detach)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *ts = ftc_tstate_get();
    CHECK(ts != NULL);
    CHECK(_ftc_cs_top_link == &ts->critical_section);
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT, c = FTC_MUTEX_INIT;
    uintptr_t outer, main_top;

    /* Uncontended: fast begin and fast end, nested. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    CHECK(ftc_mutex_is_locked(&a));
    outer = stack_of(ts);
    CHECK(outer != 0 && (outer & FTC_CS_MASK) == 0);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&b);
    CHECK(ftc_mutex_is_locked(&b));
    CHECK(stack_of(ts) != outer);
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&b));
    CHECK_EQ(stack_of(ts), outer);
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&a));
    CHECK_EQ(stack_of(ts), 0);

    /* Re-entry: the inner begin fails its CAS and becomes a no-op; its end is slow and does
     * nothing; the outer end is fast. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    outer = stack_of(ts);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    CHECK_EQ(stack_of(ts), outer);
    FTC_END_CRITICAL_SECTION();
    CHECK(ftc_mutex_is_locked(&a));
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&a));

    /* Detached: no link, the section's lock released; re-attached: link back, lock re-taken. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    FTC_BEGIN_ALLOW_THREADS
    CHECK(_ftc_cs_top_link == NULL);
    CHECK(!ftc_mutex_is_locked(&a));
    FTC_END_ALLOW_THREADS
    CHECK(_ftc_cs_top_link == &ts->critical_section);
    CHECK(ftc_mutex_is_locked(&a));
    FTC_END_CRITICAL_SECTION(); /* the top is active and nothing beneath: fast */
    CHECK(!ftc_mutex_is_locked(&a));
    CHECK_EQ(stack_of(ts), 0);

    /* A detach inside a nested section suspends both; attach resumes only the top; the inner
     * end sees the outer one suspended and must take the slow path, which resumes it. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&b);
    /* An explicit detach: a timed wait may time out before it parks (and so never detach) when
     * the thread is slow, as under TSan; this block must see the detach happen. */
    FTC_BEGIN_ALLOW_THREADS
    CHECK(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&b));
    FTC_END_ALLOW_THREADS
    CHECK(ftc_mutex_is_locked(&b));
    CHECK(!ftc_mutex_is_locked(&a));
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&b));
    CHECK(ftc_mutex_is_locked(&a));
    CHECK((stack_of(ts) & FTC_CS_INACTIVE) == 0);
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&a));
    CHECK_EQ(stack_of(ts), 0);

    /* A two-mutex section beneath a one-mutex section: the inner end is fast (the enclosing
     * section is active), the outer end is the out-of-line two-mutex end. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX2(&a, &b);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&c);
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&c));
    CHECK(ftc_mutex_is_locked(&a) && ftc_mutex_is_locked(&b));
    CHECK(stack_of(ts) & FTC_CS_TWO);
    FTC_END_CRITICAL_SECTION2();
    CHECK(!ftc_mutex_is_locked(&a) && !ftc_mutex_is_locked(&b));
    CHECK_EQ(stack_of(ts), 0);

    /* Two tstates of this thread in two interpreters: each has its own stack, and the link
     * follows whichever is attached. The main tstate's section survives the switch. */
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&a);
    main_top = stack_of(ts);
    ftc_tstate *prev = NULL;
    ftc_interp *sub = ftc_interp_new(&prev);
    CHECK(sub != NULL);
    CHECK(prev == ts);
    ftc_tstate *ts2 = ftc_tstate_get();
    CHECK(ts2 != NULL && ts2 != ts);
    CHECK(_ftc_cs_top_link == &ts2->critical_section);
    CHECK(!ftc_mutex_is_locked(&a)); /* suspended with the main tstate */
    CHECK_EQ(stack_of(ts2), 0);
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&b);
    CHECK(stack_of(ts2) != 0);
    CHECK_EQ(stack_of(ts) & ~FTC_CS_MASK, main_top);
    FTC_END_CRITICAL_SECTION();
    CHECK_EQ(stack_of(ts2), 0);
    CHECK_EQ(ftc_interp_destroy(sub), 0);
    CHECK(_ftc_cs_top_link == NULL);
    ftc_attach(ts);
    CHECK(_ftc_cs_top_link == &ts->critical_section);
    CHECK(ftc_mutex_is_locked(&a)); /* resumed by attach */
    FTC_END_CRITICAL_SECTION();
    CHECK(!ftc_mutex_is_locked(&a));
    CHECK_EQ(stack_of(ts), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* One thread holds m in a section while others park on it; then its end must find HAS_PARKED
 * (the fast release CAS fails) and wake them through the slow path. Every waiter's section
 * then begins on a contended mutex (slow begin). Repeated, with exact counts. */
static ftc_mutex parked_mutex = FTC_MUTEX_INIT;
static long parked_count;
static int parked_go; /* atomic */

static void parked_waiter(void *arg)
{
    (void)arg;
    while (!ftc_atomic_load_acquire(&parked_go))
        detaching_wait();
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&parked_mutex);
    parked_count++;
    FTC_END_CRITICAL_SECTION();
}

FTC_TEST(end_with_parked_waiters)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(40);
    for (long r = 0; r < rounds; r++) {
        ftc_atomic_store_release(&parked_go, 0);
        ftc_thread *th[3];
        FTC_BEGIN_CRITICAL_SECTION_MUTEX(&parked_mutex);
        for (int i = 0; i < 3; i++)
            CHECK_EQ(ftc_thread_start(&th[i], parked_waiter, NULL, NULL), 0);
        ftc_atomic_store_release(&parked_go, 1);
        /* Keep holding m (without detaching: a detach would release it) until a waiter has
         * parked on it: a waiter cannot get m while we hold it, so after its few yields it
         * must park (no cap: the watchdog ends the test if none ever does). */
        while (!(ftc_atomic_load_relaxed(&parked_mutex.bits) & FTC_MUTEX_HAS_PARKED))
            sched_yield();
        FTC_END_CRITICAL_SECTION(); /* finds HAS_PARKED: the slow end */
        for (int i = 0; i < 3; i++) {
            CHECK_EQ(ftc_thread_join(th[i], -1), 0);
            ftc_thread_release(th[i]);
        }
        CHECK_EQ(parked_count, 3 * (r + 1));
        CHECK(!ftc_mutex_is_locked(&parked_mutex));
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
#endif

/* Many threads, a few objects, sections nested in both orders, detaching waits inside. */
typedef struct {
    FTC_OBJECT_HEAD;
    long count;
} counted;

static const ftc_type counted_type = {.name = "counted", .basicsize = sizeof(counted)};
static counted *objs[NOBJS];
static long added[NTHREADS][NOBJS];
static long iters;

static void bump(int self, int k, uint64_t *seed)
{
    long v = objs[k]->count;
    if (ftc_check_rand(seed) % 16 == 0)
        sched_yield(); /* widen the window for a lost update */
    objs[k]->count = v + 1;
    added[self][k]++;
#ifdef FTC_GIL_DISABLED
    CHECK(ftc_mutex_is_locked(&objs[k]->ob_base.ob_mutex));
#endif
}

static void counting_worker(void *arg)
{
    int self = (int)(intptr_t)arg;
    uint64_t seed = (uint64_t)self * 0x9E3779B97F4A7C15ull + 11;
    for (long i = 0; i < iters; i++) {
        uint64_t r = ftc_check_rand(&seed);
        int a = (int)(r % NOBJS), b = (int)((r >> 8) % NOBJS);
        FTC_BEGIN_CRITICAL_SECTION(objs[a]);
        bump(self, a, &seed);
        if ((r >> 16) % 4 == 0) {
            FTC_BEGIN_CRITICAL_SECTION(objs[b]); /* b == a: a no-op re-entry */
            bump(self, b, &seed);
            if ((r >> 20) % 8 == 0)
                detaching_wait(); /* suspends both; the inner end resumes the outer */
            FTC_END_CRITICAL_SECTION();
            bump(self, a, &seed); /* the outer section holds its lock again */
        } else if ((r >> 20) % 16 == 0) {
            detaching_wait();
            bump(self, a, &seed);
        }
        FTC_END_CRITICAL_SECTION();
        CHECK(ftc_eval_tick() == 0);
    }
}

FTC_TEST(counting_under_contention)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    iters = ftc_check_scaled(20000);
    for (int k = 0; k < NOBJS; k++) {
        objs[k] = (counted *)ftc_object_new(&counted_type);
        CHECK(objs[k] != NULL);
    }
    ftc_thread *th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++)
        CHECK_EQ(ftc_thread_start(&th[i], counting_worker, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < NTHREADS; i++) {
        CHECK_EQ(ftc_thread_join(th[i], -1), 0);
        ftc_thread_release(th[i]);
    }
    for (int k = 0; k < NOBJS; k++) {
        long expect = 0;
        for (int i = 0; i < NTHREADS; i++)
            expect += added[i][k];
        CHECK(expect > 0);
        CHECK_EQ(objs[k]->count, expect);
#ifdef FTC_GIL_DISABLED
        CHECK(!ftc_mutex_is_locked(&objs[k]->ob_base.ob_mutex));
#endif
        ftc_decref((ftc_object *)objs[k]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
