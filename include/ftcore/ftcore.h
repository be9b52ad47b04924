/** @file
 * ftcore: the concurrency core of a dynamic-language runtime. The umbrella header.
 *
 * Which variant these headers describe is recorded in <ftcore/config.h>: FTC_GIL_DISABLED is
 * defined in the free-threaded build. Link only the library that config.h names (FTC_VARIANT).
 */
#ifndef FTCORE_FTCORE_H
#define FTCORE_FTCORE_H

#include <ftcore/config.h>
#include <ftcore/common.h>
#include <ftcore/atomic.h>
#include <ftcore/runtime.h>
#include <ftcore/eval.h>
#include <ftcore/thread.h>
#include <ftcore/mutex.h>
#include <ftcore/critical_section.h>
#include <ftcore/object.h>
#include <ftcore/qsbr.h>
#include <ftcore/gc.h>
#include <ftcore/weakref.h>
#include <ftcore/dict.h>
#include <ftcore/list.h>
#include <ftcore/sync.h>
#include <ftcore/queue.h>
#include <ftcore/tls.h>
#include <ftcore/pool.h>

#endif /* FTCORE_FTCORE_H */
