/* ftc_mutex (one byte), the parking lot, and the primitives built on it: event, once-flag, rwlock, seqlock, recursive mutex.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_MUTEX_H
#define FTCORE_MUTEX_H

#include <ftcore/runtime.h>

#endif /* FTCORE_MUTEX_H */
