/* Hot objects: per-thread reference counting for objects every thread touches (nogil).
 *
 * Why: with biased counting, an object shared by all threads (a type, a constant, a lock, the
 * workload's shared dict) has every incref and decref land on one atomic word, which then
 * bounces between cores: slower than a GIL (CPython gh-131988, gh-123619). CPython 3.14
 * answers with per-thread reference counts indexed by a unique id; this is the same idea.
 *
 * How: ftc_object_set_hot(o), called by o's creator before publishing it, merges o's counts
 * into its shared word (state MERGED, owner none), gives o a unique id (stored in
 * ob_ref_local, which a merged object does not use; never FTC_REF_IMMORTAL), sets
 * FTC_OBF_HOT, and last makes its owner FTC_TID_HOT (which the inline paths test). Thereafter every thread's incref/decref of o adds +1/-1 to its own slot
 * counts[id] in its record: a plain load and relaxed store, no contention, inline
 * (_ftc_hot.slots / _ftc_hot.nslots, one thread-local struct, are the thread's view of its
 * record's array). (If a thread's array cannot grow, that one change goes to the shared word
 * atomically instead: counts are fungible.) The total is shared count + the sum of every thread's slot, which may be
 * negative individually.
 *
 * When it is freed (the rule): never by a decref while hot, since no thread knows the total
 * (converted objects are demoted to ordinary ones promptly, below). A thread
 * that ends adds its slots into the objects' shared words. Every stop of the collector (src/gc.c:
 * a collection, explicit or automatic, ftc_object_collect_hot being its alias, or a hot round)
 * adds every thread's slots into the shared words (zeroing them: _ftc_hot_gc_begin), and takes
 * out the hot objects whose shared count is then zero (_ftc_hot_gc_take_zero), clearing their
 * weak references; it starts the world and drops the last reference. With the world stopped no
 * thread is between two ticks, so none holds a pointer it read lock-free, and a zero total means
 * no reference exists anywhere: no one can find the object again. Runtime fini collects one
 * last time. Memory goes through QSBR like any shared object's.
 *
 * Becoming hot without being marked (issue 18): user data that many threads take references
 * to contends as much as a type does, and nobody marks it. A non-owner whose count CAS loses a
 * race (a decref's, or a try-incref's: the out-of-line *_contended paths in brc.c; successful
 * CASes and owner paths are unchanged) reports a contention event here; one in FTC_HOT_SAMPLE
 * per thread nominates the object. A second signal sees the cache-line transfer itself, which
 * the first misses when two threads take and drop references to the same values in turn
 * without ever losing a CAS (list_shared_read_ref, ftpy's shared_dict_read): the header byte
 * ob_gc_bits, on the line of ob_ref_shared, holds the tag (tid & FTC_LINE_TAG_MASK) of the
 * last non-owner that took a reference in the shared word and a saturating count. Every
 * non-owner incref of the shared word (ftc_try_incref's inline CAS, _ftc_object_incref_other,
 * the contended try-incref loop) compares the byte with its own tag and a zero count (a byte
 * load and a compare; the owner paths, immortal objects, hot objects, borrowed reads and every
 * decref never look at it: each reference a non-owner drops was taken by an incref that
 * looked, so one side suffices, and the decref is the commoner call); on a difference,
 * _ftc_object_line_moved: another tag means another non-owner took a reference since (a
 * transfer): count += 2 and the tag becomes ours; our own tag with a nonzero count: count -= 1.
 * At LINE_NOMINATE the object is nominated (unless auto-hot is off). Two threads that
 * alternate gain two per turn and nominate within LINE_NOMINATE / 2 turns; a thread that keeps using an object alone decays the count to
 * zero and then stores nothing; an object handed over a few times in its life never gets
 * there. Relaxed atomic byte loads and stores: a lost update only shifts the moment of a
 * nomination. The caller always holds a reference (the byte is read after the incref), so the
 * object is alive while its byte is touched. The byte starts at zero (ftc_object_new's zeroed memory) and is zeroed again at
 * a conversion and a demotion. An object demoted by a release request gets FTC_OBF_LINE_QUIET
 * and is not nominated by line transfers again (a VM's reader holds the value it read across
 * its tick: at its next read it drops a reference counted in the shared word at the
 * conversion, a release; without the flag ftpy's shared_dict_read converted, demoted and
 * renominated its values every few reads).
 * Nominating: FTC_OBF_NOMINATED by fetch-or (one winner), one more shared reference, an entry in
 * the winner's own list (rec->nom), and the winner's own merge bit. At that tick the winner runs a
 * hot round (gc.c, _ftc_gc_hot_round: the collector's hot-only pass, no cycle detection): stop the
 * world, add every thread's slots into the objects, convert every thread's nominations
 * (_ftc_hot_gc_begin), merge the BRC queues, take the dead hot objects and clear their weak
 * references, start the world, free them, and again while that freed something (chains). Every
 * collection converts the pending nominations the same way, in its first step, so a nomination
 * never outlives the next stop of the collector (unless an id cannot be allocated). Each
 * conversion counts toward the next automatic collection, as ftc_object_set_hot does. Conversion:
 * total := owner's local (if owned) + shared count - 1 (the nomination's reference), an id, shared
 * := (total, MERGED), local := id, FTC_OBF_HOT | FTC_OBF_QSBR, and last ob_tid := FTC_TID_HOT, as
 * set_hot does.
 *
 * Invariants of the conversion:
 *   - Totals stay exact: with the world stopped the owner is between two operations; its local
 *     count is read once, by the conversion, and its next operation sees FTC_TID_HOT and counts
 *     in its slot. The local count is merged exactly once (never by a BRC merge afterwards).
 *   - Converted while queued for a BRC merge: the total keeps the queue's reference. The
 *     collector merges every queue in the same stop, right after converting: a hot entry gives
 *     the queue's reference back out of its shared word (brc.c, _ftc_brc_collect_queue), no
 *     merge. An entry its owner had already taken out of the queue (a merge that detached in a
 *     dealloc) is dropped by that merge as a hot decref (brc.c, merge_taken), no merge.
 *   - Freed exactly once: a nominated object cannot die before its conversion (the nomination
 *     holds a reference, which the collector counts as one from outside: a nominated object is
 *     never garbage); a hot object is freed only by a stop of the collector (the rule above),
 *     which takes it with its own reference, so a concurrent round or collection cannot take
 *     it again (gc_mutex serializes them anyway). A nomination not
 *     converted is released by an ordinary decref: at its thread's end (after the thread's slots
 *     are closed, before it leaves its BRC bucket), in the fork child for threads that did not
 *     survive, and at runtime fini for threads parked for good (before the last BRC drain).
 *   - Lock-free readers: a reader between two ticks never sees a half-converted header (the
 *     world is stopped); afterwards try-incref counts in its slot, and the object outlives the
 *     reader's next tick.
 *   - Immortal objects are never nominated; an object made hot by its owner meanwhile gets the
 *     nomination's reference back out of its shared word.
 *   - ftc_object_live_count counts hot objects whose total is zero as freed (exact when quiet).
 * A dead hot object waits for the next stop of the collector: a hot round (a nomination
 * anywhere, or a release request below), a collection (explicit, or automatic: tracked
 * allocations, set_hot calls and conversions count toward it), or runtime fini. A thread that
 * counts while detached (no tick) is outside the round's guarantee, as for every hot object.
 *
 * Prompt death of converted objects (why auto-hot can be on by default): a program that
 * promises prompt destruction (CPython: weakref callbacks and finalizers run when the last
 * reference goes, so a program that synchronizes its threads, or joins them, observes the
 * death) must not see a converted object die late. Converted objects keep FTC_OBF_NOMINATED
 * set (one made hot by its owner, ftc_object_set_hot, never has it: it keeps the collector
 * rule above), and two mechanisms turn them back into ordinary objects ("demote": with the
 * world stopped and every slot merged, the shared word is the total; ob_tid := FTC_TID_NONE,
 * state MERGED, no id, flags HOT and NOMINATED cleared; from then on the decref whose CAS
 * makes the word exactly MERGED frees it, brc.c):
 *   - Release request. A thread's slot of a converted object going below zero (the inline
 *     decref tests the new value: one compare) means that thread dropped a reference it did
 *     not take while the object was hot (the creator's, a container's: the references counted
 *     in the shared word at the conversion), which is how an object starts dying; a balanced
 *     reader (+1 then -1) never does it. The thread asks for a hot round at its next tick
 *     (rec->hot_release_req and its merge bit; once per round). Every stop of the collector
 *     marks the converted objects whose merged slot delta was negative in some thread
 *     (hot_rel) and, after taking the dead, demotes the marked living ones: their remaining
 *     holders' decrefs are CASes again, and the last one frees at once. (A program whose
 *     threads then drop the last references before the round, e.g. main drops its reference
 *     and waits at a barrier for the readers to drop theirs, sees the object freed by that
 *     round, which runs at the requester's next tick, before it executes much further.)
 *   - Settle at a join. ftc_thread_join (attached caller, thread done) runs a hot-only pass
 *     that demotes every converted object (gc.c _ftc_gc_hot_settle), if any exists or the
 *     joiner has nominations pending: the joined thread's counts were merged at its end, so
 *     once every thread that used an object is joined its last decref frees it, with no
 *     collection (stress.refcount_hot_settle checks it every round).
 *   Invariants of demotion: with the world stopped no thread is inside an operation that read
 *   FTC_TID_HOT, and the total is the shared word (slots merged, queue entries collected in
 *   the same stop); a BRC entry its owner took before the stop and drops after it sees a
 *   non-hot object and merges it with -1 by CAS (brc.c merge_taken), exact as for any merged
 *   object; a demoted object may be nominated and converted again (NOMINATED cleared); the
 *   dead are taken before demotion, so demotion never sees a zero total. Cost: a contended
 *   object whose base references keep being dropped churns (convert, demote, renominate),
 *   bounded by the nomination sampling (one event in FTC_HOT_SAMPLE) and one round per tick
 *   of the requesting thread.
 *
 * Measured here (2-core VM, one run, incref+decref pairs on one object): one thread, hot
 * 4-6 ns against 7 ns for the shared atomic; two threads on the same object, hot 9 ns against
 * 13-28 ns for the shared atomic (a contended cache line; more cores make the gap grow).
 *
 * Locks: hot_mutex guards the id table and every record's slot array shape (growing it,
 * merging it). The collector takes it with the world stopped; a thread holds it only for
 * short non-blocking work, never across a tick, so the collector cannot wait on a paused
 * thread for it.
 *
 * Memory order: the slots and the hot objects' shared words are relaxed atomics; whoever sums
 * them (collection, thread end, refcount) does it with the world stopped or under hot_mutex
 * after the owning thread's last write was ordered by that lock or by the stop.
 */
