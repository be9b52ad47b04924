/* ftpy's parser, part 5: string literals and f-strings.
 *
 * Adjacent literals are concatenated: plain ones into one FP_EX_CONST str; if any is an
 * f-string, into one FP_EX_FSTRING whose parts alternate constant pieces (adjacent pieces
 * merged) and FP_EX_FORMATTED fields. Literal text is decoded with fp_lex_decode_string().
 *
 * An f-string field {expr!c:spec} is split out of the raw body as CPython 3.11 does: the
 * expression ends at a '!', ':', '=' or '}' outside brackets and quotes, may not contain a
 * backslash or '#', and is parsed by a sub-parser over exactly its text (lexed as if inside
 * brackets, with the file's line and column of its first character, sharing the arena, the
 * error exit and the depth count). A format spec is itself an f-string body whose fields may
 * nest one level ("f-string: expressions nested too deeply" beyond, as CPython).
 */
#include "parser.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Constant text waiting to become one FP_EX_CONST part: adjacent literals and literal pieces
 * of f-strings are appended here (capacity doubling, so n pieces cost O(total length), and the
 * arena holds at most twice the final text), and turned into a node only when a field follows
 * or the literal ends. */
typedef struct strbuf {
    char *data;
    size_t len, cap;
    const fp_token *tok; /* where the constant starts */
} strbuf;

typedef struct fstr_ctx {
    fp_parser *p;
    const fp_token *tok;
    const char *body;
    size_t len;
    int raw;
    fp_vec *parts;
    strbuf *pending;
    char *lit; /* raw literal text being gathered (arena, len + 1 bytes) */
    size_t nlit;
    size_t bp_off; /* body_pos()'s cache: body[bp_off] is at line bp_line, column bp_col */
    int bp_line, bp_col;
    fp_parser *sub; /* the fields' sub-parser, reused field after field */
} fstr_ctx;

/* File position of body[off]. Fields are visited left to right, so the scan resumes from the
 * previous position: an f-string with many fields costs linear time. */
static void body_pos(fstr_ctx *c, size_t off, int *line, int *col)
{
    if (off < c->bp_off || c->bp_line == 0) {
        c->bp_off = 0;
        c->bp_line = c->tok->u.s.body_lineno;
        c->bp_col = c->tok->u.s.body_col;
    }
    for (size_t i = c->bp_off; i < off; i++) {
        char ch = c->body[i];
        if (ch == '\n' || (ch == '\r' && (i + 1 >= c->len || c->body[i + 1] != '\n'))) {
            c->bp_line++;
            c->bp_col = 0;
        } else if (((unsigned char)ch & 0xC0) != 0x80 && ch != '\r') {
            c->bp_col++;
        }
    }
    c->bp_off = off;
    *line = c->bp_line;
    *col = c->bp_col;
}

_Noreturn static void fstr_error(fstr_ctx *c, size_t off, const char *msg)
{
    int line, col;
    body_pos(c, off, &line, &col);
    fp_p_error_at(c->p, "SyntaxError", line, col, "%s", msg);
}

static void sb_append(fp_parser *p, strbuf *b, const fp_token *t, const char *text, size_t n)
{
    if (n == 0)
        return;
    if (b->len == 0)
        b->tok = t;
    if (b->cap - b->len < n + 1) {
        size_t ncap = b->cap ? b->cap : 64;
        while (ncap - b->len < n + 1) {
            if (ncap > SIZE_MAX / 2)
                fp_p_nomem(p);
            ncap *= 2;
        }
        char *nd = fp_p_alloc(p, ncap);
        if (b->len)
            memcpy(nd, b->data, b->len);
        b->data = nd;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, text, n);
    b->len += n;
    b->data[b->len] = '\0';
}

/* The pending text as a constant node (NULL if there is none); the buffer starts over. */
static fp_expr *sb_take(fp_parser *p, strbuf *b)
{
    if (b->len == 0)
        return NULL;
    fp_expr *e = fp_p_expr(p, FP_EX_CONST, b->tok);
    e->u.konst.kind = FP_CONST_STR;
    e->u.konst.str = b->data;
    e->u.konst.str_len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return e;
}

static void sb_flush(fp_parser *p, strbuf *b, fp_vec *parts)
{
    fp_expr *e = sb_take(p, b);
    if (e != NULL)
        fp_p_push(p, parts, e);
}

/* Decodes raw literal text and appends it to the pending constant. */
static void append_decoded(fp_parser *p, strbuf *b, const fp_token *t, const char *raw, size_t n,
                           int is_raw)
{
    char *out = fp_p_alloc(p, n + 1);
    char msg[200];
    long len = fp_lex_decode_string(raw, n, is_raw, out, msg, sizeof msg);
    if (len < 0)
        fp_p_error_at(p, "SyntaxError", t->lineno, t->col, "%s", msg);
    sb_append(p, b, t, out, (size_t)len);
}

