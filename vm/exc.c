/* Exceptions: the built-in hierarchy, the per-thread error state, tracebacks.
 *
 * The current exception is one object (the instance) in the thread's state; fp_err_set makes
 * an instance of the type with the message as its only argument. MemoryError uses an
 * instance made at thread start, so raising it needs no memory. A traceback is a list of
 * (code, line) pairs, innermost first, appended as the exception leaves each frame; printing
 * walks it backwards, after the cause or context chain, with CPython's separating lines.
 */
#include "ceval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the exception object ---- */
static void exc_dealloc(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    ftc_xdecref(e->dict);
    ftc_xdecref(e->args);
    ftc_xdecref(e->traceback);
    ftc_xdecref(e->cause);
    ftc_xdecref(e->context);
}

/* An exception closes cycles through its attributes, its args, __cause__ and __context__ (a
 * handler that stores the exception it caught on an object the exception refers to). The
 * traceback is a list of code objects and line numbers: visited all the same. */
static int exc_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    fp_exc_object *e = (fp_exc_object *)o;
    FP_VISIT(ftc_atomic_load_relaxed(&e->dict)); /* made on first use by a CAS */
    FP_VISIT(e->args);
    FP_VISIT(e->traceback);
    FP_VISIT(e->cause);
    FP_VISIT(e->context);
    return 0;
}

static int exc_clear(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    fp_clear_slot(&e->dict);
    fp_clear_slot(&e->args);
    fp_clear_slot(&e->traceback);
    fp_clear_slot(&e->cause);
    fp_clear_slot(&e->context);
    return 0;
}

static ftc_object *exc_new(fp_type *type, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)kwnames;
    fp_exc_object *e = (fp_exc_object *)ftc_object_new(&type->ct);
    if (e == NULL)
        return fp_err_nomem();
    e->args = fp_tuple_from_array(args, nargs);
    if (e->args == NULL) {
        ftc_decref(FTC_OBJ(e));
        return NULL;
    }
    return FTC_OBJ(e);
}

static int exc_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "%s() takes no keyword arguments", fp_type_name(self));
        return -1;
    }
    fp_exc_object *e = (fp_exc_object *)self;
    ftc_object *a = fp_tuple_from_array(args, nargs);
    if (a == NULL)
        return -1;
    ftc_object *old = e->args;
    e->args = a;
    ftc_xdecref(old);
    return 0;
}

ftc_object *fp_exc_new(fp_type *type, ftc_object *args)
{
    return exc_new(type, fp_tuple_items(args), fp_tuple_size(args), NULL);
}

ftc_object *fp_exc_str(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    size_t n = e->args ? fp_tuple_size(e->args) : 0;
    if (n == 0)
        return fp_str_new("", 0);
    if (n == 1)
        return fp_str(fp_tuple_items(e->args)[0]);
    return fp_repr(e->args);
}

static ftc_object *exc_str(ftc_object *o) { return fp_exc_str(o); }

static ftc_object *keyerror_str(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    if (e->args && fp_tuple_size(e->args) == 1)
        return fp_repr(fp_tuple_items(e->args)[0]);
    return fp_exc_str(o);
}

static ftc_object *exc_repr(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    const char *name = fp_type_name(o);
    size_t n = e->args ? fp_tuple_size(e->args) : 0;
    if (n == 1) {
        ftc_object *r = fp_repr(fp_tuple_items(e->args)[0]);
        if (r == NULL)
            return NULL;
        ftc_object *s = fp_str_from_fmt("%s(%s)", name, fp_str_data(r));
        ftc_decref(r);
        return s;
    }
    if (n == 0)
        return fp_str_from_fmt("%s()", name);
    ftc_object *r = fp_repr(e->args);
    if (r == NULL)
        return NULL;
    ftc_object *s = fp_str_from_fmt("%s%s", name, fp_str_data(r));
    ftc_decref(r);
    return s;
}

static ftc_object *exc_get_args(ftc_object *o)
{
    ftc_object *a = ((fp_exc_object *)o)->args;
    ftc_incref(a);
    return a;
}