#include "internal/gc.h"

#ifdef FTC_GIL_DISABLED

FTC_THREAD_LOCAL _ftc_hot_tls _ftc_hot;

static pthread_mutex_t hot_mutex = PTHREAD_MUTEX_INITIALIZER;
static ftc_object **hot_objs; /* by id; NULL = free id */
static uint8_t *hot_rel;      /* by id: converted, and some thread's count went below zero */
static size_t hot_cap;
static size_t hot_count;  /* ids in use */
static size_t auto_count; /* of which converted by contention (FTC_OBF_NOMINATED kept set) */

#define SHARED_ONE ((intptr_t)1 << FTC_REF_SHARED_SHIFT)

/* A free id in the table, grown if need be; false if out of memory. hot_mutex held. */
static bool alloc_id_locked(size_t *out)
{
    size_t id = 0;
    while (id < hot_cap && hot_objs[id] != NULL)
        id++;
    if (id == hot_cap) {
        size_t cap = hot_cap ? hot_cap * 2 : 64;
        uint8_t *r = ftc_mem_realloc(hot_rel, cap);
        if (r == NULL)
            return false;
        hot_rel = r;
        ftc_object **n = ftc_mem_realloc(hot_objs, cap * sizeof *n);
        if (n == NULL)
            return false;
        for (size_t i = hot_cap; i < cap; i++) {
            n[i] = NULL;
            r[i] = 0;
        }
        hot_objs = n;
        hot_cap = cap;
    }
    *out = id;
    return true;
}

