/* The format-spec mini-language, float repr and round, and the byte buffer (format.h).
 *
 * CPython's formatter (format(v, spec), f-strings, str.format) in three layers: fp_fmt_parse
 * reads a spec with CPython 3.11's grammar and error texts; a per-type step turns the value
 * into a sign, a prefix ('0x' under '#'), a run of digits and a remainder (the fraction, the
 * exponent, a '%'); layout() then groups the digits (',' every 3, '_' every 3 or, in bases 2,
 * 8 and 16, every 4), and pads to the width with the fill character by the alignment. Zero
 * padding is CPython's: a '0' before the width means fill '0' and, for numbers without an
 * explicit alignment, '=' (padding between the sign and the digits); padding digits are then
 * grouped too (format(1234, '08,') == '0,001,234').
 *
 * Floats are printed by the C library (glibc's printf is correctly rounded, as CPython's dtoa
 * is, so '%.*f', '%.*e' and '%.*g' give CPython's digits), then rearranged to Python's rules.
 * repr picks the shortest '%.*e' precision whose text reads back (strtod) as the same double;
 * the correctly rounded p-digit decimal is the p-digit decimal nearest the value, so when any
 * p-digit string reads back, so does it (save for a power of two, whose lower neighbour is
 * half as far: there the p-digit decimal just above is tried too, as it may read back when
 * the nearest one, below, does not). round(x, n) rounds the
 * exact decimal expansion of x (every double has one of at most 1074 fractional digits) half
 * to even, as CPython's correctly rounded dtoa does.
 */
#include "format.h"

#include <float.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the buffer ---- */

void fp_buf_init(fp_buf *b)
{
    b->data = b->small;
    b->len = 0;
    b->cap = sizeof b->small;
    b->oom = false;
    b->small[0] = '\0';
}

void fp_buf_free(fp_buf *b)
{
    if (b->data != b->small)
        ftc_mem_free(b->data);
    fp_buf_init(b);
}

