/* An asynchronous exception sent to a thread ends its blocked wait, for every primitive:
 * Lock, RLock, Semaphore, Event, Condition (on a Lock and on an RLock), Barrier, Future.
 *
 * The waiter publishes its tstate; the sender (detached, so the waiter can run in the GIL
 * build) polls until the waiter's tstate shows it registered in a wait (white box:
 * ts->sync_wait), then sends the exception. So this interrupts a thread that is really
 * asleep (or about to park: the hook handles both), not one that finds the exception on
 * entry. Repeated many rounds to cover the window between registering and parking. */
#include <sched.h>
#include <time.h>

#include "check.h"
#include "internal/sync.h"

enum {
    KIND_LOCK,
    KIND_RLOCK,
    KIND_SEM,
    KIND_EVENT,
    KIND_COND,
    KIND_COND_LOCK,
    KIND_BARRIER,
    KIND_FUTURE,
    NKINDS
};

struct ctx {
    int kind;
    ftc_object *obj;       /* the primitive */
    ftc_object *cond_lock; /* KIND_COND_LOCK: the condition's plain lock */
    ftc_tstate *ts;        /* atomic: the waiter's tstate */
    uint64_t ident;        /* atomic */
    int code;              /* what the wait returned */
    int after_tick;        /* what the next tick returned (must be 0: consumed) */
    int extra;             /* per-kind post-condition */
    ftc_event gate;        /* racer: stay alive until the sender is done */
};

static void waiter(void *arg)
{
    struct ctx *c = arg;
    ftc_atomic_store(&c->ident, ftc_thread_ident());
    ftc_atomic_store(&c->ts, ftc_tstate_get());
    ftc_object *out = NULL;
    switch (c->kind) {
    case KIND_LOCK: c->code = ftc_lock_acquire(c->obj, -1); break;
    case KIND_RLOCK: c->code = ftc_rlock_acquire(c->obj, -1); break;
    case KIND_SEM: c->code = ftc_semaphore_acquire(c->obj, -1); break;
    case KIND_EVENT: c->code = ftc_sync_event_wait(c->obj, -1); break;
    case KIND_COND:
    case KIND_COND_LOCK:
        CHECK_EQ(ftc_condition_acquire(c->obj, -1), 0);
        c->code = ftc_condition_wait(c->obj, -1);
        c->extra = ftc_condition_release(c->obj); /* still held: 0 */
        break;
    case KIND_BARRIER:
        c->code = (int)ftc_barrier_wait(c->obj, -1);
        c->extra = ftc_barrier_broken(c->obj);
        break;
    case KIND_FUTURE:
        c->code = ftc_future_result(c->obj, -1, &out);
        c->extra = out == NULL;
        break;
    }
    c->after_tick = ftc_eval_tick();
}

static void wait_registered(struct ctx *c)
{
    FTC_BEGIN_ALLOW_THREADS
    ftc_tstate *ts;
    while ((ts = ftc_atomic_load(&c->ts)) == NULL)
        sched_yield();
    while (ftc_atomic_load(&ts->sync_wait) == 0)
        sched_yield();
    FTC_END_ALLOW_THREADS
}

