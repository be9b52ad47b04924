/* Critical sections, internal view (src/critical_section.c): the tagged stack and versions of
 * begin/end that take the thread state explicitly (the public functions pass the caller's
 * attached one; white-box tests pass their own). nogil build only: in the GIL build the stack
 * is always empty. */
#ifndef FTCORE_INTERNAL_CRITICAL_SECTION_H
#define FTCORE_INTERNAL_CRITICAL_SECTION_H

#include "internal/core.h"

/* The tags of the stack's pointers (FTC_CS_INACTIVE, FTC_CS_TWO, FTC_CS_MASK) are in the public
 * header, for its inline fast paths. */

/* How many sections the calling thread, whose tstate ts is, has open (both builds; the GIL
 * build counts them per OS thread: critical_section.h). */
size_t _ftc_cs_open_count(ftc_tstate *ts);

#ifdef FTC_GIL_DISABLED
void _ftc_cs_begin(ftc_tstate *ts, ftc_critical_section *c, ftc_mutex *m);
void _ftc_cs_end(ftc_tstate *ts, ftc_critical_section *c);
void _ftc_cs2_begin(ftc_tstate *ts, ftc_critical_section2 *c, ftc_mutex *m1, ftc_mutex *m2);
void _ftc_cs2_end(ftc_tstate *ts, ftc_critical_section2 *c);

/* The top section, untagged (NULL if none), and whether it is active. */
static inline ftc_critical_section *_ftc_cs_top(ftc_tstate *ts)
{
    return (ftc_critical_section *)(ts->critical_section & ~FTC_CS_MASK);
}
static inline bool _ftc_cs_top_active(ftc_tstate *ts)
{
    return ts->critical_section != 0 && !(ts->critical_section & FTC_CS_INACTIVE);
}
#endif

#endif /* FTCORE_INTERNAL_CRITICAL_SECTION_H */
