/* ftpy's parser, part 3: primaries (atoms, displays, comprehensions, attribute, call and
 * subscript trailers), call arguments, and assignment targets. The operator levels above
 * primaries are in parser_ops.c. Brackets count depth through fp_p_enter() and trailer chains
 * are bounded by FP_AST_MAX_DEPTH, so no input can overflow the C stack.
 *
 * Targets are parsed as expressions and then checked and turned into STORE/DEL context by
 * fp_p_set_target(), which gives CPython's "cannot assign to ..." messages.
 */
#include "parser.h"

#include <stdint.h>
#include <string.h>

int fp_p_starts_expression(const fp_token *t)
{
    switch (t->kind) {
    case FP_TK_NAME:
    case FP_TK_INT:
    case FP_TK_FLOAT:
    case FP_TK_STRING:
    case FP_TK_LPAR:
    case FP_TK_LSQB:
    case FP_TK_LBRACE:
    case FP_TK_MINUS:
    case FP_TK_PLUS:
    case FP_TK_TILDE:
    case FP_TK_NOT:
    case FP_TK_LAMBDA:
    case FP_TK_NONE:
    case FP_TK_TRUE:
    case FP_TK_FALSE:
    case FP_TK_ELLIPSIS:
    case FP_TK_STAR:
    case FP_TK_AWAIT: return 1;
    default: return 0;
    }
}

const char *fp_p_expr_name(const fp_expr *e)
{
    switch (e->kind) {
    case FP_EX_CONST:
        switch (e->u.konst.kind) {
        case FP_CONST_NONE: return "None";
        case FP_CONST_TRUE: return "True";
        case FP_CONST_FALSE: return "False";
        case FP_CONST_ELLIPSIS: return "ellipsis";
        default: return "literal";
        }
    case FP_EX_NAME: return "name";
    case FP_EX_BINOP:
    case FP_EX_UNARYOP:
    case FP_EX_BOOLOP: return "expression";
    case FP_EX_COMPARE: return "comparison";
    case FP_EX_IFEXP: return "conditional expression";
    case FP_EX_CALL: return "function call";
    case FP_EX_ATTRIBUTE: return "attribute";
    case FP_EX_SUBSCRIPT: return "subscript";
    case FP_EX_SLICE: return "slice";
    case FP_EX_STARRED: return "starred";
    case FP_EX_TUPLE: return "tuple";
    case FP_EX_LIST: return "list";
    case FP_EX_SET: return "set display";
    case FP_EX_DICT: return "dict literal";
    case FP_EX_LISTCOMP: return "list comprehension";
    case FP_EX_SETCOMP: return "set comprehension";
    case FP_EX_DICTCOMP: return "dict comprehension";
    case FP_EX_GENEXP: return "generator expression";
    case FP_EX_LAMBDA: return "lambda";
    case FP_EX_YIELD:
    case FP_EX_YIELD_FROM: return "yield expression";
    case FP_EX_FSTRING:
    case FP_EX_FORMATTED: return "f-string expression";
    }
    return "expression";
}

/* ---- targets ---- */

/* Whether CPython's "cannot assign to X here. Maybe you meant '==' instead of '='?" applies
 * to e: an atom-level expression (its invalid_named_expression rule). */
static int suffix_eligible(const fp_expr *e)
{
    switch (e->kind) {
    case FP_EX_COMPARE:
    case FP_EX_BOOLOP:
    case FP_EX_IFEXP:
    case FP_EX_LAMBDA:
    case FP_EX_LIST:
    case FP_EX_TUPLE:
    case FP_EX_GENEXP: return 0;
    case FP_EX_UNARYOP: return e->u.unaryop.op != FP_UOP_NOT;
    case FP_EX_CONST:
        return e->u.konst.kind != FP_CONST_TRUE && e->u.konst.kind != FP_CONST_FALSE &&
               e->u.konst.kind != FP_CONST_NONE;
    default: return 1;
    }
}

