/* Error names, fatal errors, the allocator with fault injection, the monotonic clock.
 *
 * Fault injection: each thread has a countdown of allocations (thread-local, so a test that
 * arms it is not disturbed by allocations other threads make). A process-wide count of
 * failures-to-come serves tests whose allocations happen on threads they do not control.
 * The cost on the allocation path is one thread-local load and one relaxed atomic load.
 */
#include "internal/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *const error_names[] = {
    [0] = "FTC_OK: success",
    [1] = "FTC_ENOMEM: out of memory",
    [2] = "FTC_EINVAL: invalid argument",
    [3] = "FTC_ETYPE: wrong type or unhashable key",
    [4] = "FTC_EKEY: key not found",
    [5] = "FTC_EINDEX: index out of range",
    [6] = "FTC_ETIMEDOUT: timed out",
    [7] = "FTC_EPERM: not the owner",
    [8] = "FTC_EDEADLK: the call would deadlock",
    [9] = "FTC_ECHANGED: the container changed during the operation",
    [10] = "FTC_EAGAIN: resource temporarily unavailable",
    [11] = "FTC_ESTATE: wrong state for this call",
    [12] = "FTC_EBROKEN: the barrier is broken",
    [13] = "FTC_ECANCELLED: cancelled",
    [14] = "FTC_EOVERFLOW: size or count overflow",
    [15] = "FTC_ENOTSUP: not supported in this build",
};

const char *ftc_strerror(int code)
{
    if (code <= FTC_EUSER)
        return "FTC_EUSER: error code defined by the embedder";
    if (code > 0)
        return "not an error code (positive)";
    size_t i = (size_t)(-code);
    if (i < sizeof error_names / sizeof error_names[0] && error_names[i])
        return error_names[i];
    return "unknown ftcore error code";
}

static _Thread_local int last_error;

int ftc_last_error(void) { return last_error; }
void ftc_set_last_error(int code) { last_error = code; }

void ftc_fatal_at(const char *func, const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "ftcore fatal error in %s (%s:%d): ", func, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    abort();
}

/* ---- allocator and fault injection ---- */

static _Thread_local uint64_t fail_countdown; /* 0: disarmed; else fail when it reaches 1 */
static _Thread_local uint64_t alloc_count;    /* allocations since the last arm call */
static uint64_t fail_all_remaining;           /* atomic: process-wide failures to come */
static uint64_t thread_create_failures;       /* atomic: pthread_create failures to come */

static bool take_global(uint64_t *counter)
{
    /* Relaxed: a test arms the counter before starting the operation it tests; the only
     * requirement is that each armed failure is consumed once, which the CAS gives. */
    uint64_t n = ftc_atomic_load_relaxed(counter);
    while (n != 0) {
        if (ftc_atomic_cas_weak_relaxed(counter, &n, n - 1))
            return true;
    }
    return false;
}

static bool alloc_should_fail(void)
{
    alloc_count++;
    if (FTC_UNLIKELY(fail_countdown != 0)) {
        if (--fail_countdown == 0)
            return true;
    }
    if (FTC_UNLIKELY(ftc_atomic_load_relaxed(&fail_all_remaining) != 0))
        return take_global(&fail_all_remaining);
    return false;
}

void *ftc_mem_alloc(size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return malloc(size ? size : 1);
}

void *ftc_mem_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    if (alloc_should_fail())
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *ftc_mem_realloc(void *p, size_t size)
{
    if (alloc_should_fail())
        return NULL;
    return realloc(p, size ? size : 1);
}

void ftc_mem_free(void *p) { free(p); }

uint64_t ftc_fault_alloc_fail_after(uint64_t n)
{
    uint64_t made = alloc_count;
    alloc_count = 0;
    fail_countdown = n;
    return made;
}

uint64_t ftc_fault_alloc_count(void) { return alloc_count; }

void ftc_fault_alloc_fail_all(uint64_t n) { ftc_atomic_store_relaxed(&fail_all_remaining, n); }

void ftc_fault_thread_create_fail(uint64_t n) { ftc_atomic_store_relaxed(&thread_create_failures, n); }

bool ftc_fault_take_thread_create(void) { return take_global(&thread_create_failures); }

double ftc_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
