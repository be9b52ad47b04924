/* The sys module: argv, exit, the GIL's switch interval, _is_gil_enabled, the recursion limit,
 * stdout/stderr stream objects, maxsize and a few constants.
 *
 * sys.exit(arg) raises SystemExit(arg); main turns it into the exit status (fp_exit_status).
 * In a thread other than the main one it ends that thread silently, as in CPython.
 *
 * Switch interval: ftcore's (ftc_set_switch_interval), process-wide like CPython's. It governs
 * the GIL build, and the nogil build when the GIL was switched on at run time (-X gil=1); with
 * no GIL in force it is stored and has no effect, as in CPython 3.13t.
 * _is_gil_enabled() answers for the running interpreter: always True in the GIL build, and in
 * the nogil build True only with -X gil=1 (ftc_gil_enabled).
 *
 * Streams: sys.stdout and sys.stderr are two static objects of one small type with write and
 * flush. stdout.write goes through the interpreter's stdout buffer (the one print uses, so
 * their output interleaves in program order); stderr.write is unbuffered, a write(2) made with
 * the thread state detached. write returns the number of code points written, as a text
 * stream does, and takes only a str ("write() argument must be str, not int").
 */
#include "ftpy.h"

#include <errno.h>
#include <math.h>
#include <unistd.h>

/* ---- the stream objects ---- */

typedef struct stream_object {
    FTC_OBJECT_HEAD;
    int fd;
} stream_object;

static fp_type stream_type;

static stream_object sys_stdout_obj = {FTC_OBJECT_STATIC_INIT(&stream_type.ct), 1};
static stream_object sys_stderr_obj = {FTC_OBJECT_STATIC_INIT(&stream_type.ct), 2};

/* Writes n bytes to fd detached, retrying short writes and EINTR. 0, or -1 with OSError. */
static int write_all_detached(int fd, const char *s, size_t n)
{
    int err = 0;
    FTC_BEGIN_ALLOW_THREADS
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            break;
        }
        s += w;
        n -= (size_t)w;
    }
    FTC_END_ALLOW_THREADS
    if (err != 0) {
        fp_err_set(&fp_OSError_type, "[Errno %d] write failed", err);
        return -1;
    }
    return 0;
}

static ftc_object *stream_write(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    if (fp_check_args("write", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_str_check(args[0])) {
        fp_err_set(&fp_TypeError_type, "write() argument must be str, not %s",
                   fp_type_name(args[0]));
        return NULL;
    }
    const char *s = fp_str_data(args[0]);
    size_t n = fp_str_len(args[0]);
    int rc = ((stream_object *)self)->fd == 1 ? fp_stdout_write(s, n) : write_all_detached(2, s, n);
    if (rc < 0)
        return NULL;
    return fp_int_new((int64_t)ftc_str_cplen(args[0]));
}

static ftc_object *stream_flush(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("flush", nargs, kwnames, 0, 0) < 0)
        return NULL;
    if (((stream_object *)self)->fd == 1 && fp_stdout_flush() < 0)
        return NULL;
    return fp_None;
}

