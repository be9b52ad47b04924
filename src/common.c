/* Error names, fatal errors, the allocator with fault injection, the monotonic clock.
 *
 * Fault injection: each thread has a countdown of allocations (thread-local, so a test that
 * arms it is not disturbed by allocations other threads make). A process-wide count of
 * failures-to-come serves tests whose allocations happen on threads they do not control.
 * The cost on the allocation path is one thread-local load and one relaxed atomic load.
 *
 * Zeroed blocks: ftc_mem_calloc serves small sizes (every object and most container blocks) as
 * malloc + memset, not calloc. glibc's calloc (2.36 here) never uses the per-thread cache
 * (tcache): each call locks its arena and takes the chunk from a bin, and the free that
 * follows finds the tcache bin full and goes back to the arena (fastbin CAS), so a create/drop
 * loop pays two locked instructions and the bin bookkeeping per object. malloc takes the
 * chunk from the tcache and free puts it back, with no atomic at all. Measured on the 2-core VM
 * (perf, nogil alloc_int at 2 threads): calloc, _int_malloc and _int_free were 45% of the
 * profile; a /tmp program doing calloc/free of 48 bytes ran 44M/s per thread against 89M/s
 * for malloc+memset+free. Large blocks keep calloc: it can hand out fresh mmap pages, already
 * zero, without touching them.
 */
#include "internal/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
    [16] = "FTC_EEMPTY: the queue is empty",
    [17] = "FTC_EFULL: the queue is full",
    [18] = "FTC_ESHUTDOWN: the queue is shut down",
    [19] = "FTC_EBUSY: still in use",
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
static uint64_t next_thread_fail_after;       /* atomic: armed for the next thread's start */
static uint64_t last_thread_start_allocs;     /* atomic: what the latest thread start made */

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

/* Up to this many bytes, ftc_mem_calloc is malloc + memset (the tcache path; see the essay).
 * glibc's tcache holds chunks up to 1032 bytes. */
#define SMALL_ZEROED_MAX ((size_t)1024)

void *ftc_mem_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    if (alloc_should_fail())
        return NULL;
    size_t bytes = n * size;
    if (bytes <= SMALL_ZEROED_MAX) {
        if (bytes == 0)
            bytes = 1;
        void *p = malloc(bytes);
#if defined(__GNUC__)
        /* Hide where p and bytes come from: GCC otherwise fuses malloc + memset back into
         * calloc, or, knowing bytes is small, inlines the memset as `rep stos`, which costs
         * more than the whole malloc for an object-sized block (both seen in perf annotate);
         * libc's memset is the fast one for small sizes. */
        __asm__("" : "+r"(p), "+r"(bytes));
#endif
        if (p != NULL)
            memset(p, 0, bytes);
        return p;
    }
    return calloc(n, size);
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

uint64_t ftc_fault_alloc_fail_in_next_thread(uint64_t n)
{
    /* Relaxed: the test arms before ftc_thread_start, whose pthread_create orders this store
     * before the new thread's exchange; the count it returns was stored by a thread whose start
     * the caller waited for (ftc_thread_start returned), under the handle's mutex. */
    ftc_atomic_store_relaxed(&next_thread_fail_after, n);
    return ftc_atomic_load_relaxed(&last_thread_start_allocs);
}

void _ftc_fault_thread_start_begin(void)
{
    /* Relaxed: exactly one starting thread takes the armed value (the exchange). */
    fail_countdown = ftc_atomic_exchange_relaxed(&next_thread_fail_after, (uint64_t)0);
    alloc_count = 0;
}

void _ftc_fault_thread_start_end(void)
{
    /* Relaxed: read by the test after the starter saw this thread RUNNING or DONE (a mutex). */
    ftc_atomic_store_relaxed(&last_thread_start_allocs, alloc_count);
    fail_countdown = 0;
    alloc_count = 0;
}

void ftc_fault_thread_create_fail(uint64_t n)
{
    ftc_atomic_store_relaxed(&thread_create_failures, n);
}

bool ftc_fault_take_thread_create(void) { return take_global(&thread_create_failures); }

double ftc_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
