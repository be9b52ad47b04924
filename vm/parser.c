/* ftpy's parser, part 1: token access, errors, statements, and fp_parse() (see ast.h).
 *
 * A recursive-descent parser over the token stream of vm/lexer.c, one function per grammar
 * rule of CPython 3.11's grammar restricted to ftpy's subset; expressions are in
 * parser_expr.c, string literals and f-strings in parser_fstring.c.
 *
 * Tokens are read on demand into a buffer that keeps every token of the file, so the parser
 * can look ahead any distance and back up (it does both only in two places: recognizing a
 * `match` statement to refuse it, and the parenthesized form of `with`). A tokenizer error
 * surfaces as soon as the token is read, as in CPython.
 *
 * Errors longjmp() to fp_parse(): the arena and the token buffer are the only resources, and
 * fp_parse() frees both, so an error at any depth leaks nothing. Errors that CPython's
 * compiler (not its parser) reports — 'break' outside loop, 'return' outside function,
 * duplicate argument names, ... — are recorded as "late" errors and raised only if the whole
 * file parses, so that a later syntax error wins as it does in CPython.
 *
 * Bounded resources: bracket nesting (lexer, 200), block nesting (lexer, 100), parser
 * recursion (FP_PARSE_MAX_DEPTH) and the depth of the produced AST (FP_AST_MAX_DEPTH, checked
 * per statement by a walk that itself stops at the limit), so neither the parser nor a
 * compiler recursing over its output can overflow the C stack.
 */
#include "parser.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- tokens ---- */

static void *tok_alloc(fp_parser *p, size_t size)
{
    if (p->toks_in_arena)
        return fp_p_alloc(p, size);
    void *m = malloc(size);
    if (m == NULL)
        fp_p_nomem(p);
    return m;
}

fp_token *fp_p_tok(fp_parser *p, size_t i)
{
    return &p->blocks[i >> p->tok_shift][i & (((size_t)1 << p->tok_shift) - 1)];
}

static void fill(fp_parser *p, size_t upto)
{
    while (p->ntoks <= upto) {
        if (p->ntoks == p->nblocks << p->tok_shift) {
            if (p->nblocks == p->blocks_cap) {
                size_t ncap = p->blocks_cap ? p->blocks_cap * 2 : 8;
                fp_token **nb = tok_alloc(p, ncap * sizeof *nb);
                if (p->nblocks)
                    memcpy(nb, p->blocks, p->nblocks * sizeof *nb);
                if (!p->toks_in_arena)
                    free(p->blocks);
                p->blocks = nb;
                p->blocks_cap = ncap;
            }
            /* on failure tok_alloc jumps out with nothing new to free */
            p->blocks[p->nblocks] = tok_alloc(p, ((size_t)1 << p->tok_shift) * sizeof(fp_token));
            p->nblocks++;
        }
        fp_token *t = fp_p_tok(p, p->ntoks);
        fp_lex_next(&p->lx, t);
        if (t->kind == FP_TK_ERROR) {
            *p->err = p->lx.err;
            if (strcmp(p->lx.err.kind, "MemoryError") == 0)
                fp_p_nomem(p);
            p->root->status = -1;
            longjmp(*p->jb, 1);
        }
        p->ntoks++;
    }
}

fp_token *fp_p_peek(fp_parser *p)
{
    fill(p, p->pos);
    return fp_p_tok(p, p->pos);
}

fp_token *fp_p_peek_at(fp_parser *p, size_t k)
{
    fill(p, p->pos + k);
    return fp_p_tok(p, p->pos + k);
}

fp_token *fp_p_next(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    if (t->kind != FP_TK_ENDMARKER)
        p->pos++;
    if (t->kind != FP_TK_NEWLINE && t->kind != FP_TK_INDENT && t->kind != FP_TK_DEDENT)
        p->last_line = t->end_lineno;
    return t;
}

int fp_p_at(fp_parser *p, fp_tok_kind k) { return fp_p_peek(p)->kind == k; }

int fp_p_accept(fp_parser *p, fp_tok_kind k)
{
    if (!fp_p_at(p, k))
        return 0;
    fp_p_next(p);
    return 1;
}

fp_token *fp_p_expect(fp_parser *p, fp_tok_kind k)
{
    fp_token *t = fp_p_peek(p);
    if (t->kind != k) {
        if (k == FP_TK_COLON && t->kind == FP_TK_NEWLINE)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "expected ':'");
        fp_p_syntax_error(p, t);
    }
    return fp_p_next(p);
}

