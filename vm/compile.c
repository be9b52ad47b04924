/* The compiler: the AST (vm/ast.h) and its scopes (symtable.c) to code objects (ceval.h).
 *
 * One unit per scope (module, function, lambda, class body, comprehension). A unit emits
 * 32-bit words (opcode | argument << 8) with the line of each, tracks the value stack's depth
 * (the frame reserves the maximum), and records for every word the exception handler that
 * covers it; the exception table is those records coalesced into ranges when the unit ends.
 * Jumps name labels while emitting and are patched to word indexes at the end.
 *
 * Control flow through try/finally, with, except handlers and for loops (the "fblocks"):
 * break, continue and return run the clean-up of every block they leave, emitted inline (a
 * finally body is emitted again at each exit, compiled with the handler of the block around
 * the try, as CPython does). return stores its value in a hidden local while that runs.
 *
 * Exception handling (handler entered with the stack cut to the recorded depth and the
 * exception pushed):
 *   try/except:   body [h: E] / JUMP else / E: PUSH_EXC_INFO [h: C] (match ... body POP_EXCEPT
 *                 JUMP end)* RERAISE_POP / C: RERAISE_POP (stack: prev, exc) / else: ... end:
 *   try/finally:  body [h: F] / finally / JUMP end / F: PUSH_EXC_INFO [h: C] finally
 *                 RERAISE_POP / C: RERAISE_POP
 *   with:         BEFORE_WITH (exit, value) [h: W] body WITH_EXIT_NORMAL / W: PUSH_EXC_INFO
 *                 [h: C] WITH_EXCEPT POP_JUMP_IF_TRUE S / RERAISE_POP / S: POP_TOP POP_EXCEPT
 *                 POP_TOP / C: RERAISE_POP
 */
#include "ceval.h"
#include "symtable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FB_LOOP, FB_FOR, FB_TRY_FINALLY, FB_FINALLY_END, FB_WITH, FB_HANDLER, FB_HANDLER_NAMED };

typedef struct fblock {
    int kind;
    int l_continue, l_break; /* loops */
    fp_stmt *node;           /* try/finally: the statement (its finalbody) */
    const char *name;        /* named handler */
    int handler, hdepth;     /* the handler in force around the block */
} fblock;

typedef struct unit {
    fp_scope *st;
    struct unit *parent;
    uint32_t *code;
    int *lines;
    int *hlabel, *hdepth; /* handler label of each word (-1 none), its depth */
    size_t n, cap;
    ftc_object **consts;
    size_t nconsts, capconsts;
    ftc_object **names;
    size_t nnames, capnames;
    const char **locals; /* fast locals, parameters first */
    size_t nlocals, caplocals;
    const char **cells, **frees;
    size_t ncells, nfrees;
    int *labels;
    size_t nlabels, caplabels;
    fblock fb[64];
    int nfb;
    int handler, handler_depth; /* current handler label (-1) and its depth */
    int depth, maxdepth;
    int lineno;
    int ntemps;
    const char *qualname;
    int argcount, posonly, kwonly, flags, firstlineno;
} unit;

typedef struct compiler {
    const char *filename;
    fp_arena *arena;
    unit *u;
    int failed;
    int nomem;
} compiler;

static void c_error(compiler *c, int lineno, const char *msg)
{
    if (c->failed)
        return;
    c->failed = 1;
    fp_err_syntax("SyntaxError", msg, c->filename, lineno, 1, NULL);
}

static void c_nomem(compiler *c)
{
    if (!c->failed) {
        c->failed = 1;
        c->nomem = 1;
        fp_err_nomem();
    }
}

static bool grow_arr(compiler *c, void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return true;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (p == NULL) {
        c_nomem(c);
        return false;
    }
    *arr = p;
    *cap = nc;
    return true;
}

/* ---- stack effects ---- */
static int stack_effect(int op, int arg)
{
    switch (op) {
    case OP_NOP:
    case OP_ROT_TWO:
    case OP_ROT_THREE:
    case OP_ROT_FOUR:
    case OP_UNARY_NEG:
    case OP_UNARY_POS:
    case OP_UNARY_INVERT:
    case OP_UNARY_NOT:
    case OP_GET_ITER:
    case OP_JUMP:
    case OP_JUMP_BACK:
    case OP_LIST_TO_TUPLE:
    case OP_LOAD_ATTR:
    case OP_DELETE_FAST:
    case OP_DELETE_DEREF:
    case OP_DELETE_GLOBAL:
    case OP_DELETE_NAME:
    case OP_CLEAR_FAST:
    case OP_BUILD_SET_CONST: return 0;
    case OP_POP_TOP:
    case OP_STORE_FAST:
    case OP_STORE_DEREF:
    case OP_STORE_GLOBAL:
    case OP_STORE_NAME:
    case OP_DELETE_ATTR:
    case OP_BINARY_SUBSCR:
    case OP_BINARY_OP:
    case OP_INPLACE_OP:
    case OP_COMPARE_OP:
    case OP_IS_OP:
    case OP_CONTAINS_OP:
    case OP_POP_JUMP_IF_FALSE:
    case OP_POP_JUMP_IF_TRUE:
    case OP_LIST_APPEND:
    case OP_SET_ADD:
    case OP_LIST_EXTEND:
    case OP_SET_UPDATE:
    case OP_DICT_UPDATE:
    case OP_DICT_MERGE:
    case OP_RETURN_VALUE:
    case OP_POP_EXCEPT:
    case OP_WITH_EXIT_NORMAL:
    case OP_YIELD_FROM: return -1;
    case OP_JUMP_IF_FALSE_OR_POP:
    case OP_JUMP_IF_TRUE_OR_POP: return -1; /* fallthrough path */
    case OP_DUP_TOP:
    case OP_LOAD_CONST:
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_ATTR:
    case OP_LOAD_DEREF:
    case OP_LOAD_CLOSURE:
    case OP_LOAD_CLASSDEREF:
    case OP_LOAD_GLOBAL:
    case OP_LOAD_NAME:
    case OP_LOAD_METHOD:
    case OP_FOR_ITER:
    case OP_PUSH_NULL:
    case OP_PUSH_EXC_INFO:
    case OP_WITH_EXCEPT:
    case OP_LOAD_ASSERTION_ERROR:
    case OP_IMPORT_NAME:
    case OP_IMPORT_FROM:
    case OP_BEFORE_WITH: return 1;
    case OP_CHECK_EXC_MATCH:
    case OP_YIELD_VALUE: return 0;
    case OP_DUP_TOP_TWO: return 2;
    case OP_STORE_ATTR:
    case OP_MAP_ADD:
    case OP_RERAISE_POP: return -2;
    case OP_STORE_SUBSCR: return -3;
    case OP_DELETE_SUBSCR: return -2;
    case OP_BUILD_TUPLE:
    case OP_BUILD_LIST:
    case OP_BUILD_SET:
    case OP_BUILD_STRING: return 1 - arg;
    case OP_BUILD_MAP: return 1 - 2 * arg;
    case OP_BUILD_SLICE: return 1 - arg;
    case OP_UNPACK_SEQUENCE: return arg - 1;
    case OP_UNPACK_EX: return (arg & 0xFF) + (arg >> 8);
    case OP_FORMAT_VALUE: return (arg & FP_FMT_SPEC) ? -1 : 0;
    case OP_CALL: return -arg - 1;
    case OP_CALL_KW: return -arg - 2;
    case OP_CALL_FUNCTION_EX: return (arg & 1) ? -3 : -2;
    case OP_MAKE_FUNCTION:
        return -(((arg & FP_MKF_DEFAULTS) != 0) + ((arg & FP_MKF_KWDEFAULTS) != 0) +
                 ((arg & FP_MKF_CLOSURE) != 0));
    case OP_MAKE_CLASS: return -(arg & 1) - 1;
    case OP_RAISE_VARARGS: return -arg;
    default: return 0;
    }
}

static bool is_jump(int op)
{
    return op == OP_JUMP || op == OP_JUMP_BACK || op == OP_POP_JUMP_IF_FALSE ||
           op == OP_POP_JUMP_IF_TRUE || op == OP_JUMP_IF_FALSE_OR_POP ||
           op == OP_JUMP_IF_TRUE_OR_POP || op == OP_FOR_ITER;
}

/* ---- emission ---- */
static void emit(compiler *c, int op, int arg)
{
    unit *u = c->u;
    if (c->failed)
        return;
    if (arg < 0 || arg >= (1 << 24)) {
        c_error(c, u->lineno, "ftpy does not support code this large");
        return;
    }
    if (u->n >= u->cap) {
        size_t nc = u->cap ? u->cap * 2 : 64;
        uint32_t *code = realloc(u->code, nc * sizeof *code);
        if (code)
            u->code = code;
        int *lines = realloc(u->lines, nc * sizeof *lines);
        if (lines)
            u->lines = lines;
        int *hl = realloc(u->hlabel, nc * sizeof *hl);
        if (hl)
            u->hlabel = hl;
        int *hd = realloc(u->hdepth, nc * sizeof *hd);
        if (hd)
            u->hdepth = hd;
        if (!code || !lines || !hl || !hd) {
            c_nomem(c);
            return;
        }
        u->cap = nc;
    }
    u->code[u->n] = FP_INSTR(op, arg);
    u->lines[u->n] = u->lineno;
    u->hlabel[u->n] = u->handler;
    u->hdepth[u->n] = u->handler_depth;
    u->n++;
    u->depth += stack_effect(op, arg);
    if (u->depth > u->maxdepth)
        u->maxdepth = u->depth;
}

static int new_label(compiler *c)
{
    unit *u = c->u;
    if (!grow_arr(c, (void **)&u->labels, &u->caplabels, u->nlabels, sizeof(int)))
        return 0;
    u->labels[u->nlabels] = -1;
    return (int)u->nlabels++;
}

static void bind_label(compiler *c, int l)
{
    if (!c->failed)
        c->u->labels[l] = (int)c->u->n;
}

