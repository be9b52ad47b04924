/* The cycle collector: tracking, ftc_gc_collect(), automatic collection (include/ftcore/gc.h;
 * the guide is docs/internals/gc.md).
 *
 * Tracking. A heap object of a type with traverse carries a _ftc_gc_head in front of it
 * (src/internal/gc.h) and sits on one tracked list from its allocation to its dealloc. Each
 * thread record (object.c) gets its own list at its first tracked allocation, so that the
 * allocation path takes an uncontended per-thread lock and no global one; objects made by
 * threads without a record, and every object of a thread that ended, are on the orphans list.
 * An object is unlinked by whichever thread frees it, under the lock of the list it is on,
 * found through head->list: load it, lock it, re-check (a thread that ends moves its objects
 * to the orphans, rewriting head->list under both locks). List structures are never freed
 * while the process runs (a pool reuses them), so a stale head->list still names a lock.
 *
 * A collection (ftc_gc_collect), one at a time (gc_mutex, which parks detached):
 *   phase A, the world stopped (both builds; in the GIL build this also pauses the threads of
 *   sub-interpreters with their own GIL):
 *     1. Hot objects: every thread's per-thread counts are added into the objects
 *        (refcount_hot.c), so that each hot object's shared count is its total.
 *     2. BRC: every owner's queue is merged (what the owner's next tick would do; it is
 *        paused or detached, so nobody else writes these counts). An object whose total is
 *        then zero, and a hot object whose total is zero, is dead: the collector takes it
 *        with one reference of its own (set directly: the count was zero and nobody can find
 *        the object) and drops it after the world restarts; its weak references are cleared
 *        now, so that no ftc_weakref_get_ref() can resurrect it in between.
 *     3. Every tracked list is locked and spliced into one working list; each object's refs
 *        := its true count (owner count + shared count; hot objects: the merged shared count;
 *        minus the collector's own reference for the dead of step 2); then traverse subtracts
 *        one for each reference from another tracked object. refs > 0 means referenced from
 *        outside the tracked graph (a C variable, an untracked object, a hot slot, a queue
 *        entry not merged yet): a root. Exact, because no thread can change a count while the
 *        world is stopped: the attached ones are parked at a tick (never inside an incref
 *        sequence), the detached ones do not touch objects.
 *     4. Everything reachable from a root is moved back (CPython's move_unreachable); what is
 *        left is garbage. Garbage hot objects become ordinary merged objects (they die by
 *        their last decref like any other). The collector takes a reference to each garbage
 *        object and clears the weak references to it (callbacks queued, not run; a weak
 *        reference that is garbage itself gets no callback).
 *     5. Every object is linked back on its own list; the locks are released.
 *   phase B, the world running, no lock held: the weak-reference callbacks run; `clear` is
 *   called on each garbage object (its references drop; the collector's reference keeps every
 *   garbage object's memory until all clears ran); then the collector drops its references,
 *   and the normal last-decref path frees each object exactly once (dealloc, then memory at
 *   once or through QSBR for objects lock-free readers may have seen).
 *   If phase B freed anything while hot objects exist, a hot-only pass (steps 1, 2 and B)
 *   repeats until one finds nothing: a freed object may have held the last reference to a hot
 *   object, whose zero total only a stopped world can see; chains end in one collection.
 *
 * Out of memory: the collector allocates two arrays per pass, both while the world is
 * stopped and before the step that needs them changes anything: the dead array before step 2
 * merges anything, the garbage array after step 4 computed the garbage but before step 4's
 * changes. A failure there returns FTC_ENOMEM having only added counts into objects (which
 * changes no total) and freed the objects that were dead anyway.
 *
 * Automatic collection: each tracked allocation (and each ftc_object_set_hot) counts +1 and
 * each tracked object's free -1 in a thread-local counter, flushed into a global one when it
 * reaches +-GC_FLUSH; the global count is thus the tracked objects made and not freed since
 * the last collection (never below zero: a flush of frees stops at zero, so objects made
 * before the collection and freed after it, or the collection's own garbage, do not postpone
 * the next one). When it reaches the threshold the thread sets FTC_EB_GC on itself, and its
 * next tick collects (object.c's tick hook) unless it is inside a critical section or a
 * collection already ran (a later tracked allocation asks again). So a collection never runs
 * inside an allocation, a critical section or with a core lock held. Counting frees is what
 * keeps a loop that makes and drops acyclic objects (a dict, an instance, a closure per
 * iteration) from collecting at all: only garbage a collection could free (cycles, hot
 * objects) and objects that stay alive accumulate. Counting allocations alone ran a
 * stop-the-world collection every 2000 of them, which with two threads both doubled the
 * collections and made each wait for the other thread's tick (ftpy's create_pyobject at 2
 * threads: 793 collections per 800,000 objects).
 *
 * Locks, in order: gc_mutex (ftc_mutex: parks detached) -> [world stopped] -> hot_mutex ->
 * registry lock -> lists_mutex -> each list's lock -> a weakref stripe. Outside collections a
 * thread holds one list lock at a time for a few stores (or lists_mutex, the orphans' and its
 * own at its end), never across a tick, a detach or a callback: the collector never waits for
 * a parked thread.
 *
 * Fork: the forking thread stops the world first (fork.c), so no collection is in phase A in
 * the parent; the child reinitializes every list lock, the pool's lock and gc_mutex (the
 * collecting thread, if any, is gone), and the dead threads' lists go to the orphans when
 * their records end.
 */
