/* ftpy's text and number helpers that need no objects: a byte buffer, the format-spec
 * mini-language, float repr, int and float parsing, UTF-8, str repr escaping, and CPython's
 * numeric hash. Everything here is plain C on bytes and numbers (vm/format.c), so that it is
 * tested on its own (tests/vm/lib_test.c) and shared by the int, float, str and builtins code.
 *
 * Error convention: a fallible call returns 0, or FTC_ENOMEM, or FTC_EINVAL for what Python
 * reports as ValueError, or FTC_EOVERFLOW for OverflowError; for the last two it writes
 * CPython 3.11's exact message into the caller's fp_err buffer.
 */
#ifndef FTPY_FORMAT_H
#define FTPY_FORMAT_H

#include <ftcore/common.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A message buffer for the ValueError/OverflowError texts above. */
#define FP_ERR_CAP 200
typedef char fp_err[FP_ERR_CAP];

/* ---- a growable byte buffer ----
 * fp_buf b; fp_buf_init(&b); fp_buf_put(&b, "x", 1); ... if (b.oom) ...; fp_buf_free(&b);
 * An allocation failure sets oom and makes every later put a no-op, so a writer checks once at
 * the end. data is always NUL-terminated while oom is false. */
typedef struct fp_buf {
    char *data; /* small until it outgrows it, then the heap */
    size_t len;
    size_t cap;
    bool oom;
    char small[120]; /* short texts (a print line, a number) need no allocation; so an
                         fp_buf must stay where fp_buf_init put it */
} fp_buf;

void fp_buf_init(fp_buf *b);
void fp_buf_free(fp_buf *b);
/* Makes room for n more bytes; false (and oom) on failure. */
bool fp_buf_reserve(fp_buf *b, size_t n);
void fp_buf_put(fp_buf *b, const char *s, size_t n);
void fp_buf_puts(fp_buf *b, const char *s);
void fp_buf_putc(fp_buf *b, char c);
/* Appends the UTF-8 encoding of code point cp, count times. */
void fp_buf_put_cp(fp_buf *b, uint32_t cp, size_t count);

/* ---- the format-spec mini-language ([[fill]align][sign][z][#][0][width][grouping][.prec][type])
 * as CPython 3.11 parses it. */
typedef struct fp_fmt_spec {
    uint32_t fill; /* code point; meaningful when fill_set */
    bool fill_set;
    char align;        /* '<' '>' '=' '^', or 0 when not given */
    char sign;         /* '+' '-' ' ', or 0 */
    bool no_neg_zero;  /* 'z' */
    bool alt;          /* '#' */
    bool zero;         /* the '0' before the width */
    int64_t width;     /* -1 when not given */
    char grouping;     /* ',' '_' or 0 */
    int64_t precision; /* -1 when not given */
    char type;         /* the type character, or 0 */
} fp_fmt_spec;

/* Parses spec[0..len) (UTF-8) for a value whose type is tname and whose format() uses
 * default_type when the spec names none ('d' for int and bool, 0 for float, 's' for str).
 * 0 or FTC_EINVAL with CPython's message. */
int fp_fmt_parse(const char *spec, size_t len, char default_type, const char *tname,
                 fp_fmt_spec *out, fp_err err);

/* Formats v by spec (types d n x X o b c e E f F g G % and none) as format(v, spec) does;
 * tname names the type in "Unknown format code" messages ("int", "bool"). */
int fp_fmt_int(fp_buf *out, int64_t v, const fp_fmt_spec *spec, const char *tname, fp_err err);
/* Formats v by spec (types e E f F g G % n and none). */
int fp_fmt_double(fp_buf *out, double v, const fp_fmt_spec *spec, const char *tname, fp_err err);
/* Formats the UTF-8 text s[0..n) by spec (type s or none; precision truncates, width counts
 * code points). */
int fp_fmt_text(fp_buf *out, const char *s, size_t n, const fp_fmt_spec *spec, const char *tname,
                fp_err err);

