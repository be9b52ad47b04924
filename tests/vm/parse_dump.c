/* parse_dump [-q] FILE...: parses each file with ftpy's parser (fp_parse) and prints its AST in a
 * compact form that tests/vm/ast_compare.py also produces from CPython's own `ast` module, so
 * that the two parsers can be compared node by node, positions included (positions of nodes
 * inside f-strings are left out: CPython 3.11 computes them differently). A syntax error
 * prints "ERROR kind: message @line:offset".
 *
 * -q prints only "OK <n> statements" (tests/vm/ast_compare.py --scale times the parser alone).
 *
 * Format: Kind@line:col(field,field,...) for nodes, [a,b] for lists, N for None; constants
 * I<int>, F<%.17g float>, S"<bytes, non-printable as \xHH>", True/False/None/Ellipsis.
 */
#include "ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int in_fstring;

static void pos(int line, int col)
{
    if (!in_fstring)
        printf("@%d:%d", line, col);
}

static void str(const char *s, size_t n)
{
    putchar('S');
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
            putchar(c);
        else
            printf("\\x%02x", c);
    }
    putchar('"');
}

static void name(const char *s)
{
    if (s == NULL)
        printf("N");
    else
        str(s, strlen(s));
}

static void expr(const fp_expr *e);
static void stmts(fp_stmt_seq s);

static void exprs(fp_expr_seq s)
{
    putchar('[');
    for (size_t i = 0; i < s.n; i++) {
        if (i)
            putchar(',');
        expr(s.items[i]);
    }
    putchar(']');
}

static const char *ctx(fp_expr_ctx c)
{
    return c == FP_CTX_LOAD ? "L" : c == FP_CTX_STORE ? "S" : "D";
}

static const char *const binops[] = {"Add", "Sub",    "Mult",   "Div",   "FloorDiv", "Mod",
                                     "Pow", "LShift", "RShift", "BitOr", "BitXor",   "BitAnd"};
static const char *const unops[] = {"Not", "USub", "UAdd", "Invert"};
static const char *const cmpops[] = {"Eq",  "NotEq", "Lt",    "LtE", "Gt",
                                     "GtE", "Is",    "IsNot", "In",  "NotIn"};

static void args(const fp_arguments *a)
{
    printf("arguments([");
    for (size_t i = 0; i < a->nposonly; i++)
        printf("%s%s", i ? "," : "", a->posonly[i].name);
    printf("],[");
    for (size_t i = 0; i < a->nargs; i++)
        printf("%s%s", i ? "," : "", a->args[i].name);
    printf("],%s,[", a->vararg ? a->vararg->name : "N");
    for (size_t i = 0; i < a->nkwonly; i++)
        printf("%s%s", i ? "," : "", a->kwonly[i].name);
    printf("],[");
    for (size_t i = 0; i < a->nkwonly; i++) {
        if (i)
            putchar(',');
        expr(a->kw_defaults[i]);
    }
    printf("],%s,", a->kwarg ? a->kwarg->name : "N");
    exprs(a->defaults);
    putchar(')');
}

static void comps(const fp_comprehension *g, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        printf("%scomprehension(", i ? "," : "");
        expr(g[i].target);
        putchar(',');
        expr(g[i].iter);
        putchar(',');
        exprs(g[i].ifs);
        putchar(')');
    }
    putchar(']');
}

static void keywords(const fp_keyword *k, size_t n)
{
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        printf("%skeyword", i ? "," : "");
        pos(k[i].lineno, k[i].col_offset);
        putchar('(');
        name(k[i].arg);
        putchar(',');
        expr(k[i].value);
        putchar(')');
    }
    putchar(']');
}

