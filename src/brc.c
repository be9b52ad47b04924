/* Biased reference counting, the slow paths (nogil build; the GIL build has none).
 *
 * The inline paths in <ftcore/object.h> handle the owner's local count and a non-owner's
 * incref. This file handles the three events that need more:
 *
 * 1. The owner's local count reaches zero (_ftc_object_merge_zero_local). If the shared word
 *    is exactly 0, no other thread ever counted the object and none can find it (try-incref
 *    refuses 0): free at once. Otherwise give up ownership: ob_tid := none, and CAS the shared
 *    word to (count, MERGED); if the count is zero the object is dead. A QUEUED object keeps
 *    its queue's reference in the count, so it cannot die here; the queue's merge removes it.
 *
 * 2. A non-owner's decref (_ftc_object_decref_shared). One CAS loop on the shared word:
 *      - word is 0 or MAYBE_SHARED (count zero, not queued, not merged): the owner may hold
 *        the remaining references; do not go negative but set QUEUED (without subtracting:
 *        the queue now holds this reference) and hand the object to its owner's queue;
 *      - otherwise subtract one (the count may go negative while the owner holds local
 *        references); if the result is exactly MERGED (count zero, merged) the object is dead.
 *    The CAS is acq_rel: our earlier writes to the object happen before whoever frees it, and
 *    whoever frees it has seen them (every path to dealloc ends in an acquire on this word).
 *
 * 3. The owner merges its queue (_ftc_brc_merge_queue, at a tick with FTC_EB_BRC_MERGE, and
 *    when its thread ends): for each object, total := local + shared count - 1 (the queue's
 *    reference), written as (total, MERGED) by CAS, local := 0, owner := none; free if zero.
 *
 * Asking for a merge: only the push that makes an owner's queue non-empty sets the owner's
 *    FTC_EB_BRC_MERGE (an atomic or on a line the owner reads at every tick: once per merge,
 *    not once per object), and only if it is not set already (a load first: no
 *    read-modify-write on the owner's line when a merge is pending anyway). No push is
 *    stranded: the state layer clears the bit before the owner's merge runs, and the merge
 *    takes the whole queue under the bucket lock, so a push after it finds the queue empty
 *    and sees the bit clear (the clear happened before the take, which happened before the
 *    push's lock); attach re-checks brc_len; a record's last drain (thread end, runtime
 *    fini) takes everything.
 *
 * Finding the owner: the queue lives in the owner's record, found by tid on the chain of
 *    bucket tid % FTC_BRC_BUCKETS under that bucket's lock (one lock per bucket, each on its
 *    own cache line; never a process-wide lock on this per-object path). The push, the direct
 *    merge and the owner's leaving its bucket are all under that lock, so an object is either
 *    pushed to a live owner (which will merge it) or merged by the pusher while no thread
 *    counts as its owner. The owner drains its queue until it is empty before it leaves
 *    (merging may free objects whose deallocs queue more to it), so after it left it does no
 *    owner-path counting; the lock orders its last local-count writes before any direct
 *    merge. The owner's tstate pointer (rec->ts, which a push signals) is cleared under the
 *    bucket lock too, so a push never signals a freed tstate.
 *    If the queue cannot grow (out of memory) the pusher stops the world, which pauses the
 *    owner at a tick (or finds it detached), and merges directly while it is paused.
 *
 * Exactly-once freeing: every path that frees observes a transition only one thread can make
 * (the owner's own store of local 0 with the shared word 0; the CAS that produces exactly
 * MERGED from a positive count; a merge CAS producing a zero total, done once per queue entry,
 * and an object is queued at most once between merges because QUEUED is not 0/MAYBE_SHARED).
 */
#include "internal/object.h"

#ifdef FTC_GIL_DISABLED

#define SHARED_ONE ((intptr_t)1 << FTC_REF_SHARED_SHIFT)