static int valid_target_kind(const fp_expr *e)
{
    return e->kind == FP_EX_NAME || e->kind == FP_EX_ATTRIBUTE || e->kind == FP_EX_SUBSCRIPT ||
           e->kind == FP_EX_TUPLE || e->kind == FP_EX_LIST || e->kind == FP_EX_STARRED;
}

static void invalid_target(fp_parser *p, const fp_expr *e, fp_expr_ctx ctx, int suffix)
{
    if (ctx == FP_CTX_DEL)
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset, "cannot delete %s",
                      fp_p_expr_name(e));
    if (suffix && suffix_eligible(e))
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                      "cannot assign to %s here. Maybe you meant '==' instead of '='?",
                      fp_p_expr_name(e));
    fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset, "cannot assign to %s",
                  fp_p_expr_name(e));
}

static void set_target(fp_parser *p, fp_expr *e, fp_expr_ctx ctx)
{
    switch (e->kind) {
    case FP_EX_NAME:
    case FP_EX_ATTRIBUTE:
    case FP_EX_SUBSCRIPT: e->ctx = ctx; return;
    case FP_EX_STARRED:
        if (ctx == FP_CTX_DEL)
            invalid_target(p, e, ctx, 0);
        e->ctx = ctx;
        set_target(p, e->u.starred.value, ctx);
        return;
    case FP_EX_TUPLE:
    case FP_EX_LIST: {
        e->ctx = ctx;
        int stars = 0;
        for (size_t i = 0; i < e->u.seq.elts.n; i++) {
            fp_expr *x = e->u.seq.elts.items[i];
            if (x->kind == FP_EX_STARRED && ++stars == 2)
                fp_p_late_error(p, e->lineno, e->col_offset,
                                "multiple starred expressions in assignment");
            set_target(p, x, ctx);
        }
        return;
    }
    default: invalid_target(p, e, ctx, 0);
    }
}

void fp_p_set_target(fp_parser *p, fp_expr *e, fp_expr_ctx ctx, int assign)
{
    if (e->kind == FP_EX_STARRED && ctx == FP_CTX_STORE)
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                      "starred assignment target must be in a list or tuple");
    if (assign) {
        /* a single `target = value`: CPython's parser reports an invalid atom right before the
         * '=' (the last element of an unparenthesized tuple) with its '==' hint */
        if (!valid_target_kind(e))
            invalid_target(p, e, ctx, 1);
        if (e->kind == FP_EX_TUPLE && e->u.seq.elts.n > 0) {
            fp_expr *first = e->u.seq.elts.items[0];
            fp_expr *last = e->u.seq.elts.items[e->u.seq.elts.n - 1];
            int parenthesized = first->lineno != e->lineno || first->col_offset != e->col_offset;
            if (!parenthesized && !valid_target_kind(last) && suffix_eligible(last))
                invalid_target(p, last, ctx, 1);
        }
    }
    set_target(p, e, ctx);
}

/* ---- atoms and displays ---- */

static fp_expr *star_named_expression(fp_parser *p)
{
    return fp_p_starred_or(p, fp_p_named_expression);
}

/* After an element inside brackets: ',' or the closing bracket, else CPython's comma hint when
 * another expression follows, else "invalid syntax". Returns 1 after a comma, 0 at close. */
static int comma_or_close(fp_parser *p, fp_tok_kind close)
{
    if (fp_p_accept(p, FP_TK_COMMA))
        return 1;
    fp_token *t = fp_p_peek(p);
    if (t->kind == close)
        return 0;
    if (fp_p_starts_expression(t) && t->kind != FP_TK_STAR && t->kind != FP_TK_MINUS &&
        t->kind != FP_TK_PLUS && t->kind != FP_TK_LPAR && t->kind != FP_TK_LSQB &&
        !(t->kind == FP_TK_STRING && p->pos > 0 && fp_p_tok(p, p->pos - 1)->kind == FP_TK_NAME)) {
        const fp_token *prev = fp_p_tok(p, p->pos - 1);
        fp_p_scan_rest(p);
        fp_p_error_at(p, "SyntaxError", prev->lineno, prev->col,
                      "invalid syntax. Perhaps you forgot a comma?");
    }
    fp_p_syntax_error(p, t);
}

