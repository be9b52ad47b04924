/* ftpy's object API: the one header every part of the interpreter builds on.
 *
 * Values. Every value is an ftcore object (ftc_object *). int is ftcore's ftc_int (int64),
 * str is ftcore's ftc_str (UTF-8 bytes; ftc_str_cplen() counts code points), list and dict are
 * ftcore's list and dict. Everything else (float, bool, None, tuple, set, range, slice,
 * functions, code, cells, classes, instances, bound methods, generators, iterators,
 * exceptions, modules) is an ftpy type.
 *
 * Types. An fp_type is itself an object (type(x) returns it; classes are fp_types). It starts
 * with the object header (its own ob_type is fp_type_type.ct) and embeds an ftc_type `ct`
 * that the type's instances point to with their ob_type. fp_type_of() maps an object back to
 * its fp_type: container_of on ob_type, except the four ftcore built-ins (ftc_int_type,
 * ftc_str_type, ftc_list_type, ftc_dict_type), which map to fp_int_type, fp_str_type,
 * fp_list_type and fp_dict_type. Those four fp_types' own `ct` is never any object's ob_type.
 *
 * Slots are C function pointers in fp_type; NULL means "not supported" (or inherited: see
 * fp_type_ready). User classes get slot functions that look the dunder method up (nb_add
 * calls __add__, ...). A type's attribute dict is an ftcore dict built by fp_type_ready() from
 * its method and getset tables (plus, for classes, the class body's namespace).
 *
 * References: as in CPython's C API. A function returning ftc_object * returns a NEW reference
 * unless its comment says "borrowed"; arguments are borrowed unless the comment says "steals".
 *
 * Errors: as in CPython's C API. A failing function sets the calling thread's current
 * exception and returns NULL (object results) or -1 (int results), unless stated otherwise.
 * An ftcore callback (ct.hash, ct.eq) that fails with a Python exception set returns FP_EEXC,
 * which fp_err_from_code() recognises.
 *
 * Calls are vectorcall-shaped: args[0..nargs) are the positional arguments followed by the
 * keyword arguments' values, and kwnames (NULL, or a tuple of str) names the last
 * fp_tuple_size(kwnames) entries of args beyond nargs: args has nargs + nkw entries.
 *
 * Who defines what (file in vm/, owner):
 *   object.c (core)  generic operations, fp_str_new*, fp_int_new, slices, fp_dict_* wrappers,
 *                    fp_sequence_list/tuple, fp_parse_args, interned strings
 *   type.c (core)    fp_type_type, fp_object_type, fp_type_ready, user classes, super,
 *                    staticmethod, classmethod, property, getset/method descriptors
 *   func.c (core)    functions, code, cells, bound methods, builtin functions
 *   exc.c (core)     exception types, the error-state API, traceback printing
 *   gen.c (core)     generators;  module.c (core): modules, import registry, builtins module
 *   ceval*.c, compile.c, frame*.c, main.c (core)
 *   int.c bool.c none.c float.c format.c str.c list.c dict.c tuple.c set.c range.c iter.c
 *   builtins.c (lib): the types named after them, their constructors below, the builtins'
 *                    functions (fp_builtins_init), the stdout buffer (fp_stdout_*)
 *   mod_*.c (mods): fp_mod_<name>_init
 */
#ifndef FTPY_FTPY_H
#define FTPY_FTPY_H

#include <ftcore/ftcore.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FTPY_VERSION "0.1"
#ifdef FTC_GIL_DISABLED
#define FTPY_VARIANT "nogil"
#else
#define FTPY_VARIANT "gil"
#endif

/* The code an ftcore callback returns when it failed with a Python exception set. */
#define FP_EEXC FTC_EUSER

typedef struct fp_type fp_type;

/* ---- function-pointer shapes ---- */
typedef ftc_object *(*fp_unaryfunc)(ftc_object *o);
typedef ftc_object *(*fp_binaryfunc)(ftc_object *a, ftc_object *b);
/* A builtin function or method: self is the bound object (or the module, or NULL). */
typedef ftc_object *(*fp_cfunc)(ftc_object *self, ftc_object *const *args, size_t nargs,
                                ftc_object *kwnames);

/* Rich comparison operators (the values CPython uses). */
enum { FP_LT = 0, FP_LE = 1, FP_EQ = 2, FP_NE = 3, FP_GT = 4, FP_GE = 5 };

