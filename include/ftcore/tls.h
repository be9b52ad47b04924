/* thread-local storage: keys and per-thread storage objects.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_TLS_H
#define FTCORE_TLS_H

#include <ftcore/runtime.h>

#endif /* FTCORE_TLS_H */
