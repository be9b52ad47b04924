/* Modules, the import of built-in modules, the builtins module, and running a program.
 *
 * A module is a name and a globals dict (an ftcore dict, read lock-free by every function
 * defined in it). Modules are immortal: made once, shared by every thread. The registry maps
 * the importable names to their init functions (the mods files define them; a name whose
 * function is not linked in is "No module named ..."). The first import of a name creates and
 * initialises the module under a mutex, so that two threads importing at once get one module;
 * later imports read the table without it.
 *
 * Exit (fp_runtime_fini), in CPython 3.11's order as far as a program can see it:
 *   1. threading's shutdown: the at-exit functions (executors' joins), then every non-daemon
 *      thread joined;
 *   2. weakref.finalize's at-exit calls, then finalize is shut down;
 *   3. one collection with every module intact, when gc.isenabled() (CPython's Py_FinalizeEx
 *      calls PyGC_Collect here, which does nothing when gc is disabled): cycles the program
 *      dropped are freed and the callbacks of their weak references that are still alive run;
 *   4. from then on no weakref callback runs;
 *   5. unless a thread other than the main one is still registered (a daemon thread, which may
 *      still run Python code: ftcore stops it only in ftc_runtime_fini), the globals are
 *      released: every module's dict (the builtins last) and every class's dict is cleared,
 *      newest first, and collections run until one finds nothing. Modules, classes and their
 *      dicts are immortal (freed by ftcore's fini, which sees no references any more), so
 *      without this whatever they held in a cycle was still alive at ftc_runtime_fini and
 *      reported as a leak under FTC_REPORT_LEAKS=1.
 * CPython also clears its modules and collects (finalize_modules), and a weakref callback can
 * still run there when its weak reference outlives the __main__ module's dict (kept in sys, or
 * reachable from it) with gc disabled; ftpy runs none after step 3 (no Python code runs while
 * the globals are released, which also means no __del__, which ftpy does not have).
 */
#include "ceval.h"
#include "ast.h"

#include <ftcore/gc.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#pragma weak fp_mod_threading_init
#pragma weak fp_mod_queue_init
#pragma weak fp_mod_futures_init
#pragma weak fp_mod_time_init
#pragma weak fp_mod_sys_init
#pragma weak fp_mod_math_init
#pragma weak fp_mod_gc_init
#pragma weak fp_mod_weakref_init
#pragma weak fp_mod_weakref_shutdown
#pragma weak fp_mod_weakref_callbacks_off
#pragma weak fp_mod_threading_shutdown
#pragma weak fp_mod_threading_others_alive
#pragma weak fp_mod_gc_isenabled
#pragma weak fp_builtins_init

/* recursive: a module's init may import another (concurrent.futures imports threading) */
static pthread_mutex_t import_mutex = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static ftc_object *modules; /* name -> module (a dict, immortal) */
static ftc_object *builtins_mod, *main_mod;

/* ---- the module type ---- */
static void module_dealloc(ftc_object *o)
{
    fp_module_object *m = (fp_module_object *)o;
    ftc_xdecref(m->dict);
    ftc_xdecref(m->name);
}

static ftc_object *module_getattr(ftc_object *o, ftc_object *name)
{
    fp_module_object *m = (fp_module_object *)o;
    ftc_object *v;
    int r = ftc_dict_get_ref(m->dict, name, &v);
    if (r == 1)
        return v;
    if (r < 0)
        return fp_err_from_code(r, name), NULL;
    ftc_object *g = fp_generic_getattr(o, name);
    if (g != NULL)
        return g;
    fp_err_clear();
    fp_err_set(&fp_AttributeError_type, "module '%s' has no attribute '%s'", fp_str_data(m->name),
               fp_str_data(name));
    return NULL;
}

static int module_setattr(ftc_object *o, ftc_object *name, ftc_object *v)
{
    fp_module_object *m = (fp_module_object *)o;
    if (v == NULL) {
        int r = ftc_dict_del(m->dict, name);
        if (r == FTC_EKEY) {
            fp_err_set(&fp_AttributeError_type, "module '%s' has no attribute '%s'",
                       fp_str_data(m->name), fp_str_data(name));
            return -1;
        }
        return r < 0 ? fp_err_from_code(r, name) : 0;
    }
    return fp_dict_set(m->dict, name, v);
}