static int exc_set_args(ftc_object *o, ftc_object *v)
{
    if (v == NULL) {
        fp_err_set(&fp_TypeError_type, "args may not be deleted");
        return -1;
    }
    ftc_object *t = fp_sequence_tuple(v);
    if (t == NULL)
        return -1;
    fp_exc_object *e = (fp_exc_object *)o;
    ftc_object *old = e->args;
    e->args = t;
    ftc_xdecref(old);
    return 0;
}

static ftc_object *opt(ftc_object *v)
{
    v = v ? v : fp_None;
    ftc_incref(v);
    return v;
}

static ftc_object *exc_get_cause(ftc_object *o) { return opt(((fp_exc_object *)o)->cause); }
static ftc_object *exc_get_context(ftc_object *o) { return opt(((fp_exc_object *)o)->context); }
static ftc_object *exc_get_tb(ftc_object *o)
{
    (void)o;
    return opt(NULL);
}

static int exc_set_cause(ftc_object *o, ftc_object *v)
{
    fp_exc_object *e = (fp_exc_object *)o;
    if (v != NULL && v != fp_None && !fp_exc_check(v)) {
        fp_err_set(&fp_TypeError_type, "exception cause must be None or derive from BaseException");
        return -1;
    }
    ftc_object *old = e->cause;
    e->cause = v == fp_None ? NULL : v;
    ftc_xincref(e->cause);
    e->suppress_context = true;
    ftc_xdecref(old);
    return 0;
}

static int exc_set_context(ftc_object *o, ftc_object *v)
{
    fp_exc_object *e = (fp_exc_object *)o;
    ftc_object *old = e->context;
    e->context = (v == NULL || v == fp_None) ? NULL : v;
    ftc_xincref(e->context);
    ftc_xdecref(old);
    return 0;
}

static ftc_object *stopiter_get_value(ftc_object *o)
{
    fp_exc_object *e = (fp_exc_object *)o;
    return opt(e->args && fp_tuple_size(e->args) > 0 ? fp_tuple_items(e->args)[0] : NULL);
}

static const fp_getset_def exc_getsets[] = {
    {"args", exc_get_args, exc_set_args},
    {"__cause__", exc_get_cause, exc_set_cause},
    {"__context__", exc_get_context, exc_set_context},
    {"__traceback__", exc_get_tb, NULL},
    {NULL, NULL, NULL},
};

static const fp_getset_def stopiter_getsets[] = {
    {"value", stopiter_get_value, NULL},
    {NULL, NULL, NULL},
};

static const fp_getset_def sysexit_getsets[] = {
    {"code", stopiter_get_value, NULL},
    {NULL, NULL, NULL},
};

static ftc_object *exc_m_with_tb(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    (void)n;
    (void)k;
    ftc_incref(self);
    return self;
}

static const fp_method_def exc_methods[] = {
    {"with_traceback", exc_m_with_tb, 0},
    {NULL, NULL, 0},
};

