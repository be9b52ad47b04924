/* The lock-order checker (include/ftcore/lockorder.h has the contract; the guide is
 * docs/internals/lockorder.md). Written for ftcore after the idea of Linux's lockdep and of
 * Abseil's deadlock detector over a lock-order graph; no code from either.
 *
 * The graph. Nodes are lock classes: a class is (key, subclass), where the key is either the
 * address given to ftc_lockorder_set_class() / an object's type (shared classes, never die) or
 * the lock's own address (an instance class, which ftc_lockorder_forget() and the freeing of the
 * object around it kill). A class has an id, its index in `classes`; ids are never reused, so an
 * edge between dead ids can never match a new lock. An edge a -> b means "b was taken while a was
 * held, and a was held across b's wait": it is kept in a hash set (to skip known edges at once)
 * and in a's list of out-edges (for the search). Before adding a -> b, a depth-first search from
 * b looks for a path to a; if there is one, the new edge would close a cycle: it is recorded in
 * the set as reported (so the same order never reports again) but not in a's list (so the graph
 * stays acyclic and every later search stays meaningful), and the report is built from the path.
 *
 * Locks to classes. A table keyed by lock address (chained, hashed by the address's 64-byte
 * granule, so that the memory of a freed object can be forgotten with a few probes) holds, for
 * each lock the checker has seen: the shared class it was put in, if any, and the ids of its
 * instance classes (subclass 0 and 1).
 *
 * Held locks. Each thread has a record listing what it holds (lock, class, flags, where taken).
 * The acquire hook runs *before* the lock call waits: it adds the edges, then pushes the entry
 * (an edge is about an order seen, whether or not this time had to wait; and a wait that detaches
 * re-attaches while the new lock is already ours, so the GIL and section locks re-taken then get
 * their edges from it). A lock call that fails (a timeout) pops the entry again. A mutex may be
 * unlocked by another thread than the one that locked it (ftc_mutex has no owner, Lock objects
 * neither): a release that does not find the lock among the caller's entries looks in the other
 * threads' records, which is why every record is reachable from a global list.
 *
 * Synchronization: one pthread mutex (lo_mu) guards everything above. It is a leaf: nothing is
 * locked under it and no hook runs under it (the report is delivered after it is released). In
 * builds under ThreadSanitizer, the checker hides its own synchronization and memory accesses
 * from TSan (AnnotateIgnore*), because lo_mu, taken by every lock operation of every thread,
 * would otherwise order all of them and hide the data races that the sanitizer exists to find.
 *
 * fork: the handlers, registered by a constructor when the library loads (so that they run after
 * the runtime's own prepare handler, which takes locks), take lo_mu around fork(); the child drops
 * the records of the threads that do not exist in it.
 *
 * Cost: nothing unless FTC_DEBUG >= 1 (the hooks are macros that compile to nothing, and the
 * public inline fast paths are unchanged). In debug builds, every lock operation takes lo_mu and
 * looks up its class; docs/internals/lockorder.md has the numbers.
 */
#include "internal/core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the public functions that exist in every build ---- */

static ftc_lockorder_hook hook_fn; /* lo_mu (read under it, called without it) */
static void *hook_arg;             /* lo_mu */
static uint64_t report_count;      /* atomic */

uint64_t ftc_lockorder_report_count(void)
{
    return ftc_atomic_load_relaxed(&report_count); /* relaxed: a statistic */
}

#if FTC_DEBUG_LEVEL >= 1

#if defined(__SANITIZE_THREAD__)
#define LO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LO_TSAN 1
#endif
#endif
#ifdef LO_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
void AnnotateIgnoreWritesBegin(const char *file, int line);
void AnnotateIgnoreWritesEnd(const char *file, int line);
void AnnotateIgnoreSyncBegin(const char *file, int line);
void AnnotateIgnoreSyncEnd(const char *file, int line);
#define HIDE_BEGIN()                                                                            \
    (AnnotateIgnoreSyncBegin(__FILE__, __LINE__), AnnotateIgnoreReadsBegin(__FILE__, __LINE__), \
     AnnotateIgnoreWritesBegin(__FILE__, __LINE__))
#define HIDE_END()                                                                            \
    (AnnotateIgnoreWritesEnd(__FILE__, __LINE__), AnnotateIgnoreReadsEnd(__FILE__, __LINE__), \
     AnnotateIgnoreSyncEnd(__FILE__, __LINE__))
