/* ftpy's parser, part 2: statements (the grammar's compound and simple statements).
 *
 * One function per statement kind, each starting at its keyword. Context flags in the parser
 * (scope: module, function or class body; loop depth within the current function) give
 * CPython's compiler errors ('break' outside loop, 'return' outside function, ...) as late
 * errors: see parser.c. Statements outside ftpy's subset (async, match, annotations,
 * relative or star imports, except*) are refused here with "ftpy does not support ...".
 */
#include "parser.h"

#include <string.h>

/* ---- statements ---- */


/* The block after a compound statement's ':' — an indented suite or simple statements on the
 * same line. what/line name the statement for CPython's "expected an indented block" error. */
static fp_stmt_seq block(fp_parser *p, const char *what, int line)
{
    fp_vec v = {0};
    if (fp_p_accept(p, FP_TK_NEWLINE)) {
        fp_token *t = fp_p_peek(p);
        if (t->kind != FP_TK_INDENT)
            fp_p_error_at(p, "IndentationError", t->lineno, t->col,
                          "expected an indented block after %s on line %d", what, line);
        fp_p_next(p);
        while (!fp_p_at(p, FP_TK_DEDENT) && !fp_p_at(p, FP_TK_ENDMARKER))
            fp_p_statement(p, &v);
        fp_p_expect(p, FP_TK_DEDENT);
    } else {
        fp_token *t = fp_p_peek(p);
        switch (t->kind) {
        case FP_TK_IF:
        case FP_TK_WHILE:
        case FP_TK_FOR:
        case FP_TK_TRY:
        case FP_TK_WITH:
        case FP_TK_DEF:
        case FP_TK_CLASS:
        case FP_TK_AT:
        case FP_TK_NEWLINE:
        case FP_TK_ENDMARKER: fp_p_syntax_error(p, t);
        default: break;
        }
        fp_p_statement(p, &v);
    }
    return fp_p_stmt_seq(&v);
}

static void expect_colon(fp_parser *p) { fp_p_expect(p, FP_TK_COLON); }

/* The test of if/elif/while: CPython's hint for `if x = 1:`. */
static fp_expr *test_expr(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_expr *e = fp_p_named_expression(p);
    if (fp_p_at(p, FP_TK_EQUAL))
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                      "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
    return e;
}

static fp_stmt *if_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p); /* if / elif */
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_IF, t);
    s->u.if_.test = test_expr(p);
    expect_colon(p);
    s->u.if_.body =
        block(p, t->kind == FP_TK_IF ? "'if' statement" : "'elif' statement", t->lineno);
    if (fp_p_at(p, FP_TK_ELIF)) {
        fp_vec v = {0};
        fp_p_push(p, &v, if_stmt(p));
        s->u.if_.orelse = fp_p_stmt_seq(&v);
    } else if (fp_p_at(p, FP_TK_ELSE)) {
        fp_token *e = fp_p_next(p);
        expect_colon(p);
        s->u.if_.orelse = block(p, "'else' statement", e->lineno);
    }
    return s;
}

static fp_stmt_seq loop_body(fp_parser *p, const char *what, int line)
{
    p->loop_depth++;
    fp_stmt_seq b = block(p, what, line);
    p->loop_depth--;
    return b;
}

static fp_stmt_seq else_block(fp_parser *p)
{
    fp_stmt_seq none = {0};
    if (!fp_p_at(p, FP_TK_ELSE))
        return none;
    fp_token *e = fp_p_next(p);
    expect_colon(p);
    return block(p, "'else' statement", e->lineno);
}

static fp_stmt *while_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_WHILE, t);
    s->u.if_.test = test_expr(p);
    expect_colon(p);
    s->u.if_.body = loop_body(p, "'while' statement", t->lineno);
    s->u.if_.orelse = else_block(p);
    return s;
}

static fp_stmt *for_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_FOR, t);
    s->u.for_.target = fp_p_star_targets(p);
    fp_p_set_target(p, s->u.for_.target, FP_CTX_STORE, 0);
    fp_p_expect(p, FP_TK_IN);
    s->u.for_.iter = fp_p_star_expressions(p);
    expect_colon(p);
    s->u.for_.body = loop_body(p, "'for' statement", t->lineno);
    s->u.for_.orelse = else_block(p);
    return s;
}