#include "internal/gc.h"
#include "internal/critical_section.h"
#include "internal/state.h"
#include <sched.h>
#include <string.h>
#include <time.h>

struct _ftc_gc_list {
    uint8_t lock;      /* a spinlock (list_lock): held for a few stores, never across a block */
    _ftc_gc_head head; /* sentinel */
    int64_t count;     /* objects on it; its lock (relaxed atomic for readers) */
    struct _ftc_gc_list *reg_next, *reg_prev; /* active lists; lists_mutex */
    struct _ftc_gc_list *pool_next;           /* lists_mutex */
};

#define GC_COLLECTING ((uintptr_t)1)  /* on the working list of this collection */
#define GC_UNREACHABLE ((uintptr_t)2) /* tentatively unreachable (on the unreachable list) */
#define GC_OURS ((uintptr_t)4)        /* dead; the collector holds its only reference */
#define GC_FLUSH 32

static pthread_mutex_t lists_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct _ftc_gc_list orphans = {
    .head = {.next = &orphans.head, .prev = &orphans.head},
};
static struct _ftc_gc_list *active_lists; /* besides the orphans; lists_mutex */
static struct _ftc_gc_list *list_pool;    /* lists_mutex */

static ftc_mutex gc_mutex;                              /* one collection at a time */
static int gc_enabled = 1;                              /* atomic */
static int64_t gc_threshold = FTC_GC_DEFAULT_THRESHOLD; /* atomic */
static int64_t gc_allocs;       /* atomic: tracked objects made and not freed since the last */
static int64_t gc_last_tracked; /* atomic: tracked objects the last collection saw */
static FTC_THREAD_LOCAL int tls_allocs; /* allocations minus frees, not flushed yet */
static FTC_THREAD_LOCAL int tls_collecting;
static ftc_gc_stats stats; /* gc_mutex; read with relaxed loads */

/* ---- lists ---- */

/* The lists' lock: a byte spinlock, because the allocation path takes it twice per object
 * (link, and unlink at the free), where a pthread mutex cost about 110 instructions per
 * object (callgrind, a list made and dropped, GIL build: 515 instructions against 410 with
 * this lock, and 271 before lists were tracked; nogil 551, 445, 306).
 * Its holders never block, tick or detach inside; a waiter yields after a while in case the
 * holder was preempted. */
static void list_lock(struct _ftc_gc_list *l)
{
    /* Acquire: pairs with list_unlock's release. */
    if (FTC_LIKELY(ftc_atomic_exchange_acquire(&l->lock, (uint8_t)1) == 0))
        return;
    for (unsigned spins = 0;; spins++) {
        if (ftc_atomic_load_relaxed(&l->lock) == 0 &&
            ftc_atomic_exchange_acquire(&l->lock, (uint8_t)1) == 0)
            return;
        if (spins < 100)
            ftc_cpu_relax();
        else
            sched_yield();
    }
}

static void list_unlock(struct _ftc_gc_list *l) { ftc_atomic_store_release(&l->lock, (uint8_t)0); }

static void list_init(struct _ftc_gc_list *l)
{
    l->head.next = l->head.prev = &l->head;
    l->count = 0;
}

