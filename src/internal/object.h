/* Internal to the object layer: the per-thread record shared by object.c (live counts), brc.c
 * (merge queue), qsbr.c (reader state, deferred frees) and refcount_hot.c (per-thread counts of
 * hot objects), and the registry of those records.
 *
 * One record per OS thread, shared by every tstate that thread has (one per interpreter it
 * entered): BRC ownership and QSBR reading are properties of the OS thread, not of a tstate.
 * ftc_tstate.objects points at it; the thread-local _ftc_objects_self too. Records live on
 * the registry list (guarded by the registry lock) from the thread's first tstate init to its
 * last tstate fini; the BRC queue of an owner is found through it by tid.
 */
#ifndef FTCORE_INTERNAL_OBJECT_H
#define FTCORE_INTERNAL_OBJECT_H

#include "internal/core.h"
#include <pthread.h>

struct _ftc_qsbr_batch;

struct _ftc_objects_tstate {
    struct _ftc_objects_tstate *next, *prev; /* registry; registry lock */
    uintptr_t tid;                           /* owner id of the thread (never 0 once bound) */
    int nstates;                             /* tstates using this record; owner thread */
    ftc_tstate *ts; /* atomic; the tstate to signal (last attached); registry and bucket locks
                     to clear */
    int64_t live;   /* objects allocated minus freed by this thread; owner stores relaxed */

    /* BRC: objects other threads queued to this owner, and the chain of the owner's bucket
     * (brc.c: the record is found by tid in bucket tid % FTC_BRC_BUCKETS); all under that
     * bucket's lock, never the registry lock. The spare is the array a merge emptied, kept by
     * the owner for its next merge (owner only; two arrays in alternation: no allocation per
     * merge cycle). brc_in_bucket: on its bucket's chain (bucket lock). */
    struct _ftc_objects_tstate *brc_next;
    ftc_object **brc_queue;
    size_t brc_len, brc_cap;
    ftc_object **brc_spare;
    size_t brc_spare_cap;
    int brc_in_bucket;

    /* QSBR: seq is the wr_seq value of this thread's last quiescent state, 0 while offline
     * (atomic; written by the owner, read by pollers under the registry lock) */
    uint64_t qsbr_seq;
    struct _ftc_qsbr_batch *qsbr_head, *qsbr_tail; /* FIFO of batches; owner only */
    struct _ftc_qsbr_batch *qsbr_spare;            /* one cached empty batch */
    uint64_t qsbr_items, qsbr_bytes;               /* pending; owner stores, relaxed */
    uint64_t qsbr_peak;
    uint64_t qsbr_polls, qsbr_scans; /* statistics; owner stores, relaxed */
    int qsbr_waiting; /* atomic: waits for others' quiescent states, asleep (qsbr.c) */
    int qsbr_online;  /* owner only */
    void *urcu_node;  /* the owner's liburcu reader registry node (in its TLS); fork child */

    /* contention-driven hot objects (refcount_hot.c): the objects this thread nominated, each
     * holding one reference (a shared-count increment) until a stop of the collector (a hot
     * round or a collection, gc.c) converts it; appended by the owner between ticks, read by
     * the collector with the world stopped, taken by
     * the thread's end under the hot lock. contended: the sampling counter. */
    ftc_object **nom;
    size_t nom_len, nom_cap;
    unsigned contended;
    /* this thread's count of a converted object went below zero since its last round: ask
     * for a round (refcount_hot.c: may be dying); owner only */
    int hot_release_req;

    /* hot objects: this thread's count of each, by id; hot lock for resizing and merging */
    int64_t *hot_counts;
    size_t hot_cap;
    int hot_closed; /* thread ending: counts go to the objects directly; hot lock */

    /* the collector (gc.c): this thread's tracked objects; NULL until its first */
    struct _ftc_gc_list *gc_list;
};

/* The calling thread's record, or NULL if it has no tstate. */
extern FTC_THREAD_LOCAL struct _ftc_objects_tstate *_ftc_objects_self;

/* The registry lock: guards the record list and qsbr polling; not the BRC queues (brc.c's
 * per-bucket locks), so that no per-object path takes it. */
void _ftc_objects_reg_lock(void);
void _ftc_objects_reg_unlock(void);
/* The first record (registry lock held); iterate with ->next. */
struct _ftc_objects_tstate *_ftc_objects_reg_first(void);

