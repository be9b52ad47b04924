/* ftpy's tokenizer (see lexer.h for the token stream it produces).
 *
 * The source is UTF-8 that fp_parse() has already validated (no invalid sequences, no NUL), so
 * the scanner may step over a multi-byte character by its lead byte. It keeps one position and
 * never backs up more than one character; every loop advances pos or returns, so a token costs
 * time linear in its length and the whole file linear time.
 *
 * Indentation follows CPython's tokenizer exactly: a tab advances the column to the next
 * multiple of 8, a form feed resets it, and each line's indentation is also measured with tabs
 * of width 1 ("altcol"); two lines whose order differs under the two measures mix tabs and
 * spaces ambiguously and get TabError. A line holding only whitespace and a comment is skipped.
 * Inside brackets (and inside an f-string field) line ends are not tokens.
 *
 * Errors set lx->err and make this and every later call return FP_TK_ERROR; nothing is
 * allocated here, so an error leaks nothing.
 */
#include "lexer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *s;
    fp_tok_kind k;
} keywords[] = {
    {"False", FP_TK_FALSE},
    {"None", FP_TK_NONE},
    {"True", FP_TK_TRUE},
    {"and", FP_TK_AND},
    {"as", FP_TK_AS},
    {"assert", FP_TK_ASSERT},
    {"async", FP_TK_ASYNC},
    {"await", FP_TK_AWAIT},
    {"break", FP_TK_BREAK},
    {"class", FP_TK_CLASS},
    {"continue", FP_TK_CONTINUE},
    {"def", FP_TK_DEF},
    {"del", FP_TK_DEL},
    {"elif", FP_TK_ELIF},
    {"else", FP_TK_ELSE},
    {"except", FP_TK_EXCEPT},
    {"finally", FP_TK_FINALLY},
    {"for", FP_TK_FOR},
    {"from", FP_TK_FROM},
    {"global", FP_TK_GLOBAL},
    {"if", FP_TK_IF},
    {"import", FP_TK_IMPORT},
    {"in", FP_TK_IN},
    {"is", FP_TK_IS},
    {"lambda", FP_TK_LAMBDA},
    {"nonlocal", FP_TK_NONLOCAL},
    {"not", FP_TK_NOT},
    {"or", FP_TK_OR},
    {"pass", FP_TK_PASS},
    {"raise", FP_TK_RAISE},
    {"return", FP_TK_RETURN},
    {"try", FP_TK_TRY},
    {"while", FP_TK_WHILE},
    {"with", FP_TK_WITH},
    {"yield", FP_TK_YIELD},
};

static const struct {
    const char *s;
    fp_tok_kind k;
} operators[] = {
    /* longest first: the scanner takes the first match */
    {"**=", FP_TK_DOUBLESTAREQUAL},
    {"//=", FP_TK_DOUBLESLASHEQUAL},
    {">>=", FP_TK_RIGHTSHIFTEQUAL},
    {"<<=", FP_TK_LEFTSHIFTEQUAL},
    {"...", FP_TK_ELLIPSIS},
    {"!=", FP_TK_NOTEQUAL},
    {"%=", FP_TK_PERCENTEQUAL},
    {"&=", FP_TK_AMPEREQUAL},
    {"**", FP_TK_DOUBLESTAR},
    {"*=", FP_TK_STAREQUAL},
    {"+=", FP_TK_PLUSEQUAL},
    {"-=", FP_TK_MINEQUAL},
    {"->", FP_TK_RARROW},
    {"//", FP_TK_DOUBLESLASH},
    {"/=", FP_TK_SLASHEQUAL},
    {":=", FP_TK_COLONEQUAL},
    {"<<", FP_TK_LEFTSHIFT},
    {"<=", FP_TK_LESSEQUAL},
    {"==", FP_TK_EQEQUAL},
    {">=", FP_TK_GREATEREQUAL},
    {">>", FP_TK_RIGHTSHIFT},
    {"@=", FP_TK_ATEQUAL},
    {"^=", FP_TK_CIRCUMFLEXEQUAL},
    {"|=", FP_TK_VBAREQUAL},
    {"(", FP_TK_LPAR},
    {")", FP_TK_RPAR},
    {"[", FP_TK_LSQB},
    {"]", FP_TK_RSQB},
    {"{", FP_TK_LBRACE},
    {"}", FP_TK_RBRACE},
    {":", FP_TK_COLON},
    {",", FP_TK_COMMA},
    {";", FP_TK_SEMI},
    {".", FP_TK_DOT},
    {"+", FP_TK_PLUS},
    {"-", FP_TK_MINUS},
    {"*", FP_TK_STAR},
    {"/", FP_TK_SLASH},
    {"%", FP_TK_PERCENT},
    {"@", FP_TK_AT},
    {"|", FP_TK_VBAR},
    {"&", FP_TK_AMPER},
    {"^", FP_TK_CIRCUMFLEX},
    {"~", FP_TK_TILDE},
    {"<", FP_TK_LESS},
    {">", FP_TK_GREATER},
    {"=", FP_TK_EQUAL},
    {"!", FP_TK_EXCLAMATION},
    {"$", FP_TK_UNKNOWN},
    {"?", FP_TK_UNKNOWN},
    {"`", FP_TK_UNKNOWN},
};

