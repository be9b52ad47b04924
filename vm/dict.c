/* dict: Python's dict on ftcore's dict (insertion-ordered; lock-free lookups in the nogil
 * build, every write a critical section on the dict), and the keys/values/items views.
 *
 * Each Python operation documented as atomic is one ftcore call: d[k], d[k] = v, del d[k],
 * k in d, get, setdefault (ftc_dict_setdefault_ref), pop, copy, clear, update from a dict.
 * popitem runs its find-the-last-key and remove in one critical section on the dict. Keys
 * of user types hash through their type's ct.hash (Python's __hash__) and compare with ct.eq
 * (__eq__); ftcore runs eq only under the dict's lock and restarts when a callback changed
 * the dict, and reports a failing callback's FP_EEXC, which becomes the exception it set.
 *
 * Iteration (for, views, repr) walks ftc_dict_next: a dict that changes size under it ends
 * the loop with RuntimeError "dictionary changed size during iteration", as in CPython.
 */
#include "lib.h"

#include <string.h>

typedef struct dict_view {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
} dict_view;

static ftc_object *code_err(int rc, ftc_object *key)
{
    fp_err_from_code(rc, key);
    return NULL;
}

/* ---- slots ---- */

static ftc_object *dict_repr(ftc_object *o)
{
    if (ftc_dict_len(o) == 0)
        return fp_str_from_cstr("{}");
    int r = fp_repr_enter(o);
    if (r != 0)
        return r > 0 ? fp_str_from_cstr("{...}") : NULL;
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_putc(&b, '{');
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int rc;
    bool first = true;
    while ((rc = ftc_dict_next(o, &pos, &k, &v)) == 1) {
        if (!first)
            fp_buf_put(&b, ", ", 2);
        first = false;
        int e = fp_buf_put_repr(&b, k);
        if (e == 0) {
            fp_buf_put(&b, ": ", 2);
            e = fp_buf_put_repr(&b, v);
        }
        ftc_decref(k);
        ftc_decref(v);
        if (e < 0) {
            rc = FP_EEXC;
            break;
        }
    }
    fp_repr_leave(o);
    if (rc < 0) {
        fp_buf_free(&b);
        return code_err(rc, NULL);
    }
    fp_buf_putc(&b, '}');
    return fp_str_from_buf(&b);
}

static ftc_object *dict_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (!fp_dict_check(a) || !fp_dict_check(b) || (op != FP_EQ && op != FP_NE))
        return fp_NotImplemented;
    if (ftc_dict_len(a) != ftc_dict_len(b))
        return fp_bool(op == FP_NE);
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int rc;
    bool equal = true;
    while (equal && (rc = ftc_dict_next(a, &pos, &k, &v)) == 1) {
        ftc_object *w;
        int g = ftc_dict_get_ref(b, k, &w);
        if (g < 0) {
            rc = g;
        } else if (g == 0) {
            equal = false;
        } else {
            int eq = fp_eq(v, w);
            ftc_decref(w);
            if (eq < 0)
                rc = FP_EEXC;
            else
                equal = eq != 0;
        }
        ftc_decref(k);
        ftc_decref(v);
        if (rc < 0)
            return code_err(rc, NULL);
    }
    if (equal && rc < 0)
        return code_err(rc, NULL);
    return fp_bool(equal == (op == FP_EQ));
}

static int64_t dict_len(ftc_object *o) { return ftc_dict_len(o); }

static int dict_bool(ftc_object *o) { return ftc_dict_len(o) != 0; }

static ftc_object *dict_getitem(ftc_object *o, ftc_object *key)
{
    ftc_object *v;
    int rc = ftc_dict_get_ref(o, key, &v);
    if (rc == 1)
        return v;
    if (rc == 0) {
        fp_err_set_obj(&fp_KeyError_type, key);
        return NULL;
    }
    return code_err(rc, key);
}

static int dict_setitem(ftc_object *o, ftc_object *key, ftc_object *v)
{
    int rc = v ? ftc_dict_set(o, key, v) : ftc_dict_del(o, key);
    if (rc == 0)
        return 0;
    if (rc == FTC_EKEY) {
        fp_err_set_obj(&fp_KeyError_type, key);
        return -1;
    }
    return fp_err_from_code(rc, key);
}

