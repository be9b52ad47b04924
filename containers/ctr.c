/* Key semantics shared by the containers: hashing, equality, and the built-in order.
 *
 * Built-in int and str objects hash and compare through their own types' functions, which are
 * part of ftcore and run no user code; that is what lets the nogil dict compare such keys on
 * its lock-free path. Any other type's hash and eq are callbacks that may run arbitrary code
 * (mutate containers, block, fail); their callers hold references across the call and
 * re-validate afterwards. Identity implies equality, as in CPython's containers, so a key is
 * always found by the very object it was stored with, even if its eq says otherwise.
 */
#include "dict_internal.h"
#include "list_internal.h"

#include <string.h>

#ifdef FTC_GIL_DISABLED
/* ctr.h, "Private until another thread comes". The flag is re-checked in the critical section:
 * two threads may race here, and only the first marks. */
void _ftc_ctr_mark_all(ftc_object *c)
{
    if (ftc_type_of(c) == &ftc_dict_type)
        _ftc_dict_mark_all_locked(DICT(c));
    else
        _ftc_list_mark_all_locked(LIST(c));
}

void _ftc_ctr_make_shared(ftc_object *c)
{
    FTC_BEGIN_CRITICAL_SECTION(c);
    if (!(ftc_atomic_load_relaxed(&c->ob_flags) & FTC_OBF_CTR_SHARED)) {
        _ftc_ctr_mark_all(c);
        /* Release: pairs with the acquire load in ctr_is_shared(); the marks, and every write
         * the critical section ordered before them, are visible to a thread that sees it. */
        ftc_atomic_fetch_or_release(&c->ob_flags, FTC_OBF_CTR_SHARED);
    }
    FTC_END_CRITICAL_SECTION();
}
#endif

bool _ftc_ctr_builtin_eq(ftc_object *a, ftc_object *b)
{
    if (a == b)
        return true;
    const ftc_type *t = ftc_type_of(a);
    if (t != ftc_type_of(b))
        return false;
    if (t == &ftc_int_type)
        return ftc_int_value(a) == ftc_int_value(b);
    if (ftc_str_hash(a) != ftc_str_hash(b))
        return false;
    size_t la = ftc_str_len(a), lb = ftc_str_len(b);
    const char *sa = ftc_str_data(a), *sb = ftc_str_data(b);
    return la == lb && memcmp(sa, sb, la) == 0;
}

int _ftc_ctr_eq(ftc_object *a, ftc_object *b)
{
    if (a == b)
        return 1;
    if (ctr_is_builtin(a) && ctr_is_builtin(b))
        return _ftc_ctr_builtin_eq(a, b) ? 1 : 0;
    const ftc_type *ta = ftc_type_of(a), *tb = ftc_type_of(b);
    int r;
    if (!ctr_is_builtin(a) && ta->eq != NULL)
        r = ta->eq(a, b);
    else if (!ctr_is_builtin(b) && tb->eq != NULL)
        r = tb->eq(b, a);
    else
        return 0;
    if (r < 0)
        return r;
    return r ? 1 : 0;
}

int _ftc_ctr_builtin_less(ftc_object *a, ftc_object *b)
{
    const ftc_type *t = ftc_type_of(a);
    if (t != ftc_type_of(b))
        return FTC_ETYPE;
    if (t == &ftc_int_type)
        return ftc_int_value(a) < ftc_int_value(b);
    if (t != &ftc_str_type)
        return FTC_ETYPE;
    size_t la = ftc_str_len(a), lb = ftc_str_len(b);
    const char *sa = ftc_str_data(a), *sb = ftc_str_data(b);
    int c = memcmp(sa, sb, la < lb ? la : lb);
    return c < 0 || (c == 0 && la < lb);
}