int ftc_object_set_hot(ftc_object *o)
{
    if (ftc_object_is_immortal(o))
        return FTC_ESTATE;
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
        return 0;
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    if (tid != FTC_TID_NONE && tid != _ftc_tls_tid)
        ftc_fatal("ftc_object_set_hot on a %s object owned by another thread", o->ob_type->name);
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    size_t id;
    if (!alloc_id_locked(&id)) {
        _ftc_punlock(&hot_mutex);
        return FTC_ENOMEM;
    }
    hot_objs[id] = o;
    ftc_atomic_store_relaxed(&hot_count, hot_count + 1); /* read as a hint by gc.c */
    /* The owner (or nobody) counts: fold local into the shared word and give up ownership;
     * then ob_ref_local is free to hold the id. */
    intptr_t total = _ftc_brc_merge(o, 0);
    ftc_atomic_store_relaxed(&o->ob_ref_shared, (total << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED);
    ftc_atomic_store_relaxed(&o->ob_ref_local, (uint32_t)id);
    ftc_atomic_fetch_or_relaxed(&o->ob_flags, (uint16_t)(FTC_OBF_HOT | FTC_OBF_QSBR));
    /* Last: from here on the inline paths (which test ob_tid first) count in the slots. */
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_HOT);
    _ftc_punlock(&hot_mutex);
    _ftc_gc_count_alloc(); /* only a collection frees it: counts toward the next one */
    return 0;
}

/* Grows the caller's slot array to hold id; false if out of memory. */
static bool grow_slots(struct _ftc_objects_tstate *rec, size_t id)
{
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    if (rec->hot_closed) {
        _ftc_punlock(&hot_mutex);
        return false;
    }
    size_t cap = rec->hot_cap ? rec->hot_cap : 64;
    while (cap <= id)
        cap *= 2;
    int64_t *n = ftc_mem_realloc(rec->hot_counts, cap * sizeof *n);
    if (n != NULL) {
        for (size_t i = rec->hot_cap; i < cap; i++)
            n[i] = 0;
        rec->hot_counts = n;
        rec->hot_cap = cap;
        _ftc_hot.slots = n; /* the inline path's view (rec is the caller's own) */
        _ftc_hot.nslots = cap;
    }
    _ftc_punlock(&hot_mutex);
    return n != NULL;
}

static void hot_add(ftc_object *o, int64_t delta)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    size_t id = ftc_atomic_load_relaxed(&o->ob_ref_local);
    if (rec != NULL && (id < rec->hot_cap || grow_slots(rec, id))) {
        /* Relaxed load and store, this thread only: the collector reads it with the world
         * stopped (or under hot_mutex at our thread's end), which orders it. */
        int64_t *slot = &rec->hot_counts[id];
        int64_t v = ftc_atomic_load_relaxed(slot) + delta;
        ftc_atomic_store_relaxed(slot, v);
        if (v < 0 && delta < 0)
            _ftc_object_hot_released(o);
        return;
    }
    /* Relaxed: counts need no ordering; the collector stops the world before it reads. */
    ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, (intptr_t)delta * SHARED_ONE);
}

