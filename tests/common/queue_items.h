/* The items of the queue tests (tests/unit/queue_test.c, tests/stress/queue_stress.c): objects
 * carrying an id whose deallocations are counted in items_freed, so a test can check that every
 * item it put was freed exactly once. Each including file makes its own items (its harness's
 * assertion on the allocation). */
#ifndef FTC_TEST_QUEUE_ITEMS_H
#define FTC_TEST_QUEUE_ITEMS_H

#include <ftcore/ftcore.h>

typedef struct item_obj {
    FTC_OBJECT_HEAD;
    int64_t id;
} item_obj;

static int64_t items_freed; /* atomic */

static void item_dealloc(ftc_object *o)
{
    FTC_UNUSED(o);
    ftc_atomic_fetch_add(&items_freed, 1);
}

static const ftc_type item_type = {
    .name = "queue_item",
    .basicsize = sizeof(item_obj),
    .dealloc = item_dealloc,
};

#endif /* FTC_TEST_QUEUE_ITEMS_H */
