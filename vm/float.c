/* float: an IEEE double in an ftpy object, with CPython's repr, hash and arithmetic.
 *
 * repr and str are the shortest text that reads back as the same double (format.c). Mixed
 * arithmetic: every binary slot accepts an int, bool or float on either side (int's slots
 * return NotImplemented for floats, so 1 + 0.5 reaches float_add(1, 0.5)). Comparisons with
 * ints are exact (fp_compare_int_double), not through a rounding conversion. Division by
 * zero raises ZeroDivisionError with CPython 3.11's messages ("float division by zero",
 * "float floor division by zero", "float modulo"); // and % follow Python's signs and
 * fmod-based rules; ** raises ZeroDivisionError for 0.0 to a negative power and gives an
 * OverflowError when finite operands overflow, as CPython does.
 *
 * ftcore's dicts: an integral float must be the same key as the equal int, so ct.hash is the
 * hash ftcore gives that int (fp_ct_hash_double) and ct.eq accepts ints and bools.
 */
#include "lib.h"

#include <errno.h>
#include <math.h>
#include <string.h>

ftc_object *fp_float_new(double v)
{
    ftc_object *o = ftc_object_new(&fp_float_type.ct);
    if (o == NULL)
        return fp_err_nomem();
    ((fp_float_object *)o)->value = v;
    return o;
}

