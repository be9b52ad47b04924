/* ftpy's tokenizer: turns UTF-8 source text into the token stream the parser (vm/parser.c)
 * reads, one token at a time, on demand.
 *
 * What it produces follows CPython's tokenizer: NEWLINE ends a logical line (never inside
 * brackets, never after a backslash continuation), INDENT and DEDENT bracket blocks (blank and
 * comment-only lines do not count), and the stream always ends with NEWLINE (if the last line had
 * tokens), one DEDENT per open block, then ENDMARKER. Numbers arrive converted (an int literal
 * too large for 64 bits is marked, not wrapped); string literals arrive raw (the text between
 * the quotes, with their prefix flags): the parser decodes them with fp_lex_decode_string(),
 * because an f-string's body must be split into literal parts and fields before decoding.
 *
 * Errors: the tokenizer's own errors (CPython's messages: "unterminated string literal
 * (detected at line N)", "unindent does not match any outer indentation level", "invalid decimal
 * literal", "unmatched ')'", ...) are stored in the lexer and signalled by an FP_TK_ERROR token;
 * the parser reports them when it reaches that token, so an earlier syntax error wins as in
 * CPython. Every limit is checked: bracket nesting (200, "too many nested parentheses") and
 * indentation depth (100, "too many levels of indentation"), so nothing here recurses or grows
 * without bound.
 */
#ifndef FTPY_LEXER_H
#define FTPY_LEXER_H

#include "ast.h"

#include <stdint.h>

typedef enum fp_tok_kind {
    FP_TK_ENDMARKER,
    FP_TK_ERROR, /* the lexer's error is in lexer->err */
    FP_TK_NAME,
    FP_TK_INT,
    FP_TK_FLOAT,
    FP_TK_STRING,
    FP_TK_NEWLINE,
    FP_TK_INDENT,
    FP_TK_DEDENT,
    /* operators and delimiters */
    FP_TK_LPAR,
    FP_TK_RPAR,
    FP_TK_LSQB,
    FP_TK_RSQB,
    FP_TK_LBRACE,
    FP_TK_RBRACE,
    FP_TK_COLON,
    FP_TK_COMMA,
    FP_TK_SEMI,
    FP_TK_DOT,
    FP_TK_ELLIPSIS,
    FP_TK_RARROW,
    FP_TK_PLUS,
    FP_TK_MINUS,
    FP_TK_STAR,
    FP_TK_SLASH,
    FP_TK_DOUBLESLASH,
    FP_TK_PERCENT,
    FP_TK_DOUBLESTAR,
    FP_TK_AT,
    FP_TK_VBAR,
    FP_TK_AMPER,
    FP_TK_CIRCUMFLEX,
    FP_TK_TILDE,
    FP_TK_LEFTSHIFT,
    FP_TK_RIGHTSHIFT,
    FP_TK_LESS,
    FP_TK_GREATER,
    FP_TK_EQEQUAL,
    FP_TK_NOTEQUAL,
    FP_TK_LESSEQUAL,
    FP_TK_GREATEREQUAL,
    FP_TK_EQUAL,
    FP_TK_COLONEQUAL,
    FP_TK_EXCLAMATION,
    FP_TK_UNKNOWN, /* another ASCII punctuation character ($ ? `): "invalid syntax" */
    FP_TK_PLUSEQUAL,
    FP_TK_MINEQUAL,
    FP_TK_STAREQUAL,
    FP_TK_SLASHEQUAL,
    FP_TK_DOUBLESLASHEQUAL,
    FP_TK_PERCENTEQUAL,
    FP_TK_DOUBLESTAREQUAL,
    FP_TK_ATEQUAL,
    FP_TK_VBAREQUAL,
    FP_TK_AMPEREQUAL,
    FP_TK_CIRCUMFLEXEQUAL,
    FP_TK_LEFTSHIFTEQUAL,
    FP_TK_RIGHTSHIFTEQUAL,
    /* keywords (identifiers spelled so are never FP_TK_NAME) */
    FP_TK_FALSE,
    FP_TK_NONE,
    FP_TK_TRUE,
    FP_TK_AND,
    FP_TK_AS,
    FP_TK_ASSERT,
    FP_TK_ASYNC,
    FP_TK_AWAIT,
    FP_TK_BREAK,
    FP_TK_CLASS,
    FP_TK_CONTINUE,
    FP_TK_DEF,
    FP_TK_DEL,
    FP_TK_ELIF,
    FP_TK_ELSE,
    FP_TK_EXCEPT,
    FP_TK_FINALLY,
    FP_TK_FOR,
    FP_TK_FROM,
    FP_TK_GLOBAL,
    FP_TK_IF,
    FP_TK_IMPORT,
    FP_TK_IN,
    FP_TK_IS,
    FP_TK_LAMBDA,
    FP_TK_NONLOCAL,
    FP_TK_NOT,
    FP_TK_OR,
    FP_TK_PASS,
    FP_TK_RAISE,
    FP_TK_RETURN,
    FP_TK_TRY,
    FP_TK_WHILE,
    FP_TK_WITH,
    FP_TK_YIELD,
} fp_tok_kind;

