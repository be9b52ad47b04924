/* The evaluation loop.
 *
 * One C function (eval) runs a chain of frames: a Python call pushes a frame in the thread's
 * arena and continues here; a return pops it. eval returns when the frame it was entered
 * with (marked `entry`) returns, yields or lets an exception out. C code calling Python
 * (fp_function_call, a generator's resume, a class body) re-enters eval with a new entry
 * frame; the recursion depth counts frames and such re-entries alike, so that deep recursion
 * is a RecursionError long before the C stack runs out.
 *
 * The value stack holds strong references. Borrowed pointers from ftcore's lock-free dict
 * reads are turned into references (try-incref, falling back to the locked read) before
 * anything that may tick or call out, so a concurrent writer can never free what the loop
 * uses. The tick (ftc_eval_tick) runs at backward jumps and calls: there the GIL may be
 * dropped (GIL build) and the world stopped (nogil); no borrowed pointer lives across it.
 *
 * Exceptions: the raising instruction jumps to `error`, which adds a traceback entry (unless
 * re-raising), then looks the instruction up in the code's exception table; the handler runs
 * with the stack cut to the recorded depth and the exception pushed, or the frame is popped
 * and the search continues in the caller.
 */
#include "ceval.h"
#include "lib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpedantic"
#define FP_COMPUTED_GOTO 1
#endif

FTC_THREAD_LOCAL fp_thread *_fp_tls;
int _fp_recursion_limit = 1000;

#define FRAME_ARENA_SIZE ((size_t)64 << 20)

/* ---- thread state ---- */
int fp_thread_enter(void)
{
    if (_fp_tls != NULL)
        return 0;
    fp_thread *t = calloc(1, sizeof *t);
    if (t == NULL)
        return -1;
    t->stack_base = malloc(FRAME_ARENA_SIZE);
    if (t->stack_base == NULL) {
        free(t);
        return -1;
    }
    t->stack_top = t->stack_base;
    t->stack_end = t->stack_base + FRAME_ARENA_SIZE;
    t->mcache = calloc(FP_MCACHE_SIZE, sizeof *t->mcache);
    if (t->mcache == NULL) {
        free(t->stack_base);
        free(t);
        return -1;
    }
    _fp_tls = t;
    t->memerr = fp_exc_new(&fp_MemoryError_type, fp_empty_tuple);
    if (t->memerr != NULL)
        ftc_object_immortalize(t->memerr);
    return 0;
}

void fp_thread_exit(void)
{
    fp_thread *t = _fp_tls;
    if (t == NULL)
        return;
    ftc_xdecref(t->exc);
    ftc_xdecref(t->handled);
    t->exc = t->handled = NULL;
    _fp_tls = NULL;
    free(t->stack_base);
    free(t->mcache);
    free(t);
}

bool fp_thread_entered(void) { return _fp_tls != NULL; }

int fp_get_recursion_limit(void) { return ftc_atomic_load_relaxed(&_fp_recursion_limit); }

int fp_set_recursion_limit(int limit)
{
    if (limit < 1) {
        fp_err_set(&fp_ValueError_type, "recursion limit must be greater or equal than 1");
        return -1;
    }
    ftc_atomic_store_relaxed(&_fp_recursion_limit, limit);
    return 0;
}

int fp_enter_recursive_call(const char *where)
{
    fp_thread *t = _fp_tls;
    if (++t->depth > fp_get_recursion_limit() + 50 || (t->depth > fp_get_recursion_limit())) {
        t->depth--;
        fp_err_set(&fp_RecursionError_type, "maximum recursion depth exceeded%s", where);
        return -1;
    }
    return 0;
}

void fp_leave_recursive_call(void) { _fp_tls->depth--; }

/* ---- frames ---- */
/* fp_frame_push without the reference to func: the caller gives the frame one it owns (the
 * CALL fast path moves the caller's stack reference in). */
static inline fp_frame *frame_alloc(fp_thread *t, fp_function_object *func, fp_code_object *code)
{
    size_t n = (size_t)code->nlocalsplus + (size_t)code->stacksize;
    size_t size = sizeof(fp_frame) + n * sizeof(ftc_object *);
    size = (size + 15) & ~(size_t)15;
    if (t->depth >= fp_get_recursion_limit()) {
        fp_err_set(&fp_RecursionError_type, "maximum recursion depth exceeded");
        return NULL;
    }
    if ((size_t)(t->stack_end - t->stack_top) < size + sizeof(size_t)) {
        fp_err_set(&fp_RecursionError_type, "maximum recursion depth exceeded");
        return NULL;
    }
    fp_frame *f = (fp_frame *)(void *)t->stack_top;
    t->stack_top += size;
    memset(f, 0, sizeof(fp_frame) + (size_t)code->nlocalsplus * sizeof(ftc_object *));
    f->code = code;
    f->func = func;
    if (func != NULL) {
        f->globals = func->globals;
        f->builtins = func->builtins;
    }
    f->ip = code->code;
    f->sp = f->localsplus + code->nlocalsplus;
    t->depth++;
    return f;
}

fp_frame *fp_frame_push(fp_thread *t, fp_function_object *func, fp_code_object *code)
{
    fp_frame *f = frame_alloc(t, func, code);
    if (f != NULL && func != NULL)
        ftc_incref(FTC_OBJ(func));
    return f;
}

void fp_frame_clear(fp_frame *f)
{
    ftc_object **lp = f->localsplus;
    int n = f->code->nlocalsplus;
    for (int i = 0; i < n; i++) {
        ftc_object *o = lp[i];
        lp[i] = NULL;
        ftc_xdecref(o);
    }
    ftc_object **base = lp + n;
    while (f->sp > base) {
        ftc_object *o = *--f->sp;
        ftc_xdecref(o);
    }
    if (f->locals) {
        ftc_decref(f->locals);
        f->locals = NULL;
    }
    if (f->func) {
        fp_function_object *fn = f->func;
        f->func = NULL;
        ftc_decref(FTC_OBJ(fn));
    }
}

void fp_frame_pop(fp_thread *t, fp_frame *f)
{
    fp_frame_clear(f);
    t->stack_top = (char *)f;
    t->depth--;
}

int fp_frame_lineno(fp_frame *f)
{
    ptrdiff_t i = f->ip - f->code->code - 1;
    if (i < 0)
        i = 0;
    if ((size_t)i >= f->code->ncode)
        i = (ptrdiff_t)f->code->ncode - 1;
    return f->code->ncode ? f->code->lines[i] : f->code->firstlineno;
}

/* Creates the cells of a fresh frame (copying parameters that are cells) and its frees. */
static int init_cells(fp_frame *f)
{
    fp_code_object *co = f->code;
    ftc_object **lp = f->localsplus;
    for (int i = 0; i < co->ncells; i++) {
        int a = co->cell2arg[i];
        ftc_object *init = a >= 0 ? lp[a] : NULL;
        ftc_object *cell = fp_cell_new(init);
        if (cell == NULL)
            return -1;
        lp[co->nlocals + i] = cell;
    }
    if (co->nfree > 0) {
        ftc_object *cl = f->func->closure;
        for (int i = 0; i < co->nfree; i++) {
            ftc_object *c = fp_tuple_items(cl)[i];
            ftc_incref(c);
            lp[co->nlocals + co->ncells + i] = c;
        }
    }
    return 0;
}

/* ---- dict helpers that turn borrowed reads into references ---- */
static inline ftc_object *dict_get_ref(ftc_object *d, ftc_object *key, int *err)
{
    ftc_object *v;
    int r = ftc_dict_get_borrowed(d, key, &v);
    if (FTC_LIKELY(r == 1)) {
        if (FTC_LIKELY(ftc_try_incref(v)))
            return v;
        r = ftc_dict_get_ref(d, key, &v);
        if (r == 1)
            return v;
    }
    *err = r < 0 ? r : 0;
    return NULL;
}

static ftc_object *load_global(fp_frame *f, ftc_object *name)
{
    int err = 0;
    ftc_object *v = dict_get_ref(f->globals, name, &err);
    if (v != NULL)
        return v;
    if (err < 0) {
        fp_err_from_code(err, name);
        return NULL;
    }
    v = dict_get_ref(f->builtins, name, &err);
    if (v != NULL)
        return v;
    if (err < 0)
        fp_err_from_code(err, name);
    else
        fp_err_set(&fp_NameError_type, "name '%s' is not defined", fp_str_data(name));
    return NULL;
}

