/* Functions, code objects, cells, bound methods, builtin functions, and calls.
 *
 * fp_call dispatches on the callable's type: Python functions run through the eval loop
 * (fp_function_call), builtin functions call their C function with the bound self, bound
 * methods prepend self (in a small on-stack buffer when they can), types construct, anything
 * else uses its type's call slot. fp_bind_args places a call's arguments in a new frame's
 * locals with CPython's rules and messages (positional, keywords, defaults, *args, **kwargs,
 * keyword-only). Code objects are immortal (made so by the compiler); functions made at
 * module or class level are hot (ceval.c); closures, lambdas and bound methods made at run
 * time are ordinary objects.
 */
#include "ceval.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- code ---- */
static void code_dealloc(ftc_object *o)
{
    fp_code_object *co = (fp_code_object *)o;
    for (size_t i = 0; co->consts && i < co->nconsts; i++)
        ftc_decref(co->consts[i]);
    free(co->code);
    free(co->lines);
    free(co->consts);
    free(co->names);
    free(co->exctab);
    free(co->localnames);
    free(co->cell2arg);
}

static ftc_object *code_repr(ftc_object *o)
{
    fp_code_object *co = (fp_code_object *)o;
    return fp_str_from_fmt("<code object %s at %p, file \"%s\", line %d>", fp_str_data(co->name),
                           (void *)o, fp_str_data(co->filename), co->firstlineno);
}

fp_type fp_code_type = {
    FP_TYPE_HEAD,
    .ct = {"code", sizeof(fp_code_object), code_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .repr = code_repr,
};

ftc_object *fp_code_new_empty(void) { return ftc_object_new(&fp_code_type.ct); }

/* ---- cells ---- */
static void cell_dealloc(ftc_object *o) { ftc_xdecref(((fp_cell_object *)o)->ref); }

static int cell_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(ftc_atomic_load_relaxed(&((fp_cell_object *)o)->ref));
    return 0;
}

static int cell_clear(ftc_object *o)
{
    /* a garbage cell: no reader left (relaxed as the field is atomic elsewhere) */
    fp_cell_object *c = (fp_cell_object *)o;
    ftc_object *v = ftc_atomic_load_relaxed(&c->ref);
    ftc_atomic_store_relaxed(&c->ref, (ftc_object *)NULL);
    ftc_xdecref(v);
    return 0;
}

fp_type fp_cell_type = {
    FP_TYPE_HEAD,
    .ct = {"cell", sizeof(fp_cell_object), cell_dealloc, NULL, NULL, cell_traverse, cell_clear},
    .base = &fp_object_type,
};

ftc_object *fp_cell_new(ftc_object *v)
{
    fp_cell_object *c = (fp_cell_object *)ftc_object_new(&fp_cell_type.ct);
    if (c == NULL)
        return fp_err_nomem();
    if (v != NULL) {
        /* readers in other threads take references with try-incref (ceval.c LOAD_DEREF),
         * which needs the value marked shared (and freed after a grace period) */
        ftc_object_set_shared(v);
        ftc_incref(v);
    }
    c->ref = v;
    return FTC_OBJ(c);
}

/* ---- functions ---- */
static void function_dealloc(ftc_object *o)
{
    fp_function_object *f = (fp_function_object *)o;
    ftc_decref(FTC_OBJ(f->code));
    ftc_decref(f->globals);
    ftc_decref(f->builtins);
    ftc_decref(f->name);
    ftc_decref(f->qualname);
    ftc_xdecref(f->module);
    ftc_xdecref(f->defaults);
    ftc_xdecref(f->kwdefaults);
    ftc_xdecref(f->closure);
    ftc_xdecref(f->dict);
}

static int function_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    fp_function_object *f = (fp_function_object *)o;
    FP_VISIT(f->code);
    FP_VISIT(f->globals);
    FP_VISIT(f->builtins);
    FP_VISIT(f->name);
    FP_VISIT(f->qualname);
    FP_VISIT(f->module);
    FP_VISIT(f->defaults);
    FP_VISIT(f->kwdefaults);
    FP_VISIT(f->closure);
    FP_VISIT(ftc_atomic_load_relaxed(&f->dict)); /* made on first use by a CAS */
    return 0;
}

/* What can close a cycle: the defaults, the closure's cells, the attributes. The code, the
 * globals (a module's immortal dict) and the names stay for the dealloc and repr. */