static void one_round(int kind, int code)
{
    struct ctx c = {.kind = kind};
    switch (kind) {
    case KIND_LOCK:
        c.obj = ftc_lock_new();
        CHECK_EQ(ftc_lock_acquire(c.obj, -1), 0);
        break;
    case KIND_RLOCK:
        c.obj = ftc_rlock_new();
        CHECK_EQ(ftc_rlock_acquire(c.obj, -1), 0);
        break;
    case KIND_SEM: c.obj = ftc_semaphore_new(0); break;
    case KIND_EVENT: c.obj = ftc_sync_event_new(); break;
    case KIND_COND: c.obj = ftc_condition_new(NULL); break;
    case KIND_COND_LOCK:
        c.cond_lock = ftc_lock_new();
        c.obj = ftc_condition_new(c.cond_lock);
        break;
    case KIND_BARRIER: c.obj = ftc_barrier_new(2, NULL, NULL, -1); break;
    case KIND_FUTURE: c.obj = ftc_future_new(); break;
    }
    CHECK(c.obj != NULL);
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, waiter, &c, NULL), 0);
    wait_registered(&c);
    CHECK_EQ(ftc_thread_set_async_exc(ftc_atomic_load(&c.ident), code), 1);
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    CHECK_EQ(c.code, code);
    CHECK_EQ(c.after_tick, 0);
    switch (kind) {
    case KIND_LOCK:
        CHECK_EQ(ftc_lock_release(c.obj), 0);
        CHECK_EQ(ftc_lock_locked(c.obj), 0); /* the interrupted waiter took nothing */
        break;
    case KIND_RLOCK:
        CHECK_EQ(ftc_rlock_release(c.obj), 0);
        CHECK_EQ(ftc_rlock_is_owned(c.obj), 0);
        break;
    case KIND_SEM: CHECK_EQ(ftc_semaphore_value(c.obj), 0); break;
    case KIND_COND:
    case KIND_COND_LOCK: CHECK_EQ(c.extra, 0); break;
    case KIND_BARRIER:
        CHECK_EQ(c.extra, 1); /* broken by the interruption */
        break;
    case KIND_FUTURE:
        CHECK_EQ(c.extra, 1);
        CHECK_EQ(ftc_future_state(c.obj), FTC_FUTURE_PENDING);
        break;
    }
    ftc_decref(c.obj);
    if (c.cond_lock)
        ftc_decref(c.cond_lock);
}

FTC_TEST(async_exception_ends_every_kind_of_wait)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(60);
    for (long r = 0; r < rounds; r++)
        for (int k = 0; k < NKINDS; k++)
            one_round(k, FTC_EUSER - 1 - k);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* The exception and a wake-up race: whichever wins, the waiter returns a consistent result
 * (acquired, and the exception still pending; or interrupted, and nothing acquired). */
static void racer(void *arg)
{
    struct ctx *c = arg;
    ftc_atomic_store(&c->ident, ftc_thread_ident());
    ftc_atomic_store(&c->ts, ftc_tstate_get());
    c->code = ftc_semaphore_acquire(c->obj, -1);
    CHECK(ftc_event_wait(&c->gate, -1)); /* the lock layer's event: not interruptible */
    c->after_tick = ftc_eval_tick();
}