bool fp_buf_reserve(fp_buf *b, size_t n)
{
    if (b->oom)
        return false;
    if (n > SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return false;
    }
    size_t need = b->len + n + 1; /* and the NUL */
    if (need <= b->cap)
        return true;
    size_t cap = b->cap * 2;
    while (cap < need)
        cap *= 2;
    char *d;
    if (b->data == b->small) {
        d = ftc_mem_alloc(cap);
        if (d != NULL)
            memcpy(d, b->small, b->len + 1);
    } else {
        d = ftc_mem_realloc(b->data, cap);
    }
    if (d == NULL) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void fp_buf_put(fp_buf *b, const char *s, size_t n)
{
    if (n == 0 || !fp_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void fp_buf_puts(fp_buf *b, const char *s) { fp_buf_put(b, s, strlen(s)); }

void fp_buf_putc(fp_buf *b, char c) { fp_buf_put(b, &c, 1); }

void fp_buf_put_cp(fp_buf *b, uint32_t cp, size_t count)
{
    char enc[4];
    size_t k = fp_utf8_encode(cp, enc);
    if (count == 0 || !fp_buf_reserve(b, k * count))
        return;
    for (size_t i = 0; i < count; i++) {
        memcpy(b->data + b->len, enc, k);
        b->len += k;
    }
    b->data[b->len] = '\0';
}

/* Writes CPython's message into err and returns code (FTC_EINVAL for its ValueError,
 * FTC_EOVERFLOW for its OverflowError), for the checks that refuse a spec or a value. */
static int spec_fail(fp_err err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int spec_fail(fp_err err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, FP_ERR_CAP, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- parsing the spec ---- */

static bool is_align(uint32_t c) { return c == '<' || c == '>' || c == '=' || c == '^'; }

/* Reads decimal digits at *pos; the count read, or -1 (message set) on overflow. */
static int64_t get_integer(const char *s, size_t n, size_t *pos, int64_t *out, fp_err err)
{
    int64_t v = 0, count = 0;
    while (*pos < n && s[*pos] >= '0' && s[*pos] <= '9') {
        int d = s[*pos] - '0';
        if (v > (INT64_MAX - d) / 10) {
            snprintf(err, FP_ERR_CAP, "Too many decimal digits in format string");
            return -1;
        }
        v = v * 10 + d;
        (*pos)++;
        count++;
    }
    *out = v;
    return count;
}

static void put_code_char(char *dst, size_t cap, uint32_t c)
{
    if (c > 32 && c < 128)
        snprintf(dst, cap, "%c", (int)c);
    else
        snprintf(dst, cap, "\\x%x", (unsigned)c);
}

static int bad_separator(char sep, uint32_t type, fp_err err)
{
    char tc[16];
    put_code_char(tc, sizeof tc, type);
    return spec_fail(err, FTC_EINVAL, "Cannot specify '%c' with '%s'.", sep, tc);
}

static int unknown_code(uint32_t type, const char *tname, fp_err err)
{
    char tc[16];
    put_code_char(tc, sizeof tc, type);
    return spec_fail(err, FTC_EINVAL, "Unknown format code '%s' for object of type '%.100s'", tc,
                     tname);
}

int fp_fmt_parse(const char *s, size_t n, char default_type, const char *tname, fp_fmt_spec *f,
                 fp_err err)
{
    memset(f, 0, sizeof *f);
    f->fill = ' ';
    f->width = -1;
    f->precision = -1;
    f->type = default_type;
    char default_align = default_type == 's' ? '<' : '>';
    size_t pos = 0;

    /* [[fill]align]: the fill is any one code point. */
    uint32_t c0 = 0;
    size_t k0 = n > 0 ? fp_utf8_decode(s, n, &c0) : 0;
    if (n > k0 && is_align((unsigned char)s[k0])) {
        f->fill = c0;
        f->fill_set = true;
        f->align = s[k0];
        pos = k0 + 1;
    } else if (n > 0 && is_align((unsigned char)s[0])) {
        f->align = s[0];
        pos = 1;
    }
    if (pos < n && (s[pos] == '+' || s[pos] == '-' || s[pos] == ' '))
        f->sign = s[pos++];
    if (pos < n && s[pos] == 'z') {
        f->no_neg_zero = true;
        pos++;
    }
    if (pos < n && s[pos] == '#') {
        f->alt = true;
        pos++;
    }
    if (!f->fill_set && pos < n && s[pos] == '0') {
        f->fill = '0';
        f->fill_set = true;
        f->zero = true;
        if (f->align == 0 && default_align == '>')
            f->align = '=';
        pos++;
    }
    int64_t consumed = get_integer(s, n, &pos, &f->width, err);
    if (consumed < 0)
        return FTC_EINVAL;
    if (consumed == 0)
        f->width = -1;
    if (pos < n && s[pos] == ',') {
        f->grouping = ',';
        pos++;
    }
    if (pos < n && s[pos] == '_') {
        if (f->grouping)
            return spec_fail(err, FTC_EINVAL, "Cannot specify both ',' and '_'.");
        f->grouping = '_';
        pos++;
    }
    if (pos < n && s[pos] == ',' && f->grouping == '_')
        return spec_fail(err, FTC_EINVAL, "Cannot specify both ',' and '_'.");
    if (pos < n && s[pos] == '.') {
        pos++;
        consumed = get_integer(s, n, &pos, &f->precision, err);
        if (consumed < 0)
            return FTC_EINVAL;
        if (consumed == 0)
            return spec_fail(err, FTC_EINVAL, "Format specifier missing precision");
    }
    uint32_t type = (unsigned char)default_type;
    if (pos < n) {
        size_t k = fp_utf8_decode(s + pos, n - pos, &type);
        if (pos + k < n)
            return spec_fail(err, FTC_EINVAL,
                             "Invalid format specifier '%.*s' for object of type '%.60s'",
                             (int)(n > 100 ? 100 : n), s, tname);
    }
    f->type = type < 128 ? (char)type : '?';
    if (type >= 128)
        return unknown_code(type, tname, err);
    if (f->grouping) {
        switch (type) {
        case 'd':
        case 'e':
        case 'f':
        case 'g':
        case 'E':
        case 'G':
        case '%':
        case 'F':
        case 0: break;
        case 'b':
        case 'o':
        case 'x':
        case 'X':
            if (f->grouping == '_')
                break;
            return bad_separator(f->grouping, type, err);
        default: return bad_separator(f->grouping, type, err);
        }
    }
    return 0;
}

/* ---- layout: sign, prefix, grouped digits, remainder, padding ---- */

typedef struct num_parts {
    char sign;          /* 0 or the sign character */
    const char *prefix; /* "" or "0x" ... */
    const char *digits; /* the digits to group */
    size_t ndigits;
    const char *rest; /* printed after the digits as is */
    size_t nrest;
} num_parts;

static void put_grouped(fp_buf *out, const char *d, size_t nd, char sep, int interval,
                        size_t min_width)
{
    /* Built right to left in a scratch buffer, then appended reversed. */
    size_t groups = interval ? nd / (size_t)interval + 1 : 0;
    size_t cap = (nd + groups > min_width ? nd + groups : min_width) + 2;
    char stackbuf[256];
    char *tmp = cap <= sizeof stackbuf ? stackbuf : ftc_mem_alloc(cap);
    if (tmp == NULL) {
        out->oom = true;
        return;
    }
    size_t len = 0;
    int count = 0;
    size_t i = nd;
    while (i > 0 || len < min_width) {
        if (sep && count == interval) {
            tmp[len++] = sep;
            count = 0;
        }
        tmp[len++] = i > 0 ? d[--i] : '0';
        count++;
    }
    if (fp_buf_reserve(out, len)) {
        for (size_t j = 0; j < len; j++)
            out->data[out->len + j] = tmp[len - 1 - j];
        out->len += len;
        out->data[out->len] = '\0';
    }
    if (tmp != stackbuf)
        ftc_mem_free(tmp);
}

/* Code points in an ASCII-or-UTF-8 run. */
static size_t width_of(const char *s, size_t n) { return fp_utf8_count(s, n); }

static void layout(fp_buf *out, const num_parts *p, const fp_fmt_spec *f, int interval)
{
    char align = f->align ? f->align : '>';
    uint32_t fill = f->fill_set ? f->fill : ' ';
    size_t nprefix = strlen(p->prefix);
    size_t lead = (p->sign ? 1 : 0) + nprefix;
    size_t width = f->width > 0 ? (size_t)f->width : 0;
    size_t min_digits = 0;
    if (fill == '0' && align == '=' && width > lead + width_of(p->rest, p->nrest))
        min_digits = width - lead - width_of(p->rest, p->nrest);
    fp_buf digits;
    fp_buf_init(&digits);
    if (f->grouping || min_digits > p->ndigits)
        put_grouped(&digits, p->digits, p->ndigits, f->grouping, f->grouping ? interval : 0,
                    min_digits);
    else
        fp_buf_put(&digits, p->digits, p->ndigits);
    if (digits.oom) {
        out->oom = true;
        return;
    }
    size_t total = lead + digits.len + width_of(p->rest, p->nrest);
    size_t pad = width > total ? width - total : 0;
    size_t left = 0, right = 0, mid = 0;
    switch (align) {
    case '<': right = pad; break;
    case '^':
        left = pad / 2;
        right = pad - left;
        break;
    case '=': mid = pad; break;
    default: left = pad; break;
    }
    fp_buf_put_cp(out, fill, left);
    if (p->sign)
        fp_buf_putc(out, p->sign);
    fp_buf_put(out, p->prefix, nprefix);
    fp_buf_put_cp(out, fill, mid);
    fp_buf_put(out, digits.data, digits.len);
    fp_buf_put(out, p->rest, p->nrest);
    fp_buf_put_cp(out, fill, right);
    fp_buf_free(&digits);
}

static char sign_char(bool negative, char sign)
{
    if (negative)
        return '-';
    if (sign == '+' || sign == ' ')
        return sign;
    return 0;
}

/* ---- int ---- */

void fp_int64_put(fp_buf *b, int64_t v, int base)
{
    char tmp[72];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = "0123456789abcdef"[u % (unsigned)base];
        u /= (unsigned)base;
    } while (u);
    if (v < 0)
        tmp[--i] = '-';
    fp_buf_put(b, tmp + i, sizeof tmp - i);
}

int fp_fmt_int(fp_buf *out, int64_t v, const fp_fmt_spec *f, const char *tname, fp_err err)
{
    int base = 10;
    const char *prefix = "";
    bool upper = false;
    switch (f->type) {
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case '%': return fp_fmt_double(out, (double)v, f, tname, err);
    case 'd':
    case 'n':
    case 0: break;
    case 'x':
        base = 16;
        prefix = "0x";
        break;
    case 'X':
        base = 16;
        prefix = "0X";
        upper = true;
        break;
    case 'o':
        base = 8;
        prefix = "0o";
        break;
    case 'b':
        base = 2;
        prefix = "0b";
        break;
    case 'c': break;
    default: return unknown_code((unsigned char)f->type, tname, err);
    }
    if (f->precision >= 0)
        return spec_fail(err, FTC_EINVAL, "Precision not allowed in integer format specifier");
    if (f->no_neg_zero)
        return spec_fail(err, FTC_EINVAL,
                         "Negative zero coercion (z) not allowed in integer format specifier");
    if (f->type == 'c') {
        if (f->sign)
            return spec_fail(err, FTC_EINVAL, "Sign not allowed with integer format specifier 'c'");
        if (f->alt)
            return spec_fail(err, FTC_EINVAL,
                             "Alternate form (#) not allowed with integer format specifier 'c'");
        if (v < 0 || v > 0x10ffff)
            return spec_fail(err, FTC_EOVERFLOW, "%%c arg not in range(0x110000)");
        char enc[4];
        size_t k = fp_utf8_encode((uint32_t)v, enc);
        num_parts p = {0, "", "", 0, enc, k};
        fp_fmt_spec g = *f;
        g.grouping = 0;
        layout(out, &p, &g, 3);
        return out->oom ? FTC_ENOMEM : 0;
    }
    fp_buf digits;
    fp_buf_init(&digits);
    fp_int64_put(&digits, v, base);
    if (digits.oom)
        return FTC_ENOMEM;
    const char *d = digits.data;
    size_t nd = digits.len;
    if (v < 0) {
        d++;
        nd--;
    }
    if (upper)
        for (size_t i = 0; i < nd; i++)
            if (d[i] >= 'a')
                digits.data[(size_t)(d - digits.data) + i] = (char)(d[i] - 'a' + 'A');
    num_parts p = {sign_char(v < 0, f->sign), f->alt ? prefix : "", d, nd, "", 0};
    layout(out, &p, f, base == 10 ? 3 : 4);
    fp_buf_free(&digits);
    return out->oom ? FTC_ENOMEM : 0;
}

/* ---- float ---- */

/* The shortest '%.*e' digits of |v| (finite, non-zero) that read back as v: fills digits
 * (no dot, no trailing zeros) and returns decpt, the position of the decimal point relative
 * to the first digit (value = 0.DIGITS * 10**decpt). */
static int shortest_digits(double v, char digits[24], size_t *ndigits)
{
    char buf[40];
    double a = fabs(v);
    int m_exp;
    bool pow2 = frexp(a, &m_exp) == 0.5;
    size_t n = 0;
    int exp = 0;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, a);
        /* buf is D[.DDD]e[+-]XX */
        n = 0;
        const char *p = buf;
        for (; *p != 'e'; p++)
            if (*p != '.')
                digits[n++] = *p;
        exp = atoi(p + 1);
        if (strtod(buf, NULL) == a)
            break;
        if (pow2) {
            /* The gap below a power of two is half the gap above: the nearest prec-digit
             * decimal may fall outside while the next one up reads back. */
            char up[24];
            memcpy(up, digits, n);
            size_t i = n;
            while (i > 0 && up[i - 1] == '9')
                up[--i] = '0';
            int uexp = exp;
            if (i == 0) {
                up[0] = '1';
                uexp++;
            } else {
                up[i - 1]++;
            }
            snprintf(buf, sizeof buf, "0.%.*se%d", (int)n, up, uexp + 1);
            if (strtod(buf, NULL) == a) {
                memcpy(digits, up, n);
                exp = uexp;
                break;
            }
        }
    }
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *ndigits = n;
    return exp + 1;
}

size_t fp_double_repr(double v, char out[32])
{
    if (isnan(v))
        return (size_t)snprintf(out, 32, "nan");
    if (isinf(v))
        return (size_t)snprintf(out, 32, v < 0 ? "-inf" : "inf");
    size_t n = 0;
    if (signbit(v))
        out[n++] = '-';
    if (v == 0) {
        memcpy(out + n, "0.0", 4);
        return n + 3;
    }
    char d[24];
    size_t nd;
    int decpt = shortest_digits(v, d, &nd);
    if (decpt > 16 || decpt < -3) {
        /* d.ddde+XX */
        out[n++] = d[0];
        if (nd > 1) {
            out[n++] = '.';
            memcpy(out + n, d + 1, nd - 1);
            n += nd - 1;
        }
        n +=
            (size_t)snprintf(out + n, 32 - n, "e%c%02d", decpt - 1 < 0 ? '-' : '+', abs(decpt - 1));
        return n;
    }
    if (decpt <= 0) {
        out[n++] = '0';
        out[n++] = '.';
        for (int i = 0; i < -decpt; i++)
            out[n++] = '0';
        memcpy(out + n, d, nd);
        n += nd;
    } else if ((size_t)decpt >= nd) {
        memcpy(out + n, d, nd);
        n += nd;
        for (size_t i = nd; i < (size_t)decpt; i++)
            out[n++] = '0';
        out[n++] = '.';
        out[n++] = '0';
    } else {
        memcpy(out + n, d, (size_t)decpt);
        n += (size_t)decpt;
        out[n++] = '.';
        memcpy(out + n, d + decpt, nd - (size_t)decpt);
        n += nd - (size_t)decpt;
    }
    out[n] = '\0';
    return n;
}

/* Whether the decimal exponent of a rounded to prec significant digits equals prec (the one
 * case where CPython's add-dot-0 'g' and C's %g choose differently). */
static bool g_wants_exp(double a, int64_t prec)
{
    if (prec > 330)
        return false; /* the decimal exponent of a double is below 310 */
    int p = prec == 0 ? 1 : (int)prec;
    char tmp[400];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, a);
    int decpt = atoi(strchr(tmp, 'e') + 1) + 1;
    return decpt == p;
}

int fp_fmt_double(fp_buf *out, double v, const fp_fmt_spec *f, const char *tname, fp_err err)
{
    char type = f->type;
    bool add_dot_0 = false, pct = false;
    int64_t prec = f->precision;
    switch (type) {
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case '%': break;
    case 'n': type = 'g'; break;
    case 0:
        add_dot_0 = true;
        type = prec < 0 ? 'r' : 'g';
        break;
    default: return unknown_code((unsigned char)f->type, tname, err);
    }
    if (type == '%') {
        type = 'f';
        v *= 100;
        pct = true;
    }
    if (prec < 0)
        prec = 6;
    if (prec > 100000000)
        return spec_fail(err, FTC_EINVAL, "precision too big");
    bool negative = !isnan(v) && signbit(v);
    double a = fabs(v);
    bool upper = type == 'E' || type == 'F' || type == 'G';
    fp_buf text;
    fp_buf_init(&text);
    if (!isfinite(v)) {
        fp_buf_puts(&text, isnan(v) ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf"));
    } else if (type == 'r') {
        char r[40];
        size_t k = fp_double_repr(a, r);
        char *e = strchr(r, 'e');
        if (f->alt && e && !memchr(r, '.', (size_t)(e - r))) {
            /* '#' keeps a decimal point: 1e+16 -> 1.e+16 */
            memmove(e + 1, e, k - (size_t)(e - r) + 1);
            *e = '.';
            k++;
        }
        fp_buf_put(&text, r, k);
    } else if (type == 'g' && add_dot_0 && g_wants_exp(a, prec)) {
        /* No type with a precision: CPython's 'g' goes to exponent form one digit sooner
         * than C's (at decpt == precision), so that '.1' of 1.0 is 1e+00, not 1. */
        int p = prec == 0 ? 1 : (int)prec;
        char tmp[64];
        snprintf(tmp, sizeof tmp, f->alt ? "%#.*e" : "%.*e", p - 1, a);
        char *e = strchr(tmp, 'e');
        size_t m = (size_t)(e - tmp);
        if (!f->alt && memchr(tmp, '.', m)) {
            while (tmp[m - 1] == '0')
                m--;
            if (tmp[m - 1] == '.')
                m--;
        }
        fp_buf_put(&text, tmp, m);
        fp_buf_puts(&text, e);
    } else {
        char fmt[8];
        snprintf(fmt, sizeof fmt, "%%%s.*%c", f->alt ? "#" : "", type);
        int need = snprintf(NULL, 0, fmt, (int)prec, a);
        if (need < 0 || !fp_buf_reserve(&text, (size_t)need)) {
            fp_buf_free(&text);
            return FTC_ENOMEM;
        }
        snprintf(text.data, (size_t)need + 1, fmt, (int)prec, a);
        text.len = (size_t)need;
        if (add_dot_0 && !strpbrk(text.data, ".e"))
            fp_buf_puts(&text, ".0");
    }
    if (pct)
        fp_buf_putc(&text, '%');
    if (text.oom) {
        fp_buf_free(&text);
        return FTC_ENOMEM;
    }
    /* 'z': a value that printed as zero loses its minus sign. */
    if (negative && f->no_neg_zero && isfinite(v)) {
        bool zero = true;
        for (size_t i = 0; i < text.len && text.data[i] != 'e' && text.data[i] != 'E'; i++)
            if (text.data[i] >= '1' && text.data[i] <= '9')
                zero = false;
        if (zero)
            negative = false;
    }
    size_t nd = 0;
    if (isfinite(v))
        while (nd < text.len && text.data[nd] >= '0' && text.data[nd] <= '9')
            nd++;
    num_parts p = {sign_char(negative, f->sign), "", text.data, nd, text.data + nd, text.len - nd};
    fp_fmt_spec g = *f;
    if (!isfinite(v))
        g.grouping = 0;
    layout(out, &p, &g, 3);
    fp_buf_free(&text);
    return out->oom ? FTC_ENOMEM : 0;
}

/* ---- text ---- */

int fp_fmt_text(fp_buf *out, const char *s, size_t n, const fp_fmt_spec *f, const char *tname,
                fp_err err)
{
    if (f->type != 's' && f->type != 0)
        return unknown_code((unsigned char)f->type, tname, err);
    if (f->sign)
        return spec_fail(err, FTC_EINVAL, "Sign not allowed in string format specifier");
    if (f->no_neg_zero)
        return spec_fail(err, FTC_EINVAL,
                         "Negative zero coercion (z) not allowed in string format specifier");
    if (f->alt)
        return spec_fail(err, FTC_EINVAL,
                         "Alternate form (#) not allowed in string format specifier");
    if (f->align == '=')
        return spec_fail(err, FTC_EINVAL, "'=' alignment not allowed in string format specifier");
    size_t count = fp_utf8_count(s, n);
    if (f->precision >= 0 && (uint64_t)f->precision < count) {
        n = fp_utf8_offset(s, n, (size_t)f->precision);
        count = (size_t)f->precision;
    }
    size_t width = f->width > 0 ? (size_t)f->width : 0;
    size_t pad = width > count ? width - count : 0;
    size_t left = 0, right = 0;
    switch (f->align) {
    case '>': left = pad; break;
    case '^':
        left = pad / 2;
        right = pad - left;
        break;
    default: right = pad; break;
    }
    uint32_t fill = f->fill_set ? f->fill : ' ';
    fp_buf_put_cp(out, fill, left);
    fp_buf_put(out, s, n);
    fp_buf_put_cp(out, fill, right);
    return out->oom ? FTC_ENOMEM : 0;
}

/* ---- round(x, n) ---- */

int fp_double_round(double x, int64_t ndigits, double *out, fp_err err)
{
    /* Beyond these a double has no digit to round (CPython's NDIGITS_MAX / NDIGITS_MIN). */
    if (ndigits > 323) {
        *out = x;
        return 0;
    }
    if (ndigits < -308) {
        *out = 0.0 * x;
        return 0;
    }
    if (x == 0.0 || !isfinite(x)) {
        *out = x;
        return 0;
    }
    /* The exact expansion: at most 309 integer digits, 1074 fractional ones. */
    enum { FRAC = 1100 };
    char *buf = ftc_mem_alloc(1500);
    if (buf == NULL)
        return FTC_ENOMEM;
    int len = snprintf(buf, 1500, "%.*f", FRAC, fabs(x));
    char *dot = strchr(buf, '.');
    int intlen = (int)(dot - buf);
    /* Digits as one string without the dot: d[0..intlen+FRAC). */
    memmove(dot, dot + 1, (size_t)(len - intlen));
    char *d = buf;
    int total = intlen + FRAC;
    int keep = intlen + (int)ndigits; /* digits kept, counted from the left */
    double r;
    if (keep < 0) {
        r = 0.0;
    } else {
        /* Round at position keep: look at the rest. */
        int cmp = 0; /* rest versus one half: -1, 0, 1 */
        if (keep < total) {
            if (d[keep] > '5') {
                cmp = 1;
            } else if (d[keep] < '5') {
                cmp = -1;
            } else {
                cmp = 0;
                for (int i = keep + 1; i < total; i++)
                    if (d[i] != '0') {
                        cmp = 1;
                        break;
                    }
            }
        } else {
            cmp = -1;
            keep = total;
        }
        bool odd = keep > 0 && ((d[keep - 1] - '0') & 1);
        bool up = cmp > 0 || (cmp == 0 && odd);
        /* Build "0" + kept digits (+1 if up), then scale by the exponent through strtod. */
        char *num = ftc_mem_alloc((size_t)keep + 32);
        if (num == NULL) {
            ftc_mem_free(buf);
            return FTC_ENOMEM;
        }
        num[0] = '0';
        memcpy(num + 1, d, (size_t)keep);
        int i = keep;
        if (up) {
            while (num[i] == '9')
                num[i--] = '0';
            num[i]++;
        }
        snprintf(num + 1 + keep, 31, "e%d", -(int)ndigits);
        r = strtod(num, NULL);
        ftc_mem_free(num);
    }
    ftc_mem_free(buf);
    if (isinf(r))
        return spec_fail(err, FTC_EOVERFLOW, "rounded value too large to represent");
    *out = copysign(r, x);
    return 0;
}
