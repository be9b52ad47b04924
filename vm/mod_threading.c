/* The threading module: the registry of live threads, current_thread, main_thread, get_ident,
 * get_native_id, active_count, enumerate, the threads threading did not start, and the join of
 * non-daemon threads at exit. Thread itself is in mod_thread.c, the synchronization classes in
 * mod_locks.c and mod_sync.c.
 *
 * The registry holds a reference to every live Thread: the main thread, started threads (from
 * start() until run() returned), adopted and dummy threads. It is an array under one ftcore
 * mutex, held for a few pointer moves and never across a call that can block or run Python
 * code; enumerate() copies the references out first.
 *
 * Current thread: an ftcore TLS key (tls.h) holds the calling thread's Thread object. Threads
 * that threading did not start get one on demand: the main thread's is made once
 * (_MainThread, "MainThread", by fp_mod_threading_prepare); an executor's worker gets a named
 * one from fp_mod_thread_adopt; any other thread a _DummyThread "Dummy-N". Adopted and dummy
 * objects are released by the key's destructor when the thread's ftcore state is deleted
 * (attached, at thread end), which also removes them from the registry and, for an adopted
 * thread, releases its fp thread state.
 *
 * Exit: fp_mod_threading_shutdown, called by the runtime before it flushes stdout and
 * finalizes, runs the at-exit functions modules registered (the executors' joins), then joins
 * every non-daemon thread until none is left (a joined thread may have started others), as
 * CPython's threading._shutdown does. Daemon threads are left to ftcore, which stops them at
 * their next tick.
 */
#include "mod_threading.h"

#include <string.h>

/* ---- the registry ---- */

static ftc_mutex reg_mu = FTC_MUTEX_INIT;
static thread_object **reg;        /* reg_mu; each entry holds a reference */
static size_t reg_n, reg_cap;      /* reg_mu */
ftc_tls_key fp_mod_cur_key;        /* the calling thread's Thread (see essay) */
thread_object *fp_mod_main_thread; /* immortal once made */
static uint64_t dummy_counter;     /* atomic: Dummy-N */

int fp_mod_registry_add(thread_object *t)
{
    int rc = 0;
    ftc_mutex_lock(&reg_mu);
    if (reg_n == reg_cap) {
        size_t cap = reg_cap ? reg_cap * 2 : 16;
        thread_object **n = ftc_mem_realloc(reg, cap * sizeof *n);
        if (n == NULL) {
            rc = -1;
        } else {
            reg = n;
            reg_cap = cap;
        }
    }
    if (rc == 0) {
        ftc_incref(&t->ob_base);
        reg[reg_n++] = t;
    }
    ftc_mutex_unlock(&reg_mu);
    if (rc < 0)
        fp_err_nomem();
    return rc;
}

void fp_mod_registry_remove(thread_object *t)
{
    bool found = false;
    ftc_mutex_lock(&reg_mu);
    for (size_t i = 0; i < reg_n; i++) {
        if (reg[i] == t) {
            reg[i] = reg[--reg_n];
            found = true;
            break;
        }
    }
    ftc_mutex_unlock(&reg_mu);
    if (found)
        ftc_decref(&t->ob_base);
}

/* References to every registered thread, in registration order is not kept (CPython's
 * enumerate order is a dict's: callers that print sort). *n receives the count; the caller
 * releases each entry and frees the array. NULL with MemoryError. */
static thread_object **registry_snapshot(size_t *n)
{
    thread_object **out = NULL;
    for (;;) {
        ftc_mutex_lock(&reg_mu);
        size_t want = reg_n;
        ftc_mutex_unlock(&reg_mu);
        thread_object **buf = ftc_mem_alloc((want ? want : 1) * sizeof *buf);
        if (buf == NULL)
            return (thread_object **)fp_err_nomem();
        ftc_mutex_lock(&reg_mu);
        if (reg_n <= want) {
            for (size_t i = 0; i < reg_n; i++) {
                buf[i] = reg[i];
                ftc_incref(&reg[i]->ob_base);
            }
            *n = reg_n;
            out = buf;
        }
        ftc_mutex_unlock(&reg_mu);
        if (out != NULL)
            return out;
        ftc_mem_free(buf);
    }
}

static void snapshot_free(thread_object **s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ftc_decref(&s[i]->ob_base);
    ftc_mem_free(s);
}

/* ---- threads threading did not start ---- */

/* The key's destructor: the thread's ftcore state is being deleted (attached). Only adopted
 * and dummy threads leave a value set at that point. */