void _ftc_object_hot_released(ftc_object *o)
{
    /* Only converted objects (FTC_OBF_NOMINATED kept set): one made hot by its owner is
     * freed by a collection, as it always was. Relaxed: set before the world restarted after
     * the conversion, which ordered it before this thread's use. */
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec == NULL || rec->hot_release_req ||
        !(ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_NOMINATED))
        return;
    rec->hot_release_req = 1;
    ftc_tstate *ts = ftc_atomic_load_relaxed(&rec->ts);
    if (ts != NULL && (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_BRC_MERGE) == 0)
        _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
}

void _ftc_object_hot_incref(ftc_object *o) { hot_add(o, 1); }
void _ftc_object_hot_decref(ftc_object *o) { hot_add(o, -1); }

/* Whether ob_gc_bits is the calling thread's tag with a zero count (the line-transfer signal's
 * fast test, as in ftc_try_incref). */
static inline bool line_same(ftc_object *o)
{
    return ftc_atomic_load_relaxed(&o->ob_gc_bits) == (uint8_t)(_ftc_tls_tid & FTC_LINE_TAG_MASK);
}

/* ---- the out-of-line half of ftc_incref / ftc_decref (object.h) ----
 * Called for an object that is neither the caller's nor immortal. ob_tid and ob_ref_local are
 * loaded again (relaxed, as inline): a non-owner never sees ob_tid become its own id, and an
 * object becomes hot only with the world stopped, which an attached caller is not inside. */

void _ftc_object_incref_other(ftc_object *o)
{
    uint32_t local = ftc_atomic_load_relaxed(&o->ob_ref_local);
    if (ftc_atomic_load_relaxed(&o->ob_tid) == FTC_TID_HOT) {
        _ftc_hot_add(o, local, 1);
        return;
    }
    /* Relaxed: an incref needs no ordering; the decref that frees synchronizes. */
    ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, SHARED_ONE);
    if (FTC_UNLIKELY(!line_same(o)))
        _ftc_object_line_moved(o);
}

void _ftc_object_decref_other(ftc_object *o)
{
    if (ftc_atomic_load_relaxed(&o->ob_tid) == FTC_TID_HOT) {
        uint32_t id = ftc_atomic_load_relaxed(&o->ob_ref_local);
        _ftc_hot_tls *hot = &_ftc_hot;
        if (FTC_LIKELY(id < hot->nslots)) {
            /* As _ftc_hot_add; below zero is the may-be-dying signal (above). */
            int64_t *slot = &hot->slots[id];
            int64_t v = ftc_atomic_load_relaxed(slot) - 1;
            ftc_atomic_store_relaxed(slot, v);
            if (FTC_UNLIKELY(v < 0))
                _ftc_object_hot_released(o);
        } else {
            _ftc_object_hot_decref(o);
        }
        return;
    }
    /* A non-owner's decref that neither reaches the queue case (shared count zero, not
     * merged) nor frees: one acq_rel CAS here, the same as one turn of the slow path's loop
     * (brc.c has the protocol); anything else, or a lost race, goes on in brc.c. */
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    intptr_t desired = shared - SHARED_ONE;
    bool plain = shared != 0 && shared != FTC_REF_MAYBE_SHARED && desired != FTC_REF_MERGED;
    if (FTC_LIKELY(plain) && ftc_atomic_cas_weak_acq_rel(&o->ob_ref_shared, &shared, desired))
        return;
    /* A lost CAS is the contention signal (above); a weak CAS may also fail spuriously,
     * which the sampling absorbs. */
    if (plain)
        _ftc_object_decref_contended(o);
    else
        _ftc_object_decref_shared(o);
}

/* Adds rec's slots into the objects and zeroes them. hot_mutex held. */
static void merge_slots_locked(struct _ftc_objects_tstate *rec)
{
    for (size_t id = 0; id < rec->hot_cap; id++) {
        int64_t d = ftc_atomic_load_relaxed(&rec->hot_counts[id]);
        if (d == 0)
            continue;
        ftc_atomic_store_relaxed(&rec->hot_counts[id], (int64_t)0);
        if (id < hot_cap && hot_objs[id] != NULL) {
            ftc_atomic_fetch_add_relaxed(&hot_objs[id]->ob_ref_shared, (intptr_t)d * SHARED_ONE);
            if (d < 0) /* dropped references it did not take: demoted at this stop */
                hot_rel[id] = 1;
        } else
            ftc_fatal("hot object id %zu counted but not registered", id);
    }
}

/* Called while rec is still registered (object.c), so that a collection always sees this
 * thread's counts either in its slots or, from here on, in the objects: closing makes every
 * later count of this thread (deallocs while it drains its BRC queue) go to the objects. */