static const char *comp_what(fp_expr_kind k)
{
    return k == FP_EX_LISTCOMP   ? "list comprehension"
           : k == FP_EX_SETCOMP  ? "set comprehension"
           : k == FP_EX_DICTCOMP ? "dict comprehension"
                                 : "generator expression";
}

/* The `for ... in ... if ...` clauses; e has kind and elt (and value) set. yields0 is the
 * yield count when the element began: a yield anywhere but the first iterable is an error. */
static void comprehension(fp_parser *p, fp_expr *e, int yields0)
{
    fp_vec gens = {0};
    int y1 = p->root->nyield, y2 = y1;
    while (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
        fp_token *t = fp_p_next(p);
        if (t->kind == FP_TK_ASYNC)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "ftpy does not support async and await");
        fp_comprehension *c = fp_p_alloc(p, sizeof *c);
        c->target = fp_p_star_targets(p);
        fp_p_set_target(p, c->target, FP_CTX_STORE, 0);
        fp_p_expect(p, FP_TK_IN);
        c->iter = fp_p_disjunction(p);
        if (gens.n == 0)
            y2 = p->root->nyield;
        fp_vec ifs = {0};
        while (fp_p_accept(p, FP_TK_IF))
            fp_p_push(p, &ifs, fp_p_disjunction(p));
        c->ifs = fp_p_expr_seq(&ifs);
        fp_p_push(p, &gens, c);
    }
    e->u.comp.generators = fp_p_alloc(p, gens.n * sizeof(fp_comprehension));
    for (size_t i = 0; i < gens.n; i++)
        e->u.comp.generators[i] = *(fp_comprehension *)gens.items[i];
    e->u.comp.ngenerators = gens.n;
    if ((y1 - yields0) + (p->root->nyield - y2) > 0)
        fp_p_late_sym_error(p, e->lineno, e->col_offset, "'yield' inside %s", comp_what(e->kind));
}

static fp_expr *paren_atom(fp_parser *p, fp_token *t)
{
    int y0 = p->root->nyield;
    if (fp_p_accept(p, FP_TK_RPAR)) {
        fp_expr *e = fp_p_expr(p, FP_EX_TUPLE, t);
        return e;
    }
    if (fp_p_at(p, FP_TK_YIELD)) {
        fp_expr *e = fp_p_yield_expr(p);
        fp_p_expect(p, FP_TK_RPAR);
        return e;
    }
    fp_expr *first = star_named_expression(p);
    if (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
        fp_expr *e = fp_p_expr(p, FP_EX_GENEXP, t);
        e->u.comp.elt = first;
        comprehension(p, e, y0);
        fp_p_expect(p, FP_TK_RPAR);
        return e;
    }
    if (fp_p_accept(p, FP_TK_RPAR)) {
        if (first->kind == FP_EX_STARRED)
            fp_p_error_at(p, "SyntaxError", first->lineno, first->col_offset,
                          "cannot use starred expression here");
        return first;
    }
    fp_vec v = {0};
    fp_p_push(p, &v, first);
    while (comma_or_close(p, FP_TK_RPAR) && !fp_p_at(p, FP_TK_RPAR))
        fp_p_push(p, &v, star_named_expression(p));
    fp_p_expect(p, FP_TK_RPAR);
    fp_expr *e = fp_p_expr(p, FP_EX_TUPLE, t);
    e->u.seq.elts = fp_p_expr_seq(&v);
    return e;
}

static fp_expr *list_atom(fp_parser *p, fp_token *t)
{
    int y0 = p->root->nyield;
    fp_expr *e = fp_p_expr(p, FP_EX_LIST, t);
    if (fp_p_accept(p, FP_TK_RSQB))
        return e;
    fp_expr *first = star_named_expression(p);
    if (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
        e->kind = FP_EX_LISTCOMP;
        e->u.comp.elt = first;
        comprehension(p, e, y0);
        fp_p_expect(p, FP_TK_RSQB);
        return e;
    }
    fp_vec v = {0};
    fp_p_push(p, &v, first);
    while (comma_or_close(p, FP_TK_RSQB) && !fp_p_at(p, FP_TK_RSQB))
        fp_p_push(p, &v, star_named_expression(p));
    fp_p_expect(p, FP_TK_RSQB);
    e->u.seq.elts = fp_p_expr_seq(&v);
    return e;
}

