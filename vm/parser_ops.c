/* ftpy's parser, part 4: the operator levels of expressions, lambda and parameter lists,
 * yield, and target lists.
 *
 * Precedence, loosest first, as CPython's grammar: lambda, conditional expression, or, and,
 * not, comparisons (chained), |, ^, &, << >>, + -, * / // %, unary + - ~, **, primaries
 * (parser_expr.c). The six binary levels are parsed by one precedence-climbing function whose
 * recursion is at most six levels per operand; the rules that recurse on themselves (unary
 * operators, not, **, the conditional's else branch, lambda bodies) count depth through
 * fp_p_enter(), and and/or/comparison chains are loops, so no input can overflow the C stack.
 */
#include "parser.h"

#include <stdint.h>
#include <string.h>

/* ---- yield ---- */

fp_expr *fp_p_yield_expr(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    if (p->in_lambda)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                      "ftpy does not support yield in a lambda");
    if (p->scope != FP_SCOPE_FUNCTION)
        fp_p_late_error(p, t->lineno, t->col, "'yield' outside function");
    p->root->nyield++;
    if (fp_p_accept(p, FP_TK_FROM)) {
        fp_expr *e = fp_p_expr(p, FP_EX_YIELD_FROM, t);
        e->u.yield.value = fp_p_expression(p);
        return e;
    }
    fp_expr *e = fp_p_expr(p, FP_EX_YIELD, t);
    if (fp_p_starts_expression(fp_p_peek(p)))
        e->u.yield.value = fp_p_star_expressions(p);
    return e;
}

/* ---- unary, power, binary operators ---- */

static fp_expr *factor(fp_parser *p);

static fp_expr *power(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    if (t->kind == FP_TK_AWAIT)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "ftpy does not support async and await");
    fp_expr *e = fp_p_primary(p);
    if (fp_p_at(p, FP_TK_DOUBLESTAR)) {
        fp_token *op = fp_p_next(p);
        fp_p_enter(p, op);
        fp_expr *b = fp_p_expr(p, FP_EX_BINOP, t);
        b->u.binop.left = e;
        b->u.binop.op = FP_OP_POW;
        b->u.binop.right = factor(p);
        fp_p_leave(p);
        e = b;
    }
    return e;
}

static fp_expr *factor(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    fp_unaryop op;
    switch (t->kind) {
    case FP_TK_MINUS: op = FP_UOP_NEG; break;
    case FP_TK_PLUS: op = FP_UOP_POS; break;
    case FP_TK_TILDE: op = FP_UOP_INVERT; break;
    default: return power(p);
    }
    fp_p_next(p);
    /* -9223372036854775808: the one literal whose magnitude only fits when negated */
    fp_token *n = fp_p_peek(p);
    if (op == FP_UOP_NEG && n->kind == FP_TK_INT && !n->u.i.too_big &&
        n->u.i.value == (uint64_t)INT64_MAX + 1) {
        fp_tok_kind after = fp_p_peek_at(p, 1)->kind;
        if (after != FP_TK_DOUBLESTAR && after != FP_TK_DOT && after != FP_TK_LPAR &&
            after != FP_TK_LSQB) {
            fp_p_next(p);
            fp_expr *c = fp_p_expr(p, FP_EX_CONST, t);
            c->u.konst.kind = FP_CONST_INT;
            c->u.konst.ival = INT64_MIN;
            return c;
        }
    }
    fp_p_enter(p, t);
    fp_expr *e = fp_p_expr(p, FP_EX_UNARYOP, t);
    e->u.unaryop.op = op;
    e->u.unaryop.operand = factor(p);
    fp_p_leave(p);
    return e;
}

static int binop_prec(fp_tok_kind k, fp_operator *op)
{
    switch (k) {
    case FP_TK_VBAR: *op = FP_OP_BITOR; return 1;
    case FP_TK_CIRCUMFLEX: *op = FP_OP_BITXOR; return 2;
    case FP_TK_AMPER: *op = FP_OP_BITAND; return 3;
    case FP_TK_LEFTSHIFT: *op = FP_OP_LSHIFT; return 4;
    case FP_TK_RIGHTSHIFT: *op = FP_OP_RSHIFT; return 4;
    case FP_TK_PLUS: *op = FP_OP_ADD; return 5;
    case FP_TK_MINUS: *op = FP_OP_SUB; return 5;
    case FP_TK_STAR: *op = FP_OP_MUL; return 6;
    case FP_TK_SLASH: *op = FP_OP_DIV; return 6;
    case FP_TK_DOUBLESLASH: *op = FP_OP_FLOORDIV; return 6;
    case FP_TK_PERCENT: *op = FP_OP_MOD; return 6;
    case FP_TK_AT: *op = FP_OP_MUL; return 6;
    default: return 0;
    }
}