FTC_TEST(async_exception_racing_a_release)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(400);
    int interrupted = 0, acquired = 0;
    for (long r = 0; r < rounds; r++) {
        struct ctx c = {.obj = ftc_semaphore_new(0)};
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, racer, &c, NULL), 0);
        wait_registered(&c);
        const int code = FTC_EUSER - 42;
        if (r & 1) {
            CHECK_EQ(ftc_semaphore_release(c.obj, 1), 0);
            CHECK_EQ(ftc_thread_set_async_exc(ftc_atomic_load(&c.ident), code), 1);
        } else {
            CHECK_EQ(ftc_thread_set_async_exc(ftc_atomic_load(&c.ident), code), 1);
            CHECK_EQ(ftc_semaphore_release(c.obj, 1), 0);
        }
        ftc_event_set(&c.gate);
        CHECK_EQ(ftc_thread_join(t, -1), 0);
        ftc_thread_release(t);
        if (c.code == 0) {
            acquired++;
            CHECK_EQ(c.after_tick, code); /* still pending after the acquire */
            CHECK_EQ(ftc_semaphore_value(c.obj), 0);
        } else {
            interrupted++;
            CHECK_EQ(c.code, code);
            CHECK_EQ(c.after_tick, 0);
            CHECK_EQ(ftc_semaphore_value(c.obj), 1); /* the unit was not lost */
        }
        ftc_decref(c.obj);
    }
    CHECK_EQ(interrupted + acquired, rounds);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Exceptions fired continually at threads contending on a Lock and a Semaphore: each acquire
 * either succeeds (and the critical section is exclusive / within the semaphore's value) or
 * returns the exception's code having taken nothing; no wake-up or unit is lost to a skipped
 * interrupted waiter (the counts are exact and everything is free at the end). */
enum { NCONTEND = 5, SEM_VALUE = 2 };
static ftc_object *c_lock, *c_sem;
static uint64_t c_idents[NCONTEND]; /* atomic */
static long c_counter;              /* under c_lock */
static long c_ok[NCONTEND], c_intr[NCONTEND];
static int c_inside; /* atomic */
static int c_stop;   /* atomic */
static long c_iters;
static ftc_object *c_go;
#define FIRE_CODE (FTC_EUSER - 77)

/* Holds the caller's lock or unit a little while detached: creates waiters (not a sync). */
static void linger(long i)
{
    if (i % 4 != 0)
        return;
    FTC_BEGIN_ALLOW_THREADS
    struct timespec d = {0, 20000};
    nanosleep(&d, NULL);
    FTC_END_ALLOW_THREADS
}

static void contender(void *arg)
{
    int me = (int)(intptr_t)arg;
    ftc_atomic_store(&c_idents[me], ftc_thread_ident());
    int rc0;
    while ((rc0 = ftc_sync_event_wait(c_go, -1)) != 0)
        CHECK_EQ(rc0, FIRE_CODE); /* the firer may already aim at us */
    for (long i = 0; i < c_iters; i++) {
        int rc = ftc_lock_acquire(c_lock, -1);
        if (rc == 0) {
            long v = c_counter;
            linger(i);
            rc = ftc_eval_tick(); /* inside: lets others queue up (GIL switch, or time) */
            CHECK(rc == 0 || rc == FIRE_CODE);
            c_counter = v + 1;
            c_ok[me]++;
            CHECK_EQ(ftc_lock_release(c_lock), 0);
        } else {
            CHECK_EQ(rc, FIRE_CODE);
            c_intr[me]++;
        }
        rc = ftc_semaphore_acquire(c_sem, -1);
        if (rc == 0) {
            CHECK(ftc_atomic_fetch_add(&c_inside, 1) < SEM_VALUE);
            linger(i + 1);
            rc = ftc_eval_tick();
            CHECK(rc == 0 || rc == FIRE_CODE);
            ftc_atomic_fetch_sub(&c_inside, 1);
            CHECK_EQ(ftc_semaphore_release(c_sem, 1), 0);
        } else {
            CHECK_EQ(rc, FIRE_CODE);
        }
        rc = ftc_eval_tick(); /* an exception that arrived outside a wait */
        CHECK(rc == 0 || rc == FIRE_CODE);
    }
}

static void firer(void *arg)
{
    uint64_t seed = 12345;
    (void)arg;
    while (!ftc_atomic_load(&c_stop)) {
        uint64_t id = ftc_atomic_load(&c_idents[ftc_check_rand(&seed) % NCONTEND]);
        if (id != 0)
            CHECK(ftc_thread_set_async_exc(id, FIRE_CODE) >= 0);
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

FTC_TEST(exceptions_fired_at_contending_threads)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    c_lock = ftc_lock_new();
    c_sem = ftc_semaphore_new(SEM_VALUE);
    c_go = ftc_sync_event_new();
    c_iters = ftc_check_scaled(600);
    c_counter = 0;
    c_stop = 0;
    ftc_thread *f, *t[NCONTEND];
    CHECK_EQ(ftc_thread_start(&f, firer, NULL, NULL), 0);
    for (int i = 0; i < NCONTEND; i++)
        CHECK_EQ(ftc_thread_start(&t[i], contender, (void *)(intptr_t)i, NULL), 0);
    CHECK_EQ(ftc_sync_event_set(c_go), 0);
    long ok = 0;
    for (int i = 0; i < NCONTEND; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
        ok += c_ok[i];
        CHECK_EQ(c_ok[i] + c_intr[i], c_iters);
    }
    ftc_atomic_store(&c_stop, 1);
    CHECK_EQ(ftc_thread_join(f, -1), 0);
    ftc_thread_release(f);
    CHECK_EQ(c_counter, ok);
    if (getenv("FTC_VERBOSE"))
        printf("lock acquires: %ld ok, %ld interrupted\n", ok, NCONTEND * c_iters - ok);
    CHECK_EQ(ftc_lock_locked(c_lock), 0);
    CHECK_EQ(ftc_atomic_load(&((_ftc_lock_obj *)c_lock)->core.word), 0u);
    CHECK_EQ(ftc_semaphore_value(c_sem), SEM_VALUE);
    ftc_decref(c_lock);
    ftc_decref(c_sem);
    ftc_decref(c_go);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_runtime_fini(), 0);
}