const char *fp_tok_kind_name(fp_tok_kind k)
{
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if (keywords[i].k == k)
            return keywords[i].s;
    for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++)
        if (operators[i].k == k)
            return operators[i].s;
    switch (k) {
    case FP_TK_NAME: return "name";
    case FP_TK_INT:
    case FP_TK_FLOAT: return "number";
    case FP_TK_STRING: return "string";
    case FP_TK_NEWLINE: return "newline";
    case FP_TK_INDENT: return "indent";
    case FP_TK_DEDENT: return "dedent";
    default: return "end of file";
    }
}

int fp_lex_count_cols(const char *s, size_t len)
{
    int n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

/* Decodes the (valid) UTF-8 character at s; returns its length, stores the code point. */
static int utf8_decode(const char *s, const char *end, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;
    if (end - s < n) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t c = n == 1 ? u[0] : n == 2 ? u[0] & 0x1F : n == 3 ? u[0] & 0x0F : u[0] & 0x07;
    for (int i = 1; i < n; i++)
        c = (c << 6) | (u[i] & 0x3F);
    *cp = c;
    return n;
}

/* Non-ASCII characters that may not appear in an identifier: punctuation, symbols, spaces and
 * emoji blocks. (CPython checks XID_Start/XID_Continue; this approximation accepts letters of
 * every script and refuses the common non-letters with CPython's message.) */
static int cp_is_non_letter(uint32_t c)
{
    if (c >= 0x80 && c < 0xA0)
        return 1;
    if (c >= 0xA0 && c <= 0xBF)
        return !(c == 0xAA || c == 0xB5 || c == 0xBA);
    return c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x3003) ||
           (c >= 0x3008 && c <= 0x3020) || (c >= 0xFE10 && c <= 0xFE6F) ||
           (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0xFF1A && c <= 0xFF20) || c == 0xFEFF ||
           (c >= 0xFFF0 && c <= 0xFFFF) || (c >= 0x1F000 && c <= 0x1FAFF);
}

static int is_id_start(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static int is_id_char(unsigned char c) { return is_id_start(c) || (c >= '0' && c <= '9'); }

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(unsigned char c) { return is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10; }

void fp_lex_line_text(const fp_lexer *lx, int lineno, char *out, size_t cap)
{
    const char *p = lx->src;
    int l = lx->first_lineno;
    while (l < lineno && p < lx->end) {
        if (*p == '\n' || (*p == '\r' && (p + 1 == lx->end || p[1] != '\n')))
            l++;
        p++;
    }
    size_t n = 0;
    while (p < lx->end && *p != '\n' && *p != '\r' && n + 1 < cap)
        out[n++] = *p++;
    /* never cut a UTF-8 character in half */
    while (n > 0 && p < lx->end && ((unsigned char)*p & 0xC0) == 0x80 &&
           ((unsigned char)out[n - 1] & 0x80)) {
        p--;
        n--;
    }
    out[n] = '\0';
}

void fp_lex_set_error(fp_lexer *lx, const char *kind, int lineno, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->err.msg, sizeof lx->err.msg, fmt, ap);
    va_end(ap);
    lx->err.kind = kind;
    lx->err.lineno = lineno;
    lx->err.offset = col + 1;
    fp_lex_line_text(lx, lineno, lx->err.text, sizeof lx->err.text);
    lx->done = 1;
    lx->done_kind = FP_TK_ERROR;
}