static int add_const(compiler *c, ftc_object *o) /* steals o */
{
    unit *u = c->u;
    if (o == NULL) {
        c_nomem(c);
        return 0;
    }
    for (size_t i = 0; i < u->nconsts; i++) {
        ftc_object *k = u->consts[i];
        if (k == o || (k->ob_type == o->ob_type &&
                       ((ftc_int_check(o) && ftc_int_value(o) == ftc_int_value(k)) ||
                        (fp_str_check(o) && fp_str_len(o) == fp_str_len(k) &&
                         memcmp(fp_str_data(o), fp_str_data(k), fp_str_len(o)) == 0)))) {
            ftc_decref(o);
            return (int)i;
        }
    }
    if (!grow_arr(c, (void **)&u->consts, &u->capconsts, u->nconsts, sizeof(ftc_object *))) {
        ftc_decref(o);
        return 0;
    }
    u->consts[u->nconsts] = o;
    return (int)u->nconsts++;
}

static int add_name(compiler *c, const char *name)
{
    unit *u = c->u;
    ftc_object *s = fp_intern(name);
    if (s == NULL) {
        c_nomem(c);
        return 0;
    }
    for (size_t i = 0; i < u->nnames; i++)
        if (u->names[i] == s)
            return (int)i;
    if (!grow_arr(c, (void **)&u->names, &u->capnames, u->nnames, sizeof(ftc_object *)))
        return 0;
    u->names[u->nnames] = s;
    return (int)u->nnames++;
}

static int local_index(unit *u, const char *name)
{
    for (size_t i = 0; i < u->nlocals; i++)
        if (strcmp(u->locals[i], name) == 0)
            return (int)i;
    return -1;
}

static int add_local(compiler *c, const char *name)
{
    unit *u = c->u;
    int i = local_index(u, name);
    if (i >= 0)
        return i;
    if (!grow_arr(c, (void **)&u->locals, &u->caplocals, u->nlocals, sizeof(char *)))
        return 0;
    u->locals[u->nlocals] = name;
    return (int)u->nlocals++;
}

static int deref_index(unit *u, const char *name)
{
    /* relative to the first cell: assemble() adds nlocals, which may still grow (hidden
     * temporaries are added while emitting) */
    for (size_t i = 0; i < u->ncells; i++)
        if (strcmp(u->cells[i], name) == 0)
            return (int)i;
    for (size_t i = 0; i < u->nfrees; i++)
        if (strcmp(u->frees[i], name) == 0)
            return (int)(u->ncells + i);
    return -1;
}

/* ---- units ---- */
static const char *arena_cat(compiler *c, const char *a, const char *sep, const char *b)
{
    size_t la = strlen(a), ls = strlen(sep), lb = strlen(b);
    char *p = fp_arena_alloc(c->arena, la + ls + lb + 1);
    if (p == NULL) {
        c_nomem(c);
        return "";
    }
    memcpy(p, a, la);
    memcpy(p + la, sep, ls);
    memcpy(p + la + ls, b, lb + 1);
    return p;
}

static bool enter_unit(compiler *c, fp_scope *st, const char *name, int lineno)
{
    unit *u = calloc(1, sizeof *u);
    if (u == NULL) {
        c_nomem(c);
        return false;
    }
    u->st = st;
    u->parent = c->u;
    u->handler = -1;
    u->lineno = lineno;
    u->firstlineno = lineno;
    if (c->u == NULL || c->u->st->kind == SCOPE_MODULE)
        u->qualname = name;
    else if (c->u->st->kind == SCOPE_CLASS)
        u->qualname = arena_cat(c, c->u->qualname, ".", name);
    else
        u->qualname = arena_cat(c, c->u->qualname, ".<locals>.", name);
    c->u = u;
    if (st->kind == SCOPE_FUNCTION) {
        for (size_t i = 0; i < st->nparams; i++)
            add_local(c, st->params[i]);
        for (size_t i = 0; i < st->nsyms; i++)
            if (st->syms[i].scope == SC_LOCAL ||
                (st->syms[i].scope == SC_CELL && local_index(u, st->syms[i].name) < 0 && 0))
                add_local(c, st->syms[i].name);
    }
    size_t ncell = 0, nfree = 0;
    for (size_t i = 0; i < st->nsyms; i++) {
        ncell += st->syms[i].scope == SC_CELL;
        nfree += st->syms[i].scope == SC_FREE;
    }
    u->cells = calloc(ncell + 1, sizeof(char *));
    u->frees = calloc(nfree + 1, sizeof(char *));
    if (!u->cells || !u->frees) {
        c_nomem(c);
        return false;
    }
    for (size_t i = 0; i < st->nsyms; i++) {
        if (st->syms[i].scope == SC_CELL)
            u->cells[u->ncells++] = st->syms[i].name;
        else if (st->syms[i].scope == SC_FREE)
            u->frees[u->nfrees++] = st->syms[i].name;
    }
    return true;
}

static void free_unit(unit *u)
{
    for (size_t i = 0; i < u->nconsts; i++)
        ftc_decref(u->consts[i]);
    free(u->code);
    free(u->lines);
    free(u->hlabel);
    free(u->hdepth);
    free(u->consts);
    free(u->names);
    free(u->locals);
    free((void *)u->cells);
    free((void *)u->frees);
    free(u->labels);
    free(u);
}

static void leave_unit(compiler *c)
{
    unit *u = c->u;
    c->u = u->parent;
    free_unit(u);
}

/* LOAD_FAST x; LOAD_ATTR name -> LOAD_FAST_ATTR x; LOAD_ATTR name, and LOAD_FAST x; STORE_ATTR
 * name -> STORE_FAST_ATTR x; STORE_ATTR name (x.name = v): eval reads or stores the attribute
 * of the local's object without taking a reference to it (the local holds one for the whole
 * lookup: only this frame's own STORE_FAST/DELETE_FAST could drop it, and the frame is busy
 * in the lookup), then skips the LOAD_ATTR/STORE_ATTR word, which stays in place for its
 * name, its line and its handler. An attribute access on a shared object (self.x in a method,
 * obj.a of an object many threads read) then writes nothing to the object's count: one
 * incref and one decref fewer, which in the nogil build are atomic on a count other threads
 * change too. Not when a jump or a handler lands on the second word (it must stay an
 * instruction of its own there), nor when the two words have different handlers. */
static void fuse_load_fast_attr(compiler *c, const bool *target)
{
    unit *u = c->u;
    for (size_t i = 0; i + 1 < u->n; i++) {
        int next = (int)FP_OPCODE(u->code[i + 1]);
        if (FP_OPCODE(u->code[i]) == OP_LOAD_FAST &&
            (next == OP_LOAD_ATTR || next == OP_STORE_ATTR) && !target[i + 1] &&
            u->hlabel[i] == u->hlabel[i + 1] && u->hdepth[i] == u->hdepth[i + 1])
            u->code[i] = FP_INSTR(next == OP_LOAD_ATTR ? OP_LOAD_FAST_ATTR : OP_STORE_FAST_ATTR,
                                  FP_OPARG(u->code[i]));
    }
}

/* How many values an instruction that may lie between a container's LOAD_FAST and its
 * BINARY_SUBSCR (for fuse_subscr_fast) pops (*pops) and pushes (the result), or -1 for any
 * other instruction: these store no local, do not jump and run no code of this frame. */
static int key_op_stack(int op, int *pops)
{
    switch (op) {
    case OP_LOAD_FAST:
    case OP_LOAD_FAST_ATTR: /* its LOAD_ATTR word follows */
    case OP_LOAD_CONST:
    case OP_LOAD_GLOBAL:
    case OP_LOAD_DEREF: *pops = 0; return 1;
    case OP_CHECK_FAST: *pops = 0; return 0;
    case OP_LOAD_ATTR:
    case OP_UNARY_NEG:
    case OP_UNARY_POS:
    case OP_UNARY_INVERT:
    case OP_UNARY_NOT:
    case OP_BINARY_SUBSCR_FAST: *pops = 1; return 1;
    case OP_BINARY_OP:
    case OP_COMPARE_OP:
    case OP_BINARY_SUBSCR: *pops = 2; return 1;
    default: return -1;
    }
}

/* LOAD_FAST x; <key>; BINARY_SUBSCR -> CHECK_FAST x; <key>; BINARY_SUBSCR_FAST x, and the same
 * for a STORE_SUBSCR (x[key] = v: v is evaluated before, below x) when <key> is
 * at most 12 instructions of key_op_stack's kinds that leave x alone (none pops it) and no
 * jump target lies among them: the container stays in its local instead of being pushed, and
 * the subscript reads it from there without a reference of its own. Nothing in <key> can
 * rebind x (no store, no delete; code it calls runs in other frames), so the local still holds
 * the same object, alive, at the subscript. The error an unbound x raises stays at the
 * LOAD_FAST's place (CHECK_FAST), before <key> runs; an error in <key> unwinds a stack that
 * simply lacks x. The number of words is unchanged, so lines, jumps and handlers keep their
 * offsets. */
static void fuse_subscr_fast(compiler *c, const bool *target)
{
    unit *u = c->u;
    for (size_t i = 0; i + 2 < u->n; i++) {
        if (FP_OPCODE(u->code[i]) != OP_LOAD_FAST)
            continue;
        int depth = 1; /* values pushed since, x included: x is at depth 1 */
        for (size_t j = i + 1; j < u->n && j <= i + 13; j++) {
            int op = (int)FP_OPCODE(u->code[j]);
            if (target[j] || u->hlabel[j] != u->hlabel[i] || u->hdepth[j] != u->hdepth[i])
                break;
            if ((op == OP_BINARY_SUBSCR || op == OP_STORE_SUBSCR) && depth == 2) {
                uint32_t x = FP_OPARG(u->code[i]);
                u->code[i] = FP_INSTR(OP_CHECK_FAST, x);
                u->code[j] = FP_INSTR(
                    op == OP_BINARY_SUBSCR ? OP_BINARY_SUBSCR_FAST : OP_STORE_SUBSCR_FAST, x);
                break;
            }
            int pops, pushes = key_op_stack(op, &pops);
            if (pushes < 0 || depth - pops < 1)
                break; /* an instruction of another kind, or one that consumes x */
            if (op == OP_LOAD_FAST_ATTR)
                j++; /* its LOAD_ATTR word */
            depth += pushes - pops;
        }
    }
}