static void flush_lit(fstr_ctx *c)
{
    if (c->nlit == 0)
        return;
    append_decoded(c->p, c->pending, c->tok, c->lit, c->nlit, c->raw);
    c->nlit = 0;
}

/* Parses text[0..n) (an f-string field's expression) with a sub-parser. */
static fp_expr *parse_field_expr(fstr_ctx *c, size_t off, size_t n)
{
    fp_parser *p = c->p;
    if (c->sub == NULL)
        c->sub = fp_p_alloc(p, sizeof *c->sub);
    fp_parser *sub = c->sub;
    memset(sub, 0, sizeof *sub); /* its tokens and nodes stay in the arena */
    int line, col;
    body_pos(c, off, &line, &col);
    sub->arena = p->arena;
    sub->toks_in_arena = 1;
    sub->tok_shift = FP_TOK_FIELD_SHIFT;
    sub->jb = p->jb;
    sub->err = p->err;
    sub->root = p->root;
    sub->filename = p->filename;
    sub->scope = p->scope;
    sub->loop_depth = p->loop_depth;
    sub->in_lambda = p->in_lambda;
    fp_lex_init(&sub->lx, c->body + off, n, p->root->filename, line, col, 1);
    fp_token *t = fp_p_peek(sub);
    fp_expr *e;
    if (t->kind == FP_TK_YIELD)
        e = fp_p_yield_expr(sub);
    else
        e = fp_p_star_expressions(sub);
    if (e->kind == FP_EX_STARRED)
        fp_p_error_at(p, "SyntaxError", e->lineno, e->col_offset,
                      "f-string: cannot use starred expression here");
    fp_token *end = fp_p_peek(sub);
    if (end->kind != FP_TK_ENDMARKER) {
        if (fp_p_starts_expression(end))
            fp_p_error_at(sub, "SyntaxError", end->lineno, end->col,
                          "invalid syntax. Perhaps you forgot a comma?");
        fp_p_syntax_error(sub, end);
    }
    return e;
}

static void fstring_body(fstr_ctx *c, size_t *pos, size_t end, int nest, int in_spec);

