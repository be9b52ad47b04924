/* Text to numbers, UTF-8, str repr, and CPython's numeric hash (format.h).
 *
 * Parsing follows Python's grammar rather than the C library's: int() accepts whitespace
 * around, a sign, a base prefix matching the base (any of 0x/0o/0b for base 0, where a
 * decimal may not have leading zeros), and single underscores between digits (or right after
 * the prefix); float() accepts the decimal literal grammar with the same underscores and
 * inf/infinity/nan in any case. strtod() only sees a text already validated and stripped of
 * underscores, so its extensions (hex floats, "nan(...)") never leak through.
 *
 * Strings are UTF-8 that the lexer and str operations keep valid; the decoders here trust
 * that (a lone continuation byte counts as nothing and cannot run past the end).
 *
 * The numeric hash is the one the Python documentation specifies ("Hashing of numeric
 * types"): reduction modulo the Mersenne prime 2**61 - 1, so that hash(n) == n for small n,
 * hash(-1) == -2 (-1 signals an error in CPython), and an integral float hashes like the int.
 * The tuple hash is CPython 3.11's xxHash-style combination of its items' hashes.
 */
#include "format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- error messages that quote the input ---- */

/* err = prefix + repr(s[0..n)) (the text cut at 150 bytes, as a short form). */
static void quote_into(fp_err err, const char *prefix, const char *s, size_t n)
{
    fp_buf b;
    fp_buf_init(&b);
    fp_str_repr(&b, s, n > 150 ? fp_utf8_offset(s, n, fp_utf8_count(s, 150)) : n);
    snprintf(err, FP_ERR_CAP, "%s%s", prefix, b.oom || b.data == NULL ? "''" : b.data);
    fp_buf_free(&b);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'Z')
        return c - 'A' + 10;
    return 99;
}

