/* str methods: splitting, stripping, joining, case mapping, character classes, padding
 * (the searching ones and the type are in str.c, str.format in str_format.c).
 *
 * Each walks the UTF-8 bytes once and builds its result in an fp_buf (a single allocation
 * growing by doubling), then makes one str. join measures its items first and copies each
 * once. Whitespace is Python's str.isspace() set; case mapping and classes cover ASCII,
 * Latin-1, Greek and Cyrillic (see str.c).
 */
#include "lib.h"

#include <string.h>

static bool cp_isspace(uint32_t c)
{
    return (c >= 9 && c <= 13) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 ||
           c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 ||
           c == 0x202f || c == 0x205f || c == 0x3000;
}

static bool cp_isupper(uint32_t c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7) ||
           (c >= 0x391 && c <= 0x3a9) || (c >= 0x400 && c <= 0x42f);
}

static bool cp_islower(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 0xdf && c <= 0xff && c != 0xf7) ||
           (c >= 0x3b1 && c <= 0x3c9) || (c >= 0x430 && c <= 0x45f);
}

static bool cp_isdigit(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0xff10 && c <= 0xff19);
}

static bool cp_isalpha(uint32_t c)
{
    if (c < 0x80)
        return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    if (cp_isupper(c) || cp_islower(c) || c == 0xaa || c == 0xb5 || c == 0xba)
        return true;
    /* Beyond the mapped scripts: letters of other scripts (CJK, ...) count as alphabetic,
     * punctuation, symbols and spaces of the common blocks do not. */
    if (c < 0x100 || cp_isspace(c) || (c >= 0x2000 && c <= 0x2bff) ||
        (c >= 0x3000 && c <= 0x303f) || (c >= 0xfe30 && c <= 0xfe6f) || c >= 0x1f000 ||
        cp_isdigit(c))
        return false;
    return fp_cp_isprintable(c);
}

static uint32_t cp_upper(uint32_t c)
{
    if (c >= 'a' && c <= 'z')
        return c - 32;
    if (c < 0x80)
        return c;
    if ((c >= 0xe0 && c <= 0xfe && c != 0xf7) || (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) ||
        (c >= 0x430 && c <= 0x44f))
        return c - 32;
    if (c == 0x3c2)
        return 0x3a3;
    if (c >= 0x450 && c <= 0x45f)
        return c - 80;
    if (c == 0xff)
        return 0x178;
    return c;
}

static uint32_t cp_lower(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0x80)
        return c;
    if ((c >= 0xc0 && c <= 0xde && c != 0xd7) || (c >= 0x391 && c <= 0x3a9) ||
        (c >= 0x410 && c <= 0x42f))
        return c + 32;
    if (c >= 0x400 && c <= 0x40f)
        return c + 80;
    if (c == 0x178)
        return 0xff;
    return c;
}

static uint32_t next_cp(const char *d, size_t n, size_t *i)
{
    uint32_t cp;
    *i += fp_utf8_decode(d + *i, n - *i, &cp);
    return cp;
}

/* The code point ending at byte i (exclusive), moving *i back to its start. */
static uint32_t prev_cp(const char *d, size_t *i)
{
    size_t j = *i;
    do {
        j--;
    } while (j > 0 && ((unsigned char)d[j] & 0xc0) == 0x80);
    uint32_t cp;
    fp_utf8_decode(d + j, *i - j, &cp);
    *i = j;
    return cp;
}

/* ---- case mapping ---- */

enum { CASE_UPPER, CASE_LOWER, CASE_SWAP, CASE_TITLE, CASE_CAPITALIZE };

static ftc_object *map_case(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames, const char *name, int mode)
{
    (void)args;
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self), i = 0;
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_reserve(&b, n);
    bool prev_cased = false, first = true;
    while (i < n) {
        unsigned char c0 = (unsigned char)d[i];
        uint32_t c = c0 < 0x80 ? (i++, c0) : next_cp(d, n, &i);
        uint32_t r = c;
        switch (mode) {
        case CASE_UPPER: r = cp_upper(c); break;
        case CASE_LOWER: r = cp_lower(c); break;
        case CASE_SWAP: r = cp_isupper(c) ? cp_lower(c) : cp_upper(c); break;
        case CASE_TITLE: r = prev_cased ? cp_lower(c) : cp_upper(c); break;
        default: r = first ? cp_upper(c) : cp_lower(c); break;
        }
        prev_cased = cp_isupper(c) || cp_islower(c);
        first = false;
        if (r < 0x80 && !b.oom && b.len + 1 < b.cap) {
            b.data[b.len++] = (char)r;
            b.data[b.len] = '\0';
        } else {
            fp_buf_put_cp(&b, r, 1);
        }
    }
    return fp_str_from_buf(&b);
}

