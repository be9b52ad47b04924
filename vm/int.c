/* int: Python's int on ftcore's boxed int64 (ftc_int), and the conversions the number types
 * share (lib.h).
 *
 * Values are 64-bit: every operation checks for overflow (the compiler's checked-arithmetic
 * builtins) and raises OverflowError instead of wrapping; ftpy has no arbitrary precision.
 * Otherwise the semantics are CPython's: // and % round toward negative infinity (the
 * remainder takes the divisor's sign), / is true division giving a float, ** with a negative
 * exponent gives a float, shifts by a negative count raise ValueError, and mixed int/float
 * operations are left to float's slots (int's return NotImplemented for a float operand, as
 * CPython's long_add does, and float's slots take either operand order).
 *
 * bool shares int's layout (fp_bool_object) and slots: every slot here reads its operands
 * with fp_int_like_value(), so True + 1 == 2 needs no conversion.
 *
 * ftcore's int has no per-object state beyond its value and its small ints (-5..256) are
 * static immortals, so these functions never lock anything.
 */
#include "lib.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

ftc_object *fp_int_overflow(void)
{
    fp_err_set(&fp_OverflowError_type, "int too large: ftpy ints are 64-bit");
    return NULL;
}

int fp_index_value(ftc_object *o, int64_t *out, const char *what)
{
    if (fp_int_like(o)) {
        *out = fp_int_like_value(o);
        return 0;
    }
    ftc_object *m = fp_type_lookup(fp_type_of(o), fp_intern("__index__"));
    if (m != NULL) {
        ftc_object *r = fp_call1(m, o);
        if (r == NULL)
            return -1;
        if (!fp_int_like(r)) {
            fp_err_set(&fp_TypeError_type, "__index__ returned non-int (type %s)", fp_type_name(r));
            ftc_decref(r);
            return -1;
        }
        *out = fp_int_like_value(r);
        ftc_decref(r);
        return 0;
    }
    if (what == NULL)
        fp_err_set(&fp_TypeError_type, "'%.100s' object cannot be interpreted as an integer",
                   fp_type_name(o));
    else
        fp_err_set(&fp_TypeError_type, "%s, not %.100s", what, fp_type_name(o));
    return -1;
}

ftc_object *fp_int_from_double(double d)
{
    if (isnan(d)) {
        fp_err_set(&fp_ValueError_type, "cannot convert float NaN to integer");
        return NULL;
    }
    if (isinf(d)) {
        fp_err_set(&fp_OverflowError_type, "cannot convert float infinity to integer");
        return NULL;
    }
    double t = trunc(d);
    if (!(t >= -9223372036854775808.0 && t < 9223372036854775808.0))
        return fp_int_overflow();
    return fp_int_new((int64_t)t);
}

int fp_compare_int_double(int64_t i, double d)
{
    if (isnan(d))
        return 2;
    if (d >= 9223372036854775808.0)
        return -1;
    if (d < -9223372036854775808.0)
        return 1;
    double t = trunc(d);
    int64_t ti = (int64_t)t;
    if (i != ti)
        return i < ti ? -1 : 1;
    double frac = d - t;
    return frac > 0 ? -1 : frac < 0 ? 1 : 0;
}

/* ---- repr, hash, bool ---- */

static ftc_object *int_repr(ftc_object *o)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%lld", (long long)fp_int_like_value(o));
    return fp_str_new(buf, (size_t)n);
}

static int64_t int_hash(ftc_object *o) { return fp_hash_int(fp_int_like_value(o)); }

static int int_bool(ftc_object *o) { return fp_int_like_value(o) != 0; }

static ftc_object *int_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_int_like(a) || !fp_int_like(b))
        return fp_NotImplemented;
    int64_t x = fp_int_like_value(a), y = fp_int_like_value(b);
    bool r;
    switch (op) {
    case FP_LT: r = x < y; break;
    case FP_LE: r = x <= y; break;
    case FP_EQ: r = x == y; break;
    case FP_NE: r = x != y; break;
    case FP_GT: r = x > y; break;
    default: r = x >= y; break;
    }
    return fp_bool(r);
}

/* ---- arithmetic ---- */