static int function_clear(ftc_object *o)
{
    fp_function_object *f = (fp_function_object *)o;
    fp_clear_slot(&f->defaults);
    fp_clear_slot(&f->kwdefaults);
    fp_clear_slot(&f->closure);
    fp_clear_slot(&f->dict);
    return 0;
}

static ftc_object *function_repr(ftc_object *o)
{
    fp_function_object *f = (fp_function_object *)o;
    return fp_str_from_fmt("<function %s at %p>", fp_str_data(f->qualname), (void *)o);
}

static ftc_object *function_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    return fp_function_call(self, args, nargs, kwnames);
}

static ftc_object *function_descr_get(ftc_object *descr, ftc_object *obj, fp_type *type)
{
    (void)type;
    if (obj == NULL) {
        ftc_incref(descr);
        return descr;
    }
    return fp_method_new(descr, obj);
}

static ftc_object *function_get_name(ftc_object *o)
{
    ftc_object *n = ((fp_function_object *)o)->name;
    ftc_incref(n);
    return n;
}

static ftc_object *function_get_qualname(ftc_object *o)
{
    ftc_object *n = ((fp_function_object *)o)->qualname;
    ftc_incref(n);
    return n;
}

static ftc_object *function_get_module(ftc_object *o)
{
    fp_function_object *f = (fp_function_object *)o;
    ftc_object *v = fp_dict_get(f->globals, fp_intern("__name__"));
    if (v == NULL && fp_err_occurred() == NULL) {
        ftc_incref(fp_None);
        return fp_None;
    }
    return v;
}

static const fp_getset_def function_getsets[] = {
    {"__name__", function_get_name, NULL},
    {"__qualname__", function_get_qualname, NULL},
    {"__module__", function_get_module, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_function_type = {
    FP_TYPE_HEAD,
    .ct = {"function", sizeof(fp_function_object), function_dealloc, NULL, NULL, function_traverse,
           function_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF,
    .dictoffset = offsetof(fp_function_object, dict),
    .repr = function_repr,
    .call = function_call,
    .descr_get = function_descr_get,
    .getsets = function_getsets,
};

/* ---- bound methods ---- */
static void method_dealloc(ftc_object *o)
{
    fp_method_object *m = (fp_method_object *)o;
    ftc_decref(m->func);
    ftc_decref(m->self);
}

/* No clear, as in CPython: a bound method's references never change, so a cycle through one
 * also runs through something mutable (the instance's dict) whose clear breaks it. */
static int method_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((fp_method_object *)o)->func);
    FP_VISIT(((fp_method_object *)o)->self);
    return 0;
}

ftc_object *fp_method_new(ftc_object *func, ftc_object *self)
{
    fp_method_object *m = (fp_method_object *)ftc_object_new(&fp_method_type.ct);
    if (m == NULL)
        return fp_err_nomem();
    ftc_incref(func);
    ftc_incref(self);
    m->func = func;
    m->self = self;
    return FTC_OBJ(m);
}

static ftc_object *method_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                               ftc_object *kwnames)
{
    fp_method_object *m = (fp_method_object *)self;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    size_t total = nargs + nkw;
    ftc_object *small[9];
    ftc_object **buf = total + 1 <= 9 ? small : malloc((total + 1) * sizeof *buf);
    if (buf == NULL)
        return fp_err_nomem();
    buf[0] = m->self;
    memcpy(buf + 1, args, total * sizeof *buf);
    ftc_object *r = fp_call(m->func, buf, nargs + 1, kwnames);
    if (buf != small)
        free(buf);
    return r;
}

static ftc_object *method_repr(ftc_object *o)
{
    fp_method_object *m = (fp_method_object *)o;
    ftc_object *sr = fp_repr(m->self);
    if (sr == NULL)
        return NULL;
    ftc_object *qn = fp_getattr_opt(m->func, fp_intern("__qualname__"));
    ftc_object *r = fp_str_from_fmt(
        "<bound method %s of %s>", qn && fp_str_check(qn) ? fp_str_data(qn) : "?", fp_str_data(sr));
    ftc_xdecref(qn);
    ftc_decref(sr);
    return r;
}

static ftc_object *method_get_self(ftc_object *o)
{
    ftc_object *s = ((fp_method_object *)o)->self;
    ftc_incref(s);
    return s;
}

static ftc_object *method_get_func(ftc_object *o)
{
    ftc_object *s = ((fp_method_object *)o)->func;
    ftc_incref(s);
    return s;
}

