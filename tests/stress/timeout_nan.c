/* Every timed call of the public API refuses a NaN timeout (and NaN seconds wherever a
 * duration is configured) with FTC_EINVAL, at once, leaving what it was called on as it found
 * it: a thread still running, a lock still free (or still held, at the same level), a semaphore
 * with its count, a barrier with nobody waiting and not broken, a pool with nothing submitted.
 * The lock layer's one-shot event returns a bool, so there NaN is a fatal error naming the
 * call. Each call is made in the situation where it would otherwise block (the lock held,
 * the thread running, the event unset), so a call that mistook NaN for "forever" hangs and
 * the watchdog fails the test; a call that mistook it for "try" returns FTC_ETIMEDOUT. Both
 * builds; both NaN signs. */
#include <math.h>

#include "check.h"
#include "internal/state.h"

static const double nans[2] = {NAN, -NAN};

FTC_TEST(runtime_config_with_nan_seconds_is_refused)
{
    ftc_check_watchdog(60);
    for (int i = 0; i < 2; i++) {
        ftc_config cfg;
        ftc_config_init(&cfg);
        cfg.switch_interval = nans[i];
        CHECK_EQ(ftc_runtime_init(&cfg), FTC_EINVAL);
        CHECK_EQ(ftc_runtime_is_initialized(), 0);
        ftc_config_init(&cfg);
        cfg.gil_io_grace = nans[i];
        CHECK_EQ(ftc_runtime_init(&cfg), FTC_EINVAL);
        CHECK_EQ(ftc_runtime_is_initialized(), 0);
    }
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    double before = ftc_get_switch_interval();
    double grace_before = -1;
    int prio_before = ftc_get_gil_io_priority(&grace_before);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ftc_set_switch_interval(nans[i]), FTC_EINVAL);
        CHECK(ftc_get_switch_interval() == before);
        CHECK_EQ(ftc_set_gil_io_priority(1, nans[i]), FTC_EINVAL);
        double grace = -1;
        CHECK_EQ(ftc_get_gil_io_priority(&grace), prio_before);
        CHECK(grace == grace_before);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static ftc_event thread_go;

static void wait_for_go(void *arg)
{
    (void)arg;
    ftc_event_wait(&thread_go, -1);
}

FTC_TEST(thread_join_nan)
{
    ftc_check_watchdog(60);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    thread_go = (ftc_event)FTC_EVENT_INIT;
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, wait_for_go, NULL, NULL), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ftc_thread_join(t, nans[i]), FTC_EINVAL);
        CHECK_EQ(ftc_thread_state(t), FTC_THREAD_RUNNING);
    }
    CHECK(ftc_tstate_get() != NULL); /* still attached */
    ftc_event_set(&thread_go);
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    CHECK_EQ(ftc_thread_join(t, NAN), FTC_EINVAL); /* refused even when there is no wait */
    CHECK_EQ(ftc_thread_state(t), FTC_THREAD_DONE);
    ftc_thread_release(t);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(lock_layer_nan)
{
    ftc_check_watchdog(60);
    for (int i = 0; i < 2; i++) {
        double nan = nans[i];
        /* a mutex: free (must not be taken) and held (must not wait) */
        ftc_mutex m = FTC_MUTEX_INIT;
        CHECK_EQ(ftc_mutex_lock_timed(&m, nan, 0), FTC_EINVAL);
        CHECK(!ftc_mutex_is_locked(&m));
        ftc_mutex_lock(&m);
        CHECK_EQ(ftc_mutex_lock_timed(&m, nan, FTC_LOCK_DETACH), FTC_EINVAL);
        CHECK(ftc_mutex_is_locked(&m));
        ftc_mutex_unlock(&m);
        CHECK_EQ(m.bits, 0);

        /* a recursive mutex: free, and owned (the level must not rise) */
        ftc_rmutex r = FTC_RMUTEX_INIT;
        CHECK_EQ(ftc_rmutex_lock_timed(&r, nan, 0), FTC_EINVAL);
        CHECK(!ftc_rmutex_is_owned(&r));
        ftc_rmutex_lock(&r);
        CHECK_EQ(ftc_rmutex_lock_timed(&r, nan, 0), FTC_EINVAL);
        CHECK_EQ(ftc_rmutex_count(&r), 1);
        ftc_rmutex_unlock(&r);
        CHECK(!ftc_rmutex_is_owned(&r));

        /* a rwlock: free, read-locked (a writer would wait), write-locked (both would) */
        ftc_rwlock rw = FTC_RWLOCK_INIT;
        CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, nan, 0), FTC_EINVAL);
        CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, nan, 0), FTC_EINVAL);
        CHECK_EQ(rw.bits, 0);
        ftc_rwlock_rdlock(&rw);
        uintptr_t read_locked = rw.bits;
        CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, nan, FTC_LOCK_DETACH), FTC_EINVAL);
        CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, nan, 0), FTC_EINVAL);
        CHECK_EQ(rw.bits, read_locked);
        ftc_rwlock_rdunlock(&rw);
        ftc_rwlock_wrlock(&rw);
        uintptr_t write_locked = rw.bits;
        CHECK_EQ(ftc_rwlock_rdlock_timed(&rw, nan, 0), FTC_EINVAL);
        CHECK_EQ(ftc_rwlock_wrlock_timed(&rw, nan, 0), FTC_EINVAL);
        CHECK_EQ(rw.bits, write_locked);
        ftc_rwlock_wrunlock(&rw);
        CHECK_EQ(rw.bits, 0);
    }
}