#else
#define HIDE_BEGIN() ((void)0)
#define HIDE_END() ((void)0)
#endif

#define MAX_HELD 64
#define NAME_LEN 112

struct edge {
    int from, to;
    const char *file; /* where `to` was taken while `from` was held */
    int line;
    const char *held_file; /* where `from` had been taken */
    int held_line;
    bool reported; /* closed a cycle: in the set only, not in from's out-list */
    struct edge *hnext;
};

struct lclass {
    const void *key;
    unsigned sub;
    bool instance, dead;
    char name[NAME_LEN];
    struct edge **out;
    size_t nout, capout;
    uint64_t visit;   /* search generation that reached it */
    struct edge *via; /* the edge by which that search reached it */
};

struct addr_rec {
    const void *addr;
    const void *key;     /* shared class key, or NULL */
    char name[NAME_LEN]; /* the shared class's name when created from here */
    int inst[2];         /* instance class ids per subclass, -1 if none */
    struct addr_rec *next;
};

struct held {
    const void *lock;
    int cls;
    int flags;
    const char *file;
    int line;
};

struct lo_thread {
    struct lo_thread *next, *prev;
    size_t n;
    size_t overflow; /* entries not recorded because MAX_HELD were held */
    struct held held[MAX_HELD];
};

static pthread_mutex_t lo_mu = PTHREAD_MUTEX_INITIALIZER;
static struct lclass **classes; /* by id */
static size_t nclasses, capclasses;
#define CHASH 4096
static struct cnode {
    int id;
    struct cnode *next;
} * class_hash[CHASH]; /* shared classes by (key, sub) */
#define EHASH 16384
static struct edge *edge_hash[EHASH];
#define AHASH 16384
static struct addr_rec *addr_hash[AHASH];
static struct lo_thread *threads; /* every record */
static uint64_t visit_gen;
static pthread_key_t thread_key;
static FTC_THREAD_LOCAL struct lo_thread *me;
static FTC_THREAD_LOCAL const char *noted_file;
static FTC_THREAD_LOCAL int noted_line;

static void *xcalloc(size_t n, size_t size)
{
    /* Plain calloc, not ftc_mem_*: the checker must not consume the allocator's injected
     * faults, and must work while they are armed. */
    void *p = calloc(n, size);
    if (p == NULL)
        ftc_fatal("lock-order checker: out of memory");
    return p;
}

static void *xrealloc(void *p, size_t size)
{
    p = realloc(p, size);
    if (p == NULL)
        ftc_fatal("lock-order checker: out of memory");
    return p;
}

static size_t ptr_hash(const void *p, unsigned sub, size_t n)
{
    uint64_t x = (uint64_t)(uintptr_t)p * UINT64_C(0x9E3779B97F4A7C15) + sub;
    return (size_t)(x >> 40) % n;
}

static size_t granule_hash(const void *p)
{
    return ptr_hash((const void *)((uintptr_t)p >> 6), 0, AHASH);
}

static int new_class(const void *key, unsigned sub, bool instance, const char *name)
{
    if (nclasses == capclasses) {
        capclasses = capclasses ? capclasses * 2 : 256;
        classes = xrealloc(classes, capclasses * sizeof *classes);
    }
    struct lclass *c = xcalloc(1, sizeof *c);
    c->key = key;
    c->sub = sub;
    c->instance = instance;
    if (sub)
        snprintf(c->name, sizeof c->name, "%s (nested, subclass %u)", name, sub);
    else
        snprintf(c->name, sizeof c->name, "%s", name);
    classes[nclasses] = c;
    return (int)nclasses++;
}

static int shared_class(const void *key, unsigned sub, const char *name)
{
    size_t h = ptr_hash(key, sub, CHASH);
    for (struct cnode *n = class_hash[h]; n; n = n->next)
        if (classes[n->id]->key == key && classes[n->id]->sub == sub)
            return n->id;
    struct cnode *n = xcalloc(1, sizeof *n);
    n->id = new_class(key, sub, false, name);
    n->next = class_hash[h];
    class_hash[h] = n;
    return n->id;
}

static struct addr_rec *addr_find(const void *addr, bool create)
{
    struct addr_rec **head = &addr_hash[granule_hash(addr)];
    for (struct addr_rec *r = *head; r; r = r->next)
        if (r->addr == addr)
            return r;
    if (!create)
        return NULL;
    struct addr_rec *r = xcalloc(1, sizeof *r);
    r->addr = addr;
    r->inst[0] = r->inst[1] = -1;
    r->next = *head;
    *head = r;
    return r;
}

