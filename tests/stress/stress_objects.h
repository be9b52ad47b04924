/* What the reference-counting stress tests share about their test objects: the check that
 * every object is deallocated exactly once, and whether an object is hot (per-thread counted). */
#ifndef FTC_STRESS_OBJECTS_H
#define FTC_STRESS_OBJECTS_H

#include "check.h"
#include "internal/object.h"

/* A dealloc's check: the object's magic is intact (not freed memory, not deallocated before),
 * its serial is in range, and its byte in dead[] (one per object ever made, max of them) was
 * not set yet; sets it and clears the magic. */
static inline void stress_dealloc_once(uint8_t *dead, uint64_t max, uint64_t serial,
                                       uint64_t *magic, uint64_t want)
{
    CHECK(*magic == want);
    CHECK(serial < max);
    if (ftc_atomic_exchange(&dead[serial], (uint8_t)1) != 0)
        ftc_check_fail(__FILE__, __LINE__, "dealloc once", "object deallocated twice");
    *magic = 0;
}

/* Whether o counts per thread now (made hot, or converted by contention); never in the GIL
 * build. */
static inline bool stress_is_hot(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    return (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) != 0;
#else
    (void)o;
    return false;
#endif
}

#endif
