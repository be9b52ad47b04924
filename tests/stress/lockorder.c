/* The lock-order checker (include/ftcore/lockorder.h, src/lockorder.c): an inversion is reported
 * through the hook the first time both orders are seen, without any deadlock happening, once
 * per cycle; classes versus instances; try-locks and timed waits add no closing edge; a
 * suspended critical section holds nothing; the GIL is a lock like the others.
 *
 * A plain executable (not Criterion) so that it also runs under ThreadSanitizer. The checker
 * exists in builds with FTC_DEBUG >= 1 (the debug, asan and tsan presets); in the others it is
 * compiled out, and each test checks that nothing is ever reported instead.
 *
 * Every test uses fresh locks, static ones (a lock on the stack may share its address with an
 * earlier test's): the graph is global and keeps every order it has seen (as it must: an
 * inversion is found across time), so reusing a lock of an earlier test would mix orders. */
#include <string.h>

#include "check.h"
#include "internal/core.h"
#include <ftcore/ftcore.h>

static struct {
    int calls;
    char held[160], acquired[160], file[256], prior_file[256];
    int line, prior_line;
    size_t cycle_length;
} seen;

static void hook(const ftc_lockorder_report *r, void *arg)
{
    CHECK(arg == &seen);
    seen.calls++;
    snprintf(seen.held, sizeof seen.held, "%s", r->held);
    snprintf(seen.acquired, sizeof seen.acquired, "%s", r->acquired);
    snprintf(seen.file, sizeof seen.file, "%s", r->file);
    snprintf(seen.prior_file, sizeof seen.prior_file, "%s", r->prior_file);
    seen.line = r->line;
    seen.prior_line = r->prior_line;
    seen.cycle_length = r->cycle_length;
    CHECK(strstr(r->text, "lock-order inversion") != NULL);
}

static int on; /* the checker is compiled in */

static void begin(void)
{
    memset(&seen, 0, sizeof seen);
    on = ftc_lockorder_enabled();
    ftc_lockorder_set_hook(hook, &seen);
}

/* The number of reports expected: n if the checker is on, else 0. */
static int expect(int n) { return on ? n : 0; }

static const char *this_file(void) { return __FILE__; }

/* Takes outer then inner and releases both: records (or closes) the order outer -> inner. The
 * checker sees these locks at this helper's line; the test that checks lines locks inline. */
static void nest(ftc_mutex *outer, ftc_mutex *inner)
{
    ftc_mutex_lock(outer);
    ftc_mutex_lock(inner);
    ftc_mutex_unlock(inner);
    ftc_mutex_unlock(outer);
}

FTC_TEST(the_checker_is_compiled_in_exactly_in_debug_builds)
{
    CHECK_EQ(ftc_lockorder_enabled(), FTC_DEBUG_LEVEL >= 1);
}

FTC_TEST(abba_in_one_thread_is_reported_without_a_deadlock)
{
    begin();
    static ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT;
    ftc_mutex_lock(&a);
    int line_ab = __LINE__ + 1;
    ftc_mutex_lock(&b);
    ftc_mutex_unlock(&b);
    ftc_mutex_unlock(&a);
    CHECK_EQ(seen.calls, 0);

    ftc_mutex_lock(&b);
    int line_ba = __LINE__ + 1;
    ftc_mutex_lock(&a); /* the reverse order: reported before it proceeds, and no deadlock */
    CHECK_EQ(seen.calls, expect(1));
    if (on) {
        CHECK_EQ(seen.line, line_ba);
        CHECK(strcmp(seen.file, this_file()) == 0);
        CHECK_EQ(seen.prior_line, line_ab);
        CHECK(strcmp(seen.prior_file, this_file()) == 0);
        CHECK_EQ(seen.cycle_length, 1);
        char addr[32];
        snprintf(addr, sizeof addr, "%p", (void *)&a);
        CHECK(strstr(seen.acquired, addr) != NULL);
        snprintf(addr, sizeof addr, "%p", (void *)&b);
        CHECK(strstr(seen.held, addr) != NULL);
    }
    ftc_mutex_unlock(&a);
    ftc_mutex_unlock(&b);

    /* once per cycle: both orders again report nothing more */
    for (int i = 0; i < 3; i++) {
        nest(&b, &a);
        nest(&a, &b);
    }
    CHECK_EQ(seen.calls, expect(1));
}

