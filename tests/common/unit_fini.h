/* Checks for the .fini (teardown) of Criterion suites.
 *
 * Criterion 2.4.1 (Debian 12) prints a failed cr_assert or cr_expect in a suite's .fini but
 * still counts the test as passing and exits 0 (checked with a two-line suite: "Tested: 1 |
 * Passing: 1 | Failing: 0", exit status 0). A leak check or a fini result checked that way
 * can never fail. An abort() in .fini is reported as "crashed during its setup or teardown"
 * and makes the run exit non-zero, so teardown checks go through FTC_FINI_CHECK, which prints
 * the failed condition and aborts. */
#ifndef FTC_TEST_UNIT_FINI_H
#define FTC_TEST_UNIT_FINI_H

#include <stdio.h>
#include <stdlib.h>

#define FTC_FINI_CHECK(cond, ...)                                                             \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            fprintf(stderr, "%s:%d: teardown check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fputc('\n', stderr);                                                              \
            abort();                                                                          \
        }                                                                                     \
    } while (0)

#include <ftcore/ftcore.h>

/* The teardown of a suite that counts its objects: none left beyond the live_at_start its
 * setup read, then a successful ftc_runtime_fini(). */
static inline void ftc_fini_check_no_leak(int64_t live_at_start)
{
    FTC_FINI_CHECK(ftc_object_live_count() == live_at_start, "leaked %lld objects",
                   (long long)(ftc_object_live_count() - live_at_start));
    FTC_FINI_CHECK(ftc_runtime_fini() == 0, "runtime fini failed");
}

#endif /* FTC_TEST_UNIT_FINI_H */