static void link_locked(struct _ftc_gc_list *l, _ftc_gc_head *h)
{
    h->prev = l->head.prev;
    h->next = &l->head;
    l->head.prev->next = h;
    l->head.prev = h;
    ftc_atomic_store_relaxed(&l->count, l->count + 1);
}

static void unlink_node(_ftc_gc_head *h)
{
    h->prev->next = h->next;
    h->next->prev = h->prev;
    h->next = h->prev = NULL;
}

static struct _ftc_gc_list *list_get(void)
{
    _ftc_plock(&lists_mutex, "the collector's lists lock");
    struct _ftc_gc_list *l = list_pool;
    if (l != NULL) {
        list_pool = l->pool_next;
    } else {
        l = ftc_mem_calloc(1, sizeof *l);
    }
    if (l != NULL) {
        list_init(l);
        l->reg_prev = NULL;
        l->reg_next = active_lists;
        if (active_lists != NULL)
            active_lists->reg_prev = l;
        active_lists = l;
    }
    _ftc_punlock(&lists_mutex);
    return l;
}

/* The list a new object of the calling thread goes on. */
static struct _ftc_gc_list *my_list(void)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec == NULL)
        return &orphans;
    struct _ftc_gc_list *l = rec->gc_list;
    if (FTC_LIKELY(l != NULL))
        return l;
    l = list_get();
    if (l == NULL)
        return &orphans; /* out of memory: the shared list works too */
    rec->gc_list = l;
    return l;
}

/* Whether n tracked allocations since the last collection call for an automatic one: the
 * threshold, and a quarter of what the last collection found alive (as CPython's free-threaded
 * collector does), so that a large live heap is not scanned every `threshold` allocations: the
 * work per allocation then stays bounded whatever the heap's size. */
static bool due(int64_t n)
{
    return n >= ftc_atomic_load_relaxed(&gc_threshold) &&
           n >= ftc_atomic_load_relaxed(&gc_last_tracked) / 4;
}

static void count_alloc(void)
{
    if (FTC_LIKELY(++tls_allocs < GC_FLUSH))
        return;
    int64_t n = ftc_atomic_fetch_add_relaxed(&gc_allocs, (int64_t)tls_allocs) + tls_allocs;
    tls_allocs = 0;
    if (due(n) && ftc_atomic_load_relaxed(&gc_enabled)) {
        ftc_tstate *ts = ftc_tstate_get();
        if (ts != NULL)
            _ftc_eval_breaker_set(ts, FTC_EB_GC);
    }
}

/* A tracked object's free: -1, flushed when -GC_FLUSH is reached. The global count stops at
 * zero (a CAS loop, once per GC_FLUSH frees that were not matched by allocations). */
static void count_free(void)
{
    if (FTC_LIKELY(--tls_allocs > -GC_FLUSH))
        return;
    int64_t delta = tls_allocs;
    tls_allocs = 0;
    int64_t cur = ftc_atomic_load_relaxed(&gc_allocs);
    while (cur > 0) {
        int64_t next = cur + delta < 0 ? 0 : cur + delta;
        /* Relaxed: a counter, read by due() only as a hint (collect re-checks it under
         * gc_mutex). */
        if (ftc_atomic_cas_weak_relaxed(&gc_allocs, &cur, next))
            break;
    }
}

void _ftc_gc_count_alloc(void) { count_alloc(); }

void _ftc_gc_track_new(ftc_object *o)
{
    _ftc_gc_head *h = _ftc_gc_head_of(o);
    struct _ftc_gc_list *l = my_list();
    list_lock(l);
    link_locked(l, h);
    /* Relaxed: read by others only under this list's lock (untrack) or with the world
     * stopped. */
    ftc_atomic_store_relaxed(&h->list, l);
    list_unlock(l);
    count_alloc();
}

void _ftc_gc_untrack(ftc_object *o)
{
    _ftc_gc_head *h = _ftc_gc_head_of(o);
    for (;;) {
        struct _ftc_gc_list *l = ftc_atomic_load_relaxed(&h->list);
        if (l == NULL)
            return;
        list_lock(l);
        if (ftc_atomic_load_relaxed(&h->list) == l) {
            unlink_node(h);
            ftc_atomic_store_relaxed(&l->count, l->count - 1);
            ftc_atomic_store_relaxed(&h->list, (struct _ftc_gc_list *)NULL);
            list_unlock(l);
            return;
        }
        list_unlock(l); /* moved to the orphans meanwhile: again */
    }
}

