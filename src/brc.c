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
 *        a queue entry now holds this reference) and make the entry (in the pusher's outbox,
 *        below, or straight in the owner's queue);
 *      - otherwise subtract one (the count may go negative while the owner holds local
 *        references); if the result is exactly MERGED (count zero, merged) the object is dead.
 *    The CAS is acq_rel: our earlier writes to the object happen before whoever frees it, and
 *    whoever frees it has seen them (every path to dealloc ends in an acquire on this word).
 *
 * 3. The owner merges its queue (_ftc_brc_merge_queue, at a tick with FTC_EB_BRC_MERGE, and
 *    when its thread ends): for each object, total := local + shared count - 1 (the queue's
 *    reference), written as (total, MERGED) by CAS, local := 0, owner := none; free if zero.
 *
 * Outboxes (why: wordcount at 2 threads, each merge into the shared dict replaces values the
 *    other thread made, so each thread queues thousands of the other's objects; pushing each
 *    one took the owner's bucket lock, whose line then bounced, and often wrote the owner's
 *    eval-breaker line). A thread's record holds an outbox of FTC_BRC_BOX entries (object, the
 *    owner's tid read at the push). A queueing decref by a thread whose outbox is open
 *    (attached, with a record) and whose object's owner is registered appends to it: two
 *    stores to the pusher's own record, no lock. box_flush hands the outbox to the owners:
 *    grouped by tid, per owner one bucket lock, one growth of its queue, and at most one
 *    signal (the push that makes the queue non-empty). A flush happens when the outbox is
 *    full (inside the decref), at the pusher's tick (its first entry sets the pusher's own
 *    FTC_EB_BRC_MERGE: one atomic or on its own line per outbox cycle), at its detach (which
 *    also closes the outbox: a thread that blocks, parks for a stop of the world, or ends
 *    holds nothing back), and at its end. So an entry waits at most until the pusher's next
 *    tick or detach, or 63 more pushes: the delay is bounded, and the object stays alive
 *    meanwhile (the entry's reference is counted). A flush runs no object code (no merge, no
 *    free, no tick, no detach), so it is safe inside a decref and at a detach:
 *      - an entry whose owner is gone (not on its bucket's chain) goes to the pusher's own
 *        queue ("adopted"), merged at the pusher's next tick like any queue entry (a merge
 *        needs no ownership: the owner left its bucket under that bucket's lock after its
 *        last local-count write, our flush's lock acquire orders that before us, and nobody
 *        else holds an entry for this QUEUED state);
 *      - entries that find no room (a queue cannot grow) stay in the outbox: the decref
 *        then pushes its object the old way (queue_to_owner, which merges with the world
 *        stopped if the queue still cannot grow); a tick or an end empties what is left the
 *        same way (box_drain); a detach leaves it (it may not free), and the next attach asks
 *        for a tick.
 *    An owner that is gone when the decref runs must not see its object wait (a program that
 *    joined the owner and drops the last reference expects the free at that decref): the push
 *    uses the outbox only if live_tid (a read-mostly table, below) names the owner, else the
 *    locked path merges directly as before.
 *
 * Asking for a merge: only the push that makes an owner's queue non-empty sets the owner's
 *    FTC_EB_BRC_MERGE (an atomic or on a line the owner reads at every tick: once per merge,
 *    not once per object), and only if it is not set already (a load first: no
 *    read-modify-write on the owner's line when a merge is pending anyway). No push is
 *    stranded: the state layer clears the bit before the owner's merge runs, and the merge
 *    takes the whole queue under the bucket lock, so a push after it finds the queue empty
 *    and sees the bit clear (the clear happened before the take, which happened before the
 *    push's lock); attach re-checks brc_len (and its own outbox); a record's last drain
 *    (thread end, runtime fini) takes everything.
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
 * Every entry is consumed exactly once, with an outbox in between. An entry is created once
 * per QUEUED transition (one CAS winner) and then lives in exactly one place: an outbox, a
 * flush's or drain's local array, a queue, or a merge's taken array. Moves take it out of the
 * source in the same step, by the only thread that may touch that source: an outbox is
 * written by its thread while attached, and read by someone else only when that thread
 * cannot touch it (the collector with the world stopped: the thread is parked at a tick or
 * detached, and its detach's state store or its park under the head lock ordered its writes
 * before the stop; the fork child and runtime fini, for threads that are gone or parked for
 * good). The windows:
 *   (a) the owner ends while an entry for it sits in an outbox: its last drain does not see
 *       the entry; the flush then finds no owner and adopts it (above). An owner that left
 *       before the decref (ordered by a join or any synchronization) is seen as gone by the
 *       live_tid load (coherence), so the decref merges directly.
 *   (b) the pusher ends: its detach flushed the outbox (_ftc_objects_detach), and its end
 *       (_ftc_brc_unregister) drains whatever is left before it leaves its bucket; adopted
 *       entries land in its own queue, which that same drain merges.
 *   (c) a stop of the collector (collection or hot round): every other thread is parked or
 *       detached, so its outbox holds only what an out-of-memory flush left; the collector
 *       takes every registered record's outbox with the queues (_ftc_brc_collect_queue): a
 *       hot entry (converted in this stop, refcount_hot.c) gives the entry's reference back
 *       out of its shared word, any other merges (the owner is paused). Hence no entry is in
 *       an outbox across a conversion, and an outbox entry's tid is always its owner's. Entries
 *       a stop cannot see (a flush's or drain's local array while the pusher waits for the
 *       stop-the-world lock in queue_to_owner's out-of-memory path, or a merge's taken array
 *       while a dealloc detaches) keep their reference in the total, so the collector never
 *       finds them dead; their later consumer checks for a hot or ownerless object first
 *       (drop_entry_ref).
 *   (d) fork: the parent stops the world first, so every other thread flushed at its park;
 *       the child ends the other threads' records (each drains its outbox while still in its
 *       bucket), and the survivor's own outbox finds their owners gone at its next flush.
 *
 * Exactly-once freeing: every path that frees observes a transition only one thread can make
 * (the owner's own store of local 0 with the shared word 0; the CAS that produces exactly
 * MERGED from a positive count; a merge CAS producing a zero total, done once per queue entry,
 * and an object is queued at most once between merges because QUEUED is not 0/MAYBE_SHARED).
 */
#include "internal/object.h"

#include <string.h>

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

/* Which owners are registered, read without a lock by a push deciding between the outbox and
 * the locked path: live_tid[tid % FTC_BRC_LIVE] is tid while exactly one registered record has
 * a tid with that residue, else 0 (none, or several: those owners take the locked path).
 * FTC_BRC_LIVE is a multiple of FTC_BRC_BUCKETS, so a slot's tids share a bucket and the
 * bucket lock guards the slot's writes (recomputed at each register and leave). Written only
 * when threads start and end: read-mostly lines, shared by every core's cache.
 * Why a push must know: an owner that is gone must not see its objects wait in an outbox (a
 * program that joined it and drops the last reference expects the object freed by that
 * decref, as before the outbox). A relaxed load suffices: if the owner's leave happened
 * before the decref (a join, a synchronization), coherence makes the load see the 0 or a
 * later value, never tid again (thread ids are not reused); a stale tid is only read in a
 * race with the leave, and the flush then finds no owner and takes the entry itself. */
#define FTC_BRC_LIVE 1024
static uintptr_t live_tid[FTC_BRC_LIVE];

static void live_update_locked(brc_bucket *b, uintptr_t tid)
{
    uintptr_t one = 0;
    int n = 0;
    for (struct _ftc_objects_tstate *r = b->head; r != NULL; r = r->brc_next) {
        if (r->tid % FTC_BRC_LIVE == tid % FTC_BRC_LIVE) {
            one = r->tid;
            n++;
        }
    }
    ftc_atomic_store_relaxed(&live_tid[tid % FTC_BRC_LIVE], n == 1 ? one : (uintptr_t)0);
}

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
        live_update_locked(b, rec->tid);
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
    live_update_locked(b, rec->tid);
}