/* Binary number operators: the index of the slot in fp_type.nb[] (same order as the AST's
 * fp_operator). */
enum {
    FP_NB_ADD,
    FP_NB_SUB,
    FP_NB_MUL,
    FP_NB_TRUEDIV,
    FP_NB_FLOORDIV,
    FP_NB_MOD,
    FP_NB_POW,
    FP_NB_LSHIFT,
    FP_NB_RSHIFT,
    FP_NB_OR,
    FP_NB_XOR,
    FP_NB_AND,
    FP_NB_COUNT
};

/* A method table entry. flags: 0 = instance method (self is the instance), FP_METH_STATIC
 * (self is NULL), FP_METH_CLASS (self is the class). */
#define FP_METH_STATIC 1
#define FP_METH_CLASS 2
typedef struct fp_method_def {
    const char *name;
    fp_cfunc fn;
    int flags;
} fp_method_def;

/* A computed attribute: get returns a new reference; set (NULL = read-only: "AttributeError:
 * readonly attribute") gets NULL to delete. */
typedef struct fp_getset_def {
    const char *name;
    ftc_object *(*get)(ftc_object *self);
    int (*set)(ftc_object *self, ftc_object *value);
} fp_getset_def;

/* fp_type.flags */
#define FP_TPFLAG_HEAPTYPE 1u /* a class made by a class statement */
#define FP_TPFLAG_BASETYPE 2u /* may be subclassed */
#define FP_TPFLAG_EXC 4u      /* BaseException or a subclass */
#define FP_TPFLAG_READY 8u    /* fp_type_ready ran */
#define FP_TPFLAG_WEAKREF \
    16u /* weakref.ref accepts its instances (CPython's list: classes
                                 made by a class statement, functions, methods, generators,
                                 sets, types, modules, locks...; not int, str, tuple, list,
                                 dict, builtin exceptions...) */

struct fp_type {
    FTC_OBJECT_HEAD; /* the type as a value; ob_type = &fp_type_type.ct */
    ftc_type ct;     /* what instances' ob_type points to: name, basicsize,
                                     dealloc (releases what the object holds), hash/eq for
                                     ftcore's containers (see fp_type_ready) */
    fp_type *base;   /* single inheritance; NULL only for object */
    uint32_t flags;
    size_t dictoffset;    /* offset of the instance's ftc_object *dict, 0 = none */
    ftc_object *dict;     /* attributes: an ftcore dict (str -> object) */
    ftc_object *name_obj; /* __name__ as a str */
    uint64_t version;     /* bumped (atomically) whenever this type's or a base's
                                     attributes change; attribute caches compare it */
    const char *module;   /* __module__ of a static type ("_queue"); NULL = builtins.
                                     Tracebacks print module.name unless builtins/__main__ */

    fp_unaryfunc repr;
    fp_unaryfunc str;
    int64_t (*hash)(ftc_object *o); /* Python's hash(); -1 = error */
    ftc_object *(*richcompare)(ftc_object *a, ftc_object *b, int op); /* NotImplemented */
    ftc_object *(*getattr)(ftc_object *o, ftc_object *name);          /* NULL slot: generic */
    int (*setattr)(ftc_object *o, ftc_object *name, ftc_object *v);   /* v NULL = delete */
    fp_cfunc call;                                                    /* self = the callable */
    fp_unaryfunc iter;
    ftc_object *(*next)(ftc_object *it); /* NULL without an exception = exhausted */
    int64_t (*len)(ftc_object *o);       /* -1 = error */
    fp_binaryfunc getitem;
    int (*setitem)(ftc_object *o, ftc_object *key, ftc_object *v); /* v NULL = delete */
    int (*contains)(ftc_object *o, ftc_object *v);                 /* 1, 0, -1 */
    int (*bool_)(ftc_object *o);                                   /* 1, 0, -1 */
    /* Binary number slots, CPython's convention: called with the operands in their order,
     * first through type(a)'s slot, then (if it returned NotImplemented and type(b) differs)
     * through type(b)'s; either operand may be of another type. */
    fp_binaryfunc nb[FP_NB_COUNT];
    fp_binaryfunc nb_inplace_add; /* list += (NULL: falls back to nb) */
    fp_unaryfunc nb_neg, nb_pos, nb_invert, nb_abs;
    /* Construction: type(args) calls new_(type, ...) then, if the result is an instance of
     * type, init(obj, ...). new_ allocates with ftc_object_new(&type->ct) (or _var), never
     * with its own static type, so that subclasses get their layout. */
    ftc_object *(*new_)(fp_type *type, ftc_object *const *args, size_t nargs, ftc_object *kwnames);
    int (*init)(ftc_object *self, ftc_object *const *args, size_t nargs, ftc_object *kwnames);
    /* Descriptors: get(descr, obj or NULL when looked up on the class, type); set. */
    ftc_object *(*descr_get)(ftc_object *descr, ftc_object *obj, fp_type *type);
    int (*descr_set)(ftc_object *descr, ftc_object *obj, ftc_object *v);