static ftc_object *method_getattr(ftc_object *o, ftc_object *name)
{
    ftc_object *r = fp_generic_getattr(o, name);
    if (r != NULL || !fp_err_matches(&fp_AttributeError_type))
        return r;
    fp_err_clear();
    return fp_getattr(((fp_method_object *)o)->func, name);
}

static const fp_getset_def method_getsets[] = {
    {"__self__", method_get_self, NULL},
    {"__func__", method_get_func, NULL},
    {NULL, NULL, NULL},
};

static int method_richcompare_eq(ftc_object *a, ftc_object *b)
{
    fp_method_object *x = (fp_method_object *)a, *y = (fp_method_object *)b;
    return x->func == y->func && x->self == y->self;
}

static ftc_object *method_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if ((op != FP_EQ && op != FP_NE) || fp_type_of(b) != &fp_method_type) {
        ftc_incref(fp_NotImplemented);
        return fp_NotImplemented;
    }
    int eq = method_richcompare_eq(a, b);
    return fp_bool(op == FP_EQ ? eq : !eq);
}

fp_type fp_method_type = {
    FP_TYPE_HEAD,
    .ct = {"method", sizeof(fp_method_object), method_dealloc, NULL, NULL, method_traverse, NULL},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF,
    .repr = method_repr,
    .call = method_call,
    .getattr = method_getattr,
    .richcompare = method_richcompare,
    .getsets = method_getsets,
};

/* ---- builtin functions ---- */
static void cfunction_dealloc(ftc_object *o) { ftc_xdecref(((fp_cfunction_object *)o)->self); }

/* A builtin bound to a container (l.append stored in l) is part of its cycle. */
static int cfunction_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((fp_cfunction_object *)o)->self);
    return 0;
}

ftc_object *fp_cfunction_new(const fp_method_def *def, ftc_object *self)
{
    fp_cfunction_object *f = (fp_cfunction_object *)ftc_object_new(&fp_cfunction_type.ct);
    if (f == NULL)
        return fp_err_nomem();
    f->def = def;
    ftc_xincref(self);
    f->self = self;
    return FTC_OBJ(f);
}

static ftc_object *cfunction_call(ftc_object *self, ftc_object *const *args, size_t nargs,
                                  ftc_object *kwnames)
{
    fp_cfunction_object *f = (fp_cfunction_object *)self;
    return f->def->fn(f->self, args, nargs, kwnames);
}

static ftc_object *cfunction_repr(ftc_object *o)
{
    fp_cfunction_object *f = (fp_cfunction_object *)o;
    if (f->self == NULL || fp_type_of(f->self) == &fp_module_type)
        return fp_str_from_fmt("<built-in function %s>", f->def->name);
    return fp_str_from_fmt("<built-in method %s of %s object at %p>", f->def->name,
                           fp_type_name(f->self), (void *)f->self);
}

static ftc_object *cfunction_get_name(ftc_object *o)
{
    return fp_str_from_cstr(((fp_cfunction_object *)o)->def->name);
}

