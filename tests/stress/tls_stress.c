/* Stress: thread-local storage across many threads.
 *   - every thread sets values on several keys (some cleared again, some replaced); each
 *     destructor runs exactly once per value still set at thread exit, with that thread's
 *     value;
 *   - threading.local: every thread stores its own object; each is released exactly once,
 *     at thread exit for some locals, by the local's own death (while the threads still live)
 *     for another;
 *   - keys created and deleted while threads come and go. */
#include "check.h"
#include "internal/sync.h"

enum { NTHREADS = 8, NKEYS = 5 };

static ftc_tls_key keys[NKEYS];
static long dtor_calls[NTHREADS]; /* atomic */
static long dtor_wrong;           /* atomic: a destructor saw another thread's value */

struct tval {
    int owner;
    int key;
};

static void tval_dtor(void *v)
{
    struct tval *t = v;
    ftc_atomic_fetch_add(&dtor_calls[t->owner], 1);
    if (ftc_tls_get(keys[t->key]) != NULL)
        ftc_atomic_fetch_add(&dtor_wrong, 1); /* our entry is cleared before the call */
    ftc_mem_free(t);
}

static void key_user(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (int k = 0; k < NKEYS; k++) {
        struct tval *v = ftc_mem_alloc(sizeof *v);
        CHECK(v != NULL);
        v->owner = me;
        v->key = k;
        CHECK_EQ(ftc_tls_set(keys[k], v), 0);
    }
    for (int k = 0; k < NKEYS; k++) {
        struct tval *v = ftc_tls_get(keys[k]);
        CHECK(v && v->owner == me && v->key == k);
    }
    /* key 0: cleared (the caller owns the value again, no destructor) */
    struct tval *v0 = ftc_tls_get(keys[0]);
    CHECK_EQ(ftc_tls_set(keys[0], NULL), 0);
    ftc_mem_free(v0);
    CHECK_EQ(ftc_eval_tick(), 0);
}

