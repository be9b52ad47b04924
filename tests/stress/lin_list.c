/* Linearizability of the list: thousands of short concurrent histories (two threads, four
 * operations each, every written value unique) of append, insert, get (positive and negative
 * index), set, pop (end, front, middle), del, len, reverse, extend, copy, index and contains on
 * one list, each checked against a sequential model (lin_common.h). Items are heap ints; reads
 * are lock-free in the nogil build while the writers' single-slot stores, multi-slot windows
 * and array replacements run against them. copy records a fingerprint of the list it returned
 * (its items in order and its length) that must be one model state's; index and contains look
 * for a fresh int equal to a value that some history writes or starts with, so they compare by
 * value, not identity. */
#include "lin_common.h"

enum {
    L_APPEND,
    L_INSERT,
    L_GET,
    L_SET,
    L_POP,
    L_LEN,
    L_REVERSE,
    L_EXTEND,
    L_DEL,
    L_COPY,
    L_INDEX,
    L_CONTAINS,
    L_NKINDS
};
static const char *const names[] = {"append",  "insert", "get", "set",  "pop",   "len",
                                    "reverse", "extend", "del", "copy", "index", "contains"};

/* An order-sensitive fingerprint of n numbers, masked to 62 bits (never -1: "no result"). */
static int64_t fingerprint(const int64_t *item, int n)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325) ^ (uint64_t)n;
    for (int i = 0; i < n; i++) {
        h ^= (uint64_t)item[i];
        h *= UINT64_C(0x100000001b3);
        h ^= h >> 29;
    }
    return (int64_t)(h & (UINT64_MAX >> 2));
}

/* The fingerprint of a private list (the copy). */
static int64_t list_fingerprint(ftc_object *l)
{
    int64_t n = ftc_list_len(l), item[LIN_MAXITEMS];
    CHECK(n >= 0 && n <= LIN_MAXITEMS);
    for (int64_t i = 0; i < n; i++) {
        ftc_object *x = NULL;
        CHECK_EQ(ftc_list_get_ref(l, i, &x), 0);
        item[i] = ftc_int_value(x);
        ftc_decref(x);
    }
    return fingerprint(item, (int)n);
}

static void lin_touch(ftc_object *c) { CHECK(ftc_list_len(c) >= 0); }

static void lin_run(ftc_object *l, lin_op *op)
{
    ftc_object *v = NULL, *out = NULL;
    switch (op->kind) {
    case L_APPEND:
        v = ftc_int_new(op->b);
        op->rc = ftc_list_append(l, v);
        break;
    case L_INSERT:
        v = ftc_int_new(op->b);
        op->rc = ftc_list_insert(l, op->a, v);
        break;
    case L_GET:
        if ((op->b / 10) & 1) {
            /* Every other get borrows: its value is read before this thread's next quiescent
             * point, which is what the borrowed form guarantees; nothing to release. */
            ftc_object *b = NULL;
            op->rc = ftc_list_get_borrowed(l, op->a, &b);
            op->out = b ? ftc_int_value(b) : -1;
            return;
        }
        op->rc = ftc_list_get_ref(l, op->a, &out);
        break;
    case L_SET:
        v = ftc_int_new(op->b);
        op->rc = ftc_list_set(l, op->a, v);
        break;
    case L_POP: op->rc = ftc_list_pop(l, op->a, &out); break;
    case L_LEN: op->rc = ftc_list_len(l); break;
    case L_REVERSE: op->rc = ftc_list_reverse(l); break;
    case L_DEL: op->rc = ftc_list_del(l, op->a); break;
    case L_COPY: {
        ftc_object *c = ftc_list_copy(l);
        op->rc = c ? 0 : ftc_last_error();
        if (c != NULL) {
            op->out = list_fingerprint(c);
            ftc_decref(c);
        }
        return;
    }
    case L_INDEX:
        v = ftc_int_new(op->b); /* a fresh object: found by equality */
        op->rc = ftc_list_index(l, v);
        break;
    case L_CONTAINS:
        v = ftc_int_new(op->b);
        op->rc = ftc_list_contains(l, v);
        break;
    default: {
        ftc_object *pair = ftc_list_new(), *x = ftc_int_new(op->b), *y = ftc_int_new(op->b + 1);
        CHECK(pair && x && y);
        CHECK_EQ(ftc_list_append(pair, x), 0);
        CHECK_EQ(ftc_list_append(pair, y), 0);
        op->rc = ftc_list_extend(l, pair);
        ftc_decref(x);
        ftc_decref(y);
        ftc_decref(pair);
        break;
    }
    }
    op->out = out ? ftc_int_value(out) : -1;
    ftc_xdecref(out);
    ftc_xdecref(v);
}

