/* set's slots and methods (the table and its operations are set.c's; set_internal.h).
 *
 * Every method is one or a few calls of set.c's operations, each atomic in the set's critical
 * section; the error texts are CPython 3.11's.
 */
#include "set_internal.h"

#include <string.h>

/* ---- slots ---- */

static void set_dealloc(ftc_object *o)
{
    set_obj *s = SET(o);
    for (size_t i = 0; i <= s->mask; i++)
        if (s->table[i].key != NULL && s->table[i].key != DUMMY)
            ftc_decref(s->table[i].key);
    _fp_set_table_free(s, s->table, false); /* unreachable: no probe can be in it */
}

/* The keys in the table (the world is stopped: no writer is inside the section, and a probe
 * that dropped it around __eq__ left the table consistent). */
static int set_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    set_obj *s = SET(o);
    if (s->table == NULL) /* fresh from ftc_object_new, not yet set up */
        return 0;
    for (size_t i = 0; i <= s->mask; i++) {
        ftc_object *k = s->table[i].key;
        if (k != NULL && k != DUMMY)
            FP_VISIT(k);
    }
    return 0;
}

/* Empties a garbage set: the table is detached inside the section, its keys released after. */
static int set_gc_clear(ftc_object *o)
{
    set_obj *s = SET(o);
    sentry smallcopy[SET_MINSIZE];
    lock l;
    _fp_set_lock(s, &l);
    sentry *old = s->table;
    size_t oldmask = s->mask;
    if (old == s->small) {
        memcpy(smallcopy, s->small, sizeof smallcopy);
        old = smallcopy;
    }
    _fp_set_small_clear(s);
    ftc_ft_store_release(&s->table, s->small);
    s->mask = SET_MINSIZE - 1;
    s->fill = 0;
    s->finger = 0;
    _fp_set_used_store(s, 0);
    bool shared = _fp_set_is_shared(s);
    _fp_set_unlock(&l);
    for (size_t i = 0; i <= oldmask; i++)
        if (old[i].key != NULL && old[i].key != DUMMY)
            ftc_decref(old[i].key);
    if (old != smallcopy)
        _fp_set_table_free(s, old, shared);
    return 0;
}

static ftc_object *set_repr(ftc_object *o)
{
    const char *tname = fp_type_name(o);
    if (fp_set_len(o) == 0)
        return fp_str_from_fmt("%s()", tname);
    int r = fp_repr_enter(o);
    if (r != 0)
        return r > 0 ? fp_str_from_fmt("%s(...)", tname) : NULL;
    snap sn;
    if (_fp_set_snap_set(o, &sn) < 0) {
        fp_repr_leave(o);
        return NULL;
    }
    fp_buf b;
    fp_buf_init(&b);
    bool sub = fp_type_of(o) != &fp_set_type;
    if (sub) {
        fp_buf_puts(&b, tname);
        fp_buf_putc(&b, '(');
    }
    fp_buf_putc(&b, '{');
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sn.n; i++) {
        if (i)
            fp_buf_put(&b, ", ", 2);
        rc = fp_buf_put_repr(&b, sn.e[i].key);
    }
    fp_buf_putc(&b, '}');
    if (sub)
        fp_buf_putc(&b, ')');
    _fp_set_snap_free(&sn);
    fp_repr_leave(o);
    if (rc < 0) {
        fp_buf_free(&b);
        return NULL;
    }
    return fp_str_from_buf(&b);
}

static int64_t set_len(ftc_object *o) { return fp_set_len(o); }

static int set_bool(ftc_object *o) { return fp_set_len(o) != 0; }

static int set_contains(ftc_object *o, ftc_object *key) { return fp_set_contains(o, key); }

static ftc_object *set_iter(ftc_object *o) { return fp_set_iter_new(o); }

static ftc_object *set_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!_fp_set_is(a) || !_fp_set_is(b))
        return fp_NotImplemented;
    int64_t na = fp_set_len(a), nb = fp_set_len(b);
    int r;
    switch (op) {
    case FP_EQ:
    case FP_NE:
        r = na == nb ? _fp_set_is_subset(a, b) : 0;
        if (r < 0)
            return NULL;
        return fp_bool((r == 1) == (op == FP_EQ));
    case FP_LE: r = _fp_set_is_subset(a, b); break;
    case FP_GE: r = _fp_set_is_subset(b, a); break;
    case FP_LT: r = na < nb ? _fp_set_is_subset(a, b) : 0; break;
    default: r = na > nb ? _fp_set_is_subset(b, a) : 0; break;
    }
    return r < 0 ? NULL : fp_bool(r);
}