uint64_t fp_ct_hash_double(double d)
{
    if (d == trunc(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
        return _ftc_hash_mix64((uint64_t)(int64_t)d);
    return _ftc_hash_mix64((uint64_t)fp_hash_double(d, NULL));
}

static int float_ct_hash(ftc_object *self, uint64_t *out)
{
    double d = fp_float_value(self);
    *out = isnan(d) ? _ftc_hash_mix64((uint64_t)(uintptr_t)self) : fp_ct_hash_double(d);
    return 0;
}

static int float_ct_eq(ftc_object *self, ftc_object *other)
{
    double d = fp_float_value(self);
    if (fp_float_check(other))
        return d == fp_float_value(other);
    if (fp_int_like(other))
        return fp_compare_int_double(fp_int_like_value(other), d) == 0;
    return 0;
}

static ftc_object *float_repr(ftc_object *o)
{
    char buf[32];
    size_t n = fp_double_repr(fp_float_value(o), buf);
    return fp_str_new(buf, n);
}

static int64_t float_hash(ftc_object *o) { return fp_hash_double(fp_float_value(o), o); }

static int float_bool(ftc_object *o) { return fp_float_value(o) != 0.0; }

static ftc_object *float_richcompare(ftc_object *a, ftc_object *b, int op)
{
    int c; /* a versus b: -1, 0, 1, 2 = unordered */
    if (fp_float_check(a) && fp_float_check(b)) {
        double x = fp_float_value(a), y = fp_float_value(b);
        c = isnan(x) || isnan(y) ? 2 : x < y ? -1 : x > y ? 1 : 0;
    } else if (fp_float_check(a) && fp_int_like(b)) {
        c = fp_compare_int_double(fp_int_like_value(b), fp_float_value(a));
        c = c == 2 ? 2 : -c;
    } else if (fp_int_like(a) && fp_float_check(b)) {
        c = fp_compare_int_double(fp_int_like_value(a), fp_float_value(b));
    } else {
        return fp_NotImplemented;
    }
    bool r;
    switch (op) {
    case FP_LT: r = c == -1; break;
    case FP_LE: r = c == -1 || c == 0; break;
    case FP_EQ: r = c == 0; break;
    case FP_NE: r = c != 0; break;
    case FP_GT: r = c == 1; break;
    default: r = c == 1 || c == 0; break;
    }
    return fp_bool(r);
}

#define BOTH_DOUBLES(a, b)                                          \
    double x, y;                                                    \
    if (!fp_number_as_double(a, &x) || !fp_number_as_double(b, &y)) \
    return fp_NotImplemented

static ftc_object *float_add(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    return fp_float_new(x + y);
}

static ftc_object *float_sub(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    return fp_float_new(x - y);
}

static ftc_object *float_mul(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    return fp_float_new(x * y);
}

static ftc_object *float_truediv(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    if (y == 0.0) {
        fp_err_set(&fp_ZeroDivisionError_type, "float division by zero");
        return NULL;
    }
    return fp_float_new(x / y);
}

/* CPython's float divmod: the remainder takes the divisor's sign; the quotient is floored
 * and made exact where fmod left a small error. */
static void float_divmod_values(double vx, double wx, double *floordiv, double *mod)
{
    double m = fmod(vx, wx);
    double div = (vx - m) / wx;
    if (m) {
        if ((wx < 0) != (m < 0)) {
            m += wx;
            div -= 1.0;
        }
    } else {
        m = copysign(0.0, wx);
    }
    if (div) {
        double floored = floor(div);
        if (div - floored > 0.5)
            floored += 1.0;
        div = floored;
    } else {
        div = copysign(0.0, vx / wx);
    }
    *floordiv = div;
    *mod = m;
}

static ftc_object *float_floordiv(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    if (y == 0.0) {
        fp_err_set(&fp_ZeroDivisionError_type, "float floor division by zero");
        return NULL;
    }
    double q, r;
    float_divmod_values(x, y, &q, &r);
    return fp_float_new(q);
}

static ftc_object *float_mod(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    if (y == 0.0) {
        fp_err_set(&fp_ZeroDivisionError_type, "float modulo");
        return NULL;
    }
    double q, r;
    float_divmod_values(x, y, &q, &r);
    return fp_float_new(r);
}

ftc_object *fp_float_divmod(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    if (y == 0.0) {
        fp_err_set(&fp_ZeroDivisionError_type, "float divmod()");
        return NULL;
    }
    double q, r;
    float_divmod_values(x, y, &q, &r);
    ftc_object *qo = fp_float_new(q), *ro = qo ? fp_float_new(r) : NULL;
    ftc_object *t = ro ? fp_tuple_pack(2, qo, ro) : NULL;
    if (qo)
        ftc_decref(qo);
    if (ro)
        ftc_decref(ro);
    return t;
}

static ftc_object *float_pow(ftc_object *a, ftc_object *b)
{
    BOTH_DOUBLES(a, b);
    if (x == 0.0 && y < 0.0) {
        fp_err_set(&fp_ZeroDivisionError_type, "0.0 cannot be raised to a negative power");
        return NULL;
    }
    if (x < 0.0 && isfinite(x) && isfinite(y) && y != floor(y)) {
        fp_err_set(&fp_NotImplementedError_type,
                   "ftpy does not support complex numbers (negative number to a fractional "
                   "power)");
        return NULL;
    }
    errno = 0;
    double r = pow(x, y);
    if (isinf(r) && isfinite(x) && isfinite(y)) {
        fp_err_set(&fp_OverflowError_type, "(34, 'Numerical result out of range')");
        return NULL;
    }
    return fp_float_new(r);
}

static ftc_object *float_neg(ftc_object *o) { return fp_float_new(-fp_float_value(o)); }

static ftc_object *float_pos(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

static ftc_object *float_abs(ftc_object *o) { return fp_float_new(fabs(fp_float_value(o))); }

/* float(x) */
static ftc_object *float_from_object(ftc_object *x)
{
    if (fp_float_check(x)) {
        ftc_incref(x);
        return x;
    }
    if (fp_int_like(x))
        return fp_float_new((double)fp_int_like_value(x));
    if (fp_str_check(x)) {
        double d;
        fp_err err;
        int rc = fp_parse_double(fp_str_data(x), fp_str_len(x), &d, err);
        if (rc == FTC_ENOMEM)
            return fp_err_nomem();
        if (rc) {
            fp_err_set(&fp_ValueError_type, "%s", err);
            return NULL;
        }
        return fp_float_new(d);
    }
    static const char *const names[] = {"__float__", "__index__"};
    for (size_t i = 0; i < 2; i++) {
        ftc_object *m = fp_type_lookup(fp_type_of(x), fp_intern(names[i]));
        if (m == NULL)
            continue;
        ftc_object *r = fp_call1(m, x);
        if (r == NULL)
            return NULL;
        double d;
        if (!fp_number_as_double(r, &d) || (i == 0 && !fp_float_check(r))) {
            fp_err_set(&fp_TypeError_type, "%s returned non-%s (type %.100s)", names[i],
                       i == 0 ? "float" : "int", fp_type_name(r));
            ftc_decref(r);
            return NULL;
        }
        ftc_decref(r);
        return fp_float_new(d);
    }
    fp_err_set(&fp_TypeError_type,
               "float() argument must be a string or a real number, not "
               "'%.100s'",
               fp_type_name(x));
    return NULL;
}

static ftc_object *float_new(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)type;
    if (fp_check_args("float", nargs, kwnames, 0, 1) < 0)
        return NULL;
    if (nargs == 0)
        return fp_float_new(0.0);
    return float_from_object(args[0]);
}

ftc_object *fp_format_float(ftc_object *v, ftc_object *spec)
{
    if (fp_str_len(spec) == 0)
        return fp_str(v);
    fp_fmt_spec f;
    fp_err err;
    fp_buf b;
    fp_buf_init(&b);
    int rc = fp_fmt_parse(fp_str_data(spec), fp_str_len(spec), 0, "float", &f, err);
    if (rc == 0)
        rc = fp_fmt_double(&b, fp_float_value(v), &f, "float", err);
    if (rc == 0)
        return fp_str_from_buf(&b);
    fp_buf_free(&b);
    if (rc == FTC_ENOMEM)
        return fp_err_nomem();
    fp_err_set(&fp_ValueError_type, "%s", err);
    return NULL;
}

static ftc_object *float_m_format(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    if (fp_check_args("__format__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "__format__() argument must be str, not %.100s",
                   fp_type_name(args[0]));
        return NULL;
    }
    return fp_format_float(self, args[0]);
}

static ftc_object *float_m_is_integer(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("is_integer", nargs, kwnames, 0, 0) < 0)
        return NULL;
    double d = fp_float_value(self);
    return fp_bool(isfinite(d) && d == floor(d));
}

static ftc_object *float_m_int(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("__int__", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_int_from_double(fp_float_value(self));
}

static const fp_method_def float_methods[] = {
    {"__format__", float_m_format, 0},
    {"is_integer", float_m_is_integer, 0},
    {"__int__", float_m_int, 0},
    {"__trunc__", float_m_int, 0},
    {NULL, NULL, 0},
};

static ftc_object *float_get_real(ftc_object *self) { return float_pos(self); }

static ftc_object *float_get_imag(ftc_object *self)
{
    (void)self;
    return fp_float_new(0.0);
}

static const fp_getset_def float_getsets[] = {
    {"real", float_get_real, NULL},
    {"imag", float_get_imag, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_float_type = {
    FP_TYPE_HEAD,
    .ct = {"float", sizeof(fp_float_object), NULL, float_ct_hash, float_ct_eq},
    .base = &fp_object_type,
    .repr = float_repr,
    .hash = float_hash,
    .richcompare = float_richcompare,
    .bool_ = float_bool,
    .nb =
        {
            [FP_NB_ADD] = float_add,
            [FP_NB_SUB] = float_sub,
            [FP_NB_MUL] = float_mul,
            [FP_NB_TRUEDIV] = float_truediv,
            [FP_NB_FLOORDIV] = float_floordiv,
            [FP_NB_MOD] = float_mod,
            [FP_NB_POW] = float_pow,
        },
    .nb_neg = float_neg,
    .nb_pos = float_pos,
    .nb_abs = float_abs,
    .new_ = float_new,
    .methods = float_methods,
    .getsets = float_getsets,
};