    const fp_method_def *methods; /* NULL-name terminated, or NULL */
    const fp_getset_def *getsets; /* NULL-name terminated, or NULL */
    const char *doc_unused;
};

/* A static type's first member:
 *   fp_type fp_float_type = { FP_TYPE_HEAD, .ct = {"float", sizeof(fp_float_object), NULL},
 *                             .base = &fp_object_type, .repr = float_repr, ... }; */
#define FP_TYPE_HEAD .ob_base = FTC_OBJECT_STATIC_INIT(&fp_type_type.ct)

/* ---- the cycle collector (ftcore/gc.h) ----
 * A type whose instances hold references sets ct.traverse (its instances are then tracked by
 * the collector, and can be weakly referenced) and, if it can break a cycle by dropping them,
 * ct.clear. traverse runs with the world stopped: it reads fields with plain (or relaxed)
 * loads, never allocates, locks or decrefs. clear runs on a garbage object nobody else can
 * reach and leaves it fit for its dealloc (fields NULL: deallocs use ftc_xdecref). The
 * references a thread holds in its frames and C variables are counted, never traversed, so
 * whatever a running frame uses is reachable from outside. */
#define FP_VISIT(o)                             \
    do {                                        \
        ftc_object *vis_o_ = (ftc_object *)(o); \
        if (vis_o_ != NULL) {                   \
            int vis_r_ = visit(vis_o_, arg);    \
            if (vis_r_ != 0)                    \
                return vis_r_;                  \
        }                                       \
    } while (0)
/* Drops the reference in *slot (may be NULL) after setting it to NULL, so that a dealloc the
 * decref runs never sees it. */
static inline void fp_clear_slot(ftc_object **slot)
{
    ftc_object *o = *slot;
    *slot = NULL;
    ftc_xdecref(o);
}

/* ---- the types ---- */
extern fp_type fp_type_type, fp_object_type; /* type.c */
extern fp_type fp_staticmethod_type, fp_classmethod_type, fp_property_type, fp_super_type;
extern fp_type fp_methoddescr_type, fp_getsetdescr_type; /* type.c */
extern fp_type fp_function_type, fp_code_type, fp_cell_type, fp_method_type,
    fp_cfunction_type;         /* func.c */
extern fp_type fp_module_type; /* module.c */
extern fp_type fp_gen_type;    /* gen.c */
extern fp_type fp_slice_type;  /* object.c */
extern fp_type fp_int_type, fp_bool_type, fp_none_type, fp_notimpl_type, fp_ellipsis_type,
    fp_float_type, fp_str_type, fp_list_type, fp_dict_type, fp_tuple_type, fp_set_type,
    fp_range_type; /* lib */

static inline fp_type *fp_type_of(ftc_object *o)
{
    const ftc_type *t = o->ob_type;
    if (t == &ftc_int_type)
        return &fp_int_type;
    if (t == &ftc_str_type)
        return &fp_str_type;
    if (t == &ftc_list_type)
        return &fp_list_type;
    if (t == &ftc_dict_type)
        return &fp_dict_type;
    return (fp_type *)(void *)((char *)t - offsetof(fp_type, ct));
}
static inline const char *fp_type_name(ftc_object *o) { return fp_type_of(o)->ct.name; }
#define FP_TYPE_OBJ(t) (&(t)->ob_base)