FP_STRM(upper) { return map_case(self, args, nargs, kwnames, "upper", CASE_UPPER); }
FP_STRM(lower) { return map_case(self, args, nargs, kwnames, "lower", CASE_LOWER); }
FP_STRM(casefold) { return map_case(self, args, nargs, kwnames, "casefold", CASE_LOWER); }
FP_STRM(swapcase) { return map_case(self, args, nargs, kwnames, "swapcase", CASE_SWAP); }
FP_STRM(title) { return map_case(self, args, nargs, kwnames, "title", CASE_TITLE); }
FP_STRM(capitalize) { return map_case(self, args, nargs, kwnames, "capitalize", CASE_CAPITALIZE); }

/* ---- character classes ---- */

enum { IS_DIGIT, IS_ALPHA, IS_SPACE, IS_ALNUM, IS_UPPER, IS_LOWER, IS_IDENT };

static ftc_object *classify(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames, const char *name, int what)
{
    (void)args;
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self), i = 0;
    if (n == 0)
        return fp_False;
    bool cased = false, first = true;
    while (i < n) {
        uint32_t c = next_cp(d, n, &i);
        bool ok;
        switch (what) {
        case IS_DIGIT: ok = cp_isdigit(c); break;
        case IS_ALPHA: ok = cp_isalpha(c); break;
        case IS_SPACE: ok = cp_isspace(c); break;
        case IS_ALNUM: ok = cp_isalpha(c) || cp_isdigit(c); break;
        case IS_UPPER:
            ok = !cp_islower(c);
            cased |= cp_isupper(c);
            break;
        case IS_LOWER:
            ok = !cp_isupper(c);
            cased |= cp_islower(c);
            break;
        default: ok = c == '_' || cp_isalpha(c) || (!first && cp_isdigit(c)); break;
        }
        first = false;
        if (!ok)
            return fp_False;
    }
    if (what == IS_UPPER || what == IS_LOWER)
        return fp_bool(cased);
    return fp_True;
}

FP_STRM(isdigit) { return classify(self, args, nargs, kwnames, "isdigit", IS_DIGIT); }
FP_STRM(isdecimal) { return classify(self, args, nargs, kwnames, "isdecimal", IS_DIGIT); }
FP_STRM(isnumeric) { return classify(self, args, nargs, kwnames, "isnumeric", IS_DIGIT); }
FP_STRM(isalpha) { return classify(self, args, nargs, kwnames, "isalpha", IS_ALPHA); }
FP_STRM(isspace) { return classify(self, args, nargs, kwnames, "isspace", IS_SPACE); }
FP_STRM(isalnum) { return classify(self, args, nargs, kwnames, "isalnum", IS_ALNUM); }
FP_STRM(isupper) { return classify(self, args, nargs, kwnames, "isupper", IS_UPPER); }
FP_STRM(islower) { return classify(self, args, nargs, kwnames, "islower", IS_LOWER); }
FP_STRM(isidentifier) { return classify(self, args, nargs, kwnames, "isidentifier", IS_IDENT); }

/* ---- strip ---- */

static bool in_chars(uint32_t c, ftc_object *chars)
{
    if (chars == NULL)
        return cp_isspace(c);
    const char *d = fp_str_data(chars);
    size_t n = fp_str_len(chars), i = 0;
    while (i < n)
        if (next_cp(d, n, &i) == c)
            return true;
    return false;
}

static ftc_object *strip_impl(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames, const char *name, bool left, bool right)
{
    if (fp_check_args(name, nargs, kwnames, 0, 1) < 0)
        return NULL;
    ftc_object *chars = nargs > 0 && args[0] != fp_None ? args[0] : NULL;
    if (chars != NULL && !fp_str_check(chars)) {
        fp_err_set(&fp_TypeError_type, "%s arg must be None or str", name);
        return NULL;
    }
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self), lo = 0, hi = n;
    if (left)
        while (lo < hi) {
            size_t j = lo;
            if (!in_chars(next_cp(d, n, &j), chars))
                break;
            lo = j;
        }
    if (right)
        while (hi > lo) {
            size_t j = hi;
            if (!in_chars(prev_cp(d, &j), chars))
                break;
            hi = j;
        }
    if (lo == 0 && hi == n) {
        ftc_incref(self);
        return self;
    }
    return fp_str_new(d + lo, hi - lo);
}

