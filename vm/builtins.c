/* The builtins module's functions (print, len, min, max, sorted, ...) and the process's
 * buffered stdout.
 *
 * stdout: one process-wide buffer (CPython's stdout is block-buffered when not a terminal;
 * ftpy always buffers, which the differential tests need to compare byte for byte). Appends
 * take buf_mu, a plain pthread mutex held only for a memcpy, so that it can be taken attached
 * in either build without ever waiting on anything that waits on us. A flush detaches first
 * (print's write is a blocking call: the GIL build lets other threads run, the nogil build
 * lets a stop-the-world proceed), then takes write_mu, swaps the buffer out under buf_mu and
 * writes it: holding write_mu from the swap to the end of the write keeps the chunks of
 * concurrent flushes in buffer order. A print is assembled in a private fp_buf and appended
 * in one step, so the lines of concurrent prints never interleave inside a line.
 *
 * The other builtins follow CPython 3.11's argument rules and error texts; min/max/sum/any/all
 * iterate with fp_iter/fp_next, which call Python code without any lock held.
 */
#include "lib.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

/* ---- stdout ---- */

enum { STDOUT_CAP = 1 << 16 };
static pthread_mutex_t buf_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
static char stdout_buf[STDOUT_CAP];
static size_t stdout_len; /* under buf_mu */