static ftc_object *module_repr(ftc_object *o)
{
    fp_module_object *m = (fp_module_object *)o;
    if (o == main_mod)
        return fp_str_from_fmt("<module '%s'>", fp_str_data(m->name));
    return fp_str_from_fmt("<module '%s' (built-in)>", fp_str_data(m->name));
}

static ftc_object *module_get_dict(ftc_object *o)
{
    ftc_object *d = ((fp_module_object *)o)->dict;
    ftc_incref(d);
    return d;
}

static const fp_getset_def module_getsets[] = {
    {"__dict__", module_get_dict, NULL},
    {NULL, NULL, NULL},
};

fp_type fp_module_type = {
    FP_TYPE_HEAD,
    .ct = {"module", sizeof(fp_module_object), module_dealloc, NULL, NULL},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_WEAKREF, /* modules are immortal (untracked): their weakrefs never die */
    .repr = module_repr,
    .getattr = module_getattr,
    .setattr = module_setattr,
    .getsets = module_getsets,
};

ftc_object *fp_module_new(const char *name)
{
    fp_module_object *m = (fp_module_object *)ftc_object_new(&fp_module_type.ct);
    if (m == NULL)
        return fp_err_nomem();
    m->dict = ftc_dict_new();
    m->name = fp_str_from_cstr(name);
    if (m->dict == NULL || m->name == NULL) {
        ftc_decref(FTC_OBJ(m));
        return fp_err_nomem();
    }
    if (fp_dict_set_cstr(m->dict, "__name__", m->name) < 0) {
        ftc_decref(FTC_OBJ(m));
        return NULL;
    }
    ftc_object_immortalize(m->dict);
    ftc_object_immortalize(FTC_OBJ(m));
    return FTC_OBJ(m);
}

int fp_module_add(ftc_object *m, const char *name, ftc_object *v)
{
    return fp_dict_set_cstr(fp_module_dict(m), name, v);
}

int fp_module_add_functions(ftc_object *m, const fp_method_def *defs)
{
    for (; defs->name != NULL; defs++) {
        ftc_object *f = fp_cfunction_new(defs, m);
        if (f == NULL)
            return -1;
        ftc_object_immortalize(f);
        int r = fp_module_add(m, defs->name, f);
        ftc_decref(f);
        if (r < 0)
            return -1;
    }
    return 0;
}

int fp_module_add_type(ftc_object *m, fp_type *t)
{
    if (fp_type_ready(t) < 0)
        return -1;
    return fp_module_add(m, t->ct.name, FP_TYPE_OBJ(t));
}

/* ---- the registry ---- */
typedef struct modentry {
    const char *name;
    int (**init)(ftc_object *m);
} modentry;

static int (*const init_threading)(ftc_object *) = fp_mod_threading_init;
static int (*const init_queue)(ftc_object *) = fp_mod_queue_init;
static int (*const init_futures)(ftc_object *) = fp_mod_futures_init;
static int (*const init_time)(ftc_object *) = fp_mod_time_init;
static int (*const init_sys)(ftc_object *) = fp_mod_sys_init;
static int (*const init_math)(ftc_object *) = fp_mod_math_init;
static int (*const init_gc)(ftc_object *) = fp_mod_gc_init;
static int (*const init_weakref)(ftc_object *) = fp_mod_weakref_init;

static int (*lookup_init(const char *name))(ftc_object *)
{
    if (strcmp(name, "threading") == 0)
        return init_threading;
    if (strcmp(name, "queue") == 0)
        return init_queue;
    if (strcmp(name, "concurrent.futures") == 0)
        return init_futures;
    if (strcmp(name, "time") == 0)
        return init_time;
    if (strcmp(name, "sys") == 0)
        return init_sys;
    if (strcmp(name, "math") == 0)
        return init_math;
    if (strcmp(name, "gc") == 0)
        return init_gc;
    if (strcmp(name, "weakref") == 0)
        return init_weakref;
    return NULL;
}