#define BOTH_INTS(a, b)                     \
    if (!fp_int_like(a) || !fp_int_like(b)) \
        return fp_NotImplemented;           \
    int64_t x = fp_int_like_value(a), y = fp_int_like_value(b)

static ftc_object *int_add(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    int64_t r;
    if (__builtin_add_overflow(x, y, &r))
        return fp_int_overflow();
    return fp_int_new(r);
}

static ftc_object *int_sub(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    int64_t r;
    if (__builtin_sub_overflow(x, y, &r))
        return fp_int_overflow();
    return fp_int_new(r);
}

static ftc_object *int_mul(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    int64_t r;
    if (__builtin_mul_overflow(x, y, &r))
        return fp_int_overflow();
    return fp_int_new(r);
}

static ftc_object *int_truediv(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y == 0) {
        fp_err_set(&fp_ZeroDivisionError_type, "division by zero");
        return NULL;
    }
    return fp_float_new((double)x / (double)y);
}

/* Floor division and modulo with Python's signs; false on overflow (INT64_MIN // -1). */
static bool floor_divmod(int64_t x, int64_t y, int64_t *q, int64_t *r)
{
    if (x == INT64_MIN && y == -1)
        return false;
    int64_t qq = x / y, rr = x % y;
    if (rr != 0 && ((rr < 0) != (y < 0))) {
        qq--;
        rr += y;
    }
    *q = qq;
    *r = rr;
    return true;
}

static ftc_object *int_floordiv(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y == 0) {
        fp_err_set(&fp_ZeroDivisionError_type, "integer division or modulo by zero");
        return NULL;
    }
    int64_t q, r;
    if (!floor_divmod(x, y, &q, &r))
        return fp_int_overflow();
    return fp_int_new(q);
}

static ftc_object *int_mod(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y == 0) {
        fp_err_set(&fp_ZeroDivisionError_type, "integer modulo by zero");
        return NULL;
    }
    if (y == -1)
        return fp_int_new(0);
    int64_t q, r;
    floor_divmod(x, y, &q, &r);
    return fp_int_new(r);
}

/* divmod(x, y) for ints (builtins.c calls it through the nb slots otherwise). */
ftc_object *fp_int_divmod(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y == 0) {
        fp_err_set(&fp_ZeroDivisionError_type, "integer division or modulo by zero");
        return NULL;
    }
    int64_t q, r;
    if (!floor_divmod(x, y, &q, &r))
        return fp_int_overflow();
    ftc_object *qo = fp_int_new(q), *ro = qo ? fp_int_new(r) : NULL;
    ftc_object *t = ro ? fp_tuple_pack(2, qo, ro) : NULL;
    if (qo)
        ftc_decref(qo);
    if (ro)
        ftc_decref(ro);
    return t;
}

/* x ** y for y >= 0 by squaring; false on overflow. */
static bool ipow(int64_t x, int64_t y, int64_t *out)
{
    int64_t result = 1, base = x;
    while (y > 0) {
        if (y & 1) {
            if (__builtin_mul_overflow(result, base, &result))
                return false;
        }
        y >>= 1;
        if (y > 0 && __builtin_mul_overflow(base, base, &base))
            return false;
    }
    *out = result;
    return true;
}

static ftc_object *int_pow(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y < 0) {
        if (x == 0) {
            fp_err_set(&fp_ZeroDivisionError_type, "0.0 cannot be raised to a negative power");
            return NULL;
        }
        return fp_float_new(pow((double)x, (double)y));
    }
    int64_t r;
    if (!ipow(x, y, &r))
        return fp_int_overflow();
    return fp_int_new(r);
}

/* pow(x, y, m) for ints (builtins.c); products of two residues need 128 bits. */
__extension__ typedef __int128 i128;
ftc_object *fp_int_powmod(ftc_object *a, ftc_object *b, ftc_object *m)
{
    if (!fp_int_like(a) || !fp_int_like(b) || !fp_int_like(m)) {
        fp_err_set(&fp_TypeError_type,
                   "pow() 3rd argument not allowed unless all arguments are integers");
        return NULL;
    }
    int64_t x = fp_int_like_value(a), y = fp_int_like_value(b), md = fp_int_like_value(m);
    if (md == 0) {
        fp_err_set(&fp_ValueError_type, "pow() 3rd argument cannot be 0");
        return NULL;
    }
    if (y < 0) {
        fp_err_set(&fp_ValueError_type, "base is not invertible for the given modulus");
        return NULL;
    }
    i128 mod = md < 0 ? -(i128)md : md;
    i128 base = ((i128)x % mod + mod) % mod, result = 1 % mod;
    while (y > 0) {
        if (y & 1)
            result = result * base % mod;
        base = base * base % mod;
        y >>= 1;
    }
    if (md < 0 && result != 0)
        result -= mod;
    return fp_int_new((int64_t)result);
}

