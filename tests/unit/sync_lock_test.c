/* Lock and RLock objects: single-thread semantics, error paths, timeout lower bounds, and an
 * async exception that ends a wait (sent by the thread to itself, so no second thread is
 * needed; the concurrent cases are in tests/stress/sync_lock_stress.c). */
#include <criterion/criterion.h>
#include "unit_fini.h"
#include <math.h>

#include "check.h"
#include "internal/sync.h"

static void setup(void) { cr_assert_eq(ftc_runtime_init(NULL), 0); }
static void teardown(void) { FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed"); }
TestSuite(sync_lock, .init = setup, .fini = teardown);
TestSuite(sync_rlock, .init = setup, .fini = teardown);

Test(sync_lock, acquire_release_and_state)
{
    ftc_object *l = ftc_lock_new();
    cr_assert_not_null(l);
    cr_assert_eq(ftc_type_of(l), &ftc_lock_type);
    cr_assert_eq(ftc_lock_locked(l), 0);
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    cr_assert_eq(ftc_lock_locked(l), 1);
    cr_assert_eq(ftc_lock_acquire(l, 0), FTC_ETIMEDOUT, "not reentrant: a try fails");
    cr_assert_eq(ftc_lock_release(l), 0);
    cr_assert_eq(ftc_lock_locked(l), 0);
    cr_assert_eq(ftc_lock_acquire(l, 0), 0, "a try on a free lock succeeds");
    cr_assert_eq(ftc_lock_release(l), 0);
    ftc_decref(l);
}

Test(sync_lock, releasing_an_unlocked_lock_is_an_error)
{
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_lock_release(l), FTC_ESTATE);
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    cr_assert_eq(ftc_lock_release(l), 0);
    cr_assert_eq(ftc_lock_release(l), FTC_ESTATE);
    cr_assert_eq(ftc_lock_locked(l), 0, "a failed release changes nothing");
    ftc_decref(l);
}

Test(sync_lock, timed_acquire_waits_at_least_the_timeout)
{
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_lock_acquire(l, 0.05), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.05);
    cr_assert_eq(ftc_lock_locked(l), 1);
    cr_assert_eq(ftc_lock_release(l), 0);
    /* the timed-out waiter left nothing behind: the fast paths work again */
    cr_assert_eq(ftc_atomic_load(&((_ftc_lock_obj *)l)->core.word), 0u);
    ftc_decref(l);
}

Test(sync_lock, bad_arguments)
{
    ftc_object *l = ftc_lock_new();
    ftc_object *r = ftc_rlock_new();
    cr_assert_eq(ftc_lock_acquire(NULL, -1), FTC_EINVAL);
    cr_assert_eq(ftc_lock_release(NULL), FTC_EINVAL);
    cr_assert_eq(ftc_lock_acquire(r, -1), FTC_ETYPE);
    cr_assert_eq(ftc_lock_release(r), FTC_ETYPE);
    cr_assert_eq(ftc_lock_locked(r), FTC_ETYPE);
    cr_assert_eq(ftc_rlock_acquire(l, -1), FTC_ETYPE);
    cr_assert_eq(ftc_lock_acquire(l, NAN), FTC_EINVAL, "even when it would not wait");
    cr_assert_eq(ftc_lock_locked(l), 0);
    cr_assert_eq(ftc_rlock_acquire(r, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_rlock_is_owned(r), 0);
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    cr_assert_eq(ftc_lock_acquire(l, NAN), FTC_EINVAL);
    cr_assert_eq(ftc_lock_release(l), 0);
    ftc_decref(l);
    ftc_decref(r);
}

Test(sync_lock, creation_failure_reports_enomem)
{
    ftc_fault_alloc_fail_after(1);
    ftc_object *l = ftc_lock_new();
    ftc_fault_alloc_fail_after(0);
    cr_assert_null(l);
    cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
}

Test(sync_lock, async_exception_ends_a_blocked_acquire)
{
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    const int code = FTC_EUSER - 7;
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_lock_acquire(l, -1), code, "the wait returns the exception's code");
    cr_assert_eq(ftc_eval_tick(), 0, "and consumed it");
    cr_assert_eq(ftc_lock_locked(l), 1);
    cr_assert_eq(ftc_lock_release(l), 0);
    /* an uncontended acquire does not wait, so it is not interrupted (Python's rule too) */
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), code), 1);
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    cr_assert_eq(ftc_eval_tick(), code);
    cr_assert_eq(ftc_lock_release(l), 0);
    ftc_decref(l);
}