/* Drops the white space at both ends of s[0..n), as int() and float() of text ignore it. */
static void strip_space(const char **s, size_t *n)
{
    while (*n > 0 && is_space(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

int fp_parse_int(const char *s0, size_t n0, int base, int64_t *out, fp_err err)
{
    const char *s = s0;
    size_t n = n0;
    strip_space(&s, &n);
    bool neg = false;
    if (n > 0 && (*s == '+' || *s == '-')) {
        neg = *s == '-';
        s++;
        n--;
    }
    int b = base;
    bool prefixed = false;
    if (n >= 2 && s[0] == '0') {
        char p = (char)(s[1] | 0x20);
        int pb = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (pb && (base == 0 || base == pb)) {
            b = pb;
            s += 2;
            n -= 2;
            prefixed = true;
        }
    }
    if (b == 0)
        b = 10;
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    bool overflow = false, ok = n > 0;
    bool last_us = !prefixed; /* an underscore may follow the prefix, not lead */
    for (size_t i = 0; i < n && ok; i++) {
        if (s[i] == '_') {
            ok = !last_us;
            last_us = true;
            continue;
        }
        int d = digit_value(s[i]);
        if (d >= b) {
            ok = false;
            break;
        }
        last_us = false;
        if (v > (limit - (uint64_t)d) / (uint64_t)b)
            overflow = true;
        else
            v = v * (uint64_t)b + (uint64_t)d;
    }
    if (last_us)
        ok = false;
    /* Base 0 reads a decimal like a literal: no leading zeros before a non-zero value. */
    if (ok && base == 0 && !prefixed && s[0] == '0' && (v != 0 || overflow))
        ok = false;
    if (!ok) {
        char prefix[64];
        snprintf(prefix, sizeof prefix, "invalid literal for int() with base %d: ", base);
        quote_into(err, prefix, s0, n0);
        return FTC_EINVAL;
    }
    if (overflow) {
        snprintf(err, FP_ERR_CAP, "int too large to convert to a 64-bit ftpy int");
        return FTC_EOVERFLOW;
    }
    *out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
    return 0;
}

static bool ieq(const char *s, size_t n, const char *word)
{
    size_t k = strlen(word);
    if (n != k)
        return false;
    for (size_t i = 0; i < k; i++)
        if ((s[i] | 0x20) != word[i])
            return false;
    return true;
}

/* Copies the digits of s[*i..) (with single underscores between digits) to dst; the number
 * of digits copied, or -1 for a misplaced underscore. */
static long copy_digits(const char *s, size_t n, size_t *i, char *dst, size_t *dn)
{
    long count = 0;
    while (*i < n) {
        char c = s[*i];
        if (c >= '0' && c <= '9') {
            dst[(*dn)++] = c;
            count++;
            (*i)++;
        } else if (c == '_' && count > 0 && *i + 1 < n && s[*i + 1] >= '0' && s[*i + 1] <= '9') {
            (*i)++;
        } else {
            break;
        }
    }
    return count;
}

int fp_parse_double(const char *s0, size_t n0, double *out, fp_err err)
{
    const char *s = s0;
    size_t n = n0;
    strip_space(&s, &n);
    bool neg = false;
    const char *body = s;
    size_t bn = n;
    if (bn > 0 && (*body == '+' || *body == '-')) {
        neg = *body == '-';
        body++;
        bn--;
    }
    if (ieq(body, bn, "inf") || ieq(body, bn, "infinity")) {
        *out = neg ? -INFINITY : INFINITY;
        return 0;
    }
    if (ieq(body, bn, "nan")) {
        *out = neg ? -NAN : NAN;
        return 0;
    }
    char *clean = ftc_mem_alloc(n + 2);
    if (clean == NULL)
        return FTC_ENOMEM;
    size_t dn = 0, i = 0;
    if (neg)
        clean[dn++] = '-';
    long ip = copy_digits(body, bn, &i, clean, &dn);
    long fp = 0;
    if (i < bn && body[i] == '.') {
        clean[dn++] = '.';
        i++;
        fp = copy_digits(body, bn, &i, clean, &dn);
    }
    bool ok = ip + fp > 0;
    if (ok && i < bn && (body[i] == 'e' || body[i] == 'E')) {
        clean[dn++] = 'e';
        i++;
        if (i < bn && (body[i] == '+' || body[i] == '-'))
            clean[dn++] = body[i++];
        ok = copy_digits(body, bn, &i, clean, &dn) > 0;
    }
    if (ok && i != bn)
        ok = false;
    clean[dn] = '\0';
    if (!ok) {
        ftc_mem_free(clean);
        quote_into(err, "could not convert string to float: ", s0, n0);
        return FTC_EINVAL;
    }
    *out = strtod(clean, NULL);
    ftc_mem_free(clean);
    return 0;
}

/* ---- UTF-8 ---- */

size_t fp_utf8_count(const char *s, size_t n)
{
    size_t count = 0, i = 0;
    /* Eight bytes at a time while they are ASCII. */
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & UINT64_C(0x8080808080808080))
            break;
        i += 8;
        count += 8;
    }
    for (; i < n; i++)
        count += ((unsigned char)s[i] & 0xc0) != 0x80;
    return count;
}

size_t fp_utf8_offset(const char *s, size_t n, size_t index)
{
    size_t i = 0, seen = 0;
    while (i < n) {
        if (((unsigned char)s[i] & 0xc0) != 0x80) {
            if (seen == index)
                return i;
            seen++;
        }
        i++;
    }
    return n;
}

size_t fp_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char c = u[0];
    size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (c < 0x80 || (c & 0xc0) == 0x80 || k > n) {
        *cp = c;
        return 1;
    }
    uint32_t v = c & (0x7f >> k);
    for (size_t i = 1; i < k; i++)
        v = (v << 6) | (u[i] & 0x3f);
    *cp = v;
    return k;
}

size_t fp_utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

bool fp_cp_isprintable(uint32_t cp)
{
    if (cp < 0x80)
        return cp >= 0x20 && cp < 0x7f;
    if (cp <= 0xa0 || cp == 0xad)
        return false; /* C1 controls, NBSP, soft hyphen */
    if (cp >= 0x2000 && cp <= 0x200f)
        return false; /* spaces, zero-width, marks */
    if (cp >= 0x2028 && cp <= 0x202f)
        return false; /* separators, embeddings, NNBSP */
    if (cp >= 0x205f && cp <= 0x206f)
        return false;
    if (cp == 0x1680 || cp == 0x3000 || cp == 0xfeff || cp == 0x180e || cp == 0x61c)
        return false;
    if (cp >= 0xd800 && cp <= 0xf8ff)
        return false; /* surrogates, private use */
    if (cp >= 0xfff9 && cp <= 0xfffb)
        return false;
    if ((cp & 0xfffe) == 0xfffe || (cp >= 0xfdd0 && cp <= 0xfdef))
        return false; /* non-characters */
    if (cp >= 0xe0000)
        return false; /* tags, plane-15/16 private use */
    return cp < 0x110000;
}

