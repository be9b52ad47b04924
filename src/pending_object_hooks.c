/* PLACEHOLDER until the object layer lands (src/brc.c, src/qsbr.c ... implement these for real
 * and delete this file). */
#include "internal/core.h"

int _ftc_objects_runtime_init(void) { return 0; }
void _ftc_objects_runtime_fini(void) {}
int _ftc_objects_tstate_init(ftc_tstate *ts) { FTC_UNUSED(ts); return 0; }
void _ftc_objects_tstate_fini(ftc_tstate *ts) { FTC_UNUSED(ts); }
void _ftc_objects_attach(ftc_tstate *ts) { FTC_UNUSED(ts); }
void _ftc_objects_detach(ftc_tstate *ts) { FTC_UNUSED(ts); }
int _ftc_objects_handle_tick(ftc_tstate *ts, uint64_t bits) { FTC_UNUSED(ts); FTC_UNUSED(bits); return 0; }
void _ftc_objects_after_fork_child(ftc_tstate *survivor) { FTC_UNUSED(survivor); }
