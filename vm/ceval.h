/* The core's internal structures: opcodes, code objects, functions, cells, frames, generators
 * and the per-thread interpreter state. Only the core's files (compile.c, ceval.c, func.c,
 * gen.c, exc.c, type.c, module.c, object.c) include this header.
 *
 * Bytecode: 32-bit words, opcode in the low 8 bits, argument in the high 24 (EXTENDED_ARG is
 * never needed: a code object with more than 2^24 constants or instructions is refused by
 * the compiler). Jump arguments are absolute word indexes. Exceptions are handled through a
 * table (start, end, handler, depth) searched innermost-first, as CPython 3.11 does: no block
 * stack at run time, and a try costs nothing until something raises.
 *
 * Frames live in a per-thread arena (fp_thread.stack): a Python call pushes one and the eval
 * loop continues in the same C function; only calls from C (a builtin calling a key function,
 * a slot calling a dunder, a generator being resumed) re-enter fp_eval. Generators own a heap
 * frame of their own. The recursion depth counts both.
 */
#ifndef FTPY_CEVAL_H
#define FTPY_CEVAL_H

#include "ftpy.h"

/* ---- opcodes ---- */
/* clang-format off */
#define FP_OPCODES(X)                                                                      \
    X(NOP) X(POP_TOP) X(DUP_TOP) X(DUP_TOP_TWO) X(ROT_TWO) X(ROT_THREE) X(ROT_FOUR)        \
    X(LOAD_CONST) X(LOAD_FAST) X(STORE_FAST) X(DELETE_FAST)                                \
    X(LOAD_DEREF) X(STORE_DEREF) X(DELETE_DEREF) X(LOAD_CLOSURE) X(LOAD_CLASSDEREF)        \
    X(LOAD_GLOBAL) X(STORE_GLOBAL) X(DELETE_GLOBAL)                                        \
    X(LOAD_NAME) X(STORE_NAME) X(DELETE_NAME)                                              \
    X(LOAD_ATTR) X(STORE_ATTR) X(DELETE_ATTR) X(LOAD_METHOD)                               \
    X(BINARY_SUBSCR) X(STORE_SUBSCR) X(DELETE_SUBSCR)                                      \
    X(BINARY_OP) X(INPLACE_OP) X(UNARY_NEG) X(UNARY_POS) X(UNARY_INVERT) X(UNARY_NOT)      \
    X(COMPARE_OP) X(IS_OP) X(CONTAINS_OP)                                                  \
    X(JUMP) X(JUMP_BACK) X(POP_JUMP_IF_FALSE) X(POP_JUMP_IF_TRUE)                          \
    X(JUMP_IF_FALSE_OR_POP) X(JUMP_IF_TRUE_OR_POP)                                         \
    X(GET_ITER) X(FOR_ITER)                                                                \
    X(BUILD_TUPLE) X(BUILD_LIST) X(BUILD_SET) X(BUILD_MAP) X(BUILD_SLICE) X(BUILD_STRING)  \
    X(LIST_APPEND) X(SET_ADD) X(MAP_ADD) X(LIST_EXTEND) X(SET_UPDATE) X(DICT_UPDATE)       \
    X(DICT_MERGE) X(LIST_TO_TUPLE)                                                         \
    X(UNPACK_SEQUENCE) X(UNPACK_EX) X(FORMAT_VALUE)                                        \
    X(PUSH_NULL) X(CALL) X(CALL_KW) X(CALL_FUNCTION_EX)                                    \
    X(MAKE_FUNCTION) X(MAKE_CLASS) X(RETURN_VALUE) X(YIELD_VALUE) X(YIELD_FROM)            \
    X(RAISE_VARARGS) X(RERAISE_POP) X(PUSH_EXC_INFO) X(POP_EXCEPT) X(CHECK_EXC_MATCH)      \
    X(BEFORE_WITH) X(WITH_EXIT_NORMAL) X(WITH_EXCEPT)                                      \
    X(IMPORT_NAME) X(IMPORT_FROM) X(LOAD_ASSERTION_ERROR) X(CLEAR_FAST) X(BUILD_SET_CONST)     \
    X(LOAD_FAST_ATTR) X(STORE_FAST_ATTR) X(CHECK_FAST) X(BINARY_SUBSCR_FAST) X(STORE_SUBSCR_FAST) \
    X(IS_OP_FAST)
/* clang-format on */

enum {
#define FP_OP_ENUM(name) OP_##name,
    FP_OPCODES(FP_OP_ENUM)
#undef FP_OP_ENUM
        OP_COUNT
};

