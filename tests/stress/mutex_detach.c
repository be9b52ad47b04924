/* Blocking lock calls detach the caller while parked (FTC_LOCK_DETACH, the default), and keep
 * it attached with FTC_LOCK_NODETACH.
 *
 * The owner of the mutex is a runtime thread that needs to attach (in the GIL build: to take
 * the GIL) before it can unlock. If the main thread parked on the mutex while attached, the
 * owner could never come back: with FTC_LOCK_NODETACH in the GIL build the timed lock must time
 * out; with detaching locks it always completes. In the nogil build we also observe the parked
 * thread's state (DETACHED while parked, ATTACHED with NODETACH). */
#include <time.h>

#include "check.h"
#include "internal/parking_lot.h"

static ftc_mutex m = FTC_MUTEX_INIT;
static ftc_event locked, go_unlock, unlocked;
static ftc_tstate *main_ts;
static int main_state_seen = -1; /* atomic */

static void owner_main(void *arg)
{
    int observe = (int)(intptr_t)arg; /* 0 no, 1 the state once parked, 2 wait for DETACHED */
    ftc_mutex_lock(&m);
    ftc_event_set(&locked);
    ftc_event_wait(&go_unlock, -1); /* detaches: the main thread may run (GIL build) */
    if (observe) {
        /* The main thread parks on m right after setting go_unlock; wait until it has. */
        while (_ftc_parking_lot_count(&m.bits) == 0) {
            FTC_BEGIN_ALLOW_THREADS
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
            FTC_END_ALLOW_THREADS
        }
        /* Parked threads detach right after they queue (outside the bucket lock), so wait
         * for it: main cannot leave the park while we hold m, so if it never detached this
         * loop would never end and the watchdog would fail the test. */
        while (observe == 2 && ftc_tstate_state(main_ts) != FTC_TSTATE_DETACHED) {
            FTC_BEGIN_ALLOW_THREADS
            struct timespec ts = {0, 200000};
            nanosleep(&ts, NULL);
            FTC_END_ALLOW_THREADS
        }
        ftc_atomic_store(&main_state_seen, ftc_tstate_state(main_ts));
    }
    ftc_mutex_unlock(&m);
    ftc_event_set(&unlocked);
}

static void reset(void)
{
    m = (ftc_mutex)FTC_MUTEX_INIT;
    locked = (ftc_event)FTC_EVENT_INIT;
    go_unlock = (ftc_event)FTC_EVENT_INIT;
    unlocked = (ftc_event)FTC_EVENT_INIT;
    ftc_atomic_store(&main_state_seen, -1);
}

FTC_TEST(lock_detaches_while_parked)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    main_ts = ftc_tstate_get();
    for (int round = 0; round < 20; round++) {
        reset();
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, owner_main, (void *)(intptr_t)2, NULL), 0);
        ftc_event_wait(&locked, -1);
        ftc_event_set(&go_unlock);
        switch (round % 3) {
        case 0: ftc_mutex_lock(&m); break;
        case 1: CHECK_EQ(ftc_mutex_lock_timed(&m, -1, FTC_LOCK_DETACH), 0); break;
        default: CHECK_EQ(ftc_mutex_lock_timed(&m, 30.0, FTC_LOCK_DETACH), 0); break;
        }
        CHECK(ftc_tstate_get() == main_ts); /* attached again */
        CHECK_EQ(ftc_atomic_load(&main_state_seen), FTC_TSTATE_DETACHED);
        ftc_mutex_unlock(&m);
        CHECK_EQ(ftc_thread_join(t, -1), 0);
        ftc_thread_release(t);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(nodetach_keeps_the_thread_attached)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    main_ts = ftc_tstate_get();
    reset();
    ftc_thread *t;
#ifdef FTC_GIL_DISABLED
    CHECK_EQ(ftc_thread_start(&t, owner_main, (void *)(intptr_t)1, NULL), 0);
    ftc_event_wait(&locked, -1);
    ftc_event_set(&go_unlock);
    CHECK_EQ(ftc_mutex_lock_timed(&m, -1, FTC_LOCK_NODETACH), 0);
    CHECK_EQ(ftc_atomic_load(&main_state_seen), FTC_TSTATE_ATTACHED);
    ftc_mutex_unlock(&m);
#else
    /* The owner needs the GIL to unlock; parked without detaching, we keep the GIL: the lock
     * cannot be had, whatever the timing. Then a detaching wait lets it through. */
    CHECK_EQ(ftc_thread_start(&t, owner_main, (void *)(intptr_t)0, NULL), 0);
    ftc_event_wait(&locked, -1);
    ftc_event_set(&go_unlock);
    double t0 = ftc_monotonic();
    CHECK_EQ(ftc_mutex_lock_timed(&m, 0.05, FTC_LOCK_NODETACH), FTC_ETIMEDOUT);
    CHECK(ftc_monotonic() - t0 >= 0.05);
    CHECK(!ftc_event_is_set(&unlocked));
    ftc_mutex_lock(&m);
    CHECK(ftc_event_wait(&unlocked, -1));
    ftc_mutex_unlock(&m);
#endif
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