/* LOAD_FAST x; LOAD_CONST k; IS_OP n -> CHECK_FAST x; LOAD_CONST k; IS_OP_FAST (x << 1 | n):
 * `x is None` and the like compare the local's pointer where it is, without pushing it, so
 * the test takes and drops no reference to x's value. Nothing between the two can rebind x
 * (a LOAD_CONST), and the local's own reference keeps the value alive. A value read from a
 * shared dict or list (v = d[k]; if v is None) is then counted once by the read instead of
 * three times, which in the nogil build are atomic on a count the other readers change too.
 * Not when a jump or a handler lands on the second or third word, nor across handlers; an
 * unbound x still raises at the LOAD_FAST's place. */
static void fuse_is_fast(compiler *c, const bool *target)
{
    unit *u = c->u;
    for (size_t i = 0; i + 2 < u->n; i++) {
        uint32_t x = FP_OPARG(u->code[i]);
        if (FP_OPCODE(u->code[i]) != OP_LOAD_FAST || FP_OPCODE(u->code[i + 1]) != OP_LOAD_CONST ||
            FP_OPCODE(u->code[i + 2]) != OP_IS_OP || target[i + 1] || target[i + 2] ||
            x >= (1u << 22) || u->hlabel[i] != u->hlabel[i + 2] ||
            u->hdepth[i] != u->hdepth[i + 2] || u->hlabel[i] != u->hlabel[i + 1] ||
            u->hdepth[i] != u->hdepth[i + 1])
            continue;
        u->code[i] = FP_INSTR(OP_CHECK_FAST, x);
        u->code[i + 2] = FP_INSTR(OP_IS_OP_FAST, x << 1 | (FP_OPARG(u->code[i + 2]) & 1));
    }
}

/* Makes the unit's code object (immortal: shared by every thread that runs it). */
static fp_code_object *assemble(compiler *c)
{
    unit *u = c->u;
    if (c->failed)
        return NULL;
    for (size_t i = 0; i < u->n; i++) {
        int op = (int)FP_OPCODE(u->code[i]);
        if (is_jump(op)) {
            int l = (int)FP_OPARG(u->code[i]);
            u->code[i] = FP_INSTR(op, u->labels[l]);
        } else if (op == OP_LOAD_DEREF || op == OP_STORE_DEREF || op == OP_DELETE_DEREF ||
                   op == OP_LOAD_CLOSURE || op == OP_LOAD_CLASSDEREF) {
            u->code[i] = FP_INSTR(op, FP_OPARG(u->code[i]) + u->nlocals);
        }
    }
    /* Peephole fusions (optimizations only: without the memory for the jump targets the code
     * is correct unfused). */
    bool *target = u->n >= 2 ? calloc(u->n, sizeof *target) : NULL;
    if (target != NULL) {
        for (size_t l = 0; l < u->nlabels; l++)
            if (u->labels[l] >= 0 && (size_t)u->labels[l] < u->n)
                target[u->labels[l]] = true;
        fuse_load_fast_attr(c, target);
        fuse_subscr_fast(c, target);
        fuse_is_fast(c, target);
        free(target);
    }
    fp_code_object *co = (fp_code_object *)fp_code_new_empty();
    if (co == NULL) {
        c_nomem(c);
        return NULL;
    }
    /* exception table: runs of words with the same handler */
    size_t nexc = 0;
    for (size_t i = 0; i < u->n; i++)
        if (u->hlabel[i] >= 0 &&
            (i == 0 || u->hlabel[i] != u->hlabel[i - 1] || u->hdepth[i] != u->hdepth[i - 1]))
            nexc++;
    co->exctab = calloc(nexc + 1, sizeof *co->exctab);
    co->code = malloc((u->n + 1) * sizeof *co->code);
    co->lines = malloc((u->n + 1) * sizeof *co->lines);
    co->consts = calloc(u->nconsts + 1, sizeof *co->consts);
    co->names = calloc(u->nnames + 1, sizeof *co->names);
    size_t nlp = u->nlocals + u->ncells + u->nfrees;
    co->localnames = calloc(nlp + 1, sizeof *co->localnames);
    co->cell2arg = calloc(u->ncells + 1, sizeof *co->cell2arg);
    if (!co->exctab || !co->code || !co->lines || !co->consts || !co->names || !co->localnames ||
        !co->cell2arg) {
        ftc_decref(FTC_OBJ(co));
        c_nomem(c);
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < u->n; i++) {
        if (u->hlabel[i] < 0)
            continue;
        if (k > 0 && co->exctab[k - 1].end == i &&
            co->exctab[k - 1].handler == (uint32_t)u->labels[u->hlabel[i]] &&
            co->exctab[k - 1].depth == (uint32_t)u->hdepth[i]) {
            co->exctab[k - 1].end = (uint32_t)i + 1;
            continue;
        }
        co->exctab[k].start = (uint32_t)i;
        co->exctab[k].end = (uint32_t)i + 1;
        co->exctab[k].handler = (uint32_t)u->labels[u->hlabel[i]];
        co->exctab[k].depth = (uint32_t)u->hdepth[i];
        k++;
    }
    co->nexc = k;
    if (u->n) {
        memcpy(co->code, u->code, u->n * sizeof *co->code);
        memcpy(co->lines, u->lines, u->n * sizeof *co->lines);
    }
    co->ncode = u->n;
    for (size_t i = 0; i < u->nconsts; i++) {
        co->consts[i] = u->consts[i];
        ftc_object_immortalize(u->consts[i]);
        ftc_incref(u->consts[i]);
    }
    co->nconsts = u->nconsts;
    if (u->nnames)
        memcpy(co->names, u->names, u->nnames * sizeof *co->names);
    co->nnames = u->nnames;
    for (size_t i = 0; i < nlp; i++) {
        const char *nm = i < u->nlocals               ? u->locals[i]
                         : i < u->nlocals + u->ncells ? u->cells[i - u->nlocals]
                                                      : u->frees[i - u->nlocals - u->ncells];
        co->localnames[i] = fp_intern(nm);
        if (co->localnames[i] == NULL) {
            ftc_decref(FTC_OBJ(co));
            c_nomem(c);
            return NULL;
        }
    }
    for (size_t i = 0; i < u->ncells; i++)
        co->cell2arg[i] = local_index(u, u->cells[i]);
    co->nlocals = (int)u->nlocals;
    co->ncells = (int)u->ncells;
    co->nfree = (int)u->nfrees;
    co->nlocalsplus = (int)nlp;
    co->stacksize = u->maxdepth + 4;
    co->argcount = u->argcount;
    co->posonlyargcount = u->posonly;
    co->kwonlyargcount = u->kwonly;
    co->flags = u->flags | (u->st->generator ? FP_CO_GENERATOR : 0);
    co->name = fp_intern(u->st->name);
    co->qualname = fp_intern(u->qualname);
    co->filename = fp_intern(c->filename);
    co->firstlineno = u->firstlineno;
    if (co->name == NULL || co->qualname == NULL || co->filename == NULL) {
        ftc_decref(FTC_OBJ(co));
        c_nomem(c);
        return NULL;
    }
    ftc_object_immortalize(FTC_OBJ(co));
    return co;
}

/* ---- names ---- */
static void compile_name(compiler *c, const char *name, fp_expr_ctx ctx)
{
    unit *u = c->u;
    fp_symbol *sym = fp_scope_lookup(u->st, name);
    int sc = sym ? sym->scope : SC_GLOBAL_IMPLICIT;
    if (name[0] == '.' || (u->st->kind == SCOPE_FUNCTION && sc == SC_LOCAL)) {
        int i = add_local(c, name);
        emit(c,
             ctx == FP_CTX_LOAD    ? OP_LOAD_FAST
             : ctx == FP_CTX_STORE ? OP_STORE_FAST
                                   : OP_DELETE_FAST,
             i);
        return;
    }
    if (sc == SC_CELL || sc == SC_FREE) {
        int i = deref_index(u, name);
        if (u->st->kind == SCOPE_CLASS && ctx == FP_CTX_LOAD && sc == SC_FREE) {
            emit(c, OP_LOAD_CLASSDEREF, i);
            return;
        }
        if (u->st->kind == SCOPE_CLASS && sc == SC_CELL && strcmp(name, "__class__") != 0) {
            /* a class body's own name is its namespace's */
        } else {
            emit(c,
                 ctx == FP_CTX_LOAD    ? OP_LOAD_DEREF
                 : ctx == FP_CTX_STORE ? OP_STORE_DEREF
                                       : OP_DELETE_DEREF,
                 i);
            return;
        }
    }
    int ni = add_name(c, name);
    if (u->st->kind == SCOPE_CLASS && sc != SC_GLOBAL_EXPLICIT) {
        emit(c,
             ctx == FP_CTX_LOAD    ? OP_LOAD_NAME
             : ctx == FP_CTX_STORE ? OP_STORE_NAME
                                   : OP_DELETE_NAME,
             ni);
        return;
    }
    emit(c,
         ctx == FP_CTX_LOAD    ? OP_LOAD_GLOBAL
         : ctx == FP_CTX_STORE ? OP_STORE_GLOBAL
                               : OP_DELETE_GLOBAL,
         ni);
}

/* ---- expressions ---- */
static void compile_expr(compiler *c, fp_expr *e);
static void compile_stmts(compiler *c, fp_stmt_seq *seq);
static void compile_store(compiler *c, fp_expr *t);

static void load_const_obj(compiler *c, ftc_object *o) { emit(c, OP_LOAD_CONST, add_const(c, o)); }

static void load_none(compiler *c) { load_const_obj(c, fp_None); }

static void compile_const(compiler *c, fp_expr *e)
{
    switch (e->u.konst.kind) {
    case FP_CONST_NONE: load_const_obj(c, fp_None); break;
    case FP_CONST_TRUE: load_const_obj(c, fp_True); break;
    case FP_CONST_FALSE: load_const_obj(c, fp_False); break;
    case FP_CONST_ELLIPSIS: load_const_obj(c, fp_Ellipsis); break;
    case FP_CONST_INT: load_const_obj(c, fp_int_new(e->u.konst.ival)); break;
    case FP_CONST_FLOAT: load_const_obj(c, fp_float_new(e->u.konst.fval)); break;
    case FP_CONST_STR: load_const_obj(c, fp_str_new(e->u.konst.str, e->u.konst.str_len)); break;
    }
}

