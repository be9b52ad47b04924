/* Stress: readers index one list without the lock while writers grow and shrink it: appends,
 * pops from both ends, inserts at the front, item replacement, extend, reverse, sort, and an
 * occasional clear; the items array is replaced (grown, shrunk, cleared) over and over and the
 * replaced arrays and items are freed while readers may still be looking at them.
 *
 * Every item is a tagged object whose deallocator zeroes its magic. A reader that gets an item
 * checks it is a live tagged object (magic intact) of this run (half the reads borrow the item
 * and check it through ftc_try_incref, the documented way); a reader never gets a freed or
 * foreign object (ASan and TSan watch the memory and the ordering); a failure is only ever
 * FTC_EINDEX with a NULL result. (Exact index semantics under concurrency are the
 * linearizability test's job: lin_list.c.) At the end every remaining item is intact, and
 * once the list is released every object has been freed exactly once (live count). */
#include "check.h"
#include <ftcore/ftcore.h>

enum { NWRITERS = 2, NREADERS = 3 };
#define MAGIC 0xA11CEu

typedef struct {
    FTC_OBJECT_HEAD;
    uint32_t magic;
    int64_t value;
} tagged;

static void tagged_dealloc(ftc_object *self) { ((tagged *)self)->magic = 0; }
static const ftc_type tagged_type = {"tagged", sizeof(tagged), tagged_dealloc, NULL, NULL, NULL,
                                     NULL};

static ftc_object *list;
static long ops;
static int go, writers_done; /* atomic */

static ftc_object *make(int64_t v)
{
    tagged *o = (tagged *)ftc_object_new(&tagged_type);
    CHECK(o != NULL);
    o->magic = MAGIC;
    o->value = v;
    return FTC_OBJ(o);
}

static int less_value(ftc_object *a, ftc_object *b, void *arg)
{
    (void)arg;
    return ((tagged *)a)->value < ((tagged *)b)->value;
}

static void wait_go(void)
{
    while (!ftc_atomic_load_acquire(&go))
        ftc_eval_tick();
}

static void writer(int w, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)w * 31 + 7;
    wait_go();
    for (long i = 0; i < ops; i++) {
        uint64_t r = ftc_check_rand(&seed);
        int64_t len = ftc_list_len(list);
        ftc_object *v;
        switch (r % 16) {
        case 0:
        case 1:
        case 2:
        case 3:
            v = make((int64_t)(r >> 8));
            CHECK_EQ(ftc_list_append(list, v), 0);
            ftc_decref(v);
            break;
        case 4:
        case 5:
            v = make((int64_t)(r >> 8));
            CHECK_EQ(ftc_list_insert(list, 0, v), 0);
            ftc_decref(v);
            break;
        case 6:
        case 7: {
            int rc = ftc_list_pop(list, -1, &v);
            CHECK(rc == 0 || rc == FTC_EINDEX);
            if (rc == 0)
                ftc_decref(v);
            break;
        }
        case 8:
        case 9: {
            int rc = ftc_list_pop(list, 0, NULL);
            CHECK(rc == 0 || rc == FTC_EINDEX);
            break;
        }
        case 10:
        case 11:
            v = make((int64_t)(r >> 8));
            if (len > 0) {
                int rc = ftc_list_set(list, (int64_t)((r >> 20) % (uint64_t)len), v);
                CHECK(rc == 0 || rc == FTC_EINDEX); /* the other writer may have shrunk it */
            }
            ftc_decref(v);
            break;
        case 12:
            if (len < 400) {
                ftc_object *s = ftc_list_slice(list, 0, 20);
                CHECK(s != NULL);
                CHECK_EQ(ftc_list_extend(list, s), 0);
                ftc_decref(s);
            }
            break;
        case 13: CHECK_EQ(ftc_list_reverse(list), 0); break;
        case 14: {
            int rc = ftc_list_sort(list, less_value, NULL, (int)(r >> 40) & 1);
            CHECK(rc == 0 || rc == FTC_ECHANGED);
            break;
        }
        default:
            if ((r >> 32) % 64 == 0 || len > 600)
                CHECK_EQ(ftc_list_clear(list), 0);
            break;
        }
        if ((i & 31) == 0)
            ftc_eval_tick();
    }
    ftc_atomic_fetch_add(&writers_done, 1);
}

static void reader(int idx, void *ctx)
{
    (void)ctx;
    uint64_t seed = (uint64_t)idx * 17 + 3;
    wait_go();
    long n = 0, hits = 0, borrowed_live = 0;
    while (ftc_atomic_load_acquire(&writers_done) < NWRITERS || n < 1000) {
        int64_t len = ftc_list_len(list);
        CHECK(len >= 0);
        uint64_t r = ftc_check_rand(&seed);
        int64_t i = len > 0 ? (int64_t)(r % (uint64_t)(len + 2)) : 0;
        if (r & (1ull << 40))
            i = -1 - i;
        ftc_object *x = NULL;
        bool borrowed = (r >> 41) & 1;
        int rc = borrowed ? ftc_list_get_borrowed(list, i, &x) : ftc_list_get_ref(list, i, &x);
        if (rc == 0) {
            CHECK(x != NULL);
            CHECK(ftc_type_of(x) == &tagged_type);
            if (borrowed) {
                /* The documented use of a borrowed item whose contents matter: its memory is
                 * good until our next tick even if a writer dropped it meanwhile (ASan checks),
                 * and try-incref tells a live item (magic intact, now ours) from a dying one. */
                if (ftc_try_incref(x)) {
                    CHECK_EQ(((tagged *)x)->magic, MAGIC);
                    borrowed_live++;
                    ftc_decref(x);
                }
            } else {
                CHECK_EQ(((tagged *)x)->magic, MAGIC);
                ftc_decref(x);
            }
            hits++;
        } else {
            CHECK_EQ(rc, FTC_EINDEX);
            CHECK(x == NULL);
        }
        if ((++n & 31) == 0)
            ftc_eval_tick();
    }
    CHECK(hits > 0);
    CHECK(borrowed_live > 0);
}

FTC_TEST(readers_while_writers_grow_and_shrink)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    int64_t live0 = ftc_object_live_count();
    ops = ftc_check_scaled(60000);
    list = ftc_list_new();
    CHECK(list != NULL);
    ftc_check_run_threads2(NWRITERS, writer, NREADERS, reader, NULL, &go);
    int64_t len = ftc_list_len(list);
    for (int64_t j = 0; j < len; j++) {
        ftc_object *x;
        CHECK_EQ(ftc_list_get_ref(list, j, &x), 0);
        CHECK_EQ(((tagged *)x)->magic, MAGIC);
        ftc_decref(x);
    }
    ftc_decref(list);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
