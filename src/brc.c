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
 *    not once per object). No push is stranded: the state layer clears the bit before the
 *    owner's merge runs, and the merge takes the whole queue under the lock, so a push after
 *    it finds the queue empty and sets the bit again; attach re-checks brc_len; a record's
 *    last drain (thread end, runtime fini) takes everything.
 *
 * Finding the owner: the queue lives in the owner's record, found by tid on the registry
 *    under the registry lock; the push, the direct merge and the owner's removal from the
 *    registry are all under that lock, so an object is either pushed to a live owner (which
 *    will merge it) or merged by the pusher while no thread counts as its owner. The owner
 *    drains its queue until it is empty before it leaves (merging may free objects whose
 *    deallocs queue more to it), so after it left it does no owner-path counting; the lock
 *    orders its last local-count writes before any direct merge.
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

static struct _ftc_objects_tstate *find_owner(uintptr_t tid)
{
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        if (r->tid == tid)
            return r;
    return NULL;
}

/* Pushes o onto its owner's queue; returns 1 if pushed, 0 if the owner is gone, -1 if the
 * queue could not grow. Registry lock held. */
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
    /* Only the push that makes the queue non-empty asks for a merge (see the essay). */
    if (len == 0) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&owner->ts);
        if (ts != NULL)
            _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
    }
    return 1;
}

static void queue_to_owner(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    intptr_t total = -1;
    _ftc_objects_reg_lock();
    struct _ftc_objects_tstate *owner = tid != FTC_TID_NONE ? find_owner(tid) : NULL;
    int pushed = owner != NULL ? push_locked(owner, o) : 0;
    if (pushed == 0) {
        /* The owner is gone: it drained its queue and left the registry under this lock after
         * its last local-count write, and a thread only counts as owner again after it
         * re-registers under this lock: merging under it, nobody else touches the counts. */
        total = _ftc_brc_merge(o, -1);
    }
    _ftc_objects_reg_unlock();
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

void _ftc_brc_take_queue(struct _ftc_objects_tstate *rec, ftc_object ***objs, size_t *n,
                         size_t *cap)
{
    *objs = rec->brc_queue;
    *n = rec->brc_len;
    *cap = rec->brc_cap;
    rec->brc_queue = rec->brc_spare;
    rec->brc_cap = rec->brc_spare_cap;
    rec->brc_spare = NULL;
    rec->brc_spare_cap = 0;
    ftc_atomic_store_relaxed(&rec->brc_len, (size_t)0);
}

ftc_object **_ftc_brc_give_back(struct _ftc_objects_tstate *rec, ftc_object **objs, size_t cap)
{
    if (objs == NULL || rec->brc_spare != NULL)
        return objs;
    rec->brc_spare = objs;
    rec->brc_spare_cap = cap;
    return NULL;
}

void _ftc_brc_merge_taken(ftc_object **objs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (_ftc_brc_merge(objs[i], -1) == 0)
            _ftc_object_dealloc(objs[i]);
    }
}

void _ftc_brc_merge_queue(struct _ftc_objects_tstate *rec)
{
    ftc_object **objs;
    size_t n, cap;
    _ftc_objects_reg_lock();
    _ftc_brc_take_queue(rec, &objs, &n, &cap);
    _ftc_objects_reg_unlock();
    _ftc_brc_merge_taken(objs, n);
    /* Two arrays in alternation: the one just emptied becomes the spare that the next take
     * swaps in. Freeing it here and letting the next push allocate made every merge cycle a
     * malloc by a pusher and a free by the owner of memory from the other thread's glibc
     * arena, each taking that arena's lock (perf, wordcount at 2 threads: ~145,000 futex
     * calls per 0.4 s run, waits in push_locked's realloc and in the owner's free). */
    if (objs != NULL) {
        _ftc_objects_reg_lock();
        objs = _ftc_brc_give_back(rec, objs, cap);
        _ftc_objects_reg_unlock();
    }
    ftc_mem_free(objs);
}

#else /* GIL build: no queues; the hooks that call these find nothing to do. */

/* Plain counting: the inline paths never get here; these keep the exported set equal. */
void _ftc_object_merge_zero_local(ftc_object *o) { _ftc_object_dealloc(o); }
void _ftc_object_decref_shared(ftc_object *o) { ftc_decref(o); }

void _ftc_brc_take_queue(struct _ftc_objects_tstate *rec, ftc_object ***objs, size_t *n,
                         size_t *cap)
{
    FTC_UNUSED(rec);
    *objs = NULL;
    *n = 0;
    *cap = 0;
}

ftc_object **_ftc_brc_give_back(struct _ftc_objects_tstate *rec, ftc_object **objs, size_t cap)
{
    FTC_UNUSED(rec);
    FTC_UNUSED(cap);
    return objs;
}

void _ftc_brc_merge_taken(ftc_object **objs, size_t n)
{
    FTC_UNUSED(objs);
    FTC_UNUSED(n);
}

void _ftc_brc_merge_queue(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }

#endif