/* Python's normalization of an index naming an existing item; -1 when out of range. */
static int norm(int64_t i, int n)
{
    if (i < 0)
        i += n;
    return (i < 0 || i >= n) ? -1 : (int)i;
}

static bool lin_apply(lin_state *s, const lin_op *op)
{
    int j;
    switch (op->kind) {
    case L_APPEND: s->item[s->n++] = op->b; return op->rc == 0;
    case L_INSERT:
        j = (int)(op->a < 0 ? op->a + s->n : op->a);
        j = j < 0 ? 0 : j > s->n ? s->n : j;
        memmove(&s->item[j + 1], &s->item[j], (size_t)(s->n - j) * sizeof(int64_t));
        s->item[j] = op->b;
        s->n++;
        return op->rc == 0;
    case L_GET:
        j = norm(op->a, s->n);
        if (j < 0)
            return op->rc == FTC_EINDEX && op->out == -1;
        return op->rc == 0 && op->out == s->item[j];
    case L_SET:
        j = norm(op->a, s->n);
        if (j < 0)
            return op->rc == FTC_EINDEX;
        s->item[j] = op->b;
        return op->rc == 0;
    case L_POP:
        j = norm(op->a, s->n);
        if (j < 0)
            return op->rc == FTC_EINDEX && op->out == -1;
        if (op->rc != 0 || op->out != s->item[j])
            return false;
        memmove(&s->item[j], &s->item[j + 1], (size_t)(s->n - j - 1) * sizeof(int64_t));
        s->n--;
        return true;
    case L_LEN: return op->rc == s->n;
    case L_DEL:
        j = norm(op->a, s->n);
        if (j < 0)
            return op->rc == FTC_EINDEX;
        memmove(&s->item[j], &s->item[j + 1], (size_t)(s->n - j - 1) * sizeof(int64_t));
        s->n--;
        return op->rc == 0;
    case L_COPY: return op->rc == 0 && op->out == fingerprint(s->item, s->n);
    case L_INDEX:
    case L_CONTAINS:
        for (j = 0; j < s->n && s->item[j] != op->b; j++)
            ;
        if (op->kind == L_CONTAINS)
            return op->rc == (j < s->n);
        return op->rc == (j < s->n ? j : FTC_EKEY);
    case L_REVERSE:
        for (int lo = 0, hi = s->n - 1; lo < hi; lo++, hi--) {
            int64_t t = s->item[lo];
            s->item[lo] = s->item[hi];
            s->item[hi] = t;
        }
        return op->rc == 0;
    default:
        s->item[s->n++] = op->b;
        s->item[s->n++] = op->b + 1;
        return op->rc == 0;
    }
}

static ftc_object *make(lin_state *init, uint64_t *seed)
{
    ftc_object *l = ftc_list_new();
    CHECK(l != NULL);
    /* 0 to 4 initial items: with capacities 4 then 8, some histories grow the array (a
     * replacement) and others write in place (single slots and windows). */
    int n0 = (int)(ftc_check_rand(seed) % 5);
    for (int j = 0; j < n0; j++) {
        ftc_object *v = ftc_int_new(900000 + j);
        CHECK_EQ(ftc_list_append(l, v), 0);
        ftc_decref(v);
        init->item[j] = 900000 + j;
    }
    init->n = n0;
    static const int64_t get_idx[] = {0, 1, 2, -1, -2, 5};
    static const int64_t pop_idx[] = {-1, -1, 0, 1};
    for (int i = 0; i < LIN_TOTAL; i++) {
        uint64_t r = ftc_check_rand(seed);
        lin_op *op = &lin_ops[i];
        op->kind = (int)(r % L_NKINDS);
        op->b = 1000000 + 10 * i; /* unique per operation (extend uses b and b + 1) */
        switch (op->kind) {
        case L_INSERT: op->a = (int64_t)((r >> 8) % 3) - 1; break; /* -1, 0, 1 */
        case L_GET: op->a = get_idx[(r >> 8) % 6]; break;
        case L_SET: op->a = get_idx[(r >> 8) % 6]; break;
        case L_POP: op->a = pop_idx[(r >> 8) % 4]; break;
        case L_DEL: op->a = pop_idx[(r >> 8) % 4]; break;
        case L_INDEX:
        case L_CONTAINS: {
            /* Look for a value that is there at the start, or that another op writes (it may
             * appear or go during the history), or one that never is. */
            uint64_t w = (r >> 8) % 3;
            int other = (int)((r >> 16) % LIN_TOTAL);
            op->b = w == 0   ? 900000 + (int64_t)((r >> 24) % 5)
                    : w == 1 ? 1000000 + 10 * other + (int64_t)((r >> 24) & 1)
                             : 777;
            break;
        }
        default: op->a = 0; break;
        }
    }
    return l;
}

FTC_TEST(list_histories_linearizable) { lin_test("list", make, names); }
