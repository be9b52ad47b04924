/* The nogil read paths really are lock-free: while another thread holds a container's critical
 * section (its object mutex) and does not let go, this thread's ftc_dict_get_ref (and _borrowed),
 * ftc_dict_contains and ftc_dict_len (int keys, str keys looked up through fresh equal strs,
 * and user-type keys looked up by the very object stored) and ftc_list_get_ref and
 * ftc_list_len still return, with the right answers, before the holder releases. A read that
 * needs the lock (a user-type key that is equal but not identical: its eq callback may only run
 * under the lock) waits for the holder instead, which is also checked.
 *
 * The holder keeps the lock until the reads are done (no deadline: how fast they ran must not
 * decide the result), so a read that regressed to taking the lock hangs, and the watchdog
 * fails the test. In the GIL build critical sections are empty (the GIL is the lock) and the
 * same reads simply succeed. */
#include <string.h>

#include "check.h"
#include <ftcore/ftcore.h>

typedef struct {
    FTC_OBJECT_HEAD;
    int64_t n;
} ukey;
static int ukey_hash(ftc_object *self, uint64_t *out)
{
    *out = (uint64_t)((ukey *)self)->n;
    return 0;
}
static int ukey_eq(ftc_object *self, ftc_object *other)
{
    return ftc_type_of(other) == ftc_type_of(self) && ((ukey *)self)->n == ((ukey *)other)->n;
}
static const ftc_type ukey_type = {"ukey", sizeof(ukey), NULL, ukey_hash, ukey_eq, NULL, NULL};

static ftc_object *dict, *list;
static int holding, release_now, released; /* atomic */
static double hold_seconds;

static void holder(void *arg)
{
    ftc_object *target = arg;
    FTC_BEGIN_CRITICAL_SECTION(target);
    ftc_atomic_store_release(&holding, 1);
    double deadline = ftc_monotonic() + hold_seconds;
    /* Attached and spinning: the section stays held (a blocking wait would suspend it). */
    while (!ftc_atomic_load_acquire(&release_now) && ftc_monotonic() < deadline)
        ftc_eval_tick();
    ftc_atomic_store_release(&released, 1);
    FTC_END_CRITICAL_SECTION();
}

/* Starts a thread that holds target's critical section until unhold() or for `seconds`.
 * UNTIL_UNHOLD: no deadline, so that "these reads ran while the lock was held" does not
 * depend on how fast they ran (a stalled run ends by the watchdog, not by a false failure). */
#define UNTIL_UNHOLD 1e9
static ftc_thread *hold(ftc_object *target, double seconds)
{
    ftc_thread *t;
    hold_seconds = seconds;
    holding = release_now = released = 0;
    CHECK_EQ(ftc_thread_start(&t, holder, target, NULL), 0);
    while (!ftc_atomic_load_acquire(&holding))
        ftc_eval_tick();
    return t;
}

static void unhold(ftc_thread *t)
{
    ftc_atomic_store_release(&release_now, 1);
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
}

FTC_TEST(reads_do_not_wait_for_a_writer_holding_the_lock)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    dict = ftc_dict_new();
    list = ftc_list_new();
    ftc_object *ik = ftc_int_new(123456789), *sk = ftc_str_new("shared-key", 10);
    ftc_object *uk = ftc_object_new(&ukey_type), *v = ftc_int_new(987654321);
    ((ukey *)uk)->n = 77;
    CHECK(dict && list && ik && sk && uk && v);
    CHECK_EQ(ftc_dict_set(dict, ik, v), 0);
    CHECK_EQ(ftc_dict_set(dict, sk, v), 0);
    CHECK_EQ(ftc_dict_set(dict, uk, v), 0);
    for (int j = 0; j < 10; j++)
        CHECK_EQ(ftc_list_append(list, j % 2 ? v : ik), 0);

    ftc_thread *t = hold(dict, UNTIL_UNHOLD);
    ftc_object *ik2 = ftc_int_new(123456789), *sk2 = ftc_str_new("shared-key", 10), *out = NULL;
    CHECK_EQ(ftc_dict_get_ref(dict, ik2, &out), 1);
    CHECK(out == v);
    ftc_decref(out);
    CHECK_EQ(ftc_dict_get_ref(dict, sk2, &out), 1);
    CHECK(out == v);
    ftc_decref(out);
    CHECK_EQ(ftc_dict_get_ref(dict, uk, &out), 1); /* identity: no callback */
    CHECK(out == v);
    ftc_decref(out);
    int64_t vref = ftc_object_refcount(v);
    CHECK_EQ(ftc_dict_get_borrowed(dict, ik2, &out), 1);
    CHECK(out == v);
    CHECK_EQ(ftc_dict_get_borrowed(dict, sk2, &out), 1);
    CHECK(out == v);
    CHECK_EQ(ftc_dict_get_borrowed(dict, uk, &out), 1);
    CHECK(out == v);
    CHECK_EQ(ftc_object_refcount(v), vref); /* borrowed: no reference taken */
    ftc_object *missing = ftc_int_new(-424242);
    CHECK_EQ(ftc_dict_get_borrowed(dict, missing, &out), 0);
    CHECK(out == NULL);
    CHECK_EQ(ftc_dict_contains(dict, missing), 0);
    CHECK_EQ(ftc_dict_contains(dict, ik2), 1);
    CHECK_EQ(ftc_dict_len(dict), 3);
#ifdef FTC_GIL_DISABLED
    CHECK_EQ(ftc_atomic_load_acquire(&released), 0); /* all of that while the lock was held */
#endif
    unhold(t);

    /* A user-type key equal to the stored one but not identical needs eq: under the lock. */
    t = hold(dict, 0.2);
    ftc_object *uk2 = ftc_object_new(&ukey_type);
    ((ukey *)uk2)->n = 77;
    CHECK_EQ(ftc_dict_get_ref(dict, uk2, &out), 1);
    CHECK(out == v);
    ftc_decref(out);
#ifdef FTC_GIL_DISABLED
    CHECK_EQ(ftc_atomic_load_acquire(&released), 1); /* it had to wait for the holder */
#endif
    unhold(t);

    t = hold(list, UNTIL_UNHOLD);
    for (int j = -10; j < 10; j++) {
        CHECK_EQ(ftc_list_get_ref(list, j, &out), 0);
        CHECK(out == ((j + 10) % 2 ? v : ik));
        ftc_decref(out);
    }
    for (int j = -10; j < 10; j++) {
        CHECK_EQ(ftc_list_get_borrowed(list, j, &out), 0);
        CHECK(out == ((j + 10) % 2 ? v : ik));
    }
    CHECK_EQ(ftc_object_refcount(v), vref);
    CHECK_EQ(ftc_list_get_borrowed(list, 10, &out), FTC_EINDEX);
    CHECK(out == NULL);
    CHECK_EQ(ftc_list_get_borrowed(list, -11, &out), FTC_EINDEX);
    CHECK_EQ(ftc_list_get_ref(list, 10, &out), FTC_EINDEX);
    CHECK_EQ(ftc_list_get_ref(list, -11, &out), FTC_EINDEX);
    CHECK_EQ(ftc_list_len(list), 10);
#ifdef FTC_GIL_DISABLED
    CHECK_EQ(ftc_atomic_load_acquire(&released), 0);
#endif
    unhold(t);

    ftc_decref(uk2);
    ftc_decref(missing);
    ftc_decref(ik2);
    ftc_decref(sk2);
    ftc_decref(ik);
    ftc_decref(sk);
    ftc_decref(uk);
    ftc_decref(v);
    ftc_decref(dict);
    ftc_decref(list);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