static bool has_starred(fp_expr_seq *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i]->kind == FP_EX_STARRED)
            return true;
    return false;
}

/* Builds a list (or tuple/set) from elements, some of them starred. */
static void compile_display_ex(compiler *c, fp_expr_seq *elts, int kind, int extend_flag);
static void compile_display(compiler *c, fp_expr_seq *elts, int kind)
{
    compile_display_ex(c, elts, kind, 0);
}

static bool all_const(fp_expr_seq *elts)
{
    for (size_t i = 0; i < elts->n; i++)
        if (elts->items[i]->kind != FP_EX_CONST)
            return false;
    return true;
}

static void compile_const(compiler *c, fp_expr *e);

/* Whether a tuple display is made of constants only (nested such tuples included): CPython
 * compiles it to one constant tuple (its AST optimizer), and so does ftpy. */
static bool const_tuple(fp_expr_seq *elts)
{
    if (elts->n == 0)
        return false; /* BUILD_TUPLE 0 already returns the static empty tuple */
    for (size_t i = 0; i < elts->n; i++) {
        fp_expr *x = elts->items[i];
        if (x->kind != FP_EX_CONST && !(x->kind == FP_EX_TUPLE && const_tuple(&x->u.seq.elts)))
            return false;
    }
    return true;
}

/* LOAD_CONST of a tuple of constants (const_tuple holds). Each element is compiled as usual
 * (a LOAD_CONST, or this for a nested tuple) and that instruction taken back, its constant
 * becoming the item; the tuple is then a constant of the code, immortal like all of them
 * (unit_to_code), so threads running the code share it without counting references to it
 * (ftscaling's load_tuple_const: before, BUILD_TUPLE allocated a tracked tuple per
 * iteration). */
static void compile_const_tuple(compiler *c, fp_expr_seq *elts)
{
    ftc_object *tup = fp_tuple_new(elts->n);
    if (tup == NULL) {
        c_nomem(c);
        return;
    }
    for (size_t i = 0; i < elts->n; i++)
        fp_tuple_items(tup)[i] = fp_None;
    for (size_t i = 0; i < elts->n; i++) {
        fp_expr *x = elts->items[i];
        if (x->kind == FP_EX_TUPLE)
            compile_const_tuple(c, &x->u.seq.elts);
        else
            compile_const(c, x);
        if (c->failed) {
            ftc_decref(tup);
            return;
        }
        c->u->n--; /* take the LOAD_CONST back: the constant becomes the item */
        c->u->depth--;
        ftc_object *k = c->u->consts[FP_OPARG(c->u->code[c->u->n])];
        ftc_incref(k);
        fp_tuple_items(tup)[i] = k;
    }
    load_const_obj(c, tup);
}

static void compile_display_ex(compiler *c, fp_expr_seq *elts, int kind, int extend_flag)
{
    if (kind == FP_EX_TUPLE && extend_flag == 0 && const_tuple(elts)) {
        compile_const_tuple(c, elts);
        return;
    }
    if (kind == FP_EX_SET && elts->n > 2 && all_const(elts)) {
        /* CPython builds {1, 2, 3} from a frozenset constant, whose iteration order it then
         * keeps: BUILD_SET_CONST makes the same set from the constants */
        ftc_object *tup = fp_tuple_new(elts->n);
        if (tup == NULL) {
            c_nomem(c);
            return;
        }
        for (size_t i = 0; i < elts->n; i++)
            fp_tuple_items(tup)[i] = fp_None;
        for (size_t i = 0; i < elts->n; i++) {
            size_t before = c->u->nconsts;
            compile_const(c, elts->items[i]); /* LOAD_CONST k: take k, then drop the word */
            if (c->failed) {
                ftc_decref(tup);
                return;
            }
            c->u->n--;
            c->u->depth--;
            ftc_object *k = c->u->consts[FP_OPARG(c->u->code[c->u->n])];
            ftc_incref(k);
            fp_tuple_items(tup)[i] = k;
            (void)before;
        }
        load_const_obj(c, tup);
        emit(c, OP_BUILD_SET_CONST, 0);
        return;
    }
    if (!has_starred(elts)) {
        for (size_t i = 0; i < elts->n; i++)
            compile_expr(c, elts->items[i]);
        emit(c,
             kind == FP_EX_TUPLE  ? OP_BUILD_TUPLE
             : kind == FP_EX_LIST ? OP_BUILD_LIST
                                  : OP_BUILD_SET,
             (int)elts->n);
        return;
    }
    emit(c, kind == FP_EX_SET ? OP_BUILD_SET : OP_BUILD_LIST, 0);
    for (size_t i = 0; i < elts->n; i++) {
        fp_expr *x = elts->items[i];
        if (x->kind == FP_EX_STARRED) {
            compile_expr(c, x->u.starred.value);
            emit(c, kind == FP_EX_SET ? OP_SET_UPDATE : OP_LIST_EXTEND, extend_flag);
        } else {
            compile_expr(c, x);
            emit(c, kind == FP_EX_SET ? OP_SET_ADD : OP_LIST_APPEND, 0);
        }
    }
    if (kind == FP_EX_TUPLE)
        emit(c, OP_LIST_TO_TUPLE, 0);
}

static void compile_call_args(compiler *c, fp_expr_seq *args, fp_keyword *kws, size_t nkw)
{
    bool ex = has_starred(args);
    for (size_t i = 0; i < nkw; i++)
        if (kws[i].arg == NULL)
            ex = true;
    if (!ex) {
        for (size_t i = 0; i < args->n; i++)
            compile_expr(c, args->items[i]);
        for (size_t i = 0; i < nkw; i++)
            compile_expr(c, kws[i].value);
        if (nkw == 0) {
            emit(c, OP_CALL, (int)args->n);
            return;
        }
        ftc_object *names = fp_tuple_new(nkw);
        if (names == NULL) {
            c_nomem(c);
            return;
        }
        for (size_t i = 0; i < nkw; i++) {
            ftc_object *s = fp_intern(kws[i].arg);
            if (s == NULL) {
                ftc_decref(names);
                c_nomem(c);
                return;
            }
            fp_tuple_items(names)[i] = s;
        }
        load_const_obj(c, names);
        emit(c, OP_CALL_KW, (int)(args->n + nkw));
        return;
    }
    compile_display_ex(c, args, FP_EX_TUPLE, FP_EXTEND_CALL);
    if (!has_starred(args) && args->n == 0) {
        /* compile_display emitted BUILD_TUPLE 0 */
    }
    if (nkw > 0) {
        emit(c, OP_BUILD_MAP, 0);
        for (size_t i = 0; i < nkw; i++) {
            if (kws[i].arg != NULL) {
                load_const_obj(c, fp_str_from_cstr(kws[i].arg));
                compile_expr(c, kws[i].value);
                emit(c, OP_BUILD_MAP, 1);
            } else {
                compile_expr(c, kws[i].value);
            }
            emit(c, OP_DICT_MERGE, 0);
        }
    }
    emit(c, OP_CALL_FUNCTION_EX, nkw > 0 ? 1 : 0);
}

static void compile_call(compiler *c, fp_expr *e)
{
    fp_expr *f = e->u.call.func;
    if (f->kind == FP_EX_ATTRIBUTE) {
        compile_expr(c, f->u.attribute.value);
        c->u->lineno = f->lineno;
        emit(c, OP_LOAD_METHOD, add_name(c, f->u.attribute.attr));
    } else {
        emit(c, OP_PUSH_NULL, 0);
        compile_expr(c, f);
    }
    c->u->lineno = e->lineno;
    compile_call_args(c, &e->u.call.args, e->u.call.keywords, e->u.call.nkeywords);
}

static void compile_jump_if(compiler *c, fp_expr *e, bool cond, int label)
{
    if (e->kind == FP_EX_UNARYOP && e->u.unaryop.op == FP_UOP_NOT) {
        compile_jump_if(c, e->u.unaryop.operand, !cond, label);
        return;
    }
    if (e->kind == FP_EX_BOOLOP) {
        bool is_and = e->u.boolop.op == FP_BOOL_AND;
        size_t n = e->u.boolop.values.n;
        if (is_and != cond) {
            /* and-jump-if-true / or-jump-if-false: all must hold */
            for (size_t i = 0; i < n; i++)
                compile_jump_if(c, e->u.boolop.values.items[i], cond, label);
        } else {
            int skip = new_label(c);
            for (size_t i = 0; i + 1 < n; i++)
                compile_jump_if(c, e->u.boolop.values.items[i], !cond, skip);
            compile_jump_if(c, e->u.boolop.values.items[n - 1], cond, label);
            bind_label(c, skip);
        }
        return;
    }
    compile_expr(c, e);
    emit(c, cond ? OP_POP_JUMP_IF_TRUE : OP_POP_JUMP_IF_FALSE, label);
}

static int cmp_arg(compiler *c, fp_cmpop op)
{
    switch (op) {
    case FP_CMP_EQ: emit(c, OP_COMPARE_OP, FP_EQ); break;
    case FP_CMP_NE: emit(c, OP_COMPARE_OP, FP_NE); break;
    case FP_CMP_LT: emit(c, OP_COMPARE_OP, FP_LT); break;
    case FP_CMP_LE: emit(c, OP_COMPARE_OP, FP_LE); break;
    case FP_CMP_GT: emit(c, OP_COMPARE_OP, FP_GT); break;
    case FP_CMP_GE: emit(c, OP_COMPARE_OP, FP_GE); break;
    case FP_CMP_IS: emit(c, OP_IS_OP, 0); break;
    case FP_CMP_IS_NOT: emit(c, OP_IS_OP, 1); break;
    case FP_CMP_IN: emit(c, OP_CONTAINS_OP, 0); break;
    case FP_CMP_NOT_IN: emit(c, OP_CONTAINS_OP, 1); break;
    }
    return 0;
}

