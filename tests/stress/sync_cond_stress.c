/* Stress: Condition objects.
 *   - producers and consumers on a bounded queue built from a Condition (on a Lock, then on an
 *     RLock taken twice): the exact number of items and their sum arrive; wait and wait_for,
 *     notify(1) and notify_all mixed;
 *   - two threads alternate a turn thousands of times with notify(1) and no timeout: a single
 *     lost wake-up hangs the test (the watchdog fails it);
 *   - notify(n) wakes exactly the n oldest;
 *   - notify with nobody queued (no mutex taken), against waiters that time out. */
#include "check.h"
#include "internal/sync.h"

enum { CAP = 8, PRODUCERS = 3, CONSUMERS = 3 };

static ftc_object *cond;
static bool use_rlock;
static long queue[CAP];
static int q_head, q_len;
static long per_producer;
static long consumed_count, consumed_sum; /* under the condition's lock */
static int producers_left;

static void lock_it(void)
{
    CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
    if (use_rlock)
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
}

static void unlock_it(void)
{
    CHECK_EQ(ftc_condition_release(cond), 0);
    if (use_rlock)
        CHECK_EQ(ftc_condition_release(cond), 0);
}

static int not_full(void *arg)
{
    (void)arg;
    return q_len < CAP;
}

static void producer(void *arg)
{
    long base = (long)(intptr_t)arg * per_producer;
    for (long i = 0; i < per_producer; i++) {
        lock_it();
        if (i & 1) {
            CHECK_EQ(ftc_condition_wait_for(cond, not_full, NULL, -1), 0);
        } else {
            while (q_len == CAP)
                CHECK_EQ(ftc_condition_wait(cond, -1), 0);
        }
        queue[(q_head + q_len) % CAP] = base + i + 1;
        q_len++;
        CHECK_EQ(i % 7 == 0 ? ftc_condition_notify_all(cond) : ftc_condition_notify(cond, 1), 0);
        unlock_it();
        CHECK_EQ(ftc_eval_tick(), 0);
    }
    lock_it();
    producers_left--;
    CHECK_EQ(ftc_condition_notify_all(cond), 0);
    unlock_it();
}

static void consumer(void *arg)
{
    (void)arg;
    for (;;) {
        lock_it();
        while (q_len == 0 && producers_left > 0) {
            int rc = ftc_condition_wait(cond, 0.05); /* timeouts mixed in: re-check and wait on */
            CHECK(rc == 0 || rc == FTC_ETIMEDOUT);
        }
        if (q_len == 0) {
            unlock_it();
            return;
        }
        long v = queue[q_head];
        q_head = (q_head + 1) % CAP;
        q_len--;
        consumed_count++;
        consumed_sum += v;
        CHECK_EQ(ftc_condition_notify(cond, 1), 0);
        unlock_it();
        CHECK_EQ(ftc_eval_tick(), 0);
    }
}

