/* The symbol table: two passes over the AST, as in CPython.
 *
 * Pass 1 (visit_*) records, per scope, every name and how it is seen: assigned (DEF_LOCAL),
 * a parameter, declared global or nonlocal, used. Scopes: the module, each def and lambda,
 * each class body, each comprehension and generator expression (a function of its own whose
 * only parameter ".0" is the outermost iterable, evaluated in the enclosing scope).
 *
 * Pass 2 (resolve) goes top-down. In a function scope a name is global if declared so; local
 * if bound (assigned, a parameter, an import, an except target) and not declared nonlocal;
 * otherwise free if an enclosing function scope binds it (class scopes in between are
 * skipped, as Python's class bodies do not enclose their methods' names), else an implicit
 * global. A free name makes the binding scope's local a cell, and passes through every scope
 * between as free. `super` used in a method makes `__class__` free there and a cell of the
 * class body, which the class statement fills with the new class (zero-argument super()).
 * Module-level names are all global. Class-level names are the namespace's unless free.
 */
#include "symtable.h"

#include <stdio.h>
#include <string.h>

typedef struct st_builder {
    fp_arena *arena;
    fp_syntax_error *err;
    fp_scope *cur;
    int failed;
} st_builder;

static void st_error(st_builder *b, int lineno, int col, const char *fmt, const char *name)
{
    if (b->failed)
        return;
    b->failed = 1;
    b->err->kind = "SyntaxError";
    snprintf(b->err->msg, sizeof b->err->msg, fmt, name);
    b->err->lineno = lineno;
    b->err->offset = col + 1;
    b->err->text[0] = '\0';
}

static void *grow(st_builder *b, void *old, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return old;
    size_t nc = *cap ? *cap * 2 : 8;
    void *p = fp_arena_alloc(b->arena, nc * elem);
    if (p == NULL) {
        b->failed = 1;
        snprintf(b->err->msg, sizeof b->err->msg, "out of memory");
        return NULL;
    }
    if (old != NULL)
        memcpy(p, old, n * elem);
    *cap = nc;
    return p;
}

fp_symbol *fp_scope_lookup(fp_scope *s, const char *name)
{
    for (size_t i = 0; i < s->nsyms; i++)
        if (strcmp(s->syms[i].name, name) == 0)
            return &s->syms[i];
    return NULL;
}

fp_scope *fp_scope_child(fp_scope *s, const void *node)
{
    for (size_t i = 0; i < s->nchildren; i++)
        if (s->children[i]->node == node)
            return s->children[i];
    return NULL;
}

static fp_symbol *add_sym(st_builder *b, fp_scope *s, const char *name, int flags, int lineno)
{
    fp_symbol *sym = fp_scope_lookup(s, name);
    if (sym == NULL) {
        fp_symbol *n = grow(b, s->syms, &s->capsyms, s->nsyms, sizeof *s->syms);
        if (n == NULL)
            return NULL;
        s->syms = n;
        sym = &s->syms[s->nsyms++];
        sym->name = name;
        sym->flags = 0;
        sym->scope = SC_NONE;
        sym->lineno = lineno;
    }
    sym->flags |= flags;
    return sym;
}

static fp_scope *open_scope(st_builder *b, int kind, const char *name, const void *node)
{
    fp_scope *s = fp_arena_alloc(b->arena, sizeof *s);
    if (s == NULL) {
        b->failed = 1;
        return NULL;
    }
    s->kind = kind;
    s->name = name;
    s->node = node;
    s->parent = b->cur;
    if (b->cur != NULL) {
        fp_scope **n =
            grow(b, b->cur->children, &b->cur->capchildren, b->cur->nchildren, sizeof *n);
        if (n == NULL)
            return NULL;
        b->cur->children = n;
        n[b->cur->nchildren++] = s;
    }
    b->cur = s;
    return s;
}

static void add_param(st_builder *b, fp_scope *s, const char *name, int lineno)
{
    fp_symbol *sym = fp_scope_lookup(s, name);
    if (sym != NULL && (sym->flags & DEF_PARAM)) {
        st_error(b, lineno, 0, "duplicate argument '%s' in function definition", name);
        return;
    }
    add_sym(b, s, name, DEF_PARAM, lineno);
    const char **p = fp_arena_alloc(b->arena, (s->nparams + 1) * sizeof *p);
    if (p == NULL) {
        b->failed = 1;
        return;
    }
    if (s->nparams)
        memcpy(p, s->params, s->nparams * sizeof *p);
    p[s->nparams++] = name;
    s->params = p;
}

