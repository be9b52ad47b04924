/* str: Python's str on ftcore's immutable UTF-8 string (ftc_str), and its methods.
 *
 * Text is UTF-8; Python indexes by code point. ftcore records the code-point count at
 * creation (ftc_str_cplen), so len() is O(1) and an ASCII string (count == bytes) is indexed
 * and sliced by byte directly; other strings convert an index to a byte offset by a scan
 * (fp_utf8_offset). Comparisons are byte-wise, which for UTF-8 is code-point order, as
 * Python's. Strings are immutable, so any thread reads them without synchronization.
 *
 * One-character ASCII strings (indexing, iteration) come from a table of interned immortal
 * strs filled on first use (a racing second filler stores the same interned object).
 * Methods that search (find, count, replace, split, startswith, ...) work on bytes with
 * memmem/memcmp: a UTF-8 needle matches only at code-point boundaries, so byte results
 * convert back to code-point indexes exactly.
 *
 * Case mapping and character classes cover ASCII, Latin-1, Greek and Cyrillic (ftpy has no
 * Unicode database); the subset's programs use ASCII.
 */
#include "lib.h"

#include <string.h>

/* ---- helpers ---- */

static bool str_is_ascii(ftc_object *s) { return ftc_str_cplen(s) == fp_str_len(s); }

ftc_object *fp_str_from_buf(fp_buf *b)
{
    if (b->oom) {
        fp_buf_free(b);
        return fp_err_nomem();
    }
    ftc_object *s = fp_str_new(b->data ? b->data : "", b->len);
    fp_buf_free(b);
    return s;
}

int fp_buf_put_repr(fp_buf *b, ftc_object *o)
{
    if (fp_str_check(o)) {
        fp_str_repr(b, fp_str_data(o), fp_str_len(o));
        return 0;
    }
    if (ftc_int_check(o)) {
        fp_int64_put(b, fp_int_value(o), 10);
        return 0;
    }
    if (fp_float_check(o)) {
        char r[32];
        fp_buf_put(b, r, fp_double_repr(fp_float_value(o), r));
        return 0;
    }
    ftc_object *r = fp_repr(o);
    if (r == NULL)
        return -1;
    fp_buf_put(b, fp_str_data(r), fp_str_len(r));
    ftc_decref(r);
    return 0;
}

int fp_buf_put_str(fp_buf *b, ftc_object *o)
{
    if (fp_str_check(o)) {
        fp_buf_put(b, fp_str_data(o), fp_str_len(o));
        return 0;
    }
    /* print's common operands, without making a str first */
    if (ftc_int_check(o)) {
        fp_int64_put(b, fp_int_value(o), 10);
        return 0;
    }
    if (fp_float_check(o)) {
        char r[32];
        fp_buf_put(b, r, fp_double_repr(fp_float_value(o), r));
        return 0;
    }
    ftc_object *r = fp_str(o);
    if (r == NULL)
        return -1;
    fp_buf_put(b, fp_str_data(r), fp_str_len(r));
    ftc_decref(r);
    return 0;
}

static ftc_object *ascii_chars[128];

ftc_object *fp_str_char_at_bytes(const char *s, size_t k)
{
    unsigned char c = (unsigned char)s[0];
    if (k == 1 && c < 128) {
        /* Acquire: pairs with the release store below (the object's contents). */
        ftc_object *o = ftc_atomic_load_acquire(&ascii_chars[c]);
        if (o == NULL) {
            o = fp_intern_len(s, 1);
            if (o == NULL)
                return NULL;
            ftc_atomic_store_release(&ascii_chars[c], o);
        }
        return o; /* interned: immortal, no count needed */
    }
    return fp_str_new(s, k);
}

/* The one-character str at code-point index i (in range), a new reference. */
ftc_object *fp_str_char_at(ftc_object *s, int64_t i)
{
    const char *d = fp_str_data(s);
    size_t n = fp_str_len(s);
    if (str_is_ascii(s))
        return fp_str_char_at_bytes(d + i, 1);
    size_t off = fp_utf8_offset(d, n, (size_t)i);
    uint32_t cp;
    size_t k = fp_utf8_decode(d + off, n - off, &cp);
    return fp_str_char_at_bytes(d + off, k);
}

/* Byte offset of code-point index i (0..cplen) of s. */
static size_t byte_off(ftc_object *s, int64_t i)
{
    if (str_is_ascii(s))
        return (size_t)i;
    return fp_utf8_offset(fp_str_data(s), fp_str_len(s), (size_t)i);
}