/* ---- errors ---- */

static void fill_error(fp_parser *p, fp_syntax_error *e, const char *kind, int lineno, int col,
                       const char *fmt, va_list ap)
{
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    e->kind = kind;
    e->filename = p->root->filename;
    e->lineno = lineno;
    e->offset = col + 1;
    fp_lex_line_text(&p->root->lx, lineno, e->text, sizeof e->text);
}

void fp_p_error_at(fp_parser *p, const char *kind, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fill_error(p, p->err, kind, lineno, col, fmt, ap);
    va_end(ap);
    if (p != p->root && strncmp(p->err->msg, "f-string", 8) != 0) {
        /* inside an f-string field, as CPython 3.11 says it */
        char m[sizeof p->err->msg];
        memcpy(m, p->err->msg, sizeof m);
        size_t n = strlen("f-string: ");
        memcpy(p->err->msg, "f-string: ", n);
        memcpy(p->err->msg + n, m, sizeof m - n - 1);
        p->err->msg[sizeof p->err->msg - 1] = '\0';
    }
    p->root->status = -1;
    longjmp(*p->jb, 1);
}

void fp_p_scan_rest(fp_parser *p)
{
    /* CPython tokenizes the rest of the file after a generic error: a tokenizer error there
     * (an unclosed bracket at the end included) is reported instead; fill() raises it. */
    while (fp_p_peek_at(p, 0)->kind != FP_TK_ENDMARKER)
        p->pos++;
}

void fp_p_syntax_error(fp_parser *p, const fp_token *t)
{
    if (t->kind == FP_TK_INDENT)
        fp_p_error_at(p, "IndentationError", t->lineno, t->col > 0 ? t->col - 1 : 0,
                      "unexpected indent");
    if (t->kind == FP_TK_DEDENT)
        fp_p_error_at(p, "IndentationError", t->lineno, t->col, "unexpected unindent");
    int lineno = t->lineno, col = t->col;
    fp_p_scan_rest(p);
    fp_p_error_at(p, "SyntaxError", lineno, col, "invalid syntax");
}

void fp_p_nomem(fp_parser *p)
{
    p->root->status = -2;
    p->err->kind = "MemoryError";
    snprintf(p->err->msg, sizeof p->err->msg, "out of memory while parsing");
    longjmp(*p->jb, 1);
}

/* Records a late SyntaxError in *e unless one is there already (*set): the first one wins. */
static void late_error(fp_parser *p, fp_syntax_error *e, int *set, int lineno, int col,
                       const char *fmt, va_list ap)
{
    if (*set)
        return;
    fill_error(p, e, "SyntaxError", lineno, col, fmt, ap);
    *set = 1;
}

void fp_p_late_error(fp_parser *p, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    late_error(p, &p->root->late, &p->root->late_set, lineno, col, fmt, ap);
    va_end(ap);
}

void fp_p_late_sym_error(fp_parser *p, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    late_error(p, &p->root->late_sym, &p->root->late_sym_set, lineno, col, fmt, ap);
    va_end(ap);
}

void fp_p_enter(fp_parser *p, const fp_token *t)
{
    if (++p->root->depth > FP_PARSE_MAX_DEPTH)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "too many nested expressions");
}

void fp_p_leave(fp_parser *p) { p->root->depth--; }

/* ---- allocation ---- */

void *fp_p_alloc(fp_parser *p, size_t size)
{
    void *m = fp_arena_alloc(p->arena, size);
    if (m == NULL)
        fp_p_nomem(p);
    return m;
}

char *fp_p_strdup(fp_parser *p, const char *s, size_t len)
{
    char *d = fp_arena_strdup(p->arena, s, len);
    if (d == NULL)
        fp_p_nomem(p);
    return d;
}

fp_expr *fp_p_expr_at(fp_parser *p, fp_expr_kind kind, int lineno, int col)
{
    fp_expr *e = fp_p_alloc(p, sizeof *e);
    e->kind = kind;
    e->lineno = lineno;
    e->col_offset = col;
    e->ctx = FP_CTX_LOAD;
    return e;
}

fp_expr *fp_p_expr(fp_parser *p, fp_expr_kind kind, const fp_token *t)
{
    return fp_p_expr_at(p, kind, t->lineno, t->col);
}