static void visit_expr(st_builder *b, fp_expr *e);
static void visit_stmts(st_builder *b, fp_stmt_seq *seq);

static void visit_exprs(st_builder *b, fp_expr_seq *seq)
{
    for (size_t i = 0; i < seq->n; i++)
        visit_expr(b, seq->items[i]);
}

static void visit_arguments_defaults(st_builder *b, fp_arguments *a)
{
    visit_exprs(b, &a->defaults);
    for (size_t i = 0; i < a->nkwonly; i++)
        if (a->kw_defaults[i] != NULL)
            visit_expr(b, a->kw_defaults[i]);
}

static void visit_params(st_builder *b, fp_scope *s, fp_arguments *a)
{
    for (size_t i = 0; i < a->nposonly; i++)
        add_param(b, s, a->posonly[i].name, a->posonly[i].lineno);
    for (size_t i = 0; i < a->nargs; i++)
        add_param(b, s, a->args[i].name, a->args[i].lineno);
    for (size_t i = 0; i < a->nkwonly; i++)
        add_param(b, s, a->kwonly[i].name, a->kwonly[i].lineno);
    if (a->vararg)
        add_param(b, s, a->vararg->name, a->vararg->lineno);
    if (a->kwarg)
        add_param(b, s, a->kwarg->name, a->kwarg->lineno);
}

static void visit_comprehension(st_builder *b, fp_expr *e)
{
    fp_comprehension *g = e->u.comp.generators;
    visit_expr(b, g[0].iter);
    const char *name = e->kind == FP_EX_LISTCOMP   ? "<listcomp>"
                       : e->kind == FP_EX_SETCOMP  ? "<setcomp>"
                       : e->kind == FP_EX_DICTCOMP ? "<dictcomp>"
                                                   : "<genexpr>";
    fp_scope *s = open_scope(b, SCOPE_FUNCTION, name, e);
    if (s == NULL)
        return;
    s->comprehension = true;
    s->generator = e->kind == FP_EX_GENEXP;
    add_param(b, s, ".0", e->lineno);
    for (size_t i = 0; i < e->u.comp.ngenerators; i++) {
        visit_expr(b, g[i].target);
        if (i > 0)
            visit_expr(b, g[i].iter);
        visit_exprs(b, &g[i].ifs);
    }
    visit_expr(b, e->u.comp.elt);
    if (e->u.comp.value)
        visit_expr(b, e->u.comp.value);
    b->cur = s->parent;
}