static fp_stmt *try_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_TRY, t);
    expect_colon(p);
    s->u.try_.body = block(p, "'try' statement", t->lineno);
    fp_excepthandler *h = NULL;
    size_t nh = 0, caph = 0;
    const fp_token *bare = NULL;
    while (fp_p_at(p, FP_TK_EXCEPT)) {
        fp_token *et = fp_p_next(p);
        if (fp_p_at(p, FP_TK_STAR))
            fp_p_error_at(p, "SyntaxError", et->lineno, et->col,
                          "ftpy does not support except* (exception groups)");
        if (bare != NULL)
            fp_p_late_error(p, bare->lineno, bare->col, "default 'except:' must be last");
        if (nh == caph) {
            size_t ncap = caph ? caph * 2 : 4;
            fp_excepthandler *nhd = fp_p_alloc(p, ncap * sizeof *nhd);
            if (nh)
                memcpy(nhd, h, nh * sizeof *nhd);
            h = nhd;
            caph = ncap;
        }
        fp_excepthandler *eh = &h[nh++];
        eh->lineno = et->lineno;
        eh->col_offset = et->col;
        if (!fp_p_at(p, FP_TK_COLON)) {
            eh->type = fp_p_expression(p);
            if (fp_p_at(p, FP_TK_COMMA))
                fp_p_error_at(p, "SyntaxError", eh->type->lineno, eh->type->col_offset,
                              "multiple exception types must be parenthesized");
            if (fp_p_accept(p, FP_TK_AS)) {
                fp_token *n = fp_p_expect(p, FP_TK_NAME);
                eh->name = fp_p_strdup(p, n->start, n->len);
            }
        } else {
            bare = et;
        }
        expect_colon(p);
        eh->body = block(p, "'except' statement", et->lineno);
    }
    s->u.try_.handlers = h;
    s->u.try_.nhandlers = nh;
    if (nh > 0)
        s->u.try_.orelse = else_block(p);
    if (fp_p_at(p, FP_TK_FINALLY)) {
        fp_token *ft = fp_p_next(p);
        expect_colon(p);
        s->u.try_.finalbody = block(p, "'finally' statement", ft->lineno);
    } else if (nh == 0) {
        fp_token *c = fp_p_peek(p);
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col, "expected 'except' or 'finally' block");
    }
    return s;
}

static void with_item(fp_parser *p, fp_vec *items)
{
    fp_withitem *wi = fp_p_alloc(p, sizeof *wi);
    wi->context_expr = fp_p_expression(p);
    if (fp_p_accept(p, FP_TK_AS)) {
        fp_token *t = fp_p_peek(p);
        if (t->kind == FP_TK_STAR)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "cannot use starred expression here");
        wi->optional_vars = fp_p_bitwise_or(p);
        fp_p_set_target(p, wi->optional_vars, FP_CTX_STORE, 0);
    }
    fp_p_push(p, items, wi);
}

static fp_stmt *with_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_WITH, t);
    fp_vec items = {0};
    int done = 0;
    if (fp_p_at(p, FP_TK_LPAR)) {
        /* with (a as b, c as d): — try the parenthesized form, else back up and read the
         * parenthesis as part of the first expression */
        jmp_buf jb;
        jmp_buf *volatile saved = p->jb;
        volatile size_t save_pos = p->pos;
        volatile int save_depth = p->root->depth, save_late = p->root->late_set;
        fp_syntax_error save_err = *p->err;
        p->jb = &jb;
        if (setjmp(jb) == 0) {
            fp_p_next(p);
            with_item(p, &items);
            while (fp_p_accept(p, FP_TK_COMMA) && !fp_p_at(p, FP_TK_RPAR))
                with_item(p, &items);
            fp_p_expect(p, FP_TK_RPAR);
            if (!fp_p_at(p, FP_TK_COLON))
                fp_p_syntax_error(p, fp_p_peek(p));
            done = 1;
            p->jb = saved;
        } else {
            p->jb = saved;
            if (p->root->status == -2)
                longjmp(*p->jb, 1);
            p->pos = save_pos;
            p->root->depth = save_depth;
            p->root->late_set = save_late;
            *p->err = save_err;
            items.n = 0;
        }
    }
    if (!done) {
        with_item(p, &items);
        while (fp_p_accept(p, FP_TK_COMMA))
            with_item(p, &items);
    }
    expect_colon(p);
    s->u.with.items = fp_p_alloc(p, items.n * sizeof(fp_withitem));
    for (size_t i = 0; i < items.n; i++)
        s->u.with.items[i] = *(fp_withitem *)items.items[i];
    s->u.with.nitems = items.n;
    s->u.with.body = block(p, "'with' statement", t->lineno);
    return s;
}