/* ---- raising ---- */
static int do_raise(fp_thread *t, ftc_object *exc, ftc_object *cause)
{
    ftc_object *inst = NULL;
    if (exc == NULL) {
        if (t->handled == NULL) {
            fp_err_set(&fp_RuntimeError_type, "No active exception to reraise");
            return 0;
        }
        ftc_incref(t->handled);
        fp_err_restore(t->handled);
        return 1; /* a re-raise: no new traceback entry here */
    }
    if (fp_type_of(exc) == &fp_type_type && (((fp_type *)exc)->flags & FP_TPFLAG_EXC)) {
        inst = fp_call0(exc);
        if (inst == NULL)
            return 0;
        if (!fp_exc_check(inst)) {
            fp_err_set(&fp_TypeError_type,
                       "calling %s should have returned an instance of BaseException, not %s",
                       ((fp_type *)exc)->ct.name, fp_type_name(inst));
            ftc_decref(inst);
            return 0;
        }
    } else if (fp_exc_check(exc)) {
        inst = exc;
        ftc_incref(inst);
    } else {
        fp_err_set(&fp_TypeError_type, "exceptions must derive from BaseException");
        return 0;
    }
    if (cause != NULL) {
        ftc_object *c = NULL;
        if (fp_type_of(cause) == &fp_type_type && (((fp_type *)cause)->flags & FP_TPFLAG_EXC)) {
            c = fp_call0(cause);
            if (c == NULL) {
                ftc_decref(inst);
                return 0;
            }
        } else if (fp_exc_check(cause)) {
            c = cause;
            ftc_incref(c);
        } else if (cause != fp_None) {
            fp_err_set(&fp_TypeError_type, "exception causes must derive from BaseException");
            ftc_decref(inst);
            return 0;
        }
        fp_exc_object *e = (fp_exc_object *)inst;
        ftc_object *old = e->cause;
        e->cause = c;
        e->suppress_context = true;
        ftc_xdecref(old);
    }
    fp_err_restore(inst);
    return 0;
}

static int exc_matches(ftc_object *exc, ftc_object *type)
{
    if (fp_tuple_check(type)) {
        for (size_t i = 0; i < fp_tuple_size(type); i++) {
            int r = exc_matches(exc, fp_tuple_items(type)[i]);
            if (r != 0)
                return r;
        }
        return 0;
    }
    if (fp_type_of(type) != &fp_type_type || !(((fp_type *)type)->flags & FP_TPFLAG_EXC)) {
        fp_err_set(&fp_TypeError_type,
                   "catching classes that do not inherit from BaseException is not allowed");
        return -1;
    }
    return fp_isinstance_type(exc, (fp_type *)type) ? 1 : 0;
}

/* ---- helpers for instructions ---- */
static int unpack_iterable(ftc_object *v, size_t before, size_t after, bool star,
                           ftc_object **sp_out)
{
    /* Writes items so that the first ends on top: sp_out[n-1-i] = item i. */
    ftc_object *list = fp_sequence_list(v);
    if (list == NULL) {
        if (fp_err_matches(&fp_TypeError_type) && fp_type_of(v)->iter == NULL &&
            fp_type_of(v)->getitem == NULL) {
            fp_err_clear();
            fp_err_set(&fp_TypeError_type, "cannot unpack non-iterable %s object", fp_type_name(v));
        }
        return -1;
    }
    int64_t n = ftc_list_len(list);
    if (!star) {
        if ((size_t)n != before) {
            if ((size_t)n < before)
                fp_err_set(&fp_ValueError_type,
                           "not enough values to unpack (expected %zu, got %lld)", before,
                           (long long)n);
            else
                fp_err_set(&fp_ValueError_type, "too many values to unpack (expected %zu)", before);
            ftc_decref(list);
            return -1;
        }
        for (size_t i = 0; i < before; i++) {
            ftc_object *it;
            ftc_list_get_ref(list, (int64_t)i, &it);
            sp_out[before - 1 - i] = it;
        }
        ftc_decref(list);
        return 0;
    }
    if ((size_t)n < before + after) {
        fp_err_set(&fp_ValueError_type,
                   "not enough values to unpack (expected at least %zu, got %lld)", before + after,
                   (long long)n);
        ftc_decref(list);
        return -1;
    }
    size_t total = before + 1 + after;
    for (size_t i = 0; i < before; i++) {
        ftc_object *it;
        ftc_list_get_ref(list, (int64_t)i, &it);
        sp_out[total - 1 - i] = it;
    }
    ftc_object *mid = ftc_list_slice(list, (int64_t)before, n - (int64_t)after);
    if (mid == NULL) {
        for (size_t i = 0; i < before; i++)
            ftc_decref(sp_out[total - 1 - i]);
        ftc_decref(list);
        fp_err_nomem();
        return -1;
    }
    sp_out[total - 1 - before] = mid;
    for (size_t i = 0; i < after; i++) {
        ftc_object *it;
        ftc_list_get_ref(list, n - (int64_t)after + (int64_t)i, &it);
        sp_out[after - 1 - i] = it;
    }
    ftc_decref(list);
    return 0;
}

static ftc_object *build_string(ftc_object **items, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += fp_str_len(items[i]);
    char small[512] = {0};
    char *buf = total <= sizeof small ? small : malloc(total);
    if (buf == NULL)
        return fp_err_nomem();
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(buf + off, fp_str_data(items[i]), fp_str_len(items[i]));
        off += fp_str_len(items[i]);
    }
    ftc_object *r = fp_str_new(buf, total);
    if (buf != small)
        free(buf);
    return r;
}

/* ascii(): repr with every non-ASCII code point escaped (\xNN, \uNNNN, \UNNNNNNNN). */
static ftc_object *ascii_of(ftc_object *v)
{
    ftc_object *r = fp_repr(v);
    if (r == NULL)
        return NULL;
    const unsigned char *s = (const unsigned char *)fp_str_data(r);
    size_t n = fp_str_len(r);
    if (ftc_str_cplen(r) == n)
        return r;
    char *buf = malloc(n * 10 + 1);
    if (buf == NULL) {
        ftc_decref(r);
        return fp_err_nomem();
    }
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        if (c < 0x80) {
            buf[o++] = (char)c;
            i++;
            continue;
        }
        int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        uint32_t cp = c & (len == 4 ? 0x07 : len == 3 ? 0x0F : 0x1F);
        for (int k = 1; k < len && i + (size_t)k < n; k++)
            cp = (cp << 6) | (s[i + (size_t)k] & 0x3F);
        i += (size_t)len;
        if (cp <= 0xFF)
            o += (size_t)sprintf(buf + o, "\\x%02x", cp);
        else if (cp <= 0xFFFF)
            o += (size_t)sprintf(buf + o, "\\u%04x", cp);
        else
            o += (size_t)sprintf(buf + o, "\\U%08x", cp);
    }
    ftc_decref(r);
    r = fp_str_new(buf, o);
    free(buf);
    return r;
}

static ftc_object *format_value(ftc_object *v, int flags, ftc_object *spec)
{
    ftc_object *conv = NULL;
    int c = flags & 3;
    if (c == 1)
        conv = fp_str(v);
    else if (c == 2)
        conv = fp_repr(v);
    else if (c == 3)
        conv = ascii_of(v);
    if (c != 0) {
        if (conv == NULL)
            return NULL;
        v = conv;
    }
    ftc_object *r;
    if (spec == NULL || fp_str_len(spec) == 0) {
        if (fp_str_check(v)) {
            ftc_incref(v);
            r = v;
        } else {
            r = spec == NULL ? fp_str(v) : fp_format(v, spec);
        }
    } else {
        r = fp_format(v, spec);
    }
    ftc_xdecref(conv);
    return r;
}

static int dict_merge(ftc_object *d, ftc_object *m, bool no_dups)
{
    if (!fp_dict_check(m)) {
        fp_err_set(&fp_TypeError_type, "argument after ** must be a mapping, not %s",
                   fp_type_name(m));
        return -1;
    }
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int rc;
    while ((rc = ftc_dict_next(m, &pos, &k, &v)) == 1) {
        if (no_dups && ftc_dict_contains(d, k) == 1) {
            if (fp_str_check(k))
                fp_err_set(&fp_TypeError_type, "got multiple values for keyword argument '%s'",
                           fp_str_data(k));
            else
                fp_err_set(&fp_TypeError_type, "keywords must be strings");
            ftc_decref(k);
            ftc_decref(v);
            return -1;
        }
        int r = fp_dict_set(d, k, v);
        ftc_decref(k);
        ftc_decref(v);
        if (r < 0)
            return -1;
    }
    if (rc < 0)
        return fp_err_from_code(rc, NULL);
    return 0;
}

/* Runs a class body (func's code) with ns as its namespace: returns what the body returns
 * (the __class__ cell or None). */
static ftc_object *run_class_body(fp_thread *t, ftc_object *func, ftc_object *ns);

static ftc_object *eval(fp_thread *t, fp_frame *f);

static ftc_object *make_class(fp_thread *t, ftc_object *func, ftc_object *name,
                              ftc_object *qualname, ftc_object *base)
{
    fp_type *b = &fp_object_type;
    if (base != NULL) {
        if (fp_type_of(base) != &fp_type_type) {
            fp_err_set(&fp_TypeError_type, "bases must be types");
            return NULL;
        }
        b = (fp_type *)base;
    }
    ftc_object *ns = fp_dict_new();
    if (ns == NULL)
        return NULL;
    fp_function_object *fn = (fp_function_object *)func;
    ftc_object *modname = NULL;
    int err = 0;
    ftc_object *key = fp_intern("__name__");
    modname = key ? dict_get_ref(fn->globals, key, &err) : NULL;
    if (modname != NULL) {
        fp_dict_set_cstr(ns, "__module__", modname);
        ftc_decref(modname);
    }
    if (fp_dict_set_cstr(ns, "__qualname__", qualname) < 0) {
        ftc_decref(ns);
        return NULL;
    }
    ftc_object *cell = run_class_body(t, func, ns);
    if (cell == NULL) {
        ftc_decref(ns);
        return NULL;
    }
    ftc_object *cls = fp_class_new(name, b, ns, qualname);
    ftc_decref(ns);
    if (cls != NULL && fp_type_of(cell) == &fp_cell_type) {
        ftc_incref(cls);
        ((fp_cell_object *)cell)->ref = cls;
    }
    ftc_decref(cell);
    return cls;
}

