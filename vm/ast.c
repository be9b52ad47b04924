/* The arena that holds one parsed module's AST (see ast.h).
 *
 * Allocation bumps a pointer in the current chunk; a request that does not fit starts a new
 * chunk (at least 64 KiB, or the request's own size), chained to the previous ones. Nothing is
 * freed alone: fp_arena_free() releases every chunk at once. Every block is zeroed and aligned
 * for any scalar type (max_align_t). Sizes are checked for overflow, so a huge request fails
 * with NULL instead of wrapping.
 */
#include "ast.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64 * 1024)

typedef struct arena_chunk {
    struct arena_chunk *prev;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
} arena_chunk;

struct fp_arena {
    arena_chunk *cur;
};

fp_arena *fp_arena_new(void) { return calloc(1, sizeof(fp_arena)); }

void *fp_arena_alloc(fp_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    if (size == 0)
        size = align;
    arena_chunk *c = a->cur;
    if (c == NULL || c->size - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = malloc(sizeof(arena_chunk) + cap);
        if (c == NULL)
            return NULL;
        c->prev = a->cur;
        c->size = cap;
        c->used = 0;
        a->cur = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *fp_arena_strdup(fp_arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *d = fp_arena_alloc(a, len + 1);
    if (d == NULL)
        return NULL;
    if (len > 0)
        memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void fp_arena_free(fp_arena *a)
{
    if (a == NULL)
        return;
    arena_chunk *c = a->cur;
    while (c != NULL) {
        arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
    free(a);
}
