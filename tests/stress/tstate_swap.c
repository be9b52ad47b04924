/* Stress: ftc_tstate_swap on many threads at once, each hopping at random between its own
 * thread state in the main interpreter, one in each of two sub-interpreters, and none (NULL),
 * more threads than cores, while another thread keeps stopping the world.
 *
 * Each round runs with one configuration: sub-interpreters with their own GIL (GIL build: three
 * GILs, threads of different interpreters run in parallel), sharing the main GIL, and (nogil)
 * with the GIL switched on at run time. Checked:
 *   - swap returns the tstate that was current, and afterwards the thread is attached in the
 *     interpreter it asked for;
 *   - the GIL each tstate needs is held exclusively: a per-GIL count of threads inside stays at
 *     one while a GIL is in force (a swap that kept the old GIL or skipped the new one would let
 *     two threads in);
 *   - critical sections: every interpreter has a counter dict incremented inside a critical
 *     section on it, and a thread sometimes swaps away (to another interpreter or to NULL) and
 *     back in the middle of the section before its read-modify-write; the section's lock is
 *     held again after the swap back, and the final counts are exact;
 *   - each interpreter's list receives exactly the appends made while attached to it;
 *   - while the stopper has the world stopped no worker runs attached (checked where the
 *     world's stop is exclusive in this build: the nogil build, and the GIL build with one
 *     shared GIL; with own GILs only the GIL build's stop of every interpreter would make it so);
 *   - the live-object count returns to its start, and nothing is reported by the sanitizers.
 * The harness's watchdog turns a deadlock (a GIL never released by a swap) into a failure. */
#include <sched.h>
#include <string.h>

#include "check.h"
#include "internal/state.h"

enum { NSUB = 2, NINTERP = NSUB + 1, NWORKERS = 6 };

static ftc_interp *interps[NINTERP];    /* [0] main */
static ftc_object *lists[NINTERP];      /* appended to while attached in that interpreter */
static ftc_object *counters[NINTERP];   /* dict: key -> count, in a critical section */
static ftc_object *count_keys[NINTERP]; /* the key of each */
static struct ftc_gil *gils[NINTERP];   /* the GIL of each interpreter's tstates */
static int inside[NINTERP];             /* atomic: threads inside, per GIL (by first index) */
static int64_t appended[NWORKERS][NINTERP];
static int64_t incremented[NWORKERS][NINTERP];
static long iters;
static int world_stopped; /* atomic: the stopper has the world stopped */
static int check_stw;     /* the stop excludes every worker in this round */
static int workers_done;  /* atomic */
static int gate;          /* atomic: the workers start together */
static int64_t stops;     /* atomic: worlds stopped meanwhile */

static int gil_slot(int interp)
{
    for (int i = 0; i < NINTERP; i++)
        if (gils[i] == gils[interp])
            return i;
    return interp;
}

/* Work while attached in interpreter k: nothing here detaches, ticks or swaps. */
static void exclusive_work(int w, int k, uint64_t *seed)
{
    CHECK(!ftc_atomic_load(&world_stopped) || !check_stw);
    int gil_on = ftc_gil_enabled();
    int slot = gil_slot(k);
    if (gil_on)
        CHECK_EQ(ftc_atomic_fetch_add(&inside[slot], 1), 0);
    ftc_object *v = ftc_int_new((int64_t)(ftc_check_rand(seed) % 1000000) + 1000);
    CHECK(v != NULL);
    CHECK_EQ(ftc_list_append(lists[k], v), 0);
    ftc_decref(v);
    appended[w][k]++;
    if (gil_on)
        ftc_atomic_fetch_sub(&inside[slot], 1);
}

/* Increments interpreter k's counter in a critical section on its dict; sometimes swaps to
 * `away` (another tstate of ours, or NULL) and back in the middle of the section. */
