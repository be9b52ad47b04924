/* gilstate: ensure/release on the main thread and on threads the embedder created. */
#include <criterion/criterion.h>

#include "check.h"
#include "internal/state.h"

Test(gilstate, nested_on_the_main_thread)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    ftc_tstate *ts = ftc_tstate_get();
    ftc_gilstate a = ftc_gilstate_ensure();
    cr_assert_eq(a, FTC_GILSTATE_LOCKED);
    ftc_gilstate b = ftc_gilstate_ensure();
    cr_assert_eq(b, FTC_GILSTATE_LOCKED);
    ftc_gilstate_release(b);
    ftc_gilstate_release(a);
    cr_assert_eq(ftc_tstate_get(), ts);
    /* detached: ensure attaches the main tstate, release detaches it again */
    ftc_detach();
    ftc_gilstate c = ftc_gilstate_ensure();
    cr_assert_eq(c, FTC_GILSTATE_UNLOCKED);
    cr_assert_eq(ftc_tstate_get(), ts);
    ftc_gilstate d = ftc_gilstate_ensure();
    cr_assert_eq(d, FTC_GILSTATE_LOCKED);
    ftc_gilstate_release(d);
    cr_assert_eq(ftc_tstate_get(), ts);
    ftc_gilstate_release(c);
    cr_assert_null(ftc_tstate_get());
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1); /* not deleted: not made by gilstate */
    ftc_attach(ts);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

struct foreign {
    int64_t seen_inside;
    int64_t seen_nested;
    int attached_inside;
    int detached_after;
};

static void *foreign_main(void *arg)
{
    struct foreign *f = arg;
    ftc_gilstate g = ftc_gilstate_ensure();
    f->attached_inside = ftc_tstate_get() != NULL && g == FTC_GILSTATE_UNLOCKED;
    f->seen_inside = ftc_threads_snapshot(NULL, 0);
    ftc_gilstate g2 = ftc_gilstate_ensure();
    f->seen_nested = ftc_threads_snapshot(NULL, 0);
    ftc_gilstate_release(g2);
    ftc_gilstate_release(g);
    f->detached_after = ftc_tstate_get() == NULL;
    return NULL;
}

Test(gilstate, foreign_thread_gets_a_tstate_and_loses_it)
{
    cr_assert_eq(ftc_runtime_init(NULL), 0);
    struct foreign f = {0};
    pthread_t th;
    FTC_BEGIN_ALLOW_THREADS
    pthread_create(&th, NULL, foreign_main, &f);
    pthread_join(th, NULL);
    FTC_END_ALLOW_THREADS
    cr_assert(f.attached_inside);
    cr_assert_eq(f.seen_inside, 2);
    cr_assert_eq(f.seen_nested, 2);
    cr_assert(f.detached_after);
    cr_assert_eq(ftc_threads_snapshot(NULL, 0), 1);
    cr_assert_eq(ftc_runtime_fini(), 0);
}

static void misuse_release_unmatched(void *arg)
{
    (void)arg;
    ftc_runtime_init(NULL);
    ftc_gilstate_release(FTC_GILSTATE_LOCKED);
}

static void misuse_ensure_uninitialized(void *arg)
{
    (void)arg;
    ftc_gilstate_ensure();
}

Test(gilstate, misuse_is_fatal)
{
    cr_assert(ftc_check_dies(misuse_release_unmatched, NULL, "without a matching"));
    cr_assert(ftc_check_dies(misuse_ensure_uninitialized, NULL, "not initialized"));
}