fp_stmt *fp_p_new_stmt(fp_parser *p, fp_stmt_kind kind, const fp_token *t)
{
    fp_stmt *s = fp_p_alloc(p, sizeof *s);
    s->kind = kind;
    s->lineno = t->lineno;
    s->col_offset = t->col;
    s->end_lineno = t->end_lineno;
    return s;
}

void fp_p_push(fp_parser *p, fp_vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 4;
        void **ni = fp_p_alloc(p, ncap * sizeof *ni);
        if (v->n)
            memcpy(ni, v->items, v->n * sizeof *ni);
        v->items = ni;
        v->cap = ncap;
    }
    v->items[v->n++] = item;
}

fp_expr_seq fp_p_expr_seq(fp_vec *v)
{
    fp_expr_seq s = {(fp_expr **)v->items, v->n};
    return s;
}

fp_stmt_seq fp_p_stmt_seq(fp_vec *v)
{
    fp_stmt_seq s = {(fp_stmt **)v->items, v->n};
    return s;
}

/* ---- AST depth ---- */

static void check_depth_seq(fp_parser *p, fp_expr_seq s, int depth)
{
    for (size_t i = 0; i < s.n; i++)
        fp_p_check_depth_expr(p, s.items[i], depth);
}

static void check_depth_args(fp_parser *p, const fp_arguments *a, int depth)
{
    check_depth_seq(p, a->defaults, depth);
    for (size_t i = 0; i < a->nkwonly; i++)
        fp_p_check_depth_expr(p, a->kw_defaults[i], depth);
}

void fp_p_check_depth_expr(fp_parser *p, const fp_expr *e, int depth)
{
    if (e == NULL)
        return;
    if (depth > FP_AST_MAX_DEPTH)
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset, "too many nested expressions");
    int d = depth + 1;
    switch (e->kind) {
    case FP_EX_CONST:
    case FP_EX_NAME: break;
    case FP_EX_BINOP:
        fp_p_check_depth_expr(p, e->u.binop.left, d);
        fp_p_check_depth_expr(p, e->u.binop.right, d);
        break;
    case FP_EX_UNARYOP: fp_p_check_depth_expr(p, e->u.unaryop.operand, d); break;
    case FP_EX_BOOLOP: check_depth_seq(p, e->u.boolop.values, d); break;
    case FP_EX_COMPARE:
        fp_p_check_depth_expr(p, e->u.compare.left, d);
        check_depth_seq(p, e->u.compare.comparators, d);
        break;
    case FP_EX_IFEXP:
        fp_p_check_depth_expr(p, e->u.ifexp.test, d);
        fp_p_check_depth_expr(p, e->u.ifexp.body, d);
        fp_p_check_depth_expr(p, e->u.ifexp.orelse, d);
        break;
    case FP_EX_CALL:
        fp_p_check_depth_expr(p, e->u.call.func, d);
        check_depth_seq(p, e->u.call.args, d);
        for (size_t i = 0; i < e->u.call.nkeywords; i++)
            fp_p_check_depth_expr(p, e->u.call.keywords[i].value, d);
        break;
    case FP_EX_ATTRIBUTE: fp_p_check_depth_expr(p, e->u.attribute.value, d); break;
    case FP_EX_SUBSCRIPT:
        fp_p_check_depth_expr(p, e->u.subscript.value, d);
        fp_p_check_depth_expr(p, e->u.subscript.slice, d);
        break;
    case FP_EX_SLICE:
        fp_p_check_depth_expr(p, e->u.slice.lower, d);
        fp_p_check_depth_expr(p, e->u.slice.upper, d);
        fp_p_check_depth_expr(p, e->u.slice.step, d);
        break;
    case FP_EX_STARRED: fp_p_check_depth_expr(p, e->u.starred.value, d); break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
    case FP_EX_SET: check_depth_seq(p, e->u.seq.elts, d); break;
    case FP_EX_DICT:
        for (size_t i = 0; i < e->u.dict.n; i++) {
            fp_p_check_depth_expr(p, e->u.dict.keys[i], d);
            fp_p_check_depth_expr(p, e->u.dict.values[i], d);
        }
        break;
    case FP_EX_LISTCOMP:
    case FP_EX_SETCOMP:
    case FP_EX_DICTCOMP:
    case FP_EX_GENEXP:
        fp_p_check_depth_expr(p, e->u.comp.elt, d);
        fp_p_check_depth_expr(p, e->u.comp.value, d);
        for (size_t i = 0; i < e->u.comp.ngenerators; i++) {
            fp_p_check_depth_expr(p, e->u.comp.generators[i].target, d);
            fp_p_check_depth_expr(p, e->u.comp.generators[i].iter, d);
            check_depth_seq(p, e->u.comp.generators[i].ifs, d);
        }
        break;
    case FP_EX_LAMBDA:
        check_depth_args(p, e->u.lambda.args, d);
        fp_p_check_depth_expr(p, e->u.lambda.body, d);
        break;
    case FP_EX_YIELD:
    case FP_EX_YIELD_FROM: fp_p_check_depth_expr(p, e->u.yield.value, d); break;
    case FP_EX_FSTRING: check_depth_seq(p, e->u.fstring.parts, d); break;
    case FP_EX_FORMATTED:
        fp_p_check_depth_expr(p, e->u.formatted.value, d);
        fp_p_check_depth_expr(p, e->u.formatted.format_spec, d);
        break;
    }
}