/* Makes room for k more entries in owner's queue; false if it cannot grow. Bucket lock held. */
static bool reserve_locked(struct _ftc_objects_tstate *owner, size_t k)
{
    size_t need = owner->brc_len + k;
    if (need <= owner->brc_cap)
        return true;
    size_t cap = owner->brc_cap ? owner->brc_cap * 2 : 32;
    while (cap < need)
        cap *= 2;
    ftc_object **q = ftc_mem_realloc(owner->brc_queue, cap * sizeof *q);
    if (q == NULL)
        return false;
    owner->brc_queue = q;
    owner->brc_cap = cap;
    return true;
}

/* Asks owner for a merge: called by the push that made its queue non-empty (see the essay),
 * and only if the bit is not set already: a load, not a read-modify-write, on the line the
 * owner reads at every tick. A set bit we read is one the owner has not cleared before its
 * last take under this lock (that take and its clear, which precedes it, happen before our
 * lock), so its next tick clears it and then takes our push. Bucket lock held. */
static void signal_locked(struct _ftc_objects_tstate *owner)
{
    ftc_tstate *ts = ftc_atomic_load_relaxed(&owner->ts);
    if (ts != NULL && (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_BRC_MERGE) == 0)
        _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
}

/* Pushes o onto its owner's queue; returns 1 if pushed, -1 if the queue could not grow.
 * Bucket lock held. */
