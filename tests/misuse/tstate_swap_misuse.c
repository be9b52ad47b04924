/* Misuse of ftc_tstate_swap dies through ftc_fatal() with a message naming ftc_tstate_swap and
 * the mistake, before anything changed. Cases without threads run in a forked child
 * (ftc_check_dies); the case that needs a second thread runs in a fresh process (this program
 * exec'd again with the case's name), because a forked child of a threaded process must not
 * start threads under TSan. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

#define CHILD_ENV "FTC_TSTATE_SWAP_MISUSE_CHILD"

/* ---- a thread state of another OS thread ---- */

static ftc_event published = FTC_EVENT_INIT, finish = FTC_EVENT_INIT;
static ftc_tstate *other_ts; /* written before `published` is set */

static void other_thread(void *arg)
{
    FTC_UNUSED(arg);
    other_ts = ftc_tstate_get();
    ftc_event_set(&published);
    ftc_event_wait(&finish, -1); /* detached while it waits: its tstate is DETACHED */
}

FTC_TEST(tstate_of_another_thread)
{
    if (getenv(CHILD_ENV)) {
        CHECK_EQ(ftc_runtime_init(NULL), 0);
        ftc_thread *t;
        CHECK_EQ(ftc_thread_start(&t, other_thread, NULL, NULL), 0);
        ftc_event_wait(&published, -1);
        ftc_tstate_swap(other_ts); /* dies */
        _exit(0);
    }
    CHECK(ftc_check_dies_exec("tstate_of_another_thread", CHILD_ENV,
                              "fatal error in ftc_tstate_swap ("));
    CHECK(
        ftc_check_dies_exec("tstate_of_another_thread", CHILD_ENV, "belongs to another OS thread"));
}

/* ---- cases in a forked child ---- */

static void swap_with_the_world_stopped(void *arg)
{
    FTC_UNUSED(arg);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_stop_the_world();
    ftc_tstate_swap(main_ts);
}

FTC_TEST(swap_while_the_world_is_stopped)
{
    /* Whether this build's stop-the-world records its requester (the nogil build does; the
     * GIL build's ftc_stop_the_world only does once it stops other interpreters too). */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_stop_the_world();
    int recorded = _ftc_stw_held_by_me();
    ftc_start_the_world();
    CHECK_EQ(ftc_runtime_fini(), 0);
#ifdef FTC_GIL_DISABLED
    CHECK(recorded);
#endif
    if (!recorded) {
        printf("  skipped: this build's ftc_stop_the_world records no requester\n");
        return;
    }
    CHECK(ftc_check_dies(swap_with_the_world_stopped, NULL, "fatal error in ftc_tstate_swap ("));
    CHECK(ftc_check_dies(swap_with_the_world_stopped, NULL, "call ftc_start_the_world first"));
}

static void swap_in_a_tstate_being_deleted(void *arg)
{
    FTC_UNUSED(arg);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    CHECK(ftc_interp_new(&prev) != NULL);
    ftc_tstate *sub_ts = ftc_tstate_swap(main_ts);
    /* What a dealloc run by the deletion's reference merges would see (white-box: the state
     * only ftc_tstate_delete sets). */
    ftc_atomic_store(&sub_ts->state, FTC_TSTATE_DELETING);
    ftc_tstate_swap(sub_ts);
}

FTC_TEST(swap_in_a_tstate_being_deleted)
{
    CHECK(ftc_check_dies(swap_in_a_tstate_being_deleted, NULL,
                         "not detached (state 4: being deleted)"));
}

#if FTC_DEBUG_LEVEL >= 1
static void swap_in_a_deleted_tstate(void *arg)
{
    FTC_UNUSED(arg);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *prev;
    ftc_interp *sub = ftc_interp_new(&prev);
    CHECK(sub != NULL);
    ftc_tstate *sub_ts = ftc_tstate_get();
    CHECK_EQ(ftc_interp_destroy(sub), 0); /* deletes sub_ts */
    ftc_tstate_swap(main_ts);
    ftc_tstate_swap(sub_ts); /* a freed pointer: reported without reading it */
}

FTC_TEST(swap_in_a_deleted_tstate)
{
    CHECK(ftc_check_dies(swap_in_a_deleted_tstate, NULL, "is not a thread state of the runtime"));
    CHECK(ftc_check_dies(swap_in_a_deleted_tstate, NULL, "in ftc_tstate_swap"));
}
#endif