static ftc_object *set_or(ftc_object *a, ftc_object *b)
{
    if (!_fp_set_is(a) || !_fp_set_is(b))
        return fp_NotImplemented;
    ftc_object *r = _fp_set_copy_of(a);
    if (r != NULL && fp_set_update(r, b) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static ftc_object *set_and(ftc_object *a, ftc_object *b)
{
    if (!_fp_set_is(a) || !_fp_set_is(b))
        return fp_NotImplemented;
    return _fp_set_intersection2(a, b);
}

static ftc_object *set_sub(ftc_object *a, ftc_object *b)
{
    if (!_fp_set_is(a) || !_fp_set_is(b))
        return fp_NotImplemented;
    return _fp_set_difference2(a, b);
}

static ftc_object *set_xor(ftc_object *a, ftc_object *b)
{
    if (!_fp_set_is(a) || !_fp_set_is(b))
        return fp_NotImplemented;
    ftc_object *r = _fp_set_copy_of(b);
    if (r != NULL && _fp_set_symmetric_update(r, a) < 0) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

static ftc_object *set_new_(fp_type *type, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)args;
    (void)nargs;
    (void)kwnames;
    return _fp_set_alloc(type);
}

static int clear_set(ftc_object *o)
{
    snap sn;
    if (_fp_set_snap_set(o, &sn) < 0)
        return -1;
    set_obj *s = SET(o);
    sentry *old;
    size_t oldmask;
    sentry smallcopy[SET_MINSIZE];
    lock l;
    _fp_set_lock(s, &l);
    old = s->table;
    oldmask = s->mask;
    if (old == s->small) {
        memcpy(smallcopy, s->small, sizeof smallcopy);
        old = smallcopy;
    }
    _fp_set_small_clear(s);
    ftc_ft_store_release(&s->table, s->small);
    s->mask = SET_MINSIZE - 1;
    s->fill = 0;
    s->finger = 0;
    _fp_set_used_store(s, 0);
    bool shared = _fp_set_is_shared(s);
    _fp_set_unlock(&l);
    for (size_t i = 0; i <= oldmask; i++)
        if (old[i].key != NULL && old[i].key != DUMMY)
            ftc_decref(old[i].key);
    if (old != smallcopy)
        _fp_set_table_free(s, old, shared);
    _fp_set_snap_free(&sn);
    return 0;
}

static int set_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    if (fp_check_args(fp_type_name(self), nargs, kwnames, 0, 1) < 0)
        return -1;
    if (fp_set_len(self) != 0 && clear_set(self) < 0)
        return -1;
    return nargs ? fp_set_update(self, args[0]) : 0;
}

/* ---- methods ---- */

#define METHOD(name)                                                                     \
    static ftc_object *m_##name(ftc_object *self, ftc_object *const *args, size_t nargs, \
                                ftc_object *kwnames)

