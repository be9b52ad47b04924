/* Internals shared by lib's files (the built-in value types and functions), beyond the
 * object API of ftpy.h: constructors of the iterators, the repr recursion guard, argument
 * helpers, and the int/float conversions the number types and builtins share. Not for the
 * core's or the modules' use (they go through ftpy.h's generic operations).
 */
#ifndef FTPY_LIB_H
#define FTPY_LIB_H

#include "ftpy.h"
#include "format.h"

/* ---- repr of containers: "[...]" for a container inside itself ----
 * fp_repr_enter(o): 0 if o is not being repr'd by this thread (now it is), 1 if it is (print
 * the ellipsis form), -1 with RecursionError / MemoryError. Pair 0 with fp_repr_leave(o). */
int fp_repr_enter(ftc_object *o);
void fp_repr_leave(ftc_object *o);

/* A new str from an fp_buf (freed in any case); MemoryError if the buffer ran out. */
ftc_object *fp_str_from_buf(fp_buf *b);
/* Appends repr(o) / str(o) to b; 0 or -1. */
int fp_buf_put_repr(fp_buf *b, ftc_object *o);
int fp_buf_put_str(fp_buf *b, ftc_object *o);

/* ---- numbers ---- */
/* The double value of an int, bool or float; false if o is none of those. */
static inline bool fp_number_as_double(ftc_object *o, double *out)
{
    if (fp_int_like(o)) {
        *out = (double)fp_int_like_value(o);
        return true;
    }
    if (fp_float_check(o)) {
        *out = fp_float_value(o);
        return true;
    }
    return false;
}
/* An index (int or bool, or an object with __index__): 0 or -1 with TypeError "WHAT, not T"
 * (what NULL: "'T' object cannot be interpreted as an integer"). */
int fp_index_value(ftc_object *o, int64_t *out, const char *what);
/* OverflowError for an int result that does not fit in 64 bits; returns NULL. */
ftc_object *fp_int_overflow(void);
/* int(x) of a float (truncation): ValueError for NaN, OverflowError for inf / too large. */
ftc_object *fp_int_from_double(double d);
/* Python's comparison of an int64 with a double (exact): -1, 0, 1, or 2 if d is NaN. */
int fp_compare_int_double(int64_t i, double d);
/* The hash ftcore's dicts use for a number equal to the integral double d (the one
 * ftc_object_hash gives the int of the same value), or of a non-integral one. */
uint64_t fp_ct_hash_double(double d);
ftc_object *fp_format_int(ftc_object *v, ftc_object *spec);
ftc_object *fp_int_divmod(ftc_object *a, ftc_object *b);
ftc_object *fp_int_powmod(ftc_object *a, ftc_object *b, ftc_object *m);
ftc_object *fp_float_divmod(ftc_object *a, ftc_object *b);
ftc_object *fp_format_float(ftc_object *v, ftc_object *spec);

/* ---- iterators (iter.c) ---- */
ftc_object *fp_list_iter_new(ftc_object *list);
ftc_object *fp_list_reviter_new(ftc_object *list);
ftc_object *fp_tuple_iter_new(ftc_object *tuple);
ftc_object *fp_str_iter_new(ftc_object *str);
/* kind: 0 keys, 1 values, 2 items */
ftc_object *fp_dict_iter_new(ftc_object *dict, int kind);
ftc_object *fp_set_iter_new(ftc_object *set);
ftc_object *fp_range_iter_new(int64_t start, int64_t step, int64_t len);
/* An iterator over obj[0], obj[1], ... until IndexError (the __getitem__ protocol). */
ftc_object *fp_seq_iter_new(ftc_object *obj);
/* iter(callable, sentinel) */
ftc_object *fp_callable_iter_new(ftc_object *callable, ftc_object *sentinel);
extern fp_type fp_list_iter_type, fp_list_reviter_type, fp_tuple_iter_type, fp_str_iter_type,
    fp_dict_iter_type, fp_set_iter_type, fp_range_iter_type, fp_seq_iter_type,
    fp_callable_iter_type, fp_enumerate_type, fp_zip_type, fp_map_type, fp_filter_type,
    fp_reversed_type, fp_dict_keys_type, fp_dict_values_type, fp_dict_items_type;