static int write_all(const char *s, size_t n)
{
    while (n > 0) {
        ssize_t k = write(1, s, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        s += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Writes the buffer, then extra[0..n) (bypassing the buffer); detached if attached. */
static int flush_with(const char *extra, size_t n)
{
    bool attached = ftc_tstate_get() != NULL;
    ftc_tstate *ts = attached ? ftc_detach() : NULL;
    static char chunk[STDOUT_CAP]; /* only touched under write_mu */
    pthread_mutex_lock(&write_mu);
    pthread_mutex_lock(&buf_mu);
    size_t len = stdout_len;
    memcpy(chunk, stdout_buf, len);
    stdout_len = 0;
    pthread_mutex_unlock(&buf_mu);
    int rc = write_all(chunk, len);
    if (rc == 0 && n > 0)
        rc = write_all(extra, n);
    pthread_mutex_unlock(&write_mu);
    if (attached)
        ftc_attach(ts);
    if (rc < 0) {
        fp_err_set(&fp_OSError_type, "[Errno %d] %s", errno, strerror(errno));
        return -1;
    }
    return 0;
}

int fp_stdout_write(const char *s, size_t n)
{
    pthread_mutex_lock(&buf_mu);
    if (stdout_len + n <= STDOUT_CAP) {
        memcpy(stdout_buf + stdout_len, s, n);
        stdout_len += n;
        pthread_mutex_unlock(&buf_mu);
        return 0;
    }
    pthread_mutex_unlock(&buf_mu);
    if (n <= STDOUT_CAP / 2) {
        if (flush_with(NULL, 0) < 0)
            return -1;
        return fp_stdout_write(s, n);
    }
    return flush_with(s, n);
}

int fp_stdout_flush(void) { return flush_with(NULL, 0); }

/* ---- print ---- */

static ftc_object *b_print(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)self;
    ftc_object *sep = NULL, *end = NULL, *file = NULL, *flush = NULL;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        ftc_object *k = fp_tuple_items(kwnames)[i];
        const char *ks = fp_str_data(k);
        ftc_object *v = args[nargs + i];
        if (strcmp(ks, "sep") == 0)
            sep = v;
        else if (strcmp(ks, "end") == 0)
            end = v;
        else if (strcmp(ks, "file") == 0)
            file = v;
        else if (strcmp(ks, "flush") == 0)
            flush = v;
        else {
            fp_err_set(&fp_TypeError_type, "'%s' is an invalid keyword argument for print()", ks);
            return NULL;
        }
    }
    if (sep == fp_None)
        sep = NULL;
    if (end == fp_None)
        end = NULL;
    if (file == fp_None)
        file = NULL;
    if (sep != NULL && !fp_str_check(sep)) {
        fp_err_set(&fp_TypeError_type, "sep must be None or a string, not %.100s",
                   fp_type_name(sep));
        return NULL;
    }
    if (end != NULL && !fp_str_check(end)) {
        fp_err_set(&fp_TypeError_type, "end must be None or a string, not %.100s",
                   fp_type_name(end));
        return NULL;
    }
    fp_buf b;
    fp_buf_init(&b);
    for (size_t i = 0; i < nargs; i++) {
        if (i) {
            if (sep)
                fp_buf_put(&b, fp_str_data(sep), fp_str_len(sep));
            else
                fp_buf_putc(&b, ' ');
        }
        if (fp_buf_put_str(&b, args[i]) < 0) {
            fp_buf_free(&b);
            return NULL;
        }
    }
    if (end)
        fp_buf_put(&b, fp_str_data(end), fp_str_len(end));
    else
        fp_buf_putc(&b, '\n');
    if (b.oom) {
        fp_buf_free(&b);
        return fp_err_nomem();
    }
    int rc = 0;
    if (file != NULL) {
        ftc_object *s = fp_str_new(b.data ? b.data : "", b.len);
        ftc_object *r = s ? fp_call_method(file, fp_intern("write"), &s, 1, NULL) : NULL;
        ftc_xdecref(s);
        if (r == NULL)
            rc = -1;
        else
            ftc_decref(r);
        if (rc == 0 && flush != NULL) {
            int f = fp_truthy(flush);
            if (f < 0)
                rc = -1;
            else if (f) {
                r = fp_call_method(file, fp_intern("flush"), NULL, 0, NULL);
                if (r == NULL)
                    rc = -1;
                else
                    ftc_decref(r);
            }
        }
    } else {
        rc = fp_stdout_write(b.data ? b.data : "", b.len);
        if (rc == 0 && flush != NULL) {
            int f = fp_truthy(flush);
            if (f < 0)
                rc = -1;
            else if (f)
                rc = fp_stdout_flush();
        }
    }
    fp_buf_free(&b);
    if (rc < 0)
        return NULL;
    return fp_None;
}

/* ---- simple ones ---- */

static ftc_object *b_len(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("len", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t n = fp_len(args[0]);
    if (n < 0)
        return NULL;
    return fp_int_new(n);
}

static ftc_object *b_repr(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("repr", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_repr(args[0]);
}

static ftc_object *b_abs(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("abs", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_abs(args[0]);
}

static ftc_object *b_hash(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("hash", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t h = fp_hash(args[0]);
    if (h == -1)
        return NULL;
    return fp_int_new(h);
}

static ftc_object *b_id(ftc_object *self, ftc_object *const *args, size_t nargs,
                        ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("id", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_int_new((int64_t)(uintptr_t)args[0]);
}

static ftc_object *b_callable(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("callable", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return fp_bool(fp_type_of(args[0])->call != NULL);
}

static ftc_object *b_format(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("format", nargs, kwnames, 1, 2) < 0)
        return NULL;
    if (nargs == 1) {
        ftc_object *empty = fp_str_new("", 0);
        ftc_object *r = empty ? fp_format(args[0], empty) : NULL;
        ftc_xdecref(empty);
        return r;
    }
    if (!fp_str_check(args[1])) {
        fp_err_set(&fp_TypeError_type, "format() argument 2 must be str, not %.100s",
                   fp_type_name(args[1]));
        return NULL;
    }
    return fp_format(args[0], args[1]);
}

static ftc_object *b_isinstance(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("isinstance", nargs, kwnames, 2, 2) < 0)
        return NULL;
    int r = fp_isinstance(args[0], args[1]);
    if (r < 0)
        return NULL;
    return fp_bool(r);
}

static ftc_object *b_issubclass(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("issubclass", nargs, kwnames, 2, 2) < 0)
        return NULL;
    if (fp_type_of(args[0]) != &fp_type_type && !fp_isinstance_type(args[0], &fp_type_type)) {
        fp_err_set(&fp_TypeError_type, "issubclass() arg 1 must be a class");
        return NULL;
    }
    ftc_object *one = args[1];
    ftc_object *const *cls = &one;
    size_t n = 1;
    if (fp_tuple_check(args[1])) {
        cls = fp_tuple_items(args[1]);
        n = fp_tuple_size(args[1]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!fp_isinstance_type(cls[i], &fp_type_type)) {
            fp_err_set(&fp_TypeError_type,
                       "issubclass() arg 2 must be a class, a tuple of classes, or a union");
            return NULL;
        }
        if (fp_type_is_subtype((fp_type *)(void *)args[0], (fp_type *)(void *)cls[i]))
            return fp_True;
    }
    return fp_False;
}

static ftc_object *b_ord(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("ord", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *s = args[0];
    if (!fp_str_check(s)) {
        fp_err_set(&fp_TypeError_type, "ord() expected string of length 1, but %.100s found",
                   fp_type_name(s));
        return NULL;
    }
    if (ftc_str_cplen(s) != 1) {
        fp_err_set(&fp_TypeError_type, "ord() expected a character, but string of length %zu found",
                   (size_t)ftc_str_cplen(s));
        return NULL;
    }
    uint32_t cp;
    fp_utf8_decode(fp_str_data(s), fp_str_len(s), &cp);
    return fp_int_new(cp);
}

static ftc_object *b_chr(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("chr", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int64_t v;
    if (fp_index_value(args[0], &v, NULL) < 0)
        return NULL;
    if (v < 0 || v > 0x10ffff) {
        fp_err_set(&fp_ValueError_type, "chr() arg not in range(0x110000)");
        return NULL;
    }
    char enc[4];
    size_t k = fp_utf8_encode((uint32_t)v, enc);
    return fp_str_new(enc, k);
}

static ftc_object *b_divmod(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("divmod", nargs, kwnames, 2, 2) < 0)
        return NULL;
    ftc_object *a = args[0], *b = args[1];
    if (fp_int_like(a) && fp_int_like(b))
        return fp_int_divmod(a, b);
    double x, y;
    if (fp_number_as_double(a, &x) && fp_number_as_double(b, &y))
        return fp_float_divmod(a, b);
    static const char *const names[2] = {"__divmod__", "__rdivmod__"};
    for (int k = 0; k < 2; k++) {
        ftc_object *o = k ? b : a, *other = k ? a : b;
        ftc_object *m = fp_type_lookup(fp_type_of(o), fp_intern(names[k]));
        if (m != NULL) {
            ftc_object *r = fp_call2(m, o, other);
            if (r != fp_NotImplemented)
                return r;
            ftc_decref(r);
        }
    }
    fp_err_set(&fp_TypeError_type,
               "unsupported operand type(s) for divmod(): '%.100s' and "
               "'%.100s'",
               fp_type_name(a), fp_type_name(b));
    return NULL;
}

static ftc_object *b_pow(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"base", "exp", "mod", NULL};
    ftc_object *a[3];
    if (fp_parse_args("pow", args, nargs, kwnames, kwlist, 2, 3, a) < 0)
        return NULL;
    if (a[2] == NULL || a[2] == fp_None)
        return fp_binop(a[0], a[1], FP_NB_POW);
    return fp_int_powmod(a[0], a[1], a[2]);
}

/* round(int, n): n < 0 rounds to a multiple of 10**-n, ties to even. */
static ftc_object *round_int(int64_t v, int64_t n)
{
    if (n >= 0)
        return fp_int_new(v);
    if (n < -18) {
        /* 10**19 and up do not fit: the result is 0 unless |v| is above half of it (then
         * the rounded value does not fit either). */
        uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
        if (n == -19 && a > UINT64_C(5000000000000000000))
            return fp_int_overflow();
        return fp_int_new(0);
    }
    int64_t p = 1;
    for (int64_t i = 0; i < -n; i++)
        p *= 10;
    int64_t q = v / p, r = v % p;
    if (r < 0) {
        q--;
        r += p;
    }
    /* v = q*p + r, 0 <= r < p */
    if (2 * (uint64_t)r > (uint64_t)p || (2 * (uint64_t)r == (uint64_t)p && (q & 1)))
        q++;
    int64_t out;
    if (__builtin_mul_overflow(q, p, &out))
        return fp_int_overflow();
    return fp_int_new(out);
}

static ftc_object *b_round(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"number", "ndigits", NULL};
    ftc_object *a[2];
    if (fp_parse_args("round", args, nargs, kwnames, kwlist, 1, 2, a) < 0)
        return NULL;
    ftc_object *x = a[0], *nd = a[1] == fp_None ? NULL : a[1];
    int64_t n = 0;
    if (nd != NULL && fp_index_value(nd, &n, NULL) < 0)
        return NULL;
    if (fp_int_like(x))
        return round_int(fp_int_like_value(x), nd ? n : 0);
    if (fp_float_check(x)) {
        double d = fp_float_value(x);
        if (nd == NULL)
            return fp_int_from_double(isfinite(d) ? nearbyint(d) : d);
        double r;
        fp_err err;
        int rc = fp_double_round(d, n, &r, err);
        if (rc == FTC_ENOMEM)
            return fp_err_nomem();
        if (rc) {
            fp_err_set(&fp_OverflowError_type, "%s", err);
            return NULL;
        }
        return fp_float_new(r);
    }
    ftc_object *m = fp_type_lookup(fp_type_of(x), fp_intern("__round__"));
    if (m == NULL) {
        fp_err_set(&fp_TypeError_type, "type %.100s doesn't define __round__ method",
                   fp_type_name(x));
        return NULL;
    }
    return nd ? fp_call2(m, x, nd) : fp_call1(m, x);
}

/* ---- attributes ---- */

static int need_name(ftc_object *name, const char *fname)
{
    if (fp_str_check(name))
        return 0;
    fp_err_set(&fp_TypeError_type, "%s(): attribute name must be string, not '%.100s'", fname,
               fp_type_name(name));
    return -1;
}

static ftc_object *b_getattr(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("getattr", nargs, kwnames, 2, 3) < 0)
        return NULL;
    if (need_name(args[1], "getattr") < 0)
        return NULL;
    if (nargs == 2)
        return fp_getattr(args[0], args[1]);
    ftc_object *r = fp_getattr_opt(args[0], args[1]);
    if (r == NULL && !fp_err_occurred()) {
        ftc_incref(args[2]);
        return args[2];
    }
    return r;
}

static ftc_object *b_hasattr(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("hasattr", nargs, kwnames, 2, 2) < 0)
        return NULL;
    if (need_name(args[1], "hasattr") < 0)
        return NULL;
    ftc_object *r = fp_getattr_opt(args[0], args[1]);
    if (r == NULL)
        return fp_err_occurred() ? NULL : fp_False;
    ftc_decref(r);
    return fp_True;
}

static ftc_object *b_setattr(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("setattr", nargs, kwnames, 3, 3) < 0)
        return NULL;
    if (need_name(args[1], "setattr") < 0 || fp_setattr(args[0], args[1], args[2]) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *b_delattr(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("delattr", nargs, kwnames, 2, 2) < 0)
        return NULL;
    if (need_name(args[1], "delattr") < 0 || fp_setattr(args[0], args[1], NULL) < 0)
        return NULL;
    return fp_None;
}

/* ---- iteration ---- */

static ftc_object *b_iter(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("iter", nargs, kwnames, 1, 2) < 0)
        return NULL;
    if (nargs == 2)
        return fp_callable_iter_new(args[0], args[1]);
    return fp_iter(args[0]);
}