void fp_lex_init(fp_lexer *lx, const char *src, size_t len, const char *filename, int lineno,
                 int col, int fstring_field)
{
    memset(lx, 0, sizeof *lx);
    lx->src = lx->pos = lx->line_start = src;
    lx->end = src + len;
    lx->lineno = lx->first_lineno = lineno;
    lx->first_col = col;
    lx->at_bol = !fstring_field;
    lx->fstring_field = fstring_field;
    lx->err.filename = filename;
    lx->err.kind = "SyntaxError";
}

/* Column of p on the current line. Tokens are produced left to right, so the count resumes
 * from the previous position (a cache valid for the current line): a long line costs linear,
 * not quadratic, time. */
static int col_of(fp_lexer *lx, const char *p)
{
    if (lx->col_pos < lx->line_start || lx->col_pos > p) {
        lx->col_pos = lx->line_start;
        lx->col_val = 0;
    }
    lx->col_val += fp_lex_count_cols(lx->col_pos, (size_t)(p - lx->col_pos));
    lx->col_pos = p;
    return lx->lineno == lx->first_lineno ? lx->col_val + lx->first_col : lx->col_val;
}

static void newline_seen(fp_lexer *lx)
{
    /* pos is just past a line end */
    lx->lineno++;
    lx->line_start = lx->pos;
}

/* Steps over one line end at pos (\n, \r\n or \r) if there is one; returns whether it did. */
static int skip_line_end(fp_lexer *lx)
{
    if (lx->pos < lx->end && *lx->pos == '\r') {
        lx->pos++;
        if (lx->pos < lx->end && *lx->pos == '\n')
            lx->pos++;
        newline_seen(lx);
        return 1;
    }
    if (lx->pos < lx->end && *lx->pos == '\n') {
        lx->pos++;
        newline_seen(lx);
        return 1;
    }
    return 0;
}

static void make(fp_lexer *lx, fp_token *t, fp_tok_kind k, const char *start)
{
    t->kind = k;
    t->lineno = t->end_lineno = lx->lineno;
    t->col = col_of(lx, start);
    t->start = start;
    t->len = (size_t)(lx->pos - start);
}

static void error_token(fp_lexer *lx, fp_token *t)
{
    memset(t, 0, sizeof *t);
    t->kind = FP_TK_ERROR;
    t->lineno = t->end_lineno = lx->err.lineno;
    t->col = lx->err.offset - 1;
    t->start = lx->pos;
}

/* Measures the indentation at the start of a line and queues INDENT/DEDENT. Returns 1 when a
 * token (INDENT) was produced, 0 to continue scanning, -1 on error. */
static int handle_indentation(fp_lexer *lx, fp_token *t)
{
    for (;;) {
        int col = 0, altcol = 0;
        const char *p = lx->pos;
        while (p < lx->end) {
            if (*p == ' ') {
                col++;
                altcol++;
            } else if (*p == '\t') {
                col = (col / 8 + 1) * 8;
                altcol++;
            } else if (*p == '\f') {
                col = altcol = 0;
            } else {
                break;
            }
            p++;
        }
        lx->pos = p;
        if (p < lx->end && *p == '#') {
            while (lx->pos < lx->end && *lx->pos != '\n' && *lx->pos != '\r')
                lx->pos++;
        }
        if (lx->pos < lx->end && (*lx->pos == '\n' || *lx->pos == '\r')) {
            skip_line_end(lx); /* a blank or comment-only line */
            continue;
        }
        if (lx->pos >= lx->end)
            return 0; /* end of file: the EOF logic emits the DEDENTs */
        lx->at_bol = 0;
        int top = lx->indents[lx->nindent];
        int alttop = lx->altindents[lx->nindent];
        if (col == top) {
            if (altcol != alttop)
                goto tab_error;
        } else if (col > top) {
            if (lx->nindent >= FP_LEX_MAX_INDENT) {
                fp_lex_set_error(lx, "IndentationError", lx->lineno, 0,
                                 "too many levels of indentation");
                return -1;
            }
            if (altcol <= alttop)
                goto tab_error;
            lx->nindent++;
            lx->indents[lx->nindent] = col;
            lx->altindents[lx->nindent] = altcol;
            make(lx, t, FP_TK_INDENT, lx->pos);
            t->len = 0;
            return 1;
        } else {
            while (lx->nindent > 0 && col < lx->indents[lx->nindent]) {
                lx->nindent--;
                lx->pending_dedents++;
            }
            if (col != lx->indents[lx->nindent]) {
                fp_lex_set_error(lx, "IndentationError", lx->lineno, col_of(lx, lx->pos) + 1,
                                 "unindent does not match any outer indentation level");
                return -1;
            }
            if (altcol != lx->altindents[lx->nindent])
                goto tab_error;
        }
        return 0;
    tab_error:
        fp_lex_set_error(lx, "TabError", lx->lineno, 0,
                         "inconsistent use of tabs and spaces in indentation");
        return -1;
    }
}