static ftc_object *import_locked(const char *name)
{
    ftc_object *key = fp_intern(name);
    if (key == NULL)
        return NULL;
    ftc_object *m = fp_dict_get(modules, key);
    if (m != NULL || fp_err_occurred())
        return m;
    if (strcmp(name, "concurrent") == 0) {
        if (lookup_init("concurrent.futures") == NULL)
            goto notfound;
        m = fp_module_new("concurrent");
    } else {
        int (*init)(ftc_object *) = lookup_init(name);
        if (init == NULL)
            goto notfound;
        const char *dot = strrchr(name, '.');
        ftc_object *parent = NULL;
        if (dot != NULL) {
            char pn[64];
            size_t n = (size_t)(dot - name);
            if (n >= sizeof pn)
                goto notfound;
            memcpy(pn, name, n);
            pn[n] = '\0';
            parent = import_locked(pn);
            if (parent == NULL)
                return NULL;
        }
        m = fp_module_new(name);
        if (m == NULL || init(m) < 0) {
            ftc_xdecref(parent);
            return NULL;
        }
        if (parent != NULL) {
            fp_module_add(parent, dot + 1, m);
            ftc_decref(parent);
        }
    }
    if (m == NULL)
        return NULL;
    if (fp_dict_set(modules, key, m) < 0) {
        ftc_decref(m);
        return NULL;
    }
    return m;
notfound:
    fp_err_set(&fp_ModuleNotFoundError_type, "No module named '%s'", name);
    return NULL;
}

ftc_object *fp_import(const char *name)
{
    ftc_object *key = fp_intern(name);
    if (key == NULL)
        return NULL;
    ftc_object *m;
    if (ftc_dict_get_ref(modules, key, &m) == 1)
        return m;
    /* The mutex is held only while modules are made and initialised (no Python code runs,
     * nothing blocks); detaching around the wait lets a stop-the-world proceed meanwhile. */
    FTC_BEGIN_ALLOW_THREADS
    pthread_mutex_lock(&import_mutex);
    FTC_END_ALLOW_THREADS
    m = import_locked(name);
    pthread_mutex_unlock(&import_mutex);
    return m;
}

ftc_object *fp_builtins_dict(void) { return fp_module_dict(builtins_mod); }

/* ---- the runtime ---- */
int fp_runtime_init(void)
{
    if (fp_thread_enter() < 0)
        return -1;
    if (fp_object_init() < 0)
        return -1;
    modules = ftc_dict_new();
    if (modules == NULL)
        return -1;
    ftc_object_immortalize(modules);
    builtins_mod = fp_module_new("builtins");
    if (builtins_mod == NULL)
        return -1;
    if (fp_exc_init_types(builtins_mod) < 0)
        return -1;
    /* the thread's MemoryError was made before its type was ready: it is usable now */
    fp_type *core[] = {&fp_object_type,      &fp_type_type,     &fp_staticmethod_type,
                       &fp_classmethod_type, &fp_property_type, &fp_super_type};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (fp_module_add_type(builtins_mod, core[i]) < 0)
            return -1;
    if (fp_builtins_init != NULL && fp_builtins_init(builtins_mod) < 0)
        return -1;
    fp_dict_set(modules, fp_intern("builtins"), builtins_mod);
    main_mod = fp_module_new("__main__");
    if (main_mod == NULL)
        return -1;
    fp_module_add(main_mod, "__builtins__", builtins_mod);
    fp_dict_set(modules, fp_intern("__main__"), main_mod);
    return 0;
}

/* ---- classes made at run time (their dicts are cleared at exit) ---- */
static pthread_mutex_t classes_mutex = PTHREAD_MUTEX_INITIALIZER;
static fp_type **classes; /* classes_mutex */
static size_t classes_len, classes_cap;