static void compile_compare(compiler *c, fp_expr *e)
{
    size_t n = e->u.compare.comparators.n;
    compile_expr(c, e->u.compare.left);
    if (n == 1) {
        compile_expr(c, e->u.compare.comparators.items[0]);
        cmp_arg(c, e->u.compare.ops[0]);
        return;
    }
    int cleanup = new_label(c), end = new_label(c);
    for (size_t i = 0; i + 1 < n; i++) {
        compile_expr(c, e->u.compare.comparators.items[i]);
        emit(c, OP_DUP_TOP, 0);
        emit(c, OP_ROT_THREE, 0);
        cmp_arg(c, e->u.compare.ops[i]);
        emit(c, OP_JUMP_IF_FALSE_OR_POP, cleanup);
    }
    compile_expr(c, e->u.compare.comparators.items[n - 1]);
    cmp_arg(c, e->u.compare.ops[n - 1]);
    emit(c, OP_JUMP, end);
    int d = c->u->depth;
    bind_label(c, cleanup);
    c->u->depth = d + 1;
    emit(c, OP_ROT_TWO, 0);
    emit(c, OP_POP_TOP, 0);
    bind_label(c, end);
    c->u->depth = d;
}

/* Emits the closure tuple for a child scope and MAKE_FUNCTION; the caller pushed defaults.
 * Steals co, the child's code (NULL: compiling it failed, the error is recorded). */
static void make_closure(compiler *c, fp_code_object *co, fp_scope *child, int flags)
{
    (void)child;
    if (co == NULL)
        return;
    if (co->nfree > 0) {
        for (int i = 0; i < co->nfree; i++) {
            ftc_object *nm = co->localnames[co->nlocals + co->ncells + i];
            int idx = deref_index(c->u, fp_str_data(nm));
            if (idx < 0) {
                c_error(c, c->u->lineno, "ftpy compiler: free variable not found");
                ftc_decref(FTC_OBJ(co));
                return;
            }
            emit(c, OP_LOAD_CLOSURE, idx);
        }
        emit(c, OP_BUILD_TUPLE, co->nfree);
        flags |= FP_MKF_CLOSURE;
    }
    load_const_obj(c, FTC_OBJ(co)); /* the constant takes our reference */
    emit(c, OP_MAKE_FUNCTION, flags);
}

static int compile_defaults(compiler *c, fp_arguments *a)
{
    int flags = 0;
    if (a->defaults.n > 0) {
        for (size_t i = 0; i < a->defaults.n; i++)
            compile_expr(c, a->defaults.items[i]);
        emit(c, OP_BUILD_TUPLE, (int)a->defaults.n);
        flags |= FP_MKF_DEFAULTS;
    }
    size_t nkwd = 0;
    for (size_t i = 0; i < a->nkwonly; i++)
        if (a->kw_defaults[i] != NULL) {
            load_const_obj(c, fp_str_from_cstr(a->kwonly[i].name));
            compile_expr(c, a->kw_defaults[i]);
            nkwd++;
        }
    if (nkwd > 0) {
        emit(c, OP_BUILD_MAP, (int)nkwd);
        flags |= FP_MKF_KWDEFAULTS;
    }
    return flags;
}

static void set_arg_counts(unit *u, fp_arguments *a)
{
    u->argcount = (int)(a->nposonly + a->nargs);
    u->posonly = (int)a->nposonly;
    u->kwonly = (int)a->nkwonly;
    if (a->vararg)
        u->flags |= FP_CO_VARARGS;
    if (a->kwarg)
        u->flags |= FP_CO_VARKEYWORDS;
}

/* Compiles a function body into a code object (new reference for the caller to drop). */
static fp_code_object *compile_function_body(compiler *c, fp_scope *s, const char *name, int lineno,
                                             fp_arguments *args, fp_stmt_seq *body,
                                             fp_expr *lambda_body)
{
    if (s == NULL) {
        c_error(c, lineno, "ftpy compiler: missing scope");
        return NULL;
    }
    if (!enter_unit(c, s, name, lineno))
        return NULL;
    set_arg_counts(c->u, args);
    if (lambda_body != NULL) {
        compile_expr(c, lambda_body);
        if (s->generator) {
            emit(c, OP_POP_TOP, 0);
            load_none(c);
        }
        emit(c, OP_RETURN_VALUE, 0);
    } else {
        compile_stmts(c, body);
        load_none(c);
        emit(c, OP_RETURN_VALUE, 0);
    }
    fp_code_object *co = assemble(c);
    leave_unit(c);
    return co;
}

static void compile_lambda(compiler *c, fp_expr *e)
{
    int flags = compile_defaults(c, e->u.lambda.args);
    fp_scope *s = fp_scope_child(c->u->st, e);
    int line = c->u->lineno;
    fp_code_object *co = compile_function_body(c, s, "<lambda>", e->lineno, e->u.lambda.args, NULL,
                                               e->u.lambda.body);
    c->u->lineno = line;
    make_closure(c, co, s, flags);
}

static void compile_comp_generators(compiler *c, fp_expr *e, size_t gi, int depth_items)
{
    fp_comprehension *g = &e->u.comp.generators[gi];
    int start = new_label(c), end = new_label(c), skip = new_label(c);
    if (gi == 0) {
        emit(c, OP_LOAD_FAST, add_local(c, ".0"));
    } else {
        compile_expr(c, g->iter);
        emit(c, OP_GET_ITER, 0);
    }
    bind_label(c, start);
    int d = c->u->depth;
    emit(c, OP_FOR_ITER, end);
    compile_store(c, g->target);
    for (size_t i = 0; i < g->ifs.n; i++)
        compile_jump_if(c, g->ifs.items[i], false, skip);
    if (gi + 1 < e->u.comp.ngenerators) {
        compile_comp_generators(c, e, gi + 1, depth_items + 1);
    } else {
        switch (e->kind) {
        case FP_EX_GENEXP:
            compile_expr(c, e->u.comp.elt);
            emit(c, OP_YIELD_VALUE, 0);
            emit(c, OP_POP_TOP, 0);
            break;
        case FP_EX_LISTCOMP:
            compile_expr(c, e->u.comp.elt);
            emit(c, OP_LIST_APPEND, depth_items + 1);
            break;
        case FP_EX_SETCOMP:
            compile_expr(c, e->u.comp.elt);
            emit(c, OP_SET_ADD, depth_items + 1);
            break;
        default:
            compile_expr(c, e->u.comp.elt);
            compile_expr(c, e->u.comp.value);
            emit(c, OP_MAP_ADD, depth_items + 1);
            break;
        }
    }
    bind_label(c, skip);
    emit(c, OP_JUMP_BACK, start);
    bind_label(c, end);
    c->u->depth = d - 1;
}

static void compile_comprehension(compiler *c, fp_expr *e)
{
    fp_scope *s = fp_scope_child(c->u->st, e);
    if (s == NULL) {
        c_error(c, e->lineno, "ftpy compiler: missing scope");
        return;
    }
    int line = c->u->lineno;
    if (!enter_unit(c, s, s->name, e->lineno))
        return;
    c->u->argcount = 1;
    if (e->kind == FP_EX_LISTCOMP)
        emit(c, OP_BUILD_LIST, 0);
    else if (e->kind == FP_EX_SETCOMP)
        emit(c, OP_BUILD_SET, 0);
    else if (e->kind == FP_EX_DICTCOMP)
        emit(c, OP_BUILD_MAP, 0);
    compile_comp_generators(c, e, 0, 0);
    if (e->kind == FP_EX_GENEXP)
        load_none(c);
    emit(c, OP_RETURN_VALUE, 0);
    fp_code_object *co = assemble(c);
    leave_unit(c);
    c->u->lineno = line;
    emit(c, OP_PUSH_NULL, 0);
    make_closure(c, co, s, 0);
    compile_expr(c, e->u.comp.generators[0].iter);
    emit(c, OP_GET_ITER, 0);
    emit(c, OP_CALL, 1);
}

static void compile_subscript_slice(compiler *c, fp_expr *s)
{
    if (s->kind == FP_EX_SLICE) {
        if (s->u.slice.lower)
            compile_expr(c, s->u.slice.lower);
        else
            load_none(c);
        if (s->u.slice.upper)
            compile_expr(c, s->u.slice.upper);
        else
            load_none(c);
        if (s->u.slice.step) {
            compile_expr(c, s->u.slice.step);
            emit(c, OP_BUILD_SLICE, 3);
        } else {
            emit(c, OP_BUILD_SLICE, 2);
        }
    } else {
        compile_expr(c, s);
    }
}