/* After a number: CPython allows a few keywords to follow without a space (1if x else y). */
static int keyword_follows(const char *p, const char *end)
{
    static const char *const ok[] = {"and", "else", "for", "if", "in", "is", "not", "or"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        size_t n = strlen(ok[i]);
        if ((size_t)(end - p) >= n && memcmp(p, ok[i], n) == 0 &&
            (p + n == end || !is_id_char((unsigned char)p[n])))
            return 1;
    }
    return 0;
}

/* Scans digits of the given kind with single underscores between them. Returns the number of
 * digits, or -1 for a misplaced underscore (pos left at it). */
static int scan_digits(fp_lexer *lx, int (*ok)(unsigned char))
{
    int n = 0;
    while (lx->pos < lx->end) {
        unsigned char c = (unsigned char)*lx->pos;
        if (ok(c)) {
            n++;
            lx->pos++;
        } else if (c == '_' && n > 0 && lx->pos + 1 < lx->end && ok((unsigned char)lx->pos[1])) {
            lx->pos++;
        } else if (c == '_') {
            return -1;
        } else {
            break;
        }
    }
    return n;
}

static int is_oct(unsigned char c) { return c >= '0' && c <= '7'; }
static int is_bin(unsigned char c) { return c == '0' || c == '1'; }

