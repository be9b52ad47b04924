/* The math module: CPython 3.11's functions on IEEE doubles and 64-bit ints.
 *
 * Arguments: a function of reals accepts an int (bool included) or a float, and raises
 * TypeError "must be real number, not T" otherwise, as CPython does. Results follow CPython's
 * error rules (Modules/mathmodule.c's math_1 and math_2), which turn C's silent NaN and
 * infinity results into exceptions:
 *   - a NaN result from a non-NaN argument: ValueError "math domain error" (sqrt(-1), sin(inf));
 *   - an infinite result from finite arguments: OverflowError "math range error" for the
 *     functions that overflow (exp, pow, hypot...), ValueError "math domain error" for the
 *     ones that reach infinity only at a pole (log(0), atanh(1));
 *   - a NaN or infinite argument propagates quietly where C99 says so (sqrt(inf) == inf).
 * floor, ceil and trunc return ints: an infinite value raises OverflowError "cannot convert
 * float infinity to integer", NaN ValueError "cannot convert float NaN to integer", and a
 * finite value beyond int64 OverflowError (ftpy's ints are 64-bit). isqrt and gcd take ints
 * only ("'float' object cannot be interpreted as an integer").
 *
 * Nothing here touches shared state; the module's constants are made once at import.
 */
#include "ftpy.h"

#include <errno.h>
#include <math.h>

/* Reads a real argument. 0, or -1 with TypeError. */
static int to_double(ftc_object *o, double *out)
{
    if (fp_float_check(o)) {
        *out = fp_float_value(o);
        return 0;
    }
    if (fp_int_like(o)) {
        *out = (double)fp_int_like_value(o);
        return 0;
    }
    fp_err_set(&fp_TypeError_type, "must be real number, not %s", fp_type_name(o));
    return -1;
}

/* Reads an int argument (bool included). 0, or -1 with TypeError. */
static int to_int(ftc_object *o, int64_t *out)
{
    if (fp_int_like(o)) {
        *out = fp_int_like_value(o);
        return 0;
    }
    fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
               fp_type_name(o));
    return -1;
}

static ftc_object *domain_error(void)
{
    fp_err_set(&fp_ValueError_type, "math domain error");
    return NULL;
}

static ftc_object *range_error(void)
{
    fp_err_set(&fp_OverflowError_type, "math range error");
    return NULL;
}

/* CPython's math_1: r = f(x) with the error rules in the essay. */
static ftc_object *math_1(const char *name, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames, double (*f)(double), bool can_overflow)
{
    double x;
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0 || to_double(args[0], &x) < 0)
        return NULL;
    errno = 0;
    double r = f(x);
    if (isnan(r) && !isnan(x))
        return domain_error();
    if (isinf(r) && isfinite(x))
        return can_overflow ? range_error() : domain_error();
    return fp_float_new(r);
}

#define MATH_1(pyname, cfn, overflow)                                                         \
    static ftc_object *math_##pyname(ftc_object *self, ftc_object *const *args, size_t nargs, \
                                     ftc_object *kwnames)                                     \
    {                                                                                         \
        (void)self;                                                                           \
        return math_1(#pyname, args, nargs, kwnames, cfn, overflow);                          \
    }

MATH_1(sqrt, sqrt, false)
MATH_1(sin, sin, false)
MATH_1(cos, cos, false)
MATH_1(tan, tan, false)
MATH_1(asin, asin, false)
MATH_1(acos, acos, false)
MATH_1(atan, atan, false)
MATH_1(sinh, sinh, true)
MATH_1(cosh, cosh, true)
MATH_1(tanh, tanh, false)
MATH_1(exp, exp, true)
MATH_1(expm1, expm1, true)
MATH_1(fabs, fabs, false)

/* log of a positive real; x <= 0 is a domain error (C would give -inf or NaN). */
static int log_of(ftc_object *o, double (*f)(double), double *out)
{
    double x;
    if (to_double(o, &x) < 0)
        return -1;
    if (isnan(x) || (isinf(x) && x > 0)) {
        *out = x;
        return 0;
    }
    if (!(x > 0)) {
        domain_error();
        return -1;
    }
    *out = f(x);
    return 0;
}

static ftc_object *math_log(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("log", nargs, kwnames, 1, 2) < 0)
        return NULL;
    double num;
    if (log_of(args[0], log, &num) < 0)
        return NULL;
    if (nargs == 1)
        return fp_float_new(num);
    double den;
    if (log_of(args[1], log, &den) < 0)
        return NULL;
    if (den == 0) {
        fp_err_set(&fp_ZeroDivisionError_type, "float division by zero");
        return NULL;
    }
    return fp_float_new(num / den);
}