static fp_stmt *funcdef(fp_parser *p, fp_expr_seq decorators)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_FUNCTIONDEF, t);
    fp_token *n = fp_p_expect(p, FP_TK_NAME);
    s->u.funcdef.name = fp_p_strdup(p, n->start, n->len);
    s->u.funcdef.decorators = decorators;
    fp_p_expect(p, FP_TK_LPAR);
    s->u.funcdef.args = fp_p_parameters(p, FP_TK_RPAR, 0);
    if (fp_p_at(p, FP_TK_RARROW)) {
        fp_token *a = fp_p_peek(p);
        fp_p_error_at(p, "SyntaxError", a->lineno, a->col, "ftpy does not support annotations");
    }
    expect_colon(p);
    int scope = p->scope, loops = p->loop_depth;
    p->scope = FP_SCOPE_FUNCTION;
    p->loop_depth = 0;
    s->u.funcdef.body = block(p, "function definition", t->lineno);
    p->scope = scope;
    p->loop_depth = loops;
    return s;
}

static fp_stmt *classdef(fp_parser *p, fp_expr_seq decorators)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_CLASSDEF, t);
    fp_token *n = fp_p_expect(p, FP_TK_NAME);
    s->u.classdef.name = fp_p_strdup(p, n->start, n->len);
    s->u.classdef.decorators = decorators;
    if (fp_p_at(p, FP_TK_LPAR)) {
        fp_token *lp = fp_p_next(p);
        fp_expr *call = fp_p_expr(p, FP_EX_CALL, lp);
        fp_p_call_args(p, call);
        for (size_t i = 0; i < call->u.call.nkeywords; i++) {
            fp_keyword *k = &call->u.call.keywords[i];
            if (k->arg != NULL && strcmp(k->arg, "metaclass") == 0)
                fp_p_error_at(p, "SyntaxError", k->lineno, k->col_offset,
                              "ftpy does not support metaclasses");
            fp_p_error_at(p, "SyntaxError", k->lineno, k->col_offset,
                          "ftpy does not support keyword arguments in a class definition");
        }
        for (size_t i = 0; i < call->u.call.args.n; i++) {
            fp_expr *b = call->u.call.args.items[i];
            if (b->kind == FP_EX_GENEXP)
                fp_p_syntax_error(p, lp);
            if (b->kind == FP_EX_STARRED)
                fp_p_error_at(p, "SyntaxError", b->lineno, b->col_offset,
                              "ftpy does not support starred base classes");
            if (i > 0)
                fp_p_error_at(p, "SyntaxError", b->lineno, b->col_offset,
                              "ftpy does not support multiple inheritance");
        }
        s->u.classdef.bases = call->u.call.args;
    }
    expect_colon(p);
    int scope = p->scope, loops = p->loop_depth;
    p->scope = FP_SCOPE_CLASS;
    p->loop_depth = 0;
    s->u.classdef.body = block(p, "class definition", t->lineno);
    p->scope = scope;
    p->loop_depth = loops;
    return s;
}

static fp_stmt *decorated(fp_parser *p)
{
    fp_vec decos = {0};
    while (fp_p_accept(p, FP_TK_AT)) {
        fp_p_push(p, &decos, fp_p_named_expression(p));
        fp_p_expect(p, FP_TK_NEWLINE);
    }
    fp_token *t = fp_p_peek(p);
    if (t->kind == FP_TK_DEF)
        return funcdef(p, fp_p_expr_seq(&decos));
    if (t->kind == FP_TK_CLASS)
        return classdef(p, fp_p_expr_seq(&decos));
    if (t->kind == FP_TK_ASYNC)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "ftpy does not support async and await");
    fp_p_syntax_error(p, t);
}

/* ---- simple statements ---- */

static const char *dotted_name(fp_parser *p)
{
    fp_token *t = fp_p_expect(p, FP_TK_NAME);
    const char *start = t->start;
    size_t len = t->len;
    char *buf = NULL;
    while (fp_p_at(p, FP_TK_DOT)) {
        fp_p_next(p);
        fp_token *n = fp_p_expect(p, FP_TK_NAME);
        char *nb = fp_p_alloc(p, len + 1 + n->len + 1);
        memcpy(nb, buf ? buf : start, len);
        nb[len] = '.';
        memcpy(nb + len + 1, n->start, n->len);
        len += 1 + n->len;
        buf = nb;
    }
    return buf ? buf : fp_p_strdup(p, start, len);
}

