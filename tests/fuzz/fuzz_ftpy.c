/* Fuzz harness for ftpy's front end: the lexer and the parser (fp_parse, vm/ast.h).
 *
 * Any byte string is a program. fp_parse() must return 0 with a well-formed tree, -1 with a
 * complete syntax error, or -2 (out of memory) — never crash, hang, leak or overflow the stack
 * (ASan and UBSan check memory; libFuzzer's -timeout catches hangs). The tree is then walked
 * by check_expr/check_stmt, which abort on a malformed node: a required child missing, a kind
 * or operator out of range, a context that a target must have, an identifier or string that is
 * not NUL-terminated at its length, or an expression deeper than the parser promises
 * (FP_AST_MAX_DEPTH in vm/parser.h) — the promise a recursive compiler relies on.
 *
 * With FTPY_FUZZ_COMPILE defined (linked with the whole interpreter), every tree that parses is
 * also compiled by fp_compile() (vm/compile.c), which must return a code object or raise an
 * exception (SyntaxError for what only the compiler sees), never crash: the runtime is started
 * once, and fuzz_ftpy_fini() (called by replay.c) shuts it down.
 *
 * Built by tests/fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined (make fuzz), and
 * replayed over the committed corpus tests/fuzz/corpus_ftpy/ by replay.c in every test preset
 * (ctest fuzz.ftpy_replay).
 */
#include "ast.h"
#include "parser.h"
#ifdef FTPY_FUZZ_COMPILE
#include "ceval.h"
#include "ftpy.h"
#endif

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
void fuzz_ftpy_fini(void);

#define FZ_CHECK(cond)                                                                            \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            fprintf(stderr, "fuzz_ftpy: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                              \
        }                                                                                         \
    } while (0)

static void check_expr(const fp_expr *e, int depth);
static void check_stmts(fp_stmt_seq s, int depth);

static void check_name(const char *s) { FZ_CHECK(s != NULL && s[0] != '\0'); }

static void check_seq(fp_expr_seq s, int depth)
{
    FZ_CHECK(s.n == 0 || s.items != NULL);
    for (size_t i = 0; i < s.n; i++) {
        FZ_CHECK(s.items[i] != NULL);
        check_expr(s.items[i], depth);
    }
}

static void check_opt(const fp_expr *e, int depth)
{
    if (e != NULL)
        check_expr(e, depth);
}

static void check_args(const fp_arguments *a, int depth)
{
    FZ_CHECK(a != NULL);
    for (size_t i = 0; i < a->nposonly; i++)
        check_name(a->posonly[i].name);
    for (size_t i = 0; i < a->nargs; i++)
        check_name(a->args[i].name);
    for (size_t i = 0; i < a->nkwonly; i++) {
        check_name(a->kwonly[i].name);
        check_opt(a->kw_defaults[i], depth);
    }
    if (a->vararg)
        check_name(a->vararg->name);
    if (a->kwarg)
        check_name(a->kwarg->name);
    FZ_CHECK(a->defaults.n <= a->nposonly + a->nargs);
    check_seq(a->defaults, depth);
}

static void check_target(const fp_expr *e)
{
    FZ_CHECK(e->kind == FP_EX_NAME || e->kind == FP_EX_ATTRIBUTE || e->kind == FP_EX_SUBSCRIPT ||
             e->kind == FP_EX_TUPLE || e->kind == FP_EX_LIST || e->kind == FP_EX_STARRED);
    FZ_CHECK(e->ctx != FP_CTX_LOAD);
}