static ftc_object *math_log2(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    double r;
    if (fp_check_args("log2", nargs, kwnames, 1, 1) < 0 || log_of(args[0], log2, &r) < 0)
        return NULL;
    return fp_float_new(r);
}

static ftc_object *math_log10(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    double r;
    if (fp_check_args("log10", nargs, kwnames, 1, 1) < 0 || log_of(args[0], log10, &r) < 0)
        return NULL;
    return fp_float_new(r);
}

static ftc_object *math_atan2(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    double y, x;
    if (fp_check_args("atan2", nargs, kwnames, 2, 2) < 0 || to_double(args[0], &y) < 0 ||
        to_double(args[1], &x) < 0)
        return NULL;
    return fp_float_new(atan2(y, x));
}

static ftc_object *math_copysign(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)self;
    double x, y;
    if (fp_check_args("copysign", nargs, kwnames, 2, 2) < 0 || to_double(args[0], &x) < 0 ||
        to_double(args[1], &y) < 0)
        return NULL;
    return fp_float_new(copysign(x, y));
}

/* math.pow: CPython's rules — finite arguments giving NaN or a pole are domain errors, finite
 * arguments giving infinity otherwise overflow; pow(x, 0) and pow(1, y) are 1 even for NaN. */
static ftc_object *math_pow(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    double x, y;
    if (fp_check_args("pow", nargs, kwnames, 2, 2) < 0 || to_double(args[0], &x) < 0 ||
        to_double(args[1], &y) < 0)
        return NULL;
    if (y == 0 || x == 1)
        return fp_float_new(1.0);
    double r = pow(x, y);
    if (isfinite(x) && isfinite(y)) {
        if (isnan(r))
            return domain_error();
        if (isinf(r))
            return x == 0 ? domain_error() : range_error();
    }
    return fp_float_new(r);
}