static ftc_object *int_lshift(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y < 0) {
        fp_err_set(&fp_ValueError_type, "negative shift count");
        return NULL;
    }
    if (x == 0)
        return fp_int_new(0);
    if (y >= 63)
        return fp_int_overflow();
    int64_t r = (int64_t)((uint64_t)x << y);
    if ((r >> y) != x)
        return fp_int_overflow();
    return fp_int_new(r);
}

static ftc_object *int_rshift(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    if (y < 0) {
        fp_err_set(&fp_ValueError_type, "negative shift count");
        return NULL;
    }
    return fp_int_new(y >= 64 ? (x < 0 ? -1 : 0) : x >> y);
}

static ftc_object *int_and(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    return fp_int_new(x & y);
}

static ftc_object *int_or(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    return fp_int_new(x | y);
}

static ftc_object *int_xor(ftc_object *a, ftc_object *b)
{
    BOTH_INTS(a, b);
    return fp_int_new(x ^ y);
}

static ftc_object *int_neg(ftc_object *o)
{
    int64_t v = fp_int_like_value(o);
    if (v == INT64_MIN)
        return fp_int_overflow();
    return fp_int_new(-v);
}

static ftc_object *int_pos(ftc_object *o)
{
    if (ftc_int_check(o)) {
        ftc_incref(o);
        return o;
    }
    return fp_int_new(fp_int_like_value(o));
}

static ftc_object *int_invert(ftc_object *o) { return fp_int_new(~fp_int_like_value(o)); }

static ftc_object *int_abs(ftc_object *o)
{
    int64_t v = fp_int_like_value(o);
    if (v >= 0)
        return int_pos(o);
    return int_neg(o);
}

/* ---- construction ---- */

/* The exception for a failed format.h/text.c call: MemoryError, or its message err as an
 * OverflowError (FTC_EOVERFLOW) or a ValueError. Returns NULL. */
static ftc_object *raise_text_error(int rc, const fp_err err)
{
    if (rc == FTC_ENOMEM)
        return fp_err_nomem();
    fp_err_set(rc == FTC_EOVERFLOW ? &fp_OverflowError_type : &fp_ValueError_type, "%s", err);
    return NULL;
}

/* int(s, base) of a str s. */
static ftc_object *int_from_text(ftc_object *s, int base)
{
    int64_t v;
    fp_err err;
    int rc = fp_parse_int(fp_str_data(s), fp_str_len(s), base, &v, err);
    return rc == 0 ? fp_int_new(v) : raise_text_error(rc, err);
}

static ftc_object *int_from_object(ftc_object *x)
{
    if (fp_int_like(x))
        return fp_int_new(fp_int_like_value(x));
    if (fp_float_check(x))
        return fp_int_from_double(fp_float_value(x));
    if (fp_str_check(x))
        return int_from_text(x, 10);
    static const char *const names[] = {"__int__", "__index__", "__trunc__"};
    for (size_t i = 0; i < 3; i++) {
        ftc_object *m = fp_type_lookup(fp_type_of(x), fp_intern(names[i]));
        if (m == NULL)
            continue;
        ftc_object *r = fp_call1(m, x);
        if (r == NULL)
            return NULL;
        if (!fp_int_like(r)) {
            fp_err_set(&fp_TypeError_type, "%s returned non-int (type %.100s)", names[i],
                       fp_type_name(r));
            ftc_decref(r);
            return NULL;
        }
        return r;
    }
    fp_err_set(&fp_TypeError_type,
               "int() argument must be a string, a bytes-like object or a real number, "
               "not '%.100s'",
               fp_type_name(x));
    return NULL;
}

