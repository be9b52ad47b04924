/* Pending calls added from many threads (runtime threads and foreign threads without a
 * tstate) all run exactly once, on the main thread, at its ticks; a full queue answers
 * FTC_EAGAIN and the adder retries. Async exceptions sent to spinning threads end their loops
 * with exactly the code sent. Both builds. */
#include "check.h"
#include "internal/state.h"

#define ADDERS 3

static long executed;    /* main thread only */
static long added;       /* atomic */
static long eagain_seen; /* atomic */
static int adders_done;  /* atomic */
static pthread_t main_thread;
static long wrong_thread; /* main thread only */

static int pending_fn(void *arg)
{
    (void)arg;
    if (!pthread_equal(pthread_self(), main_thread))
        wrong_thread++;
    executed++;
    return 0;
}

static void add_many(long n)
{
    for (long i = 0; i < n; i++) {
        int rc;
        while ((rc = ftc_pending_call_add(NULL, pending_fn, NULL)) == FTC_EAGAIN) {
            ftc_atomic_fetch_add(&eagain_seen, 1);
            /* back off (a retry delay, not a synchronization) */
            struct timespec d = {0, 20000};
            nanosleep(&d, NULL);
        }
        if (rc != 0)
            abort();
        ftc_atomic_fetch_add(&added, 1);
    }
}

static void runtime_adder(void *arg)
{
    long n = (long)(intptr_t)arg;
    /* detached while adding: the main thread must be able to run the calls meanwhile */
    FTC_BEGIN_ALLOW_THREADS
    add_many(n);
    FTC_END_ALLOW_THREADS
    ftc_atomic_fetch_add(&adders_done, 1);
}

static void *foreign_adder(void *arg)
{
    add_many((long)(intptr_t)arg);
    ftc_atomic_fetch_add(&adders_done, 1);
    return NULL;
}

FTC_TEST(pending_calls_run_once_each_on_the_main_thread)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.pending_calls_max = 4; /* small: the adders meet a full queue */
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    main_thread = pthread_self();
    executed = added = eagain_seen = adders_done = wrong_thread = 0;
    long per = ftc_check_scaled(5000);
    ftc_thread *t[ADDERS];
    for (int i = 0; i < ADDERS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], runtime_adder, (void *)(intptr_t)per, NULL), 0);
    pthread_t f;
    pthread_create(&f, NULL, foreign_adder, (void *)(intptr_t)per);
    while (ftc_atomic_load(&adders_done) < ADDERS + 1) {
        CHECK_EQ(ftc_eval_tick(), 0);
        if (executed % 64 == 0) {
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
    }
    CHECK_EQ(ftc_eval_tick(), 0);
    for (int i = 0; i < ADDERS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    pthread_join(f, NULL);
    CHECK_EQ(ftc_eval_tick(), 0);
    CHECK_EQ(ftc_atomic_load(&added), (ADDERS + 1) * per);
    CHECK_EQ(executed, (ADDERS + 1) * per);
    CHECK_EQ(wrong_thread, 0);
    CHECK(ftc_atomic_load(&eagain_seen) > 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

#define SPINNERS 4

static uint64_t idents[SPINNERS]; /* atomic */
static int results[SPINNERS];     /* atomic */

static void spin_until_async(void *arg)
{
    intptr_t i = (intptr_t)arg;
    ftc_atomic_store_release(&idents[i], ftc_thread_ident());
    int rc;
    long n = 0;
    while ((rc = ftc_eval_tick()) == 0) {
        if (++n % 256 == 0) {
            FTC_BEGIN_ALLOW_THREADS
            FTC_END_ALLOW_THREADS
        }
    }
    ftc_atomic_store(&results[i], rc);
}

FTC_TEST(async_exceptions_reach_their_targets)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    for (int round = 0; round < (int)ftc_check_scaled(20); round++) {
        ftc_thread *t[SPINNERS];
        for (intptr_t i = 0; i < SPINNERS; i++) {
            idents[i] = 0;
            results[i] = 0;
            CHECK_EQ(ftc_thread_start(&t[i], spin_until_async, (void *)i, NULL), 0);
        }
        for (int i = 0; i < SPINNERS; i++) {
            FTC_BEGIN_ALLOW_THREADS
            while (!ftc_atomic_load_acquire(&idents[i]))
                sched_yield();
            FTC_END_ALLOW_THREADS
            CHECK_EQ(ftc_thread_set_async_exc(idents[i], FTC_EUSER - 10 - i), 1);
        }
        for (int i = 0; i < SPINNERS; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            CHECK_EQ(ftc_atomic_load(&results[i]), FTC_EUSER - 10 - i);
            ftc_thread_release(t[i]);
        }
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
