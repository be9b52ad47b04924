/* PLACEHOLDER until the lock layer's critical sections land (src/critical_section.c implements
 * these for real and deletes this file; src/parking_lot.c already has the fork hook). With no
 * critical sections yet, there is nothing to suspend or resume. */
#include "internal/core.h"

void _ftc_cs_suspend_all(ftc_tstate *ts) { FTC_UNUSED(ts); }
void _ftc_cs_resume(ftc_tstate *ts) { FTC_UNUSED(ts); }