/* Readies a type (type.c): inherits NULL slots from base (not new_/init when the type sets
 * its own), builds dict from methods and getsets, sets ct.hash/ct.eq for ftcore's containers
 * if the type left them NULL: ct.hash = splitmix64(Python hash) when the type is hashable,
 * ct.eq = Python ==. A numeric type whose values equal ints (float, bool) sets its own ct.hash
 * so that equal numbers hash alike in ftcore dicts: an integral value v hashes as ftcore's int
 * does (the splitmix64 finalizer of v); tuple hashes from its items' ftc_object_hash. Makes the
 * type immortal. 0 or -1. */
int fp_type_ready(fp_type *t);
bool fp_type_is_subtype(fp_type *a, fp_type *b); /* a is b or derives from it */
static inline bool fp_isinstance_type(ftc_object *o, fp_type *t)
{
    fp_type *ot = fp_type_of(o);
    return ot == t || fp_type_is_subtype(ot, t);
}
/* Looks name up along t's bases; borrowed, NULL (no exception) if absent. */
ftc_object *fp_type_lookup(fp_type *t, ftc_object *name);
/* isinstance(o, cls) for a type or a tuple of types: 1, 0, -1. */
int fp_isinstance(ftc_object *o, ftc_object *cls);

/* ---- singletons (lib: none.c, bool.c) ---- */
extern ftc_object _fp_None, _fp_NotImplemented, _fp_Ellipsis;
#define fp_None (&_fp_None)
#define fp_NotImplemented (&_fp_NotImplemented)
#define fp_Ellipsis (&_fp_Ellipsis)
/* bool: the same layout as ftcore's int (value at the same offset), so fp_int_like_value()
 * reads both. True and False are static. */
typedef struct fp_bool_object {
    FTC_OBJECT_HEAD;
    int64_t value;
} fp_bool_object;
extern fp_bool_object _fp_True, _fp_False;
#define fp_True (&_fp_True.ob_base)
#define fp_False (&_fp_False.ob_base)
static inline ftc_object *fp_bool(bool b)
{
    return b ? fp_True : fp_False;
} /* immortal:
                                                  no incref needed, decref harmless */
static inline bool fp_bool_check(ftc_object *o) { return o->ob_type == &fp_bool_type.ct; }
/* int or bool (bool is an int subtype), and its value. */
static inline bool fp_int_like(ftc_object *o)
{
    return o->ob_type == &ftc_int_type || o->ob_type == &fp_bool_type.ct;
}
static inline int64_t fp_int_like_value(ftc_object *o) { return ((_ftc_int_object *)o)->value; }

/* ---- int (object.c wraps ftcore; the type and its operations are lib's int.c) ---- */
ftc_object *fp_int_new(int64_t v); /* MemoryError on failure */
static inline int64_t fp_int_value(ftc_object *o) { return ((_ftc_int_object *)o)->value; }

/* ---- float (lib: float.c) ---- */
typedef struct fp_float_object {
    FTC_OBJECT_HEAD;
    double value;
} fp_float_object;
ftc_object *fp_float_new(double v);
static inline bool fp_float_check(ftc_object *o) { return o->ob_type == &fp_float_type.ct; }
static inline double fp_float_value(ftc_object *o) { return ((fp_float_object *)o)->value; }

/* ---- str (object.c: constructors; lib str.c: the type and methods) ---- */
ftc_object *fp_str_new(const char *s, size_t len); /* copies; MemoryError on failure */
ftc_object *fp_str_from_cstr(const char *s);
ftc_object *fp_str_from_fmt(const char *fmt, ...); /* printf formats */
/* An interned, immortal str (a process-wide table; thread-safe). Borrowed; NULL = MemoryError. */
ftc_object *fp_intern(const char *s);
ftc_object *fp_intern_len(const char *s, size_t len);
static inline const char *fp_str_data(ftc_object *o) { return ftc_str_data(o); }
static inline size_t fp_str_len(ftc_object *o) { return ftc_str_len(o); }
static inline bool fp_str_check(ftc_object *o) { return o->ob_type == &ftc_str_type; }
/* lib (str.c): concatenation, and a str's code point at index i (already in range). */
ftc_object *fp_str_concat(ftc_object *a, ftc_object *b);

/* ---- tuple (lib: tuple.c; items inline, allocated with ftc_object_new_var) ---- */
typedef struct fp_tuple_object {
    FTC_OBJECT_HEAD;
    size_t size;
    ftc_object *items[];
} fp_tuple_object;
ftc_object *fp_tuple_new(size_t n);       /* items NULL: the caller fills every one,
                                                  storing new references (stolen) */