static ftc_object *b_next(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("next", nargs, kwnames, 1, 2) < 0)
        return NULL;
    if (fp_type_of(args[0])->next == NULL) {
        fp_err_set(&fp_TypeError_type, "'%.100s' object is not an iterator", fp_type_name(args[0]));
        return NULL;
    }
    ftc_object *r = fp_next(args[0]);
    if (r != NULL || fp_err_occurred())
        return r;
    if (nargs == 2) {
        ftc_incref(args[1]);
        return args[1];
    }
    fp_err_set_obj(&fp_StopIteration_type, NULL);
    return NULL;
}

static ftc_object *any_all(ftc_object *const *args, size_t nargs, ftc_object *kwnames,
                           const char *name, bool want)
{
    if (fp_check_args(name, nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *it = fp_iter(args[0]);
    if (it == NULL)
        return NULL;
    ftc_object *v;
    while ((v = fp_next(it)) != NULL) {
        int t = fp_truthy(v);
        ftc_decref(v);
        if (t < 0) {
            ftc_decref(it);
            return NULL;
        }
        if ((t != 0) == want) {
            ftc_decref(it);
            return fp_bool(want);
        }
    }
    ftc_decref(it);
    if (fp_err_occurred())
        return NULL;
    return fp_bool(!want);
}

static ftc_object *b_any(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    return any_all(args, nargs, kwnames, "any", true);
}

static ftc_object *b_all(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    return any_all(args, nargs, kwnames, "all", false);
}

static ftc_object *b_sum(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"", "start", NULL};
    ftc_object *a[2];
    if (fp_parse_args("sum", args, nargs, kwnames, kwlist, 1, 2, a) < 0)
        return NULL;
    ftc_object *acc = a[1] ? a[1] : fp_int_new(0);
    if (acc == NULL)
        return NULL;
    if (a[1] != NULL) {
        if (fp_str_check(acc)) {
            fp_err_set(&fp_TypeError_type, "sum() can't sum strings [use ''.join(seq) instead]");
            return NULL;
        }
        ftc_incref(acc);
    }
    ftc_object *it = fp_iter(a[0]);
    if (it == NULL) {
        ftc_decref(acc);
        return NULL;
    }
    ftc_object *v;
    while ((v = fp_next(it)) != NULL) {
        ftc_object *r;
        int64_t s;
        if (ftc_int_check(acc) && ftc_int_check(v) &&
            !__builtin_add_overflow(fp_int_value(acc), fp_int_value(v), &s))
            r = fp_int_new(s);
        else
            r = fp_binop(acc, v, FP_NB_ADD);
        ftc_decref(v);
        ftc_decref(acc);
        acc = r;
        if (acc == NULL) {
            ftc_decref(it);
            return NULL;
        }
    }
    ftc_decref(it);
    if (fp_err_occurred()) {
        ftc_decref(acc);
        return NULL;
    }
    return acc;
}

/* min() and max(): op is FP_LT for min, FP_GT for max. */
static ftc_object *min_max(ftc_object *const *args, size_t nargs, ftc_object *kwnames,
                           const char *name, int op)
{
    ftc_object *key = NULL, *dflt = NULL;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++) {
        const char *k = fp_str_data(fp_tuple_items(kwnames)[i]);
        if (strcmp(k, "key") == 0)
            key = args[nargs + i];
        else if (strcmp(k, "default") == 0)
            dflt = args[nargs + i];
        else {
            fp_err_set(&fp_TypeError_type, "%s() got an unexpected keyword argument '%s'", name, k);
            return NULL;
        }
    }
    if (key == fp_None)
        key = NULL;
    if (nargs == 0) {
        fp_err_set(&fp_TypeError_type, "%s expected at least 1 argument, got 0", name);
        return NULL;
    }
    if (nargs > 1 && dflt != NULL) {
        fp_err_set(&fp_TypeError_type,
                   "Cannot specify a default for %s() with multiple "
                   "positional arguments",
                   name);
        return NULL;
    }
    ftc_object *seq = nargs == 1 ? args[0] : NULL;
    ftc_object *tuple = NULL;
    if (seq == NULL) {
        tuple = fp_tuple_from_array(args, nargs);
        if (tuple == NULL)
            return NULL;
        seq = tuple;
    }
    ftc_object *it = fp_iter(seq);
    ftc_xdecref(tuple);
    if (it == NULL)
        return NULL;
    ftc_object *best = NULL, *bestkey = NULL, *v;
    while ((v = fp_next(it)) != NULL) {
        ftc_object *k = v;
        if (key != NULL) {
            k = fp_call1(key, v);
            if (k == NULL) {
                ftc_decref(v);
                goto fail;
            }
        } else {
            ftc_incref(k);
        }
        if (best == NULL) {
            best = v;
            bestkey = k;
            continue;
        }
        int c = fp_richcompare_bool(k, bestkey, op);
        if (c < 0) {
            ftc_decref(v);
            ftc_decref(k);
            goto fail;
        }
        if (c) {
            ftc_decref(best);
            ftc_decref(bestkey);
            best = v;
            bestkey = k;
        } else {
            ftc_decref(v);
            ftc_decref(k);
        }
    }
    if (fp_err_occurred())
        goto fail;
    ftc_decref(it);
    ftc_xdecref(bestkey);
    if (best == NULL) {
        if (dflt != NULL) {
            ftc_incref(dflt);
            return dflt;
        }
        fp_err_set(&fp_ValueError_type, "%s() arg is an empty sequence", name);
        return NULL;
    }
    return best;
fail:
    ftc_decref(it);
    ftc_xdecref(best);
    ftc_xdecref(bestkey);
    return NULL;
}

