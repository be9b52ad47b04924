/* ftc_mutex (one byte), the parking lot, and the primitives built on it: event, once-flag,
 * rwlock, seqlock, recursive mutex.
 * (Being written by the lock layer; the type below is fixed because the object header embeds it.)
 *
 * Lock-word states:
 *   0b00: unlocked
 *   0b01: locked, no thread parked
 *   0b10: unlocked, threads parked (a waker is handing off or a waiter is about to retry)
 *   0b11: locked, threads parked
 */
#ifndef FTCORE_MUTEX_H
#define FTCORE_MUTEX_H

#include <ftcore/runtime.h>

FTC_EXTERN_C_BEGIN

#define FTC_MUTEX_LOCKED     ((uint8_t)1)
#define FTC_MUTEX_HAS_PARKED ((uint8_t)2)

typedef struct ftc_mutex {
    uint8_t bits; /* atomic; FTC_MUTEX_* */
} ftc_mutex;

#define FTC_MUTEX_INIT {0}

#ifdef __cplusplus
static_assert(sizeof(ftc_mutex) == 1, "the object header reserves one byte for its mutex");
#else
_Static_assert(sizeof(ftc_mutex) == 1, "the object header reserves one byte for its mutex");
#endif

FTC_EXTERN_C_END

#endif /* FTCORE_MUTEX_H */