static void visit_expr(st_builder *b, fp_expr *e)
{
    if (e == NULL || b->failed)
        return;
    fp_scope *s = b->cur;
    switch (e->kind) {
    case FP_EX_CONST: break;
    case FP_EX_NAME:
        if (e->ctx == FP_CTX_LOAD) {
            add_sym(b, s, e->u.name.id, USE, e->lineno);
            if (strcmp(e->u.name.id, "super") == 0 && s->kind == SCOPE_FUNCTION)
                add_sym(b, s, "__class__", USE, e->lineno);
        } else {
            add_sym(b, s, e->u.name.id, DEF_LOCAL, e->lineno);
        }
        break;
    case FP_EX_BINOP:
        visit_expr(b, e->u.binop.left);
        visit_expr(b, e->u.binop.right);
        break;
    case FP_EX_UNARYOP: visit_expr(b, e->u.unaryop.operand); break;
    case FP_EX_BOOLOP: visit_exprs(b, &e->u.boolop.values); break;
    case FP_EX_COMPARE:
        visit_expr(b, e->u.compare.left);
        visit_exprs(b, &e->u.compare.comparators);
        break;
    case FP_EX_IFEXP:
        visit_expr(b, e->u.ifexp.test);
        visit_expr(b, e->u.ifexp.body);
        visit_expr(b, e->u.ifexp.orelse);
        break;
    case FP_EX_CALL:
        visit_expr(b, e->u.call.func);
        visit_exprs(b, &e->u.call.args);
        for (size_t i = 0; i < e->u.call.nkeywords; i++)
            visit_expr(b, e->u.call.keywords[i].value);
        break;
    case FP_EX_ATTRIBUTE: visit_expr(b, e->u.attribute.value); break;
    case FP_EX_SUBSCRIPT:
        visit_expr(b, e->u.subscript.value);
        visit_expr(b, e->u.subscript.slice);
        break;
    case FP_EX_SLICE:
        visit_expr(b, e->u.slice.lower);
        visit_expr(b, e->u.slice.upper);
        visit_expr(b, e->u.slice.step);
        break;
    case FP_EX_STARRED: visit_expr(b, e->u.starred.value); break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
    case FP_EX_SET: visit_exprs(b, &e->u.seq.elts); break;
    case FP_EX_DICT:
        for (size_t i = 0; i < e->u.dict.n; i++) {
            visit_expr(b, e->u.dict.keys[i]);
            visit_expr(b, e->u.dict.values[i]);
        }
        break;
    case FP_EX_LISTCOMP:
    case FP_EX_SETCOMP:
    case FP_EX_DICTCOMP:
    case FP_EX_GENEXP: visit_comprehension(b, e); break;
    case FP_EX_LAMBDA: {
        visit_arguments_defaults(b, e->u.lambda.args);
        fp_scope *ls = open_scope(b, SCOPE_FUNCTION, "<lambda>", e);
        if (ls == NULL)
            return;
        visit_params(b, ls, e->u.lambda.args);
        visit_expr(b, e->u.lambda.body);
        b->cur = s;
        break;
    }
    case FP_EX_YIELD:
    case FP_EX_YIELD_FROM:
        if (s->kind != SCOPE_FUNCTION)
            st_error(b, e->lineno, e->col_offset, "%s", "'yield' outside function");
        else if (s->comprehension)
            st_error(b, e->lineno, e->col_offset, "%s", "'yield' inside list comprehension");
        s->generator = true;
        visit_expr(b, e->u.yield.value);
        break;
    case FP_EX_FSTRING: visit_exprs(b, &e->u.fstring.parts); break;
    case FP_EX_FORMATTED:
        visit_expr(b, e->u.formatted.value);
        visit_expr(b, e->u.formatted.format_spec);
        break;
    }
}