static ftc_object *b_min(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    return min_max(args, nargs, kwnames, "min", FP_LT);
}

static ftc_object *b_max(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    (void)self;
    return min_max(args, nargs, kwnames, "max", FP_GT);
}

static ftc_object *b_sorted(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"", "key", "reverse", NULL};
    ftc_object *a[3];
    if (fp_parse_args("sorted", args, nargs, kwnames, kwlist, 1, 1, a) < 0)
        return NULL;
    int rev = 0;
    if (a[2] != NULL && (rev = fp_truthy(a[2])) < 0)
        return NULL;
    ftc_object *list = fp_sequence_list(a[0]);
    if (list == NULL)
        return NULL;
    if (fp_list_sort_impl(list, a[1], rev != 0) < 0) {
        ftc_decref(list);
        return NULL;
    }
    return list;
}

static const fp_method_def builtin_functions[] = {
    {"print", b_print, 0},
    {"len", b_len, 0},
    {"repr", b_repr, 0},
    {"abs", b_abs, 0},
    {"hash", b_hash, 0},
    {"id", b_id, 0},
    {"callable", b_callable, 0},
    {"format", b_format, 0},
    {"isinstance", b_isinstance, 0},
    {"issubclass", b_issubclass, 0},
    {"ord", b_ord, 0},
    {"chr", b_chr, 0},
    {"divmod", b_divmod, 0},
    {"pow", b_pow, 0},
    {"round", b_round, 0},
    {"getattr", b_getattr, 0},
    {"hasattr", b_hasattr, 0},
    {"setattr", b_setattr, 0},
    {"delattr", b_delattr, 0},
    {"iter", b_iter, 0},
    {"next", b_next, 0},
    {"any", b_any, 0},
    {"all", b_all, 0},
    {"sum", b_sum, 0},
    {"min", b_min, 0},
    {"max", b_max, 0},
    {"sorted", b_sorted, 0},
    {NULL, NULL, 0},
};