ftc_weakref *_ftc_gc_object_dying(ftc_object *o)
{
    _ftc_gc_head *h = _ftc_gc_head_of(o);
    _ftc_gc_untrack(o);
    count_free();
    /* Nobody can add a weak reference to an object whose count reached zero (that needs a
     * reference); removals only make it NULL. Acquire: pairs with ftc_weakref_fini's release
     * store of NULL, its last write to o's memory, which must happen-before o is freed. */
    if (ftc_atomic_load_acquire(&h->weaklist) == NULL)
        return NULL;
    return _ftc_weakref_clear_all(o, h, NULL);
}

void _ftc_gc_thread_fini(struct _ftc_objects_tstate *rec)
{
    struct _ftc_gc_list *l = rec->gc_list;
    /* From now on this thread's tracked objects go to the orphans (its last deallocs). */
    rec->gc_list = &orphans;
    if (l == NULL || l == &orphans)
        return;
    _ftc_plock(&lists_mutex, "the collector's lists lock");
    list_lock(&orphans);
    list_lock(l);
    _ftc_gc_head *h = l->head.next;
    while (h != &l->head) {
        _ftc_gc_head *next = h->next;
        link_locked(&orphans, h);
        ftc_atomic_store_relaxed(&h->list, &orphans);
        h = next;
    }
    list_init(l);
    list_unlock(l);
    list_unlock(&orphans);
    if (l->reg_prev != NULL)
        l->reg_prev->reg_next = l->reg_next;
    else
        active_lists = l->reg_next;
    if (l->reg_next != NULL)
        l->reg_next->reg_prev = l->reg_prev;
    l->pool_next = list_pool;
    list_pool = l;
    _ftc_punlock(&lists_mutex);
}

void _ftc_gc_after_fork_child(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    lists_mutex = fresh;
    orphans.lock = 0;
    for (struct _ftc_gc_list *l = active_lists; l != NULL; l = l->reg_next)
        l->lock = 0;
    for (struct _ftc_gc_list *l = list_pool; l != NULL; l = l->pool_next)
        l->lock = 0;
    memset(&gc_mutex, 0, sizeof gc_mutex);
    tls_collecting = 0;
    _ftc_weakref_after_fork_child();
}

bool ftc_gc_is_tracked(ftc_object *o)
{
    if (o == NULL || !_ftc_gc_type_tracked(o->ob_type) || ftc_object_is_immortal(o))
        return false;
    return ftc_atomic_load_relaxed(&_ftc_gc_head_of(o)->list) != NULL;
}

int64_t ftc_gc_tracked_count(void)
{
    _ftc_plock(&lists_mutex, "the collector's lists lock");
    int64_t n = ftc_atomic_load_relaxed(&orphans.count);
    for (struct _ftc_gc_list *l = active_lists; l != NULL; l = l->reg_next)
        n += ftc_atomic_load_relaxed(&l->count);
    _ftc_punlock(&lists_mutex);
    return n;
}

/* ---- settings and statistics ---- */

void ftc_gc_enable(void) { ftc_atomic_store_relaxed(&gc_enabled, 1); }
void ftc_gc_disable(void) { ftc_atomic_store_relaxed(&gc_enabled, 0); }
bool ftc_gc_is_enabled(void) { return ftc_atomic_load_relaxed(&gc_enabled) != 0; }

int ftc_gc_set_threshold(int64_t n)
{
    if (n < 1)
        return FTC_EINVAL;
    ftc_atomic_store_relaxed(&gc_threshold, n);
    return 0;
}

int64_t ftc_gc_get_threshold(void) { return ftc_atomic_load_relaxed(&gc_threshold); }

void ftc_gc_get_stats(ftc_gc_stats *out)
{
    if (out == NULL)
        return;
    out->collections = ftc_atomic_load_relaxed(&stats.collections);
    out->auto_collections = ftc_atomic_load_relaxed(&stats.auto_collections);
    out->failed = ftc_atomic_load_relaxed(&stats.failed);
    out->collected = ftc_atomic_load_relaxed(&stats.collected);
    out->clear_failures = ftc_atomic_load_relaxed(&stats.clear_failures);
    out->max_pause_ns = ftc_atomic_load_relaxed(&stats.max_pause_ns);
    out->total_pause_ns = ftc_atomic_load_relaxed(&stats.total_pause_ns);
    out->tracked = ftc_atomic_load_relaxed(&stats.tracked);
}

