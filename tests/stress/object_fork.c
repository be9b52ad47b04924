/* fork() with objects owned by another thread and deferred frees in flight.
 *
 * In the child only the forking thread survives. Checked there: references to objects owned
 * by the dead thread can still be dropped (its record is gone, so decrefs merge directly) and
 * the object is freed exactly when its last reference goes; a deferred free completes (the
 * dead thread, which was attached and online at the fork, does not hold grace periods up);
 * the runtime finalizes. In the parent everything goes on as before: the owner is alive and
 * merges what main queues to it.
 */
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/object.h"

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t v;
} counted;

static int deallocs; /* atomic */
static void counted_dealloc(ftc_object *self)
{
    (void)self;
    ftc_atomic_fetch_add(&deallocs, 1);
}
static const ftc_type counted_type = {"counted", sizeof(counted), counted_dealloc, NULL, NULL, NULL,
                                      NULL};

static ftc_object *x;   /* made by the owner thread; main holds both references */
static int ready, stop; /* atomic */
static int freed;       /* atomic */

static void count_free(void *p)
{
    ftc_atomic_fetch_add(&freed, 1);
    ftc_mem_free(p);
}

static void owner(void *arg)
{
    (void)arg;
    ftc_object *o = ftc_object_new(&counted_type);
    CHECK(o != NULL);
    ftc_incref(o);
    ftc_atomic_store(&x, o);
    ftc_qsbr_free_fn(ftc_mem_alloc(32), count_free, 32); /* in flight at the fork */
    ftc_atomic_store(&ready, 1);
    while (!ftc_atomic_load(&stop))
        CHECK(ftc_eval_tick() == 0); /* attached and online */
}

FTC_TEST(fork_with_foreign_objects_and_deferrals)
{
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_thread *t;
    CHECK(ftc_thread_start(&t, owner, NULL, NULL) == 0);
    while (!ftc_atomic_load(&ready))
        CHECK(ftc_eval_tick() == 0);

    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        ftc_object *o = ftc_atomic_load(&x);
        ftc_decref(o);
        int ok = ftc_atomic_load(&deallocs) == 0 && ftc_object_refcount(o) == 1;
        ftc_decref(o);
        ok = ok && ftc_atomic_load(&deallocs) == 1;
        ftc_qsbr_free_fn(ftc_mem_alloc(16), count_free, 16);
        for (int i = 0; i < 4; i++)
            ftc_qsbr_quiescent();
        /* ours, and the dead thread's (handed over when its record was ended) */
        ok = ok && ftc_atomic_load(&freed) == 2;
        ok = ok && ftc_runtime_fini() == 0;
        ok = ok && ftc_atomic_load(&freed) == 2;
        _exit(ok ? 0 : 1);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK_EQ(WEXITSTATUS(status), 0);

    /* Parent: the owner is alive; our decrefs queue to it and it merges at its ticks. */
    ftc_object *o = ftc_atomic_load(&x);
    ftc_decref(o);
    ftc_decref(o);
    ftc_atomic_store(&stop, 1);
    CHECK(ftc_thread_join(t, -1) == 0);
    ftc_thread_release(t);
    CHECK_EQ(ftc_atomic_load(&deallocs), 1);
    CHECK(ftc_runtime_fini() == 0);
    CHECK_EQ(ftc_atomic_load(&freed), 1);
}
