/* Internals shared by the parser's files: vm/parser.c (infrastructure, statements, fp_parse),
 * vm/parser_expr.c (expressions, targets, call arguments, comprehensions) and
 * vm/parser_fstring.c (string literals and f-strings). Nothing outside the parser includes it;
 * the parser's interface is fp_parse() in ast.h.
 *
 * Error handling: a syntax error is raised by fp_p_error*(), which fills the result and
 * longjmp()s to fp_parse() (or to a backtracking point set by fp_p_try()): parsing functions
 * therefore return nodes, never error codes. Nothing the parser allocates outlives an error
 * except through the arena, which fp_parse() frees, and the root token blocks, which it frees
 * too; an f-string field's sub-parser keeps its tokens in the arena.
 */
#ifndef FTPY_PARSER_H
#define FTPY_PARSER_H

#include "ast.h"
#include "lexer.h"

#include <setjmp.h>

/* The deepest recursion the parser allows itself (nested expressions that recurse: unary
 * operators, `not`, `**`, conditional expressions, lambdas, brackets), and the deepest AST it
 * hands out (checked on each statement: left-associative chains such as a.b.c... or a+b+c...
 * are built by loops, so they are checked after the fact). The compiler may therefore recurse
 * on an expression FP_AST_MAX_DEPTH levels deep plus FP_LEX_MAX_INDENT block levels. */
#define FP_PARSE_MAX_DEPTH 400
#define FP_AST_MAX_DEPTH 1000

typedef struct fp_parser fp_parser;

enum { FP_SCOPE_MODULE, FP_SCOPE_FUNCTION, FP_SCOPE_CLASS };

struct fp_parser {
    fp_lexer lx;
    fp_arena *arena;
    /* tokens in blocks of 1 << tok_shift that never move, so a token pointer stays valid while
     * later tokens are read; only the array of block pointers grows (a file's parser uses
     * blocks of FP_TOK_BLOCK_SHIFT, an f-string field's small ones) */
    fp_token **blocks;
    int tok_shift;
    size_t nblocks, blocks_cap;
    size_t ntoks, pos;
    int toks_in_arena; /* sub-parsers: the blocks live in the arena */
    jmp_buf *jb;       /* where an error goes */
    fp_syntax_error *err;
    int status;      /* -1 syntax error, -2 out of memory (when jumping) */
    fp_parser *root; /* the file's parser (itself for the root) */
    const char *filename;
    int depth;            /* current recursion depth (shared through root) */
    int scope;            /* FP_SCOPE_*: what `return`, `yield`, `nonlocal` may do */
    int loop_depth;       /* inside a loop body of the current function */
    int in_comprehension; /* 0, or 1 list, 2 set, 3 dict, 4 generator expression */
    int nyield;           /* yield expressions parsed so far (root) */
    int in_lambda;        /* parsing a lambda's body */
    int last_line;        /* end line of the last significant token consumed */
    /* an error that CPython reports after parsing the whole file (its compiler's): the first
     * one is raised once the file has parsed without a syntax error */
    int late_set, late_sym_set;
    fp_syntax_error late, late_sym;
};

/* ---- tokens ---- */
#define FP_TOK_BLOCK_SHIFT 9
#define FP_TOK_FIELD_SHIFT 3
fp_token *fp_p_tok(fp_parser *p, size_t i); /* token i (already read) */
fp_token *fp_p_peek(fp_parser *p);
fp_token *fp_p_peek_at(fp_parser *p, size_t k); /* k tokens after the current one */
fp_token *fp_p_next(fp_parser *p);              /* consume and return the current one */
int fp_p_at(fp_parser *p, fp_tok_kind k);
int fp_p_accept(fp_parser *p, fp_tok_kind k);
fp_token *fp_p_expect(fp_parser *p, fp_tok_kind k); /* else "invalid syntax" (or "expected ':'") */

