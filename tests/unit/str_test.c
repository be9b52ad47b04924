/* The built-in str: bytes and length, the hash computed once, equality, errors, faults. */
#include <criterion/criterion.h>
#include <string.h>

#include "check.h"
#include "unit_fault.h"
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
    cr_assert_eq(ftc_object_eq(a, d), 1); /* only the first 5 bytes were taken */
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

static ftc_object *make_fault_str(void) { return ftc_str_new("fault", 5); }

Test(str, new_fault_walk) { unit_new_fault_walk(make_fault_str); }

static void len_of_int(void *arg)
{
    (void)arg;
    ftc_str_len(ftc_int_new(1000));
}

static void data_of_int(void *arg)
{
    (void)arg;
    ftc_str_data(ftc_int_new(1000));
}

static void hash_of_int(void *arg)
{
    (void)arg;
    ftc_str_hash(ftc_int_new(1000));
}

Test(str, accessor_on_non_str_is_fatal)
{
    cr_assert(ftc_check_dies(len_of_int, NULL, "ftc_str_len on a int object"));
    cr_assert(ftc_check_dies(data_of_int, NULL, "ftc_str_data on a int object"));
    cr_assert(ftc_check_dies(hash_of_int, NULL, "ftc_str_hash on a int object"));
}

/* The inline hash (object.h) answers int and str without a call; the out-of-line one handles
 * every type. Both must agree on the built-ins, for many values and lengths (the inline str
 * hash is the one cached at creation, the int one the same finalizer as the type's). */
static int custom_hash(ftc_object *self, uint64_t *out)
{
    (void)self;
    *out = 42;
    return 0;
}

Test(str, inline_hash_agrees_with_the_out_of_line_one)
{
    char buf[64];
    for (int len = 0; len < 40; len++) {
        for (int i = 0; i < len; i++)
            buf[i] = (char)('a' + (len * 7 + i * 3) % 26);
        ftc_object *s = ftc_str_new(buf, (size_t)len);
        cr_assert_not_null(s);
        uint64_t fast = 1, slow = 2;
        cr_assert_eq(ftc_object_hash(s, &fast), 0);
        cr_assert_eq(_ftc_object_hash_slow(s, &slow), 0);
        cr_assert_eq(fast, slow);
        cr_assert_eq(fast, ftc_str_hash(s));
        cr_assert_eq(ftc_str_len(s), (size_t)len);
        cr_assert(memcmp(ftc_str_data(s), buf, (size_t)len) == 0);
        ftc_decref(s);
    }
    int64_t values[] = {0, 1, -1, 255, 256, 257, -5, -6, INT64_MAX, INT64_MIN, (int64_t)1 << 40};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++) {
        ftc_object *o = ftc_int_new(values[k]);
        cr_assert_not_null(o);
        uint64_t fast = 1, slow = 2;
        cr_assert_eq(ftc_object_hash(o, &fast), 0);
        cr_assert_eq(_ftc_object_hash_slow(o, &slow), 0);
        cr_assert_eq(fast, slow);
        cr_assert_eq(fast, _ftc_hash_mix64((uint64_t)values[k]));
        cr_assert_eq(ftc_int_value(o), values[k]);
        ftc_decref(o);
    }
    /* Another type: the inline path hands it to the callback (or reports it unhashable). */
    static const ftc_type hashed = {
        .name = "hashed", .basicsize = sizeof(ftc_object), .hash = custom_hash};
    static const ftc_type unhashable = {.name = "unhashable", .basicsize = sizeof(ftc_object)};
    ftc_object *h = ftc_object_new(&hashed), *u = ftc_object_new(&unhashable);
    cr_assert_not_null(h);
    cr_assert_not_null(u);
    uint64_t out = 0;
    cr_assert_eq(ftc_object_hash(h, &out), 0);
    cr_assert_eq(out, 42);
    cr_assert_eq(ftc_object_hash(u, &out), FTC_ETYPE);
    ftc_decref(h);
    ftc_decref(u);
}

Test(str, code_point_length)
{
    /* "aé€😀": 1 + 2 + 3 + 4 bytes, four code points; ASCII text has one per byte. */
    const char *u = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    ftc_object *s = ftc_str_new(u, strlen(u)), *a = ftc_str_new("hello", 5);
    ftc_object *e = ftc_str_new(NULL, 0);
    cr_assert_eq(ftc_str_len(s), 10);
    cr_assert_eq(ftc_str_cplen(s), 4);
    cr_assert_eq(ftc_str_cplen(a), 5);
    cr_assert_eq(ftc_str_cplen(e), 0);
    ftc_decref(s);
    ftc_decref(a);
    ftc_decref(e);
}