static void expr(const fp_expr *e)
{
    if (e == NULL) {
        printf("N");
        return;
    }
    static const char *const kinds[] = {
        "Constant", "Name",      "BinOp",     "UnaryOp",       "BoolOp",   "Compare",      "IfExp",
        "Call",     "Attribute", "Subscript", "Slice",         "Starred",  "Tuple",        "List",
        "Set",      "Dict",      "ListComp",  "SetComp",       "DictComp", "GeneratorExp", "Lambda",
        "Yield",    "YieldFrom", "JoinedStr", "FormattedValue"};
    printf("%s", kinds[e->kind]);
    pos(e->lineno, e->col_offset);
    putchar('(');
    switch (e->kind) {
    case FP_EX_CONST:
        switch (e->u.konst.kind) {
        case FP_CONST_NONE: printf("None"); break;
        case FP_CONST_TRUE: printf("True"); break;
        case FP_CONST_FALSE: printf("False"); break;
        case FP_CONST_ELLIPSIS: printf("Ellipsis"); break;
        case FP_CONST_INT: printf("I%lld", (long long)e->u.konst.ival); break;
        case FP_CONST_FLOAT: printf("F%.17g", e->u.konst.fval); break;
        case FP_CONST_STR: str(e->u.konst.str, e->u.konst.str_len); break;
        }
        break;
    case FP_EX_NAME: printf("%s,%s", e->u.name.id, ctx(e->ctx)); break;
    case FP_EX_BINOP:
        expr(e->u.binop.left);
        printf(",%s,", binops[e->u.binop.op]);
        expr(e->u.binop.right);
        break;
    case FP_EX_UNARYOP:
        printf("%s,", unops[e->u.unaryop.op]);
        expr(e->u.unaryop.operand);
        break;
    case FP_EX_BOOLOP:
        printf("%s,", e->u.boolop.op == FP_BOOL_AND ? "And" : "Or");
        exprs(e->u.boolop.values);
        break;
    case FP_EX_COMPARE:
        expr(e->u.compare.left);
        printf(",[");
        for (size_t i = 0; i < e->u.compare.comparators.n; i++)
            printf("%s%s", i ? "," : "", cmpops[e->u.compare.ops[i]]);
        printf("],");
        exprs(e->u.compare.comparators);
        break;
    case FP_EX_IFEXP:
        expr(e->u.ifexp.test);
        putchar(',');
        expr(e->u.ifexp.body);
        putchar(',');
        expr(e->u.ifexp.orelse);
        break;
    case FP_EX_CALL:
        expr(e->u.call.func);
        putchar(',');
        exprs(e->u.call.args);
        putchar(',');
        keywords(e->u.call.keywords, e->u.call.nkeywords);
        break;
    case FP_EX_ATTRIBUTE:
        expr(e->u.attribute.value);
        printf(",%s,%s", e->u.attribute.attr, ctx(e->ctx));
        break;
    case FP_EX_SUBSCRIPT:
        expr(e->u.subscript.value);
        putchar(',');
        expr(e->u.subscript.slice);
        printf(",%s", ctx(e->ctx));
        break;
    case FP_EX_SLICE:
        expr(e->u.slice.lower);
        putchar(',');
        expr(e->u.slice.upper);
        putchar(',');
        expr(e->u.slice.step);
        break;
    case FP_EX_STARRED:
        expr(e->u.starred.value);
        printf(",%s", ctx(e->ctx));
        break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
        exprs(e->u.seq.elts);
        printf(",%s", ctx(e->ctx));
        break;
    case FP_EX_SET: exprs(e->u.seq.elts); break;
    case FP_EX_DICT:
        putchar('[');
        for (size_t i = 0; i < e->u.dict.n; i++) {
            if (i)
                putchar(',');
            expr(e->u.dict.keys[i]);
        }
        printf("],[");
        for (size_t i = 0; i < e->u.dict.n; i++) {
            if (i)
                putchar(',');
            expr(e->u.dict.values[i]);
        }
        putchar(']');
        break;
    case FP_EX_LISTCOMP:
    case FP_EX_SETCOMP:
    case FP_EX_GENEXP:
    case FP_EX_DICTCOMP:
        expr(e->u.comp.elt);
        putchar(',');
        if (e->kind == FP_EX_DICTCOMP) {
            expr(e->u.comp.value);
            putchar(',');
        }
        comps(e->u.comp.generators, e->u.comp.ngenerators);
        break;
    case FP_EX_LAMBDA:
        args(e->u.lambda.args);
        putchar(',');
        expr(e->u.lambda.body);
        break;
    case FP_EX_YIELD:
    case FP_EX_YIELD_FROM: expr(e->u.yield.value); break;
    case FP_EX_FSTRING: {
        int saved = in_fstring;
        in_fstring = 1;
        exprs(e->u.fstring.parts);
        in_fstring = saved;
        break;
    }
    case FP_EX_FORMATTED:
        expr(e->u.formatted.value);
        printf(",%d,", e->u.formatted.conversion ? e->u.formatted.conversion : -1);
        expr(e->u.formatted.format_spec);
        break;
    }
    putchar(')');
}