static void check_expr(const fp_expr *e, int depth)
{
    FZ_CHECK(e != NULL);
    FZ_CHECK(depth <= FP_AST_MAX_DEPTH + 2 * FP_LEX_MAX_INDENT);
    FZ_CHECK(e->lineno >= 1 && e->col_offset >= 0);
    int d = depth + 1;
    switch (e->kind) {
    case FP_EX_CONST:
        FZ_CHECK(e->u.konst.kind <= FP_CONST_STR);
        if (e->u.konst.kind == FP_CONST_STR)
            FZ_CHECK(e->u.konst.str != NULL && e->u.konst.str[e->u.konst.str_len] == '\0');
        break;
    case FP_EX_NAME: check_name(e->u.name.id); break;
    case FP_EX_BINOP:
        FZ_CHECK(e->u.binop.op <= FP_OP_BITAND);
        check_expr(e->u.binop.left, d);
        check_expr(e->u.binop.right, d);
        break;
    case FP_EX_UNARYOP:
        FZ_CHECK(e->u.unaryop.op <= FP_UOP_INVERT);
        check_expr(e->u.unaryop.operand, d);
        break;
    case FP_EX_BOOLOP:
        FZ_CHECK(e->u.boolop.values.n >= 2);
        check_seq(e->u.boolop.values, d);
        break;
    case FP_EX_COMPARE:
        FZ_CHECK(e->u.compare.comparators.n >= 1);
        for (size_t i = 0; i < e->u.compare.comparators.n; i++)
            FZ_CHECK(e->u.compare.ops[i] <= FP_CMP_NOT_IN);
        check_expr(e->u.compare.left, d);
        check_seq(e->u.compare.comparators, d);
        break;
    case FP_EX_IFEXP:
        check_expr(e->u.ifexp.test, d);
        check_expr(e->u.ifexp.body, d);
        check_expr(e->u.ifexp.orelse, d);
        break;
    case FP_EX_CALL:
        check_expr(e->u.call.func, d);
        check_seq(e->u.call.args, d);
        for (size_t i = 0; i < e->u.call.nkeywords; i++)
            check_expr(e->u.call.keywords[i].value, d);
        break;
    case FP_EX_ATTRIBUTE:
        check_name(e->u.attribute.attr);
        check_expr(e->u.attribute.value, d);
        break;
    case FP_EX_SUBSCRIPT:
        check_expr(e->u.subscript.value, d);
        check_expr(e->u.subscript.slice, d);
        break;
    case FP_EX_SLICE:
        check_opt(e->u.slice.lower, d);
        check_opt(e->u.slice.upper, d);
        check_opt(e->u.slice.step, d);
        break;
    case FP_EX_STARRED: check_expr(e->u.starred.value, d); break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
    case FP_EX_SET:
        if (e->kind == FP_EX_SET)
            FZ_CHECK(e->u.seq.elts.n >= 1);
        check_seq(e->u.seq.elts, d);
        if (e->ctx != FP_CTX_LOAD)
            for (size_t i = 0; i < e->u.seq.elts.n; i++)
                check_target(e->u.seq.elts.items[i]);
        break;
    case FP_EX_DICT:
        for (size_t i = 0; i < e->u.dict.n; i++) {
            check_opt(e->u.dict.keys[i], d);
            check_expr(e->u.dict.values[i], d);
        }
        break;
    case FP_EX_LISTCOMP:
    case FP_EX_SETCOMP:
    case FP_EX_GENEXP:
    case FP_EX_DICTCOMP:
        check_expr(e->u.comp.elt, d);
        if (e->kind == FP_EX_DICTCOMP)
            check_expr(e->u.comp.value, d);
        FZ_CHECK(e->u.comp.ngenerators >= 1);
        for (size_t i = 0; i < e->u.comp.ngenerators; i++) {
            check_target(e->u.comp.generators[i].target);
            check_expr(e->u.comp.generators[i].target, d);
            check_expr(e->u.comp.generators[i].iter, d);
            check_seq(e->u.comp.generators[i].ifs, d);
        }
        break;
    case FP_EX_LAMBDA:
        check_args(e->u.lambda.args, d);
        check_expr(e->u.lambda.body, d);
        break;
    case FP_EX_YIELD: check_opt(e->u.yield.value, d); break;
    case FP_EX_YIELD_FROM: check_expr(e->u.yield.value, d); break;
    case FP_EX_FSTRING:
        for (size_t i = 0; i < e->u.fstring.parts.n; i++) {
            const fp_expr *p = e->u.fstring.parts.items[i];
            FZ_CHECK(p->kind == FP_EX_CONST || p->kind == FP_EX_FORMATTED);
        }
        check_seq(e->u.fstring.parts, d);
        break;
    case FP_EX_FORMATTED:
        FZ_CHECK(e->u.formatted.conversion == 0 || e->u.formatted.conversion == 'r' ||
                 e->u.formatted.conversion == 's' || e->u.formatted.conversion == 'a');
        check_expr(e->u.formatted.value, d);
        if (e->u.formatted.format_spec)
            FZ_CHECK(e->u.formatted.format_spec->kind == FP_EX_FSTRING);
        check_opt(e->u.formatted.format_spec, d);
        break;
    default: FZ_CHECK(!"expression kind out of range");
    }
}