/* Code-point index of byte offset off of s. */
static int64_t cp_index(ftc_object *s, size_t off)
{
    if (str_is_ascii(s))
        return (int64_t)off;
    return (int64_t)fp_utf8_count(fp_str_data(s), off);
}

ftc_object *fp_str_concat(ftc_object *a, ftc_object *b)
{
    size_t na = fp_str_len(a), nb = fp_str_len(b);
    if (nb == 0) {
        ftc_incref(a);
        return a;
    }
    if (na == 0) {
        ftc_incref(b);
        return b;
    }
    char stackbuf[512];
    char *buf = na + nb <= sizeof stackbuf ? stackbuf : ftc_mem_alloc(na + nb);
    if (buf == NULL)
        return fp_err_nomem();
    memcpy(buf, fp_str_data(a), na);
    memcpy(buf + na, fp_str_data(b), nb);
    ftc_object *r = fp_str_new(buf, na + nb);
    if (buf != stackbuf)
        ftc_mem_free(buf);
    return r;
}

/* ---- slots ---- */

static ftc_object *str_repr(ftc_object *o)
{
    fp_buf b;
    fp_buf_init(&b);
    fp_str_repr(&b, fp_str_data(o), fp_str_len(o));
    return fp_str_from_buf(&b);
}

static ftc_object *str_str(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

static int64_t str_hash(ftc_object *o)
{
    int64_t h = (int64_t)(ftc_str_hash(o) >> 1);
    return h == -1 ? -2 : h;
}

static ftc_object *str_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_str_check(a) || !fp_str_check(b))
        return fp_NotImplemented;
    size_t na = fp_str_len(a), nb = fp_str_len(b);
    int c;
    if (op == FP_EQ || op == FP_NE) {
        c = a == b ? 0 : na != nb ? 1 : memcmp(fp_str_data(a), fp_str_data(b), na);
        return fp_bool((c == 0) == (op == FP_EQ));
    }
    c = memcmp(fp_str_data(a), fp_str_data(b), na < nb ? na : nb);
    if (c == 0)
        c = na < nb ? -1 : na > nb ? 1 : 0;
    bool r;
    switch (op) {
    case FP_LT: r = c < 0; break;
    case FP_LE: r = c <= 0; break;
    case FP_GT: r = c > 0; break;
    default: r = c >= 0; break;
    }
    return fp_bool(r);
}

static int64_t str_len(ftc_object *o) { return (int64_t)ftc_str_cplen(o); }

static int str_bool(ftc_object *o) { return fp_str_len(o) != 0; }

static ftc_object *str_getitem(ftc_object *o, ftc_object *key)
{
    int64_t n = (int64_t)ftc_str_cplen(o);
    if (fp_int_like(key)) {
        int64_t i = fp_int_like_value(key);
        if (i < 0)
            i += n;
        if (i < 0 || i >= n) {
            fp_err_set(&fp_IndexError_type, "string index out of range");
            return NULL;
        }
        return fp_str_char_at(o, i);
    }
    if (!fp_slice_check(key)) {
        fp_err_set(&fp_TypeError_type, "string indices must be integers, not '%.100s'",
                   fp_type_name(key));
        return NULL;
    }
    int64_t start, stop, step, len;
    if (fp_slice_unpack(key, n, &start, &stop, &step, &len) < 0)
        return NULL;
    if (len <= 0)
        return fp_str_new("", 0);
    if (step == 1) {
        if (len == n) {
            ftc_incref(o);
            return o;
        }
        size_t b0 = byte_off(o, start), b1 = byte_off(o, start + len);
        return fp_str_new(fp_str_data(o) + b0, b1 - b0);
    }
    fp_buf b;
    fp_buf_init(&b);
    const char *d = fp_str_data(o);
    size_t nb = fp_str_len(o);
    if (str_is_ascii(o)) {
        if (fp_buf_reserve(&b, (size_t)len))
            for (int64_t i = 0, j = start; i < len; i++, j += step)
                b.data[b.len++] = d[j];
        if (!b.oom)
            b.data[b.len] = '\0';
    } else {
        /* Offsets of every code point, then pick. */
        size_t *offs = ftc_mem_alloc(((size_t)n + 1) * sizeof(size_t));
        if (offs == NULL)
            return fp_err_nomem();
        size_t k = 0;
        for (size_t i = 0; i < nb; i++)
            if (((unsigned char)d[i] & 0xc0) != 0x80)
                offs[k++] = i;
        offs[k] = nb;
        for (int64_t i = 0, j = start; i < len; i++, j += step)
            fp_buf_put(&b, d + offs[j], offs[j + 1] - offs[j]);
        ftc_mem_free(offs);
    }
    return fp_str_from_buf(&b);
}

