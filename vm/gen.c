/* Generators: a generator function's call makes a heap frame (bound arguments, cells) and a
 * generator object that owns it; each next() resumes the frame in the eval loop until it
 * yields (the value is returned) or returns (None ends the iteration silently; another value
 * raises StopIteration(value)). A generator run by two threads at once is refused with
 * ValueError("generator already executing"): `running` is taken with a compare-and-swap
 * before the frame is touched and released after, in both builds (in the GIL build a
 * generator can re-enter itself only through its own code, which CPython refuses alike).
 */
#include "ceval.h"

#include <stdlib.h>

static void gen_finish(fp_gen_object *g)
{
    fp_frame *f = g->frame;
    g->frame = NULL;
    if (f != NULL) {
        fp_frame_clear(f);
        free(f);
    }
}

static void gen_dealloc(ftc_object *o)
{
    fp_gen_object *g = (fp_gen_object *)o;
    gen_finish(g);
    ftc_xdecref(g->name);
    ftc_xdecref(g->qualname);
    ftc_xdecref(g->handled_exc);
}

/* A suspended (or never started) generator's frame holds its locals, cells and value stack
 * (up to sp), its function and, for a class body, its namespace: all counted. A running one
 * (`running` set: some thread is inside fp_gen_resume, or closing it) has a value stack that
 * lives in the eval loop's registers, sp stale: nothing of the frame is visited then, which is
 * safe (what it holds looks referenced from outside and survives) and exact once it yields. */
static int gen_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    fp_gen_object *g = (fp_gen_object *)o;
    FP_VISIT(g->name);
    FP_VISIT(g->qualname);
    FP_VISIT(g->handled_exc);
    fp_frame *f = g->frame;
    if (f == NULL || ftc_atomic_load_relaxed(&g->running) != 0)
        return 0;
    int n = f->code->nlocalsplus;
    for (int i = 0; i < n; i++)
        FP_VISIT(f->localsplus[i]);
    for (ftc_object **p = f->localsplus + n; p < f->sp; p++)
        FP_VISIT(*p);
    FP_VISIT(f->func);
    FP_VISIT(f->locals);
    return 0;
}

/* Garbage is never running (a running generator is referenced by the thread running it). */
static int gen_clear(ftc_object *o)
{
    fp_gen_object *g = (fp_gen_object *)o;
    if (ftc_atomic_load_relaxed(&g->running) == 0)
        gen_finish(g);
    fp_clear_slot(&g->handled_exc);
    return 0;
}

ftc_object *fp_gen_new(fp_frame *frame, fp_function_object *func)
{
    fp_gen_object *g = (fp_gen_object *)ftc_object_new(&fp_gen_type.ct);
    if (g == NULL)
        return fp_err_nomem();
    g->frame = frame;
    g->name = func->name;
    g->qualname = func->qualname;
    ftc_incref(g->name);
    ftc_incref(g->qualname);
    return FTC_OBJ(g);
}

static ftc_object *gen_iter(ftc_object *o)
{
    ftc_incref(o);
    return o;
}

static ftc_object *gen_next(ftc_object *o)
{
    fp_gen_object *g = (fp_gen_object *)o;
    int expected = 0;
    if (!ftc_atomic_cas_acq_rel(&g->running, &expected, 1)) {
        fp_err_set(&fp_ValueError_type, "generator already executing");
        return NULL;
    }
    ftc_object *r = NULL;
    fp_frame *f = g->frame;
    if (f != NULL) {
        bool first = f->ip == f->code->code;
        r = fp_gen_resume(g, first ? NULL : fp_None);
        if (f->done)
            gen_finish(g);
    }
    /* Release: pairs with the acquire of the next caller's compare-and-swap, which then sees
     * this run's writes to the frame. */
    ftc_atomic_store_release(&g->running, 0);
    return r;
}

static ftc_object *gen_repr(ftc_object *o)
{
    fp_gen_object *g = (fp_gen_object *)o;
    return fp_str_from_fmt("<generator object %s at %p>", fp_str_data(g->qualname), (void *)o);
}

static ftc_object *gen_m_next(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    if (fp_check_args("__next__", n, k, 0, 0) < 0)
        return NULL;
    ftc_object *r = gen_next(self);
    if (r == NULL && fp_err_occurred() == NULL)
        fp_err_set_obj(&fp_StopIteration_type, NULL);
    return r;
}

static ftc_object *gen_m_close(ftc_object *self, ftc_object *const *a, size_t n, ftc_object *k)
{
    (void)a;
    if (fp_check_args("close", n, k, 0, 0) < 0)
        return NULL;
    fp_gen_object *g = (fp_gen_object *)self;
    int expected = 0;
    if (!ftc_atomic_cas_acq_rel(&g->running, &expected, 1)) {
        fp_err_set(&fp_ValueError_type, "generator already executing");
        return NULL;
    }
    gen_finish(g);
    ftc_atomic_store_release(&g->running, 0);
    ftc_incref(fp_None);
    return fp_None;
}

static ftc_object *gen_m_unsupported(ftc_object *self, ftc_object *const *a, size_t n,
                                     ftc_object *k)
{
    (void)self;
    (void)a;
    (void)n;
    (void)k;
    fp_err_set(&fp_NotImplementedError_type, "ftpy does not support generator send/throw");
    return NULL;
}

static ftc_object *gen_get_name(ftc_object *o)
{
    ftc_object *n = ((fp_gen_object *)o)->name;
    ftc_incref(n);
    return n;
}

static const fp_method_def gen_methods[] = {
    {"__next__", gen_m_next, 0},     {"close", gen_m_close, 0}, {"send", gen_m_unsupported, 0},
    {"throw", gen_m_unsupported, 0}, {NULL, NULL, 0},
};

static const fp_getset_def gen_getsets[] = {
    {"__name__", gen_get_name, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_gen_type = {
    FP_TYPE_HEAD,
    .ct = {"generator", sizeof(fp_gen_object), gen_dealloc, NULL, NULL, gen_traverse, gen_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF,
    .repr = gen_repr,
    .iter = gen_iter,
    .next = gen_next,
    .methods = gen_methods,
    .getsets = gen_getsets,
};