static fp_stmt *import_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_IMPORT, t);
    fp_vec v = {0};
    do {
        fp_token *nt = fp_p_peek(p);
        fp_alias *a = fp_p_alloc(p, sizeof *a);
        a->lineno = nt->lineno;
        a->col_offset = nt->col;
        a->name = dotted_name(p);
        if (fp_p_accept(p, FP_TK_AS)) {
            fp_token *n = fp_p_expect(p, FP_TK_NAME);
            a->asname = fp_p_strdup(p, n->start, n->len);
        }
        fp_p_push(p, &v, a);
    } while (fp_p_accept(p, FP_TK_COMMA));
    s->u.import.names = fp_p_alloc(p, v.n * sizeof(fp_alias));
    for (size_t i = 0; i < v.n; i++)
        s->u.import.names[i] = *(fp_alias *)v.items[i];
    s->u.import.n = v.n;
    return s;
}

static fp_stmt *from_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_IMPORTFROM, t);
    fp_token *c = fp_p_peek(p);
    if (c->kind == FP_TK_DOT || c->kind == FP_TK_ELLIPSIS)
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col,
                      "ftpy does not support relative imports");
    s->u.importfrom.module = dotted_name(p);
    fp_p_expect(p, FP_TK_IMPORT);
    c = fp_p_peek(p);
    if (c->kind == FP_TK_STAR)
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col,
                      "ftpy does not support 'from ... import *'");
    int paren = fp_p_accept(p, FP_TK_LPAR);
    fp_vec v = {0};
    for (;;) {
        fp_token *n = fp_p_expect(p, FP_TK_NAME);
        fp_alias *a = fp_p_alloc(p, sizeof *a);
        a->lineno = n->lineno;
        a->col_offset = n->col;
        a->name = fp_p_strdup(p, n->start, n->len);
        if (fp_p_accept(p, FP_TK_AS)) {
            fp_token *as = fp_p_expect(p, FP_TK_NAME);
            a->asname = fp_p_strdup(p, as->start, as->len);
        }
        fp_p_push(p, &v, a);
        if (!fp_p_at(p, FP_TK_COMMA))
            break;
        fp_token *comma = fp_p_next(p);
        if (paren && fp_p_at(p, FP_TK_RPAR))
            break;
        if (!paren && fp_p_at(p, FP_TK_NEWLINE))
            fp_p_error_at(p, "SyntaxError", comma->lineno, comma->col,
                          "trailing comma not allowed without surrounding parentheses");
    }
    if (paren)
        fp_p_expect(p, FP_TK_RPAR);
    s->u.importfrom.names = fp_p_alloc(p, v.n * sizeof(fp_alias));
    for (size_t i = 0; i < v.n; i++)
        s->u.importfrom.names[i] = *(fp_alias *)v.items[i];
    s->u.importfrom.n = v.n;
    return s;
}

static fp_stmt *names_stmt(fp_parser *p, fp_stmt_kind kind)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, kind, t);
    if (kind == FP_ST_NONLOCAL && p->scope == FP_SCOPE_MODULE)
        fp_p_late_sym_error(p, t->lineno, t->col,
                            "nonlocal declaration not allowed at module level");
    fp_vec v = {0};
    do {
        fp_token *n = fp_p_expect(p, FP_TK_NAME);
        fp_p_push(p, &v, fp_p_strdup(p, n->start, n->len));
    } while (fp_p_accept(p, FP_TK_COMMA));
    s->u.names.names = (const char **)v.items;
    s->u.names.n = v.n;
    return s;
}

static fp_stmt *del_stmt(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_DELETE, t);
    fp_vec v = {0};
    do {
        fp_token *c = fp_p_peek(p);
        if (c->kind == FP_TK_NEWLINE || c->kind == FP_TK_SEMI)
            break; /* del a, */
        if (c->kind == FP_TK_STAR)
            fp_p_error_at(p, "SyntaxError", c->lineno, c->col, "cannot delete starred");
        fp_expr *e = fp_p_expression(p);
        fp_p_set_target(p, e, FP_CTX_DEL, 0);
        fp_p_push(p, &v, e);
    } while (fp_p_accept(p, FP_TK_COMMA));
    if (v.n == 0)
        fp_p_syntax_error(p, fp_p_peek(p));
    s->u.delete_.targets = fp_p_expr_seq(&v);
    return s;
}