static int str_contains(ftc_object *o, ftc_object *v)
{
    if (!fp_str_check(v)) {
        fp_err_set(&fp_TypeError_type, "'in <string>' requires string as left operand, not %.100s",
                   fp_type_name(v));
        return -1;
    }
    if (fp_str_len(v) == 0)
        return 1;
    return memmem(fp_str_data(o), fp_str_len(o), fp_str_data(v), fp_str_len(v)) != NULL;
}

static ftc_object *str_add(ftc_object *a, ftc_object *b)
{
    if (fp_str_check(a) && fp_str_check(b))
        return fp_str_concat(a, b);
    if (fp_str_check(a) && !(fp_type_of(b)->flags & FP_TPFLAG_HEAPTYPE)) {
        fp_err_set(&fp_TypeError_type, "can only concatenate str (not \"%.100s\") to str",
                   fp_type_name(b));
        return NULL;
    }
    return fp_NotImplemented;
}

static ftc_object *str_mul(ftc_object *a, ftc_object *b)
{
    ftc_object *seq;
    int64_t count;
    if (!fp_seq_repeat_args(a, b, &seq, &count) || !fp_str_check(seq))
        return fp_seq_mul_error(a, b, &fp_str_type);
    size_t n = fp_str_len(seq);
    if (count <= 0 || n == 0)
        return fp_str_new("", 0);
    if (count == 1) {
        ftc_incref(seq);
        return seq;
    }
    if ((uint64_t)count > SIZE_MAX / 2 / n)
        return fp_err_nomem();
    size_t total = n * (size_t)count;
    char *buf = ftc_mem_alloc(total);
    if (buf == NULL)
        return fp_err_nomem();
    /* Doubling copies. */
    memcpy(buf, fp_str_data(seq), n);
    size_t done = n;
    while (done < total) {
        size_t k = done <= total - done ? done : total - done;
        memcpy(buf + done, buf, k);
        done += k;
    }
    ftc_object *r = fp_str_new(buf, total);
    ftc_mem_free(buf);
    return r;
}

/* printf-style formatting is outside ftpy's subset: say so rather than "unsupported operand". */
static ftc_object *str_mod(ftc_object *a, ftc_object *b)
{
    (void)b;
    if (!fp_str_check(a))
        return fp_NotImplemented;
    fp_err_set(&fp_NotImplementedError_type,
               "ftpy does not support %%-formatting of str (use an f-string or str.format)");
    return NULL;
}

static ftc_object *str_iter(ftc_object *o) { return fp_str_iter_new(o); }

static ftc_object *str_new(fp_type *type, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)type;
    static const char *const kwlist[] = {"object", "encoding", "errors", NULL};
    ftc_object *a[3];
    if (fp_parse_args("str", args, nargs, kwnames, kwlist, 0, 3, a) < 0)
        return NULL;
    if (a[0] == NULL)
        return fp_str_new("", 0);
    if (a[1] != NULL || a[2] != NULL) {
        fp_err_set(&fp_NotImplementedError_type, "ftpy does not support bytes (str() with an "
                                                 "encoding)");
        return NULL;
    }
    return fp_str(a[0]);
}


/* ---- methods: searching ---- */

/* The [start:end] window of a search method's optional arguments, as byte offsets. */
static int search_window(ftc_object *s, ftc_object *const *args, size_t nargs, size_t first,
                         size_t *b0, size_t *b1)
{
    int64_t n = (int64_t)ftc_str_cplen(s), start = 0, end = n;
    for (size_t k = first; k < nargs && k < first + 2; k++) {
        if (args[k] == fp_None)
            continue;
        int64_t v;
        if (fp_index_value(args[k], &v,
                           "slice indices must be integers or None or have an __index__ "
                           "method") < 0)
            return -1;
        if (v < 0) {
            v += n;
            if (v < 0)
                v = 0;
        }
        if (v > n)
            v = n;
        if (k == first)
            start = v;
        else
            end = v;
    }
    if (end < start) {
        *b0 = *b1 = SIZE_MAX; /* empty window: nothing matches, not even "" */
        return 0;
    }
    *b0 = byte_off(s, start);
    *b1 = byte_off(s, end);
    return 0;
}