static const fp_getset_def cfunction_getsets[] = {
    {"__name__", cfunction_get_name, NULL},
    {"__qualname__", cfunction_get_name, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_cfunction_type = {
    FP_TYPE_HEAD,
    .ct = {"builtin_function_or_method", sizeof(fp_cfunction_object), cfunction_dealloc, NULL, NULL,
           cfunction_traverse, NULL},
    .base = &fp_object_type,
    .repr = cfunction_repr,
    .call = cfunction_call,
    .getsets = cfunction_getsets,
};

/* ---- calls ---- */
ftc_object *fp_call(ftc_object *callable, ftc_object *const *args, size_t nargs,
                    ftc_object *kwnames)
{
    fp_type *t = fp_type_of(callable);
    if (t == &fp_function_type)
        return fp_function_call(callable, args, nargs, kwnames);
    if (t == &fp_cfunction_type) {
        fp_cfunction_object *f = (fp_cfunction_object *)callable;
        return f->def->fn(f->self, args, nargs, kwnames);
    }
    if (t->call == NULL) {
        fp_err_set(&fp_TypeError_type, "'%s' object is not callable", t->ct.name);
        return NULL;
    }
    if (fp_enter_recursive_call(" while calling a Python object") < 0)
        return NULL;
    ftc_object *r = t->call(callable, args, nargs, kwnames);
    fp_leave_recursive_call();
    return r;
}

ftc_object *fp_call0(ftc_object *callable) { return fp_call(callable, NULL, 0, NULL); }

ftc_object *fp_call1(ftc_object *callable, ftc_object *a) { return fp_call(callable, &a, 1, NULL); }

ftc_object *fp_call2(ftc_object *callable, ftc_object *a, ftc_object *b)
{
    ftc_object *args[2] = {a, b};
    return fp_call(callable, args, 2, NULL);
}

ftc_object *fp_call_method(ftc_object *obj, ftc_object *name, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    fp_type *t = fp_type_of(obj);
    if (t->getattr == NULL || t->getattr == fp_generic_getattr) {
        ftc_object *d = fp_type_lookup_ref(t, name);
        if (d != NULL &&
            !(fp_type_of(d) == &fp_function_type || fp_type_of(d) == &fp_methoddescr_type)) {
            ftc_decref(d);
            d = NULL;
        }
        if (d != NULL) {
            ftc_object *idict = t->dictoffset ? fp_instance_dict(obj, false) : NULL;
            if (idict == NULL || ftc_dict_contains(idict, name) != 1) {
                size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
                size_t total = nargs + nkw;
                ftc_object *small[9];
                ftc_object **buf = total + 1 <= 9 ? small : malloc((total + 1) * sizeof *buf);
                if (buf == NULL) {
                    ftc_decref(d);
                    return fp_err_nomem();
                }
                buf[0] = obj;
                if (total)
                    memcpy(buf + 1, args, total * sizeof *buf);
                ftc_object *r;
                if (fp_type_of(d) == &fp_methoddescr_type)
                    r = ((fp_methoddescr_object *)d)->def->fn(obj, buf + 1, nargs, kwnames);
                else
                    r = fp_call(d, buf, nargs + 1, kwnames);
                ftc_decref(d);
                if (buf != small)
                    free(buf);
                return r;
            }
            ftc_decref(d);
        }
    }
    ftc_object *m = fp_getattr(obj, name);
    if (m == NULL)
        return NULL;
    ftc_object *r = fp_call(m, args, nargs, kwnames);
    ftc_decref(m);
    return r;
}

ftc_object *fp_call_tuple_dict(ftc_object *callable, ftc_object *args, ftc_object *kwargs)
{
    size_t npos = args ? fp_tuple_size(args) : 0;
    int64_t nkw = kwargs ? ftc_dict_len(kwargs) : 0;
    if (nkw == 0)
        return fp_call(callable, args ? fp_tuple_items(args) : NULL, npos, NULL);
    ftc_object **buf = malloc((npos + (size_t)nkw) * sizeof *buf);
    ftc_object *names = fp_tuple_new((size_t)nkw);
    if (buf == NULL || names == NULL) {
        free(buf);
        ftc_xdecref(names);
        return fp_err_nomem();
    }
    for (size_t i = 0; i < npos; i++)
        buf[i] = fp_tuple_items(args)[i];
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int64_t i = 0;
    ftc_object *vals = fp_list_new();
    if (vals == NULL) {
        free(buf);
        ftc_decref(names);
        return NULL;
    }
    while (i < nkw && ftc_dict_next(kwargs, &pos, &k, &v) == 1) {
        if (!fp_str_check(k)) {
            fp_err_set(&fp_TypeError_type, "keywords must be strings");
            ftc_decref(k);
            ftc_decref(v);
            for (int64_t j = i; j < nkw; j++)
                fp_tuple_items(names)[j] = fp_None;
            ftc_decref(names);
            ftc_decref(vals);
            free(buf);
            return NULL;
        }
        fp_tuple_items(names)[i] = k;
        fp_list_append(vals, v);
        buf[npos + (size_t)i] = v;
        ftc_decref(v); /* vals keeps it alive */
        i++;
    }
    for (int64_t j = i; j < nkw; j++)
        fp_tuple_items(names)[j] = fp_None;
    ftc_object *r = fp_call(callable, buf, npos, names);
    ftc_decref(names);
    ftc_decref(vals);
    free(buf);
    return r;
}

/* ---- argument binding for Python functions ---- */
static const char *qn(fp_function_object *f) { return fp_str_data(f->qualname); }

static void missing_args(fp_function_object *f, ftc_object **locals, int start, int end,
                         bool kwonly)
{
    fp_code_object *co = f->code;
    char names[512];
    size_t len = 0;
    int missing = 0, total = 0;
    for (int i = start; i < end; i++)
        if (locals[i] == NULL)
            total++;
    names[0] = '\0';
    for (int i = start; i < end; i++) {
        if (locals[i] != NULL)
            continue;
        const char *nm = fp_str_data(co->localnames[i]);
        missing++;
        const char *sep =
            missing == 1 ? "" : (missing == total ? (total == 2 ? " and " : ", and ") : ", ");
        int w = snprintf(names + len, sizeof names - len, "%s'%s'", sep, nm);
        if (w > 0 && (size_t)w < sizeof names - len)
            len += (size_t)w;
    }
    fp_err_set(&fp_TypeError_type, "%s() missing %d required %s argument%s: %s", qn(f), total,
               kwonly ? "keyword-only" : "positional", total == 1 ? "" : "s", names);
}

int fp_bind_args(fp_function_object *f, ftc_object **locals, ftc_object *const *args, size_t nargs,
                 ftc_object *kwnames)
{
    fp_code_object *co = f->code;
    size_t argc = (size_t)co->argcount;
    int kwonly = co->kwonlyargcount;
    int vararg_i = (co->flags & FP_CO_VARARGS) ? (int)argc + kwonly : -1;
    int kwarg_i = (co->flags & FP_CO_VARKEYWORDS) ? (int)argc + kwonly + (vararg_i >= 0) : -1;
    ftc_object *kwdict = NULL;
    if (kwarg_i >= 0) {
        kwdict = fp_dict_new();
        if (kwdict == NULL)
            return -1;
        locals[kwarg_i] = kwdict;
    }
    size_t n = nargs < argc ? nargs : argc;
    for (size_t i = 0; i < n; i++) {
        ftc_incref(args[i]);
        locals[i] = args[i];
    }
    if (vararg_i >= 0) {
        ftc_object *rest = fp_tuple_from_array(args + n, nargs - n);
        if (rest == NULL)
            return -1;
        locals[vararg_i] = rest;
    } else if (nargs > argc) {
        size_t ndef = f->defaults ? fp_tuple_size(f->defaults) : 0;
        size_t nkwgiven = 0;
        (void)nkwgiven;
        if (ndef > 0)
            fp_err_set(&fp_TypeError_type,
                       "%s() takes from %zu to %zu positional arguments but %zu %s given", qn(f),
                       argc - ndef, argc, nargs, nargs == 1 ? "was" : "were");
        else
            fp_err_set(&fp_TypeError_type, "%s() takes %zu positional argument%s but %zu %s given",
                       qn(f), argc, argc == 1 ? "" : "s", nargs, nargs == 1 ? "was" : "were");
        return -1;
    }
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t k = 0; k < nkw; k++) {
        ftc_object *key = fp_tuple_items(kwnames)[k];
        ftc_object *val = args[nargs + k];
        int idx = -1;
        for (int i = co->posonlyargcount; i < (int)argc + kwonly; i++) {
            ftc_object *nm = co->localnames[i];
            if (nm == key || (fp_str_len(nm) == fp_str_len(key) &&
                              memcmp(fp_str_data(nm), fp_str_data(key), fp_str_len(key)) == 0)) {
                idx = i;
                break;
            }
        }
        if (idx < 0 && kwdict == NULL) {
            for (int i = 0; i < co->posonlyargcount; i++) {
                ftc_object *nm = co->localnames[i];
                if (fp_str_len(nm) == fp_str_len(key) &&
                    memcmp(fp_str_data(nm), fp_str_data(key), fp_str_len(key)) == 0) {
                    fp_err_set(
                        &fp_TypeError_type,
                        "%s() got some positional-only arguments passed as keyword arguments: '%s'",
                        qn(f), fp_str_data(key));
                    return -1;
                }
            }
        }
        if (idx < 0) {
            if (kwdict == NULL) {
                fp_err_set(&fp_TypeError_type, "%s() got an unexpected keyword argument '%s'",
                           qn(f), fp_str_data(key));
                return -1;
            }
            if (fp_dict_set(kwdict, key, val) < 0)
                return -1;
            continue;
        }
        if (locals[idx] != NULL) {
            fp_err_set(&fp_TypeError_type, "%s() got multiple values for argument '%s'", qn(f),
                       fp_str_data(key));
            return -1;
        }
        ftc_incref(val);
        locals[idx] = val;
    }
    if (nargs < argc) {
        size_t ndef = f->defaults ? fp_tuple_size(f->defaults) : 0;
        size_t first_def = argc - ndef;
        for (size_t i = nargs; i < argc; i++) {
            if (locals[i] != NULL)
                continue;
            if (i >= first_def) {
                ftc_object *d = fp_tuple_items(f->defaults)[i - first_def];
                ftc_incref(d);
                locals[i] = d;
            }
        }
        for (size_t i = nargs; i < argc; i++)
            if (locals[i] == NULL) {
                missing_args(f, locals, (int)nargs, (int)argc, false);
                return -1;
            }
    }
    for (int i = (int)argc; i < (int)argc + kwonly; i++) {
        if (locals[i] != NULL)
            continue;
        if (f->kwdefaults) {
            ftc_object *d = fp_dict_get(f->kwdefaults, co->localnames[i]);
            if (d != NULL) {
                locals[i] = d;
                continue;
            }
        }
    }
    for (int i = (int)argc; i < (int)argc + kwonly; i++)
        if (locals[i] == NULL) {
            missing_args(f, locals, (int)argc, (int)argc + kwonly, true);
            return -1;
        }
    return 0;
}

/* ---- argument parsing for builtins ---- */
int fp_check_args(const char *fname, size_t nargs, ftc_object *kwnames, size_t min, size_t max)
{
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "%s() takes no keyword arguments", fname);
        return -1;
    }
    if (nargs >= min && nargs <= max)
        return 0;
    if (min == max) {
        if (min == 0)
            fp_err_set(&fp_TypeError_type, "%s() takes no arguments (%zu given)", fname, nargs);
        else if (min == 1)
            fp_err_set(&fp_TypeError_type, "%s() takes exactly one argument (%zu given)", fname,
                       nargs);
        else
            fp_err_set(&fp_TypeError_type, "%s expected %zu arguments, got %zu", fname, min, nargs);
    } else if (nargs < min) {
        fp_err_set(&fp_TypeError_type, "%s expected at least %zu argument%s, got %zu", fname, min,
                   min == 1 ? "" : "s", nargs);
    } else {
        fp_err_set(&fp_TypeError_type, "%s expected at most %zu argument%s, got %zu", fname, max,
                   max == 1 ? "" : "s", nargs);
    }
    return -1;
}