FP_STRM(strip) { return strip_impl(self, args, nargs, kwnames, "strip", true, true); }
FP_STRM(lstrip) { return strip_impl(self, args, nargs, kwnames, "lstrip", true, false); }
FP_STRM(rstrip) { return strip_impl(self, args, nargs, kwnames, "rstrip", false, true); }

static ftc_object *affix_remove(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames, const char *name, bool suffix)
{
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "%s() argument must be str, not %.100s", name,
                   fp_type_name(args[0]));
        return NULL;
    }
    size_t n = fp_str_len(self), k = fp_str_len(args[0]);
    const char *d = fp_str_data(self);
    if (k > 0 && k <= n && memcmp(suffix ? d + n - k : d, fp_str_data(args[0]), k) == 0)
        return fp_str_new(suffix ? d : d + k, n - k);
    ftc_incref(self);
    return self;
}

FP_STRM(removeprefix) { return affix_remove(self, args, nargs, kwnames, "removeprefix", false); }
FP_STRM(removesuffix) { return affix_remove(self, args, nargs, kwnames, "removesuffix", true); }

/* ---- split ---- */

static int append_piece(ftc_object *list, const char *s, size_t n)
{
    ftc_object *p = fp_str_new(s, n);
    if (p == NULL)
        return -1;
    int rc = fp_list_append(list, p);
    ftc_decref(p);
    return rc;
}

static ftc_object *split_impl(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames, const char *name, bool from_right)
{
    static const char *const kwlist[] = {"sep", "maxsplit", NULL};
    ftc_object *a[2];
    if (fp_parse_args(name, args, nargs, kwnames, kwlist, 0, 2, a) < 0)
        return NULL;
    ftc_object *sep = a[0] != NULL && a[0] != fp_None ? a[0] : NULL;
    int64_t maxsplit = -1;
    if (a[1] != NULL && fp_index_value(a[1], &maxsplit, "'maxsplit' must be an integer") < 0)
        return NULL;
    if (sep != NULL && !fp_str_check(sep)) {
        fp_err_set(&fp_TypeError_type, "must be str or None, not %.100s", fp_type_name(sep));
        return NULL;
    }
    if (sep != NULL && fp_str_len(sep) == 0) {
        fp_err_set(&fp_ValueError_type, "empty separator");
        return NULL;
    }
    ftc_object *list = fp_list_new();
    if (list == NULL)
        return NULL;
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self);
    if (sep == NULL) {
        /* Runs of whitespace separate; none at the ends. Right splits collect reversed. */
        size_t i = from_right ? n : 0;
        for (;;) {
            if (!from_right) {
                while (i < n) {
                    size_t j = i;
                    if (!cp_isspace(next_cp(d, n, &j)))
                        break;
                    i = j;
                }
                if (i >= n)
                    break;
                size_t start = i;
                if (maxsplit == 0) {
                    /* The rest, trailing whitespace kept (as CPython). */
                    if (append_piece(list, d + start, n - start) < 0)
                        goto fail;
                    break;
                }
                while (i < n) {
                    size_t j = i;
                    if (cp_isspace(next_cp(d, n, &j)))
                        break;
                    i = j;
                }
                if (append_piece(list, d + start, i - start) < 0)
                    goto fail;
            } else {
                while (i > 0) {
                    size_t j = i;
                    if (!cp_isspace(prev_cp(d, &j)))
                        break;
                    i = j;
                }
                if (i == 0)
                    break;
                size_t end = i;
                if (maxsplit == 0) {
                    if (append_piece(list, d, end) < 0)
                        goto fail;
                    break;
                }
                while (i > 0) {
                    size_t j = i;
                    if (cp_isspace(prev_cp(d, &j)))
                        break;
                    i = j;
                }
                if (append_piece(list, d + i, end - i) < 0)
                    goto fail;
            }
            if (maxsplit > 0)
                maxsplit--;
        }
    } else {
        const char *p = fp_str_data(sep);
        size_t k = fp_str_len(sep);
        if (!from_right) {
            size_t i = 0;
            const char *hit;
            while (maxsplit != 0 && (hit = memmem(d + i, n - i, p, k)) != NULL) {
                size_t at = (size_t)(hit - d);
                if (append_piece(list, d + i, at - i) < 0)
                    goto fail;
                i = at + k;
                if (maxsplit > 0)
                    maxsplit--;
            }
            if (append_piece(list, d + i, n - i) < 0)
                goto fail;
        } else {
            size_t end = n;
            size_t i = n;
            while (maxsplit != 0 && i >= k) {
                size_t at = SIZE_MAX;
                for (size_t j = i - k + 1; j-- > 0;)
                    if (memcmp(d + j, p, k) == 0) {
                        at = j;
                        break;
                    }
                if (at == SIZE_MAX)
                    break;
                if (append_piece(list, d + at + k, end - at - k) < 0)
                    goto fail;
                end = at;
                i = at;
                if (maxsplit > 0)
                    maxsplit--;
            }
            if (append_piece(list, d, end) < 0)
                goto fail;
        }
    }
    if (from_right && ftc_list_reverse(list) < 0)
        goto fail;
    return list;