intptr_t _ftc_brc_merge(ftc_object *o, intptr_t extra)
{
    /* Only one thread merges an object (its owner, or with the owner gone the one thread that
     * queued it: every other decref meanwhile sees QUEUED or MERGED and subtracts), so nobody
     * else writes ob_ref_local. Give up ownership before the CAS: once it publishes the
     * total, another thread's decref may free o at once, so nothing may touch o after it
     * (TSan caught the stores that used to follow the CAS: stress brc_pass_objects). */
    intptr_t local = (intptr_t)ftc_atomic_load_relaxed(&o->ob_ref_local);
    const char *name = o->ob_type->name;
    ftc_atomic_store_relaxed(&o->ob_ref_local, (uint32_t)0);
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_NONE);
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    intptr_t total, desired;
    do {
        total = (shared >> FTC_REF_SHARED_SHIFT) + local + extra;
        desired = (total << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED;
        /* acq_rel: acquire sees every non-owner's decref before a zero total; release orders
         * our stores above before any thread that frees o after reading this value. */
    } while (!ftc_atomic_cas_weak_acq_rel(&o->ob_ref_shared, &shared, desired));
    if (total < 0)
        ftc_fatal("negative reference count (%ld) on a %s object", (long)total, name);
    return total;
}

void _ftc_object_merge_zero_local(ftc_object *o)
{
    /* Acquire: pairs with the release CAS of the last non-owner decref. */
    intptr_t shared = ftc_atomic_load_acquire(&o->ob_ref_shared);
    if (shared == 0) {
        _ftc_object_dealloc(o);
        return;
    }
    const char *name = o->ob_type->name;
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_NONE);
    intptr_t count, desired;
    do {
        count = shared >> FTC_REF_SHARED_SHIFT;
        desired = (count << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED;
        /* acq_rel, as in _ftc_brc_merge; o is not touched after it unless we free it. */
    } while (!ftc_atomic_cas_weak_acq_rel(&o->ob_ref_shared, &shared, desired));
    if (count < 0)
        ftc_fatal("negative reference count (%ld) on a %s object", (long)count, name);
    if (count == 0)
        _ftc_object_dealloc(o);
}

/* ---- owners' queues, by bucket ---- */

/* One lock per bucket, each on its own cache line, instead of one process-wide lock: a push
 * locks only its owner's bucket, a merge only its own. With two threads passing objects to
 * each other (wordcount), each lock's line moves between cores once per merge cycle (the
 * owner's take), not at every push of every thread (perf of wordcount at 2 threads with the
 * registry mutex: ~26% of the samples in its lock and unlock). Thread ids are handed out in
 * sequence, so the first FTC_BRC_BUCKETS threads have a bucket each. */
#define FTC_BRC_BUCKETS 64

typedef struct brc_bucket {
    _Alignas(64) pthread_mutex_t lock;
    struct _ftc_objects_tstate *head; /* records whose tid falls here; lock */
} brc_bucket;

static brc_bucket buckets[FTC_BRC_BUCKETS] = {
#define B_                                          \
    {                                               \
        PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, NULL \
    }
#define B8_ B_, B_, B_, B_, B_, B_, B_, B_
    B8_, B8_, B8_, B8_, B8_, B8_, B8_, B8_,
#undef B8_
#undef B_
};

static brc_bucket *bucket_of(uintptr_t tid) { return &buckets[tid % FTC_BRC_BUCKETS]; }

static struct _ftc_objects_tstate *find_owner(brc_bucket *b, uintptr_t tid)
{
    for (struct _ftc_objects_tstate *r = b->head; r != NULL; r = r->brc_next)
        if (r->tid == tid)
            return r;
    return NULL;
}

void _ftc_brc_register(struct _ftc_objects_tstate *rec)
{
    brc_bucket *b = bucket_of(rec->tid);
    pthread_mutex_lock(&b->lock);
    if (!rec->brc_in_bucket) {
        rec->brc_next = b->head;
        b->head = rec;
        rec->brc_in_bucket = 1;
    }
    pthread_mutex_unlock(&b->lock);
}