static int lex_number(fp_lexer *lx, fp_token *t)
{
    const char *start = lx->pos;
    int col0 = col_of(lx, start);
    int is_float = 0;
    if (*lx->pos == '0' && lx->pos + 1 < lx->end && strchr("xXoObB", lx->pos[1]) != NULL) {
        char kind = (char)(lx->pos[1] | 0x20);
        int (*ok)(unsigned char) = kind == 'x' ? is_hex : kind == 'o' ? is_oct : is_bin;
        const char *what = kind == 'x' ? "hexadecimal" : kind == 'o' ? "octal" : "binary";
        lx->pos += 2;
        if (lx->pos < lx->end && *lx->pos == '_')
            lx->pos++;
        int n = scan_digits(lx, ok);
        unsigned char c = lx->pos < lx->end ? (unsigned char)*lx->pos : 0;
        if (n >= 0 && kind != 'x' && is_digit(c)) {
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, lx->pos),
                             "invalid digit '%c' in %s literal", c, what);
            return -1;
        }
        if (n <= 0 || (is_id_char(c) && !keyword_follows(lx->pos, lx->end))) {
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, lx->pos),
                             "invalid %s literal", what);
            return -1;
        }
        uint64_t v = 0;
        int big = 0;
        int shift = kind == 'x' ? 4 : kind == 'o' ? 3 : 1;
        for (const char *p = start + 2; p < lx->pos; p++) {
            if (*p == '_')
                continue;
            if (v >> (64 - shift))
                big = 1;
            v = (v << shift) | (uint64_t)hex_val((unsigned char)*p);
        }
        make(lx, t, FP_TK_INT, start);
        t->u.i.value = v;
        t->u.i.too_big = big;
        return 0;
    }
    int nint = 0;
    if (*lx->pos != '.') {
        nint = scan_digits(lx, is_digit);
        if (nint < 0)
            goto invalid;
    }
    if (lx->pos < lx->end && *lx->pos == '.') {
        is_float = 1;
        lx->pos++;
        if (lx->pos < lx->end && is_digit((unsigned char)*lx->pos) && scan_digits(lx, is_digit) < 0)
            goto invalid;
    }
    if (lx->pos < lx->end && (*lx->pos == 'e' || *lx->pos == 'E')) {
        const char *save = lx->pos;
        lx->pos++;
        if (lx->pos < lx->end && (*lx->pos == '+' || *lx->pos == '-'))
            lx->pos++;
        if (lx->pos >= lx->end || !is_digit((unsigned char)*lx->pos)) {
            if (keyword_follows(save, lx->end)) { /* 1else: the number ends before 'else' */
                lx->pos = save;
            } else {
                goto invalid;
            }
        } else {
            if (scan_digits(lx, is_digit) < 0)
                goto invalid;
            is_float = 1;
        }
    }
    if (lx->pos < lx->end && (*lx->pos == 'j' || *lx->pos == 'J')) {
        fp_lex_set_error(lx, "SyntaxError", lx->lineno, col0,
                         "ftpy does not support complex numbers");
        return -1;
    }
    if (lx->pos < lx->end && is_id_char((unsigned char)*lx->pos) &&
        !keyword_follows(lx->pos, lx->end))
        goto invalid;
    if (!is_float && nint > 1 && *start == '0') {
        for (const char *p = start; p < lx->pos; p++) {
            if (*p != '0' && *p != '_') {
                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col0,
                                 "leading zeros in decimal integer literals are not permitted; "
                                 "use an 0o prefix for octal integers");
                return -1;
            }
        }
    }
    if (is_float) {
        size_t n = (size_t)(lx->pos - start), k = 0;
        char small[64];
        char *buf = n < sizeof small ? small : malloc(n + 1);
        if (buf == NULL) {
            fp_lex_set_error(lx, "MemoryError", lx->lineno, col0, "out of memory");
            return -1;
        }
        for (size_t i = 0; i < n; i++)
            if (start[i] != '_')
                buf[k++] = start[i];
        buf[k] = '\0';
        make(lx, t, FP_TK_FLOAT, start);
        t->u.f = strtod(buf, NULL);
        if (buf != small)
            free(buf);
        return 0;
    }
    uint64_t v = 0;
    int big = 0;
    for (const char *p = start; p < lx->pos; p++) {
        if (*p == '_')
            continue;
        uint64_t d = (uint64_t)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            big = 1;
        v = v * 10 + d;
    }
    make(lx, t, FP_TK_INT, start);
    t->u.i.value = v;
    t->u.i.too_big = big;
    return 0;
invalid:
    fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, lx->pos), "invalid decimal literal");
    return -1;
}

/* String prefix (r, u, f, b and the two-letter combinations) of length n at p: its flags, or -1. */
static int string_prefix(const char *p, size_t n)
{
    int flags = 0;
    if (n > 2)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int f;
        switch (p[i] | 0x20) {
        case 'r': f = FP_STR_RAW; break;
        case 'f': f = FP_STR_F; break;
        case 'b': f = FP_STR_BYTES; break;
        case 'u': f = 8; break;
        default: return -1;
        }
        if (flags & f)
            return -1;
        flags |= f;
    }
    if ((flags & 8) && n > 1)
        return -1;
    if ((flags & FP_STR_F) && (flags & FP_STR_BYTES))
        return -1;
    return flags & ~8;
}

