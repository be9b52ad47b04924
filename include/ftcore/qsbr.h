/* QSBR deferred freeing (nogil) for memory that lock-free readers may still see.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_QSBR_H
#define FTCORE_QSBR_H

#include <ftcore/runtime.h>

#endif /* FTCORE_QSBR_H */