void _ftc_hot_thread_fini(struct _ftc_objects_tstate *rec)
{
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    merge_slots_locked(rec);
    rec->hot_closed = 1;
    /* Take the slots away inside the lock: rec stays registered a little longer, and a
     * collection or runtime fini on another thread walks registered records' slots under
     * hot_mutex (TSan caught the free that used to follow the unlock: stress.state_init_fini,
     * a thread whose start failed while the main thread finalized). */
    int64_t *counts = rec->hot_counts;
    rec->hot_counts = NULL;
    rec->hot_cap = 0;
    _ftc_punlock(&hot_mutex);
    if (counts == _ftc_hot.slots) {
        _ftc_hot.slots = NULL;
        _ftc_hot.nslots = 0;
    }
    ftc_mem_free(counts);
}

/* A hot object's total once every thread's slots are merged into its shared word (hot_mutex
 * held): fatal if negative, which only a decref too many can make. */
static intptr_t merged_count(ftc_object *o)
{
    intptr_t count = ftc_atomic_load_relaxed(&o->ob_ref_shared) >> FTC_REF_SHARED_SHIFT;
    if (count < 0)
        ftc_fatal("negative reference count (%ld) on a hot %s object", (long)count,
                  o->ob_type->name);
    return count;
}

/* With every thread's slots merged (hot_mutex held): takes out the dead objects. */
static size_t take_dead_locked(ftc_object ***out)
{
    size_t n = 0;
    ftc_object **dead = NULL;
    for (size_t id = 0; id < hot_cap; id++) {
        ftc_object *o = hot_objs[id];
        if (o == NULL)
            continue;
        if (merged_count(o) != 0)
            continue;
        if (dead == NULL && (dead = ftc_mem_alloc(hot_count * sizeof *dead)) == NULL)
            break; /* out of memory: the next collection frees them */
        dead[n++] = o;
        hot_objs[id] = NULL;
        hot_rel[id] = 0;
        ftc_atomic_store_relaxed(&hot_count, hot_count - 1);
        if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_NOMINATED)
            ftc_atomic_store_relaxed(&auto_count, auto_count - 1);
    }
    *out = dead;
    return n;
}

static void dealloc_dead(ftc_object **dead, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ftc_object *o = dead[i];
        /* Merged, count zero, no id, no owner: an ordinary dead object now. */
        ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_NONE);
        ftc_atomic_store_relaxed(&o->ob_ref_local, (uint32_t)0);
        ftc_atomic_fetch_and_relaxed(&o->ob_flags, (uint16_t) ~(FTC_OBF_HOT | FTC_OBF_NOMINATED));
        _ftc_object_dealloc(o);
    }
    ftc_mem_free(dead);
}

/* ---- contention-driven conversion ---- */

/* One contention event in FTC_HOT_SAMPLE nominates: an object whose count is fought over
 * often is soon nominated, one that lost a single race rarely is. */
#define FTC_HOT_SAMPLE 8u

static bool nominate(struct _ftc_objects_tstate *rec, ftc_object *o)
{
    uint16_t flags = ftc_atomic_load_relaxed(&o->ob_flags);
    if ((flags & (FTC_OBF_HOT | FTC_OBF_NOMINATED)) != 0 || ftc_object_is_immortal(o) ||
        rec->hot_closed)
        return false;
    if (rec->nom_len == rec->nom_cap) {
        size_t cap = rec->nom_cap ? rec->nom_cap * 2 : 16;
        ftc_object **n = ftc_mem_realloc(rec->nom, cap * sizeof *n);
        if (n == NULL)
            return false; /* not nominated: nothing lost but the speed-up */
        rec->nom = n;
        rec->nom_cap = cap;
    }
    /* Relaxed: the flag only stops a second nomination; the round reads it with the world
     * stopped. Exactly one thread's or sees the bit clear. */
    if (ftc_atomic_fetch_or_relaxed(&o->ob_flags, FTC_OBF_NOMINATED) & FTC_OBF_NOMINATED)
        return false;
    /* The nomination's own reference (the caller holds one, so o is alive): o stays alive
     * until the round converts it, which takes this reference back out of the total. */
    ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, SHARED_ONE);
    rec->nom[rec->nom_len++] = o;
    /* Ask this thread's next tick for a round (object.c: the BRC merge bit's handler runs it
     * when nominations are pending). A load first: no read-modify-write if set already. */
    ftc_tstate *ts = ftc_atomic_load_relaxed(&rec->ts);
    if (ts != NULL && (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_BRC_MERGE) == 0)
        _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
    return true;
}

/* On by default: converted objects die promptly again once the threads that used them are
 * joined (the settle). Relaxed: a stale value costs one sampled event. */
static bool auto_hot = true;

void ftc_object_set_auto_hot(bool on) { ftc_atomic_store_relaxed(&auto_hot, on); }

bool ftc_object_auto_hot_enabled(void) { return ftc_atomic_load_relaxed(&auto_hot); }

void _ftc_hot_contended(ftc_object *o)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (!ftc_atomic_load_relaxed(&auto_hot) || rec == NULL ||
        ++rec->contended % FTC_HOT_SAMPLE != 0)
        return;
    nominate(rec, o);
}