ftc_object *fp_tuple_pack(size_t n, ...); /* borrowed items, increfed */
ftc_object *fp_tuple_from_array(ftc_object *const *items, size_t n); /* increfs */
static inline bool fp_tuple_check(ftc_object *o) { return o->ob_type == &fp_tuple_type.ct; }
static inline size_t fp_tuple_size(ftc_object *o) { return ((fp_tuple_object *)o)->size; }
static inline ftc_object **fp_tuple_items(ftc_object *o) { return ((fp_tuple_object *)o)->items; }
extern fp_tuple_object _fp_empty_tuple; /* lib: the static empty tuple () */
#define fp_empty_tuple (&_fp_empty_tuple.ob_base)

/* ---- list and dict: ftcore's, with Python errors (object.c) ---- */
static inline bool fp_list_check(ftc_object *o) { return o->ob_type == &ftc_list_type; }
static inline bool fp_dict_check(ftc_object *o) { return o->ob_type == &ftc_dict_type; }
ftc_object *fp_list_new(void);
ftc_object *fp_dict_new(void);
int fp_list_append(ftc_object *l, ftc_object *v); /* 0 / -1 */
/* fp_list_append on a list the caller holds a reference to, with no section when that is the
 * only one (ftc_list_append_unique: a list display or comprehension being built). */
int fp_list_append_unique(ftc_object *l, ftc_object *v); /* 0 / -1 */
/* Value for key: a new reference; NULL with KeyError NOT set when absent (check
 * fp_err_occurred() to tell an error from absence). */
ftc_object *fp_dict_get(ftc_object *d, ftc_object *key);
int fp_dict_set(ftc_object *d, ftc_object *key, ftc_object *v); /* 0 / -1 */
int fp_dict_set_cstr(ftc_object *d, const char *key, ftc_object *v);
int fp_dict_del(ftc_object *d, ftc_object *key); /* KeyError(key) if absent */

/* ---- set (lib: set.c) ---- */
ftc_object *fp_set_new(void);
int fp_set_add(ftc_object *set, ftc_object *key); /* 0 / -1 */
static inline bool fp_set_check(ftc_object *o) { return o->ob_type == &fp_set_type.ct; }

/* ---- slice (object.c) ---- */
typedef struct fp_slice_object {
    FTC_OBJECT_HEAD;
    ftc_object *start, *stop, *step; /* fp_None when omitted */
} fp_slice_object;
ftc_object *fp_slice_new(ftc_object *start, ftc_object *stop, ftc_object *step);
/* fp_slice_new taking the caller's three references (released if it fails). */
ftc_object *fp_slice_new_steal(ftc_object *start, ftc_object *stop, ftc_object *step);
static inline bool fp_slice_check(ftc_object *o) { return o->ob_type == &fp_slice_type.ct; }
/* Python's slice.indices(len) and the resulting length: 0, or -1 (TypeError for a non-int
 * bound, ValueError "slice step cannot be zero"). */
int fp_slice_unpack(ftc_object *slice, int64_t len, int64_t *start, int64_t *stop, int64_t *step,
                    int64_t *slicelen);

/* ---- exceptions (exc.c) ----
 * An exception is an instance of BaseException or a subclass: args (a tuple), the traceback
 * entries, __cause__, __context__, __suppress_context__ and an instance dict. */
typedef struct fp_exc_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict;
    ftc_object *args;            /* tuple */
    ftc_object *traceback;       /* list of (filename, lineno, funcname) tuples, innermost last;
                                     NULL until raised through a frame */
    ftc_object *cause, *context; /* NULL or an exception */
    bool suppress_context;
} fp_exc_object;
extern fp_type fp_BaseException_type, fp_Exception_type, fp_ValueError_type, fp_TypeError_type,
    fp_KeyError_type, fp_IndexError_type, fp_LookupError_type, fp_ZeroDivisionError_type,
    fp_ArithmeticError_type, fp_AttributeError_type, fp_NameError_type, fp_UnboundLocalError_type,
    fp_RuntimeError_type, fp_StopIteration_type, fp_AssertionError_type, fp_OverflowError_type,
    fp_RecursionError_type, fp_NotImplementedError_type, fp_MemoryError_type,
    fp_KeyboardInterrupt_type, fp_SystemExit_type, fp_SyntaxError_type, fp_ImportError_type,
    fp_ModuleNotFoundError_type, fp_TimeoutError_type, fp_OSError_type, fp_UnicodeError_type,
    fp_GeneratorExit_type;