/* Left-associative binary operators of precedence >= min_prec. */
static fp_expr *binary(fp_parser *p, int min_prec)
{
    fp_token *st = fp_p_peek(p); /* a node's position is its first token's, parentheses too */
    fp_expr *left = factor(p);
    size_t chain = 0;
    for (;;) {
        fp_token *t = fp_p_peek(p);
        fp_operator op;
        int prec = binop_prec(t->kind, &op);
        if (prec == 0 || prec < min_prec)
            return left;
        if (t->kind == FP_TK_AT)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "ftpy does not support the @ operator");
        fp_p_next(p);
        fp_expr *right = prec < 6 ? binary(p, prec + 1) : factor(p);
        fp_expr *b = fp_p_expr(p, FP_EX_BINOP, st);
        b->u.binop.left = left;
        b->u.binop.op = op;
        b->u.binop.right = right;
        left = b;
        if (++chain > FP_AST_MAX_DEPTH)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "too many nested expressions");
    }
}

fp_expr *fp_p_bitwise_or(fp_parser *p) { return binary(p, 1); }

/* ---- comparisons and boolean operators ---- */

static int cmp_op(fp_parser *p, fp_cmpop *op)
{
    fp_token *t = fp_p_peek(p);
    switch (t->kind) {
    case FP_TK_EQEQUAL: *op = FP_CMP_EQ; break;
    case FP_TK_NOTEQUAL: *op = FP_CMP_NE; break;
    case FP_TK_LESS: *op = FP_CMP_LT; break;
    case FP_TK_LESSEQUAL: *op = FP_CMP_LE; break;
    case FP_TK_GREATER: *op = FP_CMP_GT; break;
    case FP_TK_GREATEREQUAL: *op = FP_CMP_GE; break;
    case FP_TK_IN: *op = FP_CMP_IN; break;
    case FP_TK_IS:
        fp_p_next(p);
        *op = fp_p_accept(p, FP_TK_NOT) ? FP_CMP_IS_NOT : FP_CMP_IS;
        return 1;
    case FP_TK_NOT:
        if (fp_p_peek_at(p, 1)->kind != FP_TK_IN)
            return 0;
        fp_p_next(p);
        *op = FP_CMP_NOT_IN;
        break;
    default: return 0;
    }
    fp_p_next(p);
    return 1;
}

static fp_expr *comparison(fp_parser *p)
{
    fp_token *st = fp_p_peek(p);
    fp_expr *left = fp_p_bitwise_or(p);
    fp_cmpop op;
    if (!cmp_op(p, &op))
        return left;
    fp_expr *e = fp_p_expr(p, FP_EX_COMPARE, st);
    e->u.compare.left = left;
    fp_vec comparators = {0};
    fp_cmpop *ops = NULL;
    size_t n = 0, cap = 0;
    do {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            fp_cmpop *no = fp_p_alloc(p, ncap * sizeof *no);
            if (n)
                memcpy(no, ops, n * sizeof *no);
            ops = no;
            cap = ncap;
        }
        ops[n++] = op;
        fp_p_push(p, &comparators, fp_p_bitwise_or(p));
    } while (cmp_op(p, &op));
    e->u.compare.ops = ops;
    e->u.compare.comparators = fp_p_expr_seq(&comparators);
    return e;
}

static fp_expr *inversion(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    if (t->kind != FP_TK_NOT)
        return comparison(p);
    fp_p_next(p);
    fp_p_enter(p, t);
    fp_expr *e = fp_p_expr(p, FP_EX_UNARYOP, t);
    e->u.unaryop.op = FP_UOP_NOT;
    e->u.unaryop.operand = inversion(p);
    fp_p_leave(p);
    return e;
}

static fp_expr *boolop(fp_parser *p, fp_tok_kind kw, fp_boolop op, fp_expr *(*sub)(fp_parser *))
{
    fp_token *st = fp_p_peek(p);
    fp_expr *first = sub(p);
    if (!fp_p_at(p, kw))
        return first;
    fp_vec v = {0};
    fp_p_push(p, &v, first);
    while (fp_p_accept(p, kw))
        fp_p_push(p, &v, sub(p));
    fp_expr *e = fp_p_expr(p, FP_EX_BOOLOP, st);
    e->u.boolop.op = op;
    e->u.boolop.values = fp_p_expr_seq(&v);
    return e;
}