static ftc_object *int_new(fp_type *type, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)type;
    static const char *const kwlist[] = {"", "base", NULL};
    ftc_object *a[2];
    if (fp_parse_args("int", args, nargs, kwnames, kwlist, 0, 2, a) < 0)
        return NULL;
    if (a[0] == NULL) {
        if (a[1] != NULL) {
            fp_err_set(&fp_TypeError_type, "int() missing string argument");
            return NULL;
        }
        return fp_int_new(0);
    }
    if (a[1] == NULL)
        return int_from_object(a[0]);
    int64_t base;
    if (fp_index_value(a[1], &base, "'base' must be an integer") < 0)
        return NULL;
    if (!fp_str_check(a[0])) {
        fp_err_set(&fp_TypeError_type, "int() can't convert non-string with explicit base");
        return NULL;
    }
    if (base != 0 && (base < 2 || base > 36)) {
        fp_err_set(&fp_ValueError_type, "int() base must be >= 2 and <= 36, or 0");
        return NULL;
    }
    return int_from_text(a[0], (int)base);
}

/* ---- format ---- */

ftc_object *fp_format_int(ftc_object *v, ftc_object *spec)
{
    const char *tname = fp_type_name(v);
    if (fp_str_len(spec) == 0)
        return fp_str(v);
    fp_fmt_spec f;
    fp_err err;
    fp_buf b;
    fp_buf_init(&b);
    int rc = fp_fmt_parse(fp_str_data(spec), fp_str_len(spec), 'd', tname, &f, err);
    if (rc == 0)
        rc = fp_fmt_int(&b, fp_int_like_value(v), &f, tname, err);
    if (rc == 0)
        return fp_str_from_buf(&b);
    fp_buf_free(&b);
    return raise_text_error(rc, err);
}

/* ---- methods ---- */

static ftc_object *int_m_format(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    if (fp_check_args("__format__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "__format__() argument must be str, not %.100s",
                   fp_type_name(args[0]));
        return NULL;
    }
    return fp_format_int(self, args[0]);
}

static ftc_object *int_m_bit_length(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("bit_length", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int64_t v = fp_int_like_value(self);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    return fp_int_new(u == 0 ? 0 : 64 - __builtin_clzll(u));
}

static ftc_object *int_m_conjugate(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("conjugate", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return int_pos(self);
}

static const fp_method_def int_methods[] = {
    {"__format__", int_m_format, 0},   {"bit_length", int_m_bit_length, 0},
    {"conjugate", int_m_conjugate, 0}, {"__index__", int_m_conjugate, 0},
    {"__int__", int_m_conjugate, 0},   {NULL, NULL, 0},
};

static ftc_object *int_get_self(ftc_object *self) { return int_pos(self); }

static ftc_object *int_get_zero(ftc_object *self)
{
    (void)self;
    return fp_int_new(0);
}

static ftc_object *int_get_one(ftc_object *self)
{
    (void)self;
    return fp_int_new(1);
}

static const fp_getset_def int_getsets[] = {
    {"real", int_get_self, NULL},
    {"imag", int_get_zero, NULL},
    {"numerator", int_get_self, NULL},
    {"denominator", int_get_one, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_int_type = {
    FP_TYPE_HEAD,
    .ct = {"int", sizeof(_ftc_int_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = int_repr,
    .hash = int_hash,
    .richcompare = int_richcompare,
    .bool_ = int_bool,
    .nb =
        {
            [FP_NB_ADD] = int_add,
            [FP_NB_SUB] = int_sub,
            [FP_NB_MUL] = int_mul,
            [FP_NB_TRUEDIV] = int_truediv,
            [FP_NB_FLOORDIV] = int_floordiv,
            [FP_NB_MOD] = int_mod,
            [FP_NB_POW] = int_pow,
            [FP_NB_LSHIFT] = int_lshift,
            [FP_NB_RSHIFT] = int_rshift,
            [FP_NB_OR] = int_or,
            [FP_NB_XOR] = int_xor,
            [FP_NB_AND] = int_and,
        },
    .nb_neg = int_neg,
    .nb_pos = int_pos,
    .nb_invert = int_invert,
    .nb_abs = int_abs,
    .new_ = int_new,
    .methods = int_methods,
    .getsets = int_getsets,
};