static inline bool fp_exc_check(ftc_object *o)
{
    return (fp_type_of(o)->flags & FP_TPFLAG_EXC) != 0;
}

/* Sets the current exception to type(message) where message is printf-formatted. */
void fp_err_set(fp_type *type, const char *fmt, ...);
/* Defines fn, a module function (the fp_method_def signature) that raises NotImplementedError
 * "ftpy does not support <qualname>" for a name of CPython's module that ftpy leaves out. */
#define FP_UNSUPPORTED_FUNCTION(fn, qualname)                                        \
    static ftc_object *fn(ftc_object *self, ftc_object *const *args, size_t nargs,   \
                          ftc_object *kwnames)                                       \
    {                                                                                \
        (void)self;                                                                  \
        (void)args;                                                                  \
        (void)nargs;                                                                 \
        (void)kwnames;                                                               \
        fp_err_set(&fp_NotImplementedError_type, "ftpy does not support " qualname); \
        return NULL;                                                                 \
    }
/* Sets the current exception from value: an exception instance (used as is), or any other
 * object (becomes type(value)); value NULL = type(). */
void fp_err_set_obj(fp_type *type, ftc_object *value);
/* The current exception (borrowed) or NULL. */
ftc_object *fp_err_occurred(void);
/* Whether the current exception is an instance of type (or a subclass). */
bool fp_err_matches(fp_type *type);
/* Takes the current exception (new reference, or NULL) and clears it. */
ftc_object *fp_err_fetch(void);
/* Makes exc (stolen; NULL clears) the current exception. */
void fp_err_restore(ftc_object *exc);
void fp_err_clear(void);
/* MemoryError (preallocated: works without memory); returns NULL. */
ftc_object *fp_err_nomem(void);
/* Raises the Python exception for an ftcore code (FP_EEXC: already set; FTC_ENOMEM:
 * MemoryError; FTC_ETYPE: TypeError "unhashable type: 'T'" naming key (may be NULL);
 * FTC_EKEY: KeyError(key); FTC_EINDEX: IndexError; FTC_ECHANGED: RuntimeError "dictionary
 * changed size during iteration"; others: RuntimeError naming the code). Returns -1. */
int fp_err_from_code(int code, ftc_object *key);
/* Prints "Traceback (most recent call last):", the entries, and "Type: message" to stderr
 * (flushing stdout first), as CPython does for an uncaught exception. */
void fp_exc_print(ftc_object *exc);
/* str(exc) as CPython: the single argument's str, the args tuple's repr, or "". */
ftc_object *fp_exc_str(ftc_object *exc);

/* ---- C-level recursion (counts toward the recursion limit like Python calls) ---- */
int fp_enter_recursive_call(const char *where); /* 0, or -1 with RecursionError set:
                                                     "maximum recursion depth exceeded<where>" */
void fp_leave_recursive_call(void);
int fp_get_recursion_limit(void);
int fp_set_recursion_limit(int limit); /* -1 with ValueError if limit < 1 */

