/* mini_vm: ftcore as the core of a toy interpreter, in one file.
 *
 * What a VM built on ftcore does, in the order it does it:
 *   - ftc_runtime_init(): the main thread gets an attached thread state;
 *   - module globals live in an ftc dict; the dict is marked hot (nogil: every thread counts
 *     its references to it privately, so sharing it does not make its count a hot spot);
 *   - threads are started with ftc_thread_start() (each attached, with its own thread state)
 *     and run the dispatch loop, calling ftc_eval_tick() after every instruction (the GIL
 *     build switches threads there; the nogil build answers stop-the-world and QSBR there);
 *   - LOAD_GLOBAL reads with ftc_dict_get_borrowed(): the value is used before the next tick
 *     and not kept, so no reference is counted and readers on many cores never write shared
 *     memory; a value that must outlive the tick would be taken with ftc_dict_get_ref();
 *   - ADD_GLOBAL (global += top of stack) is a read-modify-write of two dict operations, which
 *     no single call makes atomic: it runs inside a critical section on the dict, the
 *     free-threaded build's per-object lock (the GIL build needs none: a tick is the only
 *     switch point and there is none inside);
 *   - a blocking call (here: a short sleep) is wrapped in FTC_BEGIN/END_ALLOW_THREADS;
 *   - ftc_thread_join(), then ftc_runtime_fini().
 *
 * The same source builds against either variant (the build system links ftcore-gil or
 * ftcore-nogil); the program checks its own result and exits 0 only if every update of every
 * thread arrived. Usage: mini_vm [threads] [iterations]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ftcore/ftcore.h>

enum op { LOAD_CONST, LOAD_GLOBAL, ADD, ADD_GLOBAL, JUMP_IF_NOT_ZERO, DEC_LOCAL, SLEEP, HALT };

typedef struct {
    enum op op;
    int64_t arg;
} insn;

/* for (n = iterations; n != 0; n--) { total += step + weight; if (n % 1000 == 0) sleep; }
 * `step` and `weight` are globals read every iteration; `total` is the shared counter. */
static const insn program[] = {
    /* 0 */ {LOAD_GLOBAL, 0}, /* step */
    /* 1 */ {LOAD_GLOBAL, 1}, /* weight */
    /* 2 */ {ADD, 0},
    /* 3 */ {ADD_GLOBAL, 2}, /* total += top */
    /* 4 */ {SLEEP, 1000},   /* every 1000th iteration: a detached 50 us sleep */
    /* 5 */ {DEC_LOCAL, 0},
    /* 6 */ {JUMP_IF_NOT_ZERO, 0},
    /* 7 */ {HALT, 0},
};

static const char *const global_names[] = {"step", "weight", "total"};
static ftc_object *globals;  /* the module dict, shared by every thread */
static ftc_object *names[3]; /* interned name strs, immortal */

typedef struct {
    int64_t iterations;
    int error;
} vm_thread;

static int run(vm_thread *t)
{
    int64_t stack[8];
    int sp = 0;
    int64_t counter = t->iterations;
    for (size_t pc = 0;;) {
        const insn *in = &program[pc++];
        switch (in->op) {
        case LOAD_CONST: stack[sp++] = in->arg; break;
        case LOAD_GLOBAL: {
            ftc_object *v;
            int rc = ftc_dict_get_borrowed(globals, names[in->arg], &v);
            if (rc != 1 || !ftc_int_check(v))
                return rc < 0 ? rc : FTC_EKEY;
            stack[sp++] = ftc_int_value(v); /* used before the next tick: borrowed is enough */
            break;
        }
        case ADD:
            sp--;
            stack[sp - 1] += stack[sp];
            break;
        case ADD_GLOBAL: {
            int64_t add = stack[--sp];
            int rc = 0;
            FTC_BEGIN_CRITICAL_SECTION(globals);
            ftc_object *old, *nv = NULL;
            rc = ftc_dict_get_ref(globals, names[in->arg], &old);
            if (rc == 1) {
                nv = ftc_int_new(ftc_int_value(old) + add);
                ftc_decref(old);
                rc = nv ? ftc_dict_set(globals, names[in->arg], nv) : ftc_last_error();
                ftc_xdecref(nv);
            } else if (rc == 0) {
                rc = FTC_EKEY;
            }
            FTC_END_CRITICAL_SECTION();
            if (rc < 0)
                return rc;
            break;
        }
        case SLEEP:
            if (counter % in->arg == 0) {
                FTC_BEGIN_ALLOW_THREADS
                nanosleep(&(struct timespec){0, 50000}, NULL);
                FTC_END_ALLOW_THREADS
            }
            break;
        case DEC_LOCAL: stack[sp++] = --counter; break;
        case JUMP_IF_NOT_ZERO:
            if (stack[--sp] != 0)
                pc = (size_t)in->arg;
            break;
        case HALT: return 0;
        }
        /* The dispatch loop's check: GIL switch, stop-the-world, QSBR, pending calls; a
         * negative code is an exception to raise in this thread (an async exception). */
        int rc = ftc_eval_tick();
        if (rc < 0)
            return rc;
    }
}