static void counted_section(int w, int k, ftc_tstate *mine, ftc_tstate *away, bool hop)
{
    ftc_object *d = counters[k];
    FTC_BEGIN_CRITICAL_SECTION(d);
    if (hop) {
        CHECK(ftc_tstate_swap(away) == mine);
        if (away != NULL)
            CHECK_EQ(ftc_eval_tick(), 0);
        CHECK(ftc_tstate_swap(mine) == away);
#ifdef FTC_GIL_DISABLED
        CHECK(ftc_mutex_is_locked(&d->ob_mutex)); /* the section is ours again */
#endif
    }
    ftc_object *v = NULL;
    CHECK_EQ(ftc_dict_get_ref(d, count_keys[k], &v), 1);
    ftc_object *nv = ftc_int_new(ftc_int_value(v) + 1);
    CHECK(nv != NULL);
    ftc_decref(v);
    CHECK_EQ(ftc_dict_set(d, count_keys[k], nv), 0);
    ftc_decref(nv);
    FTC_END_CRITICAL_SECTION();
    incremented[w][k]++;
}

static void worker(void *arg)
{
    int w = (int)(intptr_t)arg;
    uint64_t seed = (uint64_t)w * 2654435761u + 17;
    ftc_tstate *ts[NINTERP + 1];
    ts[0] = ftc_tstate_get();
    for (int k = 1; k < NINTERP; k++) {
        ts[k] = ftc_tstate_new(interps[k]);
        CHECK(ts[k] != NULL);
        /* New and never attached: detached, or parked if a stop of the world (another
         * thread's collection or hot round: contention can start one at any time) is in
         * progress, as a new thread state is then. */
        int st = ftc_tstate_state(ts[k]);
        CHECK(st == FTC_TSTATE_DETACHED || st == FTC_TSTATE_SUSPENDED);
    }
    ts[NINTERP] = NULL;
    while (!ftc_atomic_load_acquire(&gate)) {
        FTC_BEGIN_ALLOW_THREADS
        sched_yield();
        FTC_END_ALLOW_THREADS
    }
    int cur = 0;
    for (long i = 0; i < iters; i++) {
        int next = (int)(ftc_check_rand(&seed) % (NINTERP + 1));
        CHECK(ftc_tstate_swap(ts[next]) == ts[cur]);
        cur = next;
        CHECK(ftc_tstate_get() == ts[cur]);
        if (ts[cur] == NULL)
            continue;
        CHECK(ftc_tstate_interp(ts[cur]) == interps[cur]);
        exclusive_work(w, cur, &seed);
        uint64_t r = ftc_check_rand(&seed);
        if (r % 4 == 0) {
            int other = (int)((r >> 8) % (NINTERP + 1));
            counted_section(w, cur, ts[cur], other == cur ? NULL : ts[other], (r >> 16) % 2);
        }
        CHECK_EQ(ftc_eval_tick(), 0);
    }
    CHECK(ftc_tstate_swap(ts[0]) == ts[cur]); /* a thread ends in its own tstate */
    for (int k = 1; k < NINTERP; k++)
        ftc_tstate_delete(ts[k]);
    ftc_atomic_fetch_add(&workers_done, 1);
}

static void stopper(void *arg)
{
    FTC_UNUSED(arg);
    while (ftc_atomic_load(&workers_done) < NWORKERS) {
        ftc_stop_the_world();
        ftc_atomic_store(&world_stopped, 1);
        for (int spin = 0; spin < 100; spin++)
            sched_yield(); /* a window in which an attached worker would be caught */
        ftc_atomic_store(&world_stopped, 0);
        ftc_start_the_world();
        ftc_atomic_fetch_add(&stops, 1);
        FTC_BEGIN_ALLOW_THREADS
        sched_yield();
        FTC_END_ALLOW_THREADS
    }
}

static void round_with(int own_gil, int gil)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.own_gil_for_subinterpreters = own_gil;
    cfg.gil = gil;
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    int64_t live0 = ftc_object_live_count();
    ftc_tstate *main_ts = ftc_tstate_get();
    ftc_tstate *sub_main[NINTERP] = {NULL};
    interps[0] = ftc_interp_main();
    gils[0] = main_ts->gil;
    for (int k = 1; k < NINTERP; k++) {
        ftc_tstate *prev;
        interps[k] = ftc_interp_new(&prev);
        CHECK(interps[k] != NULL && prev == main_ts);
        sub_main[k] = ftc_tstate_get();
        gils[k] = sub_main[k]->gil;
        CHECK(ftc_tstate_swap(main_ts) == sub_main[k]);
    }