static int lex_string(fp_lexer *lx, fp_token *t, const char *start, int flags)
{
    int line0 = lx->lineno, col0 = col_of(lx, start);
    char q = *lx->pos;
    int triple = lx->end - lx->pos >= 3 && lx->pos[1] == q && lx->pos[2] == q;
    int ql = triple ? 3 : 1;
    lx->pos += ql;
    const char *body = lx->pos;
    int body_col = col_of(lx, body);
    for (;;) {
        if (lx->pos >= lx->end) {
            int detected = lx->lineno;
            if (lx->pos > lx->src && (lx->pos[-1] == '\n' || lx->pos[-1] == '\r') &&
                detected > line0)
                detected--;
            if (triple)
                fp_lex_set_error(lx, "SyntaxError", line0, col0,
                                 "unterminated triple-quoted string literal (detected at line %d)",
                                 detected);
            else
                fp_lex_set_error(lx, "SyntaxError", line0, col0,
                                 "unterminated string literal (detected at line %d)", detected);
            return -1;
        }
        char c = *lx->pos;
        if (c == '\\') {
            lx->pos++;
            if (!skip_line_end(lx) && lx->pos < lx->end)
                lx->pos++;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (!triple) {
                fp_lex_set_error(lx, "SyntaxError", line0, col0,
                                 "unterminated string literal (detected at line %d)", lx->lineno);
                return -1;
            }
            skip_line_end(lx);
            continue;
        }
        if (c == q && (!triple || (lx->end - lx->pos >= 3 && lx->pos[1] == q && lx->pos[2] == q))) {
            size_t blen = (size_t)(lx->pos - body);
            lx->pos += ql;
            t->kind = FP_TK_STRING;
            t->lineno = line0;
            t->col = col0;
            t->end_lineno = lx->lineno;
            t->start = start;
            t->len = (size_t)(lx->pos - start);
            t->u.s.flags = flags;
            t->u.s.quote_len = ql;
            t->u.s.body = body;
            t->u.s.body_len = blen;
            t->u.s.body_lineno = line0;
            t->u.s.body_col = body_col;
            return 0;
        }
        lx->pos++;
    }
}

static int lex_bracket(fp_lexer *lx, fp_token *t, char c)
{
    int col = col_of(lx, lx->pos);
    if (c == '(' || c == '[' || c == '{') {
        if (lx->nparen >= FP_LEX_MAX_PAREN) {
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col, "too many nested parentheses");
            return -1;
        }
        lx->parens[lx->nparen] = c;
        lx->paren_line[lx->nparen] = lx->lineno;
        lx->paren_col[lx->nparen] = col;
        lx->nparen++;
    } else {
        if (lx->nparen == 0) {
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col, "unmatched '%c'", c);
            return -1;
        }
        char open = lx->parens[lx->nparen - 1];
        if ((open == '(' && c != ')') || (open == '[' && c != ']') || (open == '{' && c != '}')) {
            if (lx->paren_line[lx->nparen - 1] != lx->lineno)
                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col,
                                 "closing parenthesis '%c' does not match opening parenthesis "
                                 "'%c' on line %d",
                                 c, open, lx->paren_line[lx->nparen - 1]);
            else
                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col,
                                 "closing parenthesis '%c' does not match opening parenthesis "
                                 "'%c'",
                                 c, open);
            return -1;
        }
        lx->nparen--;
    }
    (void)t;
    return 0;
}

