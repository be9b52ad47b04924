/* The built-in int: values, small-int immortals, hashing, equality, fault injection. */
#include <criterion/criterion.h>

#include "check.h"
#include "unit_fault.h"
#include "internal/object.h"

Test(int, values_round_trip)
{
    int64_t vals[] = {0, 1, -1, -5, -6, 256, 257, 1000000, INT64_MAX, INT64_MIN, -123456789};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        ftc_object *o = ftc_int_new(vals[i]);
        cr_assert_not_null(o);
        cr_assert(ftc_int_check(o));
        cr_assert(!ftc_str_check(o));
        cr_assert_eq(ftc_type_of(o), &ftc_int_type);
        cr_assert_eq(ftc_int_value(o), vals[i]);
        ftc_decref(o);
    }
}

Test(int, small_ints_are_shared_immortals)
{
    int64_t live = ftc_object_live_count();
    for (int64_t v = -5; v <= 256; v++) {
        ftc_object *a = ftc_int_new(v), *b = ftc_int_new(v);
        cr_assert_eq(a, b);
        cr_assert(ftc_object_is_immortal(a));
        cr_assert_eq(ftc_int_value(a), v);
        ftc_decref(a);
        ftc_decref(b);
    }
    cr_assert_eq(ftc_object_live_count(), live);
    ftc_object *big1 = ftc_int_new(257), *big2 = ftc_int_new(257);
    cr_assert_neq(big1, big2);
    cr_assert(!ftc_object_is_immortal(big1));
    cr_assert_eq(ftc_object_live_count(), live + 2);
    cr_assert_eq(ftc_object_eq(big1, big2), 1);
    ftc_decref(big1);
    ftc_decref(big2);
    cr_assert_eq(ftc_object_live_count(), live);
}

Test(int, hash_depends_on_value_only)
{
    ftc_object *a = ftc_int_new(-77777), *b = ftc_int_new(-77777), *c = ftc_int_new(-77778);
    uint64_t ha, hb, hc;
    cr_assert_eq(ftc_object_hash(a, &ha), 0);
    cr_assert_eq(ftc_object_hash(b, &hb), 0);
    cr_assert_eq(ftc_object_hash(c, &hc), 0);
    cr_assert_eq(ha, hb);
    cr_assert_neq(ha, hc);
    cr_assert_eq(ftc_object_eq(a, b), 1);
    cr_assert_eq(ftc_object_eq(a, c), 0);
    /* Spread: consecutive values differ in their low bits (the dict masks them). */
    int low_same = 0;
    uint64_t prev = 0;
    for (int64_t v = 1000; v < 1100; v++) {
        ftc_object *o = ftc_int_new(v);
        uint64_t h;
        ftc_object_hash(o, &h);
        low_same += v > 1000 && (h & 7) == (prev & 7);
        prev = h;
        ftc_decref(o);
    }
    cr_assert_lt(low_same, 40);
    ftc_decref(a);
    ftc_decref(b);
    ftc_decref(c);
}

static ftc_object *make_big_int(void) { return ftc_int_new(1 << 20); }

Test(int, new_fault_walk)
{
    unit_new_fault_walk(make_big_int);
    /* Small ints never allocate. */
    ftc_fault_alloc_fail_after(1);
    ftc_object *o = ftc_int_new(3);
    ftc_fault_alloc_fail_after(0);
    cr_assert_not_null(o);
}

static void value_of_str(void *arg)
{
    (void)arg;
    ftc_object *s = ftc_str_new("x", 1);
    ftc_int_value(s);
}

Test(int, value_of_non_int_is_fatal)
{
    cr_assert(ftc_check_dies(value_of_str, NULL, "ftc_int_value on a str object"));
}