static ftc_object *math_hypot(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("hypot", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    double acc = 0;
    bool any_inf = false, any_nan = false;
    for (size_t i = 0; i < nargs; i++) {
        double v;
        if (to_double(args[i], &v) < 0)
            return NULL;
        if (isinf(v))
            any_inf = true;
        else if (isnan(v))
            any_nan = true;
        else
            acc = hypot(acc, v);
    }
    if (any_inf)
        return fp_float_new(INFINITY);
    if (any_nan)
        return fp_float_new(NAN);
    if (isinf(acc))
        return range_error();
    return fp_float_new(acc);
}

/* A float's integral value (already rounded) as an int: CPython's float-to-int errors. */
static ftc_object *integral_to_int(double r)
{
    if (isinf(r)) {
        fp_err_set(&fp_OverflowError_type, "cannot convert float infinity to integer");
        return NULL;
    }
    if (isnan(r)) {
        fp_err_set(&fp_ValueError_type, "cannot convert float NaN to integer");
        return NULL;
    }
    /* 2^63 is exact as a double; every double below it and >= -2^63 fits int64. */
    if (r >= 9223372036854775808.0 || r < -9223372036854775808.0) {
        fp_err_set(&fp_OverflowError_type, "int too large for ftpy's 64-bit int");
        return NULL;
    }
    return fp_int_new((int64_t)r);
}

static ftc_object *round_to_int(const char *name, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames, double (*f)(double))
{
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (fp_int_like(args[0]))
        return fp_int_new(fp_int_like_value(args[0]));
    double x;
    if (to_double(args[0], &x) < 0)
        return NULL;
    return integral_to_int(f(x));
}

static ftc_object *math_floor(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    return round_to_int("floor", args, nargs, kwnames, floor);
}

static ftc_object *math_ceil(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    return round_to_int("ceil", args, nargs, kwnames, ceil);
}

static ftc_object *math_trunc(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    return round_to_int("trunc", args, nargs, kwnames, trunc);
}

static ftc_object *math_isqrt(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    int64_t n;
    if (fp_check_args("isqrt", nargs, kwnames, 1, 1) < 0 || to_int(args[0], &n) < 0)
        return NULL;
    if (n < 0) {
        fp_err_set(&fp_ValueError_type, "isqrt() argument must be nonnegative");
        return NULL;
    }
    /* The double estimate is within one of the answer for n < 2^63; correct it exactly.
     * r stays below 2^32, so (r + 1)^2 < 2^64 never overflows uint64_t. */
    uint64_t r = (uint64_t)sqrt((double)n), u = (uint64_t)n;
    while (r * r > u)
        r--;
    while ((r + 1) * (r + 1) <= u)
        r++;
    return fp_int_new((int64_t)r);
}

static ftc_object *math_gcd(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("gcd", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    uint64_t g = 0;
    for (size_t i = 0; i < nargs; i++) {
        int64_t v;
        if (to_int(args[i], &v) < 0)
            return NULL;
        uint64_t a = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        while (a != 0) {
            uint64_t t = g % a;
            g = a;
            a = t;
        }
    }
    if (g > (uint64_t)INT64_MAX) {
        fp_err_set(&fp_OverflowError_type, "int too large for ftpy's 64-bit int");
        return NULL;
    }
    return fp_int_new((int64_t)g);
}

static ftc_object *math_factorial(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    (void)self;
    int64_t n;
    if (fp_check_args("factorial", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (fp_float_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "'float' object cannot be interpreted as an integer");
        return NULL;
    }
    if (to_int(args[0], &n) < 0)
        return NULL;
    if (n < 0) {
        fp_err_set(&fp_ValueError_type, "factorial() not defined for negative values");
        return NULL;
    }
    int64_t r = 1;
    for (int64_t i = 2; i <= n; i++) {
        if (__builtin_mul_overflow(r, i, &r)) {
            fp_err_set(&fp_OverflowError_type, "int too large for ftpy's 64-bit int");
            return NULL;
        }
    }
    return fp_int_new(r);
}

static ftc_object *float_predicate(const char *name, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames, int which)
{
    double x;
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0 || to_double(args[0], &x) < 0)
        return NULL;
    bool r = which == 0 ? isnan(x) : which == 1 ? isinf(x) : isfinite(x);
    return fp_bool(r);
}

static ftc_object *math_isnan(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    return float_predicate("isnan", args, nargs, kwnames, 0);
}

static ftc_object *math_isinf(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    return float_predicate("isinf", args, nargs, kwnames, 1);
}

static ftc_object *math_isfinite(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)self;
    return float_predicate("isfinite", args, nargs, kwnames, 2);
}

static ftc_object *math_degrees(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    double x;
    if (fp_check_args("degrees", nargs, kwnames, 1, 1) < 0 || to_double(args[0], &x) < 0)
        return NULL;
    return fp_float_new(x * (180.0 / M_PI));
}

static ftc_object *math_radians(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    double x;
    if (fp_check_args("radians", nargs, kwnames, 1, 1) < 0 || to_double(args[0], &x) < 0)
        return NULL;
    return fp_float_new(x * (M_PI / 180.0));
}

static const fp_method_def math_functions[] = {
    {"sqrt", math_sqrt, 0},         {"sin", math_sin, 0},
    {"cos", math_cos, 0},           {"tan", math_tan, 0},
    {"asin", math_asin, 0},         {"acos", math_acos, 0},
    {"atan", math_atan, 0},         {"sinh", math_sinh, 0},
    {"cosh", math_cosh, 0},         {"tanh", math_tanh, 0},
    {"exp", math_exp, 0},           {"expm1", math_expm1, 0},
    {"fabs", math_fabs, 0},         {"log", math_log, 0},
    {"log2", math_log2, 0},         {"log10", math_log10, 0},
    {"atan2", math_atan2, 0},       {"copysign", math_copysign, 0},
    {"pow", math_pow, 0},           {"hypot", math_hypot, 0},
    {"floor", math_floor, 0},       {"ceil", math_ceil, 0},
    {"trunc", math_trunc, 0},       {"isqrt", math_isqrt, 0},
    {"gcd", math_gcd, 0},           {"factorial", math_factorial, 0},
    {"isnan", math_isnan, 0},       {"isinf", math_isinf, 0},
    {"isfinite", math_isfinite, 0}, {"degrees", math_degrees, 0},
    {"radians", math_radians, 0},   {NULL, NULL, 0},
};

static int add_float(ftc_object *m, const char *name, double v)
{
    ftc_object *f = fp_float_new(v);
    if (f == NULL)
        return -1;
    int rc = fp_module_add(m, name, f);
    ftc_decref(f);
    return rc;
}

int fp_mod_math_init(ftc_object *m)
{
    if (fp_module_add_functions(m, math_functions) < 0)
        return -1;
    if (add_float(m, "pi", M_PI) < 0 || add_float(m, "e", M_E) < 0 ||
        add_float(m, "tau", 2 * M_PI) < 0 || add_float(m, "inf", INFINITY) < 0 ||
        add_float(m, "nan", NAN) < 0)
        return -1;
    return 0;
}
