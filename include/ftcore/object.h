/* objects, types, reference counting (biased in the nogil build), int, str, immortal and hot shared objects.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_OBJECT_H
#define FTCORE_OBJECT_H

#include <ftcore/runtime.h>

#endif /* FTCORE_OBJECT_H */