/* The line-transfer signal (ob_gc_bits, object.h): the count is in units of LINE_ONE above
 * the tag; a tag change adds 2, an incref that finds its own tag with a nonzero count takes 1
 * away, and LINE_NOMINATE nominates. Two threads that alternate (each one reference or a few
 * at a turn: a value both read in a loop) gain at least one per turn and are nominated within
 * LINE_NOMINATE turns; an object one thread keeps using after a hand-over decays to zero (then
 * no store at all); one handed from thread to thread a few times in its life never gets
 * there. */
#define LINE_ONE (1u << 3)
#define LINE_MAX 31u
#define LINE_NOMINATE 16u

void _ftc_object_line_moved(ftc_object *o)
{
    uint8_t tag = (uint8_t)(_ftc_tls_tid & FTC_LINE_TAG_MASK);
    /* Relaxed byte load and store: another thread's update between them may be lost, which
     * only delays (or hastens) a nomination. */
    uint8_t bits = ftc_atomic_load_relaxed(&o->ob_gc_bits);
    unsigned count = bits / LINE_ONE;
    if ((bits & FTC_LINE_TAG_MASK) == tag) {
        if (count != 0)
            ftc_atomic_store_relaxed(&o->ob_gc_bits, (uint8_t)(bits - LINE_ONE));
        return;
    }
    count = count + 2 > LINE_MAX ? LINE_MAX : count + 2;
    ftc_atomic_store_relaxed(&o->ob_gc_bits, (uint8_t)(count * LINE_ONE | tag));
    if (count < LINE_NOMINATE || !ftc_atomic_load_relaxed(&auto_hot) ||
        (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_LINE_QUIET) != 0)
        return;
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec == NULL ||
        (ftc_atomic_load_relaxed(&o->ob_flags) & (FTC_OBF_HOT | FTC_OBF_NOMINATED)) != 0)
        return;
    /* A transfer needs two threads: once the others have ended (joined), a count left high by
     * them must not nominate at this thread's next look (its nomination would keep the object
     * alive until its next tick: stress.list_append's main thread reads every item once after
     * the joins and checks the live count at once). The registry lock, once per nomination. */
    _ftc_objects_reg_lock();
    struct _ftc_objects_tstate *first = _ftc_objects_reg_first();
    bool others = first != NULL && first->next != NULL;
    _ftc_objects_reg_unlock();
    if (others)
        nominate(rec, o);
}

bool _ftc_hot_nominate(ftc_object *o)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    return rec != NULL && nominate(rec, o);
}

/* Converts one nominated object (world stopped, hot_mutex held). Returns 1 converted, 0 done
 * without converting (hot or immortal already: the nomination's reference is dropped), -1
 * out of memory (kept for the next round, still holding its reference). */
static int convert_locked(ftc_object *o)
{
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) {
        /* Made hot by its owner meanwhile: counts are fungible, the shared word takes -1
         * (its slots are merged already, so the shared word is the total: at least the
         * nomination's reference; zero now means dead, found by _ftc_hot_gc_take_zero). The
         * owner asked for hot: no longer a converted object (never demoted). */
        ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, -SHARED_ONE);
        ftc_atomic_fetch_and_relaxed(&o->ob_flags, (uint16_t)~FTC_OBF_NOMINATED);
        return 0;
    }
    if (ftc_object_is_immortal(o))
        return 0;
    size_t id;
    if (!alloc_id_locked(&id))
        return -1;
    /* Nobody else runs: the owner (if any) is paused between two of its operations, so its
     * local count is stable; likewise the shared word. The total keeps every reference,
     * including a BRC queue's (a QUEUED object: whoever merges that queue entry later drops it
     * as a hot reference: the collector's queue pass in this same stop, or brc.c's
     * merge_taken for an entry its owner had taken already), minus the nomination's. */
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    intptr_t local = tid == FTC_TID_NONE ? 0 : (intptr_t)ftc_atomic_load_relaxed(&o->ob_ref_local);
    intptr_t total =
        (ftc_atomic_load_relaxed(&o->ob_ref_shared) >> FTC_REF_SHARED_SHIFT) + local - 1;
    if (total < 0)
        ftc_fatal("negative reference count (%ld) on a %s object made hot", (long)total,
                  o->ob_type->name);
    hot_objs[id] = o;
    ftc_atomic_store_relaxed(&hot_count, hot_count + 1);   /* read as a hint by gc.c */
    ftc_atomic_store_relaxed(&auto_count, auto_count + 1); /* a hint for thread joins */
    ftc_atomic_store_relaxed(&o->ob_ref_shared, (total << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED);
    ftc_atomic_store_relaxed(&o->ob_ref_local, (uint32_t)id);
    ftc_atomic_store_relaxed(&o->ob_gc_bits, (uint8_t)0); /* the signal starts over */
    /* FTC_OBF_NOMINATED stays set: it marks the object as converted (demoted at the next
     * settle, _ftc_hot_gc_demote), unlike one its owner made hot. */
    ftc_atomic_fetch_or_relaxed(&o->ob_flags, (uint16_t)(FTC_OBF_HOT | FTC_OBF_QSBR));
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_HOT);
    return 1;
}