/* Byte offset of the first (or last) occurrence of sub in s[b0..b1), or SIZE_MAX. */
static size_t find_bytes(ftc_object *s, ftc_object *sub, size_t b0, size_t b1, bool last)
{
    if (b0 == SIZE_MAX)
        return SIZE_MAX;
    const char *d = fp_str_data(s), *p = fp_str_data(sub);
    size_t n = fp_str_len(sub);
    if (n > b1 - b0)
        return SIZE_MAX;
    if (!last) {
        const char *r = n == 0 ? d + b0 : memmem(d + b0, b1 - b0, p, n);
        return r ? (size_t)(r - d) : SIZE_MAX;
    }
    for (size_t i = b1 - n + 1; i-- > b0;)
        if (memcmp(d + i, p, n) == 0)
            return i;
    return SIZE_MAX;
}

static ftc_object *str_find_impl(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames, const char *name, bool last, bool raise)
{
    if (fp_check_args(name, nargs, kwnames, 1, 3) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "must be str, not %.100s", fp_type_name(args[0]));
        return NULL;
    }
    size_t b0, b1;
    if (search_window(self, args, nargs, 1, &b0, &b1) < 0)
        return NULL;
    size_t at = find_bytes(self, args[0], b0, b1, last);
    if (at == SIZE_MAX) {
        if (raise) {
            fp_err_set(&fp_ValueError_type, "substring not found");
            return NULL;
        }
        return fp_int_new(-1);
    }
    return fp_int_new(cp_index(self, at));
}

static ftc_object *str_find(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    return str_find_impl(self, args, nargs, kwnames, "find", false, false);
}

static ftc_object *str_rfind(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    return str_find_impl(self, args, nargs, kwnames, "rfind", true, false);
}

static ftc_object *str_index(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    return str_find_impl(self, args, nargs, kwnames, "index", false, true);
}

static ftc_object *str_rindex(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    return str_find_impl(self, args, nargs, kwnames, "rindex", true, true);
}

static ftc_object *str_count(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_check_args("count", nargs, kwnames, 1, 3) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "must be str, not %.100s", fp_type_name(args[0]));
        return NULL;
    }
    size_t b0, b1;
    if (search_window(self, args, nargs, 1, &b0, &b1) < 0)
        return NULL;
    if (b0 == SIZE_MAX)
        return fp_int_new(0);
    size_t n = fp_str_len(args[0]);
    if (n == 0)
        return fp_int_new(cp_index(self, b1) - cp_index(self, b0) + 1);
    int64_t c = 0;
    size_t at = b0;
    while ((at = find_bytes(self, args[0], at, b1, false)) != SIZE_MAX) {
        c++;
        at += n;
    }
    return fp_int_new(c);
}

static ftc_object *str_affix(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames, const char *name, bool end)
{
    if (fp_check_args(name, nargs, kwnames, 1, 3) < 0)
        return NULL;
    size_t b0, b1;
    if (search_window(self, args, nargs, 1, &b0, &b1) < 0)
        return NULL;
    ftc_object *one = args[0];
    ftc_object *const *cands = &one;
    size_t ncand = 1;
    if (fp_tuple_check(args[0])) {
        cands = fp_tuple_items(args[0]);
        ncand = fp_tuple_size(args[0]);
    }
    for (size_t i = 0; i < ncand; i++) {
        ftc_object *p = cands[i];
        if (!fp_str_check(p)) {
            if (cands == &one)
                fp_err_set(&fp_TypeError_type,
                           "%s first arg must be str or a tuple of str, "
                           "not %.100s",
                           name, fp_type_name(p));
            else
                fp_err_set(&fp_TypeError_type, "tuple for %s must only contain str, not %.100s",
                           name, fp_type_name(p));
            return NULL;
        }
        if (b0 == SIZE_MAX)
            continue;
        size_t n = fp_str_len(p);
        if (n > b1 - b0)
            continue;
        const char *at = fp_str_data(self) + (end ? b1 - n : b0);
        if (memcmp(at, fp_str_data(p), n) == 0)
            return fp_True;
    }
    return fp_False;
}

static ftc_object *str_startswith(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    return str_affix(self, args, nargs, kwnames, "startswith", false);
}

static ftc_object *str_endswith(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    return str_affix(self, args, nargs, kwnames, "endswith", true);
}