static void kill_class(int id)
{
    if (id < 0)
        return;
    struct lclass *c = classes[id];
    c->dead = true;
    free(c->out); /* its edges stay in the set (ids are never reused), harmless */
    c->out = NULL;
    c->nout = c->capout = 0;
}

/* Removes the record of addr (lo_mu held). */
static void addr_forget(const void *addr)
{
    for (struct addr_rec **p = &addr_hash[granule_hash(addr)]; *p; p = &(*p)->next) {
        if ((*p)->addr == addr) {
            struct addr_rec *r = *p;
            *p = r->next;
            kill_class(r->inst[0]);
            kill_class(r->inst[1]);
            free(r);
            return;
        }
    }
}

static int class_of(const void *lock, unsigned sub, const char *file, int line)
{
    struct addr_rec *r = addr_find(lock, true);
    if (r->key)
        return shared_class(r->key, sub, r->name);
    unsigned s = sub ? 1 : 0;
    if (r->inst[s] < 0) {
        char name[NAME_LEN];
        snprintf(name, sizeof name, "lock %p (first taken at %s:%d)", lock, file ? file : "?",
                 line);
        r->inst[s] = new_class(lock, sub, true, name);
    }
    return r->inst[s];
}

static struct edge *edge_find(int from, int to)
{
    for (struct edge *e = edge_hash[((size_t)from * 31 + (size_t)to) % EHASH]; e; e = e->hnext)
        if (e->from == from && e->to == to)
            return e;
    return NULL;
}

static struct edge *edge_new(int from, int to)
{
    struct edge *e = xcalloc(1, sizeof *e);
    e->from = from;
    e->to = to;
    size_t h = ((size_t)from * 31 + (size_t)to) % EHASH;
    e->hnext = edge_hash[h];
    edge_hash[h] = e;
    return e;
}

/* Whether a path from `from` reaches `target`; if so each class on it has `via` set. */
static bool path_exists(int from, int target)
{
    uint64_t gen = ++visit_gen;
    size_t cap = 64, n = 0;
    int *stack = xcalloc(cap, sizeof *stack);
    stack[n++] = from;
    classes[from]->visit = gen;
    classes[from]->via = NULL;
    bool found = false;
    while (n > 0 && !found) {
        struct lclass *c = classes[stack[--n]];
        for (size_t i = 0; i < c->nout; i++) {
            struct edge *e = c->out[i];
            struct lclass *t = classes[e->to];
            if (t->dead || t->visit == gen)
                continue;
            t->visit = gen;
            t->via = e;
            if (e->to == target) {
                found = true;
                break;
            }
            if (n == cap) {
                cap *= 2;
                stack = xrealloc(stack, cap * sizeof *stack);
            }
            stack[n++] = e->to;
        }
    }
    free(stack);
    return found;
}

struct pending_report {
    char *text;
    ftc_lockorder_report r;
};

static void appendf(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (k >= 0 && (size_t)k < *cap - *len) {
            *len += (size_t)k;
            return;
        }
        *cap = *cap * 2 + (size_t)(k > 0 ? k : 64);
        *buf = xrealloc(*buf, *cap);
    }
}

#define SITE(f) ((f) ? (f) : "?")

/* Builds the report for the edge from -> to that closes a cycle (lo_mu held; the path
 * to ~> from was just found). */
