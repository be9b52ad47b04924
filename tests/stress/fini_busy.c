/* ftc_runtime_fini() refuses with FTC_EBUSY, at once and changing nothing, while a thread pool
 * is not shut down (its workers sleep for work that never comes: the join used to hang for
 * ever) and while the caller is inside a critical section (it used to return 0 and tear the
 * runtime down under the section). Each refusal prints what is still running on stderr; the
 * runtime then works as before (the pool runs tasks, threads start, the section's object is
 * usable), and once the pool is shut down or the section ended, fini succeeds. Both builds
 * (the GIL build counts its sections too: critical_section.h). */
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

static const char *captured; /* what the last fini_refused() captured */

static int fini_refused(const char *expect)
{
    ftc_check_capture_begin();
    int rc = ftc_runtime_fini();
    const char *out = captured = ftc_check_capture_end();
    if (rc != FTC_EBUSY) {
        fprintf(stderr, "  ftc_runtime_fini() returned %d, not FTC_EBUSY\n", rc);
        return 0;
    }
    if (!strstr(out, expect)) {
        fprintf(stderr, "  expected \"%s\" on stderr\n", expect);
        return 0;
    }
    return 1;
}

/* The runtime is intact after a refusal: still initialized, the caller attached, and new
 * threads can start (finalizing is not set). */
static void noop(void *arg) { (void)arg; }

static void check_runtime_intact(ftc_tstate *me)
{
    CHECK_EQ(ftc_runtime_is_initialized(), 1);
    CHECK(ftc_tstate_get() == me);
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, noop, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}

static int answer(void *arg, ftc_object **result)
{
    *result = ftc_int_new((int64_t)(intptr_t)arg);
    return *result ? 0 : FTC_ENOMEM;
}

static int64_t run_task(ftc_pool *pool, intptr_t v)
{
    ftc_object *f = NULL, *r = NULL;
    CHECK_EQ(ftc_pool_submit(pool, answer, (void *)v, &f), 0);
    CHECK_EQ(ftc_future_result(f, -1, &r), 0);
    int64_t got = ftc_int_value(r);
    ftc_decref(r);
    ftc_decref(f);
    return got;
}

FTC_TEST(fini_refuses_while_a_pool_runs)
{
    ftc_check_watchdog(120); /* a hang here is the bug */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *me = ftc_tstate_get();

    /* A pool with idle workers. */
    ftc_pool *pool = ftc_pool_new(2);
    CHECK(pool != NULL);
    CHECK_EQ(run_task(pool, 7), 7);
    CHECK(ftc_pool_num_threads(pool) >= 1);
    CHECK(fini_refused("thread pool"));
    CHECK(strstr(captured, "ftc_runtime_fini") != NULL);
    CHECK(strstr(captured, "is still running") != NULL);
    check_runtime_intact(me);
    CHECK_EQ(run_task(pool, 8), 8);     /* the pool was left alone */
    CHECK(fini_refused("thread pool")); /* and is refused again */

    /* A pool that never started a worker is running too (a submit would start one). */
    ftc_pool *idle = ftc_pool_new(1);
    CHECK(idle != NULL);
    CHECK_EQ(ftc_pool_num_threads(idle), 0);
    ftc_pool_free(pool);
    CHECK(fini_refused("thread pool"));
    check_runtime_intact(me);

    /* Shut down (not freed, not waited for): nothing is left to wait for ever. */
    CHECK_EQ(ftc_pool_shutdown(idle, false, false), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
    ftc_pool_free(idle); /* no workers, nothing to join: only the memory */
}

FTC_TEST(no_pool_is_made_after_fini)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_pool *pool = ftc_pool_new(1);
    CHECK_EQ(run_task(pool, 1), 1);
    ftc_pool_free(pool);
    CHECK_EQ(ftc_runtime_fini(), 0);
    /* No pool can be made once the runtime is gone. */
    CHECK(ftc_pool_new(1) == NULL);
    CHECK_EQ(ftc_last_error(), FTC_ESTATE);
}

FTC_TEST(fini_refuses_inside_a_critical_section)
{
    ftc_check_watchdog(120);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *me = ftc_tstate_get();
    ftc_object *d = ftc_dict_new();
    ftc_object *d2 = ftc_dict_new();
    ftc_object *k = ftc_int_new(1);
    CHECK(d && d2 && k);

    FTC_BEGIN_CRITICAL_SECTION(d);
    CHECK(fini_refused("inside 1 critical section"));
    check_runtime_intact(me);
    CHECK_EQ(ftc_dict_set(d, k, k), 0); /* the section's object is still usable */
    FTC_BEGIN_CRITICAL_SECTION2(d, d2);
    CHECK(fini_refused("inside 2 critical section"));
    FTC_END_CRITICAL_SECTION2();
    CHECK(fini_refused("inside 1 critical section"));
    FTC_END_CRITICAL_SECTION();

    /* The function forms count as well. */
    ftc_mutex m = FTC_MUTEX_INIT;
    ftc_critical_section cs;
    ftc_critical_section_begin_mutex(&cs, &m);
    CHECK(fini_refused("inside 1 critical section"));
    ftc_critical_section_end(&cs);

    ftc_decref(k);
    ftc_decref(d2);
    ftc_decref(d);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