/* ---- generic operations (object.c) ---- */
ftc_object *fp_repr(ftc_object *o);
ftc_object *fp_str(ftc_object *o);
int64_t fp_hash(ftc_object *o); /* -1: error (TypeError "unhashable type") */
ftc_object *fp_richcompare(ftc_object *a, ftc_object *b, int op);
int fp_richcompare_bool(ftc_object *a, ftc_object *b, int op); /* 1, 0, -1 */
int fp_eq(ftc_object *a, ftc_object *b);                 /* identity first, then ==: 1, 0, -1 */
int fp_truthy(ftc_object *o);                            /* 1, 0, -1 */
int64_t fp_len(ftc_object *o);                           /* -1 on error */
ftc_object *fp_getattr(ftc_object *o, ftc_object *name); /* name: a str */
ftc_object *fp_getattr_cstr(ftc_object *o, const char *name);
/* Like fp_getattr, but an AttributeError becomes "absent": returns NULL with no exception. */
ftc_object *fp_getattr_opt(ftc_object *o, ftc_object *name);
int fp_setattr(ftc_object *o, ftc_object *name, ftc_object *v); /* v NULL = delete */
/* The default attribute lookup (descriptors, instance dict, class attributes). */
ftc_object *fp_generic_getattr(ftc_object *o, ftc_object *name);
int fp_generic_setattr(ftc_object *o, ftc_object *name, ftc_object *v);
ftc_object *fp_getitem(ftc_object *o, ftc_object *key);
int fp_setitem(ftc_object *o, ftc_object *key, ftc_object *v);
int fp_delitem(ftc_object *o, ftc_object *key);
int fp_contains(ftc_object *container, ftc_object *v);      /* 1, 0, -1 */
ftc_object *fp_binop(ftc_object *a, ftc_object *b, int nb); /* FP_NB_* */
ftc_object *fp_inplace_binop(ftc_object *a, ftc_object *b, int nb);
ftc_object *fp_neg(ftc_object *o);
ftc_object *fp_pos(ftc_object *o);
ftc_object *fp_invert(ftc_object *o);
ftc_object *fp_abs(ftc_object *o);
ftc_object *fp_iter(ftc_object *o);
ftc_object *fp_next(ftc_object *it);                 /* NULL without exception = exhausted */
ftc_object *fp_sequence_list(ftc_object *iterable);  /* list(iterable) */
ftc_object *fp_sequence_tuple(ftc_object *iterable); /* tuple(iterable) */
/* format(v, spec) (lib: format.c): int, bool, float, str with the mini-language; other types
 * format str(v) with an empty spec, else TypeError as CPython. */
ftc_object *fp_format(ftc_object *v, ftc_object *spec);

/* ---- calls (func.c) ---- */
ftc_object *fp_call(ftc_object *callable, ftc_object *const *args, size_t nargs,
                    ftc_object *kwnames);
ftc_object *fp_call0(ftc_object *callable);
ftc_object *fp_call1(ftc_object *callable, ftc_object *a);
ftc_object *fp_call2(ftc_object *callable, ftc_object *a, ftc_object *b);
/* obj.name(args...) without making a bound method when it can. */
ftc_object *fp_call_method(ftc_object *obj, ftc_object *name, ftc_object *const *args, size_t nargs,
                           ftc_object *kwnames);
/* Calls with positional args from a tuple and keywords from a dict (either may be NULL). */
ftc_object *fp_call_tuple_dict(ftc_object *callable, ftc_object *args, ftc_object *kwargs);

/* Argument parsing for builtins. kwlist names every parameter in order, NULL-terminated ("" for
 * a positional-only one); the first `min` are required, parameters at index >= maxpos are
 * keyword-only. out[i] receives each argument (borrowed) or NULL when not given. Errors with
 * CPython's messages ("f() takes at most 2 arguments (3 given)", "f() missing required argument
 * 'x' (pos 1)", "f() got an unexpected keyword argument 'y'", "argument for f() given by name
 * ('x') and position (1)"). fname is the bare name ("sorted"). 0 or -1. */
int fp_parse_args(const char *fname, ftc_object *const *args, size_t nargs, ftc_object *kwnames,
                  const char *const *kwlist, size_t min, size_t maxpos, ftc_object **out);
/* "f() takes no keyword arguments" unless kwnames is NULL/empty; then the positional count:
 * "f() takes exactly one argument (2 given)", "f expected at least 1 argument, got 0",
 * "f expected at most 2 arguments, got 3" (CPython's wording for each). 0 or -1. */
int fp_check_args(const char *fname, size_t nargs, ftc_object *kwnames, size_t min, size_t max);

/* Builtin function objects (func.c): a method def bound to self (may be NULL). */
typedef struct fp_cfunction_object {
    FTC_OBJECT_HEAD;
    const fp_method_def *def;
    ftc_object *self;
} fp_cfunction_object;
ftc_object *fp_cfunction_new(const fp_method_def *def, ftc_object *self);
/* A bound method (func.c): calling it calls func(self, ...). */
ftc_object *fp_method_new(ftc_object *func, ftc_object *self);