static fp_expr *brace_atom(fp_parser *p, fp_token *t)
{
    int y0 = p->root->nyield;
    fp_expr *e = fp_p_expr(p, FP_EX_DICT, t);
    if (fp_p_accept(p, FP_TK_RBRACE))
        return e;
    fp_vec keys = {0}, values = {0};
    fp_expr *first = NULL;
    if (fp_p_accept(p, FP_TK_DOUBLESTAR)) {
        fp_p_push(p, &keys, NULL);
        fp_p_push(p, &values, fp_p_bitwise_or(p));
    } else {
        first = star_named_expression(p);
        if (fp_p_accept(p, FP_TK_COLON)) {
            if (first->kind == FP_EX_STARRED)
                fp_p_error_at(p, "SyntaxError", first->lineno, first->col_offset,
                              "cannot use a starred expression in a dictionary key");
            fp_expr *value = fp_p_expression(p);
            if (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
                e->kind = FP_EX_DICTCOMP;
                e->u.comp.elt = first;
                e->u.comp.value = value;
                comprehension(p, e, y0);
                fp_p_expect(p, FP_TK_RBRACE);
                return e;
            }
            fp_p_push(p, &keys, first);
            fp_p_push(p, &values, value);
        } else {
            /* a set display or comprehension */
            e->kind = FP_EX_SET;
            if (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
                e->kind = FP_EX_SETCOMP;
                e->u.comp.elt = first;
                comprehension(p, e, y0);
                fp_p_expect(p, FP_TK_RBRACE);
                return e;
            }
            fp_vec v = {0};
            fp_p_push(p, &v, first);
            while (comma_or_close(p, FP_TK_RBRACE) && !fp_p_at(p, FP_TK_RBRACE))
                fp_p_push(p, &v, star_named_expression(p));
            fp_p_expect(p, FP_TK_RBRACE);
            e->u.seq.elts = fp_p_expr_seq(&v);
            return e;
        }
    }
    while (comma_or_close(p, FP_TK_RBRACE) && !fp_p_at(p, FP_TK_RBRACE)) {
        if (fp_p_accept(p, FP_TK_DOUBLESTAR)) {
            fp_p_push(p, &keys, NULL);
            fp_p_push(p, &values, fp_p_bitwise_or(p));
        } else {
            fp_expr *key = fp_p_expression(p);
            if (!fp_p_at(p, FP_TK_COLON))
                fp_p_error_at(p, "SyntaxError", key->lineno, key->col_offset,
                              "':' expected after dictionary key");
            fp_p_push(p, &keys, key);
            fp_p_next(p);
            fp_p_push(p, &values, fp_p_expression(p));
        }
    }
    fp_p_expect(p, FP_TK_RBRACE);
    e->u.dict.keys = (fp_expr **)keys.items;
    e->u.dict.values = (fp_expr **)values.items;
    e->u.dict.n = keys.n;
    return e;
}

static fp_expr *const_expr(fp_parser *p, fp_const_kind k, const fp_token *t)
{
    fp_expr *e = fp_p_expr(p, FP_EX_CONST, t);
    e->u.konst.kind = k;
    return e;
}