/* object.c */
/* A new object of size bytes (header included, zero-filled), one reference; NULL with the
 * code set (FTC_EINVAL, FTC_ENOMEM). */
ftc_object *_ftc_object_new_sized(const ftc_type *type, size_t size);
void _ftc_object_free_memory(ftc_object *o); /* after dealloc: immediately or via QSBR */
void _ftc_objects_live_add(int64_t delta);
/* runtime.c: 1 from the end of ftc_runtime_fini() to the next ftc_runtime_init(). */
int _ftc_runtime_was_finalized(void);

/* brc.c */
/* Merges o's counts, adding extra; returns the total (0 = the caller must dealloc). */
intptr_t _ftc_brc_merge(ftc_object *o, intptr_t extra);
void _ftc_brc_merge_queue(struct _ftc_objects_tstate *rec); /* owner; no lock held */
/* Puts rec on its bucket's chain: from then on it receives the BRC pushes for its tid. */
void _ftc_brc_register(struct _ftc_objects_tstate *rec);
/* Clears rec->ts if it is ts, under rec's bucket lock (registry lock held by the caller). */
void _ftc_brc_clear_ts(struct _ftc_objects_tstate *rec, ftc_tstate *ts);
/* Drains rec's queue until it stays empty and takes rec off its bucket's chain in the step
 * that finds it empty: afterwards pushers for its tid merge directly (the owner is gone). */
void _ftc_brc_unregister(struct _ftc_objects_tstate *rec);
/* Runtime fini (no other thread runs): merges every registered record's queue. */
void _ftc_brc_drain_all(void);
void _ftc_brc_after_fork_child(void); /* reinitializes the bucket locks */
/* The collector (gc.c), world stopped: takes rec's queue (under its bucket lock) and drops
 * each entry's reference: a hot entry (converted while queued) from its shared word, which
 * holds its total once the slots are merged; any other by a merge. Stores the objects whose
 * merged total is zero in dead (room entries, at least rec->brc_len as read with the world
 * stopped; fatal if the queue holds more) without freeing them; returns how many. */
size_t _ftc_brc_collect_queue(struct _ftc_objects_tstate *rec, ftc_object **dead, size_t room);
/* qsbr.c */
/* The thread itself, with the registry lock held (object.c): registers it with liburcu in the
 * same locked step that links its record, so that fork (which holds the registry lock across
 * it) never sees a liburcu reader node without its record or a record without its node. */
int _ftc_qsbr_thread_init(struct _ftc_objects_tstate *rec);
/* The thread itself, detached, with the registry lock held, in the step that unlinks its record:
 * unregisters it from liburcu. Nothing for a record whose node is already gone (fork child). */
void _ftc_qsbr_thread_unregister(struct _ftc_objects_tstate *rec);
void _ftc_qsbr_thread_fini(struct _ftc_objects_tstate *rec); /* hands pending over */
void _ftc_qsbr_online(struct _ftc_objects_tstate *rec);
void _ftc_qsbr_offline(struct _ftc_objects_tstate *rec);
void _ftc_qsbr_tick(struct _ftc_objects_tstate *rec, ftc_tstate *ts);
void _ftc_qsbr_runtime_fini(void); /* no other thread left */
/* While set, deferred frees happen at once (runtime fini: no thread can be reading). */
void _ftc_qsbr_set_immediate(bool on);
void _ftc_qsbr_after_fork_child(void);

/* refcount_hot.c */
int64_t _ftc_hot_refcount(ftc_object *o);
/* Hot objects whose total is zero (dead, freed by the next stop of the collector); exact when
 * quiet. */
int64_t _ftc_hot_dead_count(void);
/* A contention event on o by a non-owner holding a reference to o: samples, and may nominate
 * o (taking one more reference) and ask for a conversion round at this thread's next tick. */
void _ftc_hot_contended(ftc_object *o);
/* Nominates o now (the caller holds a reference; no sampling): for tests. Returns whether o
 * was added (false: already nominated or hot, immortal, no record, or out of memory). */
bool _ftc_hot_nominate(ftc_object *o);
/* Drops the references rec's nominations hold (thread end, fork child, runtime fini). */
void _ftc_hot_release_nominees(struct _ftc_objects_tstate *rec);
void _ftc_hot_thread_fini(struct _ftc_objects_tstate *rec); /* merge counts into objects */
void _ftc_hot_runtime_fini(void);
void _ftc_hot_after_fork_child(void);

#endif /* FTCORE_INTERNAL_OBJECT_H */
