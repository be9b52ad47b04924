/* critical sections on object mutexes.
 * (Being written: this header is filled by the layer that owns it.) */
#ifndef FTCORE_CRITICAL_SECTION_H
#define FTCORE_CRITICAL_SECTION_H

#include <ftcore/runtime.h>

#endif /* FTCORE_CRITICAL_SECTION_H */
