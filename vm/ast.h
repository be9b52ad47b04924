/* ftpy's abstract syntax tree: what the parser (vm/parser.c) produces and the compiler
 * (vm/compile.c) consumes. Nothing else sees it; nothing at run time walks it.
 *
 * Memory: every node, every array and every copied identifier or literal lives in one arena
 * (fp_arena, vm/ast.c) owned by the caller of fp_parse(); fp_arena_free() releases the whole
 * tree at once, so nodes never own each other and no node is freed alone.
 *
 * Positions: lineno is 1-based, col_offset 0-based in code points of the source line (what
 * CPython reports in a SyntaxError is col_offset + 1). Every node carries the position of its
 * first token.
 *
 * Strings: identifiers and str literal values are UTF-8, NUL-terminated, with their byte length
 * (a literal may contain NUL). Escapes are already decoded; adjacent literals are already
 * concatenated. An f-string is an FP_EX_FSTRING whose parts are FP_EX_CONST str pieces and
 * FP_EX_FORMATTED values, in order.
 *
 * The subset: everything ftpy accepts has a node here. Constructs outside it (async, await,
 * match, walrus, bytes literals, `@` matrix multiply, decorators are IN, star-expressions outside
 * calls/targets/displays, lambda defaults are IN, ...) are refused by the parser with
 * "SyntaxError: ftpy does not support <feature>" and the position, never represented.
 */
#ifndef FTPY_AST_H
#define FTPY_AST_H

#include <stddef.h>
#include <stdint.h>

typedef struct fp_arena fp_arena;

/* ---- expressions ---- */
typedef enum fp_expr_kind {
    FP_EX_CONST,      /* a literal: see fp_const_kind */
    FP_EX_NAME,       /* id */
    FP_EX_BINOP,      /* left op right */
    FP_EX_UNARYOP,    /* op operand */
    FP_EX_BOOLOP,     /* values[0] and/or values[1] ... (n >= 2) */
    FP_EX_COMPARE,    /* left ops[0] comparators[0] ops[1] comparators[1] ... (chained) */
    FP_EX_IFEXP,      /* body if test else orelse */
    FP_EX_CALL,       /* func(args..., keywords...) */
    FP_EX_ATTRIBUTE,  /* value.attr */
    FP_EX_SUBSCRIPT,  /* value[slice]; slice may be an FP_EX_SLICE or a tuple containing slices */
    FP_EX_SLICE,      /* lower:upper:step, each may be NULL; only inside a subscript */
    FP_EX_STARRED,    /* *value: in a call's args, a display, or an assignment target */
    FP_EX_TUPLE,      /* (elts...) or a bare a, b */
    FP_EX_LIST,       /* [elts...] */
    FP_EX_SET,        /* {elts...} (n >= 1) */
    FP_EX_DICT,       /* {keys[i]: values[i] ...}; keys[i] == NULL means **values[i] */
    FP_EX_LISTCOMP,   /* [elt for ...] */
    FP_EX_SETCOMP,    /* {elt for ...} */
    FP_EX_DICTCOMP,   /* {key: value for ...} */
    FP_EX_GENEXP,     /* (elt for ...) */
    FP_EX_LAMBDA,     /* lambda args: body */
    FP_EX_YIELD,      /* yield [value] (value may be NULL) */
    FP_EX_YIELD_FROM, /* yield from value */
    FP_EX_FSTRING,    /* f"...": parts are FP_EX_CONST (str) and FP_EX_FORMATTED */
    FP_EX_FORMATTED,  /* {value!conv:spec} inside an f-string */
} fp_expr_kind;

typedef enum fp_const_kind {
    FP_CONST_NONE,
    FP_CONST_TRUE,
    FP_CONST_FALSE,
    FP_CONST_ELLIPSIS,
    FP_CONST_INT,   /* ival; a decimal/hex/binary/octal literal that does not fit int64 is
                         refused by the parser: "ftpy does not support integers beyond 64 bits" */
    FP_CONST_FLOAT, /* fval (exponent, inf from overflow like CPython: 1e999 == inf) */
    FP_CONST_STR,   /* str, str_len (decoded UTF-8) */
} fp_const_kind;

typedef enum fp_operator {
    FP_OP_ADD,
    FP_OP_SUB,
    FP_OP_MUL,
    FP_OP_DIV,
    FP_OP_FLOORDIV,
    FP_OP_MOD,
    FP_OP_POW,
    FP_OP_LSHIFT,
    FP_OP_RSHIFT,
    FP_OP_BITOR,
    FP_OP_BITXOR,
    FP_OP_BITAND,
} fp_operator;

typedef enum fp_unaryop { FP_UOP_NOT, FP_UOP_NEG, FP_UOP_POS, FP_UOP_INVERT } fp_unaryop;
typedef enum fp_boolop { FP_BOOL_AND, FP_BOOL_OR } fp_boolop;
typedef enum fp_cmpop {
    FP_CMP_EQ,
    FP_CMP_NE,
    FP_CMP_LT,
    FP_CMP_LE,
    FP_CMP_GT,
    FP_CMP_GE,
    FP_CMP_IS,
    FP_CMP_IS_NOT,
    FP_CMP_IN,
    FP_CMP_NOT_IN,
} fp_cmpop;

