/* Stress: ftc_list_append_unique takes no section only while the caller's reference is the
 * only one. Each round, the owner thread makes a list, gives the other thread a reference of
 * its own (the other thread can reach the list only through it), and both append N tagged
 * items at once, the owner with ftc_list_append_unique and the other with ftc_list_append.
 * The owner's appends must see the second reference (or the list marked shared by the other
 * thread's first use) and take the section: at the end the list has exactly 2N items, each
 * thread's in the order appended, none twice. An unlocked append racing a locked one loses
 * items or tears the array (and TSan reports the race). Then the other thread drops its
 * reference; the owner keeps appending, alone. Every object is freed exactly once. */
#include "check.h"
#include <ftcore/ftcore.h>

#define MAGIC 0x11A9BEEFu

typedef struct {
    FTC_OBJECT_HEAD;
    uint32_t magic; /* MAGIC while alive, 0 after dealloc */
    int thread;
    long seq;
} tagged;

static void tagged_dealloc(ftc_object *self) { ((tagged *)self)->magic = 0; }
static const ftc_type tagged_type = {"tagged", sizeof(tagged), tagged_dealloc, NULL, NULL, NULL,
                                     NULL};

static long per_thread;
static int rounds;
static ftc_object *handed; /* atomic: the list, with a reference for the other thread */
static int other_done;     /* atomic: rounds the other thread has finished */
static int go;

static ftc_object *item(int t, long i)
{
    tagged *o = (tagged *)ftc_object_new(&tagged_type);
    CHECK(o != NULL);
    o->magic = MAGIC;
    o->thread = t;
    o->seq = i;
    return FTC_OBJ(o);
}

static void owner(int idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
    for (int r = 0; r < rounds; r++) {
        ftc_object *l = ftc_list_new();
        CHECK(l != NULL);
        ftc_incref(l); /* the other thread's reference */
        ftc_atomic_store_release(&handed, l);
        for (long i = 0; i < per_thread; i++) {
            ftc_object *o = item(0, i);
            CHECK_EQ(ftc_list_append_unique(l, o), 0);
            ftc_decref(o);
            if ((i & 127) == 0)
                ftc_eval_tick();
        }
        while (ftc_atomic_load_acquire(&other_done) <= r)
            ftc_eval_tick();
        /* alone again: the rest of the appends may skip the section or not; same list */
        for (long i = per_thread; i < per_thread + 100; i++) {
            ftc_object *o = item(0, i);
            CHECK_EQ(ftc_list_append_unique(l, o), 0);
            ftc_decref(o);
        }
        CHECK_EQ(ftc_list_len(l), 2 * per_thread + 100);
        long next[2] = {0, 0};
        for (int64_t j = 0; j < 2 * per_thread + 100; j++) {
            ftc_object *x = NULL;
            CHECK_EQ(ftc_list_get_ref(l, j, &x), 0);
            tagged *o = (tagged *)x;
            CHECK_EQ(o->magic, MAGIC);
            CHECK_EQ(o->seq, next[o->thread]);
            next[o->thread]++;
            ftc_decref(x);
        }
        CHECK_EQ(next[0], per_thread + 100);
        CHECK_EQ(next[1], per_thread);
        ftc_decref(l);
    }
}

static void other(int idx, void *ctx)
{
    (void)idx;
    (void)ctx;
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
    for (int r = 0; r < rounds; r++) {
        ftc_object *l;
        while ((l = ftc_atomic_exchange_acq_rel(&handed, (ftc_object *)NULL)) == NULL)
            ftc_eval_tick();
        for (long i = 0; i < per_thread; i++) {
            ftc_object *o = item(1, i);
            CHECK_EQ(ftc_list_append(l, o), 0);
            ftc_decref(o);
            if ((i & 127) == 0)
                ftc_eval_tick();
        }
        ftc_decref(l);
        ftc_atomic_store_release(&other_done, r + 1);
    }
}

FTC_TEST(append_unique_with_a_second_holder)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    per_thread = ftc_check_scaled(20000);
    rounds = 30;
    ftc_check_run_threads2(1, owner, 1, other, NULL, &go);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
