/* the list: lock-free reads in the nogil build.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_LIST_H
#define FTCORE_LIST_H

#include <ftcore/runtime.h>

#endif /* FTCORE_LIST_H */