static void current_dtor(void *v)
{
    thread_object *t = v;
    bool release_state = t->kind == KIND_ADOPTED;
    ftc_atomic_store_release(&t->state, ST_STOPPED);
    fp_mod_registry_remove(t);
    ftc_event_set(&t->finished);
    ftc_decref(&t->ob_base);
    if (release_state)
        fp_thread_exit();
}

/* A started Thread object of kind for the calling thread, registered and made current.
 * NULL with the exception set. */
static thread_object *make_foreign(fp_type *type, int kind, ftc_object *name, int daemon,
                                   bool immortal)
{
    thread_object *t = (thread_object *)ftc_object_new(&type->ct);
    if (t == NULL) {
        ftc_decref(name);
        return (thread_object *)fp_err_nomem();
    }
    t->kind = kind;
    t->name = name;
    t->daemon = daemon;
    t->initialized = 1;
    t->state = ST_STARTED;
    t->ident = ftc_thread_ident();
    t->native_id = ftc_thread_native_id();
    ftc_event_set(&t->started);
    if (immortal && ftc_object_immortalize(&t->ob_base) < 0) {
        ftc_decref(&t->ob_base);
        return (thread_object *)fp_err_nomem();
    }
    if (fp_mod_registry_add(t) < 0) {
        ftc_decref(&t->ob_base);
        return NULL;
    }
    return t;
}

int fp_mod_thread_adopt(const char *name)
{
    if (ftc_tls_get(fp_mod_cur_key) != NULL)
        return 0;
    if (fp_thread_enter() < 0)
        return -1;
    ftc_object *n = fp_str_from_cstr(name);
    thread_object *t = n ? make_foreign(&fp_mod_thread_type, KIND_ADOPTED, n, 0, false) : NULL;
    if (t == NULL || ftc_tls_set(fp_mod_cur_key, t) < 0) {
        if (t != NULL) {
            fp_mod_registry_remove(t);
            ftc_decref(&t->ob_base);
        }
        fp_err_clear();
        fp_thread_exit();
        return -1;
    }
    return 0;
}

ftc_object *fp_mod_current_thread(void)
{
    thread_object *t = ftc_tls_get(fp_mod_cur_key);
    if (t == NULL && fp_mod_main_thread != NULL &&
        ftc_thread_ident() == ftc_atomic_load_relaxed(&fp_mod_main_thread->ident))
        t = fp_mod_main_thread;
    if (t != NULL) {
        ftc_incref(&t->ob_base);
        return &t->ob_base;
    }
    uint64_t n = ftc_atomic_fetch_add(&dummy_counter, 1) + 1;
    ftc_object *name = fp_str_from_fmt("Dummy-%llu", (unsigned long long)n);
    if (name == NULL)
        return NULL;
    t = make_foreign(&fp_mod_dummy_thread_type, KIND_DUMMY, name, 1, false);
    if (t == NULL)
        return NULL;
    if (ftc_tls_set(fp_mod_cur_key, t) < 0) {
        fp_mod_registry_remove(t);
        ftc_decref(&t->ob_base);
        return fp_err_nomem();
    }
    ftc_incref(&t->ob_base); /* the TLS value keeps the registry's sibling reference */
    return &t->ob_base;
}

/* ---- at exit ---- */

static void (*atexit_fns[16])(void);
static size_t atexit_n; /* under reg_mu */

int fp_mod_register_atexit(void (*fn)(void))
{
    int rc = 0;
    ftc_mutex_lock(&reg_mu);
    if (atexit_n < sizeof atexit_fns / sizeof atexit_fns[0])
        atexit_fns[atexit_n++] = fn;
    else
        rc = -1;
    ftc_mutex_unlock(&reg_mu);
    if (rc < 0)
        fp_err_nomem();
    return rc;
}

void fp_mod_threading_shutdown(void)
{
    for (;;) {
        void (*fn)(void) = NULL;
        ftc_mutex_lock(&reg_mu);
        if (atexit_n > 0)
            fn = atexit_fns[--atexit_n];
        ftc_mutex_unlock(&reg_mu);
        if (fn == NULL)
            break;
        fn();
    }
    for (;;) {
        size_t n = 0;
        thread_object **s = registry_snapshot(&n);
        if (s == NULL) {
            fp_err_clear();
            return;
        }
        bool joined = false;
        for (size_t i = 0; i < n; i++) {
            thread_object *t = s[i];
            if (t->kind != KIND_THREAD || ftc_atomic_load_relaxed(&t->daemon))
                continue;
            ftc_event_wait(&t->started, -1);
            ftc_thread *h = ftc_atomic_load_acquire(&t->handle); /* as in join */
            if (h != NULL)
                ftc_thread_join(h, -1);
            else
                ftc_event_wait(&t->finished, -1);
            joined = true;
        }
        snapshot_free(s, n);
        if (!joined)
            return;
    }
}