void _ftc_brc_clear_ts(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    brc_bucket *b = bucket_of(rec->tid);
    pthread_mutex_lock(&b->lock);
    if (ftc_atomic_load_relaxed(&rec->ts) == ts)
        ftc_atomic_store_relaxed(&rec->ts, (ftc_tstate *)NULL);
    pthread_mutex_unlock(&b->lock);
}

static void unlink_locked(brc_bucket *b, struct _ftc_objects_tstate *rec)
{
    for (struct _ftc_objects_tstate **p = &b->head; *p != NULL; p = &(*p)->brc_next) {
        if (*p == rec) {
            *p = rec->brc_next;
            break;
        }
    }
    rec->brc_next = NULL;
    rec->brc_in_bucket = 0;
}

/* Pushes o onto its owner's queue; returns 1 if pushed, -1 if the queue could not grow.
 * Bucket lock held. */
static int push_locked(struct _ftc_objects_tstate *owner, ftc_object *o)
{
    if (owner->brc_len == owner->brc_cap) {
        size_t cap = owner->brc_cap ? owner->brc_cap * 2 : 32;
        ftc_object **q = ftc_mem_realloc(owner->brc_queue, cap * sizeof *q);
        if (q == NULL)
            return -1;
        owner->brc_queue = q;
        owner->brc_cap = cap;
    }
    size_t len = owner->brc_len;
    owner->brc_queue[len] = o;
    /* Relaxed: attach reads it without the lock as a hint; the queue itself is read under
     * the lock. */
    ftc_atomic_store_relaxed(&owner->brc_len, len + 1);
    /* Only the push that makes the queue non-empty asks for a merge (see the essay), and
     * only if the bit is not set already: a load, not a read-modify-write, on the line the
     * owner reads at every tick. A set bit we read is one the owner has not cleared before
     * its last take under this lock (that take and its clear, which precedes it, happen
     * before our lock), so its next tick clears it and then takes our push. */
    if (len == 0) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&owner->ts);
        if (ts != NULL && (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_BRC_MERGE) == 0)
            _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
    }
    return 1;
}

static void queue_to_owner(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    intptr_t total = -1;
    int pushed = 0;
    if (tid != FTC_TID_NONE) {
        brc_bucket *b = bucket_of(tid);
        pthread_mutex_lock(&b->lock);
        struct _ftc_objects_tstate *owner = find_owner(b, tid);
        if (owner != NULL) {
            pushed = push_locked(owner, o);
        } else {
            /* The owner is gone: it drained its queue and left its bucket under this lock
             * after its last local-count write, and a thread only counts as owner again after
             * it re-registers under this lock: merging under it, nobody else touches the
             * counts. */
            total = _ftc_brc_merge(o, -1);
        }
        pthread_mutex_unlock(&b->lock);
    } else {
        /* QUEUED with no owner cannot happen (ownerless objects are MERGED); merge anyway. */
        total = _ftc_brc_merge(o, -1);
    }
    if (pushed == 1)
        return;
    if (pushed < 0) {
        /* Out of memory growing a live owner's queue: merge while the owner is paused. */
        if (ftc_tstate_get() == NULL)
            ftc_fatal("out of memory queueing a %s object to its owner", o->ob_type->name);
        ftc_stop_the_world();
        total = _ftc_brc_merge(o, -1);
        ftc_start_the_world();
    }
    if (total == 0)
        _ftc_object_dealloc(o);
}

void _ftc_object_decref_shared(ftc_object *o)
{
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    intptr_t desired;
    bool queue;
    do {
        queue = shared == 0 || shared == FTC_REF_MAYBE_SHARED;
        desired = queue ? FTC_REF_QUEUED : shared - SHARED_ONE;
        /* acq_rel: release makes our writes to the object happen before its dealloc; acquire
         * (when we are the one that frees) makes every other thread's happen before ours.
         * Not a release CAS plus an acquire fence: TSan does not model fences. Same cost on
         * x86 (one lock cmpxchg). */
    } while (!ftc_atomic_cas_weak_acq_rel(&o->ob_ref_shared, &shared, desired));
    if (queue)
        queue_to_owner(o);
    else if (desired == FTC_REF_MERGED)
        _ftc_object_dealloc(o);
}

