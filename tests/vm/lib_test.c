/* ftpy's pure-C helpers (vm/format.h) against CPython 3.11: the format-spec mini-language for
 * int, float and str, float repr (the shortest round-trip form), round(x, n), int() and
 * float() of text, str repr, and the numeric and tuple hashes. The expected values in
 * lib_cases.h were computed by python3 (tests/vm/lib_cases.py), including 400 doubles with
 * random bit patterns and every 37th power of two for repr. */
#include "check.h"
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

enum { FT_INT, FT_FLOAT, FT_STR };

/* CPython's answer to format(value, spec): err 0 and the text, or err 1 (ValueError) or 2
 * (OverflowError) and the message. */
typedef struct {
    int err;
    const char *want;
} fmt_want;
typedef struct {
    double v;
    const char *want;
} repr_case;
typedef struct {
    double v;
    int64_t n;
    int overflow;
    double want;
} round_case;
typedef struct {
    const char *s;
    int base;
    int err;
    int64_t want;
    const char *msg;
} pint_case;
typedef struct {
    const char *s;
    int err;
    double want;
    const char *msg;
} pflt_case;
typedef struct {
    const char *s;
    const char *want;
} srepr_case;
typedef struct {
    int is_float;
    int64_t i;
    double d;
    int64_t want;
} hash_case;
typedef struct {
    size_t n;
    int64_t items[4];
    int64_t want;
} tuple_case;

#include "lib_cases.h"

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

static int failures;

static void mismatch(const char *what, const char *input, const char *got, const char *want)
{
    fprintf(stderr, "%s(%s): got [%s], want [%s]\n", what, input, got, want);
    failures++;
}

/* One format(value, spec) of kind (an int i, a double d or a text t) against CPython's. */
static void check_format(int kind, int64_t i, double d, const char *t, const char *spec,
                         const fmt_want *w)
{
    static const char *const tnames[] = {"int", "float", "str"};
    static const char dflt[] = {'d', 0, 's'};
    fp_fmt_spec f;
    fp_err err = "";
    fp_buf out;
    fp_buf_init(&out);
    int rc = fp_fmt_parse(spec, strlen(spec), dflt[kind], tnames[kind], &f, err);
    if (rc == 0) {
        if (kind == FT_INT)
            rc = fp_fmt_int(&out, i, &f, "int", err);
        else if (kind == FT_FLOAT)
            rc = fp_fmt_double(&out, d, &f, "float", err);
        else
            rc = fp_fmt_text(&out, t, strlen(t), &f, "str", err);
    }
    int got_err = rc == 0 ? 0 : rc == FTC_EINVAL ? 1 : rc == FTC_EOVERFLOW ? 2 : 9;
    const char *got = rc == 0 ? (out.data ? out.data : "") : err;
    char input[96];
    if (kind == FT_INT)
        snprintf(input, sizeof input, "%lld, '%s'", (long long)i, spec);
    else if (kind == FT_FLOAT)
        snprintf(input, sizeof input, "%.17g, '%s'", d, spec);
    else
        snprintf(input, sizeof input, "'%s', '%s'", t, spec);
    if (got_err != w->err || strcmp(got, w->want) != 0)
        mismatch("format", input, got, w->want);
    fp_buf_free(&out);
}

/* Each table has a row of answers per value and a column per spec. */
_Static_assert(NCASES(fmt_int_want) == NCASES(fmt_int_values), "a row per int");
_Static_assert(NCASES(fmt_int_want[0]) == NCASES(fmt_int_specs), "a column per int spec");
_Static_assert(NCASES(fmt_float_want) == NCASES(fmt_float_values), "a row per float");
_Static_assert(NCASES(fmt_float_want[0]) == NCASES(fmt_float_specs), "a column per float spec");
_Static_assert(NCASES(fmt_str_want) == NCASES(fmt_str_values), "a row per str");
_Static_assert(NCASES(fmt_str_want[0]) == NCASES(fmt_str_specs), "a column per str spec");

FTC_TEST(format_spec_matches_cpython)
{
    failures = 0;
    for (size_t v = 0; v < NCASES(fmt_int_values); v++)
        for (size_t k = 0; k < NCASES(fmt_int_specs); k++)
            check_format(FT_INT, fmt_int_values[v], 0, NULL, fmt_int_specs[k], &fmt_int_want[v][k]);
    for (size_t v = 0; v < NCASES(fmt_float_values); v++)
        for (size_t k = 0; k < NCASES(fmt_float_specs); k++)
            check_format(FT_FLOAT, 0, fmt_float_values[v], NULL, fmt_float_specs[k],
                         &fmt_float_want[v][k]);
    for (size_t v = 0; v < NCASES(fmt_str_values); v++)
        for (size_t k = 0; k < NCASES(fmt_str_specs); k++)
            check_format(FT_STR, 0, 0, fmt_str_values[v], fmt_str_specs[k], &fmt_str_want[v][k]);
    CHECK_EQ(failures, 0);
}

FTC_TEST(float_repr_is_shortest_round_trip)
{
    failures = 0;
    for (size_t i = 0; i < NCASES(repr_cases); i++) {
        char out[32];
        size_t n = fp_double_repr(repr_cases[i].v, out);
        CHECK_EQ(n, strlen(out));
        if (strcmp(out, repr_cases[i].want) != 0)
            mismatch("repr", repr_cases[i].want, out, repr_cases[i].want);
    }
    char out[32];
    fp_double_repr(INFINITY, out);
    CHECK(strcmp(out, "inf") == 0);
    fp_double_repr(-INFINITY, out);
    CHECK(strcmp(out, "-inf") == 0);
    fp_double_repr(NAN, out);
    CHECK(strcmp(out, "nan") == 0);
    CHECK_EQ(failures, 0);
}