static int dict_contains(ftc_object *o, ftc_object *key)
{
    int rc = ftc_dict_contains(o, key);
    return rc < 0 ? fp_err_from_code(rc, key) : rc;
}

static ftc_object *dict_iter(ftc_object *o) { return fp_dict_iter_new(o, 0); }

/* d.update(other): a dict, an object with keys(), or an iterable of pairs. */
static int dict_update_from(ftc_object *d, ftc_object *other)
{
    if (fp_dict_check(other)) {
        int rc = ftc_dict_update(d, other);
        return rc ? fp_err_from_code(rc, NULL) : 0;
    }
    ftc_object *keys = fp_getattr_opt(other, fp_intern("keys"));
    if (keys != NULL) {
        ftc_object *ks = fp_call0(keys);
        ftc_decref(keys);
        ftc_object *it = ks ? fp_iter(ks) : NULL;
        ftc_xdecref(ks);
        if (it == NULL)
            return -1;
        ftc_object *k;
        while ((k = fp_next(it)) != NULL) {
            ftc_object *v = fp_getitem(other, k);
            int rc = v ? dict_setitem(d, k, v) : -1;
            ftc_xdecref(v);
            ftc_decref(k);
            if (rc < 0) {
                ftc_decref(it);
                return -1;
            }
        }
        ftc_decref(it);
        return fp_err_occurred() ? -1 : 0;
    }
    if (fp_err_occurred())
        return -1;
    ftc_object *it = fp_iter(other);
    if (it == NULL)
        return -1;
    ftc_object *item;
    for (size_t n = 0; (item = fp_next(it)) != NULL; n++) {
        ftc_object **kv;
        size_t len;
        ftc_object *t = fp_as_array(item, &kv, &len);
        ftc_decref(item);
        if (t == NULL) {
            if (fp_err_matches(&fp_TypeError_type)) {
                fp_err_clear();
                fp_err_set(&fp_TypeError_type,
                           "cannot convert dictionary update sequence "
                           "element #%zu to a sequence",
                           n);
            }
            ftc_decref(it);
            return -1;
        }
        int rc = 0;
        if (len != 2) {
            fp_err_set(&fp_ValueError_type,
                       "dictionary update sequence element #%zu has length "
                       "%zu; 2 is required",
                       n, len);
            rc = -1;
        } else {
            rc = dict_setitem(d, kv[0], kv[1]);
        }
        ftc_decref(t);
        if (rc < 0) {
            ftc_decref(it);
            return -1;
        }
    }
    ftc_decref(it);
    return fp_err_occurred() ? -1 : 0;
}

static int dict_update_args(ftc_object *d, const char *name, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (nargs > 1) {
        fp_err_set(&fp_TypeError_type, "%s expected at most 1 argument, got %zu", name, nargs);
        return -1;
    }
    if (nargs == 1 && dict_update_from(d, args[0]) < 0)
        return -1;
    size_t nkw = kwnames ? fp_tuple_size(kwnames) : 0;
    for (size_t i = 0; i < nkw; i++)
        if (dict_setitem(d, fp_tuple_items(kwnames)[i], args[nargs + i]) < 0)
            return -1;
    return 0;
}

static ftc_object *dict_new_(fp_type *type, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)type;
    (void)args;
    (void)nargs;
    (void)kwnames;
    return fp_dict_new();
}

static int dict_init(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames)
{
    return dict_update_args(self, "dict", args, nargs, kwnames);
}

static ftc_object *dict_or(ftc_object *a, ftc_object *b)
{
    if (!fp_dict_check(a) || !fp_dict_check(b))
        return fp_NotImplemented;
    ftc_object *r = ftc_dict_copy(a);
    if (r == NULL)
        return code_err(ftc_last_error(), NULL);
    int rc = ftc_dict_update(r, b);
    if (rc < 0) {
        ftc_decref(r);
        return code_err(rc, NULL);
    }
    return r;
}

/* ---- methods ---- */

static ftc_object *m_get(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    if (fp_check_args("get", nargs, kwnames, 1, 2) < 0)
        return NULL;
    ftc_object *v;
    int rc = ftc_dict_get_ref(self, args[0], &v);
    if (rc == 1)
        return v;
    if (rc < 0)
        return code_err(rc, args[0]);
    v = nargs > 1 ? args[1] : fp_None;
    ftc_incref(v);
    return v;
}