static void merge_taken(ftc_object **objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ftc_object *o = objs[i];
        /* Converted to hot while queued (a stop of the collector, refcount_hot.c), after this
         * entry was taken (that stop merges what is still queued: _ftc_brc_collect_queue): its
         * total kept the queue's reference, which goes now like any hot decref; a hot object
         * is freed only by the collector. Relaxed: the round's flag store happened before the world
         * restarted, which ordered it before this tick. */
        if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
            _ftc_object_hot_decref(o);
        else if (_ftc_brc_merge(o, -1) == 0)
            _ftc_object_dealloc(o);
    }
}

void _ftc_object_decref_contended(ftc_object *o)
{
    /* We still hold the reference we are dropping: o is alive for the nomination. */
    _ftc_hot_contended(o);
    _ftc_object_decref_shared(o);
}

bool _ftc_object_try_incref_contended(ftc_object *o)
{
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    for (;;) {
        if (shared == 0 || shared == FTC_REF_MERGED)
            return false;
        /* Relaxed, as ftc_try_incref's inline CAS. */
        if (ftc_atomic_cas_weak_relaxed(&o->ob_ref_shared, &shared, shared + SHARED_ONE))
            break;
    }
    _ftc_hot_contended(o); /* with the reference just taken */
    /* The line-transfer signal (refcount_hot.c), as ftc_try_incref's inline path has it. */
    if (ftc_atomic_load_relaxed(&o->ob_gc_bits) != (uint8_t)(_ftc_tls_tid & FTC_LINE_TAG_MASK))
        _ftc_object_line_moved(o);
    return true;
}

/* Takes rec's queue, leaving the owner's spare array (or nothing) in its place; with leave,
 * takes rec off its bucket if the queue was empty. Returns the count taken. */
static size_t take(struct _ftc_objects_tstate *rec, ftc_object ***objs, size_t *cap, bool leave)
{
    brc_bucket *b = bucket_of(rec->tid);
    /* The spare is the owner's (or, at fork and fini, the only thread's, or the collector's
     * with the world stopped: _ftc_brc_collect_queue): no lock. */
    ftc_object **spare = leave ? NULL : rec->brc_spare;
    size_t spare_cap = leave ? 0 : rec->brc_spare_cap;
    pthread_mutex_lock(&b->lock);
    size_t n = rec->brc_len;
    *objs = rec->brc_queue;
    *cap = rec->brc_cap;
    rec->brc_queue = spare;
    rec->brc_cap = spare_cap;
    ftc_atomic_store_relaxed(&rec->brc_len, (size_t)0);
    if (leave && n == 0 && rec->brc_in_bucket)
        unlink_locked(b, rec);
    pthread_mutex_unlock(&b->lock);
    if (!leave) {
        rec->brc_spare = NULL;
        rec->brc_spare_cap = 0;
    }
    return n;
}

void _ftc_brc_merge_queue(struct _ftc_objects_tstate *rec)
{
    ftc_object **objs;
    size_t cap;
    size_t n = take(rec, &objs, &cap, false);
    merge_taken(objs, n);
    /* Two arrays in alternation: the one just emptied becomes the owner's spare, which the
     * next take swaps in (owner only: no lock). Freeing it here and letting the next push
     * allocate made every merge cycle a malloc by a pusher and a free by the owner of memory
     * from the other thread's glibc arena, each taking that arena's lock (perf, wordcount at
     * 2 threads: ~145,000 futex calls per 0.4 s run, waits in push_locked's realloc and in
     * the owner's free). */
    if (objs != NULL) {
        if (rec->brc_spare == NULL) {
            rec->brc_spare = objs;
            rec->brc_spare_cap = cap;
        } else {
            ftc_mem_free(objs);
        }
    }
}