FTC_TEST(round_is_correctly_rounded_half_even)
{
    failures = 0;
    for (size_t i = 0; i < NCASES(round_cases); i++) {
        const round_case *c = &round_cases[i];
        double got = 0;
        fp_err err = "";
        int rc = fp_double_round(c->v, c->n, &got, err);
        char input[64], g[40], w[40];
        snprintf(input, sizeof input, "%a, %lld", c->v, (long long)c->n);
        snprintf(g, sizeof g, "%a rc %d", got, rc);
        snprintf(w, sizeof w, "%a rc %d", c->want, c->overflow ? FTC_EOVERFLOW : 0);
        if (c->overflow ? rc != FTC_EOVERFLOW
                        : (rc != 0 || got != c->want || signbit(got) != signbit(c->want)))
            mismatch("round", input, g, w);
    }
    CHECK_EQ(failures, 0);
}

FTC_TEST(int_and_float_parsing)
{
    failures = 0;
    for (size_t i = 0; i < NCASES(pint_cases); i++) {
        const pint_case *c = &pint_cases[i];
        int64_t v = 0;
        fp_err err = "";
        int rc = fp_parse_int(c->s, strlen(c->s), c->base, &v, err);
        int want_rc = c->err == 0 ? 0 : c->err == 1 ? FTC_EINVAL : FTC_EOVERFLOW;
        char g[320];
        snprintf(g, sizeof g, "rc %d %lld %s", rc, (long long)v, rc == FTC_EINVAL ? err : "");
        if (rc != want_rc || (rc == 0 && v != c->want) ||
            (rc == FTC_EINVAL && strcmp(err, c->msg) != 0))
            mismatch("int", c->s, g, c->msg);
    }
    for (size_t i = 0; i < NCASES(pflt_cases); i++) {
        const pflt_case *c = &pflt_cases[i];
        double v = 0;
        fp_err err = "";
        int rc = fp_parse_double(c->s, strlen(c->s), &v, err);
        char g[320];
        snprintf(g, sizeof g, "rc %d %a %s", rc, v, rc ? err : "");
        bool same = isnan(c->want) ? isnan(v) : v == c->want;
        if (c->err ? rc != FTC_EINVAL || strcmp(err, c->msg) != 0 : rc != 0 || !same)
            mismatch("float", c->s, g, c->msg);
    }
    CHECK_EQ(failures, 0);
}

FTC_TEST(str_repr_and_utf8)
{
    failures = 0;
    for (size_t i = 0; i < NCASES(srepr_cases); i++) {
        fp_buf b;
        fp_buf_init(&b);
        fp_str_repr(&b, srepr_cases[i].s, strlen(srepr_cases[i].s));
        CHECK(!b.oom);
        if (strcmp(b.data, srepr_cases[i].want) != 0)
            mismatch("repr", srepr_cases[i].want, b.data, srepr_cases[i].want);
        fp_buf_free(&b);
    }
    /* "aé中😀": 1 + 2 + 3 + 4 bytes. */
    const char *s = "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";
    size_t n = strlen(s);
    CHECK_EQ(fp_utf8_count(s, n), 4);
    CHECK_EQ(fp_utf8_offset(s, n, 0), 0);
    CHECK_EQ(fp_utf8_offset(s, n, 1), 1);
    CHECK_EQ(fp_utf8_offset(s, n, 2), 3);
    CHECK_EQ(fp_utf8_offset(s, n, 3), 6);
    CHECK_EQ(fp_utf8_offset(s, n, 4), 10);
    uint32_t cp;
    CHECK_EQ(fp_utf8_decode(s + 6, n - 6, &cp), 4);
    CHECK_EQ(cp, 0x1F600);
    char enc[4];
    static const uint32_t cps[] = {0,     0x41,   0x7f,   0x80,    0x7ff,
                                   0x800, 0xd800, 0xffff, 0x10000, 0x10ffff};
    for (size_t i = 0; i < NCASES(cps); i++) {
        size_t k = fp_utf8_encode(cps[i], enc);
        CHECK_EQ(fp_utf8_decode(enc, k, &cp), k);
        CHECK_EQ(cp, cps[i]);
    }
    /* The word-at-a-time ASCII count agrees with the byte loop on long mixed text. */
    char longs[100];
    memset(longs, 'x', sizeof longs);
    memcpy(longs + 37, "\xc3\xa9", 2);
    CHECK_EQ(fp_utf8_count(longs, sizeof longs), 99);
    CHECK_EQ(failures, 0);
}

FTC_TEST(numeric_and_tuple_hash)
{
    for (size_t i = 0; i < NCASES(hash_cases); i++) {
        const hash_case *c = &hash_cases[i];
        int64_t got = c->is_float ? fp_hash_double(c->d, NULL) : fp_hash_int(c->i);
        if (got != c->want) {
            fprintf(stderr, "hash case %zu: got %lld want %lld\n", i, (long long)got,
                    (long long)c->want);
            CHECK(got == c->want);
        }
    }
    /* An integral float hashes as the int; NaNs by identity. */
    CHECK_EQ(fp_hash_double(12345.0, NULL), fp_hash_int(12345));
    int a, b;
    CHECK(fp_hash_double(NAN, &a) != fp_hash_double(NAN, &b));
    for (size_t i = 0; i < NCASES(tuple_cases); i++) {
        const tuple_case *c = &tuple_cases[i];
        uint64_t acc = fp_hash_tuple_start();
        for (size_t j = 0; j < c->n; j++)
            acc = fp_hash_tuple_step(acc, c->items[j]);
        CHECK_EQ(fp_hash_tuple_finish(acc, c->n), c->want);
    }
}
