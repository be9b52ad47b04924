/* bool: a subtype of int with two static immortal instances, True and False.
 *
 * The layout is int's (fp_bool_object: the value at the offset of ftcore's int value), so
 * int's slots, inherited through fp_type_ready, compute with bools directly (True + True ==
 * 2). bool overrides repr and the bitwise operators (& | ^ of two bools is a bool). For
 * ftcore's dicts a bool hashes and compares like the int of its value (True and 1 are one
 * key): ct.hash is ftcore's int hash of the value, ct.eq accepts ints, bools and floats.
 */
#include "lib.h"

fp_bool_object _fp_True = {FTC_OBJECT_STATIC_INIT(&fp_bool_type.ct), 1};
fp_bool_object _fp_False = {FTC_OBJECT_STATIC_INIT(&fp_bool_type.ct), 0};

static ftc_object *bool_repr(ftc_object *o)
{
    return fp_str_from_cstr(fp_int_like_value(o) ? "True" : "False");
}

static ftc_object *bool_bitop(ftc_object *a, ftc_object *b, int nb)
{
    if (fp_bool_check(a) && fp_bool_check(b)) {
        int64_t x = fp_int_like_value(a), y = fp_int_like_value(b);
        return fp_bool(nb == FP_NB_AND ? (x & y) : nb == FP_NB_OR ? (x | y) : (x ^ y));
    }
    return fp_int_type.nb[nb](a, b);
}

static ftc_object *bool_and(ftc_object *a, ftc_object *b) { return bool_bitop(a, b, FP_NB_AND); }

static ftc_object *bool_or(ftc_object *a, ftc_object *b) { return bool_bitop(a, b, FP_NB_OR); }

static ftc_object *bool_xor(ftc_object *a, ftc_object *b) { return bool_bitop(a, b, FP_NB_XOR); }

static ftc_object *bool_new(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)type;
    if (fp_check_args("bool", nargs, kwnames, 0, 1) < 0)
        return NULL;
    if (nargs == 0)
        return fp_False;
    int t = fp_truthy(args[0]);
    if (t < 0)
        return NULL;
    return fp_bool(t);
}

static int bool_ct_hash(ftc_object *self, uint64_t *out)
{
    *out = _ftc_hash_mix64((uint64_t)fp_int_like_value(self));
    return 0;
}

static int bool_ct_eq(ftc_object *self, ftc_object *other)
{
    if (fp_int_like(other))
        return fp_int_like_value(self) == fp_int_like_value(other);
    if (fp_float_check(other))
        return (double)fp_int_like_value(self) == fp_float_value(other);
    return 0;
}

fp_type fp_bool_type = {
    FP_TYPE_HEAD,
    .ct = {"bool", sizeof(fp_bool_object), NULL, bool_ct_hash, bool_ct_eq},
    .base = &fp_int_type,
    .repr = bool_repr,
    .nb = {[FP_NB_AND] = bool_and, [FP_NB_OR] = bool_or, [FP_NB_XOR] = bool_xor},
    .new_ = bool_new,
};