static fp_expr *atom(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_expr *e;
    switch (t->kind) {
    case FP_TK_NAME:
        fp_p_next(p);
        e = fp_p_expr(p, FP_EX_NAME, t);
        e->u.name.id = fp_p_strdup(p, t->start, t->len);
        return e;
    case FP_TK_TRUE: fp_p_next(p); return const_expr(p, FP_CONST_TRUE, t);
    case FP_TK_FALSE: fp_p_next(p); return const_expr(p, FP_CONST_FALSE, t);
    case FP_TK_NONE: fp_p_next(p); return const_expr(p, FP_CONST_NONE, t);
    case FP_TK_ELLIPSIS: fp_p_next(p); return const_expr(p, FP_CONST_ELLIPSIS, t);
    case FP_TK_INT:
        fp_p_next(p);
        if (t->u.i.too_big || t->u.i.value > (uint64_t)INT64_MAX)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "ftpy does not support integers beyond 64 bits");
        e = const_expr(p, FP_CONST_INT, t);
        e->u.konst.ival = (int64_t)t->u.i.value;
        return e;
    case FP_TK_FLOAT:
        fp_p_next(p);
        e = const_expr(p, FP_CONST_FLOAT, t);
        e->u.konst.fval = t->u.f;
        return e;
    case FP_TK_STRING: return fp_p_strings(p);
    case FP_TK_LPAR:
    case FP_TK_LSQB:
    case FP_TK_LBRACE:
        fp_p_next(p);
        fp_p_enter(p, t);
        e = t->kind == FP_TK_LPAR   ? paren_atom(p, t)
            : t->kind == FP_TK_LSQB ? list_atom(p, t)
                                    : brace_atom(p, t);
        fp_p_leave(p);
        return e;
    case FP_TK_AWAIT:
    case FP_TK_ASYNC:
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "ftpy does not support async and await");
    case FP_TK_STAR:
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "cannot use starred expression here");
    default: fp_p_syntax_error(p, t);
    }
}

/* ---- primaries: attribute, call, subscript ---- */

static fp_expr *slice_item(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_expr *lower = NULL;
    if (t->kind == FP_TK_STAR)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                      "ftpy does not support starred subscripts");
    if (t->kind != FP_TK_COLON) {
        lower = fp_p_named_expression(p);
        if (!fp_p_at(p, FP_TK_COLON))
            return lower;
    }
    fp_p_expect(p, FP_TK_COLON);
    fp_expr *s = fp_p_expr(p, FP_EX_SLICE, t);
    s->u.slice.lower = lower;
    fp_tok_kind k = fp_p_peek(p)->kind;
    if (k != FP_TK_COLON && k != FP_TK_COMMA && k != FP_TK_RSQB)
        s->u.slice.upper = fp_p_expression(p);
    if (fp_p_accept(p, FP_TK_COLON)) {
        k = fp_p_peek(p)->kind;
        if (k != FP_TK_COMMA && k != FP_TK_RSQB)
            s->u.slice.step = fp_p_expression(p);
    }
    return s;
}

static fp_expr *subscript(fp_parser *p, fp_expr *value, const fp_token *st)
{
    fp_expr *e = fp_p_expr(p, FP_EX_SUBSCRIPT, st);
    e->u.subscript.value = value;
    fp_token *st1 = fp_p_peek(p);
    fp_expr *first = slice_item(p);
    if (!fp_p_at(p, FP_TK_COMMA)) {
        fp_p_expect(p, FP_TK_RSQB);
        e->u.subscript.slice = first;
        return e;
    }
    fp_vec v = {0};
    fp_p_push(p, &v, first);
    while (comma_or_close(p, FP_TK_RSQB) && !fp_p_at(p, FP_TK_RSQB))
        fp_p_push(p, &v, slice_item(p));
    fp_p_expect(p, FP_TK_RSQB);
    fp_expr *tup = fp_p_expr(p, FP_EX_TUPLE, st1);
    tup->u.seq.elts = fp_p_expr_seq(&v);
    e->u.subscript.slice = tup;
    return e;
}

static int same_name(const char *a, const fp_token *t)
{
    return a != NULL && strlen(a) == t->len && memcmp(a, t->start, t->len) == 0;
}