Test(sync_lock, withdrawn_async_exception_does_not_end_the_wait)
{
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_lock_acquire(l, -1), 0);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), FTC_EUSER - 1), 1);
    cr_assert_eq(ftc_thread_set_async_exc(ftc_thread_ident(), 0), 1);
    double t0 = ftc_monotonic();
    cr_assert_eq(ftc_lock_acquire(l, 0.03), FTC_ETIMEDOUT);
    cr_assert_geq(ftc_monotonic() - t0, 0.03);
    cr_assert_eq(ftc_lock_release(l), 0);
    ftc_decref(l);
}

Test(sync_rlock, reentrant_levels)
{
    ftc_object *r = ftc_rlock_new();
    cr_assert_not_null(r);
    cr_assert_eq(ftc_rlock_is_owned(r), 0);
    cr_assert_eq(ftc_rlock_level(r), 0);
    cr_assert_eq(ftc_rlock_acquire(r, -1), 0);
    cr_assert_eq(ftc_rlock_acquire(r, 0), 0, "the owner's try always succeeds");
    cr_assert_eq(ftc_rlock_acquire(r, 0.01), 0);
    cr_assert_eq(ftc_rlock_level(r), 3);
    cr_assert_eq(ftc_rlock_is_owned(r), 1);
    cr_assert_eq(ftc_rlock_release(r), 0);
    cr_assert_eq(ftc_rlock_release(r), 0);
    cr_assert_eq(ftc_rlock_is_owned(r), 1);
    cr_assert_eq(ftc_rlock_release(r), 0);
    cr_assert_eq(ftc_rlock_is_owned(r), 0);
    cr_assert_eq(ftc_rlock_level(r), 0);
    ftc_decref(r);
}

Test(sync_rlock, releasing_an_unowned_rlock_is_eperm)
{
    ftc_object *r = ftc_rlock_new();
    cr_assert_eq(ftc_rlock_release(r), FTC_EPERM);
    cr_assert_eq(ftc_rlock_acquire(r, -1), 0);
    cr_assert_eq(ftc_rlock_release(r), 0);
    cr_assert_eq(ftc_rlock_release(r), FTC_EPERM);
    cr_assert_eq(ftc_rlock_release(NULL), FTC_EINVAL);
    ftc_object *l = ftc_lock_new();
    cr_assert_eq(ftc_rlock_release(l), FTC_ETYPE);
    cr_assert_eq(ftc_rlock_is_owned(l), FTC_ETYPE);
    ftc_decref(l);
    ftc_decref(r);
}

Test(sync_rlock, level_overflow_is_refused)
{
    ftc_object *r = ftc_rlock_new();
    cr_assert_eq(ftc_rlock_acquire(r, -1), 0);
    ((_ftc_rlock_obj *)r)->core.level = UINT64_MAX; /* white box: reach the limit quickly */
    cr_assert_eq(ftc_rlock_acquire(r, -1), FTC_EOVERFLOW);
    ((_ftc_rlock_obj *)r)->core.level = 1;
    cr_assert_eq(ftc_rlock_release(r), 0);
    ftc_decref(r);
}

/* Every primitive is a hot shared object (nogil: per-thread reference counts, so threads
 * sharing a lock do not contend on its count); in the GIL build that is a no-op. */
Test(sync_lock, primitives_are_hot_objects)
{
    ftc_object *objs[] = {
        ftc_lock_new(),
        ftc_rlock_new(),
        ftc_semaphore_new(1),
        ftc_bounded_semaphore_new(1),
        ftc_sync_event_new(),
        ftc_condition_new(NULL),
        ftc_barrier_new(2, NULL, NULL, -1),
    };
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        cr_assert_not_null(objs[i]);
#ifdef FTC_GIL_DISABLED
        cr_assert(_ftc_object_is_hot(objs[i]), "%s is not hot", ftc_type_of(objs[i])->name);
#endif
        ftc_incref(objs[i]);
        ftc_decref(objs[i]);
        ftc_decref(objs[i]);
    }
    ftc_object_collect_hot();
}