/* ---- modules (module.c) ---- */
typedef struct fp_module_object {
    FTC_OBJECT_HEAD;
    ftc_object *dict; /* the module's globals: an ftcore dict */
    ftc_object *name;
} fp_module_object;
ftc_object *fp_module_new(const char *name);
static inline ftc_object *fp_module_dict(ftc_object *m) { return ((fp_module_object *)m)->dict; }
int fp_module_add(ftc_object *m, const char *name, ftc_object *v);     /* borrowed v */
int fp_module_add_functions(ftc_object *m, const fp_method_def *defs); /* self = m */
int fp_module_add_type(ftc_object *m, fp_type *t); /* readies t, adds it by its name */
/* Runs src (Python source) in m's globals, as a module body: how a built-in module defines
 * the parts of itself written in Python. 0, or -1 with the exception set. */
int fp_module_exec_source(ftc_object *m, const char *src, const char *filename);
/* import NAME (dotted "concurrent.futures" allowed): the module, created and initialised on
 * first import (thread-safe). ModuleNotFoundError "No module named 'x'" if unknown. */
ftc_object *fp_import(const char *name);
/* The builtins module's dict (borrowed). */
ftc_object *fp_builtins_dict(void);
/* Filled by lib (builtins.c): adds the built-in functions (print, len, ...) and readies and
 * adds lib's types (int, float, str, ...) to the builtins module. 0 or -1. */
int fp_builtins_init(ftc_object *builtins_module);
/* Filled by mods: each initialises its (already created) module. 0 or -1. Unknown to the
 * build until mods defines them (the registry tolerates a missing one). */
int fp_mod_threading_init(ftc_object *m);
int fp_mod_queue_init(ftc_object *m);
int fp_mod_futures_init(ftc_object *m); /* concurrent.futures */
int fp_mod_time_init(ftc_object *m);
int fp_mod_sys_init(ftc_object *m);
int fp_mod_math_init(ftc_object *m);
int fp_mod_gc_init(ftc_object *m);
int fp_mod_weakref_init(ftc_object *m);
/* mods (mod_weakref.c): runs weakref.finalize's at-exit finalizers and marks finalize shut
 * down (called by fp_runtime_fini after the threads were joined). */
void fp_mod_weakref_shutdown(void);
/* mods (mod_weakref.c): no weakref callback runs any more (fp_runtime_fini, after its exit
 * collection and before it releases the modules' globals). */
void fp_mod_weakref_callbacks_off(void);
/* mods (mod_threading.c): joins non-daemon threads and shuts executors down; called first by
 * fp_runtime_fini, attached, before stdout is flushed. */
void fp_mod_threading_shutdown(void);
/* mods (mod_threading.c): whether a thread other than the main one is still registered (a
 * daemon thread that may still run Python code). */
bool fp_mod_threading_others_alive(void);
/* mods (mod_gc.c): what gc.isenabled() reports. */
bool fp_mod_gc_isenabled(void);

/* ---- output (lib: builtins.c) ----
 * stdout is buffered per process (flushed at exit, on flush=True, when full, and before a
 * traceback); writes detach around the system call. stderr is unbuffered. */
int fp_stdout_write(const char *s, size_t n); /* 0 / -1 (OSError) */
int fp_stdout_flush(void);

/* ---- threads (ceval.c) ----
 * Every OS thread that runs Python code has an fp thread state on top of its attached ftcore
 * tstate. fp_thread_enter() creates it for the calling thread (call after attaching; the
 * main thread's is made by fp_runtime_init), fp_thread_exit() releases it (before
 * detaching for the last time). 0 / -1 (MemoryError). */
int fp_thread_enter(void);
void fp_thread_exit(void);
bool fp_thread_entered(void); /* whether the calling thread has an fp thread state */

/* ---- the runtime (main.c / ceval.c) ---- */
/* After ftc_runtime_init: readies the types, makes builtins, the main thread's state. 0/-1. */
int fp_runtime_init(void);
/* Before ftc_runtime_fini: the at-exit work (module.c's essay: joins, finalizers, an exit
 * collection, the modules' and classes' globals released and their cycles collected), then
 * flushes stdout. */
void fp_runtime_fini(void);
/* The exit status an uncaught exc means: SystemExit's code (printing a non-int one to
 * stderr), or 1 after printing the traceback. */
int fp_exit_status(ftc_object *exc);
extern int fp_argc; /* sys.argv: the script (or "-c") and its arguments */
extern char **fp_argv;
/* Compiles and runs src as the __main__ module. Returns 0, or -1 with the exception set. */
int fp_run_source(const char *src, size_t len, const char *filename);

#endif /* FTPY_FTPY_H */