static void stmt(const fp_stmt *s)
{
    static const char *const kinds[] = {
        "Expr",   "Assign", "AugAssign", "AnnAssign", "If",          "While",
        "For",    "Break",  "Continue",  "Pass",      "FunctionDef", "ClassDef",
        "Return", "Delete", "Global",    "Nonlocal",  "Try",         "Raise",
        "Assert", "With",   "Import",    "ImportFrom"};
    printf("%s@%d:%d(", kinds[s->kind], s->lineno, s->col_offset);
    switch (s->kind) {
    case FP_ST_EXPR: expr(s->u.expr.value); break;
    case FP_ST_ASSIGN:
        exprs(s->u.assign.targets);
        putchar(',');
        expr(s->u.assign.value);
        break;
    case FP_ST_AUGASSIGN:
        expr(s->u.augassign.target);
        printf(",%s,", binops[s->u.augassign.op]);
        expr(s->u.augassign.value);
        break;
    case FP_ST_IF:
    case FP_ST_WHILE:
        expr(s->u.if_.test);
        putchar(',');
        stmts(s->u.if_.body);
        putchar(',');
        stmts(s->u.if_.orelse);
        break;
    case FP_ST_FOR:
        expr(s->u.for_.target);
        putchar(',');
        expr(s->u.for_.iter);
        putchar(',');
        stmts(s->u.for_.body);
        putchar(',');
        stmts(s->u.for_.orelse);
        break;
    case FP_ST_FUNCTIONDEF:
        printf("%s,", s->u.funcdef.name);
        args(s->u.funcdef.args);
        putchar(',');
        stmts(s->u.funcdef.body);
        putchar(',');
        exprs(s->u.funcdef.decorators);
        break;
    case FP_ST_CLASSDEF:
        printf("%s,", s->u.classdef.name);
        exprs(s->u.classdef.bases);
        putchar(',');
        keywords(s->u.classdef.keywords, s->u.classdef.nkeywords);
        putchar(',');
        stmts(s->u.classdef.body);
        putchar(',');
        exprs(s->u.classdef.decorators);
        break;
    case FP_ST_RETURN: expr(s->u.return_.value); break;
    case FP_ST_DELETE: exprs(s->u.delete_.targets); break;
    case FP_ST_GLOBAL:
    case FP_ST_NONLOCAL:
        putchar('[');
        for (size_t i = 0; i < s->u.names.n; i++)
            printf("%s%s", i ? "," : "", s->u.names.names[i]);
        putchar(']');
        break;
    case FP_ST_TRY:
        stmts(s->u.try_.body);
        printf(",[");
        for (size_t i = 0; i < s->u.try_.nhandlers; i++) {
            const fp_excepthandler *h = &s->u.try_.handlers[i];
            printf("%sExceptHandler@%d:%d(", i ? "," : "", h->lineno, h->col_offset);
            expr(h->type);
            putchar(',');
            name(h->name);
            putchar(',');
            stmts(h->body);
            putchar(')');
        }
        printf("],");
        stmts(s->u.try_.orelse);
        putchar(',');
        stmts(s->u.try_.finalbody);
        break;
    case FP_ST_RAISE:
        expr(s->u.raise.exc);
        putchar(',');
        expr(s->u.raise.cause);
        break;
    case FP_ST_ASSERT:
        expr(s->u.assert_.test);
        putchar(',');
        expr(s->u.assert_.msg);
        break;
    case FP_ST_WITH:
        putchar('[');
        for (size_t i = 0; i < s->u.with.nitems; i++) {
            printf("%swithitem(", i ? "," : "");
            expr(s->u.with.items[i].context_expr);
            putchar(',');
            expr(s->u.with.items[i].optional_vars);
            putchar(')');
        }
        printf("],");
        stmts(s->u.with.body);
        break;
    case FP_ST_IMPORT:
    case FP_ST_IMPORTFROM: {
        const fp_alias *a = s->kind == FP_ST_IMPORT ? s->u.import.names : s->u.importfrom.names;
        size_t n = s->kind == FP_ST_IMPORT ? s->u.import.n : s->u.importfrom.n;
        if (s->kind == FP_ST_IMPORTFROM)
            printf("%s,", s->u.importfrom.module);
        putchar('[');
        for (size_t i = 0; i < n; i++) {
            printf("%salias(%s,", i ? "," : "", a[i].name);
            name(a[i].asname);
            putchar(')');
        }
        putchar(']');
        break;
    }
    default: break;
    }
    putchar(')');
}

static void stmts(fp_stmt_seq s)
{
    putchar('[');
    for (size_t i = 0; i < s.n; i++) {
        if (i)
            putchar(',');
        stmt(s.items[i]);
    }
    putchar(']');
}

int main(int argc, char **argv)
{
    int rc = 0, quiet = 0;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "-q") == 0) {
            quiet = 1;
            continue;
        }
        FILE *f = fopen(argv[a], "rb");
        if (f == NULL) {
            fprintf(stderr, "parse_dump: cannot open %s\n", argv[a]);
            return 2;
        }
        char *buf = NULL;
        size_t len = 0, cap = 0, got;
        char chunk[4096];
        while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
            if (len + got > cap) {
                cap = (len + got) * 2;
                char *nb = realloc(buf, cap);
                if (nb == NULL) {
                    fprintf(stderr, "parse_dump: out of memory\n");
                    return 2;
                }
                buf = nb;
            }
            memcpy(buf + len, chunk, got);
            len += got;
        }
        fclose(f);
        fp_module_ast m;
        fp_syntax_error err;
        int r = fp_parse(buf ? buf : "", len, argv[a], &m, &err);
        if (r == 0 && quiet) {
            printf("OK %zu statements\n", m.body.n);
            fp_arena_free(m.arena);
        } else if (r == 0) {
            for (size_t i = 0; i < m.body.n; i++) {
                stmt(m.body.items[i]);
                putchar('\n');
            }
            fp_arena_free(m.arena);
        } else {
            printf("ERROR %s: %s @%d:%d\n", err.kind, err.msg, err.lineno, err.offset);
            rc = 1;
        }
        free(buf);
    }
    return rc;
}
