/* The parking lot: where threads sleep while they wait for a word in memory to change
 * (src/parking_lot.c). Internal to the lock layer and the layers above it.
 *
 * A thread parks on an address after checking, under the bucket lock, that the address still
 * holds an expected value; a thread that changes the value then unparks one or all threads
 * parked on that address. Because the check and the enqueue happen under the same bucket lock
 * as the unpark, a wake-up can never be lost between them.
 */
#ifndef FTCORE_INTERNAL_PARKING_LOT_H
#define FTCORE_INTERNAL_PARKING_LOT_H

#include "internal/core.h"

/* ftc_rwlock's word (src/rwlock.c): bit 0 write-locked, bit 1 waiters parked, bits 2.. the
 * number of readers holding it. Here so that tests can check the word without copying it. */
#define FTC_RW_WRITE_LOCKED ((uintptr_t)1)
#define FTC_RW_HAS_PARKED ((uintptr_t)2)
#define FTC_RW_READER ((uintptr_t)4)
#define FTC_RW_READER_MASK (~(uintptr_t)3)

/* Results of _ftc_parking_lot_park. */
enum {
    FTC_PARK_OK = 0,     /* unparked by _ftc_parking_lot_unpark / _unpark_all */
    FTC_PARK_AGAIN = 1,  /* *addr did not hold the expected value: not parked */
    FTC_PARK_TIMEOUT = 2 /* the timeout expired before anyone unparked us */
};

/* Monotonic clock in nanoseconds. */
int64_t _ftc_monotonic_ns(void);
/* Seconds (< 0 forever, 0 try) to nanoseconds (-1 forever), saturating. */
int64_t _ftc_timeout_to_ns(double seconds);

/* Parks the calling thread on addr if *addr (size 1, 2, 4 or 8 bytes) equals *expected, until
 * it is unparked or timeout_ns (-1 forever) expires. park_arg is handed to the unparker's
 * callback. If detach and the caller is attached, the thread state is detached while asleep
 * and re-attached before returning. Any thread may park, with or without a thread state. */
int _ftc_parking_lot_park(const void *addr, const void *expected, size_t size, int64_t timeout_ns,
                          void *park_arg, int detach);

/* Wakes the oldest thread parked on addr. fn(arg, park_arg, has_more) is called first, with the
 * bucket lock held (so no thread can park on addr meanwhile): park_arg is the woken thread's
 * (NULL if none was parked), has_more whether others remain parked on addr. fn may be NULL.
 * Returns 1 if a thread was woken, else 0. */
typedef void (*ftc_unpark_fn)(void *arg, void *park_arg, int has_more);
int _ftc_parking_lot_unpark(const void *addr, ftc_unpark_fn fn, void *arg);

/* Wakes every thread parked on addr; returns how many. */
int _ftc_parking_lot_unpark_all(const void *addr);

/* How many times a thread was queued by _ftc_parking_lot_park since start (for tests). */
uint64_t _ftc_parking_lot_parks(void);

/* How many threads are parked on addr right now (for tests). */
int _ftc_parking_lot_count(const void *addr);

/* A raw mutex: one word; waiters sleep on a futex word in their own stack frame; no fairness,
 * no detach. Guards the parking-lot buckets; usable where ftc_mutex cannot be (it does not
 * need the parking lot). 0 = unlocked. */
typedef struct ftc_raw_mutex {
    uintptr_t v; /* atomic: bit 0 locked; the rest: the top of a stack of waiters */
} ftc_raw_mutex;
#define FTC_RAW_MUTEX_INIT \
    {                      \
        0                  \
    }
void _ftc_raw_mutex_lock_slow(ftc_raw_mutex *m);
void _ftc_raw_mutex_unlock_slow(ftc_raw_mutex *m);
static inline void _ftc_raw_mutex_lock(ftc_raw_mutex *m)
{
    uintptr_t expected = 0;
    /* acquire: pairs with the release in _ftc_raw_mutex_unlock(_slow). */
    if (!ftc_atomic_cas_acquire(&m->v, &expected, (uintptr_t)1))
        _ftc_raw_mutex_lock_slow(m);
}
static inline void _ftc_raw_mutex_unlock(ftc_raw_mutex *m)
{
    uintptr_t expected = 1;
    /* release: publishes the critical section to the next locker. */
    if (!ftc_atomic_cas_release(&m->v, &expected, (uintptr_t)0))
        _ftc_raw_mutex_unlock_slow(m);
}

/* A one-shot binary semaphore living in the waiter's frame (a futex word). */
typedef struct ftc_sema {
    uint32_t posted; /* atomic: 0, then 1 once posted */
} ftc_sema;
/* Waits until posted or timeout_ns (-1 forever) elapsed; returns true if posted. */
bool _ftc_sema_wait(ftc_sema *s, int64_t timeout_ns);
void _ftc_sema_post(ftc_sema *s);

/* Internal statistics of ftc_mutex (src/mutex.c), for tests. */
uint64_t _ftc_mutex_handoff_count(void);

#endif /* FTCORE_INTERNAL_PARKING_LOT_H */