static void check_depth_handlers(fp_parser *p, const fp_stmt *s, int depth)
{
    for (size_t i = 0; i < s->u.try_.nhandlers; i++) {
        fp_p_check_depth_expr(p, s->u.try_.handlers[i].type, depth);
        fp_p_check_depth_stmts(p, s->u.try_.handlers[i].body, depth);
    }
}

void fp_p_check_depth_stmts(fp_parser *p, fp_stmt_seq seq, int depth)
{
    for (size_t i = 0; i < seq.n; i++) {
        const fp_stmt *s = seq.items[i];
        int d = depth + 1;
        if (depth > FP_AST_MAX_DEPTH)
            fp_p_error_at(p, "SyntaxError", s->lineno, s->col_offset, "too many nested blocks");
        switch (s->kind) {
        case FP_ST_EXPR: fp_p_check_depth_expr(p, s->u.expr.value, d); break;
        case FP_ST_ASSIGN:
            check_depth_seq(p, s->u.assign.targets, d);
            fp_p_check_depth_expr(p, s->u.assign.value, d);
            break;
        case FP_ST_AUGASSIGN:
            fp_p_check_depth_expr(p, s->u.augassign.target, d);
            fp_p_check_depth_expr(p, s->u.augassign.value, d);
            break;
        case FP_ST_IF:
        case FP_ST_WHILE:
            fp_p_check_depth_expr(p, s->u.if_.test, d);
            fp_p_check_depth_stmts(p, s->u.if_.body, d);
            fp_p_check_depth_stmts(p, s->u.if_.orelse, d);
            break;
        case FP_ST_FOR:
            fp_p_check_depth_expr(p, s->u.for_.target, d);
            fp_p_check_depth_expr(p, s->u.for_.iter, d);
            fp_p_check_depth_stmts(p, s->u.for_.body, d);
            fp_p_check_depth_stmts(p, s->u.for_.orelse, d);
            break;
        case FP_ST_FUNCTIONDEF:
            check_depth_seq(p, s->u.funcdef.decorators, d);
            check_depth_args(p, s->u.funcdef.args, d);
            fp_p_check_depth_stmts(p, s->u.funcdef.body, d);
            break;
        case FP_ST_CLASSDEF:
            check_depth_seq(p, s->u.classdef.decorators, d);
            check_depth_seq(p, s->u.classdef.bases, d);
            fp_p_check_depth_stmts(p, s->u.classdef.body, d);
            break;
        case FP_ST_RETURN: fp_p_check_depth_expr(p, s->u.return_.value, d); break;
        case FP_ST_DELETE: check_depth_seq(p, s->u.delete_.targets, d); break;
        case FP_ST_TRY:
            fp_p_check_depth_stmts(p, s->u.try_.body, d);
            check_depth_handlers(p, s, d);
            fp_p_check_depth_stmts(p, s->u.try_.orelse, d);
            fp_p_check_depth_stmts(p, s->u.try_.finalbody, d);
            break;
        case FP_ST_RAISE:
            fp_p_check_depth_expr(p, s->u.raise.exc, d);
            fp_p_check_depth_expr(p, s->u.raise.cause, d);
            break;
        case FP_ST_ASSERT:
            fp_p_check_depth_expr(p, s->u.assert_.test, d);
            fp_p_check_depth_expr(p, s->u.assert_.msg, d);
            break;
        case FP_ST_WITH:
            for (size_t k = 0; k < s->u.with.nitems; k++) {
                fp_p_check_depth_expr(p, s->u.with.items[k].context_expr, d);
                fp_p_check_depth_expr(p, s->u.with.items[k].optional_vars, d);
            }
            fp_p_check_depth_stmts(p, s->u.with.body, d);
            break;
        default: break;
        }
    }
}