typedef enum fp_expr_ctx { FP_CTX_LOAD, FP_CTX_STORE, FP_CTX_DEL } fp_expr_ctx;

typedef struct fp_expr fp_expr;
typedef struct fp_stmt fp_stmt;

typedef struct fp_expr_seq {
    fp_expr **items;
    size_t n;
} fp_expr_seq;
typedef struct fp_stmt_seq {
    fp_stmt **items;
    size_t n;
} fp_stmt_seq;

typedef struct fp_keyword {
    const char *arg; /* NULL for **value */
    fp_expr *value;
    int lineno, col_offset;
} fp_keyword;

typedef struct fp_comprehension { /* for target in iter if ifs[0] if ifs[1] ... */
    fp_expr *target;
    fp_expr *iter;
    fp_expr_seq ifs;
} fp_comprehension;

typedef struct fp_arg {
    const char *name;
    int lineno, col_offset;
} fp_arg;

/* def f(posonly..., /, args..., *vararg, kwonly..., **kwarg). defaults apply to the last
 * len(defaults) of posonly+args; kw_defaults[i] is the default of kwonly[i] or NULL. */
typedef struct fp_arguments {
    fp_arg *posonly;
    size_t nposonly;
    fp_arg *args;
    size_t nargs;
    fp_arg *vararg; /* NULL if none */
    fp_arg *kwonly;
    size_t nkwonly;
    fp_expr **kw_defaults; /* nkwonly entries, each may be NULL */
    fp_arg *kwarg;         /* NULL if none */
    fp_expr_seq defaults;
} fp_arguments;

struct fp_expr {
    fp_expr_kind kind;
    int lineno, col_offset;
    fp_expr_ctx ctx; /* NAME, ATTRIBUTE, SUBSCRIPT, STARRED, TUPLE, LIST */
    union {
        struct {
            fp_const_kind kind;
            int64_t ival;
            double fval;
            const char *str;
            size_t str_len;
        } konst;
        struct {
            const char *id;
        } name;
        struct {
            fp_expr *left;
            fp_operator op;
            fp_expr *right;
        } binop;
        struct {
            fp_unaryop op;
            fp_expr *operand;
        } unaryop;
        struct {
            fp_boolop op;
            fp_expr_seq values;
        } boolop;
        struct {
            fp_expr *left;
            fp_cmpop *ops;
            fp_expr_seq comparators;
        } compare;
        struct {
            fp_expr *test, *body, *orelse;
        } ifexp;
        struct {
            fp_expr *func;
            fp_expr_seq args;
            fp_keyword *keywords;
            size_t nkeywords;
        } call;
        struct {
            fp_expr *value;
            const char *attr;
        } attribute;
        struct {
            fp_expr *value;
            fp_expr *slice;
        } subscript;
        struct {
            fp_expr *lower, *upper, *step;
        } slice;
        struct {
            fp_expr *value;
        } starred;
        struct {
            fp_expr_seq elts;
        } seq; /* TUPLE, LIST, SET */
        struct {
            fp_expr **keys;
            fp_expr **values;
            size_t n;
        } dict;
        struct {            /* LISTCOMP, SETCOMP, GENEXP, DICTCOMP */
            fp_expr *elt;   /* DICTCOMP: the key */
            fp_expr *value; /* DICTCOMP only */
            fp_comprehension *generators;
            size_t ngenerators;
        } comp;
        struct {
            fp_arguments *args;
            fp_expr *body;
        } lambda;
        struct {
            fp_expr *value;
        } yield; /* YIELD (value may be NULL), YIELD_FROM */
        struct {
            fp_expr_seq parts;
        } fstring;
        struct {
            fp_expr *value;
            int conversion;       /* 0, 'r', 's' or 'a' */
            fp_expr *format_spec; /* NULL, or an FP_EX_FSTRING (may itself
                                                       hold nested {} fields) */
        } formatted;
    } u;
};

/* ---- statements ---- */
typedef enum fp_stmt_kind {
    FP_ST_EXPR,      /* value */
    FP_ST_ASSIGN,    /* targets[0] = targets[1] = ... = value (chained: n targets) */
    FP_ST_AUGASSIGN, /* target op= value */
    FP_ST_ANNASSIGN, /* refused: "ftpy does not support annotations" — not produced */
    FP_ST_IF,        /* if test: body elif...(nested IF in orelse) else: orelse */
    FP_ST_WHILE,     /* while test: body else: orelse */
    FP_ST_FOR,       /* for target in iter: body else: orelse */
    FP_ST_BREAK,
    FP_ST_CONTINUE,
    FP_ST_PASS,
    FP_ST_FUNCTIONDEF, /* decorators; def name(args): body */
    FP_ST_CLASSDEF,    /* decorators; class name(bases, keywords): body */
    FP_ST_RETURN,      /* return [value] */
    FP_ST_DELETE,      /* del targets... */
    FP_ST_GLOBAL,      /* global names... */
    FP_ST_NONLOCAL,    /* nonlocal names... */
    FP_ST_TRY,         /* try: body handlers... else: orelse finally: finalbody */
    FP_ST_RAISE,       /* raise [exc [from cause]] */
    FP_ST_ASSERT,      /* assert test[, msg] */
    FP_ST_WITH,        /* with items...: body */
    FP_ST_IMPORT,      /* import a.b as c, d */
    FP_ST_IMPORTFROM,  /* from module import a as b, c */
} fp_stmt_kind;