static ftc_object *m_setdefault(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames)
{
    if (fp_check_args("setdefault", nargs, kwnames, 1, 2) < 0)
        return NULL;
    ftc_object *v;
    int rc = ftc_dict_setdefault_ref(self, args[0], nargs > 1 ? args[1] : fp_None, &v);
    return rc < 0 ? code_err(rc, args[0]) : v;
}

static ftc_object *m_pop(ftc_object *self, ftc_object *const *args, size_t nargs,
                         ftc_object *kwnames)
{
    if (fp_check_args("pop", nargs, kwnames, 1, 2) < 0)
        return NULL;
    ftc_object *v;
    int rc = ftc_dict_pop(self, args[0], &v);
    if (rc == 1)
        return v;
    if (rc < 0)
        return code_err(rc, args[0]);
    if (nargs > 1) {
        ftc_incref(args[1]);
        return args[1];
    }
    fp_err_set_obj(&fp_KeyError_type, args[0]);
    return NULL;
}

static ftc_object *m_popitem(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("popitem", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_object *key = NULL, *value = NULL;
    int rc = 0;
    FTC_BEGIN_CRITICAL_SECTION(self);
    ftc_object *keys = ftc_dict_keys(self);
    if (keys == NULL) {
        rc = ftc_last_error();
    } else {
        if (ftc_list_pop(keys, -1, &key) == 0 && ftc_dict_pop(self, key, &value) != 1) {
            ftc_decref(key);
            key = NULL;
        }
        ftc_decref(keys);
    }
    FTC_END_CRITICAL_SECTION();
    if (rc < 0)
        return code_err(rc, NULL);
    if (key == NULL) {
        ftc_object *msg = fp_str_from_cstr("popitem(): dictionary is empty");
        if (msg != NULL) {
            fp_err_set_obj(&fp_KeyError_type, msg);
            ftc_decref(msg);
        }
        return NULL;
    }
    ftc_object *t = fp_tuple_pack(2, key, value);
    ftc_decref(key);
    ftc_decref(value);
    return t;
}

static ftc_object *m_view(ftc_object *self, size_t nargs, ftc_object *kwnames, const char *name,
                          int kind)
{
    if (fp_check_args(name, nargs, kwnames, 0, 0) < 0)
        return NULL;
    return fp_dict_view_new(self, kind);
}

static ftc_object *m_keys(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)args;
    return m_view(self, nargs, kwnames, "keys", 0);
}

static ftc_object *m_values(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    (void)args;
    return m_view(self, nargs, kwnames, "values", 1);
}

static ftc_object *m_items(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)args;
    return m_view(self, nargs, kwnames, "items", 2);
}

static ftc_object *m_update(ftc_object *self, ftc_object *const *args, size_t nargs,
                            ftc_object *kwnames)
{
    if (dict_update_args(self, "update", args, nargs, kwnames) < 0)
        return NULL;
    return fp_None;
}

static ftc_object *m_copy(ftc_object *self, ftc_object *const *args, size_t nargs,
                          ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("copy", nargs, kwnames, 0, 0) < 0)
        return NULL;
    ftc_object *r = ftc_dict_copy(self);
    return r ? r : code_err(ftc_last_error(), NULL);
}

static ftc_object *m_clear(ftc_object *self, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames)
{
    (void)args;
    if (fp_check_args("clear", nargs, kwnames, 0, 0) < 0)
        return NULL;
    int rc = ftc_dict_clear(self);
    return rc < 0 ? code_err(rc, NULL) : fp_None;
}

static ftc_object *m_fromkeys(ftc_object *cls, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    (void)cls;
    if (fp_check_args("fromkeys", nargs, kwnames, 1, 2) < 0)
        return NULL;
    ftc_object *d = fp_dict_new();
    ftc_object *it = d ? fp_iter(args[0]) : NULL;
    if (it == NULL) {
        ftc_xdecref(d);
        return NULL;
    }
    ftc_object *k;
    while ((k = fp_next(it)) != NULL) {
        int rc = dict_setitem(d, k, nargs > 1 ? args[1] : fp_None);
        ftc_decref(k);
        if (rc < 0)
            break;
    }
    ftc_decref(it);
    if (fp_err_occurred()) {
        ftc_decref(d);
        return NULL;
    }
    return d;
}

