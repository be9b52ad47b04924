/* a thread pool with futures.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_POOL_H
#define FTCORE_POOL_H

#include <ftcore/runtime.h>

#endif /* FTCORE_POOL_H */
