/* The plugin dlopen_check.c loads: a shared object built against ftcore's headers and linked
 * with the shared library, as a VM's extension module or an embedding application's plugin
 * would be. Loading it pulls libftcore-VARIANT.so in after the program started, which is the
 * case the initial-exec TLS model must survive (include/ftcore/eval.h). plugin_run() uses every
 * thread-local the inline fast paths read: the tstate (ticks), the thread id (reference
 * counts), the critical-section stack (dict writes), in the main thread and in a second one. */
#include <ftcore/ftcore.h>
#include <stdio.h>

#define NKEYS 100

static ftc_object *dict;
static int worker_sum_ok;

static void worker(void *arg)
{
    (void)arg;
    int64_t sum = 0;
    for (int64_t k = 0; k < NKEYS; k++) {
        ftc_object *key = ftc_int_new(k), *v = NULL;
        if (key == NULL || ftc_dict_get_ref(dict, key, &v) != 1)
            return;
        sum += ftc_int_value(v);
        ftc_decref(v);
        ftc_decref(key);
        if (ftc_eval_tick() != 0)
            return;
    }
    worker_sum_ok = sum == NKEYS * (NKEYS - 1) / 2 * 3;
}

/* 0 on success, otherwise the step that failed. */
int plugin_run(void);
int plugin_run(void)
{
    if (ftc_runtime_init(NULL) != 0)
        return 1;
    int64_t live0 = ftc_object_live_count();
    dict = ftc_dict_new();
    if (dict == NULL)
        return 2;
    for (int64_t k = 0; k < NKEYS; k++) {
        ftc_object *key = ftc_int_new(k), *v = ftc_int_new(3 * k);
        if (key == NULL || v == NULL || ftc_dict_set(dict, key, v) != 0)
            return 3;
        ftc_decref(key);
        ftc_decref(v);
    }
    ftc_thread *th;
    if (ftc_thread_start(&th, worker, NULL, NULL) != 0)
        return 4;
    if (ftc_thread_join(th, -1) != 0)
        return 5;
    ftc_thread_release(th);
    if (!worker_sum_ok)
        return 6;
    ftc_decref(dict);
    if (ftc_object_live_count() != live0)
        return 7;
    if (ftc_runtime_fini() != 0)
        return 8;
    return 0;
}