static void visit_stmt(st_builder *b, fp_stmt *st)
{
    if (b->failed)
        return;
    fp_scope *s = b->cur;
    switch (st->kind) {
    case FP_ST_EXPR: visit_expr(b, st->u.expr.value); break;
    case FP_ST_ASSIGN:
        visit_exprs(b, &st->u.assign.targets);
        visit_expr(b, st->u.assign.value);
        break;
    case FP_ST_AUGASSIGN:
        visit_expr(b, st->u.augassign.target);
        if (st->u.augassign.target->kind == FP_EX_NAME)
            add_sym(b, s, st->u.augassign.target->u.name.id, USE, st->lineno);
        visit_expr(b, st->u.augassign.value);
        break;
    case FP_ST_ANNASSIGN:
    case FP_ST_BREAK:
    case FP_ST_CONTINUE:
    case FP_ST_PASS: break;
    case FP_ST_IF:
    case FP_ST_WHILE:
        visit_expr(b, st->u.if_.test);
        visit_stmts(b, &st->u.if_.body);
        visit_stmts(b, &st->u.if_.orelse);
        break;
    case FP_ST_FOR:
        visit_expr(b, st->u.for_.target);
        visit_expr(b, st->u.for_.iter);
        visit_stmts(b, &st->u.for_.body);
        visit_stmts(b, &st->u.for_.orelse);
        break;
    case FP_ST_FUNCTIONDEF: {
        visit_exprs(b, &st->u.funcdef.decorators);
        visit_arguments_defaults(b, st->u.funcdef.args);
        add_sym(b, s, st->u.funcdef.name, DEF_LOCAL, st->lineno);
        fp_scope *fs = open_scope(b, SCOPE_FUNCTION, st->u.funcdef.name, st);
        if (fs == NULL)
            return;
        visit_params(b, fs, st->u.funcdef.args);
        visit_stmts(b, &st->u.funcdef.body);
        b->cur = s;
        break;
    }
    case FP_ST_CLASSDEF: {
        visit_exprs(b, &st->u.classdef.decorators);
        visit_exprs(b, &st->u.classdef.bases);
        for (size_t i = 0; i < st->u.classdef.nkeywords; i++)
            visit_expr(b, st->u.classdef.keywords[i].value);
        add_sym(b, s, st->u.classdef.name, DEF_LOCAL, st->lineno);
        fp_scope *cs = open_scope(b, SCOPE_CLASS, st->u.classdef.name, st);
        if (cs == NULL)
            return;
        visit_stmts(b, &st->u.classdef.body);
        b->cur = s;
        break;
    }
    case FP_ST_RETURN:
        if (s->kind != SCOPE_FUNCTION)
            st_error(b, st->lineno, st->col_offset, "%s", "'return' outside function");
        visit_expr(b, st->u.return_.value);
        break;
    case FP_ST_DELETE: visit_exprs(b, &st->u.delete_.targets); break;
    case FP_ST_GLOBAL:
    case FP_ST_NONLOCAL: {
        int flag = st->kind == FP_ST_GLOBAL ? DEF_GLOBAL : DEF_NONLOCAL;
        for (size_t i = 0; i < st->u.names.n; i++) {
            const char *n = st->u.names.names[i];
            fp_symbol *sym = fp_scope_lookup(s, n);
            if (flag == DEF_NONLOCAL && s->kind == SCOPE_MODULE) {
                st_error(b, st->lineno, st->col_offset, "%s",
                         "nonlocal declaration not allowed at module level");
                return;
            }
            if (sym != NULL && (sym->flags & DEF_PARAM)) {
                st_error(b, st->lineno, st->col_offset,
                         flag == DEF_GLOBAL ? "name '%s' is parameter and global"
                                            : "name '%s' is parameter and nonlocal",
                         n);
                return;
            }
            if (sym != NULL && (sym->flags & (DEF_LOCAL | USE))) {
                st_error(b, st->lineno, st->col_offset,
                         flag == DEF_GLOBAL
                             ? ((sym->flags & DEF_LOCAL)
                                    ? "name '%s' is assigned to before global declaration"
                                    : "name '%s' is used prior to global declaration")
                             : ((sym->flags & DEF_LOCAL)
                                    ? "name '%s' is assigned to before nonlocal declaration"
                                    : "name '%s' is used prior to nonlocal declaration"),
                         n);
                return;
            }
            add_sym(b, s, n, flag, st->lineno);
        }
        break;
    }
    case FP_ST_TRY:
        visit_stmts(b, &st->u.try_.body);
        for (size_t i = 0; i < st->u.try_.nhandlers; i++) {
            fp_excepthandler *h = &st->u.try_.handlers[i];
            visit_expr(b, h->type);
            if (h->name)
                add_sym(b, s, h->name, DEF_LOCAL, h->lineno);
            visit_stmts(b, &h->body);
        }
        visit_stmts(b, &st->u.try_.orelse);
        visit_stmts(b, &st->u.try_.finalbody);
        break;
    case FP_ST_RAISE:
        visit_expr(b, st->u.raise.exc);
        visit_expr(b, st->u.raise.cause);
        break;
    case FP_ST_ASSERT:
        visit_expr(b, st->u.assert_.test);
        visit_expr(b, st->u.assert_.msg);
        break;
    case FP_ST_WITH:
        for (size_t i = 0; i < st->u.with.nitems; i++) {
            visit_expr(b, st->u.with.items[i].context_expr);
            visit_expr(b, st->u.with.items[i].optional_vars);
        }
        visit_stmts(b, &st->u.with.body);
        break;
    case FP_ST_IMPORT:
        for (size_t i = 0; i < st->u.import.n; i++) {
            fp_alias *a = &st->u.import.names[i];
            if (a->asname) {
                add_sym(b, s, a->asname, DEF_LOCAL, st->lineno);
            } else {
                const char *dot = strchr(a->name, '.');
                const char *top = a->name;
                if (dot != NULL) {
                    char *t = fp_arena_strdup(b->arena, a->name, (size_t)(dot - a->name));
                    if (t == NULL) {
                        b->failed = 1;
                        return;
                    }
                    top = t;
                }
                add_sym(b, s, top, DEF_LOCAL, st->lineno);
            }
        }
        break;
    case FP_ST_IMPORTFROM:
        for (size_t i = 0; i < st->u.importfrom.n; i++) {
            fp_alias *a = &st->u.importfrom.names[i];
            if (strcmp(a->name, "*") == 0) {
                st_error(b, st->lineno, st->col_offset, "%s", "ftpy does not support 'import *'");
                return;
            }
            add_sym(b, s, a->asname ? a->asname : a->name, DEF_LOCAL, st->lineno);
        }
        break;
    }
}

