/* Stress: owner threads that leave and come back (gilstate ensure/release from threads the
 * embedder created, the pattern of C callbacks), while other threads drop references to the
 * objects they own.
 *
 * Each cycle a foreign thread ensures a tstate (its BRC record registers again under the same
 * thread id), makes objects, trades references through a shared pool, and releases (its record
 * drains its merge queue and leaves). Objects whose owner is away are merged directly by
 * whoever drops them; objects whose owner is back queue to it again. Checked: every object is
 * deallocated exactly once, none while a reference is held, and all by the end (TSan checks
 * that a direct merge never overlaps its owner counting).
 */
#include <pthread.h>

#include "check.h"
#include "internal/object.h"

enum { NFOREIGN = 3, POOL = 256, MAX_OBJS = 1 << 20 };

typedef struct {
    FTC_OBJECT_HEAD;
    uint32_t serial;
    uint32_t alive;
} item;

static uint8_t *dead;        /* by serial; atomic */
static uint32_t next_serial; /* atomic */
static uint64_t deallocs;    /* atomic */

static void item_dealloc(ftc_object *self)
{
    item *it = (item *)self;
    CHECK(it->alive == 1);
    it->alive = 0;
    if (ftc_atomic_exchange(&dead[it->serial], (uint8_t)1) != 0)
        ftc_check_fail(__FILE__, __LINE__, "dealloc once", "object deallocated twice");
    ftc_atomic_fetch_add(&deallocs, 1);
}

static const ftc_type item_type = {"item", sizeof(item), item_dealloc, NULL, NULL, NULL, NULL};

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static ftc_object *pool[POOL]; /* each slot holds one reference */

/* Swaps o (a reference we give) into a random slot and drops what was there. */
static void trade(ftc_object *o, uint64_t *rng)
{
    int i = (int)(ftc_check_rand(rng) % POOL);
    pthread_mutex_lock(&pool_mu);
    ftc_object *old = pool[i];
    pool[i] = o;
    pthread_mutex_unlock(&pool_mu);
    if (old != NULL) {
        CHECK(((item *)old)->alive == 1);
        ftc_decref(old);
    }
}

static ftc_object *new_item(void)
{
    item *it = (item *)ftc_object_new(&item_type);
    CHECK(it != NULL);
    it->serial = ftc_atomic_fetch_add(&next_serial, 1);
    CHECK(it->serial < MAX_OBJS);
    it->alive = 1;
    return FTC_OBJ(it);
}

static long cycles;
static int foreign_left; /* atomic */

static void *foreign(void *arg)
{
    uint64_t rng = (uint64_t)(intptr_t)arg * 6151 + 17;
    for (long c = 0; c < cycles; c++) {
        ftc_gilstate g = ftc_gilstate_ensure();
        for (int k = 0; k < 16; k++) {
            ftc_object *o = new_item();
            ftc_incref(o);
            trade(o, &rng); /* one reference into the pool */
            if (ftc_check_rand(&rng) % 2)
                trade(o, &rng); /* the other one too */
            else
                ftc_decref(o);
            CHECK(ftc_eval_tick() == 0);
        }
        ftc_gilstate_release(g); /* the record drains and leaves */
    }
    ftc_atomic_fetch_sub(&foreign_left, 1);
    return NULL;
}

FTC_TEST(owners_leave_and_come_back)
{
    dead = calloc(MAX_OBJS, 1);
    CHECK(dead != NULL);
    cycles = ftc_check_scaled(2000);
    CHECK(ftc_runtime_init(NULL) == 0);
    ftc_atomic_store(&foreign_left, NFOREIGN);
    pthread_t th[NFOREIGN];
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < NFOREIGN; i++)
        CHECK(pthread_create(&th[i], NULL, foreign, (void *)(intptr_t)i) == 0);
    FTC_END_ALLOW_THREADS
    uint64_t rng = 99;
    /* main trades too: it drops objects whose owners come and go */
    for (long i = 0; i < cycles * 16 && ftc_atomic_load(&foreign_left) > 0; i++) {
        ftc_object *o = new_item();
        trade(o, &rng);
        CHECK(ftc_eval_tick() == 0);
    }
    FTC_BEGIN_ALLOW_THREADS
    for (int i = 0; i < NFOREIGN; i++)
        CHECK(pthread_join(th[i], NULL) == 0);
    FTC_END_ALLOW_THREADS
    for (int i = 0; i < POOL; i++) {
        ftc_xdecref(pool[i]);
        pool[i] = NULL;
    }
    CHECK(ftc_eval_tick() == 0);
    CHECK(ftc_runtime_fini() == 0);
    uint32_t made = ftc_atomic_load(&next_serial);
    CHECK_EQ(ftc_atomic_load(&deallocs), made);
    for (uint32_t s = 0; s < made; s++)
        CHECK(dead[s] == 1);
    printf("objects %u, each freed once\n", made);
    free(dead);
}
