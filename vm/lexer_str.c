/* String literal decoding for ftpy's lexer (declared in lexer.h): escapes to UTF-8.
 *
 * The body is the raw text between the quotes, already known to be valid UTF-8 and properly
 * terminated (the lexer checked both). Every escape is at least as long as what it produces
 * (\xhh: 4 bytes for at most 2; \uXXXX: 6 for at most 3; \UXXXXXXXX: 10 for 4; an octal escape
 * of up to 4 bytes for at most 2), so the output never exceeds the input plus its NUL, and a
 * caller may size the buffer from the body. A line end inside a literal is normalized to \n, as
 * CPython's universal newlines do when reading the file.
 */
#include "lexer.h"

#include <stdio.h>

static int is_hex(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int hex_val(unsigned char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static int utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static long decode_error(char *errmsg, size_t errcap, const char *what)
{
    snprintf(errmsg, errcap, "%s", what);
    return -1;
}

long fp_lex_decode_string(const char *body, size_t len, int raw, char *out, char *errmsg,
                          size_t errcap)
{
    size_t o = 0, i = 0;
    while (i < len) {
        char c = body[i];
        if (c == '\r') {
            out[o++] = '\n';
            i += (i + 1 < len && body[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (c != '\\' || raw || i + 1 >= len) {
            out[o++] = c;
            i++;
            if (raw && c == '\\' && i < len && body[i] != '\r') {
                out[o++] = body[i]; /* r'\'' keeps both characters */
                i++;
            }
            continue;
        }
        char n = body[i + 1];
        size_t esc = i;
        i += 2;
        uint32_t cp;
        int ndig = 0;
        switch (n) {
        case '\n': continue;
        case '\r':
            if (i < len && body[i] == '\n')
                i++;
            continue;
        case '\\': out[o++] = '\\'; continue;
        case '\'': out[o++] = '\''; continue;
        case '"': out[o++] = '"'; continue;
        case 'a': out[o++] = '\a'; continue;
        case 'b': out[o++] = '\b'; continue;
        case 'f': out[o++] = '\f'; continue;
        case 'n': out[o++] = '\n'; continue;
        case 'r': out[o++] = '\r'; continue;
        case 't': out[o++] = '\t'; continue;
        case 'v': out[o++] = '\v'; continue;
        case 'N': return decode_error(errmsg, errcap, "ftpy does not support \\N{...} escapes");
        case 'x': ndig = 2; break;
        case 'u': ndig = 4; break;
        case 'U': ndig = 8; break;
        default:
            if (n >= '0' && n <= '7') {
                cp = (uint32_t)(n - '0');
                for (int k = 0; k < 2 && i < len && body[i] >= '0' && body[i] <= '7'; k++)
                    cp = cp * 8 + (uint32_t)(body[i++] - '0');
                o += (size_t)utf8_encode(cp, out + o);
                continue;
            }
            out[o++] = '\\'; /* an unknown escape keeps its backslash */
            i--;
            continue;
        }
        cp = 0;
        int k = 0;
        for (; k < ndig && i < len && is_hex((unsigned char)body[i]); k++)
            cp = cp * 16 + (uint32_t)hex_val((unsigned char)body[i++]);
        if (k < ndig) {
            snprintf(errmsg, errcap,
                     "(unicode error) 'unicodeescape' codec can't decode bytes in position "
                     "%zu-%zu: truncated \\%s escape",
                     esc, esc + 1 + (size_t)k,
                     n == 'x'   ? "xXX"
                     : n == 'u' ? "uXXXX"
                                : "UXXXXXXXX");
            return -1;
        }
        if (cp > 0x10FFFF) {
            snprintf(errmsg, errcap,
                     "(unicode error) 'unicodeescape' codec can't decode bytes in position "
                     "%zu-%zu: illegal Unicode character",
                     esc, esc + 1 + (size_t)k);
            return -1;
        }
        if (cp >= 0xD800 && cp <= 0xDFFF)
            return decode_error(errmsg, errcap,
                                "ftpy does not support surrogate code points in strings");
        o += (size_t)utf8_encode(cp, out + o);
    }
    out[o] = '\0';
    return (long)o;
}
