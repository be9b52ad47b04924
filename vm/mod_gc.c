/* The gc module: collect, enable, disable, isenabled, get_threshold, set_threshold, garbage,
 * on ftcore's cycle collector (gc.h).
 *
 * gc.collect() runs ftc_gc_collect(): the world stopped (nogil) or under the GIL, every
 * tracked object's true count computed, the garbage's weak references cleared, then, with the
 * world running again, its clears called and the weakref callbacks run on this thread before
 * collect returns. It returns the number of objects the collection freed, which is not
 * CPython's count (CPython counts the unreachable objects it found, in its own object model: an
 * instance's __dict__ may or may not be a separate object): programs may compare it with 0,
 * not print it. Called again from a callback or a clear while a collection runs, it returns 0
 * as CPython's does.
 *
 * Automatic collection is the core's (a threshold of tracked allocations, run at an eval tick);
 * gc.enable()/disable() switch it. gc.set_threshold(t0[, t1[, t2]]) sets the core's threshold
 * to t0, and t0 = 0 turns automatic collection off as in CPython, without changing what
 * isenabled() reports; t1 and t2 are kept for get_threshold() only (ftcore has one
 * generation). get_threshold() reports the core's threshold, which is not CPython's 700.
 * gc.garbage is an empty list: ftpy has no __del__, so no garbage is ever left uncollectable.
 */
#include "ftpy.h"

#include <ftcore/gc.h>

static int user_enabled = 1; /* atomic: what isenabled() reports */
/* atomic each: set_threshold's arguments; thresholds[0] -1 = never set (the core's default),
 * the others start at CPython's defaults */
static int64_t thresholds[3] = {-1, 10, 10};
static ftc_mutex switch_mu = FTC_MUTEX_INIT; /* orders enable/disable/set_threshold */

/* Applies the switches to the core (switch_mu held). */
static void apply(void)
{
    int64_t t0 = ftc_atomic_load_relaxed(&thresholds[0]);
    if (ftc_atomic_load_relaxed(&user_enabled) && t0 != 0)
        ftc_gc_enable();
    else
        ftc_gc_disable();
}

bool fp_mod_gc_isenabled(void) { return ftc_atomic_load_relaxed(&user_enabled) != 0; }

static ftc_object *none(void)
{
    ftc_incref(fp_None);
    return fp_None;
}

static ftc_object *gc_collect(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    static const char *const kwlist[] = {"generation", NULL};
    ftc_object *gen = NULL;
    if (fp_parse_args("collect", args, nargs, kwnames, kwlist, 0, 1, &gen) < 0)
        return NULL;
    if (gen != NULL) {
        if (!fp_int_like(gen)) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(gen));
            return NULL;
        }
        int64_t g = fp_int_like_value(gen);
        if (g < 0 || g > 2) {
            fp_err_set(&fp_ValueError_type, "invalid generation");
            return NULL;
        }
    }
    int64_t n = ftc_gc_collect();
    if (n == FTC_ESTATE)
        n = 0; /* a collection is running (this is one's callback), as CPython answers */
    else if (n < 0)
        return fp_err_from_code((int)n, NULL), NULL;
    return fp_int_new(n);
}