/* ---- numbers to text ---- */
/* repr(v) == str(v) of a Python float: the shortest digits that read back as v, in CPython's
 * layout ('1.0', '1e+16', '1e-05', '0.0001', 'inf', '-inf', 'nan', '-0.0'). Returns the length
 * written to out (at most 31 bytes and a NUL). */
size_t fp_double_repr(double v, char out[32]);
/* Appends v in base 2, 8, 10 or 16 (lower-case digits), with a '-' if negative, no prefix. */
void fp_int64_put(fp_buf *b, int64_t v, int base);
/* round(x, ndigits) of a Python float: correctly rounded to ndigits decimal places, ties to
 * even on the exact binary value. 0, or FTC_EOVERFLOW ("rounded value too large to
 * represent"). */
int fp_double_round(double x, int64_t ndigits, double *out, fp_err err);

/* ---- text to numbers ---- */
/* int(s, base) of a Python str (base 0 or 2..36): whitespace around, sign, underscores between
 * digits, 0x/0o/0b prefixes. 0, FTC_EINVAL ("invalid literal for int() with base 10: 'x'",
 * the text in repr form), FTC_EOVERFLOW (does not fit in 64 bits), or FTC_ENOMEM. */
int fp_parse_int(const char *s, size_t n, int base, int64_t *out, fp_err err);
/* float(s) of a Python str: decimal literals with underscores, inf/infinity/nan with a sign,
 * whitespace around. 0, FTC_EINVAL ("could not convert string to float: 'x'"), FTC_ENOMEM. */
int fp_parse_double(const char *s, size_t n, double *out, fp_err err);

/* ---- UTF-8 ---- */
/* Number of code points of the (valid) UTF-8 text s[0..n). */
size_t fp_utf8_count(const char *s, size_t n);
/* Byte offset of code point index i (0 <= i <= count) of s[0..n). */
size_t fp_utf8_offset(const char *s, size_t n, size_t i);
/* Decodes the code point at s (n bytes left, n >= 1); returns the bytes it used (1..4). */
size_t fp_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* Encodes cp (< 0x110000; surrogates encoded as 3 bytes, as CPython's surrogatepass) into out;
 * returns the byte count (1..4). */
size_t fp_utf8_encode(uint32_t cp, char out[4]);
/* Whether CPython's str.isprintable() holds for cp (an approximation for non-ASCII: the
 * control, format, separator, surrogate, private-use and non-character ranges are not). */
bool fp_cp_isprintable(uint32_t cp);
/* Appends repr(s) for the UTF-8 text s[0..n), quoted and escaped as CPython does. */
void fp_str_repr(fp_buf *b, const char *s, size_t n);

/* ---- CPython's numeric hash (sys.hash_info: modulus 2**61 - 1; -1 is never a hash) ---- */
#define FP_HASH_BITS 61
#define FP_HASH_MODULUS (((uint64_t)1 << FP_HASH_BITS) - 1)
#define FP_HASH_INF 314159
int64_t fp_hash_int(int64_t v);
/* hash(float): equal to hash(int) for integral values; a NaN hashes by identity (ident, the
 * object's address), as in CPython 3.10+. */
int64_t fp_hash_double(double v, const void *ident);
/* hash of an object by identity (object.__hash__): the address rotated right by 4 bits. */
int64_t fp_hash_pointer(const void *p);
/* The tuple hash (CPython 3.11's xxHash-based combination):
 * uint64_t acc = fp_hash_tuple_start(); for each item: acc = fp_hash_tuple_step(acc, hash(item));
 * hash = fp_hash_tuple_finish(acc, len). */
uint64_t fp_hash_tuple_start(void);
uint64_t fp_hash_tuple_step(uint64_t acc, int64_t item_hash);
int64_t fp_hash_tuple_finish(uint64_t acc, size_t len);

#endif /* FTPY_FORMAT_H */