static void compile_expr(compiler *c, fp_expr *e)
{
    if (c->failed)
        return;
    int saved = c->u->lineno;
    c->u->lineno = e->lineno;
    switch (e->kind) {
    case FP_EX_CONST: compile_const(c, e); break;
    case FP_EX_NAME: compile_name(c, e->u.name.id, FP_CTX_LOAD); break;
    case FP_EX_BINOP:
        compile_expr(c, e->u.binop.left);
        compile_expr(c, e->u.binop.right);
        c->u->lineno = e->lineno;
        emit(c, OP_BINARY_OP, (int)e->u.binop.op);
        break;
    case FP_EX_UNARYOP:
        compile_expr(c, e->u.unaryop.operand);
        emit(c,
             e->u.unaryop.op == FP_UOP_NOT   ? OP_UNARY_NOT
             : e->u.unaryop.op == FP_UOP_NEG ? OP_UNARY_NEG
             : e->u.unaryop.op == FP_UOP_POS ? OP_UNARY_POS
                                             : OP_UNARY_INVERT,
             0);
        break;
    case FP_EX_BOOLOP: {
        int end = new_label(c);
        size_t n = e->u.boolop.values.n;
        for (size_t i = 0; i + 1 < n; i++) {
            compile_expr(c, e->u.boolop.values.items[i]);
            emit(c,
                 e->u.boolop.op == FP_BOOL_AND ? OP_JUMP_IF_FALSE_OR_POP : OP_JUMP_IF_TRUE_OR_POP,
                 end);
        }
        compile_expr(c, e->u.boolop.values.items[n - 1]);
        bind_label(c, end);
        break;
    }
    case FP_EX_COMPARE: compile_compare(c, e); break;
    case FP_EX_IFEXP: {
        int orelse = new_label(c), end = new_label(c);
        compile_jump_if(c, e->u.ifexp.test, false, orelse);
        compile_expr(c, e->u.ifexp.body);
        emit(c, OP_JUMP, end);
        bind_label(c, orelse);
        c->u->depth--;
        compile_expr(c, e->u.ifexp.orelse);
        bind_label(c, end);
        break;
    }
    case FP_EX_CALL: compile_call(c, e); break;
    case FP_EX_ATTRIBUTE:
        compile_expr(c, e->u.attribute.value);
        c->u->lineno = e->lineno;
        if (e->ctx == FP_CTX_LOAD)
            emit(c, OP_LOAD_ATTR, add_name(c, e->u.attribute.attr));
        break;
    case FP_EX_SUBSCRIPT:
        compile_expr(c, e->u.subscript.value);
        compile_subscript_slice(c, e->u.subscript.slice);
        c->u->lineno = e->lineno;
        emit(c, OP_BINARY_SUBSCR, 0);
        break;
    case FP_EX_SLICE: compile_subscript_slice(c, e); break;
    case FP_EX_STARRED: c_error(c, e->lineno, "can't use starred expression here"); break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
    case FP_EX_SET: compile_display(c, &e->u.seq.elts, e->kind); break;
    case FP_EX_DICT: {
        size_t pending = 0;
        bool any_unpack = false;
        for (size_t i = 0; i < e->u.dict.n; i++)
            any_unpack |= e->u.dict.keys[i] == NULL;
        if (!any_unpack) {
            for (size_t i = 0; i < e->u.dict.n; i++) {
                compile_expr(c, e->u.dict.keys[i]);
                compile_expr(c, e->u.dict.values[i]);
            }
            emit(c, OP_BUILD_MAP, (int)e->u.dict.n);
            break;
        }
        emit(c, OP_BUILD_MAP, 0);
        for (size_t i = 0; i < e->u.dict.n; i++) {
            if (e->u.dict.keys[i] == NULL) {
                compile_expr(c, e->u.dict.values[i]);
                emit(c, OP_DICT_UPDATE, 0);
            } else {
                compile_expr(c, e->u.dict.keys[i]);
                compile_expr(c, e->u.dict.values[i]);
                emit(c, OP_MAP_ADD, 0);
            }
        }
        (void)pending;
        break;
    }
    case FP_EX_LISTCOMP:
    case FP_EX_SETCOMP:
    case FP_EX_DICTCOMP:
    case FP_EX_GENEXP: compile_comprehension(c, e); break;
    case FP_EX_LAMBDA: compile_lambda(c, e); break;
    case FP_EX_YIELD:
        if (e->u.yield.value)
            compile_expr(c, e->u.yield.value);
        else
            load_none(c);
        emit(c, OP_YIELD_VALUE, 0);
        break;
    case FP_EX_YIELD_FROM:
        compile_expr(c, e->u.yield.value);
        emit(c, OP_GET_ITER, 0);
        load_none(c);
        emit(c, OP_YIELD_FROM, 0);
        break;
    case FP_EX_FSTRING: {
        size_t n = e->u.fstring.parts.n;
        if (n == 0) {
            load_const_obj(c, fp_str_new("", 0));
            break;
        }
        for (size_t i = 0; i < n; i++)
            compile_expr(c, e->u.fstring.parts.items[i]);
        if (n > 1 || e->u.fstring.parts.items[0]->kind != FP_EX_CONST)
            emit(c, OP_BUILD_STRING, (int)n);
        break;
    }
    case FP_EX_FORMATTED: {
        compile_expr(c, e->u.formatted.value);
        int conv = e->u.formatted.conversion;
        int flags = conv == 's' ? 1 : conv == 'r' ? 2 : conv == 'a' ? 3 : 0;
        if (e->u.formatted.format_spec) {
            compile_expr(c, e->u.formatted.format_spec);
            flags |= FP_FMT_SPEC;
        }
        emit(c, OP_FORMAT_VALUE, flags);
        break;
    }
    }
    c->u->lineno = saved;
}

/* ---- stores ---- */
static void compile_unpack(compiler *c, fp_expr_seq *elts, int lineno)
{
    size_t star = elts->n;
    for (size_t i = 0; i < elts->n; i++) {
        if (elts->items[i]->kind == FP_EX_STARRED) {
            if (star != elts->n) {
                c_error(c, lineno, "multiple starred expressions in assignment");
                return;
            }
            star = i;
        }
    }
    if (star == elts->n) {
        emit(c, OP_UNPACK_SEQUENCE, (int)elts->n);
    } else {
        size_t after = elts->n - star - 1;
        if (star > 255 || after > 255) {
            c_error(c, lineno, "too many expressions in star-unpacking assignment");
            return;
        }
        emit(c, OP_UNPACK_EX, (int)(star | (after << 8)));
    }
    for (size_t i = 0; i < elts->n; i++) {
        fp_expr *t = elts->items[i];
        compile_store(c, t->kind == FP_EX_STARRED ? t->u.starred.value : t);
    }
}

static void compile_store(compiler *c, fp_expr *t)
{
    switch (t->kind) {
    case FP_EX_NAME: compile_name(c, t->u.name.id, FP_CTX_STORE); break;
    case FP_EX_ATTRIBUTE:
        compile_expr(c, t->u.attribute.value);
        emit(c, OP_STORE_ATTR, add_name(c, t->u.attribute.attr));
        break;
    case FP_EX_SUBSCRIPT:
        compile_expr(c, t->u.subscript.value);
        compile_subscript_slice(c, t->u.subscript.slice);
        emit(c, OP_STORE_SUBSCR, 0);
        break;
    case FP_EX_TUPLE:
    case FP_EX_LIST: compile_unpack(c, &t->u.seq.elts, t->lineno); break;
    default: c_error(c, t->lineno, "cannot assign to expression"); break;
    }
}

static void compile_delete(compiler *c, fp_expr *t)
{
    switch (t->kind) {
    case FP_EX_NAME: compile_name(c, t->u.name.id, FP_CTX_DEL); break;
    case FP_EX_ATTRIBUTE:
        compile_expr(c, t->u.attribute.value);
        emit(c, OP_DELETE_ATTR, add_name(c, t->u.attribute.attr));
        break;
    case FP_EX_SUBSCRIPT:
        compile_expr(c, t->u.subscript.value);
        compile_subscript_slice(c, t->u.subscript.slice);
        emit(c, OP_DELETE_SUBSCR, 0);
        break;
    case FP_EX_TUPLE:
    case FP_EX_LIST:
        for (size_t i = 0; i < t->u.seq.elts.n; i++)
            compile_delete(c, t->u.seq.elts.items[i]);
        break;
    default: c_error(c, t->lineno, "cannot delete expression"); break;
    }
}

/* ---- fblocks and unwinding ---- */
static fblock *push_fb(compiler *c, int kind)
{
    unit *u = c->u;
    if (u->nfb >= 64) {
        c_error(c, u->lineno, "too many statically nested blocks");
        return NULL;
    }
    fblock *f = &u->fb[u->nfb++];
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->handler = u->handler;
    f->hdepth = u->handler_depth;
    return f;
}

static void set_handler(compiler *c, int label, int depth)
{
    c->u->handler = label;
    c->u->handler_depth = depth;
}

/* Emits the clean-up of fblock f when leaving it by break/continue/return (preserve: a return
 * value in a hidden local, nothing on the stack above the block's own items). */
static void unwind_fb(compiler *c, fblock *f)
{
    unit *u = c->u;
    switch (f->kind) {
    case FB_LOOP: break;
    case FB_FOR: emit(c, OP_POP_TOP, 0); break;
    case FB_WITH:
        set_handler(c, f->handler, f->hdepth);
        emit(c, OP_WITH_EXIT_NORMAL, 0);
        break;
    case FB_FINALLY_END: /* leaving a finally body run for an exception: (prev, exc) */
        set_handler(c, f->handler, f->hdepth);
        emit(c, OP_POP_TOP, 0);
        emit(c, OP_POP_EXCEPT, 0);
        break;
    case FB_HANDLER:
    case FB_HANDLER_NAMED:
        set_handler(c, f->handler, f->hdepth);
        emit(c, OP_POP_EXCEPT, 0);
        if (f->kind == FB_HANDLER_NAMED) {
            load_none(c);
            compile_name(c, f->name, FP_CTX_STORE);
            compile_name(c, f->name, FP_CTX_DEL);
        }
        break;
    case FB_TRY_FINALLY: {
        set_handler(c, f->handler, f->hdepth);
        /* the finally body runs outside this block: pop it while compiling */
        int save_nfb = u->nfb;
        u->nfb = (int)(f - u->fb);
        compile_stmts(c, &f->node->u.try_.finalbody);
        u->nfb = save_nfb;
        break;
    }
    }
}

static void compile_break_continue(compiler *c, fp_stmt *st)
{
    unit *u = c->u;
    int save_h = u->handler, save_hd = u->handler_depth, depth = u->depth;
    int i = u->nfb - 1;
    for (; i >= 0; i--)
        if (u->fb[i].kind == FB_LOOP || u->fb[i].kind == FB_FOR)
            break;
    if (i < 0) {
        c_error(c, st->lineno,
                st->kind == FP_ST_BREAK ? "'break' outside loop"
                                        : "'continue' not properly in loop");
        return;
    }
    for (int j = u->nfb - 1; j > i; j--)
        unwind_fb(c, &u->fb[j]);
    fblock *loop = &u->fb[i];
    if (st->kind == FP_ST_BREAK) {
        if (loop->kind == FB_FOR)
            emit(c, OP_POP_TOP, 0);
        emit(c, OP_JUMP, loop->l_break);
    } else {
        emit(c, OP_JUMP_BACK, loop->l_continue);
    }
    set_handler(c, save_h, save_hd);
    u->depth = depth;
}