static void bounded_queue_round(ftc_object *lock_obj)
{
    cond = ftc_condition_new(lock_obj);
    CHECK(cond != NULL);
    use_rlock = lock_obj == NULL;
    q_head = q_len = 0;
    consumed_count = consumed_sum = 0;
    producers_left = PRODUCERS;
    per_producer = ftc_check_scaled(6000);
    ftc_thread *t[PRODUCERS + CONSUMERS];
    for (int i = 0; i < CONSUMERS; i++)
        CHECK_EQ(ftc_thread_start(&t[i], consumer, NULL, NULL), 0);
    for (int i = 0; i < PRODUCERS; i++)
        CHECK_EQ(ftc_thread_start(&t[CONSUMERS + i], producer, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < PRODUCERS + CONSUMERS; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    long n = PRODUCERS * per_producer;
    CHECK_EQ(consumed_count, n);
    CHECK_EQ(consumed_sum, n * (n + 1) / 2);
    CHECK_EQ(q_len, 0);
    ftc_decref(cond);
}

FTC_TEST(bounded_queue_on_a_lock)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *l = ftc_lock_new();
    bounded_queue_round(l);
    ftc_decref(l);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(bounded_queue_on_an_rlock)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    bounded_queue_round(NULL);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static long turn, rounds;

static void alternate(void *arg)
{
    long me = (long)(intptr_t)arg;
    for (long i = 0; i < rounds; i++) {
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
        while (turn % 2 != me)
            CHECK_EQ(ftc_condition_wait(cond, -1), 0); /* forever: a lost wake-up hangs */
        turn++;
        CHECK_EQ(ftc_condition_notify(cond, 1), 0);
        CHECK_EQ(ftc_condition_release(cond), 0);
    }
}

FTC_TEST(ping_pong_without_lost_wakeups)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_check_watchdog(120);
    ftc_object *l = ftc_lock_new();
    cond = ftc_condition_new(l);
    turn = 0;
    rounds = ftc_check_scaled(5000);
    ftc_thread *t[2];
    for (int i = 0; i < 2; i++)
        CHECK_EQ(ftc_thread_start(&t[i], alternate, (void *)(intptr_t)i, NULL), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(ftc_thread_join(t[i], -1), 0);
        ftc_thread_release(t[i]);
    }
    CHECK_EQ(turn, 2 * rounds);
    ftc_decref(cond);
    ftc_decref(l);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* notify(n) wakes exactly n waiters, the oldest first; notify_all the rest. White box: the
 * condition's queue length, read under its mutex, says how many still wait. */
enum { K = 7 };
static ftc_object *woke_sem, *ready_sem;
static int woke_order[K], woke_count; /* under the condition's lock */

static size_t queued(ftc_object *c)
{
    _ftc_cond_obj *co = (_ftc_cond_obj *)c;
    _ftc_mu_lock(&co->mu);
    size_t n = co->q.n;
    ftc_mutex_unlock(&co->mu);
    return n;
}

static void numbered_waiter(void *arg)
{
    int me = (int)(intptr_t)arg;
    CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
    CHECK_EQ(ftc_semaphore_release(ready_sem, 1), 0); /* we hold the lock until queued */
    CHECK_EQ(ftc_condition_wait(cond, -1), 0);
    woke_order[woke_count++] = me;
    CHECK_EQ(ftc_condition_release(cond), 0);
    CHECK_EQ(ftc_semaphore_release(woke_sem, 1), 0);
}

FTC_TEST(notify_n_wakes_exactly_n_oldest_first)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    long reps = ftc_check_scaled(40);
    for (long r = 0; r < reps; r++) {
        cond = ftc_condition_new(NULL);
        woke_sem = ftc_semaphore_new(0);
        ready_sem = ftc_semaphore_new(0);
        woke_count = 0;
        ftc_thread *t[K];
        for (int i = 0; i < K; i++) {
            CHECK_EQ(ftc_thread_start(&t[i], numbered_waiter, (void *)(intptr_t)i, NULL), 0);
            /* waiter i is queued once we can take the lock it held when it signalled */
            CHECK_EQ(ftc_semaphore_acquire(ready_sem, -1), 0);
            CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
            CHECK_EQ(queued(cond), (size_t)i + 1);
            CHECK_EQ(ftc_condition_release(cond), 0);
        }
        CHECK_EQ(queued(cond), K);
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
        CHECK_EQ(ftc_condition_notify(cond, 2), 0);
        CHECK_EQ(queued(cond), K - 2); /* exactly two left the queue */
        CHECK_EQ(ftc_condition_notify(cond, 0), 0);
        CHECK_EQ(queued(cond), K - 2);
        CHECK_EQ(ftc_condition_release(cond), 0);
        for (int i = 0; i < 2; i++)
            CHECK_EQ(ftc_semaphore_acquire(woke_sem, -1), 0);
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
        CHECK_EQ(woke_count, 2);
        CHECK((woke_order[0] == 0 && woke_order[1] == 1) ||
              (woke_order[0] == 1 && woke_order[1] == 0));
        CHECK_EQ(queued(cond), K - 2);
        CHECK_EQ(ftc_condition_notify_all(cond), 0);
        CHECK_EQ(queued(cond), 0);
        CHECK_EQ(ftc_condition_release(cond), 0);
        for (int i = 0; i < K; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        CHECK_EQ(woke_count, K);
        ftc_decref(cond);
        ftc_decref(woke_sem);
        ftc_decref(ready_sem);
    }
    ftc_object_collect_hot();
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* Notify with nobody queued returns without the condition's mutex (it reads the waiter count,
 * sync_cond.c). A ring of threads hands a turn round with notify_all. Odd members wait with a
 * short timeout, so waiters keep leaving the queue by timing out while others notify and the
 * count goes up and down under every interleaving; even members wait forever, so a notify
 * that wrongly skipped one of them (a count that missed its increment) stalls the ring for
 * good and the watchdog fails the test. The turns are checked exact. Alone, every notify
 * finds nobody. At the end no waiter is counted and none is queued, with a Lock and with an
 * RLock. */
enum { RING = 4 };
static long ring_turns; /* under the condition's lock */
static long ring_rounds;

static void ring_member(void *arg)
{
    long me = (long)(intptr_t)arg;
    for (long i = 0; i < ring_rounds; i++) {
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
        while (ring_turns % RING != me) {
            int rc = ftc_condition_wait(cond, me % 2 ? 0.0005 : -1);
            CHECK(rc == 0 || rc == FTC_ETIMEDOUT);
        }
        ring_turns++;
        CHECK_EQ(ftc_condition_notify_all(cond), 0);
        CHECK_EQ(ftc_condition_release(cond), 0);
    }
}

static uint32_t counted_waiters(ftc_object *c)
{
    return ftc_atomic_load_relaxed(&((_ftc_cond_obj *)c)->nwaiting);
}

FTC_TEST(notify_without_waiters_and_timed_out_waiters)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_check_watchdog(120);
    for (int kind = 0; kind < 2; kind++) {
        ftc_object *l = kind ? ftc_rlock_new() : ftc_lock_new();
        cond = ftc_condition_new(l);
        CHECK(cond != NULL);
        /* Alone: every notify finds no waiter. */
        CHECK_EQ(ftc_condition_acquire(cond, -1), 0);
        for (int i = 0; i < 1000; i++)
            CHECK_EQ(ftc_condition_notify(cond, 1), 0);
        CHECK_EQ(counted_waiters(cond), 0);
        CHECK_EQ(queued(cond), 0);
        CHECK_EQ(ftc_condition_release(cond), 0);
        /* Without the lock, notify is still refused before the count is read. */
        if (!kind)
            CHECK_EQ(ftc_condition_notify(cond, 1), FTC_EPERM);
        ring_turns = 0;
        ring_rounds = ftc_check_scaled(3000);
        ftc_thread *t[RING];
        for (int i = 0; i < RING; i++)
            CHECK_EQ(ftc_thread_start(&t[i], ring_member, (void *)(intptr_t)i, NULL), 0);
        for (int i = 0; i < RING; i++) {
            CHECK_EQ(ftc_thread_join(t[i], -1), 0);
            ftc_thread_release(t[i]);
        }
        CHECK_EQ(ring_turns, RING * ring_rounds);
        CHECK_EQ(counted_waiters(cond), 0);
        CHECK_EQ(queued(cond), 0);
        ftc_decref(cond);
        ftc_decref(l);
    }
    ftc_object_collect_hot();
    CHECK_EQ(ftc_runtime_fini(), 0);
}
