/* The tracked nodes of the collector tests (tests/unit/gc_test.c, tests/unit/gc_types_test.c,
 * tests/stress/gc_concurrent.c, tests/stress/gc_types_stress.c): objects with two references
 * and an id whose deallocations are counted in freed[id], so a test can check that every node
 * it made was freed exactly once. The dealloc CHECKs that a node dies once and while alive
 * (magic is GC_NODE_MAGIC from its creation to its dealloc, GC_NODE_DEAD after, which a use of
 * a dead node that ASan has not caught yet shows). The including file defines GC_NODES_MAX,
 * the number of ids it may make.
 *
 * Three types share the layout: node_type (traverse and clear; clear returns clear_rc when it
 * is negative, leaving the references), noclear_type (traverse only: its cycles break only
 * through another member's clear) and holder_type (untracked: references the collector cannot
 * see, an outside referrer). */
#ifndef FTC_TEST_GC_NODES_H
#define FTC_TEST_GC_NODES_H

#include <ftcore/ftcore.h>

#include "check.h"

#ifndef GC_NODES_MAX
#error "define GC_NODES_MAX (the number of node ids the test may make) before gc_nodes.h"
#endif

#define GC_NODE_MAGIC 0x600dcafeu
#define GC_NODE_DEAD 0xdeadbeefu

typedef struct node {
    FTC_OBJECT_HEAD;
    ftc_object *ref[2];
    unsigned magic; /* atomic: GC_NODE_MAGIC while alive */
    int id;
    int clear_rc; /* what clear returns; a negative one leaves the references */
} node;

static int freed[GC_NODES_MAX]; /* atomic: deallocs per id */
static int next_id;             /* atomic */

static int node_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    node *n = (node *)self;
    for (int i = 0; i < 2; i++) {
        int rc;
        if (n->ref[i] != NULL && (rc = visit(n->ref[i], arg)) != 0)
            return rc;
    }
    return 0;
}

static void node_drop_refs(node *n)
{
    for (int i = 0; i < 2; i++) {
        ftc_object *r = n->ref[i];
        n->ref[i] = NULL;
        ftc_xdecref(r);
    }
}

static int node_clear(ftc_object *self)
{
    node *n = (node *)self;
    if (n->clear_rc < 0)
        return n->clear_rc;
    node_drop_refs(n);
    return 0;
}

static void node_dealloc(ftc_object *self)
{
    node *n = (node *)self;
    CHECK(ftc_atomic_load(&n->magic) == GC_NODE_MAGIC);
    ftc_atomic_store(&n->magic, GC_NODE_DEAD);
    CHECK(ftc_atomic_fetch_add(&freed[n->id], 1) == 0);
    node_drop_refs(n);
}

static const ftc_type node_type = {
    .name = "node",
    .basicsize = sizeof(node),
    .dealloc = node_dealloc,
    .traverse = node_traverse,
    .clear = node_clear,
};

static const ftc_type noclear_type = {
    .name = "noclear",
    .basicsize = sizeof(node),
    .dealloc = node_dealloc,
    .traverse = node_traverse,
};

static const ftc_type holder_type = {
    .name = "holder",
    .basicsize = sizeof(node),
    .dealloc = node_dealloc,
};

/* A new node of type t (one of the three above, or a type of the same layout). */
static inline ftc_object *new_of(const ftc_type *t)
{
    node *n = (node *)ftc_object_new(t);
    CHECK(n != NULL);
    n->id = ftc_atomic_fetch_add(&next_id, 1);
    CHECK(n->id < GC_NODES_MAX);
    ftc_atomic_store(&n->magic, GC_NODE_MAGIC);
    return FTC_OBJ(n);
}
static inline ftc_object *new_node(void) { return new_of(&node_type); }

/* a.ref[i] := b, a new reference (b may be NULL). */
static inline void link_ref(ftc_object *a, int i, ftc_object *b)
{
    ftc_xincref(b);
    ((node *)a)->ref[i] = b;
}

/* A new node of type t holding a new reference to ref (which may be NULL) in ref[0]. */
static inline ftc_object *node_to_of(const ftc_type *t, ftc_object *ref)
{
    ftc_object *n = new_of(t);
    link_ref(n, 0, ref);
    return n;
}

static inline int id_of(ftc_object *o) { return ((node *)o)->id; }
static inline int freed_of(int id) { return ftc_atomic_load(&freed[id]); }
static inline void check_alive(ftc_object *o)
{
    CHECK(ftc_atomic_load(&((node *)o)->magic) == GC_NODE_MAGIC);
}

#endif /* FTC_TEST_GC_NODES_H */