typedef struct fp_excepthandler { /* except [type [as name]]: body */
    fp_expr *type;                /* NULL: bare except */
    const char *name;             /* NULL if no `as` */
    fp_stmt_seq body;
    int lineno, col_offset;
} fp_excepthandler;

typedef struct fp_withitem {
    fp_expr *context_expr;
    fp_expr *optional_vars;
} fp_withitem;

typedef struct fp_alias { /* import name [as asname]; name may be dotted "a.b" */
    const char *name;
    const char *asname; /* NULL if none */
    int lineno, col_offset;
} fp_alias;

struct fp_stmt {
    fp_stmt_kind kind;
    int lineno, col_offset;
    int end_lineno; /* last line of the statement (compound: of its last body) */
    union {
        struct {
            fp_expr *value;
        } expr;
        struct {
            fp_expr_seq targets;
            fp_expr *value;
        } assign;
        struct {
            fp_expr *target;
            fp_operator op;
            fp_expr *value;
        } augassign;
        struct {
            fp_expr *test;
            fp_stmt_seq body;
            fp_stmt_seq orelse;
        } if_; /* IF, WHILE */
        struct {
            fp_expr *target;
            fp_expr *iter;
            fp_stmt_seq body;
            fp_stmt_seq orelse;
        } for_;
        struct {
            const char *name;
            fp_arguments *args;
            fp_stmt_seq body;
            fp_expr_seq decorators;
        } funcdef;
        struct {
            const char *name;
            fp_expr_seq bases;
            fp_keyword *keywords;
            size_t nkeywords; /* metaclass= is refused by the parser */
            fp_stmt_seq body;
            fp_expr_seq decorators;
        } classdef;
        struct {
            fp_expr *value;
        } return_; /* value may be NULL */
        struct {
            fp_expr_seq targets;
        } delete_;
        struct {
            const char **names;
            size_t n;
        } names; /* GLOBAL, NONLOCAL */
        struct {
            fp_stmt_seq body;
            fp_excepthandler *handlers;
            size_t nhandlers;
            fp_stmt_seq orelse;
            fp_stmt_seq finalbody;
        } try_;
        struct {
            fp_expr *exc;
            fp_expr *cause;
        } raise; /* both may be NULL */
        struct {
            fp_expr *test;
            fp_expr *msg;
        } assert_;
        struct {
            fp_withitem *items;
            size_t nitems;
            fp_stmt_seq body;
        } with;
        struct {
            fp_alias *names;
            size_t n;
        } import;
        struct {
            const char *module;
            fp_alias *names;
            size_t n;
        } importfrom;
    } u;
};

/* A parsed module: its statements, and the arena that holds everything. */
typedef struct fp_module_ast {
    fp_stmt_seq body;
    fp_arena *arena;
    const char *filename;
} fp_module_ast;

/* A syntax error as CPython reports it: the message ("invalid syntax", "expected ':'",
 * "ftpy does not support match statements", "unexpected indent", ...), the file, the line
 * (1-based), the column (1-based, as printed by CPython's SyntaxError: offset), and the text of
 * the offending line. kind is "SyntaxError" or "IndentationError" or "TabError". */
typedef struct fp_syntax_error {
    const char *kind;
    char msg[256];
    const char *filename;
    int lineno;
    int offset;
    char text[512];
} fp_syntax_error;

/* ---- arena (vm/ast.c) ---- */
fp_arena *fp_arena_new(void);
void *fp_arena_alloc(fp_arena *a, size_t size); /* zeroed; NULL on out of memory */
char *fp_arena_strdup(fp_arena *a, const char *s, size_t len);
void fp_arena_free(fp_arena *a);

/* ---- the parser (vm/parser.c) ----
 * Parses src[0..len) (UTF-8) as a module. Returns 0 and fills *out (the caller frees
 * out->arena), or returns -1 and fills *err (nothing to free). An allocation failure returns
 * -2 (MemoryError). filename is copied. Never crashes, whatever the bytes: the fuzz target
 * (tests/fuzz/fuzz_ftpy.c) holds it to that. Recursion is bounded (deeply nested brackets give
 * "SyntaxError: too many nested parentheses" like CPython's parser limit, never a C stack
 * overflow). */
int fp_parse(const char *src, size_t len, const char *filename, fp_module_ast *out,
             fp_syntax_error *err);

#endif /* FTPY_AST_H */