FTC_TEST(destructors_run_once_per_thread)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(40);
    for (int k = 0; k < NKEYS; k++)
        CHECK_EQ(ftc_tls_key_create(&keys[k], tval_dtor), 0);
    for (long r = 0; r < rounds; r++) {
        for (int i = 0; i < NTHREADS; i++)
            ftc_atomic_store(&dtor_calls[i], 0);
        ftc_thread *t[NTHREADS];
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_thread_start(&t[i], key_user, (void *)(intptr_t)i, NULL), 0);
        for (int i = 0; i < NTHREADS; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_atomic_load(&dtor_calls[i]), NKEYS - 1);
    }
    CHECK_EQ(ftc_atomic_load(&dtor_wrong), 0);
    for (int k = 0; k < NKEYS; k++)
        CHECK_EQ(ftc_tls_key_delete(keys[k]), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* ---- threading.local ---- */

typedef struct {
    FTC_OBJECT_HEAD;
    int owner;
} owned;
static long deallocs[NTHREADS]; /* atomic */
static void owned_dealloc(ftc_object *o)
{
    ftc_atomic_fetch_add(&deallocs[((owned *)o)->owner], 1);
}
static const ftc_type owned_type = {
    .name = "owned", .basicsize = sizeof(owned), .dealloc = owned_dealloc};

static ftc_object *loc_exit, *loc_dies;
static ftc_object *stored; /* Event: every thread has stored its values */
static ftc_object *go_on;  /* Event: the main thread has dropped loc_dies */
static int nstored;        /* atomic */

static void local_user(void *arg)
{
    int me = (int)(intptr_t)arg;
    ftc_object *a = ftc_object_new(&owned_type);
    ftc_object *b = ftc_object_new(&owned_type);
    ((owned *)a)->owner = me;
    ((owned *)b)->owner = me;
    CHECK_EQ(ftc_local_set(loc_exit, a), 0);
    CHECK_EQ(ftc_local_set(loc_dies, b), 0);
    ftc_decref(a);
    ftc_decref(b);
    ftc_object *out;
    CHECK_EQ(ftc_local_get(loc_exit, &out), 1);
    CHECK(out == a);
    ftc_decref(out);
    if (ftc_atomic_fetch_add(&nstored, 1) + 1 == NTHREADS)
        CHECK_EQ(ftc_sync_event_set(stored), 0);
    CHECK_EQ(ftc_sync_event_wait(go_on, -1), 0);
    /* b was released by the local's death while we lived; a goes at our exit */
    CHECK_EQ(ftc_eval_tick(), 0);
}

FTC_TEST(local_values_released_exactly_once)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(30);
    for (long r = 0; r < rounds; r++) {
        loc_exit = ftc_local_new();
        loc_dies = ftc_local_new();
        stored = ftc_sync_event_new();
        go_on = ftc_sync_event_new();
        nstored = 0;
        for (int i = 0; i < NTHREADS; i++)
            ftc_atomic_store(&deallocs[i], 0);
        ftc_thread *t[NTHREADS];
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_thread_start(&t[i], local_user, (void *)(intptr_t)i, NULL), 0);
        CHECK_EQ(ftc_sync_event_wait(stored, -1), 0);
        ftc_decref(loc_dies); /* releases every thread's b while the threads still run */
        CHECK_EQ(ftc_sync_event_set(go_on), 0);
        for (int i = 0; i < NTHREADS; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        ftc_decref(loc_exit);
        ftc_object_collect_hot();
        for (int i = 0; i < NTHREADS; i++)
            CHECK_EQ(ftc_atomic_load(&deallocs[i]), 2); /* a and b, once each */
        ftc_decref(stored);
        ftc_decref(go_on);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Keys are created and deleted while threads set values and exit. Deleting forgets values
 * (no destructor), so each value is released by its destructor at most once, and every value
 * whose key survives is released exactly once. */
static ftc_tls_key churn_keys[4];
static long churn_frees; /* atomic */
static void churn_dtor(void *v)
{
    ftc_atomic_fetch_add(&churn_frees, 1);
    (void)v;
}
static void churn_user(void *arg)
{
    (void)arg;
    for (int k = 0; k < 4; k++)
        CHECK_EQ(ftc_tls_set(churn_keys[k], (void *)(intptr_t)(k + 1)), 0);
}

FTC_TEST(keys_churn_while_threads_exit)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long rounds = ftc_check_scaled(200);
    for (long r = 0; r < rounds; r++) {
        for (int k = 0; k < 4; k++)
            CHECK_EQ(ftc_tls_key_create(&churn_keys[k], churn_dtor), 0);
        churn_frees = 0;
        ftc_thread *t[4];
        for (int i = 0; i < 4; i++)
            CHECK_EQ(ftc_thread_start(&t[i], churn_user, NULL, NULL), 0);
        ftc_tls_key spare;
        CHECK_EQ(ftc_tls_key_create(&spare, churn_dtor), 0); /* meanwhile: a key comes */
        CHECK_EQ(ftc_tls_key_delete(spare), 0);              /* and goes */
        for (int i = 0; i < 4; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        CHECK_EQ(ftc_atomic_load(&churn_frees), 16);
        for (int k = 0; k < 4; k++)
            CHECK_EQ(ftc_tls_key_delete(churn_keys[k]), 0);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* fork() while other threads create and delete keys: the child's runtime cleans up the dead
 * threads' storage (which takes the keys' lock) and keeps working: it creates keys, sets
 * values, and runs a thread whose destructor runs. */
#include <sys/wait.h>
#include <unistd.h>

static int fork_stop; /* atomic */
static void key_churner(void *arg)
{
    (void)arg;
    int x;
    while (!ftc_atomic_load(&fork_stop)) {
        ftc_tls_key k;
        CHECK_EQ(ftc_tls_key_create(&k, churn_dtor), 0);
        CHECK_EQ(ftc_tls_set(k, &x), 0);
        CHECK_EQ(ftc_tls_key_delete(k), 0);
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

static ftc_tls_key child_key;
#if !defined(__SANITIZE_THREAD__)
static void child_thread(void *arg)
{
    (void)arg;
    CHECK_EQ(ftc_tls_set(child_key, (void *)1), 0);
}
#endif

FTC_TEST(fork_while_keys_churn)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    fork_stop = 0;
    ftc_thread *t[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(ftc_thread_start(&t[i], key_churner, NULL, NULL), 0);
    long forks = ftc_check_scaled(20);
    for (long f = 0; f < forks; f++) {
        pid_t pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            churn_frees = 0;
            if (ftc_tls_key_create(&child_key, churn_dtor) != 0)
                _exit(2);
            if (ftc_tls_set(child_key, (void *)2) != 0)
                _exit(3);
            /* a tstate deleted in the child runs its destructor: a sub-interpreter's */
            ftc_tstate *prev = NULL;
            ftc_interp *sub = ftc_interp_new(&prev);
            if (sub == NULL || ftc_tls_set(child_key, (void *)3) != 0)
                _exit(4);
            if (ftc_interp_destroy(sub) != 0)
                _exit(5);
            ftc_attach(prev);
            if (churn_frees != 1)
                _exit(6);
#if !defined(__SANITIZE_THREAD__) /* TSan cannot run threads after a multi-threaded fork */
            ftc_thread *c;
            if (ftc_thread_start(&c, child_thread, NULL, NULL) != 0 || ftc_thread_join(c, -1) != 0)
                _exit(7);
            ftc_thread_release(c);
            if (churn_frees != 2)
                _exit(8);
#endif
            if (ftc_tls_get(child_key) != (void *)2)
                _exit(9);
            _exit(0);
        }
        int status = 0;
        FTC_BEGIN_ALLOW_THREADS
        CHECK_EQ(waitpid(pid, &status, 0), pid);
        FTC_END_ALLOW_THREADS
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
    }
    ftc_atomic_store(&fork_stop, 1);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}