static void no_star(fp_parser *p, const fp_expr *e)
{
    if (e != NULL && e->kind == FP_EX_STARRED)
        fp_p_late_error(p, e->lineno, e->col_offset, "can't use starred expression here");
}

static int augassign_op(fp_tok_kind k, fp_operator *op)
{
    switch (k) {
    case FP_TK_PLUSEQUAL: *op = FP_OP_ADD; return 1;
    case FP_TK_MINEQUAL: *op = FP_OP_SUB; return 1;
    case FP_TK_STAREQUAL: *op = FP_OP_MUL; return 1;
    case FP_TK_SLASHEQUAL: *op = FP_OP_DIV; return 1;
    case FP_TK_DOUBLESLASHEQUAL: *op = FP_OP_FLOORDIV; return 1;
    case FP_TK_PERCENTEQUAL: *op = FP_OP_MOD; return 1;
    case FP_TK_DOUBLESTAREQUAL: *op = FP_OP_POW; return 1;
    case FP_TK_LEFTSHIFTEQUAL: *op = FP_OP_LSHIFT; return 1;
    case FP_TK_RIGHTSHIFTEQUAL: *op = FP_OP_RSHIFT; return 1;
    case FP_TK_VBAREQUAL: *op = FP_OP_BITOR; return 1;
    case FP_TK_CIRCUMFLEXEQUAL: *op = FP_OP_BITXOR; return 1;
    case FP_TK_AMPEREQUAL: *op = FP_OP_BITAND; return 1;
    default: return 0;
    }
}

static fp_expr *rhs(fp_parser *p)
{
    if (fp_p_at(p, FP_TK_YIELD))
        return fp_p_yield_expr(p);
    fp_expr *e = fp_p_star_expressions(p);
    no_star(p, e);
    return e;
}

static fp_stmt *expr_stmt(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_expr *e = t->kind == FP_TK_YIELD ? fp_p_yield_expr(p) : fp_p_star_expressions(p);
    fp_token *c = fp_p_peek(p);
    fp_operator op;
    if (c->kind == FP_TK_EQUAL) {
        fp_stmt *s = fp_p_new_stmt(p, FP_ST_ASSIGN, t);
        fp_vec v = {0};
        fp_p_push(p, &v, e);
        while (fp_p_accept(p, FP_TK_EQUAL))
            fp_p_push(p, &v, rhs(p));
        s->u.assign.value = v.items[--v.n];
        for (size_t i = 0; i < v.n; i++)
            fp_p_set_target(p, v.items[i], FP_CTX_STORE, v.n == 1);
        s->u.assign.targets = fp_p_expr_seq(&v);
        return s;
    }
    if (augassign_op(c->kind, &op)) {
        if (e->kind != FP_EX_NAME && e->kind != FP_EX_ATTRIBUTE && e->kind != FP_EX_SUBSCRIPT)
            fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                          "'%s' is an illegal expression for augmented assignment",
                          fp_p_expr_name(e));
        fp_p_next(p);
        fp_stmt *s = fp_p_new_stmt(p, FP_ST_AUGASSIGN, t);
        e->ctx = FP_CTX_STORE;
        s->u.augassign.target = e;
        s->u.augassign.op = op;
        s->u.augassign.value = rhs(p);
        return s;
    }
    if (c->kind == FP_TK_COLON &&
        (e->kind == FP_EX_NAME || e->kind == FP_EX_ATTRIBUTE || e->kind == FP_EX_SUBSCRIPT))
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col, "ftpy does not support annotations");
    if (c->kind == FP_TK_ATEQUAL)
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col, "ftpy does not support the @ operator");
    if (e->kind == FP_EX_NAME && strcmp(e->u.name.id, "print") == 0 &&
        (c->kind == FP_TK_NAME || c->kind == FP_TK_INT || c->kind == FP_TK_FLOAT ||
         c->kind == FP_TK_STRING))
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                      "Missing parentheses in call to 'print'. Did you mean print(...)?");
    no_star(p, e);
    fp_stmt *s = fp_p_new_stmt(p, FP_ST_EXPR, t);
    s->u.expr.value = e;
    return s;
}