static void thread_main(void *arg)
{
    vm_thread *t = arg;
    t->error = run(t);
}

static int set_global(int idx, int64_t v)
{
    ftc_object *o = ftc_int_new(v);
    if (o == NULL)
        return ftc_last_error();
    int rc = ftc_dict_set(globals, names[idx], o);
    ftc_decref(o);
    return rc;
}

int main(int argc, char **argv)
{
    int nthreads = argc > 1 ? atoi(argv[1]) : 4;
    int64_t iterations = argc > 2 ? atoll(argv[2]) : 100000;
    if (nthreads < 1 || nthreads > 64 || iterations < 1) {
        fprintf(stderr, "usage: mini_vm [threads 1..64] [iterations >= 1]\n");
        return 2;
    }
    if (ftc_runtime_init(NULL) != 0) {
        fprintf(stderr, "mini_vm: runtime init failed\n");
        return 1;
    }
    int rc = 0;
    globals = ftc_dict_new();
    if (globals == NULL || ftc_object_set_hot(globals) != 0)
        return 1;
    for (int i = 0; i < 3; i++) {
        names[i] = ftc_str_new(global_names[i], strlen(global_names[i]));
        if (names[i] == NULL || ftc_object_immortalize(names[i]) != 0)
            return 1;
    }
    rc |= set_global(0, 1); /* step */
    rc |= set_global(1, 2); /* weight */
    rc |= set_global(2, 0); /* total */
    if (rc != 0)
        return 1;

    vm_thread *ts = calloc((size_t)nthreads, sizeof *ts);
    ftc_thread **th = calloc((size_t)nthreads, sizeof *th);
    if (ts == NULL || th == NULL)
        return 1;
    for (int i = 0; i < nthreads; i++) {
        ts[i].iterations = iterations;
        if ((rc = ftc_thread_start(&th[i], thread_main, &ts[i], NULL)) != 0) {
            fprintf(stderr, "mini_vm: thread start: %s\n", ftc_strerror(rc));
            return 1;
        }
    }
    int failed = 0;
    for (int i = 0; i < nthreads; i++) {
        ftc_thread_join(th[i], -1);
        ftc_thread_release(th[i]);
        if (ts[i].error != 0) {
            fprintf(stderr, "mini_vm: thread %d: %s\n", i, ftc_strerror(ts[i].error));
            failed = 1;
        }
    }
    ftc_object *total;
    int64_t got = -1, want = (int64_t)nthreads * iterations * (1 + 2);
    if (ftc_dict_get_ref(globals, names[2], &total) == 1) {
        got = ftc_int_value(total);
        ftc_decref(total);
    }
    printf("mini_vm (%s, GIL %s): %d threads x %lld iterations: total %lld, expected %lld\n",
           FTC_VARIANT, ftc_gil_enabled() ? "on" : "off", nthreads, (long long)iterations,
           (long long)got, (long long)want);
    ftc_decref(globals);
    free(ts);
    free(th);
    if (ftc_runtime_fini() != 0)
        failed = 1;
    return failed || got != want ? 1 : 0;
}