static void visit_stmts(st_builder *b, fp_stmt_seq *seq)
{
    for (size_t i = 0; i < seq->n && !b->failed; i++)
        visit_stmt(b, seq->items[i]);
}

/* ---- pass 2 ---- */

static bool binds(fp_symbol *sym)
{
    return sym != NULL &&
           (sym->scope == SC_LOCAL || sym->scope == SC_CELL || sym->scope == SC_FREE);
}

/* Marks name free from s up to (not including) the binding function scope, which gets a cell.
 * Returns false if no enclosing function scope binds it. */
static bool make_free(st_builder *b, fp_scope *s, const char *name, int lineno)
{
    bool is_class_cell = strcmp(name, "__class__") == 0;
    fp_scope *p = s->parent;
    for (; p != NULL && p->kind != SCOPE_MODULE; p = p->parent) {
        if (is_class_cell && p->kind == SCOPE_CLASS) {
            fp_symbol *cs = add_sym(b, p, "__class__", DEF_LOCAL, lineno);
            if (cs)
                cs->scope = SC_CELL;
            break;
        }
        if (p->kind == SCOPE_CLASS)
            continue;
        fp_symbol *ps = fp_scope_lookup(p, name);
        if (binds(ps))
            break;
    }
    if (p == NULL || p->kind == SCOPE_MODULE)
        return false;
    /* p binds it: p's local becomes a cell; scopes between pass it through as free. */
    if (!is_class_cell) {
        fp_symbol *ps = fp_scope_lookup(p, name);
        if (ps->scope == SC_LOCAL)
            ps->scope = SC_CELL;
    }
    for (fp_scope *q = s->parent; q != p; q = q->parent) {
        fp_symbol *qs = add_sym(b, q, name, 0, lineno);
        if (qs != NULL && qs->scope != SC_LOCAL && qs->scope != SC_CELL)
            qs->scope = SC_FREE;
    }
    return true;
}

static void resolve(st_builder *b, fp_scope *s)
{
    for (size_t i = 0; i < s->nsyms && !b->failed; i++) {
        fp_symbol *sym = &s->syms[i];
        if (s->kind == SCOPE_MODULE) {
            sym->scope = SC_GLOBAL_EXPLICIT;
            continue;
        }
        if (sym->scope != SC_NONE)
            continue; /* set by a child pass-through before: keep */
        if (sym->flags & DEF_GLOBAL) {
            sym->scope = SC_GLOBAL_EXPLICIT;
        } else if (sym->flags & DEF_NONLOCAL) {
            sym->scope = SC_FREE;
            if (!make_free(b, s, sym->name, sym->lineno))
                st_error(b, sym->lineno, 0, "no binding for nonlocal '%s' found", sym->name);
        } else if (sym->flags & (DEF_LOCAL | DEF_PARAM)) {
            sym->scope = SC_LOCAL;
        } else if (s->kind == SCOPE_CLASS && strcmp(sym->name, "__class__") != 0) {
            /* a class body's free name: the namespace, then globals, unless a function
             * around the class binds it */
            sym->scope = make_free(b, s, sym->name, sym->lineno) ? SC_FREE : SC_GLOBAL_IMPLICIT;
        } else {
            sym->scope = make_free(b, s, sym->name, sym->lineno) ? SC_FREE : SC_GLOBAL_IMPLICIT;
        }
    }
    for (size_t i = 0; i < s->nchildren && !b->failed; i++)
        resolve(b, s->children[i]);
}

int fp_symtable_build(fp_module_ast *mod, fp_arena *arena, fp_scope **out, fp_syntax_error *err)
{
    st_builder b = {arena, err, NULL, 0};
    fp_scope *top = open_scope(&b, SCOPE_MODULE, "<module>", mod);
    if (top == NULL)
        return -1;
    visit_stmts(&b, &mod->body);
    /* Resolution of children happens after their parents; a child may add pass-through frees
     * to a parent already resolved (make_free sets their scope directly). */
    if (!b.failed)
        resolve(&b, top);
    if (b.failed) {
        err->filename = mod->filename;
        if (err->kind == NULL)
            err->kind = "SyntaxError";
        return -1;
    }
    *out = top;
    return 0;
}
