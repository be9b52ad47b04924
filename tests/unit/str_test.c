/* The built-in str: bytes and length, the hash computed once, equality, errors, faults. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "internal/object.h"

Test(str, bytes_length_and_terminator)
{
    const char raw[] = {'a', '\0', 'b', 'c'};
    ftc_object *s = ftc_str_new(raw, sizeof raw);
    cr_assert_not_null(s);
    cr_assert(ftc_str_check(s));
    cr_assert_eq(ftc_type_of(s), &ftc_str_type);
    cr_assert_eq(ftc_str_len(s), 4);
    cr_assert(memcmp(ftc_str_data(s), raw, 4) == 0);
    cr_assert_eq(ftc_str_data(s)[4], '\0');
    cr_assert_eq(ftc_object_refcount(s), 1);
    ftc_decref(s);
}

Test(str, empty_and_null)
{
    ftc_object *e = ftc_str_new(NULL, 0), *e2 = ftc_str_new("", 0);
    cr_assert_not_null(e);
    cr_assert_eq(ftc_str_len(e), 0);
    cr_assert_str_eq(ftc_str_data(e), "");
    cr_assert_eq(ftc_object_eq(e, e2), 1);
    ftc_set_last_error(0);
    cr_assert_null(ftc_str_new(NULL, 3));
    cr_assert_eq(ftc_last_error(), FTC_EINVAL);
    ftc_set_last_error(0);
    cr_assert_null(ftc_str_new("x", SIZE_MAX - 8));
    cr_assert_eq(ftc_last_error(), FTC_EOVERFLOW);
    ftc_decref(e);
    ftc_decref(e2);
}

Test(str, hash_and_equality)
{
    ftc_object *a = ftc_str_new("hello", 5), *b = ftc_str_new("hello", 5);
    ftc_object *c = ftc_str_new("hellp", 5), *d = ftc_str_new("hello!", 5);
    uint64_t ha, hb, hc;
    cr_assert_eq(ftc_object_hash(a, &ha), 0);
    cr_assert_eq(ftc_object_hash(b, &hb), 0);
    cr_assert_eq(ftc_object_hash(c, &hc), 0);
    cr_assert_eq(ha, hb);
    cr_assert_eq(ha, ftc_str_hash(a));
    cr_assert_neq(ha, hc);
    cr_assert_eq(ftc_object_eq(a, b), 1);
    cr_assert_eq(ftc_object_eq(a, c), 0);
    cr_assert_eq(ftc_object_eq(a, d), 1);   /* only the first 5 bytes were taken */
    ftc_object *shorter = ftc_str_new("hell", 4);
    cr_assert_eq(ftc_object_eq(a, shorter), 0);
    ftc_decref(a);
    ftc_decref(b);
    ftc_decref(c);
    ftc_decref(d);
    ftc_decref(shorter);
}

Test(str, copies_its_input)
{
    char buf[8] = "abcdefg";
    ftc_object *s = ftc_str_new(buf, 7);
    uint64_t h = ftc_str_hash(s);
    buf[0] = 'z';
    cr_assert_str_eq(ftc_str_data(s), "abcdefg");
    cr_assert_eq(ftc_str_hash(s), h);
    ftc_decref(s);
}

Test(str, new_fault_walk)
{
    int64_t live = ftc_object_live_count();
    ftc_fault_alloc_fail_after(0);
    ftc_object *o = ftc_str_new("fault", 5);
    uint64_t allocs = ftc_fault_alloc_count();
    cr_assert_not_null(o);
    cr_assert_geq(allocs, 1);
    ftc_decref(o);
    for (uint64_t n = 1; n <= allocs; n++) {
        ftc_fault_alloc_fail_after(n);
        ftc_set_last_error(0);
        o = ftc_str_new("fault", 5);
        ftc_fault_alloc_fail_after(0);
        cr_assert_null(o);
        cr_assert_eq(ftc_last_error(), FTC_ENOMEM);
        cr_assert_eq(ftc_object_live_count(), live);
    }
}

static void len_of_int(void *arg)
{
    (void)arg;
    ftc_str_len(ftc_int_new(1000));
}

Test(str, accessor_on_non_str_is_fatal)
{
    cr_assert(ftc_check_dies(len_of_int, NULL, "ftc_str_len on a int object"));
}