int fp_builtins_init(ftc_object *m)
{
    if (fp_module_add_functions(m, builtin_functions) < 0)
        return -1;
    fp_type *types[] = {
        &fp_int_type,  &fp_bool_type,  &fp_float_type,  &fp_str_type,      &fp_list_type,
        &fp_dict_type, &fp_tuple_type, &fp_set_type,    &fp_range_type,    &fp_enumerate_type,
        &fp_zip_type,  &fp_map_type,   &fp_filter_type, &fp_reversed_type,
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (fp_module_add_type(m, types[i]) < 0)
            return -1;
    fp_type *internal[] = {
        &fp_none_type,         &fp_notimpl_type,     &fp_ellipsis_type,   &fp_list_iter_type,
        &fp_list_reviter_type, &fp_tuple_iter_type,  &fp_str_iter_type,   &fp_dict_iter_type,
        &fp_set_iter_type,     &fp_range_iter_type,  &fp_seq_iter_type,   &fp_callable_iter_type,
        &fp_dict_keys_type,    &fp_dict_values_type, &fp_dict_items_type,
    };
    for (size_t i = 0; i < sizeof internal / sizeof internal[0]; i++)
        if (fp_type_ready(internal[i]) < 0)
            return -1;
    if (fp_module_add(m, "NotImplemented", fp_NotImplemented) < 0 ||
        fp_module_add(m, "Ellipsis", fp_Ellipsis) < 0)
        return -1;
    return 0;
}