static int push_locked(struct _ftc_objects_tstate *owner, ftc_object *o)
{
    if (!reserve_locked(owner, 1))
        return -1;
    size_t len = owner->brc_len;
    owner->brc_queue[len] = o;
    /* Relaxed: attach reads it without the lock as a hint; the queue itself is read under
     * the lock. */
    ftc_atomic_store_relaxed(&owner->brc_len, len + 1);
    if (len == 0)
        signal_locked(owner);
    return 1;
}

/* Drops the reference a queue entry holds, with no owner to hand it to (the owner is gone, or
 * the world is stopped by us): a hot object (converted while the entry was held where no stop
 * of the collector could see it) drops it as any hot decref; any other merges. */
static void drop_entry_ref(ftc_object *o)
{
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
        _ftc_object_hot_decref(o);
    else if (_ftc_brc_merge(o, -1) == 0)
        _ftc_object_dealloc(o);
}

/* The push without an outbox: lock the owner's bucket, push or (owner gone) merge. */
static void queue_to_owner(ftc_object *o)
{
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    intptr_t total = -1;
    int pushed = 0;
    if (tid != FTC_TID_NONE && tid != FTC_TID_HOT) {
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
        /* QUEUED with no owner: an entry left over from an outbox (box_drain) whose object a
         * stop of the collector converted (hot) or demoted (no owner) meanwhile. */
        drop_entry_ref(o);
        return;
    }
    if (pushed == 1)
        return;
    if (pushed < 0) {
        /* Out of memory growing a live owner's queue: merge while the owner is paused. */
        if (ftc_tstate_get() == NULL)
            ftc_fatal("out of memory queueing a %s object to its owner", o->ob_type->name);
        ftc_stop_the_world();
        /* Waiting for the stop may have let a collection convert o (then a hot decref, after
         * the restart, as drop_entry_ref does); the free waits for the restart too. */
        bool hot = (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) != 0;
        if (!hot)
            total = _ftc_brc_merge(o, -1);
        ftc_start_the_world();
        if (hot)
            _ftc_object_hot_decref(o);
    }
    if (total == 0)
        _ftc_object_dealloc(o);
}

/* ---- outboxes ---- */