static ftc_object *m_contains(ftc_object *self, ftc_object *const *args, size_t nargs,
                              ftc_object *kwnames)
{
    if (fp_check_args("__contains__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    int r = dict_contains(self, args[0]);
    return r < 0 ? NULL : fp_bool(r);
}

static ftc_object *m_getitem(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_check_args("__getitem__", nargs, kwnames, 1, 1) < 0)
        return NULL;
    return dict_getitem(self, args[0]);
}

static ftc_object *m_setitem(ftc_object *self, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames)
{
    if (fp_check_args("__setitem__", nargs, kwnames, 2, 2) < 0 ||
        dict_setitem(self, args[0], args[1]) < 0)
        return NULL;
    return fp_None;
}

static const fp_method_def dict_methods[] = {
    {"get", m_get, 0},
    {"setdefault", m_setdefault, 0},
    {"pop", m_pop, 0},
    {"popitem", m_popitem, 0},
    {"keys", m_keys, 0},
    {"values", m_values, 0},
    {"items", m_items, 0},
    {"update", m_update, 0},
    {"copy", m_copy, 0},
    {"clear", m_clear, 0},
    {"fromkeys", m_fromkeys, FP_METH_CLASS},
    {"__contains__", m_contains, 0},
    {"__getitem__", m_getitem, 0},
    {"__setitem__", m_setitem, 0},
    {NULL, NULL, 0},
};

fp_type fp_dict_type = {
    FP_TYPE_HEAD,
    .ct = {"dict", 0, NULL, NULL, NULL},
    .base = &fp_object_type,
    .repr = dict_repr,
    .hash = fp_hash_unhashable,
    .richcompare = dict_richcompare,
    .len = dict_len,
    .getitem = dict_getitem,
    .setitem = dict_setitem,
    .contains = dict_contains,
    .bool_ = dict_bool,
    .iter = dict_iter,
    .nb = {[FP_NB_OR] = dict_or},
    .new_ = dict_new_,
    .init = dict_init,
    .methods = dict_methods,
};

/* ---- views ---- */

static fp_type *const view_types[3] = {&fp_dict_keys_type, &fp_dict_values_type,
                                       &fp_dict_items_type};

ftc_object *fp_dict_view_new(ftc_object *dict, int kind)
{
    ftc_object *o = ftc_object_new(&view_types[kind]->ct);
    if (o == NULL)
        return fp_err_nomem();
    ftc_incref(dict);
    ((dict_view *)o)->dict = dict;
    return o;
}

static int view_kind(ftc_object *o)
{
    fp_type *t = fp_type_of(o);
    return t == &fp_dict_keys_type ? 0 : t == &fp_dict_values_type ? 1 : 2;
}

static void view_dealloc(ftc_object *o) { ftc_decref(((dict_view *)o)->dict); }

static int view_traverse(ftc_object *o, ftc_visitproc visit, void *arg)
{
    FP_VISIT(((dict_view *)o)->dict);
    return 0;
}

static int64_t view_len(ftc_object *o) { return ftc_dict_len(((dict_view *)o)->dict); }

static ftc_object *view_iter(ftc_object *o)
{
    return fp_dict_iter_new(((dict_view *)o)->dict, view_kind(o));
}

static ftc_object *view_repr(ftc_object *o)
{
    ftc_object *d = ((dict_view *)o)->dict;
    int r = fp_repr_enter(o);
    if (r != 0)
        return r > 0 ? fp_str_from_cstr("...") : NULL;
    fp_buf b;
    fp_buf_init(&b);
    fp_buf_puts(&b, fp_type_name(o));
    fp_buf_put(&b, "([", 2);
    ftc_dict_pos pos = FTC_DICT_POS_INIT;
    ftc_object *k, *v;
    int rc, kind = view_kind(o);
    bool first = true;
    while ((rc = ftc_dict_next(d, &pos, &k, &v)) == 1) {
        if (!first)
            fp_buf_put(&b, ", ", 2);
        first = false;
        int e;
        if (kind == 0) {
            e = fp_buf_put_repr(&b, k);
        } else if (kind == 1) {
            e = fp_buf_put_repr(&b, v);
        } else {
            fp_buf_putc(&b, '(');
            e = fp_buf_put_repr(&b, k);
            fp_buf_put(&b, ", ", 2);
            if (e == 0)
                e = fp_buf_put_repr(&b, v);
            fp_buf_putc(&b, ')');
        }
        ftc_decref(k);
        ftc_decref(v);
        if (e < 0) {
            rc = FP_EEXC;
            break;
        }
    }
    fp_repr_leave(o);
    if (rc < 0) {
        fp_buf_free(&b);
        return code_err(rc, NULL);
    }
    fp_buf_put(&b, "])", 2);
    return fp_str_from_buf(&b);
}

static int view_contains(ftc_object *o, ftc_object *x)
{
    ftc_object *d = ((dict_view *)o)->dict;
    int kind = view_kind(o);
    if (kind == 0)
        return dict_contains(d, x);
    if (kind == 2) {
        if (!fp_tuple_check(x) || fp_tuple_size(x) != 2)
            return 0;
        ftc_object *v;
        int rc = ftc_dict_get_ref(d, fp_tuple_items(x)[0], &v);
        if (rc <= 0)
            return rc < 0 ? fp_err_from_code(rc, fp_tuple_items(x)[0]) : 0;
        int eq = fp_eq(v, fp_tuple_items(x)[1]);
        ftc_decref(v);
        return eq;
    }
    ftc_object *it = fp_dict_iter_new(d, 1), *v;
    if (it == NULL)
        return -1;
    int found = 0;
    while (found == 0 && (v = fp_next(it)) != NULL) {
        found = fp_eq(v, x);
        ftc_decref(v);
    }
    ftc_decref(it);
    if (found == 0 && fp_err_occurred())
        return -1;
    return found;
}

/* keys & other, keys | other, keys - other, keys ^ other: sets. */
static ftc_object *view_setop(ftc_object *a, ftc_object *b, int nb)
{
    ftc_object *sa = fp_set_new(), *sb = fp_set_new();
    if (sa == NULL || sb == NULL || fp_set_update(sa, a) < 0 || fp_set_update(sb, b) < 0) {
        ftc_xdecref(sa);
        ftc_xdecref(sb);
        return NULL;
    }
    ftc_object *r = fp_binop(sa, sb, nb);
    ftc_decref(sa);
    ftc_decref(sb);
    return r;
}

static ftc_object *view_and(ftc_object *a, ftc_object *b) { return view_setop(a, b, FP_NB_AND); }
static ftc_object *view_or(ftc_object *a, ftc_object *b) { return view_setop(a, b, FP_NB_OR); }
static ftc_object *view_sub(ftc_object *a, ftc_object *b) { return view_setop(a, b, FP_NB_SUB); }
static ftc_object *view_xor(ftc_object *a, ftc_object *b) { return view_setop(a, b, FP_NB_XOR); }

static ftc_object *view_richcompare(ftc_object *a, ftc_object *b, int op)
{
    if (fp_type_of(a) == &fp_dict_values_type || (op != FP_EQ && op != FP_NE))
        return fp_NotImplemented;
    ftc_object *sa = fp_set_new(), *sb = fp_set_new();
    if (sa == NULL || sb == NULL || fp_set_update(sa, a) < 0 || fp_set_update(sb, b) < 0) {
        ftc_xdecref(sa);
        ftc_xdecref(sb);
        return NULL;
    }
    ftc_object *r = fp_richcompare(sa, sb, op);
    ftc_decref(sa);
    ftc_decref(sb);
    return r;
}

#define VIEW_TYPE(var, tname, setops)                                                    \
    fp_type var = {                                                                      \
        FP_TYPE_HEAD,                                                                    \
        .ct = {tname, sizeof(dict_view), view_dealloc, NULL, NULL, view_traverse, NULL}, \
        .base = &fp_object_type,                                                         \
        .repr = view_repr,                                                               \
        .hash = fp_hash_unhashable,                                                      \
        .len = view_len,                                                                 \
        .iter = view_iter,                                                               \
        .contains = view_contains,                                                       \
        .richcompare = view_richcompare,                                                 \
        setops}

#define VIEW_SETOPS                \
    .nb = {[FP_NB_AND] = view_and, \
           [FP_NB_OR] = view_or,   \
           [FP_NB_SUB] = view_sub, \
           [FP_NB_XOR] = view_xor},

VIEW_TYPE(fp_dict_keys_type, "dict_keys", VIEW_SETOPS);
VIEW_TYPE(fp_dict_values_type, "dict_values", );
VIEW_TYPE(fp_dict_items_type, "dict_items", VIEW_SETOPS);
