/* Waiting helpers shared by the Criterion suites of the parking-lot primitives (mutex_test.c,
 * parking_lot_test.c, rwlock_test.c, event_test.c). A test that must know another thread has
 * parked can only observe it, so it polls the parking lot's count for the address; the sleep
 * is the polling interval, never the synchronization. */
#ifndef FTC_TEST_UNIT_PARKED_H
#define FTC_TEST_UNIT_PARKED_H

#include <time.h>

#include "internal/parking_lot.h"

static inline void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits until exactly n threads are parked on addr. */
static inline void wait_parked(const void *addr, int n)
{
    while (_ftc_parking_lot_count(addr) != n)
        sleep_ms(1);
}

#endif /* FTC_TEST_UNIT_PARKED_H */