#define FP_INSTR(op, arg) ((uint32_t)(op) | ((uint32_t)(arg) << 8))
#define FP_OPCODE(w) ((w)&0xFFu)
#define FP_OPARG(w) ((w) >> 8)

/* MAKE_FUNCTION flags */
#define FP_MKF_DEFAULTS 1
#define FP_MKF_KWDEFAULTS 2
#define FP_MKF_CLOSURE 4
/* FORMAT_VALUE: low 2 bits conversion (0 none, 1 str, 2 repr, 3 ascii), 4 = spec on stack */
#define FP_FMT_SPEC 4

/* LIST_EXTEND building a call's positional arguments (the callable is below the list) */
#define FP_EXTEND_CALL (1 << 16)

/* code flags */
#define FP_CO_VARARGS 1
#define FP_CO_VARKEYWORDS 2
#define FP_CO_GENERATOR 4
#define FP_CO_CLASSBODY 8
#define FP_CO_MODULE 16

typedef struct fp_exc_entry {
    uint32_t start, end, handler, depth; /* words [start, end) go to handler at depth */
} fp_exc_entry;

typedef struct fp_code_object {
    FTC_OBJECT_HEAD;
    uint32_t *code;
    int *lines; /* line of each word */
    size_t ncode;
    ftc_object **consts;
    size_t nconsts;
    ftc_object **names; /* interned str */
    size_t nnames;
    fp_exc_entry *exctab;
    size_t nexc;
    int argcount; /* positional parameters (posonly included) */
    int posonlyargcount;
    int kwonlyargcount;
    int flags;
    int nlocals; /* parameters first, then *args, **kwargs, other locals */
    int ncells, nfree;
    int nlocalsplus; /* nlocals + ncells + nfree */
    int stacksize;
    ftc_object **localnames; /* nlocalsplus names (str): locals, cells, frees */
    int *cell2arg;           /* ncells entries: the local index a cell starts from, or -1 */
    ftc_object *name, *qualname, *filename;
    int firstlineno;
} fp_code_object;

typedef struct fp_cell_object {
    FTC_OBJECT_HEAD;
    ftc_object *ref; /* NULL = empty; atomic in the nogil build */
} fp_cell_object;
ftc_object *fp_cell_new(ftc_object *v);

typedef struct fp_function_object {
    FTC_OBJECT_HEAD;
    fp_code_object *code;
    ftc_object *globals; /* the module's dict */
    ftc_object *builtins;
    ftc_object *name, *qualname, *module;
    ftc_object *defaults;   /* tuple or NULL */
    ftc_object *kwdefaults; /* dict or NULL */
    ftc_object *closure;    /* tuple of cells or NULL */
    ftc_object *dict;       /* function attributes, NULL until set */
} fp_function_object;

typedef struct fp_method_object {
    FTC_OBJECT_HEAD;
    ftc_object *func, *self;
} fp_method_object;

typedef struct fp_frame fp_frame;
struct fp_frame {
    fp_code_object *code;
    fp_frame *back;
    fp_function_object *func;       /* a reference (NULL for a module's code) */
    ftc_object *globals, *builtins; /* borrowed from func or the module */
    ftc_object *locals;             /* class bodies: the namespace dict (a reference) */
    const uint32_t *ip;             /* the next instruction while suspended or calling */
    ftc_object **sp;                /* stack top while suspended */
    struct fp_gen_object *gen;      /* the owning generator, or NULL */
    uint8_t entry;                  /* returning from it returns from fp_eval */
    uint8_t on_heap;                /* a generator's frame */
    uint8_t done;                   /* a generator's frame returned (vs yielded) */
    ftc_object *localsplus[];       /* locals, cells, frees, then the value stack */
};

typedef struct fp_gen_object {
    FTC_OBJECT_HEAD;
    fp_frame *frame; /* NULL once finished */
    ftc_object *name, *qualname;
    int running;             /* atomic: ValueError "generator already executing" */
    ftc_object *handled_exc; /* the generator's own exc_info while suspended */
} fp_gen_object;

/* A builtin method in a type's dict (type.c): bound to an instance when looked up through
 * one; the eval loop calls def->fn(self, ...) directly for obj.method(...). */
typedef struct fp_methoddescr_object {
    FTC_OBJECT_HEAD;
    const fp_method_def *def;
    fp_type *type;
} fp_methoddescr_object;

extern fp_type fp_slotwrapper_type; /* type_slots.c */

/* ---- per-thread interpreter state ---- */
/* One entry of a thread's type-attribute cache (type.c): the result of looking name up along
 * type's bases (value NULL: absent), valid while the global type epoch is unchanged. */
