/* Object helpers shared by the Criterion suites of the containers (dict_test.c, list_test.c,
 * ctr_share_test.c): each asserts that its step succeeded. Include after criterion.h. */
#ifndef FTC_TEST_UNIT_OBJECTS_H
#define FTC_TEST_UNIT_OBJECTS_H

#include <ftcore/ftcore.h>

/* A new int (asserted non-NULL). */
static inline ftc_object *I(int64_t v)
{
    ftc_object *o = ftc_int_new(v);
    cr_assert_not_null(o);
    return o;
}

/* Sets key -> value and drops the caller's references to both. */
static inline void set_steal(ftc_object *d, ftc_object *k, ftc_object *v)
{
    cr_assert_eq(ftc_dict_set(d, k, v), 0);
    ftc_decref(k);
    ftc_decref(v);
}

/* The int value stored under key (which is dropped), or -1 when missing. */
static inline int64_t get_int(ftc_object *d, ftc_object *k)
{
    ftc_object *v = NULL;
    int rc = ftc_dict_get_ref(d, k, &v);
    ftc_decref(k);
    cr_assert(rc == 0 || rc == 1, "rc %d", rc);
    if (rc == 0) {
        cr_assert_null(v);
        return -1;
    }
    int64_t x = ftc_int_value(v);
    ftc_decref(v);
    return x;
}

/* Appends v and drops the caller's reference. */
static inline void append_steal(ftc_object *l, ftc_object *v)
{
    cr_assert_eq(ftc_list_append(l, v), 0);
    ftc_decref(v);
}

#endif /* FTC_TEST_UNIT_OBJECTS_H */