static void stat_add(uint64_t *field, uint64_t n)
{
    /* Relaxed: written under gc_mutex only; readers take a snapshot. */
    ftc_atomic_store_relaxed(field, ftc_atomic_load_relaxed(field) + n);
}

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * UINT64_C(1000000000) + (uint64_t)t.tv_nsec;
}

/* ---- the collection ---- */

/* The working state of one pass. */
typedef struct gc_pass {
    ftc_object **dead; /* zero totals: the collector holds their only reference */
    size_t ndead, dead_cap;
    ftc_object **garbage; /* unreachable: the collector holds a reference to each */
    size_t ngarbage;
    size_t nboth;           /* in both arrays (dead and tracked, then found garbage) */
    ftc_weakref *callbacks; /* chain of weak references whose callbacks are to run */
    int rc;
    bool demote; /* a settle: converted hot objects become merged ones (refcount_hot.c) */
} gc_pass;

static bool in_collection(ftc_object *o)
{
    if (o == NULL || !_ftc_gc_type_tracked(o->ob_type) || ftc_object_is_immortal(o))
        return false;
    return (_ftc_gc_head_of(o)->flags & GC_COLLECTING) != 0;
}

/* The true count, world stopped (hot counts and queues merged already). */
static intptr_t true_count(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared) >> FTC_REF_SHARED_SHIFT;
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
        return shared;
    if (ftc_atomic_load_relaxed(&o->ob_tid) == FTC_TID_NONE)
        return shared;
    return (intptr_t)ftc_atomic_load_relaxed(&o->ob_ref_local) + shared;
#else
    return (intptr_t)o->ob_refcnt;
#endif
}

#ifdef FTC_GIL_DISABLED
/* Gives the collector the only reference to a dead object (count zero, merged). */
static void take_dead(ftc_object *o)
{
    /* Relaxed: the world is stopped; starting it orders this before any other thread. */
    ftc_atomic_store_relaxed(&o->ob_ref_shared,
                             ((intptr_t)1 << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED);
}
#endif

static bool weakref_is_garbage(ftc_weakref *w)
{
    ftc_object *o = FTC_OBJ(w);
    return in_collection(o) && (_ftc_gc_head_of(o)->flags & GC_UNREACHABLE) != 0;
}

/* Clears the weak references to o (a dead or garbage object), queueing their callbacks. */
static void clear_weakrefs(gc_pass *p, ftc_object *o)
{
    _ftc_gc_head *h = _ftc_gc_head_of(o);
    if (ftc_atomic_load_relaxed(&h->weaklist) == NULL)
        return;
    ftc_weakref *chain = _ftc_weakref_clear_all(o, h, weakref_is_garbage);
    while (chain != NULL) {
        ftc_weakref *next = chain->wr_pending;
        chain->wr_pending = p->callbacks;
        p->callbacks = chain;
        chain = next;
    }
}

/* Step 1 and 2 (world stopped): merge hot counts and convert pending nominations, merge BRC
 * queues, take the dead. Returns false (nothing changed but hot counts added into their
 * objects and nominations converted, which changes no total) if the dead array cannot be
 * allocated. *converted: the nominations converted. */
static bool take_zero_totals(gc_pass *p, int64_t *converted)
{
    *converted = _ftc_hot_gc_begin();
    _ftc_objects_reg_lock();
    size_t cap = _ftc_hot_gc_count();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        cap += ftc_atomic_load_relaxed(&r->brc_len);
    p->dead = NULL;
    p->ndead = 0;
    p->dead_cap = cap;
    if (cap != 0 && (p->dead = ftc_mem_alloc(cap * sizeof *p->dead)) == NULL) {
        _ftc_objects_reg_unlock();
        _ftc_hot_gc_end();
        return false;
    }
#ifdef FTC_GIL_DISABLED
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
        if (ftc_atomic_load_relaxed(&r->brc_len) == 0)
            continue;
        /* Hot entries (converted while queued, perhaps just now) drop the queue's reference
         * from their total; a zero total is taken below with the other hot objects. cap
         * counted every queue entry with the world stopped: brc.c checks that the queue did
         * not grow (fatal). */
        if (p->dead == NULL)
            ftc_fatal("ftc_gc_collect: a BRC queue grew with the world stopped");
        size_t n = _ftc_brc_collect_queue(r, p->dead + p->ndead, p->dead_cap - p->ndead);
        for (size_t i = 0; i < n; i++)
            take_dead(p->dead[p->ndead + i]);
        p->ndead += n;
    }
#endif
    _ftc_objects_reg_unlock();
    p->ndead += _ftc_hot_gc_take_zero(p->dead + p->ndead, p->dead_cap - p->ndead);
    /* Converted objects that may be dying (all of them in a settle) become ordinary ones:
     * their last decref frees them from now on (refcount_hot.c). */
    (void)_ftc_hot_gc_demote(p->demote);
    _ftc_hot_gc_end();
    return true;
}