METHOD(add)
{
    if (fp_check_args("add", nargs, kwnames, 1, 1) < 0 || _fp_set_add_key(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

METHOD(discard)
{
    if (fp_check_args("discard", nargs, kwnames, 1, 1) < 0 ||
        _fp_set_discard_key(self, args[0]) < 0)
        return NULL;
    return fp_None;
}

METHOD(remove)
{
    if (fp_check_args("remove", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = _fp_set_discard_key(self, args[0]);
    if (r < 0)
        return NULL;
    if (r == 0) {
        fp_err_set_obj(&fp_KeyError_type, args[0]);
        return NULL;
    }
    return fp_None;
}

METHOD(pop)
{
    (void)args;
    if (fp_check_args("pop", nargs, kwnames, 0, 0) < 0)
        return NULL;
    set_obj *s = SET(self);
    ftc_object *key = NULL;
    lock l;
    _fp_set_lock(s, &l);
    if (s->used > 0) {
        size_t i = s->finger & s->mask;
        while (s->table[i].key == NULL || s->table[i].key == DUMMY)
            i = (i + 1) & s->mask;
        key = s->table[i].key;
        _fp_set_entry_store(&s->table[i], DUMMY, -1);
        _fp_set_used_store(s, s->used - 1);
        s->finger = i + 1;
    }
    _fp_set_unlock(&l);
    if (key == NULL) {
        ftc_object *msg = fp_str_from_cstr("pop from an empty set");
        if (msg != NULL) {
            fp_err_set_obj(&fp_KeyError_type, msg);
            ftc_decref(msg);
        }
        return NULL;
    }
    return key; /* the table's reference */
}

METHOD(update)
{
    if (kwnames != NULL && fp_check_args("update", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (fp_set_update(self, args[i]) < 0)
            return NULL;
    return fp_None;
}

METHOD(union)
{
    if (kwnames != NULL && fp_check_args("union", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    ftc_object *r = _fp_set_copy_of(self);
    for (size_t i = 0; r != NULL && i < nargs; i++)
        if (fp_set_update(r, args[i]) < 0) {
            ftc_decref(r);
            r = NULL;
        }
    return r;
}

METHOD(intersection)
{
    if (kwnames != NULL && fp_check_args("intersection", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    if (nargs == 0)
        return _fp_set_copy_of(self);
    ftc_object *r = self;
    ftc_incref(r);
    for (size_t i = 0; i < nargs; i++) {
        ftc_object *n = _fp_set_intersection2(r, args[i]);
        ftc_decref(r);
        if (n == NULL)
            return NULL;
        r = n;
    }
    return r;
}

METHOD(intersection_update)
{
    ftc_object *r = m_intersection(self, args, nargs, kwnames);
    if (r == NULL)
        return NULL;
    int rc = clear_set(self);
    if (rc == 0)
        rc = fp_set_update(self, r);
    ftc_decref(r);
    return rc < 0 ? NULL : fp_None;
}

METHOD(difference)
{
    if (kwnames != NULL && fp_check_args("difference", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    if (nargs == 0)
        return _fp_set_copy_of(self);
    ftc_object *r = _fp_set_difference2(self, args[0]);
    for (size_t i = 1; r != NULL && i < nargs; i++)
        if (_fp_set_difference_update(r, args[i]) < 0) {
            ftc_decref(r);
            r = NULL;
        }
    return r;
}

METHOD(difference_update)
{
    if (kwnames != NULL && fp_check_args("difference_update", nargs, kwnames, 0, SIZE_MAX) < 0)
        return NULL;
    for (size_t i = 0; i < nargs; i++)
        if (_fp_set_difference_update(self, args[i]) < 0)
            return NULL;
    return fp_None;
}

METHOD(symmetric_difference)
{
    if (fp_check_args("symmetric_difference", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *r = fp_set_new();
    if (r != NULL && (fp_set_update(r, args[0]) < 0 || _fp_set_symmetric_update(r, self) < 0)) {
        ftc_decref(r);
        return NULL;
    }
    return r;
}

METHOD(symmetric_difference_update)
{
    if (fp_check_args("symmetric_difference_update", nargs, kwnames, 1, 1) < 0)
        return NULL;
    if (_fp_set_is(args[0]))
        return _fp_set_symmetric_update(self, args[0]) < 0 ? NULL : fp_None;
    ftc_object *o = fp_set_new();
    int rc = o ? fp_set_update(o, args[0]) : -1;
    if (rc == 0)
        rc = _fp_set_symmetric_update(self, o);
    ftc_xdecref(o);
    return rc < 0 ? NULL : fp_None;
}

METHOD(copy)
{
    (void)args;
    if (fp_check_args("copy", nargs, kwnames, 0, 0) < 0)
        return NULL;
    return _fp_set_copy_of(self);
}

METHOD(clear)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0 || clear_set(self) < 0)
        return NULL;
    return fp_None;
}

/* The argument of issubset & co as a set (a new reference). */
static ftc_object *as_set(ftc_object *o)
{
    if (_fp_set_is(o)) {
        ftc_incref(o);
        return o;
    }
    ftc_object *s = fp_set_new();
    if (s != NULL && fp_set_update(s, o) < 0) {
        ftc_decref(s);
        return NULL;
    }
    return s;
}

METHOD(issubset)
{
    if (fp_check_args("issubset", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    int r = o ? _fp_set_is_subset(self, o) : -1;
    ftc_xdecref(o);
    return r < 0 ? NULL : fp_bool(r);
}

METHOD(issuperset)
{
    if (fp_check_args("issuperset", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    int r = o ? _fp_set_is_subset(o, self) : -1;
    ftc_xdecref(o);
    return r < 0 ? NULL : fp_bool(r);
}

METHOD(isdisjoint)
{
    if (fp_check_args("isdisjoint", nargs, kwnames, 1, 1) < 0)
        return NULL;
    ftc_object *o = as_set(args[0]);
    ftc_object *i = o ? _fp_set_intersection2(self, o) : NULL;
    ftc_xdecref(o);
    if (i == NULL)
        return NULL;
    bool empty = fp_set_len(i) == 0;
    ftc_decref(i);
    return fp_bool(empty);
}

METHOD(contains)
{
    if (fp_check_args("__contains__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = fp_set_contains(self, args[0]);
    return r < 0 ? NULL : fp_bool(r);
}

static const fp_method_def set_methods[] = {
    {"add", m_add, 0},
    {"discard", m_discard, 0},
    {"remove", m_remove, 0},
    {"pop", m_pop, 0},
    {"update", m_update, 0},
    {"union", m_union, 0},
    {"intersection", m_intersection, 0},
    {"intersection_update", m_intersection_update, 0},
    {"difference", m_difference, 0},
    {"difference_update", m_difference_update, 0},
    {"symmetric_difference", m_symmetric_difference, 0},
    {"symmetric_difference_update", m_symmetric_difference_update, 0},
    {"copy", m_copy, 0},
    {"clear", m_clear, 0},
    {"issubset", m_issubset, 0},
    {"issuperset", m_issuperset, 0},
    {"isdisjoint", m_isdisjoint, 0},
    {"__contains__", m_contains, 0},
    {NULL, NULL, 0},
};

fp_type fp_set_type = {
    FP_TYPE_HEAD,
    .ct = {"set", sizeof(set_obj), set_dealloc, NULL, NULL, set_traverse, set_gc_clear},
    .base = &fp_object_type,
    .flags = FP_TPFLAG_BASETYPE | FP_TPFLAG_WEAKREF,
    .repr = set_repr,
    .hash = fp_hash_unhashable,
    .richcompare = set_richcompare,
    .len = set_len,
    .contains = set_contains,
    .bool_ = set_bool,
    .iter = set_iter,
    .nb =
        {[FP_NB_OR] = set_or, [FP_NB_AND] = set_and, [FP_NB_SUB] = set_sub, [FP_NB_XOR] = set_xor},
    .new_ = set_new_,
    .init = set_init,
    .methods = set_methods,
};

/* ---- the iterator (iter.c's types use this to step) ---- */

/* The key at or after *pos (a new reference), advancing *pos past it; NULL at the end.
 * *used is the size seen at the iterator's creation: a change raises RuntimeError. */
ftc_object *fp_set_next_key(ftc_object *set, size_t *pos, size_t used)
{
    set_obj *s = SET(set);
    ftc_object *key = NULL;
    bool changed = false;
    lock l;
    _fp_set_lock(s, &l);
    if (s->used != used) {
        changed = true;
    } else {
        for (size_t i = *pos; i <= s->mask; i++) {
            ftc_object *k = s->table[i].key;
            if (k != NULL && k != DUMMY) {
                ftc_incref(k);
                key = k;
                *pos = i + 1;
                break;
            }
        }
        if (key == NULL)
            *pos = s->mask + 1;
    }
    _fp_set_unlock(&l);
    if (changed) {
        *pos = SIZE_MAX;
        fp_err_set(&fp_RuntimeError_type, "Set changed size during iteration");
    }
    return key;
}

ftc_object *fp_set_from_constants(ftc_object *tuple)
{
    /* CPython's compiler builds the frozenset constant from the items in source order, then
     * its constant cache rebuilds it from a tuple of its items in table order
     * (merge_consts_recursive), and the display merges that into a new set: each step
     * decides the iteration order, so all three are replayed. */
    ftc_object *first = fp_set_new();
    if (first == NULL)
        return NULL;
    for (size_t i = 0; i < fp_tuple_size(tuple); i++)
        if (_fp_set_add_key(first, fp_tuple_items(tuple)[i]) < 0) {
            ftc_decref(first);
            return NULL;
        }
    snap sn;
    int rc = _fp_set_snap_set(first, &sn);
    ftc_decref(first);
    if (rc < 0)
        return NULL;
    ftc_object *second = fp_set_new();
    for (size_t i = 0; second != NULL && i < sn.n; i++)
        if (_fp_set_add_key(second, sn.e[i].key) < 0) {
            ftc_decref(second);
            second = NULL;
        }
    _fp_set_snap_free(&sn);
    if (second == NULL)
        return NULL;
    ftc_object *r = fp_set_new();
    if (r != NULL && fp_set_update(r, second) < 0) {
        ftc_decref(r);
        r = NULL;
    }
    ftc_decref(second);
    return r;
}