/* Converts rec's nominations (world stopped, hot_mutex held); keeps those that could not be. */
static int64_t convert_nominees_locked(struct _ftc_objects_tstate *rec)
{
    int64_t converted = 0;
    size_t keep = 0;
    for (size_t i = 0; i < rec->nom_len; i++) {
        int r = convert_locked(rec->nom[i]);
        if (r < 0)
            rec->nom[keep++] = rec->nom[i];
        else
            converted += r;
    }
    rec->nom_len = keep;
    return converted;
}

void _ftc_hot_release_nominees(struct _ftc_objects_tstate *rec)
{
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    ftc_object **objs = rec->nom;
    size_t n = rec->nom_len;
    rec->nom = NULL;
    rec->nom_len = rec->nom_cap = 0;
    _ftc_punlock(&hot_mutex);
    for (size_t i = 0; i < n; i++) {
        ftc_atomic_fetch_and_relaxed(&objs[i]->ob_flags, (uint16_t)~FTC_OBF_NOMINATED);
        ftc_decref(objs[i]);
    }
    ftc_mem_free(objs);
}

/* The collector (src/gc.c) frees hot objects whose total is zero, chains included. */
int64_t ftc_object_collect_hot(void)
{
    if (ftc_tstate_get() == NULL)
        ftc_fatal("ftc_object_collect_hot needs an attached thread state");
    int64_t n = ftc_gc_collect();
    return n < 0 ? 0 : n;
}

/* ---- the collector's view (src/gc.c; world stopped) ---- */

int64_t _ftc_hot_gc_begin(void)
{
    int64_t converted = 0;
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        merge_slots_locked(r);
    /* Every pending nomination is converted in every stop the collector makes (a collection
     * or a hot round): after the slots are merged, so that an object made hot meanwhile has
     * its total in its shared word when the nomination's reference comes out of it. */
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        converted += convert_nominees_locked(r);
    _ftc_objects_reg_unlock();
    return converted;
}

void _ftc_hot_gc_end(void) { _ftc_punlock(&hot_mutex); }

size_t _ftc_hot_gc_count(void) { return hot_count; }

bool _ftc_hot_registered(void)
{
    /* Relaxed hint: the collector's hot-only passes re-check under the lock. */
    return ftc_atomic_load_relaxed(&hot_count) != 0;
}

/* Merged (slots added in), so the shared word holds the total: keep it, drop the id. */
void _ftc_hot_gc_unhot(ftc_object *o)
{
    size_t id = ftc_atomic_load_relaxed(&o->ob_ref_local);
    uint16_t flags = ftc_atomic_load_relaxed(&o->ob_flags);
    if (id < hot_cap && hot_objs[id] == o) {
        hot_objs[id] = NULL;
        hot_rel[id] = 0;
        ftc_atomic_store_relaxed(&hot_count, hot_count - 1);
        if (flags & FTC_OBF_NOMINATED)
            ftc_atomic_store_relaxed(&auto_count, auto_count - 1);
    }
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_NONE);
    ftc_atomic_store_relaxed(&o->ob_ref_local, (uint32_t)0);
    ftc_atomic_store_relaxed(&o->ob_gc_bits, (uint8_t)0); /* the signal starts over */
    /* NOMINATED too: a demoted object that is contended again may be nominated again. */
    ftc_atomic_fetch_and_relaxed(&o->ob_flags, (uint16_t) ~(FTC_OBF_HOT | FTC_OBF_NOMINATED));
}

size_t _ftc_hot_gc_demote(bool all)
{
    /* The world is stopped and every slot merged: each shared word holds its object's total.
     * A converted object becomes an ordinary merged one with no owner (what a BRC merge
     * leaves): its next non-owner decref is a CAS on that word, and the one reaching zero
     * frees it. No thread is between two ticks, so none is inside an operation that read
     * FTC_TID_HOT; the next one reads FTC_TID_NONE. */
    size_t n = 0;
    for (size_t id = 0; id < hot_cap && auto_count != 0; id++) {
        ftc_object *o = hot_objs[id];
        if (o == NULL || !(ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_NOMINATED))
            continue;
        if (!all && !hot_rel[id])
            continue;
        (void)merged_count(o); /* fatal if negative */
        _ftc_hot_gc_unhot(o);
        /* Demoted by a release request: the line-transfer signal leaves it alone from now on
         * (a reader that holds a value across its tick, as a VM's local does, drops at its
         * next read a reference counted in the shared word at the conversion: a release, and
         * without this, convert-demote-renominate churn at every few reads). The lost-CAS
         * signal still applies (sampled). */
        if (!all)
            ftc_atomic_fetch_or_relaxed(&o->ob_flags, FTC_OBF_LINE_QUIET);
        n++;
    }
    return n;
}

bool _ftc_hot_converted_registered(void)
{
    /* Relaxed hint: the settle re-checks under the lock (a stale zero skips one settle, which
     * only happens if a conversion raced with the join: then the converting thread's objects
     * are in use by a thread that has not been joined). */
    return ftc_atomic_load_relaxed(&auto_count) != 0;
}