/* String prefix flags of an FP_TK_STRING token. */
enum { FP_STR_RAW = 1, FP_STR_F = 2, FP_STR_BYTES = 4 };

typedef struct fp_token {
    fp_tok_kind kind;
    int lineno;        /* 1-based line of the first character */
    int col;           /* 0-based column in code points */
    int end_lineno;    /* line of the last character (multi-line strings) */
    const char *start; /* the token's text in the source (NAME: the identifier) */
    size_t len;
    union {
        struct {
            uint64_t value;
            int too_big;
        } i;                  /* INT: too_big if > 2^64-1 */
        double f;             /* FLOAT */
        struct {              /* STRING */
            int flags;        /* FP_STR_* */
            int quote_len;    /* 1 or 3 */
            const char *body; /* between the quotes, raw */
            size_t body_len;
            int body_lineno, body_col; /* position of body[0] */
        } s;
    } u;
} fp_token;

#define FP_LEX_MAX_PAREN 200
#define FP_LEX_MAX_INDENT 100

typedef struct fp_lexer {
    const char *src, *end, *pos;
    const char *line_start; /* start of the current physical line */
    const char *col_pos;    /* col_of()'s cache: col_val code points precede col_pos */
    int col_val;
    int lineno;
    int at_bol;          /* at the beginning of a logical line */
    int line_has_tokens; /* a token has been produced on this logical line */
    int pending_dedents;
    int done; /* ENDMARKER or ERROR produced: every later call repeats it */
    fp_tok_kind done_kind;
    int indents[FP_LEX_MAX_INDENT + 1], altindents[FP_LEX_MAX_INDENT + 1];
    int nindent; /* indents[0] == 0 always */
    char parens[FP_LEX_MAX_PAREN];
    int paren_line[FP_LEX_MAX_PAREN], paren_col[FP_LEX_MAX_PAREN];
    int nparen;
    int first_lineno;  /* line number of src[0] (f-string fields start mid-file) */
    int first_col;     /* column of src[0] on its line */
    int fstring_field; /* lexing an f-string field: no NEWLINE/INDENT logic */
    fp_syntax_error err;
} fp_lexer;

/* Starts tokenizing src[0..len). lineno/col give the position of src[0] (1, 0 for a file).
 * filename is only referenced, for errors. fstring_field: the text is one f-string field
 * (an expression inside {}), lexed as if inside brackets. */
void fp_lex_init(fp_lexer *lx, const char *src, size_t len, const char *filename, int lineno,
                 int col, int fstring_field);

/* Produces the next token. After FP_TK_ENDMARKER or FP_TK_ERROR, returns the same again. */
void fp_lex_next(fp_lexer *lx, fp_token *tok);

/* Fills lx->err: kind ("SyntaxError", "IndentationError", "TabError"), position, message. The
 * offending line's text is copied from the source. */
void fp_lex_set_error(fp_lexer *lx, const char *kind, int lineno, int col, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;

/* Decodes a string literal body (escapes unless raw) into out (UTF-8, NUL-terminated, at most
 * len + 1 bytes: decoding never lengthens, \N{} is not supported). Returns the decoded length,
 * or -1 with errmsg set to CPython's "(unicode error) ..." text or ftpy's refusal. */
long fp_lex_decode_string(const char *body, size_t len, int raw, char *out, char *errmsg,
                          size_t errcap);

/* Copies line `lineno` of the lexer's source into out (without its line end, NUL-terminated,
 * never cutting a UTF-8 character). */
void fp_lex_line_text(const fp_lexer *lx, int lineno, char *out, size_t cap);

/* Number of code points in s[0..len). */
int fp_lex_count_cols(const char *s, size_t len);

/* The keyword's spelling for messages, or the operator's. */
const char *fp_tok_kind_name(fp_tok_kind k);

#endif /* FTPY_LEXER_H */