/* ---- containers ---- */
/* The hash slot of unhashable types (list, dict, set): TypeError "unhashable type: 'T'". */
int64_t fp_hash_unhashable(ftc_object *o);
/* Lexicographic rich comparison of two item arrays (tuple/list ==, <, ...): a new bool or
 * NULL. */
ftc_object *fp_seq_richcompare(ftc_object *const *a, size_t na, ftc_object *const *b, size_t nb,
                               int op);
/* The repeat count of seq * n: false if neither operand is an int (the caller raises or
 * returns NotImplemented); *seq and *count set otherwise. */
bool fp_seq_repeat_args(ftc_object *a, ftc_object *b, ftc_object **seq, int64_t *count);
/* TypeError "can't multiply sequence by non-int of type 'T'"; NULL. */
ftc_object *fp_seq_mul_error(ftc_object *a, ftc_object *b, fp_type *seqtype);
/* "X indices must be integers or slices, not T"; NULL. */
ftc_object *fp_seq_index_error(const char *seqname, ftc_object *key);
/* The items of any iterable as an array: returns a tuple (a new reference: the iterable
 * itself if it is a tuple, else a snapshot) and sets *items and *n to its items. NULL on
 * error. */
ftc_object *fp_as_array(ftc_object *iterable, ftc_object ***items, size_t *n);
/* dict views and set algebra */
ftc_object *fp_dict_view_new(ftc_object *dict, int kind);
int fp_set_update(ftc_object *set, ftc_object *iterable); /* 0 / -1 */
/* A set display of three or more constants ({10, 20, 30, 1}): CPython compiles it to a
 * frozenset constant (rebuilt once by the compiler's constant cache) merged into a new set,
 * which gives a different iteration order than adding the items one by one; this builds the
 * set the same way. */
ftc_object *fp_set_from_constants(ftc_object *tuple);
int fp_set_contains(ftc_object *set, ftc_object *key); /* 1 / 0 / -1 */
int64_t fp_set_len(ftc_object *set);
ftc_object *fp_set_next_key(ftc_object *set, size_t *pos, size_t used);
ftc_object *fp_str_join(ftc_object *sep, ftc_object *iterable);
ftc_object *fp_str_format_method(ftc_object *self, ftc_object *const *args, size_t nargs,
                                 ftc_object *kwnames);
/* The sort shared by list.sort and sorted(): key may be NULL or None. 0 / -1. */
int fp_list_sort_impl(ftc_object *list, ftc_object *key, bool reverse);
int64_t fp_list_len(ftc_object *list);

/* str methods defined in str_methods.c (the table is str.c's). */
#define FP_STRM(name)                                                                   \
    ftc_object *fp_strm_##name(ftc_object *self, ftc_object *const *args, size_t nargs, \
                               ftc_object *kwnames)
FP_STRM(split);
FP_STRM(rsplit);
FP_STRM(join);
FP_STRM(strip);
FP_STRM(lstrip);
FP_STRM(rstrip);
FP_STRM(upper);
FP_STRM(lower);
FP_STRM(isdigit);
FP_STRM(isalpha);
FP_STRM(isspace);
FP_STRM(isalnum);
FP_STRM(isupper);
FP_STRM(islower);
FP_STRM(isdecimal);
FP_STRM(isnumeric);
FP_STRM(isidentifier);
FP_STRM(capitalize);
FP_STRM(title);
FP_STRM(swapcase);
FP_STRM(casefold);
FP_STRM(center);
FP_STRM(ljust);
FP_STRM(rjust);
FP_STRM(zfill);
FP_STRM(partition);
FP_STRM(rpartition);
FP_STRM(splitlines);
FP_STRM(format);
FP_STRM(dunder_format);
FP_STRM(encode);
FP_STRM(removeprefix);
FP_STRM(removesuffix);
ftc_object *fp_str_char_at(ftc_object *s, int64_t i);
/* The one-character str of the code point at s[0..k) (ASCII ones interned). */
ftc_object *fp_str_char_at_bytes(const char *s, size_t k);

#endif /* FTPY_LIB_H */