void fp_str_repr(fp_buf *b, const char *s, size_t n)
{
    bool has_single = memchr(s, '\'', n) != NULL;
    bool has_double = memchr(s, '"', n) != NULL;
    char q = has_single && !has_double ? '"' : '\'';
    fp_buf_reserve(b, n + 2);
    fp_buf_putc(b, q);
    size_t i = 0;
    while (i < n) {
        /* Copy a run of bytes that need no escape in one go. */
        size_t j = i;
        while (j < n) {
            unsigned char c = (unsigned char)s[j];
            if (c < 0x20 || c == 0x7f || c == '\\' || c == (unsigned char)q || c >= 0x80)
                break;
            j++;
        }
        fp_buf_put(b, s + i, j - i);
        if (j >= n)
            break;
        i = j;
        uint32_t cp;
        size_t k = fp_utf8_decode(s + i, n - i, &cp);
        char esc[16];
        if (cp == '\\' || cp == (uint32_t)(unsigned char)q) {
            esc[0] = '\\';
            esc[1] = (char)cp;
            fp_buf_put(b, esc, 2);
        } else if (cp == '\n') {
            fp_buf_put(b, "\\n", 2);
        } else if (cp == '\r') {
            fp_buf_put(b, "\\r", 2);
        } else if (cp == '\t') {
            fp_buf_put(b, "\\t", 2);
        } else if (fp_cp_isprintable(cp)) {
            fp_buf_put(b, s + i, k);
        } else if (cp < 0x100) {
            snprintf(esc, sizeof esc, "\\x%02x", (unsigned)cp);
            fp_buf_puts(b, esc);
        } else if (cp < 0x10000) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)cp);
            fp_buf_puts(b, esc);
        } else {
            snprintf(esc, sizeof esc, "\\U%08x", (unsigned)cp);
            fp_buf_puts(b, esc);
        }
        i += k;
    }
    fp_buf_putc(b, q);
}

/* ---- the numeric hash ---- */

int64_t fp_hash_int(int64_t v)
{
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t h = a % FP_HASH_MODULUS;
    int64_t r = v < 0 ? -(int64_t)h : (int64_t)h;
    return r == -1 ? -2 : r;
}

int64_t fp_hash_pointer(const void *p)
{
    uintptr_t y = (uintptr_t)p;
    y = (y >> 4) | (y << (8 * sizeof(uintptr_t) - 4));
    int64_t r = (int64_t)y;
    return r == -1 ? -2 : r;
}

int64_t fp_hash_double(double v, const void *ident)
{
    if (isnan(v))
        return fp_hash_pointer(ident);
    if (isinf(v))
        return v > 0 ? FP_HASH_INF : -FP_HASH_INF;
    int e;
    double m = frexp(v, &e); /* v = m * 2**e, 0.5 <= |m| < 1 */
    bool neg = m < 0;
    if (neg)
        m = -m;
    /* Take the mantissa 28 bits at a time into x (mod P), multiplying x by 2**28 (a
     * rotation by 28 within 61 bits, since 2**61 == 1 mod P) before each. */
    uint64_t x = 0;
    while (m != 0) {
        x = ((x << 28) & FP_HASH_MODULUS) | x >> (FP_HASH_BITS - 28);
        m *= 268435456.0;
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= FP_HASH_MODULUS)
            x -= FP_HASH_MODULUS;
    }
    /* Multiply by 2**e: rotate by e mod 61 (a negative e by its inverse). */
    e = e >= 0 ? e % FP_HASH_BITS : FP_HASH_BITS - 1 - ((-1 - e) % FP_HASH_BITS);
    x = ((x << e) & FP_HASH_MODULUS) | x >> (FP_HASH_BITS - e);
    int64_t r = neg ? -(int64_t)x : (int64_t)x;
    return r == -1 ? -2 : r;
}

#define XXPRIME_1 UINT64_C(11400714785074694791)
#define XXPRIME_2 UINT64_C(14029467366897019727)
#define XXPRIME_5 UINT64_C(2870177450012600261)

uint64_t fp_hash_tuple_start(void) { return XXPRIME_5; }

uint64_t fp_hash_tuple_step(uint64_t acc, int64_t item_hash)
{
    acc += (uint64_t)item_hash * XXPRIME_2;
    acc = (acc << 31) | (acc >> 33);
    return acc * XXPRIME_1;
}

int64_t fp_hash_tuple_finish(uint64_t acc, size_t len)
{
    acc += (uint64_t)len ^ (XXPRIME_5 ^ UINT64_C(3527539));
    if (acc == UINT64_MAX)
        return 1546275796;
    return (int64_t)acc;
}
