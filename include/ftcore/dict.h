/* the dict: compact, insertion-ordered, lock-free reads in the nogil build.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_DICT_H
#define FTCORE_DICT_H

#include <ftcore/runtime.h>

#endif /* FTCORE_DICT_H */
