/* PLACEHOLDER until the threading API lands (src/tls.c implements this and deletes this file). */
#include "internal/core.h"

void _ftc_tls_tstate_fini(ftc_tstate *ts) { FTC_UNUSED(ts); }