static ftc_object *stream_fileno(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("fileno", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_int_new(((stream_object *)self)->fd);
}

static ftc_object *stream_repr(ftc_object *self)
{
    return fp_str_from_fmt("<_io.TextIOWrapper name='<%s>' mode='w' encoding='utf-8'>",
                           ((stream_object *)self)->fd == 1 ? "stdout" : "stderr");
}

static const fp_method_def stream_methods[] = {
    {"write", stream_write, 0},
    {"flush", stream_flush, 0},
    {"fileno", stream_fileno, 0},
    {NULL, NULL, 0},
};

static fp_type stream_type = {
    FP_TYPE_HEAD,
    .ct = {"TextIOWrapper", sizeof(stream_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = stream_repr,
    .methods = stream_methods,
};

/* ---- functions ---- */

static ftc_object *sys_exit(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("exit", nargs, kwnames, 0, 1) < 0)
        return NULL;
    ftc_object *exc = fp_call(FP_TYPE_OBJ(&fp_SystemExit_type), args, nargs, NULL);
    if (exc == NULL)
        return NULL;
    fp_err_set_obj(&fp_SystemExit_type, exc);
    ftc_decref(exc);
    return NULL;
}

static ftc_object *sys_getswitchinterval(ftc_object *self, ftc_object *const *args, size_t nargs,
                                         ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("getswitchinterval", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_float_new(ftc_get_switch_interval());
}

static ftc_object *sys_setswitchinterval(ftc_object *self, ftc_object *const *args, size_t nargs,
                                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("setswitchinterval", nargs, kwnames, 1, 1) < 0)
        return NULL;
    double v;
    if (fp_float_check(args[0])) {
        v = fp_float_value(args[0]);
    } else if (fp_int_like(args[0])) {
        v = (double)fp_int_like_value(args[0]);
    } else {
        fp_err_set(&fp_TypeError_type, "must be real number, not %s", fp_type_name(args[0]));
        return NULL;
    }
    if (!(v > 0)) {
        fp_err_set(&fp_ValueError_type, "switch interval must be strictly positive");
        return NULL;
    }
    if (ftc_set_switch_interval(v) < 0) {
        fp_err_set(&fp_ValueError_type, "switch interval must be strictly positive");
        return NULL;
    }
    return fp_None;
}

static ftc_object *sys_is_gil_enabled(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("_is_gil_enabled", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_bool(ftc_gil_enabled() == 1);
}

static ftc_object *sys_getrecursionlimit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                         ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("getrecursionlimit", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_int_new(fp_get_recursion_limit());
}

static ftc_object *sys_setrecursionlimit(ftc_object *self, ftc_object *const *args, size_t nargs,
                                         ftc_object *kwnames)
{
    (void)self;
    if (fp_check_args("setrecursionlimit", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (!fp_int_like(args[0])) {
        fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                   fp_type_name(args[0]));
        return NULL;
    }
    int64_t v = fp_int_like_value(args[0]);
    if (v < 1) {
        fp_err_set(&fp_ValueError_type, "recursion limit must be greater or equal than 1");
        return NULL;
    }
    if (v > INT32_MAX) {
        fp_err_set(&fp_OverflowError_type, "Python int too large to convert to C int");
        return NULL;
    }
    if (fp_set_recursion_limit((int)v) < 0)
        return NULL;
    return fp_None;
}

static const fp_method_def sys_functions[] = {
    {"exit", sys_exit, 0},
    {"getswitchinterval", sys_getswitchinterval, 0},
    {"setswitchinterval", sys_setswitchinterval, 0},
    {"_is_gil_enabled", sys_is_gil_enabled, 0},
    {"getrecursionlimit", sys_getrecursionlimit, 0},
    {"setrecursionlimit", sys_setrecursionlimit, 0},
    {NULL, NULL, 0},
};

/* Adds v (a new reference, or NULL after a failure) under name, releasing it. */
static int add_new(ftc_object *m, const char *name, ftc_object *v)
{
    if (v == NULL)
        return -1;
    int rc = fp_module_add(m, name, v);
    ftc_decref(v);
    return rc;
}

static ftc_object *make_argv(void)
{
    ftc_object *l = fp_list_new();
    if (l == NULL)
        return NULL;
    for (int i = 0; i < fp_argc; i++) {
        ftc_object *s = fp_str_from_cstr(fp_argv[i]);
        if (s == NULL || fp_list_append(l, s) < 0) {
            if (s != NULL)
                ftc_decref(s);
            ftc_decref(l);
            return NULL;
        }
        ftc_decref(s);
    }
    if (fp_argc == 0) {
        ftc_object *s = fp_str_from_cstr("");
        int rc = s == NULL ? -1 : fp_list_append(l, s);
        if (s != NULL)
            ftc_decref(s);
        if (rc < 0) {
            ftc_decref(l);
            return NULL;
        }
    }
    return l;
}

int fp_mod_sys_init(ftc_object *m)
{
    if (fp_type_ready(&stream_type) < 0 || fp_module_add_functions(m, sys_functions) < 0)
        return -1;
    if (fp_module_add(m, "stdout", &sys_stdout_obj.ob_base) < 0 ||
        fp_module_add(m, "stderr", &sys_stderr_obj.ob_base) < 0 ||
        fp_module_add(m, "__stdout__", &sys_stdout_obj.ob_base) < 0 ||
        fp_module_add(m, "__stderr__", &sys_stderr_obj.ob_base) < 0)
        return -1;
    if (add_new(m, "argv", make_argv()) < 0 || add_new(m, "maxsize", fp_int_new(INT64_MAX)) < 0 ||
        add_new(m, "platform", fp_str_from_cstr("linux")) < 0 ||
        add_new(m, "byteorder", fp_str_from_cstr("little")) < 0 ||
        add_new(m, "version",
                fp_str_from_cstr("3.11.0 (ftpy " FTPY_VERSION ", ftcore " FTPY_VARIANT ")")) < 0)
        return -1;
    ftc_object *vi = fp_tuple_new(5);
    if (vi == NULL)
        return -1;
    ftc_object **items = fp_tuple_items(vi);
    items[0] = fp_int_new(3);
    items[1] = fp_int_new(11);
    items[2] = fp_int_new(0);
    items[3] = fp_str_from_cstr("final");
    items[4] = fp_int_new(0);
    for (int i = 0; i < 5; i++) {
        if (items[i] == NULL) {
            for (int j = 0; j < 5; j++)
                if (items[j] == NULL)
                    items[j] = fp_None;
            ftc_decref(vi);
            return -1;
        }
    }
    return add_new(m, "version_info", vi);
}