static int visit_decref(ftc_object *o, void *arg)
{
    FTC_UNUSED(arg);
    if (in_collection(o))
        _ftc_gc_head_of(o)->refs--;
    return 0;
}

static void move_to(_ftc_gc_head *list, _ftc_gc_head *h)
{
    unlink_node(h);
    h->prev = list->prev;
    h->next = list;
    list->prev->next = h;
    list->prev = h;
}

static int visit_reachable(ftc_object *o, void *arg)
{
    if (!in_collection(o))
        return 0;
    _ftc_gc_head *h = _ftc_gc_head_of(o);
    if (h->flags & GC_UNREACHABLE) {
        /* Moved to the unreachable list before a root reached it: back to the working list,
         * whose scan will get to it (at the tail) and traverse it. */
        h->flags &= ~GC_UNREACHABLE;
        move_to((_ftc_gc_head *)arg, h);
        h->refs = 1;
    } else if (h->refs <= 0) {
        h->refs = 1; /* not scanned yet: the scan will treat it as reachable */
    }
    return 0;
}

static void splice_all(_ftc_gc_head *work, struct _ftc_gc_list *l)
{
    if (l->head.next == &l->head)
        return;
    l->head.next->prev = work->prev;
    work->prev->next = l->head.next;
    l->head.prev->next = work;
    work->prev = l->head.prev;
    l->head.next = l->head.prev = &l->head;
}

/* Puts every node of a working list back on its own list. */
static void relink(_ftc_gc_head *work)
{
    _ftc_gc_head *h = work->next;
    while (h != work) {
        _ftc_gc_head *next = h->next;
        struct _ftc_gc_list *l = ftc_atomic_load_relaxed(&h->list);
        h->flags = 0;
        h->prev = l->head.prev;
        h->next = &l->head;
        l->head.prev->next = h;
        l->head.prev = h;
        h = next;
    }
    work->next = work->prev = work;
}