void fp_class_register(fp_type *t)
{
    pthread_mutex_lock(&classes_mutex);
    if (classes_len == classes_cap) {
        size_t cap = classes_cap ? classes_cap * 2 : 64;
        fp_type **n = ftc_mem_realloc(classes, cap * sizeof *n);
        if (n == NULL) {
            pthread_mutex_unlock(&classes_mutex);
            return; /* out of memory: its dict is not released at exit (a leak report) */
        }
        classes = n;
        classes_cap = cap;
    }
    classes[classes_len++] = t;
    pthread_mutex_unlock(&classes_mutex);
}

/* Collections until one finds nothing (a freed cycle may have held the last reference to
 * another; each collection frees chains of hot objects by itself). */
static void collect_all(void)
{
    for (int i = 0; i < 100 && ftc_gc_collect() > 0; i++)
        ;
}

/* Step 5 of the essay: clears every module's dict (those imported later first, the builtins
 * last) and every class's dict (newest first), then collects. No Python code runs: weakref
 * callbacks are off and ftpy has no __del__. */
static void release_globals(void)
{
    ftc_object *mods = ftc_dict_values(modules);
    if (mods != NULL) {
        for (int64_t i = ftc_list_len(mods); i-- > 0;) {
            ftc_object *m = NULL;
            if (ftc_list_get_ref(mods, i, &m) != 0 || m == NULL)
                continue;
            if (m != builtins_mod && ftc_type_of(m) == &fp_module_type.ct)
                ftc_dict_clear(fp_module_dict(m));
            ftc_decref(m);
        }
        ftc_decref(mods);
    }
    pthread_mutex_lock(&classes_mutex);
    fp_type **cls = classes;
    size_t n = classes_len;
    classes = NULL;
    classes_len = classes_cap = 0;
    pthread_mutex_unlock(&classes_mutex);
    for (size_t i = n; i-- > 0;)
        if (cls[i]->dict != NULL)
            ftc_dict_clear(cls[i]->dict);
    ftc_mem_free(cls);
    _fp_type_modified(); /* no lookup cache may hand out what the dicts held */
    ftc_dict_clear(fp_module_dict(builtins_mod));
    collect_all();
}

void fp_runtime_fini(void)
{
    if (fp_mod_threading_shutdown != NULL)
        fp_mod_threading_shutdown();
    if (fp_mod_weakref_shutdown != NULL)
        fp_mod_weakref_shutdown();
    fp_err_clear();
    if (fp_mod_gc_isenabled == NULL || fp_mod_gc_isenabled())
        ftc_gc_collect(); /* FTC_ESTATE inside a collection's callback: nothing to do then */
    /* then no Python code (a weakref callback) runs any more */
    if (fp_mod_weakref_callbacks_off != NULL)
        fp_mod_weakref_callbacks_off();
    fp_stdout_flush();
    if (fp_mod_threading_others_alive == NULL || !fp_mod_threading_others_alive())
        release_globals();
    fp_err_clear();
}

/* Parses, compiles and runs src (len bytes) with globals as its globals: 0, or -1 with the
 * exception set (SyntaxError, MemoryError, or what the code raised). */
static int exec_in(const char *src, size_t len, const char *filename, ftc_object *globals)
{
    fp_module_ast mod;
    fp_syntax_error err;
    memset(&err, 0, sizeof err);
    int r = fp_parse(src, len, filename, &mod, &err);
    if (r == -2) {
        fp_err_nomem();
        return -1;
    }
    if (r != 0) {
        fp_err_syntax(err.kind, err.msg, filename, err.lineno, err.offset, err.text);
        return -1;
    }
    fp_code_object *co = fp_compile(&mod, filename);
    fp_arena_free(mod.arena);
    if (co == NULL)
        return -1;
    ftc_object *res = fp_eval_code(co, globals, NULL);
    ftc_decref(FTC_OBJ(co));
    if (res == NULL)
        return -1;
    ftc_decref(res);
    return 0;
}

int fp_module_exec_source(ftc_object *m, const char *src, const char *filename)
{
    return exec_in(src, strlen(src), filename, fp_module_dict(m));
}

int fp_run_source(const char *src, size_t len, const char *filename)
{
    return exec_in(src, len, filename, fp_module_dict(main_mod));
}
