/* None, NotImplemented and Ellipsis: three static immortal singletons of their own types.
 *
 * Each is a bare object header (no payload): identity is the only state, so any thread reads
 * them freely and reference counts never change (FTC_OBJECT_STATIC_INIT). None is false,
 * unorderable, and hashes by identity (object.__hash__), as in CPython 3.11. The types cannot
 * be instantiated from Python code other than by returning the singleton: type(None)() is
 * None.
 */
#include "ftpy.h"
#include "format.h"

static ftc_object *none_repr(ftc_object *o)
{
    (void)o;
    return fp_str_from_cstr("None");
}

static int none_bool(ftc_object *o)
{
    (void)o;
    return 0;
}

static int64_t none_hash(ftc_object *o) { return fp_hash_pointer(o); }

static ftc_object *none_new(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)type;
    (void)args;
    if (fp_check_args("NoneType", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_None;
}

fp_type fp_none_type = {
    FP_TYPE_HEAD,
    .ct = {"NoneType", sizeof(ftc_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = none_repr,
    .hash = none_hash,
    .bool_ = none_bool,
    .new_ = none_new,
};

ftc_object _fp_None = FTC_OBJECT_STATIC_INIT(&fp_none_type.ct);

static ftc_object *notimpl_repr(ftc_object *o)
{
    (void)o;
    return fp_str_from_cstr("NotImplemented");
}

fp_type fp_notimpl_type = {
    FP_TYPE_HEAD,
    .ct = {"NotImplementedType", sizeof(ftc_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = notimpl_repr,
    .hash = none_hash,
};

ftc_object _fp_NotImplemented = FTC_OBJECT_STATIC_INIT(&fp_notimpl_type.ct);

static ftc_object *ellipsis_repr(ftc_object *o)
{
    (void)o;
    return fp_str_from_cstr("Ellipsis");
}

fp_type fp_ellipsis_type = {
    FP_TYPE_HEAD,
    .ct = {"ellipsis", sizeof(ftc_object), NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = ellipsis_repr,
    .hash = none_hash,
};

ftc_object _fp_Ellipsis = FTC_OBJECT_STATIC_INIT(&fp_ellipsis_type.ct);
