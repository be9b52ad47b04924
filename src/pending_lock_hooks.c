/* PLACEHOLDER until the lock layer lands (src/critical_section.c, src/parking_lot.c implement
 * these for real and delete this file). With no critical sections and no parking lot yet,
 * there is nothing to suspend, resume or reinitialize. */
#include "internal/core.h"

void _ftc_cs_suspend_all(ftc_tstate *ts) { FTC_UNUSED(ts); }
void _ftc_cs_resume(ftc_tstate *ts) { FTC_UNUSED(ts); }
void _ftc_locks_after_fork_child(void) {}
