/* format(value, spec) and str.format: CPython's format-string syntax on top of format.c.
 *
 * fp_format dispatches on the value's type: int and bool, float and str use the
 * mini-language (format.c); a class's own __format__ is called; any other object formats
 * str(value) with an empty spec and refuses a non-empty one ("unsupported format string
 * passed to T.__format__"), as object.__format__ does.
 *
 * str.format parses "{field!conv:spec}" fields: field is an argument index, a keyword name,
 * or empty for automatic numbering (mixing the two raises CPython's ValueError), followed by
 * any number of .attr and [key] accessors; conv is r, s or a; the spec may itself contain
 * {fields}, expanded first. {{ and }} are literal braces.
 */
#include "lib.h"

#include <stdlib.h>
#include <string.h>

static ftc_object *format_text(ftc_object *v, ftc_object *spec)
{
    if (fp_str_len(spec) == 0) {
        ftc_incref(v);
        return v;
    }
    fp_fmt_spec f;
    fp_err err;
    fp_buf b;
    fp_buf_init(&b);
    int rc = fp_fmt_parse(fp_str_data(spec), fp_str_len(spec), 's', "str", &f, err);
    if (rc == 0)
        rc = fp_fmt_text(&b, fp_str_data(v), fp_str_len(v), &f, "str", err);
    if (rc == 0)
        return fp_str_from_buf(&b);
    fp_buf_free(&b);
    if (rc == FTC_ENOMEM)
        return fp_err_nomem();
    fp_err_set(&fp_ValueError_type, "%s", err);
    return NULL;
}

ftc_object *fp_format(ftc_object *v, ftc_object *spec)
{
    if (fp_str_check(v))
        return format_text(v, spec);
    if (fp_int_like(v))
        return fp_format_int(v, spec);
    if (fp_float_check(v))
        return fp_format_float(v, spec);
    fp_type *t = fp_type_of(v);
    if (t->flags & FP_TPFLAG_HEAPTYPE) {
        ftc_object *name = fp_intern("__format__");
        ftc_object *m = name ? fp_type_lookup(t, name) : NULL;
        if (m != NULL && m != fp_type_lookup(&fp_object_type, name)) {
            ftc_object *r = fp_call2(m, v, spec);
            if (r != NULL && !fp_str_check(r)) {
                fp_err_set(&fp_TypeError_type, "__format__ must return a str, not %.100s",
                           fp_type_name(r));
                ftc_decref(r);
                return NULL;
            }
            return r;
        }
    }
    if (fp_str_len(spec) != 0) {
        fp_err_set(&fp_TypeError_type, "unsupported format string passed to %.100s.__format__",
                   t->ct.name);
        return NULL;
    }
    return fp_str(v);
}

FP_STRM(dunder_format)
{
    if (fp_check_args("__format__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "__format__() argument must be str, not %.100s",
                   fp_type_name(args[0]));
        return NULL;
    }
    return format_text(self, args[0]);
}

/* ---- str.format ---- */

typedef struct fmt_state {
    ftc_object *const *args;
    size_t nargs;
    ftc_object *const *kwvals;
    ftc_object *kwnames;
    int auto_index; /* next automatic index, or -1 once a manual one was used */
    bool manual;
} fmt_state;

static ftc_object *lookup_kw(fmt_state *st, const char *name, size_t n)
{
    size_t nkw = st->kwnames ? fp_tuple_size(st->kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        ftc_object *k = fp_tuple_items(st->kwnames)[i];
        if (fp_str_len(k) == n && memcmp(fp_str_data(k), name, n) == 0) {
            ftc_incref(st->kwvals[i]);
            return st->kwvals[i];
        }
    }
    ftc_object *key = fp_str_new(name, n);
    if (key != NULL) {
        fp_err_set_obj(&fp_KeyError_type, key);
        ftc_decref(key);
    }
    return NULL;
}