size_t _ftc_brc_collect_queue(struct _ftc_objects_tstate *rec, ftc_object **dead, size_t room)
{
    /* The world is stopped: the owner is paused at a tick or detached (its own merge takes the
     * queue under the bucket lock, so what is still queued is not being merged), and no
     * pusher runs. The bucket lock anyway, as every queue access. */
    ftc_object **objs;
    size_t cap;
    size_t n = take(rec, &objs, &cap, false);
    if (n > room)
        ftc_fatal("ftc_gc_collect: a BRC queue grew with the world stopped");
    size_t ndead = 0;
    for (size_t i = 0; i < n; i++) {
        ftc_object *o = objs[i];
        if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) {
            /* Converted while queued (refcount_hot.c); its slots are merged, so its shared
             * word is its total, which kept the queue's reference: take it out. A zero total
             * is found by the collector's hot pass (_ftc_hot_gc_take_zero) after this. */
            ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, -SHARED_ONE);
        } else if (_ftc_brc_merge(o, -1) == 0) {
            dead[ndead++] = o;
        }
    }
    /* The emptied array becomes the owner's spare, as after its own merge (the owner is
     * paused: nobody else touches the spare). */
    if (objs != NULL) {
        if (rec->brc_spare == NULL) {
            rec->brc_spare = objs;
            rec->brc_spare_cap = cap;
        } else {
            ftc_mem_free(objs);
        }
    }
    return ndead;
}

void _ftc_brc_unregister(struct _ftc_objects_tstate *rec)
{
    /* A merge may free objects whose deallocs queue more objects to us: repeat until a take
     * finds the queue empty, which also leaves the bucket in the same locked step. */
    for (;;) {
        ftc_object **objs;
        size_t cap;
        size_t n = take(rec, &objs, &cap, true);
        if (n == 0) {
            ftc_mem_free(objs);
            break;
        }
        merge_taken(objs, n);
        ftc_mem_free(objs);
    }
    ftc_mem_free(rec->brc_spare);
    rec->brc_spare = NULL;
    rec->brc_spare_cap = 0;
}

void _ftc_brc_drain_all(void)
{
    /* Runtime fini: the records left belong to threads parked for good (or the caller);
     * take each non-empty queue, merge it outside the lock, look again until all are empty. */
    for (;;) {
        ftc_object **objs = NULL;
        size_t n = 0;
        for (size_t i = 0; i < FTC_BRC_BUCKETS && n == 0; i++) {
            brc_bucket *b = &buckets[i];
            pthread_mutex_lock(&b->lock);
            for (struct _ftc_objects_tstate *r = b->head; r != NULL; r = r->brc_next) {
                if (r->brc_len != 0) {
                    objs = r->brc_queue;
                    n = r->brc_len;
                    r->brc_queue = NULL;
                    r->brc_cap = 0;
                    ftc_atomic_store_relaxed(&r->brc_len, (size_t)0);
                    break;
                }
            }
            pthread_mutex_unlock(&b->lock);
        }
        if (n == 0)
            return;
        merge_taken(objs, n);
        ftc_mem_free(objs);
    }
}

void _ftc_brc_after_fork_child(void)
{
    /* Only the calling thread exists; another may have held a bucket lock at the fork. */
    pthread_mutex_t fresh = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
    for (size_t i = 0; i < FTC_BRC_BUCKETS; i++)
        buckets[i].lock = fresh;
}

#else /* GIL build: no queues; the hooks that call these find nothing to do. */

/* Plain counting: the inline paths never get here; these keep the exported set equal. */
void _ftc_object_merge_zero_local(ftc_object *o) { _ftc_object_dealloc(o); }
void _ftc_object_decref_shared(ftc_object *o) { ftc_decref(o); }
void _ftc_object_decref_contended(ftc_object *o) { ftc_decref(o); }
bool _ftc_object_try_incref_contended(ftc_object *o) { return ftc_try_incref(o); }

void _ftc_brc_register(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_brc_clear_ts(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    if (ftc_atomic_load_relaxed(&rec->ts) == ts)
        ftc_atomic_store_relaxed(&rec->ts, (ftc_tstate *)NULL);
}
void _ftc_brc_unregister(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_brc_drain_all(void) {}
void _ftc_brc_after_fork_child(void) {}
void _ftc_brc_merge_queue(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }

#endif