/* ---- errors (never return) ---- */
_Noreturn void fp_p_error_at(fp_parser *p, const char *kind, int lineno, int col, const char *fmt,
                             ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* The generic "invalid syntax" at a token, with CPython's refinements: an unexpected INDENT or
 * DEDENT is an IndentationError, and a tokenizer error later in the file takes precedence. */
_Noreturn void fp_p_syntax_error(fp_parser *p, const fp_token *t);
_Noreturn void fp_p_nomem(fp_parser *p);
/* Reads the rest of the file: a tokenizer error there is raised (CPython reports it in
 * preference to a generic error or the missing-comma hint). */
void fp_p_scan_rest(fp_parser *p);
/* Records an error CPython's compiler reports ('break' outside loop, ...): raised at the end. */
void fp_p_late_error(fp_parser *p, int lineno, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* The same for errors of CPython's symbol table pass, which precede the compiler's. */
void fp_p_late_sym_error(fp_parser *p, int lineno, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void fp_p_enter(fp_parser *p, const fp_token *t); /* depth++ with the limit */
void fp_p_leave(fp_parser *p);

/* ---- allocation (in the arena; out of memory jumps) ---- */
void *fp_p_alloc(fp_parser *p, size_t size);
char *fp_p_strdup(fp_parser *p, const char *s, size_t len);
fp_expr *fp_p_expr(fp_parser *p, fp_expr_kind kind, const fp_token *t);
fp_expr *fp_p_expr_at(fp_parser *p, fp_expr_kind kind, int lineno, int col);

/* A growable array of pointers in the arena. */
typedef struct fp_vec {
    void **items;
    size_t n, cap;
} fp_vec;
void fp_p_push(fp_parser *p, fp_vec *v, void *item);
fp_expr_seq fp_p_expr_seq(fp_vec *v);
fp_stmt_seq fp_p_stmt_seq(fp_vec *v);

/* ---- expressions (parser_ops.c, parser_expr.c) ---- */
fp_expr *fp_p_expression(fp_parser *p);       /* expression: ternary, lambda */
fp_expr *fp_p_named_expression(fp_parser *p); /* refuses := */
fp_expr *fp_p_star_expressions(fp_parser *p); /* a, *b, c  -> tuple when there is a comma */
fp_expr *fp_p_bitwise_or(fp_parser *p);
/* '*' bitwise_or (a Starred node), or else sub(p): the items of lists, tuples and targets. */
fp_expr *fp_p_starred_or(fp_parser *p, fp_expr *(*sub)(fp_parser *));
fp_expr *fp_p_primary(fp_parser *p); /* atom and trailers (parser_expr.c) */
fp_expr *fp_p_disjunction(fp_parser *p);
fp_expr *fp_p_yield_expr(fp_parser *p);   /* at 'yield' */
fp_expr *fp_p_star_targets(fp_parser *p); /* for-targets, stopping before 'in' */
fp_arguments *fp_p_parameters(fp_parser *p, fp_tok_kind close, int is_lambda);
void fp_p_call_args(fp_parser *p, fp_expr *call); /* after '(' up to and including ')' */
int fp_p_starts_expression(const fp_token *t);
/* Turns an expression into an assignment/for/with/del target (ctx STORE or DEL), or raises
 * CPython's "cannot assign to ..." error. assign: the target of an `=` statement (CPython adds
 * "here. Maybe you meant '==' instead of '='?" for some kinds). */
void fp_p_set_target(fp_parser *p, fp_expr *e, fp_expr_ctx ctx, int assign);
const char *fp_p_expr_name(const fp_expr *e);

/* ---- string literals (parser_fstring.c) ---- */
fp_expr *fp_p_strings(fp_parser *p); /* one or more adjacent STRING tokens */

/* ---- statements (parser_stmt.c) ---- */
void fp_p_statement(fp_parser *p, fp_vec *out); /* one line's statements, or a compound one */
fp_stmt *fp_p_new_stmt(fp_parser *p, fp_stmt_kind kind, const fp_token *t);

/* ---- AST depth check (parser.c) ---- */
void fp_p_check_depth_stmts(fp_parser *p, fp_stmt_seq s, int depth);
void fp_p_check_depth_expr(fp_parser *p, const fp_expr *e, int depth);

#endif /* FTPY_PARSER_H */