static int lex_token(fp_lexer *lx, fp_token *t)
{
    for (;;) {
        if (lx->pending_dedents > 0) {
            lx->pending_dedents--;
            make(lx, t, FP_TK_DEDENT, lx->pos);
            t->len = 0;
            return 0;
        }
        if (lx->at_bol) {
            int r = handle_indentation(lx, t);
            if (r != 0)
                return r > 0 ? 0 : -1;
            if (lx->pending_dedents > 0)
                continue;
        }
        while (lx->pos < lx->end && (*lx->pos == ' ' || *lx->pos == '\t' || *lx->pos == '\f'))
            lx->pos++;
        if (lx->pos < lx->end && *lx->pos == '#')
            while (lx->pos < lx->end && *lx->pos != '\n' && *lx->pos != '\r')
                lx->pos++;
        if (lx->pos >= lx->end) {
            if (lx->line_has_tokens && !lx->fstring_field) {
                lx->line_has_tokens = 0;
                make(lx, t, FP_TK_NEWLINE, lx->pos);
                t->len = 0;
                return 0;
            }
            if (lx->nparen > 0) {
                int i = lx->nparen - 1;
                fp_lex_set_error(lx, "SyntaxError", lx->paren_line[i], lx->paren_col[i],
                                 "'%c' was never closed", lx->parens[i]);
                return -1;
            }
            if (lx->nindent > 0) {
                lx->nindent--;
                make(lx, t, FP_TK_DEDENT, lx->pos);
                t->len = 0;
                return 0;
            }
            make(lx, t, FP_TK_ENDMARKER, lx->pos);
            t->len = 0;
            lx->done = 1;
            lx->done_kind = FP_TK_ENDMARKER;
            return 0;
        }
        const char *start = lx->pos;
        unsigned char c = (unsigned char)*start;
        if (c == '\\') {
            lx->pos++;
            if (lx->pos >= lx->end) {
                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, lx->pos),
                                 "unexpected EOF while parsing");
                return -1;
            }
            if (skip_line_end(lx)) {
                if (lx->pos >= lx->end) {
                    fp_lex_set_error(lx, "SyntaxError", lx->lineno - 1, 0,
                                     "unexpected EOF while parsing");
                    return -1;
                }
                continue;
            }
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, lx->pos),
                             "unexpected character after line continuation character");
            return -1;
        }
        if (c == '\n' || c == '\r') {
            if (lx->nparen > 0 || lx->fstring_field || !lx->line_has_tokens) {
                skip_line_end(lx);
                continue;
            }
            make(lx, t, FP_TK_NEWLINE, start);
            skip_line_end(lx);
            t->len = 0;
            lx->at_bol = 1;
            lx->line_has_tokens = 0;
            return 0;
        }
        lx->line_has_tokens = 1;
        if (is_id_start(c)) {
            const char *p = start;
            while (p < lx->end && is_id_char((unsigned char)*p)) {
                if ((unsigned char)*p >= 0x80) {
                    uint32_t cp;
                    int n = utf8_decode(p, lx->end, &cp);
                    if (cp_is_non_letter(cp)) {
                        if (p == start || cp < 0xA0 || cp == 0xFEFF) {
                            if (cp < 0xA0 || cp == 0xFEFF)
                                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, p),
                                                 "invalid non-printable character U+%04X",
                                                 (unsigned)cp);
                            else
                                fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, p),
                                                 "invalid character '%.*s' (U+%04X)", n, p,
                                                 (unsigned)cp);
                            return -1;
                        }
                        break;
                    }
                    p += n;
                } else {
                    p++;
                }
            }
            lx->pos = p;
            size_t n = (size_t)(p - start);
            if (p < lx->end && (*p == '\'' || *p == '"')) {
                int flags = string_prefix(start, n);
                if (flags >= 0)
                    return lex_string(lx, t, start, flags);
            }
            make(lx, t, FP_TK_NAME, start);
            for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
                if (strlen(keywords[i].s) == n && memcmp(keywords[i].s, start, n) == 0)
                    t->kind = keywords[i].k;
            return 0;
        }
        if (is_digit(c) ||
            (c == '.' && lx->pos + 1 < lx->end && is_digit((unsigned char)lx->pos[1])))
            return lex_number(lx, t);
        if (c == '\'' || c == '"')
            return lex_string(lx, t, start, 0);
        if (c >= 0x80) {
            uint32_t cp;
            int n = utf8_decode(start, lx->end, &cp);
            fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, start),
                             "invalid character '%.*s' (U+%04X)", n, start, (unsigned)cp);
            return -1;
        }
        for (size_t i = 0; i < sizeof operators / sizeof operators[0]; i++) {
            size_t n = strlen(operators[i].s);
            if ((size_t)(lx->end - start) >= n && memcmp(operators[i].s, start, n) == 0) {
                if (n == 1 && strchr("()[]{}", c) != NULL && lex_bracket(lx, t, (char)c) < 0)
                    return -1;
                lx->pos += n;
                make(lx, t, operators[i].k, start);
                return 0;
            }
        }
        fp_lex_set_error(lx, "SyntaxError", lx->lineno, col_of(lx, start),
                         "invalid non-printable character U+%04X", (unsigned)c);
        return -1;
    }
}

void fp_lex_next(fp_lexer *lx, fp_token *tok)
{
    if (lx->done) {
        if (lx->done_kind == FP_TK_ERROR) {
            error_token(lx, tok);
        } else {
            make(lx, tok, FP_TK_ENDMARKER, lx->pos);
            tok->len = 0;
        }
        return;
    }
    memset(tok, 0, sizeof *tok);
    if (lex_token(lx, tok) < 0)
        error_token(lx, tok);
}
