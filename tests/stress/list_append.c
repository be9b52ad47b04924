/* Stress: concurrent appends to one list. T threads each append N distinct tagged objects
 * while reader threads index the list's tail and middle without the lock. At the end the list
 * has exactly T*N items, every item is present exactly once, and each thread's items appear in
 * the order it appended them (appends are atomic and linearizable). Readers check every item
 * they get is a live tagged object. Every object is freed exactly once (live count). */
#include <string.h>

#include "check.h"
#include <ftcore/ftcore.h>

enum { NAPPENDERS = 4, NREADERS = 2 };
#define MAGIC 0x5EED5EEDu

typedef struct {
    FTC_OBJECT_HEAD;
    uint32_t magic; /* MAGIC while alive, 0 after dealloc */
    int thread;
    long seq;
} tagged;

static void tagged_dealloc(ftc_object *self) { ((tagged *)self)->magic = 0; }
static const ftc_type tagged_type = {"tagged", sizeof(tagged), tagged_dealloc, NULL, NULL, NULL,
                                     NULL};

static ftc_object *list;
static long per_thread;
static int go, appenders_done; /* atomic */

static void wait_go(void)
{
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
}

static void appender(int t, void *ctx)
{
    (void)ctx;
    wait_go();
    for (long i = 0; i < per_thread; i++) {
        tagged *o = (tagged *)ftc_object_new(&tagged_type);
        CHECK(o != NULL);
        o->magic = MAGIC;
        o->thread = t;
        o->seq = i;
        CHECK_EQ(ftc_list_append(list, FTC_OBJ(o)), 0);
        ftc_decref(FTC_OBJ(o));
        if ((i & 255) == 0)
            ftc_eval_tick();
    }
    ftc_atomic_fetch_add(&appenders_done, 1);
}

static void reader(int idx, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)idx + 99;
    wait_go();
    long n = 0;
    while (ftc_atomic_load_acquire(&appenders_done) < NAPPENDERS) {
        int64_t len = ftc_list_len(list);
        CHECK(len >= 0 && len <= NAPPENDERS * per_thread);
        int64_t i = (ftc_check_rand(&seed) & 1)
                        ? -1
                        : (len > 0 ? (int64_t)(ftc_check_rand(&seed) % (uint64_t)len) : 0);
        ftc_object *x = NULL;
        int rc = ftc_list_get_ref(list, i, &x);
        if (rc == 0) {
            tagged *o = (tagged *)x;
            CHECK(ftc_type_of(x) == &tagged_type);
            CHECK_EQ(o->magic, MAGIC);
            CHECK(o->thread >= 0 && o->thread < NAPPENDERS);
            ftc_decref(x);
        } else {
            CHECK_EQ(rc, FTC_EINDEX);
            CHECK(len == 0);
        }
        if ((++n & 63) == 0)
            ftc_eval_tick();
    }
}

FTC_TEST(concurrent_appends_exact)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    per_thread = ftc_check_scaled(50000);
    list = ftc_list_new();
    CHECK(list != NULL);
    ftc_check_run_threads2(NAPPENDERS, appender, NREADERS, reader, NULL, &go);
    CHECK_EQ(ftc_list_len(list), NAPPENDERS * per_thread);
    long next[NAPPENDERS];
    memset(next, 0, sizeof next);
    for (int64_t j = 0; j < NAPPENDERS * per_thread; j++) {
        ftc_object *x;
        CHECK_EQ(ftc_list_get_ref(list, j, &x), 0);
        tagged *o = (tagged *)x;
        CHECK_EQ(o->magic, MAGIC);
        /* each thread's items in order, none twice, none missing (the counts add up) */
        CHECK_EQ(o->seq, next[o->thread]);
        next[o->thread]++;
        ftc_decref(x);
    }
    for (int t = 0; t < NAPPENDERS; t++)
        CHECK_EQ(next[t], per_thread);
    ftc_decref(list);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