static fp_stmt *simple_stmt(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_stmt *s;
    switch (t->kind) {
    case FP_TK_PASS: return fp_p_new_stmt(p, FP_ST_PASS, fp_p_next(p));
    case FP_TK_BREAK:
        if (p->loop_depth == 0)
            fp_p_late_error(p, t->lineno, t->col, "'break' outside loop");
        return fp_p_new_stmt(p, FP_ST_BREAK, fp_p_next(p));
    case FP_TK_CONTINUE:
        if (p->loop_depth == 0)
            fp_p_late_error(p, t->lineno, t->col, "'continue' not properly in loop");
        return fp_p_new_stmt(p, FP_ST_CONTINUE, fp_p_next(p));
    case FP_TK_RETURN:
        if (p->scope != FP_SCOPE_FUNCTION)
            fp_p_late_error(p, t->lineno, t->col, "'return' outside function");
        s = fp_p_new_stmt(p, FP_ST_RETURN, fp_p_next(p));
        if (fp_p_starts_expression(fp_p_peek(p))) {
            s->u.return_.value = fp_p_star_expressions(p);
            no_star(p, s->u.return_.value);
        }
        return s;
    case FP_TK_RAISE:
        s = fp_p_new_stmt(p, FP_ST_RAISE, fp_p_next(p));
        if (fp_p_starts_expression(fp_p_peek(p))) {
            s->u.raise.exc = fp_p_expression(p);
            if (fp_p_accept(p, FP_TK_FROM))
                s->u.raise.cause = fp_p_expression(p);
        }
        return s;
    case FP_TK_GLOBAL: return names_stmt(p, FP_ST_GLOBAL);
    case FP_TK_NONLOCAL: return names_stmt(p, FP_ST_NONLOCAL);
    case FP_TK_DEL: return del_stmt(p);
    case FP_TK_ASSERT:
        s = fp_p_new_stmt(p, FP_ST_ASSERT, fp_p_next(p));
        s->u.assert_.test = fp_p_expression(p);
        if (fp_p_accept(p, FP_TK_COMMA))
            s->u.assert_.msg = fp_p_expression(p);
        return s;
    case FP_TK_IMPORT: return import_stmt(p);
    case FP_TK_FROM: return from_stmt(p);
    default: return expr_stmt(p);
    }
}

static void simple_stmts(fp_parser *p, fp_vec *out)
{
    for (;;) {
        fp_stmt *s = simple_stmt(p);
        s->end_lineno = p->last_line;
        fp_p_push(p, out, s);
        if (!fp_p_accept(p, FP_TK_SEMI))
            break;
        if (fp_p_at(p, FP_TK_NEWLINE))
            break;
    }
    fp_token *t = fp_p_peek(p);
    if (t->kind != FP_TK_NEWLINE)
        fp_p_syntax_error(p, t);
    fp_p_next(p);
}

/* `match x:` — a soft keyword: a statement starting with the name `match` whose line ends in
 * ':' (an expression statement never does). */
static int is_match_statement(fp_parser *p)
{
    fp_token *t1 = fp_p_peek_at(p, 1);
    if (t1->kind == FP_TK_COLON || t1->kind == FP_TK_EQUAL || t1->kind == FP_TK_NEWLINE ||
        t1->kind == FP_TK_DOT)
        return 0;
    for (size_t k = 1;; k++) {
        fp_token *t = fp_p_peek_at(p, k);
        if (t->kind == FP_TK_NEWLINE || t->kind == FP_TK_ENDMARKER)
            return fp_p_peek_at(p, k - 1)->kind == FP_TK_COLON;
    }
}

void fp_p_statement(fp_parser *p, fp_vec *out)
{
    fp_token *t = fp_p_peek(p);
    fp_stmt *s;
    fp_expr_seq none = {0};
    switch (t->kind) {
    case FP_TK_IF: s = if_stmt(p); break;
    case FP_TK_WHILE: s = while_stmt(p); break;
    case FP_TK_FOR: s = for_stmt(p); break;
    case FP_TK_TRY: s = try_stmt(p); break;
    case FP_TK_WITH: s = with_stmt(p); break;
    case FP_TK_DEF: s = funcdef(p, none); break;
    case FP_TK_CLASS: s = classdef(p, none); break;
    case FP_TK_AT: s = decorated(p); break;
    case FP_TK_ASYNC:
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "ftpy does not support async and await");
    case FP_TK_NAME:
        if (t->len == 5 && memcmp(t->start, "match", 5) == 0 && is_match_statement(p))
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "ftpy does not support match statements");
        simple_stmts(p, out);
        return;
    default: simple_stmts(p, out); return;
    }
    s->end_lineno = p->last_line;
    fp_p_push(p, out, s);
}
