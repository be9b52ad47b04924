/* A thread handle used after its last ftc_thread_release(), or released more times than it was
 * referenced, dies through ftc_fatal() naming the call (debug builds: FTC_DEBUG >= 1, which the
 * sanitizer presets have; release builds document it as undefined and are not tested here).
 * Without the check these are heap use-after-frees (AddressSanitizer reports them instead of
 * the message, and the case fails). The threads run in the parent; each misuse runs in a
 * forked child (ftc_check_dies), which inherits the released handle. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

#if FTC_DEBUG_LEVEL >= 1

static void noop(void *arg) { (void)arg; }

static ftc_event blocker_go;

static void wait_for_go(void *arg)
{
    (void)arg;
    ftc_event_wait(&blocker_go, -1);
}

/* Set in the processes ftc_check_dies_exec() starts: only the case it names runs there. */
static int in_child(void)
{
    const char *env = getenv("FTC_MISUSE_CHILD");
    return env != NULL && strcmp(env, "1") == 0;
}

static void join_released(void *arg) { (void)ftc_thread_join(arg, -1); }
static void join_released_poll(void *arg) { (void)ftc_thread_join(arg, 0); }
static void release_released(void *arg) { ftc_thread_release(arg); }
static void incref_released(void *arg) { ftc_thread_incref(arg); }
static void state_released(void *arg) { (void)ftc_thread_state(arg); }
static void ident_released(void *arg) { (void)ftc_thread_handle_ident(arg); }
static void name_released(void *arg) { (void)ftc_thread_name(arg); }

FTC_TEST(calls_on_a_released_handle_are_fatal)
{
    if (in_child())
        return;
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, noop, NULL, NULL), 0);
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t); /* the last reference: the thread dropped its own before DONE */
    const char *used_after = "was used after its last reference was released";
    CHECK(ftc_check_dies(join_released, t, "ftc_thread_join: the thread handle"));
    CHECK(ftc_check_dies(join_released, t, used_after));
    CHECK(ftc_check_dies(join_released_poll, t, "ftc_thread_join: the thread handle"));
    CHECK(ftc_check_dies(release_released, t, "ftc_thread_release: the thread handle"));
    CHECK(ftc_check_dies(incref_released, t, "ftc_thread_incref: the thread handle"));
    CHECK(ftc_check_dies(state_released, t, "ftc_thread_state: the thread handle"));
    CHECK(ftc_check_dies(ident_released, t, "ftc_thread_handle_ident: the thread handle"));
    CHECK(ftc_check_dies(name_released, t, "ftc_thread_name: the thread handle"));
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Child only: releases a running thread's handle twice. While the thread runs it holds its
 * own reference, so the second release would take that one and the thread would free the
 * handle under the caller's feet. */
FTC_TEST(child_release_running_twice)
{
    if (!in_child())
        return; /* run by releasing_more_than_referenced_is_fatal in a process of its own */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, wait_for_go, NULL, NULL), 0);
    ftc_thread_release(t); /* the caller's one reference */
    ftc_thread_release(t); /* the running thread's: refused */
}

FTC_TEST(releasing_more_than_referenced_is_fatal)
{
    if (in_child())
        return;
    CHECK(ftc_check_dies_exec("child_release_running_twice", "FTC_MISUSE_CHILD",
                              "ftc_thread_release: the thread handle"));
    CHECK(ftc_check_dies_exec("child_release_running_twice", "FTC_MISUSE_CHILD",
                              "was released more times than it was referenced"));
    /* With an extra reference, two releases are fine while the thread runs. */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    blocker_go = (ftc_event)FTC_EVENT_INIT;
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, wait_for_go, NULL, NULL), 0);
    ftc_thread_incref(t);
    ftc_thread_release(t);
    ftc_thread_release(t);
    ftc_event_set(&blocker_go);
    CHECK_EQ(ftc_runtime_fini(), 0); /* joins it: the handle lived until the thread ended */
}

#else

FTC_TEST(released_handle_checks_need_ftc_debug)
{
    printf("skipped: this build has FTC_DEBUG_LEVEL 0 (a released handle's misuse is undefined "
           "there, thread.h)\n");
}

#endif