/* Hands rec's outbox entries to their owners' queues: per owner one bucket lock, one growth
 * of its queue, at most one signal. Entries whose owner is gone go to rec's own queue (merged
 * at rec's next tick, or by its last drain), so that a flush never merges nor frees anything:
 * it runs no object code (no dealloc, no tick, no detach), and can run at a detach, inside a
 * decref, or for another thread's record (fork child, runtime fini). Entries that find no room
 * (out of memory) stay in the outbox; returns how many. Caller: rec's thread, or nobody runs
 * rec's thread (gone, or parked for good). */
static size_t box_flush(struct _ftc_objects_tstate *rec)
{
    size_t n = ftc_atomic_load_relaxed(&rec->brc_box_len);
    if (n == 0)
        return 0;
    struct _ftc_brc_entry e[FTC_BRC_BOX], adopt[FTC_BRC_BOX];
    memcpy(e, rec->brc_box, n * sizeof *e);
    size_t keep = 0, nadopt = 0;
    for (size_t i = 0; i < n; i++) {
        if (e[i].o == NULL)
            continue;
        uintptr_t tid = e[i].tid;
        size_t k = 0;
        for (size_t j = i; j < n; j++)
            k += e[j].o != NULL && e[j].tid == tid;
        brc_bucket *b = bucket_of(tid);
        pthread_mutex_lock(&b->lock);
        struct _ftc_objects_tstate *owner = find_owner(b, tid);
        bool room = owner != NULL && reserve_locked(owner, k);
        if (room) {
            size_t len0 = owner->brc_len, len = len0;
            for (size_t j = i; j < n; j++) {
                if (e[j].o != NULL && e[j].tid == tid) {
                    owner->brc_queue[len++] = e[j].o;
                    e[j].o = NULL;
                }
            }
            ftc_atomic_store_relaxed(&owner->brc_len, len);
            if (len0 == 0)
                signal_locked(owner);
        }
        pthread_mutex_unlock(&b->lock);
        if (room)
            continue;
        for (size_t j = i; j < n; j++) {
            if (e[j].o != NULL && e[j].tid == tid) {
                if (owner == NULL)
                    adopt[nadopt++] = e[j]; /* owner gone */
                else
                    rec->brc_box[keep++] = e[j]; /* out of memory */
                e[j].o = NULL;
            }
        }
    }
    if (nadopt != 0) {
        /* The owner left its bucket under its lock after its last local-count write, which
         * our lock above ordered before us: whoever merges these now is the only one to touch
         * their counts, and rec's merge is as good as the owner's (_ftc_brc_merge needs no
         * ownership). rec is in its bucket while its outbox can hold anything (attached,
         * or before its last drain); if not, the entries stay (the caller drains them). */
        brc_bucket *b = bucket_of(rec->tid);
        pthread_mutex_lock(&b->lock);
        bool room = rec->brc_in_bucket && reserve_locked(rec, nadopt);
        if (room) {
            size_t len0 = rec->brc_len;
            for (size_t j = 0; j < nadopt; j++)
                rec->brc_queue[len0 + j] = adopt[j].o;
            ftc_atomic_store_relaxed(&rec->brc_len, len0 + nadopt);
            if (len0 == 0)
                signal_locked(rec);
        }
        pthread_mutex_unlock(&b->lock);
        if (!room)
            for (size_t j = 0; j < nadopt; j++)
                rec->brc_box[keep++] = adopt[j];
    }
    ftc_atomic_store_relaxed(&rec->brc_box_len, keep);
    return keep;
}

/* Empties rec's outbox, handing what a flush could not place to queue_to_owner (which merges
 * while the world is stopped when a queue cannot grow, and may free objects: not at a detach).
 * A free may push more into an open outbox: flush again until it stays empty. */
