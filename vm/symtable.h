/* Scopes of a module's AST, as CPython's symtable computes them: which names are local, cell,
 * free, global (explicit or implicit) in each function, class, lambda and comprehension.
 * Built by fp_symtable_build (symtable.c) before code generation (compile.c). Every scope and
 * symbol lives in the AST's arena.
 */
#ifndef FTPY_SYMTABLE_H
#define FTPY_SYMTABLE_H

#include "ast.h"
#include <stdbool.h>

enum { SCOPE_MODULE, SCOPE_FUNCTION, SCOPE_CLASS };

/* symbol flags, as seen */
#define DEF_LOCAL 1
#define DEF_PARAM 2
#define DEF_GLOBAL 4
#define DEF_NONLOCAL 8
#define USE 16
/* resolved scope */
enum { SC_NONE, SC_LOCAL, SC_CELL, SC_FREE, SC_GLOBAL_EXPLICIT, SC_GLOBAL_IMPLICIT };

typedef struct fp_symbol {
    const char *name;
    int flags;
    int scope;
    int lineno;
} fp_symbol;

typedef struct fp_scope fp_scope;
struct fp_scope {
    int kind;
    const char *name;
    const void *node; /* the fp_stmt or fp_expr that opens it */
    fp_scope *parent;
    fp_symbol *syms;
    size_t nsyms, capsyms;
    fp_scope **children;
    size_t nchildren, capchildren;
    bool generator;
    bool comprehension;
    const char **params; /* parameter names in frame order */
    size_t nparams;
};

/* 0, or -1 with the error in *err (message, line). */
int fp_symtable_build(fp_module_ast *mod, fp_arena *arena, fp_scope **out, fp_syntax_error *err);
fp_symbol *fp_scope_lookup(fp_scope *s, const char *name);
fp_scope *fp_scope_child(fp_scope *s, const void *node);

#endif /* FTPY_SYMTABLE_H */