/* The core's internal pthread mutexes are in the graph, under a class named after their role
 * (src/internal/core.h, _ftc_plock): here the runtime's real head lock, taken white-box through
 * the same call the state layer uses, against a user's mutex. */
FTC_TEST(an_inversion_through_an_internal_lock_is_reported)
{
    begin();
    static ftc_mutex u = FTC_MUTEX_INIT;
    ftc_mutex_lock(&u);
    _ftc_head_lock(); /* u -> the head lock */
    _ftc_head_unlock();
    ftc_mutex_unlock(&u);
    CHECK_EQ(seen.calls, 0);

    _ftc_head_lock();
    int line = __LINE__ + 1;
    ftc_mutex_lock(&u); /* the head lock -> u: closes the cycle (no deadlock: one thread) */
    CHECK_EQ(seen.calls, expect(1));
    if (on) {
        CHECK(strcmp(seen.held, "the runtime's head lock") == 0);
        CHECK_EQ(seen.line, line);
        CHECK(strcmp(seen.file, this_file()) == 0);
        CHECK(strstr(seen.prior_file, "src/runtime.c") != NULL); /* where u -> head was made */
        CHECK_EQ(seen.cycle_length, 1);
    }
    ftc_mutex_unlock(&u);
    _ftc_head_unlock();

    /* A second pthread mutex given the same class name is the same class, so an order seen on
     * one holds for the other: v -> [class Q] via q1, then q2 -> v is reported. */
    static pthread_mutex_t q1 = PTHREAD_MUTEX_INITIALIZER, q2 = PTHREAD_MUTEX_INITIALIZER;
    static ftc_mutex v = FTC_MUTEX_INIT;
    ftc_mutex_lock(&v);
    _ftc_plock(&q1, "test internal class Q");
    _ftc_punlock(&q1);
    ftc_mutex_unlock(&v);
    CHECK_EQ(seen.calls, expect(1));
    _ftc_plock(&q2, "test internal class Q");
    ftc_mutex_lock(&v);
    CHECK_EQ(seen.calls, expect(2));
    if (on)
        CHECK(strcmp(seen.held, "test internal class Q") == 0);
    ftc_mutex_unlock(&v);
    _ftc_punlock(&q2);

    /* A try-lock of an internal mutex never waits: no edge to it. */
    static pthread_mutex_t t1 = PTHREAD_MUTEX_INITIALIZER;
    static ftc_mutex w = FTC_MUTEX_INIT;
    CHECK_EQ(_ftc_ptrylock(&t1, "test internal class T"), 0);
    ftc_mutex_lock(&w); /* T -> w */
    ftc_mutex_unlock(&w);
    _ftc_punlock(&t1);
    ftc_mutex_lock(&w);
    CHECK_EQ(_ftc_ptrylock(&t1, "test internal class T"), 0); /* w -> T would close it: a try */
    _ftc_punlock(&t1);
    ftc_mutex_unlock(&w);
    CHECK_EQ(seen.calls, expect(2));
}

static ftc_mutex x_mu = FTC_MUTEX_INIT, y_mu = FTC_MUTEX_INIT;

static void take_x_then_y(int i, void *ctx)
{
    (void)i;
    (void)ctx;
    nest(&x_mu, &y_mu);
}

static void take_y_then_x(int i, void *ctx)
{
    (void)i;
    (void)ctx;
    nest(&y_mu, &x_mu);
}