/* ---- the entry point ---- */

/* Checks that src is UTF-8 without NUL bytes; fills err and returns -1 if not. */
static int check_source(const char *src, size_t len, const char *filename, fp_syntax_error *err)
{
    const unsigned char *u = (const unsigned char *)src;
    int line = 1;
    for (size_t i = 0; i < len;) {
        unsigned char c = u[i];
        if (c == '\n')
            line++;
        if (c == 0) {
            snprintf(err->msg, sizeof err->msg, "source code cannot contain null bytes");
            goto bad;
        }
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n = c >= 0xC2 && c <= 0xDF   ? 2
                   : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4
                                            : 0;
        int ok = n != 0 && i + n <= len;
        for (size_t k = 1; ok && k < n; k++)
            ok = (u[i + k] & 0xC0) == 0x80;
        if (ok && n == 3) {
            uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(u[i + 1] & 0x3F) << 6);
            ok = cp >= 0x800 && !(cp >= 0xD800 && cp <= 0xDFFF);
        }
        if (ok && n == 4) {
            uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(u[i + 1] & 0x3F) << 12);
            ok = cp >= 0x10000 && cp <= 0x10FFFF;
        }
        if (!ok) {
            snprintf(err->msg, sizeof err->msg,
                     "Non-UTF-8 code starting with '\\x%02x' in file %s on line %d, but no "
                     "encoding declared; see https://peps.python.org/pep-0263/ for details",
                     c, filename, line);
            goto bad;
        }
        i += n;
    }
    return 0;
bad:
    err->kind = "SyntaxError";
    err->lineno = line;
    err->offset = 0;
    err->text[0] = '\0';
    return -1;
}

/* Parses the whole file; the error exit of every parsing function lands here. */
static int parse_file(fp_parser *p, fp_module_ast *out)
{
    jmp_buf jb;
    p->jb = &jb;
    if (setjmp(jb) != 0)
        return p->status ? p->status : -1;
    fp_vec body = {0};
    while (!fp_p_at(p, FP_TK_ENDMARKER)) {
        size_t first = body.n;
        fp_p_statement(p, &body);
        fp_vec added = {body.items + first, body.n - first, 0};
        fp_p_check_depth_stmts(p, fp_p_stmt_seq(&added), 0);
    }
    if (p->late_sym_set || p->late_set) {
        *p->err = p->late_sym_set ? p->late_sym : p->late;
        return -1;
    }
    out->body = fp_p_stmt_seq(&body);
    out->arena = p->arena;
    out->filename = p->filename;
    return 0;
}

int fp_parse(const char *src, size_t len, const char *filename, fp_module_ast *out,
             fp_syntax_error *err)
{
    memset(err, 0, sizeof *err);
    memset(out, 0, sizeof *out);
    err->kind = "SyntaxError";
    err->filename = filename;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        src += 3;
        len -= 3;
    }
    if (check_source(src, len, filename, err) < 0)
        return -1;
    fp_parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return -2;
    p->arena = fp_arena_new();
    if (p->arena == NULL) {
        free(p);
        return -2;
    }
    p->root = p;
    p->err = err;
    p->scope = FP_SCOPE_MODULE;
    p->tok_shift = FP_TOK_BLOCK_SHIFT;
    p->filename = fp_arena_strdup(p->arena, filename, strlen(filename));
    if (p->filename == NULL) {
        fp_arena_free(p->arena);
        free(p);
        return -2;
    }
    fp_lex_init(&p->lx, src, len, p->filename, 1, 0, 0);
    int status = parse_file(p, out);
    err->filename = filename; /* not the arena's copy, which goes on error */
    if (status < 0)
        fp_arena_free(p->arena);
    for (size_t i = 0; i < p->nblocks; i++)
        free(p->blocks[i]);
    free(p->blocks);
    free(p);
    return status;
}