fp_type fp_BaseException_type = {
    FP_TYPE_HEAD,
    .ct = {"BaseException", sizeof(fp_exc_object), exc_dealloc, NULL, NULL, exc_traverse,
           exc_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_EXC,
    .dictoffset = offsetof(fp_exc_object, dict),
    .repr = exc_repr,
    .str = exc_str,
    .new_ = exc_new,
    .init = exc_init,
    .methods = exc_methods,
    .getsets = exc_getsets,
};

#define EXC(var, name, basevar)                                                                \
    fp_type var = {                                                                            \
        FP_TYPE_HEAD,                                                                          \
        .ct = {name, sizeof(fp_exc_object), exc_dealloc, NULL, NULL, exc_traverse, exc_clear}, \
        .base = &basevar, .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_EXC,                         \
        .dictoffset = offsetof(fp_exc_object, dict)};

EXC(fp_Exception_type, "Exception", fp_BaseException_type)
EXC(fp_KeyboardInterrupt_type, "KeyboardInterrupt", fp_BaseException_type)
EXC(fp_GeneratorExit_type, "GeneratorExit", fp_BaseException_type)
EXC(fp_ArithmeticError_type, "ArithmeticError", fp_Exception_type)
EXC(fp_OverflowError_type, "OverflowError", fp_ArithmeticError_type)
EXC(fp_ZeroDivisionError_type, "ZeroDivisionError", fp_ArithmeticError_type)
EXC(fp_AssertionError_type, "AssertionError", fp_Exception_type)
EXC(fp_AttributeError_type, "AttributeError", fp_Exception_type)
EXC(fp_ImportError_type, "ImportError", fp_Exception_type)
EXC(fp_ModuleNotFoundError_type, "ModuleNotFoundError", fp_ImportError_type)
EXC(fp_LookupError_type, "LookupError", fp_Exception_type)
EXC(fp_IndexError_type, "IndexError", fp_LookupError_type)
EXC(fp_MemoryError_type, "MemoryError", fp_Exception_type)
EXC(fp_NameError_type, "NameError", fp_Exception_type)
EXC(fp_UnboundLocalError_type, "UnboundLocalError", fp_NameError_type)
EXC(fp_OSError_type, "OSError", fp_Exception_type)
EXC(fp_TimeoutError_type, "TimeoutError", fp_OSError_type)
EXC(fp_RuntimeError_type, "RuntimeError", fp_Exception_type)
EXC(fp_NotImplementedError_type, "NotImplementedError", fp_RuntimeError_type)
EXC(fp_RecursionError_type, "RecursionError", fp_RuntimeError_type)
EXC(fp_SyntaxError_type, "SyntaxError", fp_Exception_type)
EXC(fp_TypeError_type, "TypeError", fp_Exception_type)
EXC(fp_ValueError_type, "ValueError", fp_Exception_type)
EXC(fp_UnicodeError_type, "UnicodeError", fp_ValueError_type)
static EXC(fp_IndentationError_type, "IndentationError",
           fp_SyntaxError_type) static EXC(fp_TabError_type, "TabError", fp_IndentationError_type)

    fp_type fp_KeyError_type = {
        FP_TYPE_HEAD,
        .ct = {"KeyError", sizeof(fp_exc_object), exc_dealloc, NULL, NULL, exc_traverse, exc_clear},
        .base = &fp_LookupError_type,
        .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_EXC,
        .dictoffset = offsetof(fp_exc_object, dict),
        .str = keyerror_str,
};

fp_type fp_SystemExit_type = {
    FP_TYPE_HEAD,
    .ct = {"SystemExit", sizeof(fp_exc_object), exc_dealloc, NULL, NULL, exc_traverse, exc_clear},
    .base = &fp_BaseException_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_EXC,
    .dictoffset = offsetof(fp_exc_object, dict),
    .getsets = sysexit_getsets,
};

fp_type fp_StopIteration_type = {
    FP_TYPE_HEAD,
    .ct = {"StopIteration", sizeof(fp_exc_object), exc_dealloc, NULL, NULL, exc_traverse,
           exc_clear},
    .base = &fp_Exception_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_EXC,
    .dictoffset = offsetof(fp_exc_object, dict),
    .getsets = stopiter_getsets,
};

static fp_type *const all_exc[] = {
    &fp_BaseException_type,    &fp_Exception_type,
    &fp_SystemExit_type,       &fp_KeyboardInterrupt_type,
    &fp_GeneratorExit_type,    &fp_ArithmeticError_type,
    &fp_OverflowError_type,    &fp_ZeroDivisionError_type,
    &fp_AssertionError_type,   &fp_AttributeError_type,
    &fp_ImportError_type,      &fp_ModuleNotFoundError_type,
    &fp_LookupError_type,      &fp_IndexError_type,
    &fp_KeyError_type,         &fp_MemoryError_type,
    &fp_NameError_type,        &fp_UnboundLocalError_type,
    &fp_OSError_type,          &fp_TimeoutError_type,
    &fp_RuntimeError_type,     &fp_NotImplementedError_type,
    &fp_RecursionError_type,   &fp_SyntaxError_type,
    &fp_IndentationError_type, &fp_TabError_type,
    &fp_TypeError_type,        &fp_ValueError_type,
    &fp_UnicodeError_type,     &fp_StopIteration_type,
};

int fp_exc_init_types(ftc_object *builtins)
{
    for (size_t i = 0; i < sizeof all_exc / sizeof all_exc[0]; i++) {
        if (fp_type_ready(all_exc[i]) < 0)
            return -1;
        if (builtins != NULL &&
            fp_module_add(builtins, all_exc[i]->ct.name, FP_TYPE_OBJ(all_exc[i])) < 0)
            return -1;
    }
    return 0;
}

/* ---- the error state ---- */
ftc_object *fp_err_occurred(void)
{
    fp_thread *t = _fp_tls;
    return t ? t->exc : NULL;
}

void fp_err_restore(ftc_object *exc)
{
    fp_thread *t = _fp_tls;
    ftc_object *old = t->exc;
    t->exc = exc;
    ftc_xdecref(old);
}

ftc_object *fp_err_fetch(void)
{
    fp_thread *t = _fp_tls;
    ftc_object *e = t->exc;
    t->exc = NULL;
    return e;
}

void fp_err_clear(void) { fp_err_restore(NULL); }

bool fp_err_matches(fp_type *type)
{
    ftc_object *e = fp_err_occurred();
    return e != NULL && fp_isinstance_type(e, type);
}

ftc_object *fp_err_nomem(void)
{
    fp_thread *t = _fp_tls;
    if (t != NULL && t->memerr != NULL) {
        ftc_incref(t->memerr);
        fp_err_restore(t->memerr);
    }
    return NULL;
}

void fp_err_set_obj(fp_type *type, ftc_object *value)
{
    ftc_object *e;
    if (value != NULL && fp_exc_check(value)) {
        ftc_incref(value);
        e = value;
    } else {
        ftc_object *args = value ? fp_tuple_pack(1, value) : fp_tuple_new(0);
        if (args == NULL)
            return;
        e = fp_exc_new(type, args);
        ftc_decref(args);
        if (e == NULL)
            return;
    }
    fp_err_restore(e);
}

void fp_err_set(fp_type *type, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    ftc_object *msg;
    if ((size_t)n < sizeof small) {
        msg = ftc_str_new(small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (big == NULL) {
            fp_err_nomem();
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        msg = ftc_str_new(big, (size_t)n);
        free(big);
    }
    if (msg == NULL) {
        fp_err_nomem();
        return;
    }
    fp_err_set_obj(type, msg);
    ftc_decref(msg);
}

int fp_err_from_code(int code, ftc_object *key)
{
    if (code == FP_EEXC && fp_err_occurred())
        return -1;
    switch (code) {
    case FTC_ENOMEM: fp_err_nomem(); break;
    case FTC_ETYPE:
        if (key != NULL)
            fp_err_set(&fp_TypeError_type, "unhashable type: '%s'", fp_type_name(key));
        else
            fp_err_set(&fp_TypeError_type, "unhashable type");
        break;
    case FTC_EKEY:
        if (key != NULL)
            fp_err_set_obj(&fp_KeyError_type, key);
        else
            fp_err_set(&fp_KeyError_type, "key not found");
        break;
    case FTC_EINDEX: fp_err_set(&fp_IndexError_type, "index out of range"); break;
    case FTC_ECHANGED:
        fp_err_set(&fp_RuntimeError_type, "dictionary changed size during iteration");
        break;
    case FTC_ETIMEDOUT: fp_err_set(&fp_TimeoutError_type, "timed out"); break;
    case FTC_EUSER - 1: fp_err_set_obj(&fp_KeyboardInterrupt_type, NULL); break;
    case FTC_EUSER - 2: fp_err_set_obj(&fp_SystemExit_type, NULL); break;
    default:
        if (code == FP_EEXC)
            fp_err_set(&fp_RuntimeError_type, "error return without exception set");
        else
            fp_err_set(&fp_RuntimeError_type, "%s", ftc_strerror(code));
        break;
    }
    return -1;
}

void fp_err_syntax(const char *kind, const char *msg, const char *filename, int lineno, int offset,
                   const char *text)
{
    fp_type *t = &fp_SyntaxError_type;
    if (kind && strcmp(kind, "IndentationError") == 0)
        t = &fp_IndentationError_type;
    else if (kind && strcmp(kind, "TabError") == 0)
        t = &fp_TabError_type;
    fp_err_set(t, "%s", msg);
    ftc_object *e = fp_err_occurred();
    if (e == NULL || e == _fp_tls->memerr)
        return;
    ftc_object *fn = fp_str_from_cstr(filename ? filename : "<string>");
    ftc_object *ln = fp_int_new(lineno), *off = fp_int_new(offset);
    ftc_object *tx = text ? fp_str_from_cstr(text) : (ftc_incref(fp_None), fp_None);
    ftc_object *d = fp_instance_dict(e, true);
    if (d && fn && ln && off && tx) {
        fp_dict_set_cstr(d, "filename", fn);
        fp_dict_set_cstr(d, "lineno", ln);
        fp_dict_set_cstr(d, "offset", off);
        fp_dict_set_cstr(d, "text", tx);
        fp_dict_set_cstr(d, "msg", fp_tuple_items(((fp_exc_object *)e)->args)[0]);
    }
    ftc_xdecref(fn);
    ftc_xdecref(ln);
    ftc_xdecref(off);
    ftc_xdecref(tx);
}

/* ---- tracebacks ---- */
void fp_exc_add_tb(ftc_object *exc, fp_frame *f)
{
    if (exc == NULL || f == NULL || !fp_exc_check(exc) || exc == _fp_tls->memerr)
        return;
    fp_exc_object *e = (fp_exc_object *)exc;
    if (e->traceback == NULL) {
        e->traceback = ftc_list_new();
        if (e->traceback == NULL)
            return;
    }
    ftc_object *ln = ftc_int_new(fp_frame_lineno(f));
    if (ln == NULL)
        return;
    ftc_list_append(e->traceback, FTC_OBJ(f->code));
    ftc_list_append(e->traceback, ln);
    ftc_decref(ln);
}

void fp_exc_set_context(ftc_object *exc, ftc_object *handled)
{
    if (handled == NULL || handled == exc || !fp_exc_check(exc))
        return;
    fp_exc_object *e = (fp_exc_object *)exc;
    if (e->context != NULL)
        return;
    /* avoid a cycle: cut exc out of handled's chain */
    for (ftc_object *c = handled; c != NULL; c = ((fp_exc_object *)c)->context) {
        fp_exc_object *ce = (fp_exc_object *)c;
        if (ce->context == exc) {
            ce->context = NULL;
            ftc_decref(exc);
            break;
        }
    }
    ftc_incref(handled);
    e->context = handled;
}

static void print_type_name(ftc_object *exc, FILE *out)
{
    fp_type *t = fp_type_of(exc);
    const char *mod = t->module;
    ftc_object *modobj = NULL, *qn = NULL;
    if (t->flags & FP_TPFLAG_HEAPTYPE) {
        modobj = fp_dict_get(t->dict, fp_intern("__module__"));
        qn = fp_dict_get(t->dict, fp_intern("__qualname__"));
        if (modobj && fp_str_check(modobj))
            mod = fp_str_data(modobj);
    }
    fp_err_clear();
    const char *name = qn && fp_str_check(qn) ? fp_str_data(qn) : t->ct.name;
    if (mod != NULL && strcmp(mod, "builtins") != 0 && strcmp(mod, "__main__") != 0)
        fprintf(out, "%s.%s", mod, name);
    else
        fputs(name, out);
    ftc_xdecref(modobj);
    ftc_xdecref(qn);
}

static void print_one(ftc_object *exc, int depth)
{
    fp_exc_object *e = (fp_exc_object *)exc;
    if (depth < 20) {
        if (e->cause != NULL) {
            print_one(e->cause, depth + 1);
            fputs("\nThe above exception was the direct cause of the following exception:\n\n",
                  stderr);
        } else if (e->context != NULL && !e->suppress_context) {
            print_one(e->context, depth + 1);
            fputs("\nDuring handling of the above exception, another exception occurred:\n\n",
                  stderr);
        }
    }
    if (e->traceback != NULL && ftc_list_len(e->traceback) > 0) {
        fputs("Traceback (most recent call last):\n", stderr);
        int64_t n = ftc_list_len(e->traceback);
        /* CPython prints a line repeated more than three times in a row once per repeat up to
         * three, then "[Previous line repeated N more times]" */
        ftc_object *last_co = NULL;
        int64_t last_ln = -1, repeats = 0;
        for (int64_t i = n - 2; i >= 0; i -= 2) {
            ftc_object *co, *ln;
            if (ftc_list_get_ref(e->traceback, i, &co) != 0)
                continue;
            if (ftc_list_get_ref(e->traceback, i + 1, &ln) != 0) {
                ftc_decref(co);
                continue;
            }
            fp_code_object *c = (fp_code_object *)co;
            int64_t line = ftc_int_value(ln);
            ftc_decref(ln);
            if (co == last_co && line == last_ln) {
                repeats++;
            } else {
                if (repeats > 3)
                    fprintf(stderr, "  [Previous line repeated %lld more time%s]\n",
                            (long long)(repeats - 3), repeats - 3 == 1 ? "" : "s");
                repeats = 1;
                last_co = co;
                last_ln = line;
            }
            if (repeats <= 3)
                fprintf(stderr, "  File \"%s\", line %lld, in %s\n", fp_str_data(c->filename),
                        (long long)line, fp_str_data(c->name));
            ftc_decref(co); /* code objects are immortal: last_co stays valid */
        }
        if (repeats > 3)
            fprintf(stderr, "  [Previous line repeated %lld more time%s]\n",
                    (long long)(repeats - 3), repeats - 3 == 1 ? "" : "s");
    }
    if (fp_isinstance_type(exc, &fp_SyntaxError_type)) {
        ftc_object *d = fp_instance_dict(exc, false);
        ftc_object *fn = d ? fp_dict_get(d, fp_intern("filename")) : NULL;
        ftc_object *ln = d ? fp_dict_get(d, fp_intern("lineno")) : NULL;
        ftc_object *tx = d ? fp_dict_get(d, fp_intern("text")) : NULL;
        ftc_object *off = d ? fp_dict_get(d, fp_intern("offset")) : NULL;
        if (fn && ln && fp_str_check(fn) && ftc_int_check(ln))
            fprintf(stderr, "  File \"%s\", line %lld\n", fp_str_data(fn),
                    (long long)ftc_int_value(ln));
        if (tx && fp_str_check(tx) && fp_str_len(tx) > 0) {
            /* the line without its leading blanks, and a caret under the offset (CPython) */
            const char *t = fp_str_data(tx);
            size_t skip = 0;
            while (t[skip] == ' ' || t[skip] == '\t' || t[skip] == '\f')
                skip++;
            size_t len = strcspn(t + skip, "\r\n");
            fprintf(stderr, "    %.*s\n", (int)len, t + skip);
            if (off && ftc_int_check(off) && ftc_int_value(off) > 0) {
                int64_t col = ftc_int_value(off) - 1 - (int64_t)skip;
                if (col < 0)
                    col = 0;
                if (col > (int64_t)len)
                    col = (int64_t)len;
                fprintf(stderr, "    %*s^\n", (int)col, "");
            }
        }
        ftc_xdecref(fn);
        ftc_xdecref(ln);
        ftc_xdecref(tx);
        ftc_xdecref(off);
        fp_err_clear();
    }
    print_type_name(exc, stderr);
    ftc_object *s = fp_str(exc);
    if (s == NULL) {
        fp_err_clear();
        fputs(": <exception str() failed>\n", stderr);
        return;
    }
    if (fp_str_len(s) > 0) {
        fputs(": ", stderr);
        fwrite(fp_str_data(s), 1, fp_str_len(s), stderr);
    }
    fputc('\n', stderr);
    ftc_decref(s);
}

void fp_exc_print(ftc_object *exc)
{
    fp_stdout_flush();
    ftc_object *saved = fp_err_fetch();
    if (exc != NULL && fp_exc_check(exc))
        print_one(exc, 0);
    fflush(stderr);
    fp_err_restore(saved);
}

int fp_exit_status(ftc_object *exc)
{
    if (fp_isinstance_type(exc, &fp_SystemExit_type)) {
        fp_exc_object *e = (fp_exc_object *)exc;
        ftc_object *code = fp_None;
        if (e->args && fp_tuple_size(e->args) == 1)
            code = fp_tuple_items(e->args)[0];
        else if (e->args && fp_tuple_size(e->args) > 1)
            code = e->args;
        if (code == fp_None)
            return 0;
        if (fp_int_like(code))
            return (int)(fp_int_like_value(code) & 0xff);
        fp_stdout_flush();
        ftc_object *s = fp_str(code);
        if (s != NULL) {
            fwrite(fp_str_data(s), 1, fp_str_len(s), stderr);
            fputc('\n', stderr);
            ftc_decref(s);
        }
        fp_err_clear();
        return 1;
    }
    fp_exc_print(exc);
    return 1;
}
