/* A tiny program built against an installed ftcore: it starts the runtime, runs a thread that
 * updates a counter under the runtime's rules, joins it, and checks that the headers and the
 * library it linked are the same variant. Exit 0 and "consumer ok" on success. */
#include <ftcore/ftcore.h>
#include <stdio.h>
#include <string.h>

static long counter;

static void worker(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) {
        counter++; /* the GIL build serializes attached threads; nogil: only this thread writes */
        if (ftc_eval_tick() != 0)
            return;
    }
}

int main(void)
{
    if (strcmp(FTC_VARIANT, EXPECT_VARIANT) != 0) {
        fprintf(stderr, "headers are %s, expected %s\n", FTC_VARIANT, EXPECT_VARIANT);
        return 1;
    }
    int rc = ftc_runtime_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "ftc_runtime_init: %s\n", ftc_strerror(rc));
        return 1;
    }
    long n = 100000;
    ftc_thread *t = NULL;
    ftc_thread_opts opts = {"consumer-worker", 0, 0};
    rc = ftc_thread_start(&t, worker, &n, &opts);
    if (rc == 0)
        rc = ftc_thread_join(t, -1);
    ftc_thread_release(t);
    if (rc != 0 || counter != n) {
        fprintf(stderr, "thread: rc=%d counter=%ld\n", rc, counter);
        return 1;
    }
    int gil = ftc_gil_enabled();
    rc = ftc_runtime_fini();
    if (rc != 0) {
        fprintf(stderr, "ftc_runtime_fini: %s\n", ftc_strerror(rc));
        return 1;
    }
    printf("consumer ok: %s, gil=%d\n", FTC_VARIANT, gil);
    return 0;
}