static void compile_return(compiler *c, fp_stmt *st)
{
    unit *u = c->u;
    if (u->st->generator && st->u.return_.value == NULL) {
        /* plain return in a generator */
    }
    if (st->u.return_.value)
        compile_expr(c, st->u.return_.value);
    else
        load_none(c);
    if (u->nfb == 0) {
        emit(c, OP_RETURN_VALUE, 0);
        return;
    }
    int save_h = u->handler, save_hd = u->handler_depth, depth = u->depth;
    char tmpname[32];
    snprintf(tmpname, sizeof tmpname, ".ret%d", u->ntemps++);
    const char *tmp = fp_arena_strdup(c->arena, tmpname, strlen(tmpname));
    if (tmp == NULL) {
        c_nomem(c);
        return;
    }
    int idx = add_local(c, tmp);
    emit(c, OP_STORE_FAST, idx);
    for (int j = u->nfb - 1; j >= 0; j--)
        unwind_fb(c, &u->fb[j]);
    emit(c, OP_LOAD_FAST, idx);
    emit(c, OP_CLEAR_FAST, idx);
    emit(c, OP_RETURN_VALUE, 0);
    set_handler(c, save_h, save_hd);
    u->depth = depth - 1;
}

/* ---- statements ---- */
static void compile_funcdef(compiler *c, fp_stmt *st)
{
    fp_expr_seq *decs = &st->u.funcdef.decorators;
    for (size_t i = 0; i < decs->n; i++) {
        emit(c, OP_PUSH_NULL, 0);
        compile_expr(c, decs->items[i]);
    }
    int flags = compile_defaults(c, st->u.funcdef.args);
    fp_scope *s = fp_scope_child(c->u->st, st);
    int line = c->u->lineno;
    fp_code_object *co = compile_function_body(c, s, st->u.funcdef.name, st->lineno,
                                               st->u.funcdef.args, &st->u.funcdef.body, NULL);
    c->u->lineno = line;
    make_closure(c, co, s, flags);
    for (size_t i = 0; i < decs->n; i++)
        emit(c, OP_CALL, 1);
    compile_name(c, st->u.funcdef.name, FP_CTX_STORE);
}

static void compile_classdef(compiler *c, fp_stmt *st)
{
    if (st->u.classdef.nkeywords > 0) {
        c_error(c, st->lineno, "ftpy does not support class keywords (metaclasses)");
        return;
    }
    if (st->u.classdef.bases.n > 1) {
        c_error(c, st->lineno, "ftpy does not support multiple inheritance");
        return;
    }
    fp_expr_seq *decs = &st->u.classdef.decorators;
    for (size_t i = 0; i < decs->n; i++) {
        emit(c, OP_PUSH_NULL, 0);
        compile_expr(c, decs->items[i]);
    }
    fp_scope *s = fp_scope_child(c->u->st, st);
    if (s == NULL) {
        c_error(c, st->lineno, "ftpy compiler: missing scope");
        return;
    }
    int line = c->u->lineno;
    if (!enter_unit(c, s, st->u.classdef.name, st->lineno))
        return;
    const char *qual = c->u->qualname;
    c->u->flags |= FP_CO_CLASSBODY;
    compile_stmts(c, &st->u.classdef.body);
    int cell = deref_index(c->u, "__class__");
    if (cell >= 0)
        emit(c, OP_LOAD_CLOSURE, cell);
    else
        load_none(c);
    emit(c, OP_RETURN_VALUE, 0);
    fp_code_object *co = assemble(c);
    leave_unit(c);
    c->u->lineno = line;
    make_closure(c, co, s, 0);
    load_const_obj(c, fp_str_from_cstr(st->u.classdef.name));
    load_const_obj(c, fp_str_from_cstr(qual));
    int flags = 0;
    if (st->u.classdef.bases.n == 1) {
        compile_expr(c, st->u.classdef.bases.items[0]);
        flags = 1;
    }
    emit(c, OP_MAKE_CLASS, flags);
    c->u->depth -= 1; /* the qualname */
    for (size_t i = 0; i < decs->n; i++)
        emit(c, OP_CALL, 1);
    compile_name(c, st->u.classdef.name, FP_CTX_STORE);
}

static void compile_while(compiler *c, fp_stmt *st)
{
    int top = new_label(c), end = new_label(c), orelse = new_label(c);
    bind_label(c, top);
    compile_jump_if(c, st->u.if_.test, false, orelse);
    fblock *f = push_fb(c, FB_LOOP);
    if (f == NULL)
        return;
    f->l_continue = top;
    f->l_break = end;
    compile_stmts(c, &st->u.if_.body);
    c->u->nfb--;
    emit(c, OP_JUMP_BACK, top);
    bind_label(c, orelse);
    compile_stmts(c, &st->u.if_.orelse);
    bind_label(c, end);
}

static void compile_for(compiler *c, fp_stmt *st)
{
    int top = new_label(c), end = new_label(c), brk = new_label(c);
    compile_expr(c, st->u.for_.iter);
    emit(c, OP_GET_ITER, 0);
    bind_label(c, top);
    c->u->lineno = st->lineno;
    emit(c, OP_FOR_ITER, end);
    fblock *f = push_fb(c, FB_FOR);
    if (f == NULL)
        return;
    f->l_continue = top;
    f->l_break = brk;
    compile_store(c, st->u.for_.target);
    compile_stmts(c, &st->u.for_.body);
    c->u->nfb--;
    emit(c, OP_JUMP_BACK, top);
    bind_label(c, end);
    c->u->depth -= 1; /* FOR_ITER's exit pops the iterator */
    compile_stmts(c, &st->u.for_.orelse);
    bind_label(c, brk);
}

static void compile_try_except(compiler *c, fp_stmt *st)
{
    unit *u = c->u;
    int depth = u->depth;
    int l_except = new_label(c), l_cleanup = new_label(c), l_else = new_label(c),
        l_end = new_label(c);
    int outer_h = u->handler, outer_hd = u->handler_depth;
    set_handler(c, l_except, depth);
    compile_stmts(c, &st->u.try_.body);
    set_handler(c, outer_h, outer_hd);
    emit(c, OP_JUMP, l_else);
    bind_label(c, l_except);
    u->depth = depth + 1; /* exc */
    set_handler(c, l_cleanup, depth + 1);
    emit(c, OP_PUSH_EXC_INFO, 0); /* prev, exc */
    for (size_t i = 0; i < st->u.try_.nhandlers; i++) {
        fp_excepthandler *h = &st->u.try_.handlers[i];
        u->lineno = h->lineno;
        int next = new_label(c);
        if (h->type == NULL && i + 1 < st->u.try_.nhandlers) {
            c_error(c, h->lineno, "default 'except:' must be last");
            return;
        }
        if (h->type != NULL) {
            compile_expr(c, h->type);
            emit(c, OP_CHECK_EXC_MATCH, 0); /* exc, type -> exc, bool */
            emit(c, OP_POP_JUMP_IF_FALSE, next);
            c->u->depth -= 1; /* CHECK_EXC_MATCH: [exc type] -> [exc bool] then pop */
            u->depth = depth + 2;
        }
        fblock *f;
        if (h->name != NULL) {
            compile_name(c, h->name, FP_CTX_STORE);
            int l_named_cleanup = new_label(c);
            set_handler(c, l_named_cleanup, depth + 1);
            f = push_fb(c, FB_HANDLER_NAMED);
            if (f == NULL)
                return;
            f->name = h->name;
            f->handler = l_cleanup;
            f->hdepth = depth + 1;
            compile_stmts(c, &h->body);
            u->nfb--;
            set_handler(c, l_cleanup, depth + 1);
            emit(c, OP_POP_EXCEPT, 0);
            set_handler(c, outer_h, outer_hd);
            load_none(c);
            compile_name(c, h->name, FP_CTX_STORE);
            compile_name(c, h->name, FP_CTX_DEL);
            emit(c, OP_JUMP, l_end);
            /* an exception inside a named handler: clear the name, then the common clean-up */
            bind_label(c, l_named_cleanup);
            u->depth = depth + 2;
            set_handler(c, l_cleanup, depth + 1);
            load_none(c);
            compile_name(c, h->name, FP_CTX_STORE);
            compile_name(c, h->name, FP_CTX_DEL);
            set_handler(c, outer_h, outer_hd); /* RERAISE_POP restores prev itself */
            emit(c, OP_RERAISE_POP, 0);
        } else {
            emit(c, OP_POP_TOP, 0);
            f = push_fb(c, FB_HANDLER);
            if (f == NULL)
                return;
            f->handler = l_cleanup;
            f->hdepth = depth + 1;
            compile_stmts(c, &h->body);
            u->nfb--;
            emit(c, OP_POP_EXCEPT, 0);
            set_handler(c, outer_h, outer_hd);
            emit(c, OP_JUMP, l_end);
        }
        bind_label(c, next);
        set_handler(c, l_cleanup, depth + 1);
        u->depth = depth + 2;
    }
    set_handler(c, outer_h, outer_hd); /* RERAISE_POP restores prev itself */
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_cleanup);
    u->depth = depth + 2;
    set_handler(c, outer_h, outer_hd);
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_else);
    u->depth = depth;
    compile_stmts(c, &st->u.try_.orelse);
    bind_label(c, l_end);
    u->depth = depth;
}

static void compile_try(compiler *c, fp_stmt *st)
{
    if (st->u.try_.finalbody.n == 0) {
        compile_try_except(c, st);
        return;
    }
    unit *u = c->u;
    int depth = u->depth;
    int l_fin = new_label(c), l_cleanup = new_label(c), l_end = new_label(c);
    int outer_h = u->handler, outer_hd = u->handler_depth;
    fblock *f = push_fb(c, FB_TRY_FINALLY);
    if (f == NULL)
        return;
    f->node = st;
    set_handler(c, l_fin, depth);
    if (st->u.try_.nhandlers > 0)
        compile_try_except(c, st);
    else
        compile_stmts(c, &st->u.try_.body);
    u->nfb--;
    set_handler(c, outer_h, outer_hd);
    compile_stmts(c, &st->u.try_.finalbody);
    emit(c, OP_JUMP, l_end);
    bind_label(c, l_fin);
    u->depth = depth + 1;
    set_handler(c, l_cleanup, depth + 1);
    emit(c, OP_PUSH_EXC_INFO, 0);
    /* A return, break or continue in this finally body drops the exception and restores the
     * previous one (the block's unwind), as CPython's FINALLY_END block does. */
    fblock *fe = push_fb(c, FB_FINALLY_END);
    if (fe == NULL)
        return;
    fe->handler = l_cleanup;
    fe->hdepth = depth + 1;
    compile_stmts(c, &st->u.try_.finalbody);
    u->nfb--;
    set_handler(c, outer_h, outer_hd); /* RERAISE_POP restores prev itself */
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_cleanup);
    u->depth = depth + 2;
    set_handler(c, outer_h, outer_hd);
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_end);
    u->depth = depth;
}