static ftc_object *str_replace(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    if (fp_check_args("replace", nargs, kwnames, 2, 3) < 0)
        return NULL;
    for (int k = 0; k < 2; k++)
        if (!fp_str_check(args[k])) {
            fp_err_set(&fp_TypeError_type, "replace() argument %d must be str, not %.100s", k + 1,
                       fp_type_name(args[k]));
            return NULL;
        }
    int64_t count = -1;
    if (nargs == 3 && fp_index_value(args[2], &count, "'count' must be an integer") < 0)
        return NULL;
    const char *d = fp_str_data(self), *old = fp_str_data(args[0]), *nw = fp_str_data(args[1]);
    size_t n = fp_str_len(self), no = fp_str_len(args[0]), nn = fp_str_len(args[1]);
    fp_buf b;
    fp_buf_init(&b);
    if (no == 0) {
        /* Insert new before every code point and at the end. */
        size_t i = 0;
        while (i <= n) {
            if (count >= 0 && count-- == 0) {
                fp_buf_put(&b, d + i, n - i);
                break;
            }
            fp_buf_put(&b, nw, nn);
            if (i == n)
                break;
            uint32_t cp;
            size_t k = fp_utf8_decode(d + i, n - i, &cp);
            fp_buf_put(&b, d + i, k);
            i += k;
        }
        return fp_str_from_buf(&b);
    }
    size_t i = 0;
    const char *hit;
    while (count != 0 && i <= n && (hit = memmem(d + i, n - i, old, no)) != NULL) {
        size_t at = (size_t)(hit - d);
        fp_buf_put(&b, d + i, at - i);
        fp_buf_put(&b, nw, nn);
        i = at + no;
        if (count > 0)
            count--;
    }
    if (i == 0) {
        fp_buf_free(&b);
        ftc_incref(self);
        return self;
    }
    fp_buf_put(&b, d + i, n - i);
    return fp_str_from_buf(&b);
}

/* The other methods (split, strip, join, case, classes, padding, format) are in
 * str_methods.c. */
static const fp_method_def fp_str_methods[] = {
    {"find", str_find, 0},
    {"rfind", str_rfind, 0},
    {"index", str_index, 0},
    {"rindex", str_rindex, 0},
    {"count", str_count, 0},
    {"startswith", str_startswith, 0},
    {"endswith", str_endswith, 0},
    {"replace", str_replace, 0},
    {"split", fp_strm_split, 0},
    {"rsplit", fp_strm_rsplit, 0},
    {"join", fp_strm_join, 0},
    {"strip", fp_strm_strip, 0},
    {"lstrip", fp_strm_lstrip, 0},
    {"rstrip", fp_strm_rstrip, 0},
    {"upper", fp_strm_upper, 0},
    {"lower", fp_strm_lower, 0},
    {"isdigit", fp_strm_isdigit, 0},
    {"isalpha", fp_strm_isalpha, 0},
    {"isspace", fp_strm_isspace, 0},
    {"isalnum", fp_strm_isalnum, 0},
    {"isupper", fp_strm_isupper, 0},
    {"islower", fp_strm_islower, 0},
    {"isdecimal", fp_strm_isdecimal, 0},
    {"isnumeric", fp_strm_isnumeric, 0},
    {"isidentifier", fp_strm_isidentifier, 0},
    {"capitalize", fp_strm_capitalize, 0},
    {"title", fp_strm_title, 0},
    {"swapcase", fp_strm_swapcase, 0},
    {"casefold", fp_strm_casefold, 0},
    {"center", fp_strm_center, 0},
    {"ljust", fp_strm_ljust, 0},
    {"rjust", fp_strm_rjust, 0},
    {"zfill", fp_strm_zfill, 0},
    {"partition", fp_strm_partition, 0},
    {"rpartition", fp_strm_rpartition, 0},
    {"splitlines", fp_strm_splitlines, 0},
    {"format", fp_strm_format, 0},
    {"__format__", fp_strm_dunder_format, 0},
    {"encode", fp_strm_encode, 0},
    {"removeprefix", fp_strm_removeprefix, 0},
    {"removesuffix", fp_strm_removesuffix, 0},
    {NULL, NULL, 0},
};

fp_type fp_str_type = {
    FP_TYPE_HEAD,
    .ct = {"str", sizeof(_ftc_str_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = str_repr,
    .str = str_str,
    .hash = str_hash,
    .richcompare = str_richcompare,
    .len = str_len,
    .getitem = str_getitem,
    .contains = str_contains,
    .bool_ = str_bool,
    .iter = str_iter,
    .nb = {[FP_NB_ADD] = str_add, [FP_NB_MUL] = str_mul, [FP_NB_MOD] = str_mod},
    .new_ = str_new,
    .methods = fp_str_methods,
};