typedef struct fp_mcache_entry {
    fp_type *type;
    ftc_object *name;
    ftc_object *value;
    uint64_t epoch;
} fp_mcache_entry;
#define FP_MCACHE_SIZE 4096
/* Bumped (release) by every change to any class's attributes, every class creation and every
 * type deallocation: a cached lookup is trusted only under the epoch it was made in. */
extern uint64_t _fp_type_epoch;

typedef struct fp_thread {
    fp_mcache_entry *mcache;                  /* FP_MCACHE_SIZE entries, private to the thread */
    ftc_object *exc;                          /* the current (being raised) exception */
    ftc_object *handled;                      /* sys.exc_info(): the exception being handled */
    fp_frame *frame;                          /* the innermost running frame */
    char *stack_base, *stack_top, *stack_end; /* the frame arena (one block) */
    int depth;                                /* Python frames + C recursion */
    ftc_object *memerr;                       /* preallocated MemoryError instance */
} fp_thread;

extern FTC_THREAD_LOCAL fp_thread *_fp_tls;
static inline fp_thread *fp_thread_get(void) { return _fp_tls; }
extern int _fp_recursion_limit;

/* ---- compile.c ---- */
/* Compiles a parsed module (vm/ast.h) to a code object; NULL with SyntaxError set. */
struct fp_module_ast;
fp_code_object *fp_compile(struct fp_module_ast *mod, const char *filename);
ftc_object *fp_code_new_empty(void);

/* ---- ceval.c ---- */
/* Runs a module code object in globals. New reference or NULL. */
ftc_object *fp_eval_code(fp_code_object *code, ftc_object *globals, ftc_object *locals);
/* Calls a Python function from C. */
ftc_object *fp_function_call(ftc_object *func, ftc_object *const *args, size_t nargs,
                             ftc_object *kwnames);
/* Resumes a generator's frame with value pushed (NULL: first run). New ref, or NULL at the end
 * (no exception: returned None; StopIteration(value) set for another value) or on error. */
ftc_object *fp_gen_resume(fp_gen_object *gen, ftc_object *value);
/* Binds arguments into a fresh frame's locals (func.c). 0 / -1. */
int fp_bind_args(fp_function_object *f, ftc_object **locals, ftc_object *const *args, size_t nargs,
                 ftc_object *kwnames);
/* The line a frame is at. */
int fp_frame_lineno(fp_frame *f);
/* Adds a traceback entry for frame f to exc. */
void fp_exc_add_tb(ftc_object *exc, fp_frame *f);
/* Context chaining when raising exc while `handled` is being handled. */
void fp_exc_set_context(ftc_object *exc, ftc_object *handled);
/* Frames: allocation in the thread's arena. */
fp_frame *fp_frame_push(fp_thread *t, fp_function_object *func, fp_code_object *code);
void fp_frame_pop(fp_thread *t, fp_frame *f); /* releases locals and stack */
void fp_frame_clear(fp_frame *f);             /* releases locals and stack, not memory */

/* ---- type.c ---- */
ftc_object *fp_class_new(ftc_object *name, fp_type *base, ftc_object *ns, ftc_object *qualname);
/* module.c: lists a class made at run time (immortal), whose dict fp_runtime_fini clears. */
void fp_class_register(fp_type *t);
ftc_object *fp_instance_dict(ftc_object *o, bool create); /* borrowed */
/* type_slots.c: re-derives a heap type's slots after its attribute `name` changed. */
void _fp_type_fixup_slots(fp_type *t, const char *name);
void _fp_type_modified(void);
/* fp_type_lookup returning a new reference (safe against a concurrent replacement). */
ftc_object *fp_type_lookup_ref(
    fp_type *t, ftc_object *name); /* bumps the type epoch (invalidates lookup caches) */

/* ---- gen.c ---- */
ftc_object *fp_gen_new(fp_frame *frame, fp_function_object *func);

/* ---- exc.c ---- */
int fp_exc_init_types(ftc_object *builtins);
ftc_object *fp_exc_new(fp_type *type, ftc_object *args); /* args: tuple (borrowed) */
/* Raises kind (SyntaxError, IndentationError, TabError) with CPython's fields. */
void fp_err_syntax(const char *kind, const char *msg, const char *filename, int lineno, int offset,
                   const char *text);

/* ---- module.c ---- */
int fp_modules_init(void);
void fp_modules_fini(void);

/* ---- object.c ---- */
int fp_object_init(void);

#endif /* FTPY_CEVAL_H */
