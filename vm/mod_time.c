/* The time module: time, perf_counter, monotonic, sleep (and their _ns forms).
 *
 * Clocks: time() is the wall clock (CLOCK_REALTIME) as a float of seconds since the epoch;
 * monotonic() and perf_counter() are ftcore's monotonic clock (CLOCK_MONOTONIC), which is also
 * what every timed wait in ftcore measures, so a program comparing perf_counter() before and
 * after lock.acquire(timeout=t) sees at least t pass. The _ns variants give int nanoseconds.
 *
 * sleep(secs) detaches its thread state for the whole sleep (FTC_BEGIN_ALLOW_THREADS): the GIL
 * is released in the GIL build and the thread is QSBR-offline in the nogil build, so sleeping
 * threads neither block nor delay anyone. Each nanosleep slice is at most 50 ms; between slices
 * the thread re-attaches for one eval tick, so an asynchronous exception sent to a sleeping
 * thread (ftc_thread_set_async_exc) or a pending call is honoured within 50 ms rather than after
 * the whole sleep, as CPython's sleep is interrupted by a signal. sleep(0) still detaches and
 * re-attaches once, which lets a GIL waiter in (CPython's sleep(0) yields the GIL the same way).
 * Arguments follow CPython 3.11: an int or a float (a bool is an int), TypeError otherwise
 * ("'str' object cannot be interpreted as an integer"), ValueError "sleep length must be
 * non-negative" for a negative value, and NaN is refused as CPython refuses it ("Invalid
 * value NaN (not a number)").
 */
#include "ftpy.h"

#include <errno.h>
#include <math.h>
#include <time.h>

/* The longest stretch slept without re-attaching to tick (seconds). */
#define SLEEP_SLICE 0.05

static ftc_object *time_time(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("time", nargs, kwnames, 0, 0) < 0)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return fp_float_new((double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
}

static ftc_object *time_time_ns(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("time_ns", nargs, kwnames, 0, 0) < 0)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return fp_int_new((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

static ftc_object *time_monotonic(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("monotonic", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_float_new(ftc_monotonic());
}

static ftc_object *time_perf_counter(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("perf_counter", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_float_new(ftc_monotonic());
}

static ftc_object *time_monotonic_ns(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("monotonic_ns", nargs, kwnames, 0, 0) < 0)
        return NULL;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return fp_int_new((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

/* Sleeps secs (>= 0) detached, in slices, ticking between them. 0, or -1 with the exception
 * an asynchronous code means set. */
static int sleep_detached(double secs)
{
    double deadline = ftc_monotonic() + secs;
    for (;;) {
        double left = deadline - ftc_monotonic();
        double slice = left < SLEEP_SLICE ? left : SLEEP_SLICE;
        if (slice < 0)
            slice = 0;
        struct timespec req;
        req.tv_sec = (time_t)slice;
        req.tv_nsec = (long)((slice - (double)req.tv_sec) * 1e9);
        FTC_BEGIN_ALLOW_THREADS
        while (nanosleep(&req, &req) != 0 && errno == EINTR) {}
        FTC_END_ALLOW_THREADS
        int rc = ftc_eval_tick();
        if (rc < 0)
            return fp_err_from_code(rc, NULL);
        if (deadline - ftc_monotonic() <= 0)
            return 0;
    }
}

static ftc_object *time_sleep(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("sleep", nargs, kwnames, 1, 1) < 0)
        return NULL;
    double secs;
    if (fp_int_like(args[0])) {
        secs = (double)fp_int_like_value(args[0]);
    } else if (fp_float_check(args[0])) {
        secs = fp_float_value(args[0]);
        if (isnan(secs)) {
            fp_err_set(&fp_ValueError_type, "Invalid value NaN (not a number)");
            return NULL;
        }
    } else {
        fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                   fp_type_name(args[0]));
        return NULL;
    }
    if (secs < 0) {
        fp_err_set(&fp_ValueError_type, "sleep length must be non-negative");
        return NULL;
    }
    if (secs > 1e12) {
        fp_err_set(&fp_OverflowError_type, "timestamp too large to convert to C _PyTime_t");
        return NULL;
    }
    if (sleep_detached(secs) < 0)
        return NULL;
    return fp_None;
}

static const fp_method_def time_functions[] = {
    {"time", time_time, 0},
    {"time_ns", time_time_ns, 0},
    {"monotonic", time_monotonic, 0},
    {"monotonic_ns", time_monotonic_ns, 0},
    {"perf_counter", time_perf_counter, 0},
    {"perf_counter_ns", time_monotonic_ns, 0},
    {"sleep", time_sleep, 0},
    {NULL, NULL, 0},
};

int fp_mod_time_init(ftc_object *m) { return fp_module_add_functions(m, time_functions); }