/* Steps 3-5 (world stopped). */
static void find_garbage(gc_pass *p, uint64_t *tracked)
{
    for (size_t i = 0; p->dead != NULL && i < p->ndead; i++) {
        ftc_object *o = p->dead[i];
        if (_ftc_gc_type_tracked(o->ob_type))
            _ftc_gc_head_of(o)->flags = GC_OURS;
    }
    _ftc_plock(&lists_mutex, "the collector's lists lock");
    list_lock(&orphans);
    for (struct _ftc_gc_list *l = active_lists; l != NULL; l = l->reg_next)
        list_lock(l);

    _ftc_gc_head work = {.next = &work, .prev = &work};
    _ftc_gc_head unreachable = {.next = &unreachable, .prev = &unreachable};
    splice_all(&work, &orphans);
    for (struct _ftc_gc_list *l = active_lists; l != NULL; l = l->reg_next)
        splice_all(&work, l);

    uint64_t n = 0;
    for (_ftc_gc_head *h = work.next; h != &work; h = h->next) {
        ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
        intptr_t c = true_count(o);
        if (h->flags & GC_OURS)
            c--;
        if (c < 0)
            ftc_fatal("ftc_gc_collect: negative reference count (%ld) on a %s object", (long)c,
                      o->ob_type->name);
        h->refs = c;
        h->flags = (h->flags & GC_OURS) | GC_COLLECTING;
        n++;
    }
    *tracked = n;
    for (_ftc_gc_head *h = work.next; h != &work; h = h->next) {
        ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
        o->ob_type->traverse(o, visit_decref, NULL);
    }
    /* move_unreachable: a scan in list order; a node with refs > 0 is reachable and revives
     * what it references; one with refs == 0 moves to unreachable until revived. */
    _ftc_gc_head *h = work.next;
    while (h != &work) {
        _ftc_gc_head *next = h->next;
        ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
        if (h->refs > 0) {
            o->ob_type->traverse(o, visit_reachable, &work);
            next = h->next; /* revived nodes were appended: the scan reaches them */
        } else {
            h->flags |= GC_UNREACHABLE;
            move_to(&unreachable, h);
        }
        h = next;
    }

    size_t ng = 0;
    for (h = unreachable.next; h != &unreachable; h = h->next)
        ng++;
    p->garbage = NULL;
    p->ngarbage = 0;
    if (ng != 0 && (p->garbage = ftc_mem_alloc(ng * sizeof *p->garbage)) == NULL) {
        p->rc = FTC_ENOMEM;
    } else if (ng != 0) {
#ifdef FTC_GIL_DISABLED
        bool any_hot = false;
        for (h = unreachable.next; h != &unreachable && !any_hot; h = h->next) {
            ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
            any_hot = (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) != 0;
        }
        if (any_hot) {
            _ftc_hot_gc_begin();
            for (h = unreachable.next; h != &unreachable; h = h->next) {
                ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
                if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
                    _ftc_hot_gc_unhot(o);
            }
            _ftc_hot_gc_end();
        }
#endif
        for (h = unreachable.next; h != &unreachable; h = h->next) {
            ftc_object *o = (ftc_object *)((char *)h + FTC_GC_HEAD_SIZE);
            ftc_incref(o);
            p->garbage[p->ngarbage++] = o;
            if (h->flags & GC_OURS)
                p->nboth++;
        }
        /* Weak references last: the GC_UNREACHABLE flags say which are garbage. */
        for (size_t i = 0; i < p->ngarbage; i++)
            clear_weakrefs(p, p->garbage[i]);
    }
    /* The dead of step 2 that are tracked lose their weak references too (they may be on
     * neither list above if something reachable... cannot be: a zero count has no referrer;
     * they are garbage unless the garbage array failed). */
    for (size_t i = 0; p->dead != NULL && i < p->ndead; i++)
        if (_ftc_gc_type_tracked(p->dead[i]->ob_type))
            clear_weakrefs(p, p->dead[i]);

    relink(&unreachable);
    relink(&work);
    for (struct _ftc_gc_list *l = active_lists; l != NULL; l = l->reg_next)
        list_unlock(l);
    list_unlock(&orphans);
    _ftc_punlock(&lists_mutex);
}

/* Phase B: callbacks, clears, the collector's references dropped. */
static void finish(gc_pass *p)
{
    _ftc_weakref_run_callbacks(p->callbacks);
    p->callbacks = NULL;
    uint64_t failures = 0;
    for (size_t i = 0; i < p->ngarbage; i++) {
        ftc_object *o = p->garbage[i];
        if (o->ob_type->clear != NULL && o->ob_type->clear(o) < 0)
            failures++;
    }
    for (size_t i = 0; i < p->ngarbage; i++)
        ftc_decref(p->garbage[i]);
    for (size_t i = 0; p->dead != NULL && i < p->ndead; i++)
        ftc_decref(p->dead[i]);
    ftc_mem_free(p->garbage);
    ftc_mem_free(p->dead);
    stat_add(&stats.clear_failures, failures);
}

/* One pass: full (cycles too) or hot only. Returns the objects found dead, or FTC_ENOMEM.
 * *converted: the nominations it converted to hot. */
static int64_t run_pass(bool full, bool demote, uint64_t *pause, uint64_t *longest,
                        int64_t *converted)
{
    gc_pass p = {0};
    p.demote = demote;
    uint64_t tracked = 0;
    uint64_t t0 = now_ns();
    ftc_stop_the_world();
    if (!take_zero_totals(&p, converted)) {
        ftc_start_the_world();
        uint64_t d = now_ns() - t0;
        *pause += d;
        *longest = d > *longest ? d : *longest;
        return FTC_ENOMEM;
    }
    if (full) {
        find_garbage(&p, &tracked);
    } else {
        /* Hot only: the dead that are tracked lose their weak references now. */
        for (size_t i = 0; p.dead != NULL && i < p.ndead; i++)
            if (_ftc_gc_type_tracked(p.dead[i]->ob_type))
                clear_weakrefs(&p, p.dead[i]);
    }
    ftc_start_the_world();
    uint64_t d = now_ns() - t0;
    *pause += d;
    *longest = d > *longest ? d : *longest;
    if (full) {
        ftc_atomic_store_relaxed(&stats.tracked, tracked);
        ftc_atomic_store_relaxed(&gc_last_tracked, (int64_t)tracked);
    }
    int64_t found = (int64_t)(p.ndead + p.ngarbage - p.nboth);
    int rc = p.rc;
    finish(&p);
    return rc < 0 ? rc : found;
}

