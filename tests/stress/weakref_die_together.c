/* A referent and its weak reference dying at the same moment on two threads, every preset,
 * TSan included. Thread A owns a dict and drops its last reference (its dealloc clears the
 * weak references to it, under their stripe lock); thread B owns a weak reference to that
 * dict and drops the weak reference's last reference at the same time (its fini unlinks it,
 * or, having read that the referent is already gone, returns without the stripe and lets it
 * be freed). The clearer must not write into a weak reference after publishing that it is
 * cleared: that was a use-after-free the clean-clone TSan run caught (src/weakref.c,
 * _ftc_weakref_clear_all). Half the references have a callback: it runs at most once per
 * reference, on the clearer's thread, while the reference is still alive.
 * Invariants: every callback's reference is one of this round's and alive; callbacks never
 * outnumber the references that had one; at the end the live count is back to its start
 * (every dict and weak reference freed exactly once). */
#include "check.h"
#include <ftcore/ftcore.h>

#include <sched.h>
#include <stdlib.h>

static long rounds;
static ftc_object *slot;      /* round i's dict, published by A through pub */
static long pub;              /* atomic: rounds whose dict A published */
static ftc_weakref *cur_weak; /* atomic: round i's weak reference, published by B */
static long made, dropped;    /* atomic: rounds whose weak reference B made / A dropped for */
static long callbacks;        /* atomic: callbacks run */
static long with_callback;    /* B only, read by main after the join */
static long got_alive;        /* B only: get_ref returned the referent before the drop */

static void on_dead(ftc_weakref *w, void *data)
{
    CHECK(w == (ftc_weakref *)data);
    CHECK(w == ftc_atomic_load_acquire(&cur_weak));
    CHECK(ftc_weakref_get_ref(w) == NULL); /* the referent is gone for good */
    ftc_atomic_fetch_add(&callbacks, 1);
}

/* Waits for the other thread to reach round `want`.
 * Free-threaded: spins hot for a while, so that the two drops usually start together, then
 * yields: the other thread is not running, and on a loaded machine (2 cores, CI's
 * neighbours) a pure spin burns this thread's whole time slice per handoff; 5000 rounds of
 * that outran the 240 s watchdog (tsan-nogil; 7 s alone on the same build).
 * GIL build: the two threads cannot run together, so the waiter releases the GIL at once. A
 * spin that only ticks hands it over one switch interval (5 ms) later, two handoffs a round:
 * 50 s of waiting for 5000 rounds on an idle machine, past the watchdog under load (tsan-gil).
 * The interleaving is the same either way: neither thread ticks between its wait and its
 * drop. */
static void spin_until(long *v, long want)
{
#ifdef FTC_GIL_DISABLED
    for (long spins = 0; ftc_atomic_load_acquire(v) < want; spins++) {
        CHECK(ftc_eval_tick() == 0); /* merges the references other threads queued to us */
        if (spins > 2000)
            sched_yield();
        else
            ftc_cpu_relax();
    }
#else
    if (ftc_atomic_load_acquire(v) >= want)
        return;
    FTC_BEGIN_ALLOW_THREADS
    while (ftc_atomic_load_acquire(v) < want)
        sched_yield();
    FTC_END_ALLOW_THREADS
#endif
}

static void a_main(void *arg)
{
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        ftc_object *d = ftc_dict_new();
        CHECK(d != NULL);
        slot = d;
        ftc_atomic_store_release(&pub, i + 1);
        spin_until(&made, i + 1); /* B has made its weak reference to d */
        ftc_decref(d); /* the last reference: the clear races B's drop of its reference */
        spin_until(&dropped, i + 1);
    }
}

static void b_main(void *arg)
{
    uint64_t rng = 12345;
    (void)arg;
    for (long i = 0; i < rounds; i++) {
        spin_until(&pub, i + 1);
        ftc_object *d = slot;
        bool cb = i % 2 == 0;
        ftc_weakref *w = ftc_weakref_new(d, NULL, NULL);
        CHECK(w != NULL);
        if (cb) {
            /* Re-made with a callback whose data is the reference itself. */
            ftc_decref((ftc_object *)w);
            w = (ftc_weakref *)ftc_object_new(&ftc_weakref_type);
            CHECK(w != NULL);
            CHECK_EQ(ftc_weakref_init(w, d, on_dead, w), 0);
            with_callback++;
        }
        ftc_atomic_store_release(&cur_weak, w);
        ftc_atomic_store_release(&made, i + 1);
        /* A varying head start, so the two drops land in either order and together. */
        for (unsigned k = (unsigned)(ftc_check_rand(&rng) % 64); k > 0; k--)
            (void)ftc_atomic_load(&callbacks);
        ftc_object *got = ftc_weakref_get_ref(w);
        if (got != NULL) {
            CHECK(got == d);
            got_alive++;
            ftc_decref(got);
        }
        ftc_decref((ftc_object *)w);
        ftc_atomic_store_release(&dropped, i + 1);
    }
}

FTC_TEST(referent_and_weakref_dropped_together)
{
    rounds = ftc_check_scaled(20000);
    CHECK(ftc_runtime_init(NULL) == 0);
    int64_t live0 = ftc_object_live_count();
    ftc_check_run_pair(a_main, NULL, b_main, NULL);
    CHECK(ftc_eval_tick() == 0); /* merges whatever the pair queued for this thread */
    CHECK(ftc_gc_collect() >= 0);
    CHECK(ftc_atomic_load(&callbacks) <= with_callback);
    CHECK_EQ(ftc_object_live_count(), live0);
    printf("rounds %ld, callbacks %ld of %ld, referent alive at get_ref %ld\n", rounds,
           ftc_atomic_load(&callbacks), with_callback, got_alive);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