static void box_drain(struct _ftc_objects_tstate *rec)
{
    while (box_flush(rec) != 0) {
        size_t n = ftc_atomic_load_relaxed(&rec->brc_box_len);
        struct _ftc_brc_entry e[FTC_BRC_BOX];
        memcpy(e, rec->brc_box, n * sizeof *e);
        ftc_atomic_store_relaxed(&rec->brc_box_len, (size_t)0);
        for (size_t i = 0; i < n; i++)
            queue_to_owner(e[i].o);
    }
}

/* A non-owner's decref found the shared count at zero and marked o QUEUED: the reference it
 * dropped now belongs to the queue entry. With an open outbox (attached, with a record) the
 * entry goes there: two stores, no lock, no write to a line another thread reads. */
static void queue_entry(ftc_object *o)
{
    struct _ftc_objects_tstate *me = _ftc_objects_self;
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    /* (tid is never FTC_TID_HOT here: a hot object's decref does not get here; nor
     * FTC_TID_NONE, as an ownerless object is MERGED, but an empty slot holds that value.) */
    if (me != NULL && me->brc_box_open && tid != FTC_TID_NONE &&
        ftc_atomic_load_relaxed(&live_tid[tid % FTC_BRC_LIVE]) == tid) {
        size_t len = ftc_atomic_load_relaxed(&me->brc_box_len);
        if (len == FTC_BRC_BOX)
            len = box_flush(me);
        if (len < FTC_BRC_BOX) {
            me->brc_box[len].o = o;
            me->brc_box[len].tid = tid;
            ftc_atomic_store_relaxed(&me->brc_box_len, len + 1);
            /* The bound on the delay: the first entry asks for our own next tick (its merge
             * bit flushes the outbox), once per outbox cycle: a load first, our own line. */
            if (len == 0) {
                ftc_tstate *ts = ftc_atomic_load_relaxed(&me->ts);
                if (ts != NULL &&
                    (ftc_atomic_load_relaxed(&ts->head.eval_breaker) & FTC_EB_BRC_MERGE) == 0)
                    _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
            }
            return;
        }
    }
    queue_to_owner(o);
}

void _ftc_brc_box_open(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    rec->brc_box_open = 1;
    /* Relaxed: a pusher that pushed after this load sets the bit on rec->ts itself; the
     * outbox is ours (left over from an out-of-memory flush at our detach). */
    if (ftc_atomic_load_relaxed(&rec->brc_len) != 0 ||
        ftc_atomic_load_relaxed(&rec->brc_box_len) != 0)
        _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
}

void _ftc_brc_box_tick_end(struct _ftc_objects_tstate *rec)
{
    /* What this tick's merges, collection or round freed may have queued: handed over before
     * the tick returns, so that a tick always leaves the outbox empty (a program that ticks
     * and then tells the owner, by any means, finds the owner's next tick merging it, as when
     * every push went straight to the owner's queue). */
    if (ftc_atomic_load_relaxed(&rec->brc_box_len) != 0)
        box_drain(rec);
}

void _ftc_brc_box_close(struct _ftc_objects_tstate *rec)
{
    /* No object code may run here (we are detaching): box_flush frees nothing. What it cannot
     * place (out of memory) waits for our next attach's tick, or a collection (which takes
     * outboxes with the world stopped), or our end. */
    (void)box_flush(rec);
    rec->brc_box_open = 0;
}

size_t _ftc_brc_pending(struct _ftc_objects_tstate *rec)
{
    return ftc_atomic_load_relaxed(&rec->brc_len) + ftc_atomic_load_relaxed(&rec->brc_box_len);
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
        queue_entry(o);
    else if (desired == FTC_REF_MERGED)
        _ftc_object_dealloc(o);
}