static bool all_digits(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* The object a field name f[0..n) names: first part, then .attr / [key] accessors. */
static ftc_object *resolve_field(fmt_state *st, const char *f, size_t n)
{
    size_t i = 0;
    while (i < n && f[i] != '.' && f[i] != '[')
        i++;
    ftc_object *obj;
    if (i == 0 || all_digits(f, i)) {
        size_t index;
        if (i == 0) {
            if (st->manual) {
                fp_err_set(&fp_ValueError_type, "cannot switch from manual field specification "
                                                "to automatic field numbering");
                return NULL;
            }
            index = (size_t)st->auto_index++;
        } else {
            if (st->auto_index > 0) {
                fp_err_set(&fp_ValueError_type, "cannot switch from automatic field numbering "
                                                "to manual field specification");
                return NULL;
            }
            st->manual = true;
            index = 0;
            for (size_t k = 0; k < i; k++)
                index = index * 10 + (size_t)(f[k] - '0');
        }
        if (index >= st->nargs) {
            fp_err_set(&fp_IndexError_type,
                       "Replacement index %zu out of range for positional args tuple", index);
            return NULL;
        }
        obj = st->args[index];
        ftc_incref(obj);
    } else {
        obj = lookup_kw(st, f, i);
        if (obj == NULL)
            return NULL;
    }
    while (i < n) {
        ftc_object *next;
        if (f[i] == '.') {
            size_t j = ++i;
            while (i < n && f[i] != '.' && f[i] != '[')
                i++;
            if (i == j) {
                ftc_decref(obj);
                fp_err_set(&fp_ValueError_type, "Empty attribute in format string");
                return NULL;
            }
            ftc_object *name = fp_str_new(f + j, i - j);
            next = name ? fp_getattr(obj, name) : NULL;
            ftc_xdecref(name);
        } else {
            size_t j = ++i;
            while (i < n && f[i] != ']')
                i++;
            if (i >= n) {
                ftc_decref(obj);
                fp_err_set(&fp_ValueError_type, "Missing ']' in format string");
                return NULL;
            }
            ftc_object *key = all_digits(f + j, i - j)
                                  ? fp_int_new((int64_t)strtoll(f + j, NULL, 10))
                                  : fp_str_new(f + j, i - j);
            next = key ? fp_getitem(obj, key) : NULL;
            ftc_xdecref(key);
            i++;
        }
        ftc_decref(obj);
        if (next == NULL)
            return NULL;
        obj = next;
    }
    return obj;
}

static int format_into(fmt_state *st, fp_buf *out, const char *s, size_t n, int depth);

/* One field's text "{...}" without the braces. */
static int do_field(fmt_state *st, fp_buf *out, const char *s, size_t n, int depth)
{
    size_t i = 0;
    /* The field name ends at ! or : outside brackets. */
    while (i < n && s[i] != '!' && s[i] != ':') {
        if (s[i] == '[')
            while (i < n && s[i] != ']')
                i++;
        if (i < n)
            i++;
    }
    size_t name_end = i;
    char conv = 0;
    if (i < n && s[i] == '!') {
        if (i + 1 >= n) {
            fp_err_set(&fp_ValueError_type, "end of string while looking for conversion "
                                            "specifier");
            return -1;
        }
        conv = s[i + 1];
        i += 2;
        if (i < n && s[i] != ':') {
            fp_err_set(&fp_ValueError_type, "expected ':' after conversion specifier");
            return -1;
        }
    }
    const char *spec = i < n ? s + i + 1 : s + n;
    size_t nspec = i < n ? n - i - 1 : 0;
    ftc_object *v = resolve_field(st, s, name_end);
    if (v == NULL)
        return -1;
    if (conv) {
        ftc_object *c;
        if (conv == 'r' || conv == 'a')
            c = fp_repr(v);
        else if (conv == 's')
            c = fp_str(v);
        else {
            fp_err_set(&fp_ValueError_type, "Unknown conversion specifier %c", conv);
            c = NULL;
        }
        ftc_decref(v);
        if (c == NULL)
            return -1;
        v = c;
    }
    /* Expand nested fields in the spec. */
    fp_buf sb;
    fp_buf_init(&sb);
    if (memchr(spec, '{', nspec) != NULL) {
        if (depth >= 2) {
            ftc_decref(v);
            fp_err_set(&fp_ValueError_type, "Max string recursion exceeded");
            return -1;
        }
        if (format_into(st, &sb, spec, nspec, depth + 1) < 0) {
            ftc_decref(v);
            fp_buf_free(&sb);
            return -1;
        }
    } else {
        fp_buf_put(&sb, spec, nspec);
    }
    ftc_object *so = fp_str_from_buf(&sb);
    ftc_object *r = so ? fp_format(v, so) : NULL;
    ftc_xdecref(so);
    ftc_decref(v);
    if (r == NULL)
        return -1;
    fp_buf_put(out, fp_str_data(r), fp_str_len(r));
    ftc_decref(r);
    return 0;
}

static int format_into(fmt_state *st, fp_buf *out, const char *s, size_t n, int depth)
{
    size_t i = 0;
    while (i < n) {
        char c = s[i];
        if (c == '}') {
            if (i + 1 < n && s[i + 1] == '}') {
                fp_buf_putc(out, '}');
                i += 2;
                continue;
            }
            fp_err_set(&fp_ValueError_type, "Single '}' encountered in format string");
            return -1;
        }
        if (c != '{') {
            size_t j = i;
            while (j < n && s[j] != '{' && s[j] != '}')
                j++;
            fp_buf_put(out, s + i, j - i);
            i = j;
            continue;
        }
        if (i + 1 < n && s[i + 1] == '{') {
            fp_buf_putc(out, '{');
            i += 2;
            continue;
        }
        /* Find the matching close brace. */
        size_t j = i + 1;
        int level = 1;
        while (j < n) {
            if (s[j] == '{')
                level++;
            else if (s[j] == '}' && --level == 0)
                break;
            j++;
        }
        if (j >= n) {
            fp_err_set(&fp_ValueError_type, i + 1 >= n ? "Single '{' encountered in format "
                                                         "string"
                                                       : "expected '}' before end of string");
            return -1;
        }
        if (do_field(st, out, s + i + 1, j - i - 1, depth) < 0)
            return -1;
        i = j + 1;
    }
    return 0;
}

FP_STRM(format)
{
    fmt_state st = {args, nargs, args + nargs, kwnames, 0, false};
    fp_buf b;
    fp_buf_init(&b);
    if (format_into(&st, &b, fp_str_data(self), fp_str_len(self), 0) < 0) {
        fp_buf_free(&b);
        return NULL;
    }
    return fp_str_from_buf(&b);
}