static fp_expr *conjunction(fp_parser *p) { return boolop(p, FP_TK_AND, FP_BOOL_AND, inversion); }

fp_expr *fp_p_disjunction(fp_parser *p) { return boolop(p, FP_TK_OR, FP_BOOL_OR, conjunction); }

/* ---- lambda, conditional expression ---- */

static fp_expr *lambdef(fp_parser *p)
{
    fp_token *t = fp_p_next(p);
    fp_p_enter(p, t);
    fp_expr *e = fp_p_expr(p, FP_EX_LAMBDA, t);
    e->u.lambda.args = fp_p_parameters(p, FP_TK_COLON, 1);
    int scope = p->scope, loops = p->loop_depth, in_lambda = p->in_lambda;
    p->scope = FP_SCOPE_FUNCTION;
    p->loop_depth = 0;
    p->in_lambda = 1;
    e->u.lambda.body = fp_p_expression(p);
    p->scope = scope;
    p->loop_depth = loops;
    p->in_lambda = in_lambda;
    fp_p_leave(p);
    return e;
}

fp_expr *fp_p_expression(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    if (t->kind == FP_TK_LAMBDA)
        return lambdef(p);
    fp_p_enter(p, t);
    fp_expr *e = fp_p_disjunction(p);
    if (fp_p_accept(p, FP_TK_IF)) {
        fp_expr *c = fp_p_expr(p, FP_EX_IFEXP, t);
        c->u.ifexp.body = e;
        c->u.ifexp.test = fp_p_disjunction(p);
        if (!fp_p_accept(p, FP_TK_ELSE))
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "expected 'else' after 'if' expression");
        c->u.ifexp.orelse = fp_p_expression(p);
        e = c;
    }
    fp_p_leave(p);
    return e;
}

fp_expr *fp_p_named_expression(fp_parser *p)
{
    fp_token *t = fp_p_peek(p);
    if ((t->kind == FP_TK_NAME && fp_p_peek_at(p, 1)->kind == FP_TK_COLONEQUAL) ||
        t->kind == FP_TK_COLONEQUAL)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                      "ftpy does not support assignment expressions (:=)");
    fp_expr *e = fp_p_expression(p);
    fp_token *c = fp_p_peek(p);
    if (c->kind == FP_TK_COLONEQUAL)
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col,
                      "ftpy does not support assignment expressions (:=)");
    return e;
}

/* ---- expression lists and target lists ---- */

fp_expr *fp_p_starred_or(fp_parser *p, fp_expr *(*sub)(fp_parser *))
{
    fp_token *t = fp_p_peek(p);
    if (t->kind == FP_TK_STAR) {
        fp_p_next(p);
        fp_expr *e = fp_p_expr(p, FP_EX_STARRED, t);
        e->u.starred.value = fp_p_bitwise_or(p);
        return e;
    }
    return sub(p);
}

static fp_expr *star_expression(fp_parser *p) { return fp_p_starred_or(p, fp_p_expression); }

/* item (',' item)* [','] -> a tuple if there is a comma; items from sub. */
static fp_expr *expr_list(fp_parser *p, fp_expr *(*sub)(fp_parser *))
{
    fp_token *st = fp_p_peek(p);
    fp_expr *first = sub(p);
    if (!fp_p_at(p, FP_TK_COMMA))
        return first;
    fp_vec v = {0};
    fp_p_push(p, &v, first);
    while (fp_p_accept(p, FP_TK_COMMA)) {
        if (!fp_p_starts_expression(fp_p_peek(p)))
            break;
        fp_p_push(p, &v, sub(p));
    }
    fp_expr *e = fp_p_expr(p, FP_EX_TUPLE, st);
    e->u.seq.elts = fp_p_expr_seq(&v);
    return e;
}

fp_expr *fp_p_star_expressions(fp_parser *p) { return expr_list(p, star_expression); }

static fp_expr *star_target(fp_parser *p) { return fp_p_starred_or(p, fp_p_bitwise_or); }

fp_expr *fp_p_star_targets(fp_parser *p) { return expr_list(p, star_target); }

/* ---- parameters ---- */

static void push_arg(fp_parser *p, fp_vec *v, const fp_token *n)
{
    fp_arg *a = fp_p_alloc(p, sizeof *a);
    a->name = fp_p_strdup(p, n->start, n->len);
    a->lineno = n->lineno;
    a->col_offset = n->col;
    fp_p_push(p, v, a);
}

static fp_arg *arg_array(fp_parser *p, fp_vec *v)
{
    fp_arg *a = fp_p_alloc(p, v->n * sizeof *a);
    for (size_t i = 0; i < v->n; i++)
        a[i] = *(fp_arg *)v->items[i];
    return a;
}

