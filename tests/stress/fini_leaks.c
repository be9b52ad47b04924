/* Objects still alive at ftc_runtime_fini() are counted (ftc_runtime_leaked_objects()) and
 * reported on stderr when FTC_REPORT_LEAKS=1 asks (or by default when FTC_DEBUG >= 1;
 * FTC_REPORT_LEAKS=0 silences it); a clean fini reports nothing. In debug builds making an
 * object after fini is a fatal error naming the call and the type. Both builds.
 *
 * The objects leaked here stay reachable from `kept` (LeakSanitizer reports only unreachable
 * memory), and the tests run in order: the first finds the process clean. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

static ftc_object *kept[8];
static const char *captured; /* stderr of the last captured fini */

FTC_TEST(clean_fini_counts_and_reports_nothing)
{
    CHECK_EQ(ftc_object_live_count(), 0);
    CHECK_EQ(ftc_runtime_leaked_objects(), 0);
    CHECK_EQ(setenv("FTC_REPORT_LEAKS", "1", 1), 0);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *d = ftc_dict_new();
    ftc_object *k = ftc_int_new(1000005);
    CHECK_EQ(ftc_dict_set(d, k, k), 0);
    ftc_decref(k);
    ftc_decref(d);
    ftc_check_capture_begin();
    CHECK_EQ(ftc_runtime_fini(), 0);
    captured = ftc_check_capture_end();
    CHECK_EQ(ftc_runtime_leaked_objects(), 0);
    CHECK(strstr(captured, "still alive") == NULL);
}

FTC_TEST(leaked_objects_are_counted_and_reported)
{
    CHECK_EQ(setenv("FTC_REPORT_LEAKS", "1", 1), 0);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    /* a dict holding two ints: three objects; a fourth object is released (ints outside the
     * static small ones, which are not heap objects) */
    kept[0] = ftc_dict_new();
    ftc_object *k = ftc_int_new(1000001), *v = ftc_int_new(1000002);
    ftc_object *gone = ftc_int_new(1000003);
    CHECK_EQ(ftc_dict_set(kept[0], k, v), 0);
    ftc_decref(k);
    ftc_decref(v);
    ftc_decref(gone);
    ftc_check_capture_begin();
    CHECK_EQ(ftc_runtime_fini(), 0);
    captured = ftc_check_capture_end();
    CHECK_EQ(ftc_runtime_leaked_objects(), 3);
    CHECK(strstr(captured, "ftc_runtime_fini: 3 object(s) still alive") != NULL);

    /* The next cycle counts what is alive then: the three from before, one more here. */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_runtime_leaked_objects(), 3); /* the last fini's count until the next */
    kept[1] = ftc_list_new();
    CHECK_EQ(setenv("FTC_REPORT_LEAKS", "0", 1), 0); /* silenced, whatever the build */
    ftc_check_capture_begin();
    CHECK_EQ(ftc_runtime_fini(), 0);
    captured = ftc_check_capture_end();
    CHECK_EQ(ftc_runtime_leaked_objects(), 4);
    CHECK(strstr(captured, "still alive") == NULL);

    /* Unset: debug builds print, release builds do not. */
    CHECK_EQ(unsetenv("FTC_REPORT_LEAKS"), 0);
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_check_capture_begin();
    CHECK_EQ(ftc_runtime_fini(), 0);
    captured = ftc_check_capture_end();
    CHECK_EQ(ftc_runtime_leaked_objects(), 4);
    CHECK_EQ(strstr(captured, "4 object(s) still alive") != NULL, FTC_DEBUG_LEVEL >= 1);
}

#if FTC_DEBUG_LEVEL >= 1
static void int_after_fini(void *arg)
{
    (void)arg;
    (void)ftc_int_new(1000001);
}

static void dict_after_fini(void *arg)
{
    (void)arg;
    (void)ftc_dict_new();
}
#endif

FTC_TEST(objects_made_after_fini_are_fatal_in_debug_builds)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    CHECK_EQ(ftc_runtime_fini(), 0);
#if FTC_DEBUG_LEVEL >= 1
    CHECK(ftc_check_dies(int_after_fini, NULL,
                         "ftc_object_new: a int object was made after ftc_runtime_fini()"));
    /* A container's constructor needs an attached thread state, which nobody has after fini:
     * that check (no_tstate_misuse) comes first and names the call. */
    CHECK(ftc_check_dies(dict_after_fini, NULL, "ftc_dict_new: no attached thread state"));
#endif
    /* After a new init, objects are made as usual. */
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    ftc_object *o = ftc_int_new(1000009);
    CHECK(o != NULL);
    ftc_decref(o);
    CHECK_EQ(ftc_runtime_fini(), 0);
}
