/* Litmus tests, many rounds on two threads that meet at a barrier before each round, each
 * round on fresh variables:
 *   message passing: the writer stores data (plain) then a flag with release; the reader that
 *     sees the flag with acquire must see the data. The data is plain, so under TSan a missing
 *     happens-before edge would also be reported as a race.
 *   message passing through fences: relaxed data and flag, release fence / acquire fence.
 *   store buffering (seq_cst): x = 1; r1 = y  ||  y = 1; r2 = x  never gives r1 == r2 == 0
 *     (with release/acquire it could: this is what seq_cst buys). */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include <ftcore/atomic.h>

struct round {
    long data;  /* plain */
    int flag;   /* atomic */
    long fdata; /* atomic, relaxed */
    int fflag;  /* atomic, relaxed */
    int x, y;   /* atomic, seq_cst */
    int r1, r2;
};

static struct round *rounds;
static long nrounds;
static long arrived; /* atomic: barrier counter, 2 per round */
static long mp_seen, fence_seen;

static void barrier(long round)
{
    ftc_atomic_fetch_add(&arrived, 1);
    for (int spins = 0; ftc_atomic_load(&arrived) < 2 * (round + 1); spins++) {
        if (spins < 200)
            ftc_cpu_relax();
        else
            sched_yield(); /* the other thread may be descheduled: 2 cores, many processes */
    }
}

static void *writer(void *arg)
{
    (void)arg;
    for (long i = 0; i < nrounds; i++) {
        struct round *r = &rounds[i];
        barrier(i);
        r->data = i + 1000;
        ftc_atomic_store_release(&r->flag, 1); /* release: publishes data to the acquire below */
        ftc_atomic_store_relaxed(&r->fdata, i + 2000);
        ftc_atomic_fence_release(); /* orders fdata before fflag; pairs with the acquire fence */
        ftc_atomic_store_relaxed(&r->fflag, 1);
        ftc_atomic_store(&r->x, 1);
        r->r1 = ftc_atomic_load(&r->y);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    for (long i = 0; i < nrounds; i++) {
        struct round *r = &rounds[i];
        barrier(i);
        ftc_atomic_store(&r->y, 1);
        r->r2 = ftc_atomic_load(&r->x);
        if (ftc_atomic_load_acquire(&r->flag)) { /* acquire: pairs with the writer's release */
            CHECK_EQ(r->data, i + 1000);
            mp_seen++;
        }
        if (ftc_atomic_load_relaxed(&r->fflag)) {
            ftc_atomic_fence_acquire(); /* pairs with the writer's release fence */
            CHECK_EQ(ftc_atomic_load_relaxed(&r->fdata), i + 2000);
            fence_seen++;
        }
    }
    return NULL;
}

FTC_TEST(message_passing_and_store_buffering)
{
    nrounds = ftc_check_scaled(100000);
    rounds = calloc((size_t)nrounds, sizeof *rounds);
    CHECK(rounds != NULL);
    pthread_t w, r;
    pthread_create(&w, NULL, writer, NULL);
    pthread_create(&r, NULL, reader, NULL);
    pthread_join(w, NULL);
    pthread_join(r, NULL);
    long sb_violations = 0;
    for (long i = 0; i < nrounds; i++)
        if (rounds[i].r1 == 0 && rounds[i].r2 == 0)
            sb_violations++;
    CHECK_EQ(sb_violations, 0);
    printf("rounds %ld: message seen in %ld, through fences in %ld\n", nrounds, mp_seen,
           fence_seen);
    free(rounds);
}