/* A field starting after its '{' at *pos; leaves *pos after its '}'. */
static void field(fstr_ctx *c, size_t *pos, int nest)
{
    const char *b = c->body;
    size_t i = *pos, start = i;
    int depth = 0;
    char quote = 0;
    int qlen = 0;
    if (nest >= 2)
        fstr_error(c, i, "f-string: expressions nested too deeply");
    for (;; i++) {
        if (i >= c->len)
            fstr_error(c, i, "f-string: expecting '}'");
        char ch = b[i];
        if (quote) {
            if (ch == quote &&
                (qlen == 1 || (i + 2 < c->len && b[i + 1] == quote && b[i + 2] == quote))) {
                i += (size_t)qlen - 1;
                quote = 0;
            }
            continue;
        }
        if (ch == '\\')
            fstr_error(c, i, "f-string expression part cannot include a backslash");
        if (ch == '#')
            fstr_error(c, i, "f-string expression part cannot include '#'");
        if (ch == '\'' || ch == '"') {
            quote = ch;
            qlen = (i + 2 < c->len && b[i + 1] == ch && b[i + 2] == ch) ? 3 : 1;
            i += (size_t)qlen - 1;
            continue;
        }
        if (ch == '(' || ch == '[' || ch == '{') {
            depth++;
            continue;
        }
        if (ch == ')' || ch == ']' || ch == '}') {
            if (depth == 0 && ch == '}')
                break;
            if (depth == 0)
                fstr_error(c, i, ch == ')' ? "f-string: unmatched ')'" : "f-string: unmatched ']'");
            depth--;
            continue;
        }
        if (depth > 0)
            continue;
        if (ch == '!' && !(i + 1 < c->len && b[i + 1] == '='))
            break;
        if (ch == ':')
            break;
        if (ch == '=' && !(i + 1 < c->len && b[i + 1] == '=') && i > start &&
            strchr("=!<>", b[i - 1]) == NULL)
            break;
        if (ch == '=' && i + 1 < c->len && b[i + 1] == '=')
            i++;
    }
    size_t expr_end = i;
    int blank = 1;
    for (size_t k = start; k < expr_end; k++)
        if (b[k] != ' ' && b[k] != '\t' && b[k] != '\n' && b[k] != '\r' && b[k] != '\f')
            blank = 0;
    if (blank && b[i] != '}') {
        char msg[64];
        snprintf(msg, sizeof msg, "f-string: expression required before '%c'", b[i]);
        fstr_error(c, i, msg);
    }
    if (blank)
        fstr_error(c, i, "f-string: empty expression not allowed");
    fp_expr *value = parse_field_expr(c, start, expr_end - start);
    fp_expr *f = fp_p_expr_at(c->p, FP_EX_FORMATTED, value->lineno, value->col_offset);
    f->u.formatted.value = value;
    int debug = 0;
    if (b[i] == '=') {
        /* f"{x=}": the text "x=" (with its spaces) precedes the value, shown with repr */
        debug = 1;
        i++;
        while (i < c->len && (b[i] == ' ' || b[i] == '\t'))
            i++;
        memcpy(c->lit + c->nlit, b + start, i - start);
        c->nlit += i - start;
        flush_lit(c);
    }
    if (i < c->len && b[i] == '!') {
        i++;
        if (i >= c->len || (b[i] != 's' && b[i] != 'r' && b[i] != 'a') || i + 1 >= c->len ||
            (b[i + 1] != ':' && b[i + 1] != '}'))
            fstr_error(c, i, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
        f->u.formatted.conversion = b[i];
        i++;
    }
    if (i < c->len && b[i] == ':') {
        i++;
        fp_vec spec_parts = {0};
        strbuf spec_text = {0};
        fp_vec *saved = c->parts;
        strbuf *saved_text = c->pending;
        c->parts = &spec_parts;
        c->pending = &spec_text;
        fstring_body(c, &i, c->len, nest + 1, 1);
        sb_flush(c->p, &spec_text, &spec_parts);
        c->parts = saved;
        c->pending = saved_text;
        fp_expr *spec = fp_p_expr_at(c->p, FP_EX_FSTRING, value->lineno, value->col_offset);
        spec->u.fstring.parts = fp_p_expr_seq(&spec_parts);
        f->u.formatted.format_spec = spec;
    }
    if (i >= c->len || b[i] != '}')
        fstr_error(c, i, "f-string: expecting '}'");
    i++;
    if (debug && f->u.formatted.conversion == 0 && f->u.formatted.format_spec == NULL)
        f->u.formatted.conversion = 'r';
    sb_flush(c->p, c->pending, c->parts);
    fp_p_push(c->p, c->parts, f);
    *pos = i;
}

/* Literal text and fields from *pos; in a format spec, stops before the closing '}'. */
static void fstring_body(fstr_ctx *c, size_t *pos, size_t end, int nest, int in_spec)
{
    const char *b = c->body;
    size_t i = *pos;
    while (i < end) {
        char ch = b[i];
        if (ch == '{') {
            if (!in_spec && i + 1 < end && b[i + 1] == '{') {
                c->lit[c->nlit++] = '{';
                i += 2;
                continue;
            }
            flush_lit(c);
            i++;
            field(c, &i, nest);
            continue;
        }
        if (ch == '}') {
            if (in_spec)
                break;
            if (i + 1 < end && b[i + 1] == '}') {
                c->lit[c->nlit++] = '}';
                i += 2;
                continue;
            }
            fstr_error(c, i, "f-string: single '}' is not allowed");
        }
        if (ch == '\\' && !c->raw && i + 1 < end && b[i + 1] != '{' && b[i + 1] != '}') {
            c->lit[c->nlit++] = b[i++];
            if (b[i] == 'N')
                fstr_error(c, i, "ftpy does not support \\N{...} escapes");
        }
        c->lit[c->nlit++] = b[i++];
    }
    flush_lit(c);
    *pos = i;
}

fp_expr *fp_p_strings(fp_parser *p)
{
    fp_token *first = fp_p_peek(p);
    int any_f = 0;
    size_t n = 0;
    for (;; n++) {
        fp_token *t = fp_p_peek_at(p, n);
        if (t->kind != FP_TK_STRING)
            break;
        if (t->u.s.flags & FP_STR_BYTES)
            fp_p_error_at(p, "SyntaxError", t->lineno, t->col,
                          "ftpy does not support bytes literals");
        if (t->u.s.flags & FP_STR_F)
            any_f = 1;
    }
    fp_vec parts = {0};
    strbuf text = {0};
    for (size_t k = 0; k < n; k++) {
        fp_token *t = fp_p_next(p);
        int raw = (t->u.s.flags & FP_STR_RAW) != 0;
        if (!(t->u.s.flags & FP_STR_F)) {
            append_decoded(p, &text, t, t->u.s.body, t->u.s.body_len, raw);
            continue;
        }
        fstr_ctx c = {p, t, t->u.s.body, t->u.s.body_len, raw, &parts, &text, NULL, 0, 0,
                      0, 0, NULL};
        c.lit = fp_p_alloc(p, t->u.s.body_len + 1);
        size_t pos = 0;
        fstring_body(&c, &pos, c.len, 0, 0);
    }
    if (!any_f) {
        fp_expr *e = sb_take(p, &text);
        if (e == NULL) {
            e = fp_p_expr(p, FP_EX_CONST, first);
            e->u.konst.kind = FP_CONST_STR;
            e->u.konst.str = fp_p_strdup(p, "", 0);
        }
        e->lineno = first->lineno;
        e->col_offset = first->col;
        return e;
    }
    sb_flush(p, &text, &parts);
    fp_expr *e = fp_p_expr(p, FP_EX_FSTRING, first);
    e->u.fstring.parts = fp_p_expr_seq(&parts);
    return e;
}