static fp_token *param_name(fp_parser *p, int is_lambda)
{
    fp_token *n = fp_p_expect(p, FP_TK_NAME);
    if (!is_lambda && fp_p_at(p, FP_TK_COLON)) {
        fp_token *c = fp_p_peek(p);
        fp_p_error_at(p, "SyntaxError", c->lineno, c->col, "ftpy does not support annotations");
    }
    return n;
}

static void check_duplicate(fp_parser *p, fp_vec *all, const fp_token *n)
{
    for (size_t i = 0; i < all->n; i++) {
        const fp_token *o = all->items[i];
        if (o->len == n->len && memcmp(o->start, n->start, n->len) == 0)
            fp_p_late_sym_error(p, n->lineno, n->col,
                                "duplicate argument '%.*s' in function definition", (int)n->len,
                                n->start);
    }
    fp_p_push(p, all, (void *)n);
}

fp_arguments *fp_p_parameters(fp_parser *p, fp_tok_kind close, int is_lambda)
{
    fp_arguments *a = fp_p_alloc(p, sizeof *a);
    fp_vec args = {0}, kwonly = {0}, kwdef = {0}, defaults = {0}, all = {0};
    int seen_star = 0, seen_slash = 0, bare_star = 0;
    const fp_token *star_tok = NULL;
    while (!fp_p_accept(p, close)) {
        fp_token *t = fp_p_peek(p);
        if (t->kind == FP_TK_SLASH) {
            if (seen_slash)
                fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "/ may appear only once");
            if (seen_star)
                fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "/ must be ahead of *");
            if (args.n == 0)
                fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                              "at least one argument must precede /");
            fp_p_next(p);
            seen_slash = 1;
            a->posonly = arg_array(p, &args);
            a->nposonly = args.n;
            args.n = 0;
            args.items = NULL;
            args.cap = 0;
        } else if (t->kind == FP_TK_STAR) {
            if (seen_star)
                fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                              "* argument may appear only once");
            fp_p_next(p);
            seen_star = 1;
            star_tok = t;
            if (fp_p_at(p, FP_TK_NAME)) {
                fp_token *n = param_name(p, is_lambda);
                check_duplicate(p, &all, n);
                fp_vec one = {0};
                push_arg(p, &one, n);
                a->vararg = one.items[0];
            } else {
                bare_star = 1;
            }
        } else if (t->kind == FP_TK_DOUBLESTAR) {
            fp_p_next(p);
            fp_token *n = param_name(p, is_lambda);
            check_duplicate(p, &all, n);
            fp_vec one = {0};
            push_arg(p, &one, n);
            a->kwarg = one.items[0];
            fp_p_accept(p, FP_TK_COMMA);
            fp_token *c = fp_p_peek(p);
            if (c->kind != close) {
                if (c->kind == FP_TK_NAME || c->kind == FP_TK_STAR || c->kind == FP_TK_DOUBLESTAR)
                    fp_p_error_at(p, "SyntaxError", c->lineno, c->col,
                                  "arguments cannot follow var-keyword argument");
                fp_p_syntax_error(p, c);
            }
            continue;
        } else if (t->kind == FP_TK_NAME) {
            fp_token *n = param_name(p, is_lambda);
            check_duplicate(p, &all, n);
            fp_expr *def = NULL;
            if (fp_p_accept(p, FP_TK_EQUAL))
                def = fp_p_expression(p);
            if (seen_star) {
                push_arg(p, &kwonly, n);
                fp_p_push(p, &kwdef, def);
            } else {
                if (def != NULL)
                    fp_p_push(p, &defaults, def);
                else if (defaults.n > 0)
                    fp_p_error_at(p, "SyntaxError", n->lineno, n->col,
                                  "non-default argument follows default argument");
                push_arg(p, &args, n);
            }
        } else {
            fp_p_syntax_error(p, t);
        }
        if (!fp_p_accept(p, FP_TK_COMMA)) {
            fp_p_expect(p, close);
            break;
        }
    }
    if (bare_star && kwonly.n == 0)
        fp_p_error_at(p, "SyntaxError", star_tok->lineno, star_tok->col,
                      "named arguments must follow bare *");
    a->args = arg_array(p, &args);
    a->nargs = args.n;
    a->kwonly = arg_array(p, &kwonly);
    a->nkwonly = kwonly.n;
    a->kw_defaults = (fp_expr **)kwdef.items;
    a->defaults = fp_p_expr_seq(&defaults);
    return a;
}