fail:
    ftc_decref(list);
    return NULL;
}

FP_STRM(split) { return split_impl(self, args, nargs, kwnames, "split", false); }
FP_STRM(rsplit) { return split_impl(self, args, nargs, kwnames, "rsplit", true); }

FP_STRM(splitlines)
{
    static const char *const kwlist[] = {"keepends", NULL};
    ftc_object *a[1];
    if (fp_parse_args("splitlines", args, nargs, kwnames, kwlist, 0, 1, a) < 0)
        return NULL;
    int keep = 0;
    if (a[0] != NULL && (keep = fp_truthy(a[0])) < 0)
        return NULL;
    ftc_object *list = fp_list_new();
    if (list == NULL)
        return NULL;
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self), i = 0, start = 0;
    while (i < n) {
        size_t j = i;
        uint32_t c = next_cp(d, n, &j);
        bool brk = c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d ||
                   c == 0x1e || c == 0x85 || c == 0x2028 || c == 0x2029;
        if (!brk) {
            i = j;
            continue;
        }
        if (c == '\r' && j < n && d[j] == '\n')
            j++;
        if (append_piece(list, d + start, (keep ? j : i) - start) < 0) {
            ftc_decref(list);
            return NULL;
        }
        start = i = j;
    }
    if (start < n && append_piece(list, d + start, n - start) < 0) {
        ftc_decref(list);
        return NULL;
    }
    return list;
}

static ftc_object *partition_impl(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames, const char *name, bool from_right)
{
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *sep = args[0];
    if (!fp_str_check(sep)) {
        fp_err_set(&fp_TypeError_type, "must be str, not %.100s", fp_type_name(sep));
        return NULL;
    }
    size_t k = fp_str_len(sep), n = fp_str_len(self);
    if (k == 0) {
        fp_err_set(&fp_ValueError_type, "empty separator");
        return NULL;
    }
    const char *d = fp_str_data(self), *p = fp_str_data(sep);
    size_t at = SIZE_MAX;
    if (!from_right) {
        const char *hit = memmem(d, n, p, k);
        if (hit)
            at = (size_t)(hit - d);
    } else if (k <= n) {
        for (size_t j = n - k + 1; j-- > 0;)
            if (memcmp(d + j, p, k) == 0) {
                at = j;
                break;
            }
    }
    ftc_object *empty = fp_str_new("", 0);
    if (empty == NULL)
        return NULL;
    ftc_object *r;
    if (at == SIZE_MAX) {
        r = from_right ? fp_tuple_pack(3, empty, empty, self)
                       : fp_tuple_pack(3, self, empty, empty);
    } else {
        ftc_object *x = fp_str_new(d, at), *y = x ? fp_str_new(d + at + k, n - at - k) : NULL;
        r = y ? fp_tuple_pack(3, x, sep, y) : NULL;
        ftc_xdecref(x);
        ftc_xdecref(y);
    }
    ftc_decref(empty);
    return r;
}

