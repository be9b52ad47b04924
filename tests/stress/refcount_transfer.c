/* Stress: conversion to per-thread counting driven by cache-line transfers, not by lost CASes
 * (issue 18; src/refcount_hot.c, the line-transfer signal in ob_gc_bits).
 *
 * Two threads strictly alternate (a turn counter, no sleep): at its turn a thread takes a
 * reference to an object owned by a third thread (main) with a lock-free try-incref from a
 * slot, drops it, ticks and passes the turn. No CAS can fail (only one thread counts at a
 * time), so the lost-CAS signal never fires; the object's line still moves between the two
 * threads at every turn, which the line-transfer signal sees.
 *
 * Checked: with contention-driven conversion on, the object is converted (hot) within a
 * bounded number of turns; with it off, never; an object handed over once (one thread's
 * turns, then the other's) is never converted. Every time: the total is exact after the
 * threads are joined (main's reference), and the object is deallocated exactly once when main
 * drops it. In the GIL build nothing is converted (counts are plain) and the same totals hold.
 */
#include "stress_objects.h"

enum { NTURNS = 256, BOUND = 96, HANDOVER_OPS = 64 };

typedef struct {
    FTC_OBJECT_HEAD;
    uint64_t magic;
} box;

#define MAGIC UINT64_C(0xb0b0cafe12345678)

static uint64_t deallocs; /* atomic */

static void box_dealloc(ftc_object *self)
{
    box *b = (box *)self;
    CHECK(b->magic == MAGIC);
    b->magic = 0;
    ftc_atomic_fetch_add(&deallocs, 1);
}

static const ftc_type box_type = {.name = "box", .basicsize = sizeof(box), .dealloc = box_dealloc};

typedef struct {
    ftc_object *slot; /* atomic: the object, published by main */
    int turn;         /* atomic: whose turn (turn % 2), or the phase of the hand-over */
    int per_turn;     /* ops per turn: 1 (alternate) or HANDOVER_OPS (hand over once) */
    int turns;        /* turns per thread */
    int converted_at; /* atomic: first turn that found the object hot, or -1 */
    uintptr_t tid[2]; /* atomic: each thread's owner id */
} shared_t;

static void take_and_drop(shared_t *s)
{
    ftc_object *o = ftc_atomic_load_acquire(&s->slot);
    CHECK(ftc_try_incref_slot(&s->slot, o));
    CHECK(((box *)o)->magic == MAGIC);
    ftc_decref(o);
}

static void worker(int me, void *ctx)
{
    shared_t *s = ctx;
    ftc_atomic_store(&s->tid[me], _ftc_tls_tid);
    for (int t = 0; t < s->turns; t++) {
        int mine = 2 * t + me;
        /* Wait for our turn; tick while waiting, so that the other thread's round (a stop of
         * the world) can pause us. Acquire: pairs with the other's release below. */
        while (ftc_atomic_load_acquire(&s->turn) != mine)
            CHECK(ftc_eval_tick() == 0);
        for (int k = 0; k < s->per_turn; k++)
            take_and_drop(s);
        CHECK(ftc_eval_tick() == 0); /* a nomination's round runs here */
        ftc_object *o = ftc_atomic_load_acquire(&s->slot);
        if (stress_is_hot(o)) {
            int expected = -1;
            ftc_atomic_cas(&s->converted_at, &expected, mine);
        }
        ftc_atomic_store_release(&s->turn, mine + 1);
    }
}

/* Runs the two threads on a new object owned by main; returns the first turn that found it
 * hot (-1: never). Checks the totals and the single dealloc afterwards. */
static int run(int per_turn, int turns)
{
    uint64_t before = ftc_atomic_load(&deallocs);
    int64_t live0 = ftc_object_live_count();
    box *b = (box *)ftc_object_new(&box_type);
    CHECK(b != NULL);
    b->magic = MAGIC;
    ftc_object *o = FTC_OBJ(b);
    ftc_object_set_shared(o);
    shared_t s = {.per_turn = per_turn, .turns = turns, .converted_at = -1};
    ftc_atomic_store_release(&s.slot, o);
    ftc_check_run_threads(2, worker, &s, NULL);
#ifdef FTC_GIL_DISABLED
    /* The signal tells threads apart by the low bits of their ids: sequential ids differ. */
    CHECK(((s.tid[0] ^ s.tid[1]) & FTC_LINE_TAG_MASK) != 0);
#endif
    CHECK(ftc_eval_tick() == 0);
    CHECK_EQ(ftc_object_refcount(o), 1); /* main's; the readers' cancelled out */
    CHECK_EQ(ftc_atomic_load(&deallocs), before);
    ftc_decref(o);
    CHECK(ftc_eval_tick() == 0);
    ftc_object_collect_hot(); /* frees it if it were still hot (it is not after the joins) */
    CHECK_EQ(ftc_atomic_load(&deallocs), before + 1);
    CHECK_EQ(ftc_object_live_count(), live0);
    return ftc_atomic_load(&s.converted_at);
}

FTC_TEST(alternating_readers_convert_the_object)
{
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_object_set_auto_hot(true);
    int at = run(1, NTURNS);
    printf("alternating readers: first turn that found the object hot: %d (bound %d)\n", at, BOUND);
#ifdef FTC_GIL_DISABLED
    CHECK(at >= 0);
    CHECK(at <= BOUND);
#else
    CHECK_EQ(at, -1);
#endif
    CHECK(ftc_runtime_fini() == 0);
}

FTC_TEST(alternating_readers_auto_hot_off)
{
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_object_set_auto_hot(false);
    int at = run(1, NTURNS);
    ftc_object_set_auto_hot(true);
    CHECK_EQ(at, -1);
    CHECK(ftc_runtime_fini() == 0);
}

FTC_TEST(object_handed_over_once_is_not_converted)
{
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_object_set_auto_hot(true);
    /* One turn each: thread 0 uses the object HANDOVER_OPS times, then thread 1 does. */
    int at = run(HANDOVER_OPS, 1);
    CHECK_EQ(at, -1);
    CHECK(ftc_runtime_fini() == 0);
}
