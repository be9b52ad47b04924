/* The built-in immutable types int (a boxed int64) and str (bytes + length), and the hashing
 * and equality helpers the containers use.
 *
 * Both types are immutable and fully built before the constructor returns (the str hash is
 * computed eagerly, not cached lazily), so any thread that obtained a reference through a
 * release store (a container slot) or a lock reads their fields without synchronization.
 * Small ints -5..256 are static immortal objects: ftc_int_new returns them without allocating,
 * and their counts never change, so they are shared by all threads at no cost.
 *
 * Hashes: int hashes its value through the splitmix64 finalizer (good spread for the dict's
 * masked probing); str uses 64-bit FNV-1a followed by the same finalizer. Equal values hash
 * equally; the hash of an int and a str with the same bytes are unrelated (they never compare
 * equal: ftc_object_eq of an int and a str is 0).
 *
 * The hot readers are inline in object.h, which therefore holds both layouts: ftc_int_value,
 * ftc_str_data/len/hash (a type check and a load; a wrong type calls _ftc_object_wrong_type
 * here, fatal) and ftc_object_hash for an int or a str (no call: a dict lookup hashes its key
 * on every probe sequence). This file keeps the constructors, equality, and the hash of other
 * types (_ftc_object_hash_slow, which calls the type's callback).
 */
#include "internal/object.h"
#include <stddef.h>
#include <string.h>

/* The layouts are in the public header (object.h), for its inline accessors and hash; a str's
 * bytes follow its struct. */
typedef _ftc_int_object int_object;

typedef struct {
    _ftc_str_object head;
    char data[]; /* len bytes and a NUL */
} str_object;

_Static_assert(offsetof(str_object, data) == sizeof(_ftc_str_object),
               "ftc_str_data() finds the bytes right after the public struct");

static int int_hash(ftc_object *self, uint64_t *out)
{
    *out = _ftc_hash_mix64((uint64_t)((int_object *)self)->value);
    return 0;
}

static int int_eq(ftc_object *self, ftc_object *other)
{
    return ftc_int_check(other) && ((int_object *)self)->value == ((int_object *)other)->value;
}

static int str_hash(ftc_object *self, uint64_t *out)
{
    *out = ((str_object *)self)->head.hash;
    return 0;
}

static int str_eq(ftc_object *self, ftc_object *other)
{
    if (!ftc_str_check(other))
        return 0;
    str_object *a = (str_object *)self, *b = (str_object *)other;
    return a->head.len == b->head.len && a->head.hash == b->head.hash &&
           memcmp(a->data, b->data, a->head.len) == 0;
}

const ftc_type ftc_int_type = {"int", sizeof(int_object), NULL, int_hash, int_eq, NULL, NULL};
const ftc_type ftc_str_type = {"str", sizeof(str_object), NULL, str_hash, str_eq, NULL, NULL};

/* ---- int ---- */

#define SMALL_MIN (-5)
#define SMALL_MAX 256
#define S(v)                                       \
    {                                              \
        FTC_OBJECT_STATIC_INIT(&ftc_int_type), (v) \
    }
#define S8(v) S(v), S(v + 1), S(v + 2), S(v + 3), S(v + 4), S(v + 5), S(v + 6), S(v + 7)
#define S64(v) \
    S8(v), S8(v + 8), S8(v + 16), S8(v + 24), S8(v + 32), S8(v + 40), S8(v + 48), S8(v + 56)
static int_object small_ints[SMALL_MAX - SMALL_MIN + 1] = {
    S(-5), S(-4), S(-3), S(-2), S(-1), S64(0), S64(64), S64(128), S64(192), S(256)};
#undef S
#undef S8
#undef S64
_Static_assert(sizeof small_ints / sizeof small_ints[0] == SMALL_MAX - SMALL_MIN + 1,
               "one static object per small int");

ftc_object *ftc_int_new(int64_t v)
{
    if (v >= SMALL_MIN && v <= SMALL_MAX)
        return FTC_OBJ(&small_ints[v - SMALL_MIN]);
    int_object *o = (int_object *)ftc_object_new(&ftc_int_type);
    if (o == NULL)
        return NULL;
    o->value = v;
    return FTC_OBJ(o);
}

void _ftc_object_wrong_type(ftc_object *o, const char *func)
{
    ftc_fatal("%s on a %s object", func, o->ob_type->name);
}

/* ---- str ---- */

/* The hash, and the code-point count in the same pass (bytes that do not continue a UTF-8
 * sequence). */
static uint64_t bytes_hash(const char *s, size_t len, size_t *cplen)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    size_t cont = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        cont += (c & 0xC0) == 0x80;
        h ^= c;
        h *= UINT64_C(0x100000001b3);
    }
    *cplen = len - cont;
    return _ftc_hash_mix64(h ^ len);
}

ftc_object *ftc_str_new(const char *s, size_t len)
{
    if (s == NULL && len != 0) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
    if (len > SIZE_MAX / 2 - sizeof(str_object)) {
        ftc_set_last_error(FTC_EOVERFLOW);
        return NULL;
    }
    str_object *o =
        (str_object *)_ftc_object_new_sized(&ftc_str_type, sizeof(str_object) + len + 1);
    if (o == NULL)
        return NULL;
    if (len != 0)
        memcpy(o->data, s, len);
    o->data[len] = '\0';
    o->head.len = len;
    o->head.hash = bytes_hash(o->data, len, &o->head.cplen);
    return FTC_OBJ(o);
}

/* ---- hashing and equality ---- */

/* The inline ftc_object_hash handles int and str itself; any other type comes here. */
int _ftc_object_hash_slow(ftc_object *o, uint64_t *out)
{
    const ftc_type *t = o->ob_type;
    if (t == &ftc_int_type)
        return int_hash(o, out);
    if (t == &ftc_str_type)
        return str_hash(o, out);
    if (t->hash == NULL)
        return FTC_ETYPE;
    return t->hash(o, out);
}

int ftc_object_eq(ftc_object *a, ftc_object *b)
{
    if (a == b)
        return 1;
    const ftc_type *ta = a->ob_type, *tb = b->ob_type;
    if (ta == &ftc_int_type)
        return tb == &ftc_int_type && int_eq(a, b);
    if (ta == &ftc_str_type)
        return tb == &ftc_str_type && str_eq(a, b);
    if (ta->eq == NULL)
        return 0;
    return ta->eq(a, b);
}