static void build_report(struct pending_report *p, int from, int to, const struct held *h,
                         const char *file, int line)
{
    size_t len = 0, cap = 1024;
    char *t = xcalloc(1, cap);
    struct lclass *a = classes[from], *b = classes[to];
    /* The path, from `from` back to `to` by the via links, then reversed for printing. */
    size_t k = 0;
    struct edge *path[256];
    for (struct edge *e = from == to ? NULL : a->via; e && k < 256; e = classes[e->from]->via)
        path[k++] = e;
    appendf(&t, &len, &cap, "lock-order inversion (a possible deadlock):\n");
    appendf(&t, &len, &cap, "  new order: [%s] then [%s]\n", a->name, b->name);
    appendf(&t, &len, &cap, "    [%s] taken at %s:%d\n", b->name, SITE(file), line);
    appendf(&t, &len, &cap, "    while holding [%s], taken at %s:%d\n", a->name, SITE(h->file),
            h->line);
    if (from == to) {
        appendf(&t, &len, &cap,
                "  the class is already held: two locks of one class nested without an order "
                "between them (or one lock taken twice)\n");
    } else {
        appendf(&t, &len, &cap,
                "  earlier order%s (the reverse, which this closes into a cycle):\n",
                k > 1 ? "s" : "");
        for (size_t i = k; i-- > 0;) {
            struct edge *e = path[i];
            appendf(&t, &len, &cap, "    [%s] then [%s]\n", classes[e->from]->name,
                    classes[e->to]->name);
            appendf(&t, &len, &cap, "      [%s] taken at %s:%d\n", classes[e->to]->name,
                    SITE(e->file), e->line);
            appendf(&t, &len, &cap, "      while holding [%s], taken at %s:%d\n",
                    classes[e->from]->name, SITE(e->held_file), e->held_line);
        }
    }
    p->text = t;
    p->r.text = t;
    p->r.held = a->name; /* class names are never freed (dead classes keep their struct) */
    p->r.acquired = b->name;
    p->r.file = SITE(file);
    p->r.line = line;
    p->r.prior_file = k ? SITE(path[k - 1]->file) : SITE(h->file);
    p->r.prior_line = k ? path[k - 1]->line : h->line;
    p->r.cycle_length = from == to ? 1 : k;
}

/* Adds from -> to (lo_mu held); fills *p and returns true if it closes a cycle. */
static bool add_edge(int from, int to, const struct held *h, const char *file, int line,
                     struct pending_report *p)
{
    struct edge *e = edge_find(from, to);
    if (e)
        return false; /* known (or reported already) */
    bool cycle = from == to || path_exists(to, from);
    e = edge_new(from, to);
    e->file = file;
    e->line = line;
    e->held_file = h->file;
    e->held_line = h->line;
    if (cycle) {
        e->reported = true;
        build_report(p, from, to, h, file, line);
        return true;
    }
    struct lclass *c = classes[from];
    if (c->nout == c->capout) {
        c->capout = c->capout ? c->capout * 2 : 4;
        c->out = xrealloc(c->out, c->capout * sizeof *c->out);
    }
    c->out[c->nout++] = e;
    return false;
}

static void thread_gone(void *arg)
{
    struct lo_thread *t = arg;
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        threads = t->next;
    if (t->next)
        t->next->prev = t->prev;
    /* Key destructors run in the dying thread: `me` is this record. The thread may still take
     * locks after this (the runtime's own thread-exit code takes internal mutexes): it then gets
     * a fresh record (and the key, so this runs again), never the freed one. */
    if (me == t)
        me = NULL;
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
    free(t);
}

static void fork_prepare(void)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    HIDE_END();
}

