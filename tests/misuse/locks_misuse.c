/* Misuse of the lock layer dies through ftc_fatal() with a message naming the mistake. Each
 * case runs in a forked child (ftc_check_dies). */
#include <pthread.h>
#include <string.h>

#include "check.h"
#include "internal/critical_section.h"
#include "internal/parking_lot.h"

static void unlock_unlocked_mutex(void *arg)
{
    (void)arg;
    ftc_mutex m = FTC_MUTEX_INIT;
    ftc_mutex_unlock(&m);
}

static void unlock_mutex_twice(void *arg)
{
    (void)arg;
    ftc_mutex m = FTC_MUTEX_INIT;
    ftc_mutex_lock(&m);
    ftc_mutex_unlock(&m);
    ftc_mutex_unlock(&m);
}

static void unlock_unlocked_with_parked_bit(void *arg)
{
    (void)arg;
    ftc_mutex m = {FTC_MUTEX_HAS_PARKED};
    ftc_mutex_unlock(&m);
}

FTC_TEST(mutex_unlock_when_not_locked)
{
    CHECK(ftc_check_dies(unlock_unlocked_mutex, NULL, "unlocking a mutex that is not locked"));
    CHECK(ftc_check_dies(unlock_mutex_twice, NULL, "unlocking a mutex that is not locked"));
    CHECK(ftc_check_dies(unlock_unlocked_with_parked_bit, NULL,
                         "unlocking a mutex that is not locked"));
}

/* Another thread owns shared_rm; the child of the fork (the harness forks; a child must not
 * start threads under TSan) tries to unlock it. */
static ftc_rmutex shared_rm = FTC_RMUTEX_INIT;
static ftc_event rm_locked = FTC_EVENT_INIT, rm_release = FTC_EVENT_INIT;

static void *rm_owner_thread(void *arg)
{
    (void)arg;
    ftc_rmutex_lock(&shared_rm);
    ftc_event_set(&rm_locked);
    ftc_event_wait(&rm_release, -1);
    ftc_rmutex_unlock(&shared_rm);
    return NULL;
}

static void rmutex_unlock_by_non_owner(void *arg)
{
    (void)arg;
    ftc_rmutex_unlock(&shared_rm);
}

static void rmutex_unlock_unowned(void *arg)
{
    (void)arg;
    ftc_rmutex r = FTC_RMUTEX_INIT;
    ftc_rmutex_unlock(&r);
}

static void rmutex_unlock_once_too_often(void *arg)
{
    (void)arg;
    ftc_rmutex r = FTC_RMUTEX_INIT;
    ftc_rmutex_lock(&r);
    ftc_rmutex_lock(&r);
    ftc_rmutex_unlock(&r);
    ftc_rmutex_unlock(&r);
    ftc_rmutex_unlock(&r);
}

FTC_TEST(rmutex_unlock_by_non_owner)
{
    pthread_t th;
    pthread_create(&th, NULL, rm_owner_thread, NULL);
    ftc_event_wait(&rm_locked, -1);
    CHECK(ftc_check_dies(rmutex_unlock_by_non_owner, NULL, "does not own"));
    CHECK_EQ(ftc_rmutex_unlock_checked(&shared_rm), FTC_EPERM);
    ftc_event_set(&rm_release);
    pthread_join(th, NULL);
    CHECK(ftc_check_dies(rmutex_unlock_unowned, NULL, "does not own"));
    CHECK(ftc_check_dies(rmutex_unlock_once_too_often, NULL, "does not own"));
}

static void rw_rdunlock_free(void *arg)
{
    (void)arg;
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    ftc_rwlock_rdunlock(&rw);
}

static void rw_rdunlock_write_locked(void *arg)
{
    (void)arg;
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    ftc_rwlock_wrlock(&rw);
    ftc_rwlock_rdunlock(&rw);
}

static void rw_wrunlock_read_locked(void *arg)
{
    (void)arg;
    ftc_rwlock rw = FTC_RWLOCK_INIT;
    ftc_rwlock_rdlock(&rw);
    ftc_rwlock_wrunlock(&rw);
}

FTC_TEST(rwlock_unlock_mismatched)
{
    CHECK(ftc_check_dies(rw_rdunlock_free, NULL, "read-unlocking a rwlock that no reader holds"));
    CHECK(ftc_check_dies(rw_rdunlock_write_locked, NULL, "no reader holds"));
    CHECK(ftc_check_dies(rw_wrunlock_read_locked, NULL, "not write-locked"));
}

static void seq_end_without_begin(void *arg)
{
    (void)arg;
    ftc_seqlock sl = FTC_SEQLOCK_INIT;
    ftc_seqlock_write_end(&sl);
}

FTC_TEST(seqlock_end_without_begin)
{
    CHECK(ftc_check_dies(seq_end_without_begin, NULL, "ending a seqlock write that was not begun"));
}

static void raw_unlock_unlocked(void *arg)
{
    (void)arg;
    ftc_raw_mutex m = FTC_RAW_MUTEX_INIT;
    _ftc_raw_mutex_unlock(&m);
}

static void park_bad_size(void *arg)
{
    (void)arg;
    char buf[16] = {0};
    _ftc_parking_lot_park(buf, buf, 3, 0, NULL, 0);
}

FTC_TEST(internal_misuse)
{
    CHECK(ftc_check_dies(raw_unlock_unlocked, NULL, "unlocking a raw mutex that is not locked"));
    CHECK(ftc_check_dies(park_bad_size, NULL, "parking on a value of 3 bytes"));
}

#ifdef FTC_GIL_DISABLED
static void cs_out_of_order(void *arg)
{
    (void)arg;
    ftc_tstate ts;
    memset(&ts, 0, sizeof ts);
    ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT;
    ftc_critical_section ca, cb;
    _ftc_cs_begin(&ts, &ca, &a);
    _ftc_cs_begin(&ts, &cb, &b);
    _ftc_cs_end(&ts, &ca);
}

static void cs_without_tstate(void *arg)
{
    (void)arg;
    ftc_mutex m = FTC_MUTEX_INIT;
    FTC_BEGIN_CRITICAL_SECTION_MUTEX(&m);
    FTC_END_CRITICAL_SECTION();
}

FTC_TEST(critical_section_misuse)
{
    CHECK(ftc_check_dies(cs_out_of_order, NULL, "critical sections ended out of order"));
    CHECK(ftc_check_dies(cs_without_tstate, NULL, FTC_CS_CALL_BEGIN_ ": no attached thread state"));
}
#endif