static ftc_object *make_function(fp_frame *f, fp_code_object *co, ftc_object *defaults,
                                 ftc_object *kwdefaults, ftc_object *closure)
{
    fp_function_object *fn = (fp_function_object *)ftc_object_new(&fp_function_type.ct);
    if (fn == NULL)
        return fp_err_nomem();
    ftc_incref(FTC_OBJ(co));
    fn->code = co;
    fn->globals = f->globals;
    ftc_incref(f->globals);
    fn->builtins = f->builtins;
    ftc_incref(f->builtins);
    fn->name = co->name;
    fn->qualname = co->qualname;
    ftc_incref(fn->name);
    ftc_incref(fn->qualname);
    fn->defaults = defaults;
    fn->kwdefaults = kwdefaults;
    fn->closure = closure;
    /* Module-level and class-level functions are shared by design: hot (per-thread counts) so
     * that threads calling one function do not contend on its reference count. */
    if (f->code->flags & (FP_CO_MODULE | FP_CO_CLASSBODY))
        ftc_object_set_hot(FTC_OBJ(fn));
    return FTC_OBJ(fn);
}

static int import_name(ftc_object *name, bool leaf, ftc_object **out)
{
    const char *s = fp_str_data(name);
    ftc_object *m = fp_import(s);
    if (m == NULL)
        return -1;
    const char *dot = strchr(s, '.');
    if (!leaf && dot != NULL) {
        char top[128];
        size_t n = (size_t)(dot - s);
        if (n >= sizeof top)
            n = sizeof top - 1;
        memcpy(top, s, n);
        top[n] = '\0';
        ftc_decref(m);
        m = fp_import(top);
        if (m == NULL)
            return -1;
    }
    *out = m;
    return 0;
}

/* "f() argument after * must be an iterable, not int", naming f as CPython does */
static void star_arg_error(ftc_object *func, ftc_object *v)
{
    char name[256];
    fp_type *ft = fp_type_of(func);
    if (ft == &fp_function_type) {
        fp_function_object *fn = (fp_function_object *)func;
        ftc_object *mod = fp_dict_get(fn->globals, fp_intern("__name__"));
        snprintf(name, sizeof name, "%s%s%s()", mod && fp_str_check(mod) ? fp_str_data(mod) : "",
                 mod ? "." : "", fp_str_data(fn->qualname));
        ftc_xdecref(mod);
    } else if (ft == &fp_cfunction_type) {
        snprintf(name, sizeof name, "%s()", ((fp_cfunction_object *)func)->def->name);
    } else {
        snprintf(name, sizeof name, "%s object", ft->ct.name);
    }
    fp_err_set(&fp_TypeError_type, "%s argument after * must be an iterable, not %s", name,
               fp_type_name(v));
}

/* ---- the loop ---- */
#define TOP() (sp[-1])
#define SECOND() (sp[-2])
#define PUSH(v) (*sp++ = (v))
#define POP() (*--sp)

