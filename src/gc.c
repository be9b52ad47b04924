/* The cycle collector (temporary stub while the API lands; see include/ftcore/gc.h). */
#include "internal/object.h"
#include <string.h>

int64_t ftc_gc_collect(void) { return FTC_ENOTSUP; }
void ftc_gc_enable(void) {}
void ftc_gc_disable(void) {}
bool ftc_gc_is_enabled(void) { return false; }
int ftc_gc_set_threshold(int64_t n) { return n < 1 ? FTC_EINVAL : 0; }
int64_t ftc_gc_get_threshold(void) { return FTC_GC_DEFAULT_THRESHOLD; }
void ftc_gc_get_stats(ftc_gc_stats *out) { memset(out, 0, sizeof *out); }
bool ftc_gc_is_tracked(ftc_object *o) { return o != NULL && false; }
int64_t ftc_gc_tracked_count(void) { return 0; }