size_t _ftc_hot_gc_take_zero(ftc_object **out, size_t cap)
{
    size_t n = 0;
    for (size_t id = 0; id < hot_cap && n < cap; id++) {
        ftc_object *o = hot_objs[id];
        if (o == NULL)
            continue;
        if (merged_count(o) != 0)
            continue;
        _ftc_hot_gc_unhot(o);
        /* The collector's reference (gc.c drops it once the world runs again). */
        ftc_atomic_store_relaxed(&o->ob_ref_shared, SHARED_ONE | FTC_REF_MERGED);
        out[n++] = o;
    }
    return n;
}

int64_t _ftc_hot_refcount(ftc_object *o)
{
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    size_t id = ftc_atomic_load_relaxed(&o->ob_ref_local);
    int64_t total = (int64_t)(ftc_atomic_load_relaxed(&o->ob_ref_shared) >> FTC_REF_SHARED_SHIFT);
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        if (id < r->hot_cap)
            total += ftc_atomic_load_relaxed(&r->hot_counts[id]);
    _ftc_objects_reg_unlock();
    _ftc_punlock(&hot_mutex);
    return total;
}

int64_t _ftc_hot_dead_count(void)
{
    int64_t dead = 0;
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    _ftc_objects_reg_lock();
    for (size_t id = 0; id < hot_cap; id++) {
        ftc_object *o = hot_objs[id];
        if (o == NULL)
            continue;
        int64_t total =
            (int64_t)(ftc_atomic_load_relaxed(&o->ob_ref_shared) >> FTC_REF_SHARED_SHIFT);
        for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
            if (id < r->hot_cap)
                total += ftc_atomic_load_relaxed(&r->hot_counts[id]);
        dead += total == 0;
    }
    _ftc_objects_reg_unlock();
    _ftc_punlock(&hot_mutex);
    return dead;
}

void _ftc_hot_runtime_fini(void)
{
    /* The last thread: merge what is left and free the dead; live ones stay the user's. */
    ftc_object **dead;
    _ftc_plock(&hot_mutex, "the hot-refcount lock");
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        merge_slots_locked(r);
    _ftc_objects_reg_unlock();
    size_t n = take_dead_locked(&dead);
    bool empty = hot_count == 0;
    if (empty) {
        ftc_mem_free(hot_objs);
        ftc_mem_free(hot_rel);
        hot_rel = NULL;
        hot_objs = NULL;
        hot_cap = 0;
    }
    _ftc_punlock(&hot_mutex);
    dealloc_dead(dead, n);
}

void _ftc_hot_after_fork_child(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    hot_mutex = m;
}

#else /* GIL build: counts are plain and uncontended already. */

int ftc_object_set_hot(ftc_object *o)
{
    FTC_UNUSED(o);
    return 0;
}

FTC_THREAD_LOCAL _ftc_hot_tls _ftc_hot;

int64_t ftc_object_collect_hot(void)
{
    if (ftc_tstate_get() == NULL)
        ftc_fatal("ftc_object_collect_hot needs an attached thread state");
    int64_t n = ftc_gc_collect();
    return n < 0 ? 0 : n;
}
void _ftc_hot_contended(ftc_object *o) { FTC_UNUSED(o); }
void ftc_object_set_auto_hot(bool on) { FTC_UNUSED(on); }
bool ftc_object_auto_hot_enabled(void) { return false; }
bool _ftc_hot_nominate(ftc_object *o)
{
    FTC_UNUSED(o);
    return false;
}
void _ftc_hot_release_nominees(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
int64_t _ftc_hot_gc_begin(void) { return 0; }
void _ftc_hot_gc_end(void) {}
size_t _ftc_hot_gc_count(void) { return 0; }
bool _ftc_hot_registered(void) { return false; }
void _ftc_hot_gc_unhot(ftc_object *o) { FTC_UNUSED(o); }
size_t _ftc_hot_gc_demote(bool all)
{
    FTC_UNUSED(all);
    return 0;
}
void _ftc_object_hot_released(ftc_object *o) { FTC_UNUSED(o); }
bool _ftc_hot_converted_registered(void) { return false; }
size_t _ftc_hot_gc_take_zero(ftc_object **out, size_t cap)
{
    FTC_UNUSED(out);
    FTC_UNUSED(cap);
    return 0;
}
void _ftc_object_hot_incref(ftc_object *o) { ftc_incref(o); }
void _ftc_object_hot_decref(ftc_object *o) { ftc_decref(o); }
void _ftc_object_line_moved(ftc_object *o) { FTC_UNUSED(o); }
void _ftc_object_incref_other(ftc_object *o) { ftc_incref(o); }
void _ftc_object_decref_other(ftc_object *o) { ftc_decref(o); }
int64_t _ftc_hot_refcount(ftc_object *o) { return (int64_t)o->ob_refcnt; }
int64_t _ftc_hot_dead_count(void) { return 0; }
void _ftc_hot_thread_fini(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_hot_runtime_fini(void) {}
void _ftc_hot_after_fork_child(void) {}

#endif