static void compile_with_items(compiler *c, fp_stmt *st, size_t i)
{
    unit *u = c->u;
    fp_withitem *it = &st->u.with.items[i];
    compile_expr(c, it->context_expr);
    u->lineno = st->lineno;
    emit(c, OP_BEFORE_WITH, 0); /* exit, value */
    int depth = u->depth - 1;   /* with exit on the stack */
    int l_exc = new_label(c), l_cleanup = new_label(c), l_suppress = new_label(c),
        l_end = new_label(c);
    int outer_h = u->handler, outer_hd = u->handler_depth;
    set_handler(c, l_exc, depth);
    fblock *f = push_fb(c, FB_WITH);
    if (f == NULL)
        return;
    f->handler = outer_h;
    f->hdepth = outer_hd;
    if (it->optional_vars)
        compile_store(c, it->optional_vars);
    else
        emit(c, OP_POP_TOP, 0);
    if (i + 1 < st->u.with.nitems)
        compile_with_items(c, st, i + 1);
    else
        compile_stmts(c, &st->u.with.body);
    u->nfb--;
    set_handler(c, outer_h, outer_hd);
    u->lineno = st->lineno;
    emit(c, OP_WITH_EXIT_NORMAL, 0);
    emit(c, OP_JUMP, l_end);
    bind_label(c, l_exc);
    u->depth = depth + 1; /* exit, exc */
    set_handler(c, l_cleanup, depth + 1);
    emit(c, OP_PUSH_EXC_INFO, 0); /* exit, prev, exc */
    emit(c, OP_WITH_EXCEPT, 0);   /* exit, prev, exc, res */
    emit(c, OP_POP_JUMP_IF_TRUE, l_suppress);
    set_handler(c, outer_h, outer_hd); /* RERAISE_POP restores prev itself */
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_suppress);
    u->depth = depth + 2;
    emit(c, OP_POP_TOP, 0);
    set_handler(c, outer_h, outer_hd);
    emit(c, OP_POP_EXCEPT, 0);
    emit(c, OP_POP_TOP, 0);
    emit(c, OP_JUMP, l_end);
    bind_label(c, l_cleanup);
    u->depth = depth + 2;
    emit(c, OP_RERAISE_POP, 0);
    bind_label(c, l_end);
    u->depth = depth - 1; /* the exit is gone */
}

static void compile_import(compiler *c, fp_stmt *st)
{
    for (size_t i = 0; i < st->u.import.n; i++) {
        fp_alias *a = &st->u.import.names[i];
        int ni = add_name(c, a->name);
        emit(c, OP_IMPORT_NAME, ni * 2 + (a->asname != NULL));
        if (a->asname) {
            compile_name(c, a->asname, FP_CTX_STORE);
        } else {
            const char *dot = strchr(a->name, '.');
            const char *top =
                dot ? fp_arena_strdup(c->arena, a->name, (size_t)(dot - a->name)) : a->name;
            if (top == NULL) {
                c_nomem(c);
                return;
            }
            compile_name(c, top, FP_CTX_STORE);
        }
    }
}

static void compile_stmt(compiler *c, fp_stmt *st)
{
    unit *u = c->u;
    if (c->failed)
        return;
    u->lineno = st->lineno;
    switch (st->kind) {
    case FP_ST_EXPR:
        compile_expr(c, st->u.expr.value);
        emit(c, OP_POP_TOP, 0);
        break;
    case FP_ST_ASSIGN: {
        compile_expr(c, st->u.assign.value);
        size_t n = st->u.assign.targets.n;
        for (size_t i = 0; i < n; i++) {
            if (i + 1 < n)
                emit(c, OP_DUP_TOP, 0);
            compile_store(c, st->u.assign.targets.items[i]);
        }
        break;
    }
    case FP_ST_AUGASSIGN: {
        fp_expr *t = st->u.augassign.target;
        int op = (int)st->u.augassign.op;
        if (t->kind == FP_EX_NAME) {
            compile_name(c, t->u.name.id, FP_CTX_LOAD);
            compile_expr(c, st->u.augassign.value);
            u->lineno = st->lineno;
            emit(c, OP_INPLACE_OP, op);
            compile_name(c, t->u.name.id, FP_CTX_STORE);
        } else if (t->kind == FP_EX_ATTRIBUTE) {
            compile_expr(c, t->u.attribute.value);
            emit(c, OP_DUP_TOP, 0);
            int ni = add_name(c, t->u.attribute.attr);
            emit(c, OP_LOAD_ATTR, ni);
            compile_expr(c, st->u.augassign.value);
            u->lineno = st->lineno;
            emit(c, OP_INPLACE_OP, op);
            emit(c, OP_ROT_TWO, 0);
            emit(c, OP_STORE_ATTR, ni);
        } else if (t->kind == FP_EX_SUBSCRIPT) {
            compile_expr(c, t->u.subscript.value);
            compile_subscript_slice(c, t->u.subscript.slice);
            emit(c, OP_DUP_TOP_TWO, 0);
            emit(c, OP_BINARY_SUBSCR, 0);
            compile_expr(c, st->u.augassign.value);
            u->lineno = st->lineno;
            emit(c, OP_INPLACE_OP, op);
            emit(c, OP_ROT_THREE, 0);
            emit(c, OP_STORE_SUBSCR, 0);
        } else {
            c_error(c, st->lineno,
                    "'expression' is an illegal expression for augmented assignment");
        }
        break;
    }
    case FP_ST_ANNASSIGN: c_error(c, st->lineno, "ftpy does not support annotations"); break;
    case FP_ST_IF: {
        int orelse = new_label(c), end = new_label(c);
        compile_jump_if(c, st->u.if_.test, false, orelse);
        compile_stmts(c, &st->u.if_.body);
        if (st->u.if_.orelse.n > 0)
            emit(c, OP_JUMP, end);
        bind_label(c, orelse);
        compile_stmts(c, &st->u.if_.orelse);
        bind_label(c, end);
        break;
    }
    case FP_ST_WHILE: compile_while(c, st); break;
    case FP_ST_FOR: compile_for(c, st); break;
    case FP_ST_BREAK:
    case FP_ST_CONTINUE: compile_break_continue(c, st); break;
    case FP_ST_PASS: break;
    case FP_ST_FUNCTIONDEF: compile_funcdef(c, st); break;
    case FP_ST_CLASSDEF: compile_classdef(c, st); break;
    case FP_ST_RETURN: compile_return(c, st); break;
    case FP_ST_DELETE:
        for (size_t i = 0; i < st->u.delete_.targets.n; i++)
            compile_delete(c, st->u.delete_.targets.items[i]);
        break;
    case FP_ST_GLOBAL:
    case FP_ST_NONLOCAL: break;
    case FP_ST_TRY: compile_try(c, st); break;
    case FP_ST_RAISE: {
        int n = 0;
        if (st->u.raise.exc) {
            compile_expr(c, st->u.raise.exc);
            n = 1;
            if (st->u.raise.cause) {
                compile_expr(c, st->u.raise.cause);
                n = 2;
            }
        }
        u->lineno = st->lineno;
        emit(c, OP_RAISE_VARARGS, n);
        break;
    }
    case FP_ST_ASSERT: {
        int end = new_label(c);
        compile_jump_if(c, st->u.assert_.test, true, end);
        if (st->u.assert_.msg) {
            emit(c, OP_PUSH_NULL, 0);
            emit(c, OP_LOAD_ASSERTION_ERROR, 0);
            compile_expr(c, st->u.assert_.msg);
            emit(c, OP_CALL, 1);
        } else {
            emit(c, OP_LOAD_ASSERTION_ERROR, 0);
        }
        u->lineno = st->lineno;
        emit(c, OP_RAISE_VARARGS, 1);
        bind_label(c, end);
        break;
    }
    case FP_ST_WITH: compile_with_items(c, st, 0); break;
    case FP_ST_IMPORT: compile_import(c, st); break;
    case FP_ST_IMPORTFROM: {
        emit(c, OP_IMPORT_NAME, add_name(c, st->u.importfrom.module) * 2 + 1);
        for (size_t i = 0; i < st->u.importfrom.n; i++) {
            fp_alias *a = &st->u.importfrom.names[i];
            emit(c, OP_IMPORT_FROM, add_name(c, a->name));
            compile_name(c, a->asname ? a->asname : a->name, FP_CTX_STORE);
        }
        emit(c, OP_POP_TOP, 0);
        break;
    }
    }
}

static void compile_stmts(compiler *c, fp_stmt_seq *seq)
{
    for (size_t i = 0; i < seq->n && !c->failed; i++)
        compile_stmt(c, seq->items[i]);
}

fp_code_object *fp_compile(fp_module_ast *mod, const char *filename)
{
    fp_scope *top;
    fp_syntax_error err;
    memset(&err, 0, sizeof err);
    if (fp_symtable_build(mod, mod->arena, &top, &err) != 0) {
        if (strcmp(err.msg, "out of memory") == 0)
            fp_err_nomem();
        else
            fp_err_syntax(err.kind, err.msg, filename, err.lineno, err.offset, NULL);
        return NULL;
    }
    compiler c = {filename, mod->arena, NULL, 0, 0};
    if (!enter_unit(&c, top, "<module>", 1))
        return NULL;
    c.u->flags |= FP_CO_MODULE;
    compile_stmts(&c, &mod->body);
    load_none(&c);
    emit(&c, OP_RETURN_VALUE, 0);
    fp_code_object *co = assemble(&c);
    while (c.u != NULL)
        leave_unit(&c);
    return co;
}