FP_STRM(partition) { return partition_impl(self, args, nargs, kwnames, "partition", false); }
FP_STRM(rpartition) { return partition_impl(self, args, nargs, kwnames, "rpartition", true); }

/* ---- join ---- */

ftc_object *fp_str_join(ftc_object *sep, ftc_object *iterable)
{
    ftc_object **items;
    size_t n;
    ftc_object *keep = fp_as_array(iterable, &items, &n);
    if (keep == NULL)
        return NULL;
    size_t total = 0, k = fp_str_len(sep);
    for (size_t i = 0; i < n; i++) {
        if (!fp_str_check(items[i])) {
            fp_err_set(&fp_TypeError_type,
                       "sequence item %zu: expected str instance, %.100s "
                       "found",
                       i, fp_type_name(items[i]));
            ftc_decref(keep);
            return NULL;
        }
        total += fp_str_len(items[i]) + (i ? k : 0);
    }
    ftc_object *r;
    if (n == 1) {
        r = items[0];
        ftc_incref(r);
    } else {
        char stackbuf[512];
        char *buf = total <= sizeof stackbuf ? stackbuf : ftc_mem_alloc(total);
        if (buf == NULL) {
            ftc_decref(keep);
            return fp_err_nomem();
        }
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            if (i && k) {
                memcpy(buf + at, fp_str_data(sep), k);
                at += k;
            }
            size_t m = fp_str_len(items[i]);
            memcpy(buf + at, fp_str_data(items[i]), m);
            at += m;
        }
        r = fp_str_new(buf, total);
        if (buf != stackbuf)
            ftc_mem_free(buf);
    }
    ftc_decref(keep);
    return r;
}

FP_STRM(join)
{
    if (fp_check_args("join", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_str_join(self, args[0]);
}

/* ---- padding ---- */

static ftc_object *pad_impl(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames, const char *name, char align)
{
    if (fp_check_args(name, nargs, kwnames, 1, 2) < 0)
        return NULL;
    int64_t width;
    if (fp_index_value(args[0], &width, NULL) < 0)
        return NULL;
    uint32_t fill = ' ';
    if (nargs > 1) {
        if (!fp_str_check(args[1]) || ftc_str_cplen(args[1]) != 1) {
            fp_err_set(&fp_TypeError_type, "The fill character must be exactly one character long");
            return NULL;
        }
        fp_utf8_decode(fp_str_data(args[1]), fp_str_len(args[1]), &fill);
    }
    size_t count = ftc_str_cplen(self);
    if (width <= (int64_t)count) {
        ftc_incref(self);
        return self;
    }
    size_t pad = (size_t)width - count, left = 0, right = 0;
    if (align == '<')
        right = pad;
    else if (align == '>')
        left = pad;
    else {
        /* CPython's center: the extra space goes left when the width is odd and pad is odd */
        left = pad / 2 + (pad & (size_t)width & 1);
        right = pad - left;
    }
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_put_cp(&b, fill, left);
    fp_buf_put(&b, fp_str_data(self), fp_str_len(self));
    fp_buf_put_cp(&b, fill, right);
    return fp_str_from_buf(&b);
}

FP_STRM(ljust) { return pad_impl(self, args, nargs, kwnames, "ljust", '<'); }
FP_STRM(rjust) { return pad_impl(self, args, nargs, kwnames, "rjust", '>'); }
FP_STRM(center) { return pad_impl(self, args, nargs, kwnames, "center", '^'); }

FP_STRM(zfill)
{
    if (fp_check_args("zfill", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t width;
    if (fp_index_value(args[0], &width, NULL) < 0)
        return NULL;
    size_t count = ftc_str_cplen(self);
    if (width <= (int64_t)count) {
        ftc_incref(self);
        return self;
    }
    const char *d = fp_str_data(self);
    size_t n = fp_str_len(self);
    fp_buf b;
    fp_buf_init(&b);
    size_t skip = n > 0 && (d[0] == '+' || d[0] == '-') ? 1 : 0;
    fp_buf_put(&b, d, skip);
    fp_buf_put_cp(&b, '0', (size_t)width - count);
    fp_buf_put(&b, d + skip, n - skip);
    return fp_str_from_buf(&b);
}

FP_STRM(encode)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)kwnames;
    fp_err_set(&fp_NotImplementedError_type, "ftpy does not support bytes (str.encode)");
    return NULL;
}