int fp_parse_args(const char *fname, ftc_object *const *args, size_t nargs, ftc_object *kwnames,
                  const char *const *kwlist, size_t min, size_t maxpos, ftc_object **out)
{
    size_t nparams = 0;
    while (kwlist[nparams] != NULL)
        nparams++;
    for (size_t i = 0; i < nparams; i++)
        out[i] = NULL;
    if (nargs > maxpos) {
        if (maxpos == min)
            fp_err_set(&fp_TypeError_type, "%s() takes %s%zu positional argument%s (%zu given)",
                       fname, "exactly ", maxpos, maxpos == 1 ? "" : "s", nargs);
        else
            fp_err_set(&fp_TypeError_type, "%s() takes at most %zu argument%s (%zu given)", fname,
                       maxpos, maxpos == 1 ? "" : "s", nargs);
        return -1;
    }
    for (size_t i = 0; i < nargs; i++)
        out[i] = args[i];
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t k = 0; k < nkw; k++) {
        const char *key = fp_str_data(fp_tuple_items(kwnames)[k]);
        size_t idx = nparams;
        for (size_t i = 0; i < nparams; i++)
            if (kwlist[i][0] != '\0' && strcmp(kwlist[i], key) == 0) {
                idx = i;
                break;
            }
        if (idx == nparams) {
            fp_err_set(&fp_TypeError_type, "%s() got an unexpected keyword argument '%s'", fname,
                       key);
            return -1;
        }
        if (out[idx] != NULL) {
            fp_err_set(&fp_TypeError_type,
                       "argument for %s() given by name ('%s') and position (%zu)", fname, key,
                       idx + 1);
            return -1;
        }
        out[idx] = args[nargs + k];
    }
    for (size_t i = 0; i < min; i++)
        if (out[i] == NULL) {
            if (kwlist[i][0] != '\0')
                fp_err_set(&fp_TypeError_type, "%s() missing required argument '%s' (pos %zu)",
                           fname, kwlist[i], i + 1);
            else
                fp_err_set(&fp_TypeError_type,
                           "%s() takes at least %zu positional argument%s (%zu given)", fname, min,
                           min == 1 ? "" : "s", nargs);
            return -1;
        }
    return 0;
}