static void merge_taken(ftc_object **objs, size_t n)
{
    /* An entry converted to hot while queued (a stop of the collector, refcount_hot.c), after
     * this entry was taken (that stop merges what is still queued: _ftc_brc_collect_queue),
     * kept the queue's reference in its total, which goes now like any hot decref; a hot
     * object is freed only by the collector. Relaxed: the round's flag store happened before
     * the world restarted, which ordered it before this tick. (drop_entry_ref) */
    for (size_t i = 0; i < n; i++)
        drop_entry_ref(objs[i]);
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
    /* Our own outbox first (its first entry asked for this tick): an entry whose owner is
     * gone lands in our queue, taken just below. */
    box_drain(rec);
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

/* Drops a collected entry's reference (world stopped); true if the object is dead. */
static bool collect_entry(ftc_object *o)
{
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT) {
        /* Converted while queued (refcount_hot.c); its slots are merged, so its shared word
         * is its total, which kept the queue's reference: take it out. A zero total is found
         * by the collector's hot pass (_ftc_hot_gc_take_zero) after this. */
        ftc_atomic_fetch_add_relaxed(&o->ob_ref_shared, -SHARED_ONE);
        return false;
    }
    return _ftc_brc_merge(o, -1) == 0;
}

size_t _ftc_brc_collect_queue(struct _ftc_objects_tstate *rec, ftc_object **dead, size_t room)
{
    /* The world is stopped: the owner is paused at a tick or detached (its own merge takes the
     * queue under the bucket lock, so what is still queued is not being merged), and no
     * pusher runs. The bucket lock anyway, as every queue access. rec's outbox: its thread is
     * paused or detached (it writes its outbox only while attached, never across a tick or a
     * detach), or it is us, between two operations; its detach's state store (or its park
     * under the head lock) ordered its writes before our stop. Merging an outbox entry here
     * is what the owner's merge would do, with the owner paused. */
    ftc_object **objs;
    size_t cap;
    size_t n = take(rec, &objs, &cap, false);
    size_t nbox = ftc_atomic_load_relaxed(&rec->brc_box_len);
    if (n + nbox > room)
        ftc_fatal("ftc_gc_collect: a BRC queue grew with the world stopped");
    size_t ndead = 0;
    for (size_t i = 0; i < n; i++)
        if (collect_entry(objs[i]))
            dead[ndead++] = objs[i];
    for (size_t i = 0; i < nbox; i++)
        if (collect_entry(rec->brc_box[i].o))
            dead[ndead++] = rec->brc_box[i].o;
    ftc_atomic_store_relaxed(&rec->brc_box_len, (size_t)0);
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
     * finds the queue empty, which also leaves the bucket in the same locked step. The
     * outbox first (closed by the detach before the end, so nothing more enters it; in the
     * fork child it is a dead thread's): what it holds for owners that are gone lands in our
     * queue, which we are still in. */
    rec->brc_box_open = 0;
    for (;;) {
        box_drain(rec);
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
    /* Runtime fini: the records left belong to threads parked for good (or the caller); an
     * outbox first (theirs were flushed when they parked, unless out of memory), then take
     * each non-empty queue, merge it outside the lock, look again until all are empty. */
    for (;;) {
        ftc_object **objs = NULL;
        size_t n = 0;
        struct _ftc_objects_tstate *boxed = NULL;
        for (size_t i = 0; i < FTC_BRC_BUCKETS && n == 0 && boxed == NULL; i++) {
            brc_bucket *b = &buckets[i];
            pthread_mutex_lock(&b->lock);
            for (struct _ftc_objects_tstate *r = b->head; r != NULL; r = r->brc_next) {
                if (ftc_atomic_load_relaxed(&r->brc_box_len) != 0) {
                    boxed = r;
                    break;
                }
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
        if (boxed != NULL) {
            box_drain(boxed); /* its thread is parked for good: nobody else touches it */
            continue;
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
void _ftc_brc_box_open(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    FTC_UNUSED(rec);
    FTC_UNUSED(ts);
}
void _ftc_brc_box_close(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_brc_box_tick_end(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
size_t _ftc_brc_pending(struct _ftc_objects_tstate *rec)
{
    FTC_UNUSED(rec);
    return 0;
}

#endif