#ifndef FTC_GIL_DISABLED
    CHECK(own_gil ? gils[1] != gils[0] && gils[2] != gils[1] : gils[1] == gils[0]);
#endif
    /* Each interpreter's objects are made in it (GIL build: its GIL orders their counts). */
    for (int k = 0; k < NINTERP; k++) {
        ftc_tstate *in_k = k == 0 ? main_ts : sub_main[k];
        CHECK(ftc_tstate_swap(in_k) == main_ts || k == 0);
        lists[k] = ftc_list_new();
        counters[k] = ftc_dict_new();
        count_keys[k] = ftc_str_new("count", 5);
        ftc_object *zero = ftc_int_new(0);
        CHECK(lists[k] && counters[k] && count_keys[k] && zero);
        CHECK_EQ(ftc_dict_set(counters[k], count_keys[k], zero), 0);
        ftc_decref(zero);
        CHECK(ftc_tstate_swap(main_ts) == in_k);
    }
    iters = ftc_check_scaled(40000);
    memset(appended, 0, sizeof appended);
    memset(incremented, 0, sizeof incremented);
    memset(inside, 0, sizeof inside);
    ftc_atomic_store(&workers_done, 0);
    ftc_atomic_store(&world_stopped, 0);
    ftc_atomic_store(&gate, 0);
    ftc_atomic_store(&stops, 0);
#ifdef FTC_GIL_DISABLED
    check_stw = 1;
#else
    check_stw = !own_gil;
#endif

    ftc_thread *t[NWORKERS], *st;
    for (int w = 0; w < NWORKERS; w++)
        CHECK_EQ(ftc_thread_start(&t[w], worker, (void *)(intptr_t)w, NULL), 0);
    CHECK_EQ(ftc_thread_start(&st, stopper, NULL, NULL), 0);
    ftc_atomic_store_release(&gate, 1); /* release: pairs with the workers' acquire loads */
    for (int w = 0; w < NWORKERS; w++) {
        CHECK_EQ(ftc_thread_join(t[w], -1), 0);
        ftc_thread_release(t[w]);
    }
    CHECK_EQ(ftc_thread_join(st, -1), 0);
    ftc_thread_release(st);

    for (int k = 0; k < NINTERP; k++) {
        int64_t app = 0, inc = 0;
        for (int w = 0; w < NWORKERS; w++) {
            app += appended[w][k];
            inc += incremented[w][k];
        }
        CHECK(app > 0);
        CHECK_EQ(ftc_list_len(lists[k]), app);
        ftc_object *v = NULL;
        CHECK_EQ(ftc_dict_get_ref(counters[k], count_keys[k], &v), 1);
        CHECK_EQ(ftc_int_value(v), inc);
        ftc_decref(v);
        printf("  own_gil %d gil %d: interpreter %d: %lld appends, %lld counted sections\n",
               own_gil, gil, k, (long long)app, (long long)inc);
    }
    printf("  own_gil %d gil %d: %lld worlds stopped meanwhile\n", own_gil, gil,
           (long long)ftc_atomic_load(&stops));
    for (int k = 0; k < NINTERP; k++) {
        ftc_tstate *in_k = k == 0 ? main_ts : sub_main[k];
        CHECK(ftc_tstate_swap(in_k) == main_ts || k == 0);
        ftc_decref(lists[k]);
        ftc_decref(counters[k]);
        ftc_decref(count_keys[k]);
        if (k > 0) {
            CHECK_EQ(ftc_interp_destroy(interps[k]), 0); /* leaves us detached */
            CHECK(ftc_tstate_swap(main_ts) == NULL);
        }
    }
    CHECK(ftc_tstate_get() == main_ts);
    ftc_object_collect_hot();
    CHECK_EQ(ftc_eval_tick(), 0);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(swap_among_interpreters_with_own_gils) { round_with(1, -1); }
FTC_TEST(swap_among_interpreters_sharing_the_gil) { round_with(0, -1); }
#ifdef FTC_GIL_DISABLED
FTC_TEST(swap_with_the_gil_switched_on) { round_with(1, 1); }
#endif