FTC_TEST(abba_across_two_threads_that_never_overlap)
{
    begin();
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_check_run_threads(1, take_x_then_y, NULL, NULL); /* joined before the other starts */
    CHECK_EQ(seen.calls, 0);
    ftc_check_run_threads(1, take_y_then_x, NULL, NULL);
    CHECK_EQ(seen.calls, expect(1));
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(a_longer_cycle_is_reported_once_with_its_path)
{
    begin();
    static ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT, c = FTC_MUTEX_INIT;
    nest(&a, &b);
    nest(&b, &c);
    CHECK_EQ(seen.calls, 0);
    for (int i = 0; i < 2; i++) {
        nest(&c, &a); /* c -> a closes a -> b -> c */
    }
    CHECK_EQ(seen.calls, expect(1));
    if (on)
        CHECK_EQ(seen.cycle_length, 2); /* the earlier path a -> b -> c has two edges */
}

FTC_TEST(a_trylock_adds_no_closing_edge_but_orders_what_follows)
{
    begin();
    static ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT, c = FTC_MUTEX_INIT;
    nest(&a, &b);
    ftc_mutex_lock(&b);
    CHECK(ftc_mutex_trylock(&a)); /* b -> a by a try: cannot wait, so cannot deadlock */
    CHECK_EQ(ftc_mutex_lock_timed(&c, 1.0, FTC_LOCK_DETACH), 0); /* a timed wait neither */
    ftc_mutex_unlock(&c);
    ftc_mutex_unlock(&a);
    ftc_mutex_unlock(&b);
    CHECK_EQ(seen.calls, 0);
    /* the same order through a blocking lock is reported: the try's absence of a report was
     * the try's doing */
    nest(&b, &a);
    CHECK_EQ(seen.calls, expect(1));

    /* edges from a try-locked lock onwards are recorded: d held by a try, then e taken */
    static ftc_mutex d = FTC_MUTEX_INIT, e = FTC_MUTEX_INIT;
    CHECK(ftc_mutex_trylock(&d));
    ftc_mutex_lock(&e);
    ftc_mutex_unlock(&e);
    ftc_mutex_unlock(&d);
    CHECK_EQ(seen.calls, expect(1));
    nest(&e, &d); /* closes d -> e */
    CHECK_EQ(seen.calls, expect(2));
}

static const char class_a, class_b, class_x;

FTC_TEST(classes_group_instances)
{
    begin();
    /* Two classes of two instances each: a1 -> b1 seen, then b2 -> a2 is the same class order
     * reversed, a report although no lock is shared between the two orders. */
    static ftc_mutex a1 = FTC_MUTEX_INIT, a2 = FTC_MUTEX_INIT, b1 = FTC_MUTEX_INIT,
                     b2 = FTC_MUTEX_INIT;
    ftc_lockorder_set_class(&a1, &class_a, "test class A");
    ftc_lockorder_set_class(&a2, &class_a, "test class A");
    ftc_lockorder_set_class(&b1, &class_b, "test class B");
    ftc_lockorder_set_class(&b2, &class_b, "test class B");
    nest(&a1, &b1);
    nest(&b2, &a2);
    CHECK_EQ(seen.calls, expect(1));
    if (on) {
        CHECK(strcmp(seen.held, "test class B") == 0);
        CHECK(strcmp(seen.acquired, "test class A") == 0);
    }

    /* Two instances of one class nested with no order between them: a cycle of one class. */
    static ftc_mutex x1 = FTC_MUTEX_INIT, x2 = FTC_MUTEX_INIT;
    ftc_lockorder_set_class(&x1, &class_x, "test class X");
    ftc_lockorder_set_class(&x2, &class_x, "test class X");
    nest(&x1, &x2);
    CHECK_EQ(seen.calls, expect(2));
    if (on)
        CHECK_EQ(seen.cycle_length, 1);

    /* Without classes every lock is its own: the same pattern on instances reports nothing. */
    static ftc_mutex p1 = FTC_MUTEX_INIT, p2 = FTC_MUTEX_INIT, q1 = FTC_MUTEX_INIT,
                     q2 = FTC_MUTEX_INIT;
    nest(&p1, &q1);
    nest(&q2, &p2);
    CHECK_EQ(seen.calls, expect(2));
}

FTC_TEST(forgotten_locks_take_no_old_orders_along)
{
    begin();
    static ftc_mutex a = FTC_MUTEX_INIT, b = FTC_MUTEX_INIT;
    nest(&a, &b);
    /* as if a and b were freed and their memory reused for two new locks */
    ftc_lockorder_forget(&a);
    ftc_lockorder_forget(&b);
    nest(&b, &a);
    CHECK_EQ(seen.calls, 0);
}

FTC_TEST(lock_objects_are_instances_and_their_orders_die_with_them)
{
    begin();
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *l1 = ftc_lock_new(), *l2 = ftc_lock_new();
    CHECK(l1 && l2);
    CHECK_EQ(ftc_lock_acquire(l1, -1), 0);
    CHECK_EQ(ftc_lock_acquire(l2, -1), 0);
    CHECK_EQ(ftc_lock_release(l2), 0);
    CHECK_EQ(ftc_lock_release(l1), 0);
    CHECK_EQ(ftc_lock_acquire(l2, -1), 0);
    CHECK_EQ(ftc_lock_acquire(l1, -1), 0);
    CHECK_EQ(ftc_lock_release(l1), 0);
    CHECK_EQ(ftc_lock_release(l2), 0);
    CHECK_EQ(seen.calls, expect(1));
    ftc_decref(l1);
    ftc_decref(l2);
    /* freed: new locks, perhaps at the same addresses, start with no orders */
    for (int i = 0; i < 4; i++) {
        ftc_object *m1 = ftc_lock_new(), *m2 = ftc_lock_new();
        CHECK_EQ(ftc_lock_acquire(m2, -1), 0);
        CHECK_EQ(ftc_lock_acquire(m1, -1), 0);
        CHECK_EQ(ftc_lock_release(m1), 0);
        CHECK_EQ(ftc_lock_release(m2), 0);
        ftc_decref(m1);
        ftc_decref(m2);
    }
    CHECK_EQ(seen.calls, expect(1));
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* The GIL: a mutex held while attaching (mutex -> GIL), then the mutex taken under the GIL by a
 * call that keeps the GIL while it waits (GIL -> mutex): a real deadlock between two threads
 * (one holds the mutex and waits for the GIL, the other holds the GIL and waits for the
 * mutex). Taken by a call that detaches while it waits, it is no inversion: the GIL is not held
 * during the wait. */
FTC_TEST(inversion_through_the_gil)
{
    begin();
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.gil = 1;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    CHECK_EQ(ftc_gil_enabled(), 1);
    static ftc_mutex m = FTC_MUTEX_INIT, n = FTC_MUTEX_INIT;

    ftc_tstate *ts = ftc_detach();
    ftc_mutex_lock(&m);
    ftc_mutex_lock(&n);
    ftc_attach(ts); /* takes the GIL holding m and n */
    ftc_mutex_unlock(&n);
    ftc_mutex_unlock(&m);
    CHECK_EQ(seen.calls, 0);

    ftc_mutex_lock(&n); /* under the GIL, detaching while it would wait: fine */
    ftc_mutex_unlock(&n);
    CHECK_EQ(seen.calls, 0);

    int line = __LINE__ + 1;
    CHECK_EQ(ftc_mutex_lock_timed(&m, -1, FTC_LOCK_NODETACH), 0); /* keeps the GIL: inverted */
    ftc_mutex_unlock(&m);
    CHECK_EQ(seen.calls, expect(1));
    if (on) {
        CHECK(strcmp(seen.held, "the GIL") == 0);
        CHECK_EQ(seen.line, line);
    }
    CHECK_EQ(ftc_runtime_fini(), 0);
}

#ifdef FTC_GIL_DISABLED
/* Critical sections (nogil build; in the GIL build they take no lock). */

FTC_TEST(two_objects_of_one_type_in_one_section_are_nested_not_a_cycle)
{
    begin();
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *d1 = ftc_dict_new(), *d2 = ftc_dict_new();
    for (int i = 0; i < 2; i++) {
        FTC_BEGIN_CRITICAL_SECTION2(d1, d2);
        FTC_END_CRITICAL_SECTION2();
        FTC_BEGIN_CRITICAL_SECTION2(d2, d1);
        FTC_END_CRITICAL_SECTION2();
    }
    CHECK_EQ(seen.calls, 0);
    ftc_decref(d1);
    ftc_decref(d2);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

/* The same when the second lock must be waited for, holding the first: the wait is an edge from
 * the first to the second, between two classes (dict and its subclass 1), not a cycle of one. */
static ftc_object *held_dict;
static ftc_event dict_held = FTC_EVENT_INIT;

static void hold_dict_until_a_waiter_parks(void *arg)
{
    (void)arg;
    FTC_BEGIN_CRITICAL_SECTION(held_dict);
    ftc_event_set(&dict_held);
    /* spin (attached, so the section stays held) until the main thread has parked on it */
    while (!(ftc_atomic_load_relaxed(&held_dict->ob_mutex.bits) & FTC_MUTEX_HAS_PARKED))
        ftc_eval_tick();
    FTC_END_CRITICAL_SECTION();
}

FTC_TEST(a_two_object_section_waiting_for_its_second_lock_is_nested_not_a_cycle)
{
    begin();
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *d1 = ftc_dict_new(), *d2 = ftc_dict_new();
    held_dict = (uintptr_t)d1 < (uintptr_t)d2 ? d2 : d1; /* the higher address: taken second */
    ftc_thread *t;
    CHECK_EQ(ftc_thread_start(&t, hold_dict_until_a_waiter_parks, NULL, NULL), 0);
    CHECK(ftc_event_wait(&dict_held, -1));
    FTC_BEGIN_CRITICAL_SECTION2(d1, d2); /* takes the lower, waits for the higher holding it */
    FTC_END_CRITICAL_SECTION2();
    CHECK_EQ(ftc_thread_join(t, -1), 0);
    ftc_thread_release(t);
    CHECK_EQ(seen.calls, 0);
    ftc_decref(d1);
    ftc_decref(d2);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(a_suspended_section_holds_nothing)
{
    begin();
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *d = ftc_dict_new(), *l = ftc_list_new();
    static ftc_mutex m = FTC_MUTEX_INIT;

    /* m -> "object mutex of type dict": m is held while the section may wait */
    ftc_mutex_lock(&m);
    FTC_BEGIN_CRITICAL_SECTION(d);
    FTC_END_CRITICAL_SECTION();
    ftc_mutex_unlock(&m);

    /* In a section, a lock call that detaches while it waits suspends the section first: the
     * section's lock is not held during the wait, no edge dict -> m, no report. */
    FTC_BEGIN_CRITICAL_SECTION(d);
    ftc_mutex_lock(&m);
    ftc_mutex_unlock(&m);
    FTC_END_CRITICAL_SECTION();
    /* A detached thread's sections are suspended: whatever it takes, it holds nothing of them. */
    FTC_BEGIN_CRITICAL_SECTION(d);
    ftc_tstate *ts = ftc_detach();
    CHECK_EQ(ftc_mutex_lock_timed(&m, -1, FTC_LOCK_NODETACH), 0);
    ftc_mutex_unlock(&m);
    ftc_attach(ts);
    FTC_END_CRITICAL_SECTION();
    CHECK_EQ(seen.calls, 0);

    /* A call that keeps the thread attached while it waits keeps the section's lock: dict -> m,
     * which closes the cycle with m -> dict. */
    FTC_BEGIN_CRITICAL_SECTION(d);
    CHECK_EQ(ftc_mutex_lock_timed(&m, -1, FTC_LOCK_NODETACH), 0);
    ftc_mutex_unlock(&m);
    FTC_END_CRITICAL_SECTION();
    CHECK_EQ(seen.calls, expect(1));
    if (on) {
        CHECK(strcmp(seen.held, "object mutex of type dict") == 0);
        CHECK(strcmp(seen.file, this_file()) == 0);
    }

    /* The first lock of a two-object section is held while the second is waited for: with the
     * list's mutex at the lower address, list -> dict (subclass 1). */
    ftc_object *lo = (uintptr_t)l < (uintptr_t)d ? l : d;
    ftc_object *hi = lo == l ? d : l;
    FTC_BEGIN_CRITICAL_SECTION2(lo, hi);
    FTC_END_CRITICAL_SECTION2();
    CHECK_EQ(seen.calls, expect(1));

    ftc_decref(d);
    ftc_decref(l);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
#endif