bool fp_mod_threading_others_alive(void)
{
    bool others = false;
    ftc_mutex_lock(&reg_mu);
    for (size_t i = 0; i < reg_n && !others; i++)
        others = reg[i] != fp_mod_main_thread;
    ftc_mutex_unlock(&reg_mu);
    return others;
}

/* ---- module functions ---- */

static ftc_object *mod_current_thread(ftc_object *self, ftc_object *const *args, size_t nargs,
                                      ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("current_thread", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_mod_current_thread();
}

static ftc_object *mod_main_thread(ftc_object *self, ftc_object *const *args, size_t nargs,
                                   ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("main_thread", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_incref(&fp_mod_main_thread->ob_base);
    return &fp_mod_main_thread->ob_base;
}

static ftc_object *mod_get_ident(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("get_ident", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_int_new((int64_t)ftc_thread_ident());
}

static ftc_object *mod_get_native_id(ftc_object *self, ftc_object *const *args, size_t nargs,
                                     ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("get_native_id", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_int_new((int64_t)ftc_thread_native_id());
}

static ftc_object *mod_active_count(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("active_count", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_mutex_lock(&reg_mu);
    size_t n = reg_n;
    ftc_mutex_unlock(&reg_mu);
    return fp_int_new((int64_t)n);
}

static ftc_object *mod_enumerate(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("enumerate", nargs, kwnames, 0, 0) < 0)
        return NULL;
    size_t n = 0;
    thread_object **s = registry_snapshot(&n);
    if (s == NULL)
        return NULL;
    ftc_object *l = fp_list_new();
    for (size_t i = 0; l != NULL && i < n; i++) {
        if (fp_list_append(l, &s[i]->ob_base) < 0) {
            ftc_decref(l);
            l = NULL;
        }
    }
    snapshot_free(s, n);
    return l;
}

static const fp_method_def threading_functions[] = {
    {"current_thread", mod_current_thread, 0},
    {"currentThread", mod_current_thread, 0},
    {"main_thread", mod_main_thread, 0},
    {"get_ident", mod_get_ident, 0},
    {"get_native_id", mod_get_native_id, 0},
    {"active_count", mod_active_count, 0},
    {"activeCount", mod_active_count, 0},
    {"enumerate", mod_enumerate, 0},
    {NULL, NULL, 0},
};

/* What threading needs before any Thread exists: the current-thread key, the types, the main
 * thread's object. Run once, by the first of threading's and concurrent.futures' inits. */
static int prepare_once(void *arg)
{
    (void)arg;
    if (ftc_tls_key_create(&fp_mod_cur_key, current_dtor) < 0) {
        fp_err_nomem();
        return FP_EEXC;
    }
    if (fp_type_ready(&fp_mod_thread_type) < 0 || fp_type_ready(&fp_mod_main_thread_type) < 0 ||
        fp_type_ready(&fp_mod_dummy_thread_type) < 0)
        return FP_EEXC;
    ftc_object *name = fp_str_from_cstr("MainThread");
    if (name == NULL)
        return FP_EEXC;
    thread_object *t = make_foreign(&fp_mod_main_thread_type, KIND_MAIN, name, 0, true);
    if (t == NULL)
        return FP_EEXC;
    fp_mod_main_thread = t;
    return 0;
}

int fp_mod_threading_prepare(void)
{
    static ftc_once once = FTC_ONCE_INIT;
    int rc = ftc_once_call(&once, prepare_once, NULL);
    return rc < 0 ? fp_mod_raise_code(rc) : 0;
}

int fp_mod_threading_init(ftc_object *m)
{
    if (fp_mod_threading_prepare() < 0)
        return -1;
    if (fp_module_add_functions(m, threading_functions) < 0 ||
        fp_module_add(m, "Thread", FP_TYPE_OBJ(&fp_mod_thread_type)) < 0 ||
        fp_module_add_type(m, &fp_mod_timer_type) < 0 ||
        fp_module_add(m, "_MainThread", FP_TYPE_OBJ(&fp_mod_main_thread_type)) < 0 ||
        fp_module_add(m, "_DummyThread", FP_TYPE_OBJ(&fp_mod_dummy_thread_type)) < 0 ||
        fp_mod_sync_add(m) < 0)
        return -1;
    ftc_object *tmax = fp_float_new(1e9);
    if (tmax == NULL)
        return -1;
    int rc = fp_module_add(m, "TIMEOUT_MAX", tmax);
    ftc_decref(tmax);
    return rc;
}