static void event_wait_nan(void *arg)
{
    ftc_event e = FTC_EVENT_INIT;
    (void)ftc_event_wait(&e, *(double *)arg);
}

static void event_wait_flags_nan(void *arg)
{
    ftc_event e = FTC_EVENT_INIT;
    (void)ftc_event_wait_flags(&e, *(double *)arg, 0);
}

FTC_TEST(one_shot_event_nan_is_fatal)
{
    ftc_check_watchdog(60);
    for (int i = 0; i < 2; i++) {
        double nan = nans[i];
        CHECK(ftc_check_dies(event_wait_nan, &nan, "ftc_event_wait: the timeout is NaN"));
        CHECK(
            ftc_check_dies(event_wait_flags_nan, &nan, "ftc_event_wait_flags: the timeout is NaN"));
    }
}

static int pred_calls;

static int count_pred(void *arg)
{
    (void)arg;
    pred_calls++;
    return 0;
}

static int never_called_task(void *arg, ftc_object **result)
{
    (void)arg;
    (void)result;
    return 0;
}

FTC_TEST(sync_objects_nan)
{
    ftc_check_watchdog(60);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_barrier_new(2, NULL, NULL, NAN), NULL);
    CHECK_EQ(ftc_last_error(), FTC_EINVAL);
    for (int i = 0; i < 2; i++) {
        double nan = nans[i];
        ftc_object *lock = ftc_lock_new();
        CHECK_EQ(ftc_lock_acquire(lock, nan), FTC_EINVAL);
        CHECK_EQ(ftc_lock_locked(lock), 0);
        CHECK_EQ(ftc_lock_acquire(lock, -1), 0);
        CHECK_EQ(ftc_lock_acquire(lock, nan), FTC_EINVAL);
        CHECK_EQ(ftc_lock_locked(lock), 1);
        CHECK_EQ(ftc_lock_release(lock), 0);

        ftc_object *rlock = ftc_rlock_new();
        CHECK_EQ(ftc_rlock_acquire(rlock, nan), FTC_EINVAL);
        CHECK_EQ(ftc_rlock_is_owned(rlock), 0);
        CHECK_EQ(ftc_rlock_acquire(rlock, -1), 0);
        CHECK_EQ(ftc_rlock_acquire(rlock, nan), FTC_EINVAL);
        CHECK_EQ(ftc_rlock_level(rlock), 1);
        CHECK_EQ(ftc_rlock_release(rlock), 0);

        ftc_object *sem = ftc_semaphore_new(1);
        ftc_object *bsem = ftc_bounded_semaphore_new(1);
        CHECK_EQ(ftc_semaphore_acquire(sem, nan), FTC_EINVAL);
        CHECK_EQ(ftc_semaphore_value(sem), 1);
        CHECK_EQ(ftc_semaphore_acquire(bsem, nan), FTC_EINVAL);
        CHECK_EQ(ftc_semaphore_value(bsem), 1);
        CHECK_EQ(ftc_semaphore_acquire(sem, 0), 0);
        CHECK_EQ(ftc_semaphore_acquire(sem, nan), FTC_EINVAL); /* would wait */
        CHECK_EQ(ftc_semaphore_value(sem), 0);

        ftc_object *ev = ftc_sync_event_new();
        CHECK_EQ(ftc_sync_event_wait(ev, nan), FTC_EINVAL);
        CHECK_EQ(ftc_sync_event_is_set(ev), 0);
        CHECK_EQ(ftc_sync_event_set(ev), 0);
        CHECK_EQ(ftc_sync_event_wait(ev, nan), FTC_EINVAL);
        CHECK_EQ(ftc_sync_event_is_set(ev), 1);

        /* a Condition over a plain Lock and one over an RLock */
        ftc_object *plain = ftc_lock_new();
        ftc_object *conds[2] = {ftc_condition_new(plain), ftc_condition_new(NULL)};
        for (int c = 0; c < 2; c++) {
            ftc_object *cond = conds[c];
            CHECK_EQ(ftc_condition_acquire(cond, nan), FTC_EINVAL);
            CHECK_EQ(ftc_condition_release(cond), c == 0 ? FTC_ESTATE : FTC_EPERM);
            CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
            CHECK_EQ(ftc_condition_wait(cond, nan), FTC_EINVAL);
            pred_calls = 0;
            CHECK_EQ(ftc_condition_wait_for(cond, count_pred, NULL, nan), FTC_EINVAL);
            CHECK_EQ(pred_calls, 0);
            /* still held, once: one release frees it, a second finds it free */
            CHECK_EQ(ftc_condition_release(cond), 0);
            CHECK_EQ(ftc_condition_release(cond), c == 0 ? FTC_ESTATE : FTC_EPERM);
        }

        ftc_object *barrier = ftc_barrier_new(2, NULL, NULL, -1);
        CHECK_EQ(ftc_barrier_wait(barrier, nan), FTC_EINVAL);
        CHECK_EQ(ftc_barrier_n_waiting(barrier), 0);
        CHECK_EQ(ftc_barrier_broken(barrier), 0);

        ftc_object *future = ftc_future_new();
        ftc_object *out = (ftc_object *)&out;
        CHECK_EQ(ftc_future_wait(future, nan), FTC_EINVAL);
        CHECK_EQ(ftc_future_result(future, nan, &out), FTC_EINVAL);
        CHECK(out == NULL);
        CHECK_EQ(ftc_future_state(future), FTC_FUTURE_PENDING);
        CHECK_EQ(ftc_future_set_result(future, NULL), 0);
        CHECK_EQ(ftc_future_wait(future, nan), FTC_EINVAL);
        CHECK_EQ(ftc_future_result(future, nan, &out), FTC_EINVAL);

        ftc_pool *pool = ftc_pool_new(2);
        void *args[3] = {NULL, NULL, NULL};
        ftc_object *results[3];
        CHECK_EQ(ftc_pool_map(pool, never_called_task, args, 3, results, nan), FTC_EINVAL);
        CHECK_EQ(ftc_pool_num_threads(pool), 0); /* nothing was submitted */
        for (int k = 0; k < 3; k++)
            CHECK(results[k] == NULL);
        ftc_pool_free(pool);

        ftc_object *objs[] = {lock,  rlock,    sem,      bsem,    ev,
                              plain, conds[0], conds[1], barrier, future};
        for (size_t k = 0; k < sizeof objs / sizeof objs[0]; k++)
            ftc_decref(objs[k]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