static void check_stmt(const fp_stmt *s, int depth)
{
    FZ_CHECK(s != NULL && s->lineno >= 1 && s->end_lineno >= s->lineno);
    FZ_CHECK(depth <= 2 * FP_LEX_MAX_INDENT);
    int d = depth + 1;
    switch (s->kind) {
    case FP_ST_EXPR: check_expr(s->u.expr.value, d); break;
    case FP_ST_ASSIGN:
        FZ_CHECK(s->u.assign.targets.n >= 1);
        for (size_t i = 0; i < s->u.assign.targets.n; i++)
            check_target(s->u.assign.targets.items[i]);
        check_seq(s->u.assign.targets, d);
        check_expr(s->u.assign.value, d);
        break;
    case FP_ST_AUGASSIGN:
        check_target(s->u.augassign.target);
        check_expr(s->u.augassign.target, d);
        check_expr(s->u.augassign.value, d);
        break;
    case FP_ST_IF:
    case FP_ST_WHILE:
        check_expr(s->u.if_.test, d);
        FZ_CHECK(s->u.if_.body.n >= 1);
        check_stmts(s->u.if_.body, d);
        check_stmts(s->u.if_.orelse, d);
        break;
    case FP_ST_FOR:
        check_target(s->u.for_.target);
        check_expr(s->u.for_.target, d);
        check_expr(s->u.for_.iter, d);
        FZ_CHECK(s->u.for_.body.n >= 1);
        check_stmts(s->u.for_.body, d);
        check_stmts(s->u.for_.orelse, d);
        break;
    case FP_ST_BREAK:
    case FP_ST_CONTINUE:
    case FP_ST_PASS: break;
    case FP_ST_FUNCTIONDEF:
        check_name(s->u.funcdef.name);
        check_args(s->u.funcdef.args, d);
        check_seq(s->u.funcdef.decorators, d);
        FZ_CHECK(s->u.funcdef.body.n >= 1);
        check_stmts(s->u.funcdef.body, d);
        break;
    case FP_ST_CLASSDEF:
        check_name(s->u.classdef.name);
        FZ_CHECK(s->u.classdef.bases.n <= 1 && s->u.classdef.nkeywords == 0);
        check_seq(s->u.classdef.bases, d);
        check_seq(s->u.classdef.decorators, d);
        FZ_CHECK(s->u.classdef.body.n >= 1);
        check_stmts(s->u.classdef.body, d);
        break;
    case FP_ST_RETURN: check_opt(s->u.return_.value, d); break;
    case FP_ST_DELETE:
        FZ_CHECK(s->u.delete_.targets.n >= 1);
        for (size_t i = 0; i < s->u.delete_.targets.n; i++)
            FZ_CHECK(s->u.delete_.targets.items[i]->ctx == FP_CTX_DEL);
        check_seq(s->u.delete_.targets, d);
        break;
    case FP_ST_GLOBAL:
    case FP_ST_NONLOCAL:
        FZ_CHECK(s->u.names.n >= 1);
        for (size_t i = 0; i < s->u.names.n; i++)
            check_name(s->u.names.names[i]);
        break;
    case FP_ST_TRY:
        FZ_CHECK(s->u.try_.nhandlers > 0 || s->u.try_.finalbody.n > 0);
        check_stmts(s->u.try_.body, d);
        for (size_t i = 0; i < s->u.try_.nhandlers; i++) {
            check_opt(s->u.try_.handlers[i].type, d);
            FZ_CHECK(s->u.try_.handlers[i].body.n >= 1);
            check_stmts(s->u.try_.handlers[i].body, d);
        }
        check_stmts(s->u.try_.orelse, d);
        check_stmts(s->u.try_.finalbody, d);
        break;
    case FP_ST_RAISE:
        FZ_CHECK(s->u.raise.cause == NULL || s->u.raise.exc != NULL);
        check_opt(s->u.raise.exc, d);
        check_opt(s->u.raise.cause, d);
        break;
    case FP_ST_ASSERT:
        check_expr(s->u.assert_.test, d);
        check_opt(s->u.assert_.msg, d);
        break;
    case FP_ST_WITH:
        FZ_CHECK(s->u.with.nitems >= 1);
        for (size_t i = 0; i < s->u.with.nitems; i++) {
            check_expr(s->u.with.items[i].context_expr, d);
            if (s->u.with.items[i].optional_vars)
                check_target(s->u.with.items[i].optional_vars);
            check_opt(s->u.with.items[i].optional_vars, d);
        }
        check_stmts(s->u.with.body, d);
        break;
    case FP_ST_IMPORT:
        FZ_CHECK(s->u.import.n >= 1);
        for (size_t i = 0; i < s->u.import.n; i++)
            check_name(s->u.import.names[i].name);
        break;
    case FP_ST_IMPORTFROM:
        check_name(s->u.importfrom.module);
        FZ_CHECK(s->u.importfrom.n >= 1);
        for (size_t i = 0; i < s->u.importfrom.n; i++)
            check_name(s->u.importfrom.names[i].name);
        break;
    default: FZ_CHECK(!"statement kind out of range (AnnAssign is never produced)");
    }
}