/* n nominations became hot: like ftc_object_set_hot, each counts toward the next automatic
 * collection, since only a stop of the collector frees a hot object. */
static void count_converted(int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        count_alloc();
}

static int64_t collect(bool automatic)
{
    ftc_mutex_lock(&gc_mutex);
    if (automatic && !due(ftc_atomic_load_relaxed(&gc_allocs))) {
        ftc_mutex_unlock(&gc_mutex); /* another thread collected meanwhile */
        return 0;
    }
    tls_collecting = 1;
    ftc_atomic_store_relaxed(&gc_allocs, (int64_t)0);
    uint64_t pause = 0, longest = 0;
    int64_t converted = 0, c = 0;
    int64_t total = run_pass(true, false, &pause, &longest, &converted);
    int64_t last = total;
    /* Hot chains: a freed object may have dropped the last reference to a hot object. */
    while (last > 0 && total >= 0 && _ftc_hot_registered()) {
        last = run_pass(false, false, &pause, &longest, &c);
        converted += c;
        if (last > 0)
            total += last;
    }
    stat_add(&stats.collections, 1);
    if (automatic)
        stat_add(&stats.auto_collections, 1);
    if (total < 0)
        stat_add(&stats.failed, 1);
    else
        stat_add(&stats.collected, (uint64_t)total);
    stat_add(&stats.total_pause_ns, pause);
    if (longest > ftc_atomic_load_relaxed(&stats.max_pause_ns))
        ftc_atomic_store_relaxed(&stats.max_pause_ns, longest);
    tls_collecting = 0;
    ftc_mutex_unlock(&gc_mutex);
    count_converted(converted);
    return total;
}

/* The hot-only passes of a round or a settle (demote: each pass also demotes every converted
 * object after taking the dead ones), repeated while a pass freed something: the chain passes
 * free the hot objects the previous pass's frees left at zero. */
static void hot_passes(bool demote)
{
    /* Not inside this thread's own collection or round (a clear, dealloc or callback that
     * ticks: gc_mutex is not recursive), nor with the world stopped by this thread: the
     * nominations then stay pending, converted by the next round or collection. A critical
     * section may be open: a round runs no clear and no traverse, only what a decref runs
     * (deallocs, weak-reference callbacks), and waiting for gc_mutex or the stop detaches,
     * which suspends the sections. Not counted in the stats (not a collection). */
    if (tls_collecting || _ftc_stw_held_by_me())
        return;
    ftc_mutex_lock(&gc_mutex);
    tls_collecting = 1;
    uint64_t pause = 0, longest = 0;
    int64_t converted = 0, c = 0;
    int64_t last = run_pass(false, demote, &pause, &longest, &converted);
    while (last > 0 && _ftc_hot_registered()) {
        last = run_pass(false, demote, &pause, &longest, &c);
        converted += c;
    }
    tls_collecting = 0;
    ftc_mutex_unlock(&gc_mutex);
    count_converted(converted);
}

void _ftc_gc_hot_round(ftc_tstate *ts)
{
    FTC_UNUSED(ts);
    hot_passes(false);
}

void _ftc_gc_hot_settle(void) { hot_passes(true); }

int64_t ftc_gc_collect(void)
{
    ftc_tstate *ts = _ftc_tstate_require("ftc_gc_collect");
    if (tls_collecting || _ftc_cs_open_count(ts) > 0 || _ftc_stw_held_by_me())
        return FTC_ESTATE;
    return collect(false);
}

void _ftc_gc_handle_tick(ftc_tstate *ts)
{
    if (!ftc_atomic_load_relaxed(&gc_enabled) || tls_collecting || _ftc_cs_open_count(ts) > 0 ||
        _ftc_stw_held_by_me())
        return;
    if (!due(ftc_atomic_load_relaxed(&gc_allocs)))
        return;
    (void)collect(true);
}