static ftc_object *gc_enable(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("enable", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_mutex_lock(&switch_mu);
    ftc_atomic_store_relaxed(&user_enabled, 1);
    apply();
    ftc_mutex_unlock(&switch_mu);
    return none();
}

static ftc_object *gc_disable(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("disable", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_mutex_lock(&switch_mu);
    ftc_atomic_store_relaxed(&user_enabled, 0);
    apply();
    ftc_mutex_unlock(&switch_mu);
    return none();
}

static ftc_object *gc_isenabled(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("isenabled", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_bool(ftc_atomic_load_relaxed(&user_enabled) != 0);
}

static ftc_object *gc_get_threshold(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)self;
    (void)args;
    if (fp_check_args("get_threshold", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int64_t t[3];
    for (int i = 0; i < 3; i++)
        t[i] = ftc_atomic_load_relaxed(&thresholds[i]);
    if (t[0] < 0)
        t[0] = ftc_gc_get_threshold();
    ftc_object *a = fp_int_new(t[0]), *b = fp_int_new(t[1]), *c = fp_int_new(t[2]);
    ftc_object *r = a && b && c ? fp_tuple_pack(3, a, b, c) : NULL;
    ftc_xdecref(a);
    ftc_xdecref(b);
    ftc_xdecref(c);
    return r;
}

static ftc_object *gc_set_threshold(ftc_object *self, ftc_object *const *args, size_t nargs,
                                    ftc_object *kwnames)
{
    (void)self;
    if (kwnames != NULL && fp_tuple_size(kwnames) > 0) {
        fp_err_set(&fp_TypeError_type, "set_threshold() takes no keyword arguments");
        return NULL;
    }
    if (nargs < 1 || nargs > 3) {
        fp_err_set(&fp_TypeError_type,
                   nargs < 1 ? "set_threshold() takes at least 1 argument (0 given)"
                             : "set_threshold() takes at most 3 arguments (%zu given)",
                   nargs);
        return NULL;
    }
    int64_t v[3];
    for (size_t i = 0; i < nargs; i++) {
        if (!fp_int_like(args[i])) {
            fp_err_set(&fp_TypeError_type, "'%s' object cannot be interpreted as an integer",
                       fp_type_name(args[i]));
            return NULL;
        }
        v[i] = fp_int_like_value(args[i]);
    }
    ftc_mutex_lock(&switch_mu);
    /* CPython stores negative values as given; the core needs at least 1 (0 = off here) */
    if (v[0] > 0)
        ftc_gc_set_threshold(v[0]);
    ftc_atomic_store_relaxed(&thresholds[0], v[0] < 0 ? 0 : v[0]);
    for (size_t i = 1; i < nargs; i++)
        ftc_atomic_store_relaxed(&thresholds[i], v[i]);
    apply();
    ftc_mutex_unlock(&switch_mu);
    return none();
}

#define UNSUPPORTED(fn, name) FP_UNSUPPORTED_FUNCTION(fn, "gc." name)
UNSUPPORTED(gc_get_objects, "get_objects")
UNSUPPORTED(gc_get_referrers, "get_referrers")
UNSUPPORTED(gc_get_referents, "get_referents")
UNSUPPORTED(gc_is_tracked, "is_tracked")
UNSUPPORTED(gc_is_finalized, "is_finalized")
UNSUPPORTED(gc_get_count, "get_count")
UNSUPPORTED(gc_get_stats, "get_stats")
UNSUPPORTED(gc_set_debug, "set_debug")
UNSUPPORTED(gc_get_debug, "get_debug")
UNSUPPORTED(gc_freeze, "freeze")
UNSUPPORTED(gc_unfreeze, "unfreeze")
UNSUPPORTED(gc_get_freeze_count, "get_freeze_count")
#undef UNSUPPORTED

static const fp_method_def gc_functions[] = {
    {"collect", gc_collect, 0},
    {"enable", gc_enable, 0},
    {"disable", gc_disable, 0},
    {"isenabled", gc_isenabled, 0},
    {"get_threshold", gc_get_threshold, 0},
    {"set_threshold", gc_set_threshold, 0},
    {"get_objects", gc_get_objects, 0},
    {"get_referrers", gc_get_referrers, 0},
    {"get_referents", gc_get_referents, 0},
    {"is_tracked", gc_is_tracked, 0},
    {"is_finalized", gc_is_finalized, 0},
    {"get_count", gc_get_count, 0},
    {"get_stats", gc_get_stats, 0},
    {"set_debug", gc_set_debug, 0},
    {"get_debug", gc_get_debug, 0},
    {"freeze", gc_freeze, 0},
    {"unfreeze", gc_unfreeze, 0},
    {"get_freeze_count", gc_get_freeze_count, 0},
    {NULL, NULL, 0},
};

int fp_mod_gc_init(ftc_object *m)
{
    if (fp_module_add_functions(m, gc_functions) < 0)
        return -1;
    ftc_object *garbage = fp_list_new();
    if (garbage == NULL)
        return -1;
    int rc = fp_module_add(m, "garbage", garbage);
    ftc_decref(garbage);
    return rc;
}
