/* Error names, fatal errors and the allocator's fault injection. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/core.h"

Test(common, strerror_names_every_code)
{
    for (int c = FTC_ENOMEM; c >= FTC_EBUSY; c--) {
        const char *s = ftc_strerror(c);
        cr_assert(strncmp(s, "FTC_E", 5) == 0, "code %d has name %s", c, s);
    }
    cr_assert(strstr(ftc_strerror(FTC_EKEY), "FTC_EKEY"));
    cr_assert(strstr(ftc_strerror(FTC_EUSER - 5), "embedder"));
    cr_assert(strstr(ftc_strerror(-999), "unknown"));
    cr_assert(strstr(ftc_strerror(0), "FTC_OK"));
}

Test(common, last_error_is_per_thread_value)
{
    ftc_set_last_error(FTC_ENOMEM);
    cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
    ftc_set_last_error(0);
    cr_assert_eq(ftc_last_error(), 0);
}

Test(common, alloc_fails_exactly_the_nth)
{
    ftc_fault_alloc_fail_after(3);
    void *a = ftc_mem_alloc(8), *b = ftc_mem_alloc(8), *c = ftc_mem_alloc(8), *d = ftc_mem_alloc(8);
    cr_assert(a && b && !c && d);
    cr_assert_eq(ftc_fault_alloc_fail_after(0), 4);
    ftc_mem_free(a);
    ftc_mem_free(b);
    ftc_mem_free(d);
}

Test(common, alloc_fail_all_counts_down)
{
    ftc_fault_alloc_fail_all(2);
    cr_assert_null(ftc_mem_alloc(1));
    cr_assert_null(ftc_mem_calloc(1, 1));
    void *p = ftc_mem_alloc(1);
    cr_assert_not_null(p);
    ftc_mem_free(p);
}

Test(common, calloc_rejects_overflow)
{
    cr_assert_null(ftc_mem_calloc(SIZE_MAX / 2, 4));
    uint64_t *z = ftc_mem_calloc(4, sizeof *z);
    cr_assert(z && z[0] == 0 && z[3] == 0);
    ftc_mem_free(z);
}

Test(common, thread_create_failures_are_consumed_once)
{
    ftc_fault_thread_create_fail(2);
    cr_assert(ftc_fault_take_thread_create());
    cr_assert(ftc_fault_take_thread_create());
    cr_assert_not(ftc_fault_take_thread_create());
}

static void die_fatal(void *arg)
{
    (void)arg;
    ftc_fatal("the test asked for it: %d", 42);
}

Test(common, fatal_prints_function_and_aborts)
{
    cr_assert(ftc_check_dies(die_fatal, NULL, "ftcore fatal error in die_fatal"));
    cr_assert(ftc_check_dies(die_fatal, NULL, "the test asked for it: 42"));
}

Test(common, monotonic_clock_advances)
{
    double a = ftc_monotonic(), b = ftc_monotonic();
    cr_assert(b >= a && a > 0);
}
