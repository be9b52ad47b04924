/* Weak references (temporary stub while the API lands; see include/ftcore/weakref.h). */
#include "internal/object.h"

const ftc_type ftc_weakref_type = {.name = "weakref", .basicsize = sizeof(ftc_weakref)};
ftc_weakref *ftc_weakref_new(ftc_object *obj, ftc_weakref_callback callback, void *data)
{
    (void)obj;
    (void)callback;
    (void)data;
    ftc_set_last_error(FTC_ENOTSUP);
    return NULL;
}
int ftc_weakref_init(ftc_weakref *ref, ftc_object *obj, ftc_weakref_callback callback, void *data)
{
    (void)ref;
    (void)obj;
    (void)callback;
    (void)data;
    return FTC_ENOTSUP;
}
void ftc_weakref_fini(ftc_weakref *ref) { (void)ref; }
ftc_object *ftc_weakref_get_ref(ftc_weakref *ref)
{
    (void)ref;
    return NULL;
}
bool ftc_weakref_supported(ftc_object *obj) { return obj != NULL && false; }
int64_t ftc_weakref_count(ftc_object *obj) { return obj != NULL ? 0 : 0; }
