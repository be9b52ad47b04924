/* threading primitives as objects: Lock, RLock, Semaphore, BoundedSemaphore, Event, Condition, Barrier.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_SYNC_H
#define FTCORE_SYNC_H

#include <ftcore/runtime.h>

#endif /* FTCORE_SYNC_H */