static void check_stmts(fp_stmt_seq s, int depth)
{
    FZ_CHECK(s.n == 0 || s.items != NULL);
    for (size_t i = 0; i < s.n; i++)
        check_stmt(s.items[i], depth);
}

#ifdef FTPY_FUZZ_COMPILE
/* sys.argv's source, defined by vm/main.c in the interpreter (not linked here) */
int fp_argc;
char **fp_argv;

static int runtime_up;

static void compile_tree(fp_module_ast *m)
{
    if (!runtime_up) {
        FZ_CHECK(ftc_runtime_init(NULL) == 0);
        FZ_CHECK(fp_runtime_init() == 0);
        runtime_up = 1;
    }
    fp_code_object *co = fp_compile(m, "<fuzz>");
    if (co == NULL) {
        FZ_CHECK(fp_err_occurred());
        fp_err_clear();
    } else {
        FZ_CHECK(!fp_err_occurred());
        ftc_decref((ftc_object *)co);
    }
}
#endif

void fuzz_ftpy_fini(void)
{
#ifdef FTPY_FUZZ_COMPILE
    if (runtime_up) {
        fp_runtime_fini();
        runtime_up = 0;
    }
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fp_module_ast m;
    fp_syntax_error err;
    int r = fp_parse((const char *)data, size, "<fuzz>", &m, &err);
    FZ_CHECK(r == 0 || r == -1 || r == -2);
    if (r == 0) {
        FZ_CHECK(m.arena != NULL && strcmp(m.filename, "<fuzz>") == 0);
        check_stmts(m.body, 0);
#ifdef FTPY_FUZZ_COMPILE
        compile_tree(&m);
#endif
        fp_arena_free(m.arena);
    } else if (r == -1) {
        FZ_CHECK(err.kind != NULL && err.msg[0] != '\0');
        FZ_CHECK(strcmp(err.kind, "SyntaxError") == 0 ||
                 strcmp(err.kind, "IndentationError") == 0 || strcmp(err.kind, "TabError") == 0);
        FZ_CHECK(err.lineno >= 1 && err.offset >= 0);
        FZ_CHECK(memchr(err.msg, '\0', sizeof err.msg) != NULL);
        FZ_CHECK(memchr(err.text, '\0', sizeof err.text) != NULL);
        FZ_CHECK(strcmp(err.filename, "<fuzz>") == 0);
    }
    return 0;
}