static ftc_object *eval(fp_thread *t, fp_frame *f)
{
#ifdef FP_COMPUTED_GOTO
    static const void *const targets[OP_COUNT] = {
#define FP_OP_TARGET(name) &&TARGET_##name,
        FP_OPCODES(FP_OP_TARGET)
#undef FP_OP_TARGET
    };
#define TARGET(name) TARGET_##name:
#define DISPATCH()                   \
    do {                             \
        w = *ip++;                   \
        oparg = FP_OPARG(w);         \
        goto *targets[FP_OPCODE(w)]; \
    } while (0)
#else
#define TARGET(name) case OP_##name:
#define DISPATCH() goto dispatch
#endif

    const uint32_t *ip;
    ftc_object **sp, **lp;
    ftc_object *const *consts;
    ftc_object *const *names;
    uint32_t w, oparg;
    bool reraise = false;
    int tick_rc = 0;
    ftc_object *retval = NULL;

#define LOAD_FRAME()              \
    do {                          \
        ip = f->ip;               \
        sp = f->sp;               \
        lp = f->localsplus;       \
        consts = f->code->consts; \
        names = f->code->names;   \
    } while (0)
#define SAVE_FRAME() \
    do {             \
        f->ip = ip;  \
        f->sp = sp;  \
    } while (0)
/* Calls into the new frame nf (its arguments bound): saves the caller's position, links nf
 * above it and runs nf's first instruction. */
#define ENTER_FRAME(nf) \
    do {                \
        SAVE_FRAME();   \
        (nf)->back = f; \
        f = (nf);       \
        t->frame = f;   \
        LOAD_FRAME();   \
        DISPATCH();     \
    } while (0)

    t->frame = f;
    LOAD_FRAME();
    DISPATCH();

#ifndef FP_COMPUTED_GOTO
dispatch:
    w = *ip++;
    oparg = FP_OPARG(w);
    switch (FP_OPCODE(w)) {
#endif

        TARGET(NOP) { DISPATCH(); }
        TARGET(POP_TOP)
        {
            ftc_object *v = POP();
            ftc_decref(v);
            DISPATCH();
        }
        TARGET(DUP_TOP)
        {
            ftc_object *v = TOP();
            ftc_incref(v);
            PUSH(v);
            DISPATCH();
        }
        TARGET(DUP_TOP_TWO)
        {
            ftc_object *a = SECOND(), *b = TOP();
            ftc_incref(a);
            ftc_incref(b);
            PUSH(a);
            PUSH(b);
            DISPATCH();
        }
        TARGET(ROT_TWO)
        {
            ftc_object *a = TOP();
            sp[-1] = sp[-2];
            sp[-2] = a;
            DISPATCH();
        }
        TARGET(ROT_THREE)
        {
            ftc_object *a = TOP();
            sp[-1] = sp[-2];
            sp[-2] = sp[-3];
            sp[-3] = a;
            DISPATCH();
        }
        TARGET(ROT_FOUR)
        {
            ftc_object *a = TOP();
            sp[-1] = sp[-2];
            sp[-2] = sp[-3];
            sp[-3] = sp[-4];
            sp[-4] = a;
            DISPATCH();
        }
        TARGET(LOAD_CONST)
        {
            ftc_object *v = consts[oparg];
            ftc_incref(v);
            PUSH(v);
            DISPATCH();
        }
        TARGET(LOAD_FAST)
        {
            ftc_object *v = lp[oparg];
            if (FTC_UNLIKELY(v == NULL)) {
                fp_err_set(
                    &fp_UnboundLocalError_type,
                    "cannot access local variable '%s' where it is not associated with a value",
                    fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            ftc_incref(v);
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_FAST)
        {
            ftc_object *old = lp[oparg];
            lp[oparg] = POP();
            ftc_xdecref(old);
            DISPATCH();
        }
        TARGET(DELETE_FAST)
        {
            ftc_object *old = lp[oparg];
            if (old == NULL) {
                fp_err_set(
                    &fp_UnboundLocalError_type,
                    "cannot access local variable '%s' where it is not associated with a value",
                    fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            lp[oparg] = NULL;
            ftc_decref(old);
            DISPATCH();
        }
        TARGET(CLEAR_FAST)
        {
            ftc_object *old = lp[oparg];
            lp[oparg] = NULL;
            ftc_xdecref(old);
            DISPATCH();
        }
        TARGET(LOAD_DEREF)
        {
            fp_cell_object *cell = (fp_cell_object *)lp[oparg];
            ftc_object *v;
            /* Acquire: pairs with STORE_DEREF's exchange; a value being replaced is freed only
         * after a grace period (STORE_DEREF marks it shared), so the try-incref is safe, and
         * ftc_try_incref_slot re-checks the cell still holds it. */
            do {
                v = ftc_atomic_load_acquire(&cell->ref);
            } while (v != NULL && !ftc_try_incref_slot(&cell->ref, v));
            if (v == NULL) {
                const char *nm = fp_str_data(f->code->localnames[oparg]);
                if ((int)oparg < f->code->nlocals + f->code->ncells)
                    fp_err_set(
                        &fp_UnboundLocalError_type,
                        "cannot access local variable '%s' where it is not associated with a value",
                        nm);
                else
                    fp_err_set(&fp_NameError_type,
                               "cannot access free variable '%s' where it is not associated with a "
                               "value in enclosing scope",
                               nm);
                goto error;
            }
            PUSH(v);
            DISPATCH();
        }
        TARGET(LOAD_CLASSDEREF)
        {
            ftc_object *name = f->code->localnames[oparg];
            int err = 0;
            ftc_object *v = f->locals ? dict_get_ref(f->locals, name, &err) : NULL;
            if (v == NULL) {
                fp_cell_object *cell = (fp_cell_object *)lp[oparg];
                v = cell->ref;
                if (v == NULL) {
                    fp_err_set(&fp_NameError_type, "name '%s' is not defined", fp_str_data(name));
                    goto error;
                }
                ftc_incref(v);
            }
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_DEREF)
        {
            fp_cell_object *cell = (fp_cell_object *)lp[oparg];
            ftc_object *v = POP();
            /* nogil: other threads may read the cell without a lock; what it held is freed only
         * after they can no longer be looking at it */
            ftc_object_set_shared(v);
            ftc_object *old = ftc_atomic_exchange_acq_rel(&cell->ref, v);
            ftc_xdecref(old);
            DISPATCH();
        }
        TARGET(DELETE_DEREF)
        {
            fp_cell_object *cell = (fp_cell_object *)lp[oparg];
            ftc_object *old = ftc_atomic_exchange_acq_rel(&cell->ref, (ftc_object *)NULL);
            if (old == NULL) {
                fp_err_set(&fp_NameError_type,
                           "cannot access free variable '%s' where it is not associated with a "
                           "value in enclosing scope",
                           fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            ftc_decref(old);
            DISPATCH();
        }
        TARGET(LOAD_CLOSURE)
        {
            ftc_object *c = lp[oparg];
            ftc_incref(c);
            PUSH(c);
            DISPATCH();
        }
        TARGET(LOAD_GLOBAL)
        {
            ftc_object *v = load_global(f, names[oparg]);
            if (v == NULL)
                goto error;
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_GLOBAL)
        {
            ftc_object *v = POP();
            int r = fp_dict_set(f->globals, names[oparg], v);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(DELETE_GLOBAL)
        {
            int r = ftc_dict_del(f->globals, names[oparg]);
            if (r < 0) {
                if (r == FTC_EKEY)
                    fp_err_set(&fp_NameError_type, "name '%s' is not defined",
                               fp_str_data(names[oparg]));
                else
                    fp_err_from_code(r, names[oparg]);
                goto error;
            }
            DISPATCH();
        }
        TARGET(LOAD_NAME)
        {
            ftc_object *name = names[oparg];
            int err = 0;
            ftc_object *v = f->locals ? dict_get_ref(f->locals, name, &err) : NULL;
            if (v == NULL) {
                if (err < 0) {
                    fp_err_from_code(err, name);
                    goto error;
                }
                v = load_global(f, name);
                if (v == NULL)
                    goto error;
            }
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_NAME)
        {
            ftc_object *v = POP();
            int r = fp_dict_set(f->locals ? f->locals : f->globals, names[oparg], v);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(DELETE_NAME)
        {
            int r = ftc_dict_del(f->locals ? f->locals : f->globals, names[oparg]);
            if (r < 0) {
                if (r == FTC_EKEY)
                    fp_err_set(&fp_NameError_type, "name '%s' is not defined",
                               fp_str_data(names[oparg]));
                else
                    fp_err_from_code(r, names[oparg]);
                goto error;
            }
            DISPATCH();
        }
        TARGET(LOAD_ATTR)
        {
            ftc_object *o = TOP();
            SAVE_FRAME();
            ftc_object *v = fp_getattr(o, names[oparg]);
            if (v == NULL)
                goto error;
            sp[-1] = v;
            ftc_decref(o);
            DISPATCH();
        }
        TARGET(LOAD_FAST_ATTR)
        {
            /* LOAD_FAST then the LOAD_ATTR word after this one (compile.c,
             * fuse_load_fast_attr): the local's reference keeps o alive during the lookup,
             * so none is taken. An error of the lookup is the LOAD_ATTR's (ip is past it). */
            ftc_object *o = lp[oparg];
            if (FTC_UNLIKELY(o == NULL)) {
                fp_err_set(
                    &fp_UnboundLocalError_type,
                    "cannot access local variable '%s' where it is not associated with a value",
                    fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            uint32_t attr = FP_OPARG(*ip++);
            SAVE_FRAME();
            ftc_object *v = fp_getattr(o, names[attr]);
            if (v == NULL)
                goto error;
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_FAST_ATTR)
        {
            /* LOAD_FAST then the STORE_ATTR word after this one (compile.c,
             * fuse_load_fast_attr): o.name = v without a reference to o, which the local
             * keeps alive. An error of the store is the STORE_ATTR's (ip is past it). */
            ftc_object *o = lp[oparg];
            if (FTC_UNLIKELY(o == NULL)) {
                fp_err_set(
                    &fp_UnboundLocalError_type,
                    "cannot access local variable '%s' where it is not associated with a value",
                    fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            uint32_t attr = FP_OPARG(*ip++);
            ftc_object *v = POP();
            SAVE_FRAME();
            int r = fp_setattr(o, names[attr], v);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(LOAD_METHOD)
        {
            ftc_object *o = TOP();
            ftc_object *name = names[oparg];
            fp_type *tp = fp_type_of(o);
            SAVE_FRAME();
            if (tp->getattr == NULL || tp->getattr == fp_generic_getattr) {
                ftc_object *d = fp_type_lookup_ref(tp, name);
                if (d != NULL &&
                    (fp_type_of(d) == &fp_function_type || fp_type_of(d) == &fp_methoddescr_type)) {
                    ftc_object *idict = tp->dictoffset ? fp_instance_dict(o, false) : NULL;
                    if (idict == NULL || ftc_dict_contains(idict, name) != 1) {
                        sp[-1] = d;
                        PUSH(o);
                        DISPATCH();
                    }
                }
                ftc_xdecref(d);
            }
            ftc_object *v = fp_getattr(o, name);
            if (v == NULL)
                goto error;
            sp[-1] = NULL;
            PUSH(v);
            ftc_decref(o);
            DISPATCH();
        }
        TARGET(STORE_ATTR)
        {
            ftc_object *o = POP(), *v = POP();
            SAVE_FRAME();
            int r = fp_setattr(o, names[oparg], v);
            ftc_decref(o);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(DELETE_ATTR)
        {
            ftc_object *o = POP();
            SAVE_FRAME();
            int r = fp_setattr(o, names[oparg], NULL);
            ftc_decref(o);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(BINARY_SUBSCR)
        {
            ftc_object *key = POP(), *o = TOP();
            ftc_object *v;
            if (fp_list_check(o) && ftc_int_check(key)) {
                int64_t i = ftc_int_value(key);
                if (ftc_list_get_ref(o, i, &v) != 0) {
                    ftc_decref(key);
                    fp_err_set(&fp_IndexError_type, "list index out of range");
                    goto error;
                }
            } else if (fp_tuple_check(o) && ftc_int_check(key) &&
                       (uint64_t)(ftc_int_value(key) +
                                  (ftc_int_value(key) < 0 ? (int64_t)fp_tuple_size(o) : 0)) <
                           fp_tuple_size(o)) {
                int64_t i = ftc_int_value(key);
                v = fp_tuple_items(o)[i < 0 ? i + (int64_t)fp_tuple_size(o) : i];
                ftc_incref(v);
            } else {
                SAVE_FRAME();
                v = fp_getitem(o, key);
            }
            ftc_decref(key);
            if (v == NULL)
                goto error;
            sp[-1] = v;
            ftc_decref(o);
            DISPATCH();
        }
        TARGET(CHECK_FAST)
        {
            /* A LOAD_FAST whose value a later BINARY_SUBSCR_FAST reads from the local itself
             * (compile.c, fuse_subscr_fast): only the unbound check, at the LOAD_FAST's place
             * so that the error comes before the key is evaluated, as in CPython. */
            if (FTC_UNLIKELY(lp[oparg] == NULL)) {
                fp_err_set(
                    &fp_UnboundLocalError_type,
                    "cannot access local variable '%s' where it is not associated with a value",
                    fp_str_data(f->code->localnames[oparg]));
                goto error;
            }
            DISPATCH();
        }
        TARGET(BINARY_SUBSCR_FAST)
        {
            /* BINARY_SUBSCR whose container is local oparg, not on the stack: bound (checked
             * by CHECK_FAST) and unchanged since (the key's instructions store no local), and
             * the local's reference keeps it alive, so none is taken: a shared list or dict
             * read this way (lst[i % n]) gets no count change, no contended line. */
            ftc_object *key = POP(), *o = lp[oparg];
            ftc_object *v;
            if (fp_list_check(o) && ftc_int_check(key)) {
                if (ftc_list_get_ref(o, ftc_int_value(key), &v) != 0) {
                    ftc_decref(key);
                    fp_err_set(&fp_IndexError_type, "list index out of range");
                    goto error;
                }
            } else {
                SAVE_FRAME();
                v = fp_getitem(o, key);
            }
            ftc_decref(key);
            if (v == NULL)
                goto error;
            PUSH(v);
            DISPATCH();
        }
        TARGET(STORE_SUBSCR)
        {
            ftc_object *key = POP(), *o = POP(), *v = POP();
            int r;
            if (fp_list_check(o) && ftc_int_check(key)) {
                r = ftc_list_set(o, ftc_int_value(key), v);
                if (r < 0) {
                    if (r == FTC_EINDEX)
                        fp_err_set(&fp_IndexError_type, "list assignment index out of range");
                    else
                        fp_err_from_code(r, NULL);
                    r = -1;
                }
            } else {
                SAVE_FRAME();
                r = fp_setitem(o, key, v);
            }
            ftc_decref(key);
            ftc_decref(o);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(STORE_SUBSCR_FAST)
        {
            /* STORE_SUBSCR whose container is local oparg (see BINARY_SUBSCR_FAST). */
            ftc_object *key = POP(), *o = lp[oparg], *v = POP();
            int r;
            if (fp_list_check(o) && ftc_int_check(key)) {
                r = ftc_list_set(o, ftc_int_value(key), v);
                if (r < 0) {
                    if (r == FTC_EINDEX)
                        fp_err_set(&fp_IndexError_type, "list assignment index out of range");
                    else
                        fp_err_from_code(r, NULL);
                    r = -1;
                }
            } else {
                SAVE_FRAME();
                r = fp_setitem(o, key, v);
            }
            ftc_decref(key);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(DELETE_SUBSCR)
        {
            ftc_object *key = POP(), *o = POP();
            SAVE_FRAME();
            int r = fp_delitem(o, key);
            ftc_decref(key);
            ftc_decref(o);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(BINARY_OP)
        {
            ftc_object *b = POP(), *a = TOP();
            ftc_object *r;
            if (ftc_int_check(a) && ftc_int_check(b)) {
                int64_t x = ftc_int_value(a), y = ftc_int_value(b), z;
                if (oparg == FP_NB_ADD && !__builtin_add_overflow(x, y, &z))
                    goto int_result;
                if (oparg == FP_NB_SUB && !__builtin_sub_overflow(x, y, &z))
                    goto int_result;
                if (oparg == FP_NB_MUL && !__builtin_mul_overflow(x, y, &z))
                    goto int_result;
                goto generic_binop;
            int_result:
                r = ftc_int_new(z);
                if (r == NULL) {
                    fp_err_nomem();
                    ftc_decref(b);
                    goto error;
                }
                ftc_decref(b);
                sp[-1] = r;
                ftc_decref(a);
                DISPATCH();
            }
            if (fp_float_check(a) && fp_float_check(b) && oparg <= FP_NB_TRUEDIV) {
                double x = fp_float_value(a), y = fp_float_value(b), z;
                switch (oparg) {
                case FP_NB_ADD: z = x + y; break;
                case FP_NB_SUB: z = x - y; break;
                case FP_NB_MUL: z = x * y; break;
                default:
                    if (y == 0.0)
                        goto generic_binop; /* ZeroDivisionError with lib's message */
                    z = x / y;
                    break;
                }
                r = fp_float_new(z);
                ftc_decref(b);
                if (r == NULL)
                    goto error;
                sp[-1] = r;
                ftc_decref(a);
                DISPATCH();
            }
        generic_binop:
            SAVE_FRAME();
            r = fp_binop(a, b, (int)oparg);
            ftc_decref(b);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(INPLACE_OP)
        {
            ftc_object *b = POP(), *a = TOP();
            ftc_object *r;
            if (ftc_int_check(a) && ftc_int_check(b)) {
                int64_t x = ftc_int_value(a), y = ftc_int_value(b), z;
                if ((oparg == FP_NB_ADD && !__builtin_add_overflow(x, y, &z)) ||
                    (oparg == FP_NB_SUB && !__builtin_sub_overflow(x, y, &z))) {
                    r = ftc_int_new(z);
                    if (r == NULL) {
                        fp_err_nomem();
                        ftc_decref(b);
                        goto error;
                    }
                    ftc_decref(b);
                    sp[-1] = r;
                    ftc_decref(a);
                    DISPATCH();
                }
            }
            if (fp_float_check(a) && fp_float_check(b) && oparg <= FP_NB_MUL) {
                double x = fp_float_value(a), y = fp_float_value(b);
                r = fp_float_new(oparg == FP_NB_ADD ? x + y : oparg == FP_NB_SUB ? x - y : x * y);
                ftc_decref(b);
                if (r == NULL)
                    goto error;
                sp[-1] = r;
                ftc_decref(a);
                DISPATCH();
            }
            SAVE_FRAME();
            r = fp_inplace_binop(a, b, (int)oparg);
            ftc_decref(b);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(UNARY_NEG)
        {
            ftc_object *a = TOP();
            SAVE_FRAME();
            ftc_object *r = fp_neg(a);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(UNARY_POS)
        {
            ftc_object *a = TOP();
            SAVE_FRAME();
            ftc_object *r = fp_pos(a);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(UNARY_INVERT)
        {
            ftc_object *a = TOP();
            SAVE_FRAME();
            ftc_object *r = fp_invert(a);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(UNARY_NOT)
        {
            ftc_object *a = TOP();
            SAVE_FRAME();
            int b = fp_truthy(a);
            if (b < 0)
                goto error;
            sp[-1] = fp_bool(!b);
            ftc_decref(a);
            DISPATCH();
        }
        TARGET(COMPARE_OP)
        {
            ftc_object *b = POP(), *a = TOP();
            ftc_object *r;
            if (ftc_int_check(a) && ftc_int_check(b)) {
                int64_t x = ftc_int_value(a), y = ftc_int_value(b);
                bool res;
                switch (oparg) {
                case FP_LT: res = x < y; break;
                case FP_LE: res = x <= y; break;
                case FP_EQ: res = x == y; break;
                case FP_NE: res = x != y; break;
                case FP_GT: res = x > y; break;
                default: res = x >= y; break;
                }
                r = fp_bool(res);
            } else {
                SAVE_FRAME();
                r = fp_richcompare(a, b, (int)oparg);
                if (r == NULL) {
                    ftc_decref(b);
                    goto error;
                }
            }
            ftc_decref(b);
            sp[-1] = r;
            ftc_decref(a);
            /* fuse with a following conditional jump */
            DISPATCH();
        }
        TARGET(IS_OP)
        {
            ftc_object *b = POP(), *a = TOP();
            bool res = (a == b) ^ (oparg != 0);
            ftc_decref(b);
            ftc_decref(a);
            sp[-1] = fp_bool(res);
            DISPATCH();
        }
        TARGET(IS_OP_FAST)
        {
            /* IS_OP whose left operand is local oparg >> 1, not on the stack (compile.c,
             * fuse_is_fast: bound, checked by CHECK_FAST, and unchanged since); the right one
             * is the constant just pushed. No reference to the local's value is taken. */
            ftc_object *b = TOP();
            bool res = (lp[oparg >> 1] == b) ^ ((oparg & 1) != 0);
            ftc_decref(b);
            sp[-1] = fp_bool(res);
            DISPATCH();
        }
        TARGET(CONTAINS_OP)
        {
            ftc_object *b = POP(), *a = TOP();
            SAVE_FRAME();
            int r = fp_contains(b, a);
            ftc_decref(b);
            if (r < 0)
                goto error;
            ftc_decref(a);
            sp[-1] = fp_bool((r != 0) ^ (oparg != 0));
            DISPATCH();
        }
        TARGET(JUMP)
        {
            ip = f->code->code + oparg;
            DISPATCH();
        }
        TARGET(JUMP_BACK)
        {
            ip = f->code->code + oparg;
            if (FTC_UNLIKELY((tick_rc = ftc_eval_tick()) != 0))
                goto tick_failed;
            DISPATCH();
        }
        TARGET(POP_JUMP_IF_FALSE)
        {
            ftc_object *v = POP();
            if (v == fp_False) {
                ip = f->code->code + oparg;
            } else if (v != fp_True) {
                SAVE_FRAME();
                int b = fp_truthy(v);
                ftc_decref(v);
                if (b < 0)
                    goto error;
                if (!b)
                    ip = f->code->code + oparg;
            }
            DISPATCH();
        }
        TARGET(POP_JUMP_IF_TRUE)
        {
            ftc_object *v = POP();
            if (v == fp_True) {
                ip = f->code->code + oparg;
            } else if (v != fp_False) {
                SAVE_FRAME();
                int b = fp_truthy(v);
                ftc_decref(v);
                if (b < 0)
                    goto error;
                if (b)
                    ip = f->code->code + oparg;
            }
            DISPATCH();
        }
        TARGET(JUMP_IF_FALSE_OR_POP)
        {
            ftc_object *v = TOP();
            SAVE_FRAME();
            int b = fp_truthy(v);
            if (b < 0)
                goto error;
            if (!b) {
                ip = f->code->code + oparg;
            } else {
                sp--;
                ftc_decref(v);
            }
            DISPATCH();
        }
        TARGET(JUMP_IF_TRUE_OR_POP)
        {
            ftc_object *v = TOP();
            SAVE_FRAME();
            int b = fp_truthy(v);
            if (b < 0)
                goto error;
            if (b) {
                ip = f->code->code + oparg;
            } else {
                sp--;
                ftc_decref(v);
            }
            DISPATCH();
        }
        TARGET(GET_ITER)
        {
            ftc_object *o = TOP();
            SAVE_FRAME();
            ftc_object *it = fp_iter(o);
            if (it == NULL)
                goto error;
            sp[-1] = it;
            ftc_decref(o);
            DISPATCH();
        }
        TARGET(FOR_ITER)
        {
            ftc_object *it = TOP();
            SAVE_FRAME();
            ftc_object *v = fp_type_of(it)->next(it);
            if (v != NULL) {
                PUSH(v);
                DISPATCH();
            }
            if (t->exc != NULL) {
                if (!fp_err_matches(&fp_StopIteration_type))
                    goto error;
                fp_err_clear();
            }
            sp--;
            ftc_decref(it);
            ip = f->code->code + oparg;
            DISPATCH();
        }
        TARGET(BUILD_TUPLE)
        {
            ftc_object *tup = fp_tuple_new(oparg);
            if (tup == NULL)
                goto error;
            sp -= oparg;
            memcpy(fp_tuple_items(tup), sp, oparg * sizeof(ftc_object *));
            PUSH(tup);
            DISPATCH();
        }
        TARGET(BUILD_LIST)
        {
            ftc_object *l = fp_list_new();
            if (l == NULL)
                goto error;
            for (uint32_t i = 0; i < oparg; i++) {
                if (fp_list_append_unique(l, sp[-(int)oparg + (int)i]) < 0) {
                    ftc_decref(l);
                    goto error;
                }
            }
            for (uint32_t i = 0; i < oparg; i++)
                ftc_decref(POP());
            PUSH(l);
            DISPATCH();
        }
        TARGET(BUILD_SET)
        {
            ftc_object *s = fp_set_new();
            if (s == NULL)
                goto error;
            SAVE_FRAME();
            for (uint32_t i = 0; i < oparg; i++) {
                if (fp_set_add(s, sp[-(int)oparg + (int)i]) < 0) {
                    ftc_decref(s);
                    goto error;
                }
            }
            for (uint32_t i = 0; i < oparg; i++)
                ftc_decref(POP());
            PUSH(s);
            DISPATCH();
        }
        TARGET(BUILD_MAP)
        {
            ftc_object *d = fp_dict_new();
            if (d == NULL)
                goto error;
            SAVE_FRAME();
            for (uint32_t i = 0; i < oparg; i++) {
                ftc_object *k = sp[-2 * (int)oparg + 2 * (int)i],
                           *v = sp[-2 * (int)oparg + 2 * (int)i + 1];
                if (fp_dict_set(d, k, v) < 0) {
                    ftc_decref(d);
                    goto error;
                }
            }
            for (uint32_t i = 0; i < 2 * oparg; i++)
                ftc_decref(POP());
            PUSH(d);
            DISPATCH();
        }
        TARGET(BUILD_SLICE)
        {
            /* The slice takes the stack's references (fannkuch: three count pairs fewer per
             * a[i:j]; a nogil count of an immortal costs several tests where the GIL
             * build's costs one). */
            ftc_object *step = fp_None;
            if (oparg == 3)
                step = POP();
            else
                ftc_incref(step);
            ftc_object *stop = POP(), *start = POP();
            ftc_object *s = fp_slice_new_steal(start, stop, step);
            if (s == NULL)
                goto error;
            PUSH(s);
            DISPATCH();
        }
        TARGET(BUILD_STRING)
        {
            ftc_object *s = build_string(sp - oparg, oparg);
            if (s == NULL)
                goto error;
            for (uint32_t i = 0; i < oparg; i++)
                ftc_decref(POP());
            PUSH(s);
            DISPATCH();
        }
        TARGET(LIST_APPEND)
        {
            ftc_object *v = POP();
            /* The comprehension's list: this frame's stack holds it (no section while that is
             * its only reference). */
            int r = fp_list_append_unique(sp[-(int)oparg - 1], v);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(SET_ADD)
        {
            ftc_object *v = POP();
            SAVE_FRAME();
            int r = fp_set_add(sp[-(int)oparg - 1], v);
            ftc_decref(v);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(MAP_ADD)
        {
            ftc_object *v = POP(), *k = POP();
            SAVE_FRAME();
            int r = fp_dict_set(sp[-(int)oparg - 1], k, v);
            ftc_decref(v);
            ftc_decref(k);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(LIST_EXTEND)
        {
            ftc_object *v = POP();
            int depth = (int)(oparg & 0xFFFF);
            SAVE_FRAME();
            ftc_object *l = fp_list_check(v) ? (ftc_incref(v), v) : fp_sequence_list(v);
            if (l == NULL) {
                if (fp_err_matches(&fp_TypeError_type) && fp_type_of(v)->iter == NULL &&
                    fp_type_of(v)->getitem == NULL) {
                    fp_err_clear();
                    if (oparg & FP_EXTEND_CALL)
                        star_arg_error(sp[-depth - 2], v);
                    else
                        fp_err_set(&fp_TypeError_type, "Value after * must be an iterable, not %s",
                                   fp_type_name(v));
                }
                ftc_decref(v);
                goto error;
            }
            ftc_decref(v);
            int r = ftc_list_extend(sp[-depth - 1], l);
            ftc_decref(l);
            if (r < 0) {
                fp_err_from_code(r, NULL);
                goto error;
            }
            DISPATCH();
        }
        TARGET(SET_UPDATE)
        {
            ftc_object *v = POP();
            SAVE_FRAME();
            ftc_object *l = fp_sequence_list(v);
            ftc_decref(v);
            if (l == NULL)
                goto error;
            int64_t n = ftc_list_len(l);
            for (int64_t i = 0; i < n; i++) {
                ftc_object *x;
                ftc_list_get_ref(l, i, &x);
                int r = fp_set_add(sp[-(int)oparg - 1], x);
                ftc_decref(x);
                if (r < 0) {
                    ftc_decref(l);
                    goto error;
                }
            }
            ftc_decref(l);
            DISPATCH();
        }
        TARGET(DICT_UPDATE)
        {
            ftc_object *m = POP();
            SAVE_FRAME();
            int r = dict_merge(sp[-(int)oparg - 1], m, false);
            ftc_decref(m);
            if (r < 0) {
                if (fp_err_matches(&fp_TypeError_type) && !fp_dict_check(m)) {
                    fp_err_clear();
                    fp_err_set(&fp_TypeError_type, "'%s' object is not a mapping", fp_type_name(m));
                }
                goto error;
            }
            DISPATCH();
        }
        TARGET(DICT_MERGE)
        {
            ftc_object *m = POP();
            SAVE_FRAME();
            int r = dict_merge(sp[-(int)oparg - 1], m, true);
            ftc_decref(m);
            if (r < 0)
                goto error;
            DISPATCH();
        }
        TARGET(LIST_TO_TUPLE)
        {
            ftc_object *l = TOP();
            ftc_object *tup = fp_sequence_tuple(l);
            if (tup == NULL)
                goto error;
            sp[-1] = tup;
            ftc_decref(l);
            DISPATCH();
        }
        TARGET(UNPACK_SEQUENCE)
        {
            ftc_object *v = POP();
            if (fp_tuple_check(v) && fp_tuple_size(v) == oparg) {
                ftc_object **items = fp_tuple_items(v);
                for (uint32_t i = 0; i < oparg; i++) {
                    ftc_incref(items[oparg - 1 - i]);
                    PUSH(items[oparg - 1 - i]);
                }
                ftc_decref(v);
                DISPATCH();
            }
            SAVE_FRAME();
            if (unpack_iterable(v, oparg, 0, false, sp) < 0) {
                ftc_decref(v);
                goto error;
            }
            sp += oparg;
            ftc_decref(v);
            DISPATCH();
        }
        TARGET(UNPACK_EX)
        {
            ftc_object *v = POP();
            size_t before = oparg & 0xFF, after = oparg >> 8;
            SAVE_FRAME();
            if (unpack_iterable(v, before, after, true, sp) < 0) {
                ftc_decref(v);
                goto error;
            }
            sp += before + 1 + after;
            ftc_decref(v);
            DISPATCH();
        }
        TARGET(FORMAT_VALUE)
        {
            ftc_object *spec = (oparg & FP_FMT_SPEC) ? POP() : NULL;
            ftc_object *v = TOP();
            SAVE_FRAME();
            ftc_object *r = format_value(v, (int)oparg, spec);
            ftc_xdecref(spec);
            if (r == NULL)
                goto error;
            sp[-1] = r;
            ftc_decref(v);
            DISPATCH();
        }
        TARGET(PUSH_NULL)
        {
            PUSH(NULL);
            DISPATCH();
        }
        TARGET(CALL_KW)
        TARGET(CALL)
        {
            ftc_object *kwnames = NULL;
            if (FP_OPCODE(w) == OP_CALL_KW)
                kwnames = POP();
            size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
            size_t total = oparg;
            size_t npos = total - nkw;
            ftc_object **args = sp - total;
            ftc_object *callable;
            bool method = args[-2] != NULL;
            if (method) {
                callable = args[-2];
                args--;
                npos++;
            } else {
                callable = args[-1];
            }
            if (FTC_UNLIKELY((tick_rc = ftc_eval_tick()) != 0)) {
                ftc_xdecref(kwnames);
                goto tick_failed;
            }
            fp_type *ct = fp_type_of(callable);
            if (ct == &fp_function_type &&
                !(((fp_function_object *)callable)->code->flags & FP_CO_GENERATOR)) {
                fp_function_object *fn = (fp_function_object *)callable;
                fp_code_object *co = fn->code;
                SAVE_FRAME();
                if (kwnames == NULL && npos == (size_t)co->argcount && co->kwonlyargcount == 0 &&
                    !(co->flags & (FP_CO_VARARGS | FP_CO_VARKEYWORDS))) {
                    /* Exactly the positional parameters: the caller's stack references move
                     * into the new frame (the function's to f->func, the arguments' to its
                     * locals) instead of being taken again and dropped here, a reference-count
                     * pair per item saved (binary_trees: 1.233 -> ~1.19 nogil/gil
                     * instructions; a nogil count of a hot function or an immortal costs
                     * several tests where the GIL build's costs one). */
                    fp_frame *nf = frame_alloc(t, fn, co);
                    if (nf == NULL)
                        goto error;
                    memcpy(nf->localsplus, args, npos * sizeof(ftc_object *));
                    sp -= total + 2; /* what is left below args is the NULL of PUSH_NULL */
                    if ((co->ncells | co->nfree) && init_cells(nf) < 0) {
                        fp_frame_pop(t, nf);
                        t->frame = f;
                        goto error;
                    }
                    ENTER_FRAME(nf);
                }
                fp_frame *nf = fp_frame_push(t, fn, co);
                if (nf == NULL) {
                    ftc_xdecref(kwnames);
                    goto error;
                }
                if (fp_bind_args(fn, nf->localsplus, args, npos, kwnames) < 0 ||
                    ((fn->code->ncells | fn->code->nfree) && init_cells(nf) < 0)) {
                    fp_frame_pop(t, nf);
                    t->frame = f;
                    ftc_xdecref(kwnames);
                    goto error;
                }
                ftc_xdecref(kwnames);
                /* pop the call's items off the caller's stack */
                ftc_object **base = sp - total - 2;
                while (sp > base) {
                    ftc_object *o = *--sp;
                    ftc_xdecref(o);
                }
                ENTER_FRAME(nf);
            }
            SAVE_FRAME();
            ftc_object *res;
            if (ct == &fp_methoddescr_type && method) {
                fp_methoddescr_object *md = (fp_methoddescr_object *)callable;
                if (!fp_isinstance_type(args[0], md->type)) {
                    fp_err_set(&fp_TypeError_type,
                               "descriptor '%s' for '%s' objects doesn't apply to a '%s' object",
                               md->def->name, md->type->ct.name, fp_type_name(args[0]));
                    res = NULL;
                } else {
                    res = md->def->fn(args[0], args + 1, npos - 1, kwnames);
                }
            } else {
                res = fp_call(callable, args, npos, kwnames);
            }
            ftc_xdecref(kwnames);
            ftc_object **base = sp - total - 2;
            while (sp > base) {
                ftc_object *o = *--sp;
                ftc_xdecref(o);
            }
            if (res == NULL)
                goto error;
            PUSH(res);
            DISPATCH();
        }
        TARGET(CALL_FUNCTION_EX)
        {
            ftc_object *kw = (oparg & 1) ? POP() : NULL;
            ftc_object *argt = POP();
            ftc_object *callable = POP();
            ftc_object *meth = POP();
            SAVE_FRAME();
            ftc_object *res;
            if (meth != NULL) {
                /* [meth, self] */
                size_t n = fp_tuple_size(argt);
                ftc_object *nt = fp_tuple_new(n + 1);
                if (nt == NULL) {
                    res = NULL;
                } else {
                    ftc_incref(callable);
                    fp_tuple_items(nt)[0] = callable;
                    for (size_t i = 0; i < n; i++) {
                        ftc_incref(fp_tuple_items(argt)[i]);
                        fp_tuple_items(nt)[i + 1] = fp_tuple_items(argt)[i];
                    }
                    res = fp_call_tuple_dict(meth, nt, kw);
                    ftc_decref(nt);
                }
            } else {
                res = fp_call_tuple_dict(callable, argt, kw);
            }
            ftc_xdecref(kw);
            ftc_decref(argt);
            ftc_decref(callable);
            ftc_xdecref(meth);
            if (res == NULL)
                goto error;
            PUSH(res);
            DISPATCH();
        }
        TARGET(MAKE_FUNCTION)
        {
            fp_code_object *co = (fp_code_object *)POP();
            ftc_object *closure = (oparg & FP_MKF_CLOSURE) ? POP() : NULL;
            ftc_object *kwd = (oparg & FP_MKF_KWDEFAULTS) ? POP() : NULL;
            ftc_object *defs = (oparg & FP_MKF_DEFAULTS) ? POP() : NULL;
            ftc_object *fn = make_function(f, co, defs, kwd, closure);
            ftc_decref(FTC_OBJ(co));
            if (fn == NULL) {
                ftc_xdecref(closure);
                ftc_xdecref(kwd);
                ftc_xdecref(defs);
                goto error;
            }
            PUSH(fn);
            DISPATCH();
        }
        TARGET(MAKE_CLASS)
        {
            ftc_object *base = (oparg & 1) ? POP() : NULL;
            ftc_object *qual = POP(), *name = POP(), *func = POP();
            SAVE_FRAME();
            ftc_object *cls = make_class(t, func, name, qual, base);
            t->frame = f;
            ftc_xdecref(base);
            ftc_decref(qual);
            ftc_decref(name);
            ftc_decref(func);
            if (cls == NULL)
                goto error;
            PUSH(cls);
            DISPATCH();
        }
        TARGET(RETURN_VALUE)
        {
            retval = POP();
            SAVE_FRAME();
            if (f->entry) {
                f->done = 1;
                t->frame = f->back;
                if (!f->on_heap)
                    fp_frame_pop(t, f);
                return retval;
            }
            fp_frame *back = f->back;
            fp_frame_pop(t, f);
            f = back;
            t->frame = f;
            LOAD_FRAME();
            PUSH(retval);
            DISPATCH();
        }
        TARGET(YIELD_VALUE)
        {
            retval = POP();
            SAVE_FRAME();
            t->frame = f->back;
            return retval;
        }
        TARGET(YIELD_FROM)
        {
            ftc_object *recv = POP();
            ftc_decref(recv);
            ftc_object *it = TOP();
            SAVE_FRAME();
            ftc_object *v = fp_type_of(it)->next ? fp_type_of(it)->next(it) : fp_next(it);
            if (v != NULL) {
                f->ip = ip - 1; /* resume here: the sent value is pushed first */
                f->sp = sp;
                t->frame = f->back;
                return v;
            }
            ftc_object *result = fp_None;
            if (t->exc != NULL) {
                if (!fp_err_matches(&fp_StopIteration_type))
                    goto error;
                ftc_object *e = fp_err_fetch();
                ftc_object *args = ((fp_exc_object *)e)->args;
                if (args && fp_tuple_size(args) > 0)
                    result = fp_tuple_items(args)[0];
                ftc_incref(result);
                ftc_decref(e);
            }
            sp[-1] = result;
            ftc_decref(it);
            DISPATCH();
        }
        TARGET(RAISE_VARARGS)
        {
            ftc_object *cause = oparg >= 2 ? POP() : NULL;
            ftc_object *exc = oparg >= 1 ? POP() : NULL;
            SAVE_FRAME();
            reraise = do_raise(t, exc, cause) == 1;
            ftc_xdecref(cause);
            ftc_xdecref(exc);
            if (!reraise && t->exc)
                fp_exc_set_context(t->exc, t->handled);
            goto error_noctx;
        }
        TARGET(RERAISE_POP)
        {
            ftc_object *exc = POP(), *prev = POP();
            ftc_object *old = t->handled;
            t->handled = prev == fp_None ? NULL : prev;
            if (prev == fp_None)
                ftc_decref(prev);
            ftc_xdecref(old);
            fp_err_restore(exc);
            reraise = true;
            goto error_noctx;
        }
        TARGET(PUSH_EXC_INFO)
        {
            ftc_object *exc = TOP();
            ftc_object *prev = t->handled ? t->handled : fp_None;
            if (prev == fp_None)
                ftc_incref(prev);
            ftc_incref(exc);
            t->handled = exc;
            sp[-1] = prev;
            PUSH(exc);
            DISPATCH();
        }
        TARGET(POP_EXCEPT)
        {
            ftc_object *prev = POP();
            ftc_object *old = t->handled;
            t->handled = prev == fp_None ? NULL : prev;
            if (prev == fp_None)
                ftc_decref(prev);
            ftc_xdecref(old);
            DISPATCH();
        }
        TARGET(CHECK_EXC_MATCH)
        {
            ftc_object *type = POP();
            int r = exc_matches(TOP(), type);
            ftc_decref(type);
            if (r < 0)
                goto error;
            PUSH(fp_bool(r));
            DISPATCH();
        }
        TARGET(BEFORE_WITH)
        {
            ftc_object *mgr = TOP();
            SAVE_FRAME();
            fp_type *mt = fp_type_of(mgr);
            ftc_object *enter = fp_type_lookup(mt, fp_intern("__enter__"));
            ftc_object *exitd = fp_type_lookup(mt, fp_intern("__exit__"));
            if (enter == NULL || exitd == NULL) {
                fp_err_set(&fp_TypeError_type,
                           "'%s' object does not support the context manager protocol",
                           mt->ct.name);
                goto error;
            }
            ftc_object *exitm = fp_getattr(mgr, fp_intern("__exit__"));
            if (exitm == NULL)
                goto error;
            ftc_object *res = fp_call_method(mgr, fp_intern("__enter__"), NULL, 0, NULL);
            if (res == NULL) {
                ftc_decref(exitm);
                goto error;
            }
            sp[-1] = exitm;
            ftc_decref(mgr);
            PUSH(res);
            DISPATCH();
        }
        TARGET(WITH_EXIT_NORMAL)
        {
            ftc_object *exitm = POP();
            SAVE_FRAME();
            ftc_object *args[3] = {fp_None, fp_None, fp_None};
            ftc_object *r = fp_call(exitm, args, 3, NULL);
            ftc_decref(exitm);
            if (r == NULL)
                goto error;
            ftc_decref(r);
            DISPATCH();
        }
        TARGET(WITH_EXCEPT)
        {
            ftc_object *exc = TOP(), *exitm = sp[-3];
            SAVE_FRAME();
            ftc_object *args[3] = {FP_TYPE_OBJ(fp_type_of(exc)), exc, fp_None};
            ftc_object *r = fp_call(exitm, args, 3, NULL);
            if (r == NULL)
                goto error;
            PUSH(r);
            DISPATCH();
        }
        TARGET(IMPORT_NAME)
        {
            ftc_object *m;
            SAVE_FRAME();
            if (import_name(names[oparg >> 1], (oparg & 1) != 0, &m) < 0)
                goto error;
            PUSH(m);
            DISPATCH();
        }
        TARGET(IMPORT_FROM)
        {
            ftc_object *m = TOP();
            SAVE_FRAME();
            ftc_object *v = fp_getattr_opt(m, names[oparg]);
            if (v == NULL) {
                if (t->exc == NULL) {
                    ftc_object *mn =
                        fp_type_of(m) == &fp_module_type ? ((fp_module_object *)m)->name : NULL;
                    fp_err_set(&fp_ImportError_type,
                               "cannot import name '%s' from '%s' (unknown location)",
                               fp_str_data(names[oparg]), mn ? fp_str_data(mn) : "?");
                }
                goto error;
            }
            PUSH(v);
            DISPATCH();
        }
        TARGET(BUILD_SET_CONST)
        {
            ftc_object *tup = TOP();
            ftc_object *st = fp_set_from_constants(tup);
            if (st == NULL)
                goto error;
            sp[-1] = st;
            ftc_decref(tup);
            DISPATCH();
        }
        TARGET(LOAD_ASSERTION_ERROR)
        {
            PUSH(FP_TYPE_OBJ(&fp_AssertionError_type));
            DISPATCH();
        }

#ifndef FP_COMPUTED_GOTO
    default: fp_err_set(&fp_RuntimeError_type, "bad opcode"); goto error;
    }
#endif

tick_failed : {
    /* the tick returned a negative code: an asynchronous exception */
    SAVE_FRAME();
    fp_err_from_code(tick_rc, NULL);
    if (t->exc == NULL)
        fp_err_set(&fp_KeyboardInterrupt_type, "");
    goto error;
}

error:
    reraise = false;
    if (t->exc == NULL)
        fp_err_set(&fp_RuntimeError_type, "error return without exception set");
error_noctx:
    SAVE_FRAME();
    if (!reraise)
        fp_exc_add_tb(t->exc, f);
    reraise = false;
    for (;;) {
        size_t off = (size_t)(ip - f->code->code) - 1;
        fp_exc_entry *e = f->code->exctab;
        size_t ne = f->code->nexc;
        for (size_t i = 0; i < ne; i++) {
            if (off >= e[i].start && off < e[i].end) {
                ftc_object **target = f->localsplus + f->code->nlocalsplus + e[i].depth;
                while (sp > target) {
                    ftc_object *o = POP();
                    ftc_xdecref(o);
                }
                ftc_object *exc = t->exc;
                t->exc = NULL;
                PUSH(exc);
                ip = f->code->code + e[i].handler;
                DISPATCH();
            }
        }
        /* no handler here: leave the frame */
        f->sp = sp;
        if (f->entry) {
            f->done = 1;
            t->frame = f->back;
            if (!f->on_heap)
                fp_frame_pop(t, f);
            else
                fp_frame_clear(f);
            return NULL;
        }
        fp_frame *back = f->back;
        fp_frame_pop(t, f);
        f = back;
        t->frame = f;
        LOAD_FRAME();
        fp_exc_add_tb(t->exc, f);
    }
}

/* ---- entry points from C ---- */
ftc_object *fp_function_call(ftc_object *func, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    fp_thread *t = _fp_tls;
    fp_function_object *fn = (fp_function_object *)func;
    fp_code_object *co = fn->code;
    if (co->flags & FP_CO_GENERATOR) {
        size_t n = (size_t)co->nlocalsplus + (size_t)co->stacksize;
        fp_frame *gf = calloc(1, sizeof(fp_frame) + n * sizeof(ftc_object *));
        if (gf == NULL)
            return fp_err_nomem();
        gf->code = co;
        gf->func = fn;
        ftc_incref(func);
        gf->globals = fn->globals;
        gf->builtins = fn->builtins;
        gf->ip = co->code;
        gf->sp = gf->localsplus + co->nlocalsplus;
        gf->on_heap = 1;
        gf->entry = 1;
        if (fp_bind_args(fn, gf->localsplus, args, nargs, kwnames) < 0 ||
            ((co->ncells | co->nfree) && init_cells(gf) < 0)) {
            fp_frame_clear(gf);
            free(gf);
            return NULL;
        }
        ftc_object *g = fp_gen_new(gf, fn);
        if (g == NULL) {
            fp_frame_clear(gf);
            free(gf);
        }
        return g;
    }
    fp_frame *f = fp_frame_push(t, fn, co);
    if (f == NULL)
        return NULL;
    if (fp_bind_args(fn, f->localsplus, args, nargs, kwnames) < 0 ||
        ((co->ncells | co->nfree) && init_cells(f) < 0)) {
        fp_frame_pop(t, f);
        return NULL;
    }
    f->entry = 1;
    f->back = t->frame;
    return eval(t, f);
}

ftc_object *fp_gen_resume(fp_gen_object *gen, ftc_object *value)
{
    fp_thread *t = _fp_tls;
    fp_frame *f = gen->frame;
    if (t->depth >= fp_get_recursion_limit()) {
        fp_err_set(&fp_RecursionError_type, "maximum recursion depth exceeded");
        return NULL;
    }
    if (value != NULL) {
        ftc_incref(value);
        *f->sp++ = value;
    }
    f->back = t->frame;
    t->depth++;
    ftc_object *r = eval(t, f);
    t->depth--;
    if (f->done) {
        /* returned or raised: the generator is finished */
        if (r != NULL && r != fp_None) {
            ftc_object *args = fp_tuple_pack(1, r);
            ftc_decref(r);
            if (args == NULL)
                return NULL;
            ftc_object *e = fp_exc_new(&fp_StopIteration_type, args);
            ftc_decref(args);
            if (e != NULL)
                fp_err_restore(e);
            r = NULL;
        } else if (r == fp_None) {
            ftc_decref(r);
            r = NULL;
        } else if (fp_err_matches(&fp_StopIteration_type)) {
            fp_err_clear();
            fp_err_set(&fp_RuntimeError_type, "generator raised StopIteration");
        }
    }
    return r;
}

static ftc_object *run_class_body(fp_thread *t, ftc_object *func, ftc_object *ns)
{
    fp_function_object *fn = (fp_function_object *)func;
    fp_frame *f = fp_frame_push(t, fn, fn->code);
    if (f == NULL)
        return NULL;
    ftc_incref(ns);
    f->locals = ns;
    if ((fn->code->ncells | fn->code->nfree) && init_cells(f) < 0) {
        fp_frame_pop(t, f);
        return NULL;
    }
    f->entry = 1;
    f->back = t->frame;
    return eval(t, f);
}

ftc_object *fp_eval_code(fp_code_object *code, ftc_object *globals, ftc_object *locals)
{
    fp_thread *t = _fp_tls;
    fp_frame *f = fp_frame_push(t, NULL, code);
    if (f == NULL)
        return NULL;
    f->globals = globals;
    f->builtins = fp_builtins_dict();
    if (locals != NULL && locals != globals) {
        ftc_incref(locals);
        f->locals = locals;
    }
    f->entry = 1;
    f->back = t->frame;
    return eval(t, f);
}