void fp_p_call_args(fp_parser *p, fp_expr *call)
{
    fp_vec args = {0}, kws = {0};
    int seen_kw = 0, seen_kwunpack = 0;
    int y0 = p->root->nyield;
    /* a lone generator argument starts at the '(' (copied: the token buffer may move) */
    int lpar_line = fp_p_tok(p, p->pos - 1)->lineno, lpar_col = fp_p_tok(p, p->pos - 1)->col;
    for (;;) {
        if (fp_p_accept(p, FP_TK_RPAR))
            break;
        fp_token *t = fp_p_peek(p);
        if (t->kind == FP_TK_STAR) {
            fp_p_next(p);
            if (seen_kwunpack)
                fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                              "iterable argument unpacking follows keyword argument unpacking");
            fp_expr *s = fp_p_expr(p, FP_EX_STARRED, t);
            s->u.starred.value = fp_p_expression(p);
            fp_p_push(p, &args, s);
        } else if (t->kind == FP_TK_DOUBLESTAR) {
            fp_p_next(p);
            fp_keyword *k = fp_p_alloc(p, sizeof *k);
            k->lineno = t->lineno;
            k->col_offset = t->col;
            k->value = fp_p_expression(p);
            fp_p_push(p, &kws, k);
            seen_kwunpack = 1;
        } else if (t->kind == FP_TK_NAME && fp_p_peek_at(p, 1)->kind == FP_TK_EQUAL) {
            fp_p_next(p);
            fp_p_next(p);
            for (size_t i = 0; i < kws.n; i++)
                if (same_name(((fp_keyword *)kws.items[i])->arg, t))
                    fp_p_late_error(p, t->lineno, t->col, "keyword argument repeated: %.*s",
                                    (int)t->len, t->start);
            fp_keyword *k = fp_p_alloc(p, sizeof *k);
            k->lineno = t->lineno;
            k->col_offset = t->col;
            k->arg = fp_p_strdup(p, t->start, t->len);
            k->value = fp_p_expression(p);
            fp_p_push(p, &kws, k);
            seen_kw = 1;
        } else {
            fp_expr *e = fp_p_named_expression(p);
            if (fp_p_at(p, FP_TK_FOR) || fp_p_at(p, FP_TK_ASYNC)) {
                fp_expr *g = fp_p_expr_at(p, FP_EX_GENEXP, lpar_line, lpar_col);
                g->u.comp.elt = e;
                comprehension(p, g, y0);
                if (args.n > 0 || kws.n > 0 || !fp_p_at(p, FP_TK_RPAR))
                    fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                                  "Generator expression must be parenthesized");
                e = g;
            }
            if (fp_p_at(p, FP_TK_EQUAL))
                fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                              "expression cannot contain assignment, perhaps you meant \"==\"?");
            if (seen_kwunpack)
                fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                              "positional argument follows keyword argument unpacking");
            if (seen_kw)
                fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                              "positional argument follows keyword argument");
            fp_p_push(p, &args, e);
        }
        if (!comma_or_close(p, FP_TK_RPAR)) {
            fp_p_next(p);
            break;
        }
    }
    call->u.call.args = fp_p_expr_seq(&args);
    call->u.call.keywords = fp_p_alloc(p, kws.n * sizeof(fp_keyword));
    for (size_t i = 0; i < kws.n; i++)
        call->u.call.keywords[i] = *(fp_keyword *)kws.items[i];
    call->u.call.nkeywords = kws.n;
}

fp_expr *fp_p_primary(fp_parser *p)
{
    fp_token *st = fp_p_peek(p);
    fp_expr *e = atom(p);
    size_t chain = 0;
    for (;;) {
        fp_token *t = fp_p_peek(p);
        if (t->kind == FP_TK_DOT) {
            fp_p_next(p);
            fp_token *n = fp_p_expect(p, FP_TK_NAME);
            fp_expr *a = fp_p_expr(p, FP_EX_ATTRIBUTE, st);
            a->u.attribute.value = e;
            a->u.attribute.attr = fp_p_strdup(p, n->start, n->len);
            e = a;
        } else if (t->kind == FP_TK_LPAR) {
            fp_p_next(p);
            fp_p_enter(p, t);
            fp_expr *c = fp_p_expr(p, FP_EX_CALL, st);
            c->u.call.func = e;
            fp_p_call_args(p, c);
            fp_p_leave(p);
            e = c;
        } else if (t->kind == FP_TK_LSQB) {
            fp_p_next(p);
            fp_p_enter(p, t);
            e = subscript(p, e, st);
            fp_p_leave(p);
        } else {
            return e;
        }
        if (++chain > FP_AST_MAX_DEPTH)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "too many nested expressions");
    }
}