static void fork_parent(void)
{
    HIDE_BEGIN();
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

static void fork_child(void)
{
    HIDE_BEGIN();
    /* Only this thread exists: the others' records describe threads that are gone. They are
     * left allocated (another thread's memory, in the middle of nothing: freeing is safe, but
     * the key destructor of a thread that does not exist will never run either way). */
    struct lo_thread *t = threads;
    while (t) {
        struct lo_thread *next = t->next;
        if (t != me)
            free(t);
        t = next;
    }
    threads = me;
    if (me)
        me->next = me->prev = NULL;
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

/* Priority 101: before the other constructors of the library (tls.c registers fork handlers in
 * one), so that this prepare handler, registered first, runs last, after every handler that
 * takes locks, and the parent and child handlers run first. */
__attribute__((constructor(101))) static void lo_init(void)
{
    if (pthread_key_create(&thread_key, thread_gone) != 0)
        ftc_fatal("lock-order checker: pthread_key_create failed");
    if (pthread_atfork(fork_prepare, fork_parent, fork_child) != 0)
        ftc_fatal("lock-order checker: pthread_atfork failed");
}

/* The calling thread's record (lo_mu held). */
static struct lo_thread *self(void)
{
    if (me == NULL) {
        me = xcalloc(1, sizeof *me);
        me->next = threads;
        if (threads)
            threads->prev = me;
        threads = me;
        pthread_setspecific(thread_key, me);
    }
    return me;
}

static void deliver(struct pending_report *p)
{
    ftc_atomic_fetch_add_relaxed(&report_count, 1); /* relaxed: a statistic */
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    ftc_lockorder_hook fn = hook_fn;
    void *arg = hook_arg;
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
    if (fn) {
        fn(&p->r, arg);
        free(p->text);
        return;
    }
    fputs(p->text, stderr);
    ftc_fatal("lock-order inversion: [%s] taken at %s:%d while holding [%s] (report above)",
              p->r.acquired, p->r.file, p->r.line, p->r.held);
}

void _ftc_lockorder_acquire(const void *lock, unsigned sub, int flags, const char *file, int line)
{
    if (file == NULL) {
        file = noted_file;
        line = noted_line;
    }
    struct pending_report p = {0};
    bool report = false;
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    struct lo_thread *t = self();
    int cls = class_of(lock, sub, file, line);
    if (!(flags & FTC_LO_TRY)) {
        for (size_t i = 0; i < t->n && !report; i++) {
            struct held *h = &t->held[i];
            if ((flags & FTC_LO_DETACH) && (h->flags & FTC_LO_DROPPED))
                continue; /* released while we wait: not held across the wait */
            if (h->lock == lock)
                continue; /* the same ownerless lock again: waiting for another thread to
                           * release it is how a Lock (or an ftc_mutex) serves as a signal */
            if (h->cls == cls && (flags & FTC_LO_SHARED) && (h->flags & FTC_LO_SHARED))
                continue; /* a second shared hold of one class (read locks, semaphore units) */
            report = add_edge(h->cls, cls, h, file, line, &p);
        }
    }
    if (!(flags & FTC_LO_NOHOLD)) {
        if (t->n < MAX_HELD)
            t->held[t->n++] = (struct held){lock, cls, flags, file, line};
        else
            t->overflow++;
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
    if (report)
        deliver(&p);
}

static bool remove_from(struct lo_thread *t, const void *lock, bool shared_ok)
{
    for (size_t i = t->n; i-- > 0;) {
        if (t->held[i].lock == lock && (shared_ok || !(t->held[i].flags & FTC_LO_READ))) {
            memmove(&t->held[i], &t->held[i + 1], (t->n - i - 1) * sizeof t->held[0]);
            t->n--;
            return true;
        }
    }
    return false;
}

void _ftc_lockorder_release(const void *lock)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    struct lo_thread *t = self();
    if (!remove_from(t, lock, true)) {
        if (t->overflow > 0) {
            t->overflow--; /* one of the unrecorded holds */
        } else {
            /* Unlocked by another thread than the one that locked it. A shared (read) hold
             * is always released by its own thread, so only exclusive entries match here. */
            for (struct lo_thread *o = threads; o; o = o->next)
                if (o != t && remove_from(o, lock, false))
                    break;
        }
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

void _ftc_lockorder_set_dropped(const void *lock)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    struct lo_thread *t = self();
    for (size_t i = t->n; i-- > 0;) {
        if (t->held[i].lock == lock) {
            t->held[i].flags |= FTC_LO_DROPPED;
            break;
        }
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

static void set_class(const void *lock, const void *key, const char *prefix, const char *name)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    struct addr_rec *r = addr_find(lock, true);
    if (r->key != key) {
        r->key = key;
        snprintf(r->name, sizeof r->name, "%s%s", prefix, name ? name : "?");
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

void ftc_lockorder_set_class(const void *lock, const void *key, const char *name)
{
    if (key == NULL)
        ftc_fatal("ftc_lockorder_set_class: the class key must not be NULL");
    set_class(lock, key, "", name);
}

void _ftc_lockorder_set_object_class(const void *lock, const void *type, const char *name)
{
    set_class(lock, type, "object mutex of type ", name);
}

void ftc_lockorder_forget(const void *lock)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    addr_forget(lock);
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

void _ftc_lockorder_forget_range(const void *start, size_t size)
{
    uintptr_t lo = (uintptr_t)start, hi = lo + size;
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    for (uintptr_t g = lo >> 6; g <= (hi - 1) >> 6; g++) {
        struct addr_rec **p = &addr_hash[ptr_hash((const void *)g, 0, AHASH)];
        while (*p) {
            struct addr_rec *r = *p;
            if ((uintptr_t)r->addr >= lo && (uintptr_t)r->addr < hi) {
                *p = r->next;
                kill_class(r->inst[0]);
                kill_class(r->inst[1]);
                free(r);
            } else {
                p = &r->next;
            }
        }
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

void _ftc_lockorder_note_site(const char *file, int line)
{
    noted_file = file;
    noted_line = line;
}

void ftc_lockorder_set_hook(ftc_lockorder_hook hook, void *arg)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    hook_fn = hook;
    hook_arg = arg;
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

/* ---- the core's internal pthread mutexes (src/internal/core.h: _ftc_plock and friends) ----
 * Their classes are named by the caller; two locks given the same name share a class even when
 * the string literals are distinct objects (two files naming the head lock), so the key of a
 * named class is its entry in this list of the names seen, compared by content (lo_mu).
 * The checker knows such a mutex by its address plus one (ID below): the mutex may be the first
 * member of a structure whose address is itself a hooked lock (the GIL is known by the address
 * of struct ftc_gil, whose first member is its internal mutex), and no lock can start inside
 * the bytes of a pthread_mutex_t. */
#define ID(m) ((const void *)((const char *)(m) + 1))
struct named_class {
    char name[NAME_LEN];
    struct named_class *next;
};
static struct named_class *named_classes; /* lo_mu; never freed */

static void bind_named(const void *lock, const char *cls)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    struct addr_rec *r = addr_find(lock, true);
    if (r->key == NULL) {
        struct named_class *n = named_classes;
        while (n && strncmp(n->name, cls, NAME_LEN - 1) != 0)
            n = n->next;
        if (n == NULL) {
            n = xcalloc(1, sizeof *n);
            snprintf(n->name, sizeof n->name, "%s", cls);
            n->next = named_classes;
            named_classes = n;
        }
        r->key = n;
        snprintf(r->name, sizeof r->name, "%s", n->name);
    }
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

void _ftc_plock_hooked(pthread_mutex_t *m, const char *cls, int flags, const char *file, int line)
{
    bind_named(ID(m), cls);
    /* Never detaches: whatever the thread holds (the GIL too) is held across the wait. */
    _ftc_lockorder_acquire(ID(m), 0, flags, file, line);
    pthread_mutex_lock(m);
}

int _ftc_ptrylock_hooked(pthread_mutex_t *m, const char *cls, const char *file, int line)
{
    int rc = pthread_mutex_trylock(m);
    if (rc == 0) {
        bind_named(ID(m), cls);
        _ftc_lockorder_acquire(ID(m), 0, FTC_LO_TRY, file, line);
    }
    return rc;
}

void _ftc_punlock_hooked(pthread_mutex_t *m)
{
    _ftc_lockorder_release(ID(m));
    pthread_mutex_unlock(m);
}

void _ftc_pforget_hooked(pthread_mutex_t *m)
{
    HIDE_BEGIN();
    pthread_mutex_lock(&lo_mu);
    for (struct lo_thread *t = threads; t; t = t->next)
        while (remove_from(t, ID(m), true)) {}
    addr_forget(ID(m));
    pthread_mutex_unlock(&lo_mu);
    HIDE_END();
}

int ftc_lockorder_enabled(void) { return 1; }

#else /* FTC_DEBUG 0: the same symbols, doing nothing (the hooks are compiled out) */

void ftc_lockorder_set_hook(ftc_lockorder_hook hook, void *arg)
{
    hook_fn = hook;
    hook_arg = arg;
}
int ftc_lockorder_enabled(void) { return 0; }
void ftc_lockorder_set_class(const void *lock, const void *key, const char *name)
{
    FTC_UNUSED(lock);
    FTC_UNUSED(key);
    FTC_UNUSED(name);
}
void ftc_lockorder_forget(const void *lock) { FTC_UNUSED(lock); }
void _ftc_lockorder_acquire(const void *lock, unsigned sub, int flags, const char *file, int line)
{
    FTC_UNUSED(lock);
    FTC_UNUSED(sub);
    FTC_UNUSED(flags);
    FTC_UNUSED(file);
    FTC_UNUSED(line);
}
void _ftc_lockorder_release(const void *lock) { FTC_UNUSED(lock); }
void _ftc_lockorder_set_dropped(const void *lock) { FTC_UNUSED(lock); }
void _ftc_lockorder_set_object_class(const void *lock, const void *type, const char *name)
{
    FTC_UNUSED(lock);
    FTC_UNUSED(type);
    FTC_UNUSED(name);
}
void _ftc_lockorder_forget_range(const void *start, size_t size)
{
    FTC_UNUSED(start);
    FTC_UNUSED(size);
}
void _ftc_lockorder_note_site(const char *file, int line)
{
    FTC_UNUSED(file);
    FTC_UNUSED(line);
}

#endif
