/* QSBR: quiescent-state-based reclamation of memory that lock-free readers may still see.
 *
 * Readers: every attached thread is an online reader; a detached thread is offline; a tick
 * that handles FTC_EB_QSBR (and ftc_qsbr_quiescent()) is a quiescent state. Each thread is
 * registered with liburcu's urcu-qsbr flavour and mirrors these transitions into it
 * (rcu_thread_online / rcu_thread_offline / rcu_quiescent_state), so urcu-qsbr primitives stay
 * valid for ftcore threads. The inline tick of the VM costs one relaxed load as before: a
 * thread reports a quiescent state only when someone asked for one (FTC_EB_QSBR), so the read
 * side costs nothing while nothing waits to be freed.
 *
 * Grace periods: our own sequence counter beside liburcu, not liburcu's call_rcu/defer_rcu.
 * Why (measured and read in liburcu 0.13.2): there is no non-blocking grace-period poll (0.14
 * added one); defer_rcu blocks when its queue fills; call_rcu runs the grace period on its own
 * worker thread at a time we cannot see, so the request "report a quiescent state" that we
 * must send through the eval breaker cannot be ordered after the start of that grace period —
 * a reader that answers just before it starts must answer again, which turns into either
 * a stall or every tick taking the slow path while anything is in flight. With our counter the
 * order is by construction:
 *   wr_seq   (global, starts at 1) is advanced by one atomic add when a batch is sealed; the
 *            new value is that batch's goal; the request bits are set after the add.
 *   seq      (per thread) is wr_seq as read at the thread's last quiescent state, 0 offline.
 *   rd_seq   (global) the highest minimum seq over online threads that a scan has seen
 *            (a minimum, once seen, stays a completed grace period; gp_poll's short cut
 *            answers from it without a scan while nothing changed since the newest scan).
 * A batch is safe once every online thread's seq >= goal: such a thread passed a quiescent
 * state after the add, hence after the unlink that preceded the add, so it holds no pointer
 * into the batch; an offline thread holds none; a thread coming online stores seq (seq_cst,
 * then a full fence) before reading anything, so a poll that saw it offline is ordered before
 * its first read, which then sees the unlink. Polling never blocks: it scans the records
 * (under the registry lock), and only when something that could end a grace period happened
 * since the last scan (gp_poll).
 *
 * Sleeping pollers. A thread whose oldest batch waits for others does not poll at every tick:
 * after its tick's poll fails it sets its qsbr_waiting and increments gp_sleepers (seq_cst),
 * polls once more, and if that fails too it leaves its FTC_EB_QSBR clear. Each event that may
 * end a grace period (a report that changes a seq, a thread going offline or ending) then
 * wakes the sleepers after its own seq_cst stores (wake_sleepers: under the registry lock,
 * the online sleepers' flags cleared and their FTC_EB_QSBR set); a sleeper that was offline
 * looks again when it comes online (_ftc_qsbr_online sets its own bit while batches wait).
 * No wake-up is lost: the sleeper's flag store and increment precede its last poll, the
 * waker's seq and change_gen stores precede its load of gp_sleepers; in the one order of
 * seq_cst operations either the waker's load sees the increment (and under the registry lock
 * the flag), or the sleeper's poll follows the waker's stores, sees change_gen moved, scans,
 * and finds the new seq. Why: with two threads that both keep deferring (wordcount's merges
 * replace values the other made) one of them nearly always waits for the other's next report,
 * and polling at every tick made every tick of both a slow one (measured with a temporary
 * counter, wordcount, 2 threads, 0.5 s: 840K-1.1M QSBR ticks for 0.9-1.2M operations before,
 * 260-390 after, with as many grace periods). Orphan batches (polled by any ticking thread)
 * keep a thread with waiting batches ticking as before.
 *
 * Deferred memory per thread: batches of at most FTC_QSBR_BATCH_ITEMS items; a batch is sealed
 * when full, when its bytes reach FTC_QSBR_BATCH_BYTES, or at the thread's QSBR tick if no
 * older batch of the thread is still waiting (the first item of a batch asks for that tick);
 * sealing asks every online thread for a quiescent state. Ready batches are freed whenever the
 * thread seals, ticks or ends. The bound: past FTC_QSBR_LIMIT_BYTES the deferral sets the
 * thread's FTC_EB_QSBR, and its next tick (a point where it holds no lock-free pointer and may
 * detach) detaches and waits on a condition variable, woken by the quiescent states of others,
 * until it is back under the limit (wait_for_limit; limit_waits counts these waits;
 * stress/qsbr_limit_wait checks that one happens and ends only with another thread's report).
 * So the limit holds on return from each tick, not in between. A deferral never blocks: it can
 * happen inside any decref that frees a shared object, so in the middle of a container
 * operation with the object's critical section held and lock-free pointers in hand. The
 * thread cannot go offline there (a detach
 * suspends its critical sections, and an offline thread's pointers may be freed under it), and
 * it cannot wait online (its own report is part of every grace period; two threads over the
 * limit would wait for each other; a stop-the-world requester waits attached for it to park).
 * Between two ticks a thread's pending bytes can exceed the limit by all it defers in between
 * (this layer puts no bound on that: a VM ticks often). A thread that ends hands its unfinished
 * batches to the orphan list, which any ticking thread polls and runtime fini frees; neither
 * the orphan list nor the one-item batches of threads without a tstate count toward any
 * thread's limit. If a batch cannot be allocated, the freeing thread stops the world (no reader
 * is then between quiescent states) and frees at once.
 *
 * Measured here (2-core VM, nogil, one run, quietest of several; /tmp program, not in bench/):
 * a tick with nothing pending 1.1 ns (the state layer's inline load: the read side is free);
 * a tick that handles FTC_EB_QSBR with nothing deferred 15-27 ns including setting the bit
 * (set+clear alone 5-9 ns); ftc_qsbr_free of 64-byte blocks amortized 27-31 ns with a tick
 * every 16 frees, against 42-88 ns for the malloc+free pair itself. So the cost a grace
 * period adds is one slow tick per online thread, and at most one grace period per thread is
 * in flight below the thresholds.
 *
 * TSan does not see this protocol (docs/architecture.md, "Sanitizers"), so each quiescent state
 * and each going offline does FTC_TSAN_RELEASE(&tsan_token), and each freeing of a batch whose
 * grace period passed does FTC_TSAN_ACQUIRE(&tsan_token) first.
 *
 * Memory order: seq, wr_seq and change_gen are seq_cst (the essay's and gp_poll's arguments
 * need it); rd_seq and scan_gen are raised by release CASes and read with acquire (gp_poll);
 * the relaxed accesses without their own comment are statistics and pending counts that only
 * their own thread writes, or the tstate pointer read under the registry lock.
 */
#include "internal/object.h"
#include <malloc.h>

#ifdef FTC_GIL_DISABLED
#define _LGPL_SOURCE 1
#include <urcu-qsbr.h>

struct qsbr_item {
    void *p;
    void (*fn)(void *);
};

struct _ftc_qsbr_batch {
    struct _ftc_qsbr_batch *next;
    uint64_t goal; /* 0 while open */
    size_t n;
    uint64_t bytes;
    struct qsbr_item items[FTC_QSBR_BATCH_ITEMS];
};

static uint64_t wr_seq = 1; /* atomic */
static uint64_t rd_seq = 1; /* atomic */
/* The polls' short cut (gp_poll). change_gen is advanced by every event that can raise the
 * minimum over online threads' seqs: a report that changes a seq, a thread going offline, a
 * seal (wr_seq, the minimum when nobody is online). scan_gen is the change_gen read before the
 * newest scan whose result is in rd_seq. While they are equal nothing could have raised the
 * minimum since that scan, so a poll answers from rd_seq without the registry lock. Both on a
 * line of their own: every poll reads them, beside wr_seq and rd_seq's line. */
static struct {
    _Alignas(64) uint64_t change_gen; /* atomic */
    uint64_t scan_gen;                /* atomic */
} gens = {1, 0};
static char tsan_token;

static pthread_mutex_t orphan_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct _ftc_qsbr_batch *orphan_head, *orphan_tail;
static uint64_t orphan_items; /* atomic */

static pthread_mutex_t wait_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wait_cond = PTHREAD_COND_INITIALIZER;
static uint64_t wait_gen; /* wait_mutex */
static int waiters;       /* atomic */

/* Threads whose qsbr_waiting is set (a sleeping poller, below); seq_cst. */
static int gp_sleepers;

static uint64_t freed_items; /* atomic, statistics */
static int immediate;        /* atomic: runtime fini frees at once */

void _ftc_qsbr_set_immediate(bool on) { ftc_atomic_store(&immediate, on ? 1 : 0); }
static uint64_t limit_waits; /* atomic, statistics */

/* seq_cst: after the store or add it follows, so that a scan that read the new change_gen
 * also reads that store (gp_poll). */
static void changed(void) { ftc_atomic_fetch_add(&gens.change_gen, 1); }

static uint64_t advance(void)
{
    uint64_t goal = ftc_atomic_fetch_add(&wr_seq, 1) + 1;
    changed();
    return goal;
}

/* Raises *p to v. Relaxed load: only a start value for the CAS. Release CAS: pairs with the
 * acquire loads of rd_seq and scan_gen in gp_poll, so a poller that reads the raised value
 * also sees what the raiser did before (its scan, and for scan_gen its raise of rd_seq). */
static void max_release(uint64_t *p, uint64_t v)
{
    uint64_t cur = ftc_atomic_load_relaxed(p);
    while (cur < v && !ftc_atomic_cas_weak_release(p, &cur, v))
        ;
}

/* Whether every online thread has passed a quiescent state since wr_seq reached goal. A thread
 * whose batch waits polls at its ticks until it sleeps (the essay); the scan of the records takes the registry
 * lock (which BRC's queueing also takes), so a poll scans only when something that can raise
 * the minimum happened since the newest scan: a thread with a batch waiting on a thread that
 * has not ticked yet polls without locking anything (stress/qsbr_poll_skip counts it).
 * Why a skipped poll cannot answer wrongly: it answers from rd_seq, which only scans raise, so
 * a skip can at worst say "not yet"; and "not yet" is right while change_gen == scan_gen,
 * because the minimum can then only have fallen (a thread coming online brings the current
 * wr_seq, never less than the minimum) since the scan that stored scan_gen, whose minimum
 * rd_seq holds (rd_seq is raised before scan_gen, both with release; the acquire load of
 * scan_gen orders the load of rd_seq after it). A scan that missed an event's store read a
 * change_gen from before that event's add (each event stores, then adds, seq_cst; a scan
 * reads change_gen, then the seqs, seq_cst), so scan_gen stays behind and the next poll scans. */
static bool gp_poll(uint64_t goal)
{
    /* Acquire: pairs with the release CAS below in another poller. */
    if (ftc_atomic_load_acquire(&rd_seq) >= goal)
        return true;
    /* The caller's statistics (its own record; relaxed stores, owner only). */
    struct _ftc_objects_tstate *self = _ftc_objects_self;
    if (self != NULL)
        ftc_atomic_store_relaxed(&self->qsbr_polls, self->qsbr_polls + 1);
    uint64_t g = ftc_atomic_load(&gens.change_gen);
    /* Acquire: pairs with max_release(&scan_gen) below; rd_seq is then at least that scan's. */
    if (ftc_atomic_load_acquire(&gens.scan_gen) == g)
        return ftc_atomic_load_acquire(&rd_seq) >= goal;
    if (self != NULL)
        ftc_atomic_store_relaxed(&self->qsbr_scans, self->qsbr_scans + 1);
    uint64_t min = ftc_atomic_load(&wr_seq);
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
        uint64_t s = ftc_atomic_load(&r->qsbr_seq);
        if (s != 0 && s < min)
            min = s;
    }
    _ftc_objects_reg_unlock();
    max_release(&rd_seq, min);
    max_release(&gens.scan_gen, g);
    return min >= goal;
}

/* Asks every online thread (the caller included) for a quiescent state at its next tick. */
static void request_all(void)
{
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&r->ts);
        if (ts != NULL && ftc_atomic_load(&r->qsbr_seq) != 0)
            _ftc_eval_breaker_set(ts, FTC_EB_QSBR);
    }
    _ftc_objects_reg_unlock();
}

/* Wakes the sleeping pollers: called after an event that may end a grace period (a report
 * that changed a seq, a thread going offline), after that event's seq_cst store and
 * changed(). Sets each sleeper's FTC_EB_QSBR (an online one's: an offline one looks again
 * when it comes online) and clears its flag. The argument (the essay, "Sleeping pollers"):
 * the sleeper stores its flag and increments gp_sleepers (seq_cst) before its last poll; we
 * store the seq and change_gen (seq_cst) before we load gp_sleepers. In the single order of
 * seq_cst operations, either our load follows its increment (we see it and wake it: the flag,
 * stored before the increment, is visible under the registry lock), or its increment, and so
 * its poll, follows our stores (its poll sees change_gen moved, scans, and finds our seq). */
static void wake_sleepers(void)
{
    if (ftc_atomic_load(&gp_sleepers) == 0)
        return;
    _ftc_objects_reg_lock();
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&r->ts);
        if (ts == NULL || ftc_atomic_load(&r->qsbr_seq) == 0)
            continue;
        if (ftc_atomic_exchange(&r->qsbr_waiting, 0) != 0) {
            ftc_atomic_fetch_sub(&gp_sleepers, 1);
            _ftc_eval_breaker_set(ts, FTC_EB_QSBR);
        }
    }
    _ftc_objects_reg_unlock();
}

/* The caller's own flag, if set, taken back (it is awake). */
static void unsleep(struct _ftc_objects_tstate *rec)
{
    if (ftc_atomic_load_relaxed(&rec->qsbr_waiting) != 0 &&
        ftc_atomic_exchange(&rec->qsbr_waiting, 0) != 0)
        ftc_atomic_fetch_sub(&gp_sleepers, 1);
}

static void wake_waiters(void)
{
    if (ftc_atomic_load(&waiters) == 0)
        return;
    _ftc_plock(&wait_mutex, "QSBR's wait lock");
    wait_gen++;
    pthread_cond_broadcast(&wait_cond);
    _ftc_punlock(&wait_mutex);
}

static void report(struct _ftc_objects_tstate *rec)
{
    FTC_TSAN_RELEASE(&tsan_token);
    /* seq_cst: ordered before the load of `waiters` in wake_waiters (a waiter increments it
     * before polling: one of the two sees the other). The same value again is not stored:
     * that value's earlier store already covers every read since (they all followed the load
     * of wr_seq that gave it, and so the unlinks of every batch with a goal up to it), and
     * no poll needs to scan for it. (Relaxed load: our own field.) */
    uint64_t w = ftc_atomic_load(&wr_seq);
    if (ftc_atomic_load_relaxed(&rec->qsbr_seq) != w) {
        ftc_atomic_store(&rec->qsbr_seq, w);
        changed();
        wake_sleepers();
    }
    rcu_quiescent_state();
    wake_waiters();
}

static void free_batch_items(struct _ftc_qsbr_batch *b)
{
    FTC_TSAN_ACQUIRE(&tsan_token);
    for (size_t i = 0; i < b->n; i++)
        b->items[i].fn(b->items[i].p);
    ftc_atomic_fetch_add_relaxed(&freed_items, (uint64_t)b->n);
}

static void pending_sub(struct _ftc_objects_tstate *rec, struct _ftc_qsbr_batch *b)
{
    /* Relaxed stores, owner only: read by ftc_qsbr_get_stats of the same thread. */
    ftc_atomic_store_relaxed(&rec->qsbr_items, rec->qsbr_items - b->n);
    ftc_atomic_store_relaxed(&rec->qsbr_bytes, rec->qsbr_bytes - b->bytes);
}

static void recycle(struct _ftc_objects_tstate *rec, struct _ftc_qsbr_batch *b)
{
    if (rec != NULL && rec->qsbr_spare == NULL) {
        b->n = 0;
        b->bytes = 0;
        b->goal = 0;
        b->next = NULL;
        rec->qsbr_spare = b;
    } else {
        ftc_mem_free(b);
    }
}

/* Seals the open batch (if any items) and asks for quiescent states. Owner. */
static void seal(struct _ftc_objects_tstate *rec)
{
    struct _ftc_qsbr_batch *t = rec->qsbr_tail;
    if (t == NULL || t->goal != 0 || t->n == 0)
        return;
    t->goal = advance();
    request_all();
}

/* Frees the owner's batches whose grace period has passed. */
static void process(struct _ftc_objects_tstate *rec)
{
    for (;;) {
        struct _ftc_qsbr_batch *b = rec->qsbr_head;
        if (b == NULL || b->goal == 0 || !gp_poll(b->goal))
            return;
        rec->qsbr_head = b->next;
        if (rec->qsbr_head == NULL)
            rec->qsbr_tail = NULL;
        pending_sub(rec, b);
        free_batch_items(b); /* may re-enter ftc_qsbr_free: the queue is consistent */
        recycle(rec, b);
    }
}

/* At a quiescent state: free what is ready; seal the open batch when no older batch is still
 * waiting, so that at most one grace period per thread is in flight below the thresholds (a
 * grace period costs every online thread a slow tick). */
static void tick_work(struct _ftc_objects_tstate *rec)
{
    process(rec);
    if (rec->qsbr_head != NULL && rec->qsbr_head == rec->qsbr_tail)
        seal(rec);
}

static void process_orphans(void)
{
    if (ftc_atomic_load_relaxed(&orphan_items) == 0)
        return;
    if (_ftc_ptrylock(&orphan_mutex, "QSBR's orphan lock") != 0)
        return;
    struct _ftc_qsbr_batch *ready = NULL, **link = &ready;
    while (orphan_head != NULL && gp_poll(orphan_head->goal)) {
        struct _ftc_qsbr_batch *b = orphan_head;
        orphan_head = b->next;
        b->next = NULL;
        *link = b;
        link = &b->next;
        ftc_atomic_fetch_sub_relaxed(&orphan_items, (uint64_t)b->n);
    }
    if (orphan_head == NULL)
        orphan_tail = NULL;
    _ftc_punlock(&orphan_mutex);
    while (ready != NULL) {
        struct _ftc_qsbr_batch *b = ready;
        ready = b->next;
        free_batch_items(b);
        ftc_mem_free(b);
    }
}

static void orphan_append(struct _ftc_qsbr_batch *head, struct _ftc_qsbr_batch *tail,
                          uint64_t items)
{
    _ftc_plock(&orphan_mutex, "QSBR's orphan lock");
    if (orphan_tail != NULL)
        orphan_tail->next = head;
    else
        orphan_head = head;
    orphan_tail = tail;
    ftc_atomic_fetch_add_relaxed(&orphan_items, items);
    _ftc_punlock(&orphan_mutex);
}

/* No batch could be allocated: free now with every other thread paused (so none is between
 * quiescent states), or fatally if we cannot stop the world. */
static void free_now_stopped(void *p, void (*fn)(void *))
{
    if (ftc_tstate_get() == NULL)
        ftc_fatal("out of memory deferring a free from a detached thread");
    ftc_stop_the_world();
    FTC_TSAN_ACQUIRE(&tsan_token);
    fn(p);
    ftc_start_the_world();
}

void ftc_qsbr_free_fn(void *p, void (*fn)(void *), size_t size)
{
    if (p == NULL)
        return;
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (FTC_UNLIKELY(ftc_atomic_load_relaxed(&immediate))) {
        fn(p);
        return;
    }
    if (rec == NULL) {
        if (!ftc_runtime_is_initialized()) {
            fn(p); /* no runtime, no attached reader */
            return;
        }
        /* A thread without a tstate: a one-item orphan batch. */
        struct _ftc_qsbr_batch *b = ftc_mem_calloc(1, sizeof *b);
        if (b == NULL)
            ftc_fatal("out of memory deferring a free from a thread without a tstate");
        b->items[0].p = p;
        b->items[0].fn = fn;
        b->n = 1;
        b->bytes = size;
        b->goal = advance();
        orphan_append(b, b, 1);
        request_all();
        return;
    }
    struct _ftc_qsbr_batch *b = rec->qsbr_tail;
    if (b == NULL || b->goal != 0 || b->n == FTC_QSBR_BATCH_ITEMS) {
        b = rec->qsbr_spare;
        if (b != NULL)
            rec->qsbr_spare = NULL;
        else if ((b = ftc_mem_calloc(1, sizeof *b)) == NULL) {
            free_now_stopped(p, fn);
            return;
        }
        if (rec->qsbr_tail != NULL)
            rec->qsbr_tail->next = b;
        else
            rec->qsbr_head = b;
        rec->qsbr_tail = b;
    }
    b->items[b->n].p = p;
    b->items[b->n].fn = fn;
    b->n++;
    b->bytes += size;
    ftc_atomic_store_relaxed(&rec->qsbr_items, rec->qsbr_items + 1);
    ftc_atomic_store_relaxed(&rec->qsbr_bytes, rec->qsbr_bytes + size);
    if (rec->qsbr_bytes > rec->qsbr_peak)
        ftc_atomic_store_relaxed(&rec->qsbr_peak, rec->qsbr_bytes);
    bool first = b->n == 1;
    if (b->n == FTC_QSBR_BATCH_ITEMS || b->bytes >= FTC_QSBR_BATCH_BYTES) {
        /* b may be freed by this (an offline caller completes grace periods at once; ASan
         * caught the read of b that used to follow: stress lin_dict): do not touch it. */
        seal(rec);
        process(rec);
    }
    /* The first item of a batch, or over the limit: our next tick takes care of it. */
    if (first || rec->qsbr_bytes > FTC_QSBR_LIMIT_BYTES) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&rec->ts);
        if (ts != NULL)
            _ftc_eval_breaker_set(ts, FTC_EB_QSBR);
    }
}

static void mem_free_fn(void *p) { ftc_mem_free(p); }

void ftc_qsbr_free(void *p)
{
    if (p != NULL)
        ftc_qsbr_free_fn(p, mem_free_fn, malloc_usable_size(p));
}

/* Detached wait until the caller's deferred bytes are under the limit. Called at a tick. */
static void wait_for_limit(struct _ftc_objects_tstate *rec)
{
    ftc_atomic_fetch_add_relaxed(&limit_waits, 1);
    ftc_tstate *saved = ftc_detach(); /* offline: we do not hold anything up */
    ftc_atomic_fetch_add(&waiters, 1);
    for (;;) {
        _ftc_plock(&wait_mutex, "QSBR's wait lock");
        uint64_t gen = wait_gen;
        _ftc_punlock(&wait_mutex);
        seal(rec);
        process(rec);
        if (ftc_atomic_load_relaxed(&rec->qsbr_bytes) <= FTC_QSBR_LIMIT_BYTES)
            break;
        request_all();
        _ftc_plock(&wait_mutex, "QSBR's wait lock");
        while (wait_gen == gen)
            pthread_cond_wait(&wait_cond, &wait_mutex);
        _ftc_punlock(&wait_mutex);
    }
    ftc_atomic_fetch_sub(&waiters, 1);
    ftc_attach(saved);
}

void _ftc_qsbr_tick(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    if (!rec->qsbr_online)
        return;
    unsleep(rec);
    report(rec);
    tick_work(rec);
    process_orphans();
    if (ftc_atomic_load_relaxed(&rec->qsbr_bytes) > FTC_QSBR_LIMIT_BYTES)
        wait_for_limit(rec);
    /* Still waiting for others (tick_work sealed a lone open batch, so the oldest batch is
     * sealed): sleep until an event that may end its grace period wakes us (the essay,
     * "Sleeping pollers"), not a poll at every tick. Flag and count first (seq_cst), then
     * one more poll: a report that came before our flag is seen by it. */
    struct _ftc_qsbr_batch *h = rec->qsbr_head;
    if (h != NULL) {
        if (h->goal != 0 && ftc_atomic_load(&orphan_items) == 0) {
            ftc_atomic_store(&rec->qsbr_waiting, 1);
            ftc_atomic_fetch_add(&gp_sleepers, 1);
            if (!gp_poll(h->goal))
                return;
            unsleep(rec);
        }
        _ftc_eval_breaker_set(ts, FTC_EB_QSBR);
    }
}

void ftc_qsbr_quiescent(void)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec == NULL || !rec->qsbr_online)
        return;
    report(rec);
    tick_work(rec);
    process_orphans();
}

void _ftc_qsbr_online(struct _ftc_objects_tstate *rec)
{
    if (rec->qsbr_online)
        return;
    rec->qsbr_online = 1;
    uint64_t seq = ftc_atomic_load(&wr_seq);
    ftc_atomic_store(&rec->qsbr_seq, seq);
    /* Full fence: the seq store is visible before any lock-free read that follows (see the
     * essay: a poll that saw us offline is ordered before our first read). */
    ftc_atomic_fence();
    /* A seal between our load of wr_seq and our store asked the online threads for a report
     * while we still looked offline: nobody asked us, and the batch would wait until some
     * later request. Ask ourselves (found by review; the next tick reports). */
    /* Also when batches wait: a wake-up meant for us while we were offline was skipped
     * (wake_sleepers wakes online threads only), so look again at the next tick. */
    if (ftc_atomic_load(&wr_seq) != seq || rec->qsbr_head != NULL) {
        ftc_tstate *ts = ftc_atomic_load_relaxed(&rec->ts);
        if (ts != NULL)
            _ftc_eval_breaker_set(ts, FTC_EB_QSBR);
    }
    rcu_thread_online();
}

void _ftc_qsbr_offline(struct _ftc_objects_tstate *rec)
{
    if (!rec->qsbr_online)
        return;
    rec->qsbr_online = 0;
    FTC_TSAN_RELEASE(&tsan_token);
    ftc_atomic_store(&rec->qsbr_seq, (uint64_t)0);
    changed();
    wake_sleepers();
    rcu_thread_offline();
    wake_waiters();
}

int _ftc_qsbr_thread_init(struct _ftc_objects_tstate *rec)
{
    rcu_register_thread();
    rcu_thread_offline();
    rec->urcu_node = &URCU_TLS(urcu_qsbr_reader).node;
    rec->qsbr_online = 0;
    rec->qsbr_seq = 0;
    return 0;
}

void _ftc_qsbr_thread_fini(struct _ftc_objects_tstate *rec)
{
    bool own = rec == _ftc_objects_self;
    if (own)
        _ftc_qsbr_offline(rec);
    else {
        ftc_atomic_store(&rec->qsbr_seq, (uint64_t)0);
        changed();
        wake_sleepers();
    }
    unsleep(rec);
    seal(rec);
    process(rec);
    if (rec->qsbr_head != NULL) {
        struct _ftc_qsbr_batch *h = rec->qsbr_head, *t = rec->qsbr_tail;
        orphan_append(h, t, rec->qsbr_items);
        rec->qsbr_head = rec->qsbr_tail = NULL;
        ftc_atomic_store_relaxed(&rec->qsbr_items, (uint64_t)0);
        ftc_atomic_store_relaxed(&rec->qsbr_bytes, (uint64_t)0);
    }
    ftc_mem_free(rec->qsbr_spare);
    rec->qsbr_spare = NULL;
}

void _ftc_qsbr_thread_unregister(struct _ftc_objects_tstate *rec)
{
    if (rec->urcu_node == NULL)
        return;
    /* Goes offline in liburcu first (a thread already detached is offline there). */
    rcu_unregister_thread();
    rec->urcu_node = NULL;
}

void _ftc_qsbr_runtime_fini(void)
{
    /* Every other thread is gone or parked for good: nothing can be reading; free all that
     * is left, including what parked threads had deferred. */
    for (;;) {
        struct _ftc_qsbr_batch *b = NULL;
        _ftc_objects_reg_lock();
        for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
            if (r->qsbr_head != NULL) {
                b = r->qsbr_head;
                r->qsbr_head = b->next;
                if (r->qsbr_head == NULL)
                    r->qsbr_tail = NULL;
                pending_sub(r, b);
                break;
            }
        }
        _ftc_objects_reg_unlock();
        if (b == NULL)
            break;
        free_batch_items(b);
        ftc_mem_free(b);
    }
    _ftc_plock(&orphan_mutex, "QSBR's orphan lock");
    struct _ftc_qsbr_batch *b = orphan_head;
    orphan_head = orphan_tail = NULL;
    ftc_atomic_store_relaxed(&orphan_items, (uint64_t)0);
    _ftc_punlock(&orphan_mutex);
    while (b != NULL) {
        struct _ftc_qsbr_batch *next = b->next;
        free_batch_items(b);
        ftc_mem_free(b);
        b = next;
    }
}

void _ftc_qsbr_after_fork_child(void)
{
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t c = PTHREAD_COND_INITIALIZER;
    orphan_mutex = m;
    wait_mutex = m;
    wait_cond = c;
    waiters = 0;
    /* Only this thread survives: no sleeper to wake; its own pending batches make its next
     * tick a QSBR tick (attach after fork sets the bit, _ftc_qsbr_online). */
    gp_sleepers = 0;
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next)
        r->qsbr_waiting = 0;
    /* liburcu's reader registry still links the dead threads' reader nodes, which live in
     * their thread-local storage: unlink them now, while their stacks are still mapped and
     * before a new thread reuses one (registering then, or the survivor's unregistering,
     * would follow dangling links). Only this thread exists, so no lock is needed. The
     * registry finds every such node: a thread registers with liburcu and links its record
     * in one step under the registry lock, and leaves both in one step, and fork's prepare
     * handler held that lock across fork() (_ftc_objects_before_fork). */
    for (struct _ftc_objects_tstate *r = _ftc_objects_reg_first(); r != NULL; r = r->next) {
        if (r != _ftc_objects_self && r->urcu_node != NULL) {
            cds_list_del((struct cds_list_head *)r->urcu_node);
            r->urcu_node = NULL;
        }
    }
}

void ftc_qsbr_get_stats(ftc_qsbr_stats *out)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    out->pending_items = rec ? ftc_atomic_load_relaxed(&rec->qsbr_items) : 0;
    out->pending_bytes = rec ? ftc_atomic_load_relaxed(&rec->qsbr_bytes) : 0;
    out->peak_bytes = rec ? ftc_atomic_load_relaxed(&rec->qsbr_peak) : 0;
    out->freed_items = ftc_atomic_load_relaxed(&freed_items);
    out->orphan_items = ftc_atomic_load_relaxed(&orphan_items);
    out->limit_waits = ftc_atomic_load_relaxed(&limit_waits);
    out->polls = rec ? ftc_atomic_load_relaxed(&rec->qsbr_polls) : 0;
    out->scans = rec ? ftc_atomic_load_relaxed(&rec->qsbr_scans) : 0;
}

#else /* GIL build: the GIL excludes readers; free at once. */

void ftc_qsbr_free(void *p) { ftc_mem_free(p); }

void ftc_qsbr_free_fn(void *p, void (*fn)(void *), size_t size)
{
    FTC_UNUSED(size);
    if (p != NULL)
        fn(p);
}

void ftc_qsbr_quiescent(void) {}

void ftc_qsbr_get_stats(ftc_qsbr_stats *out)
{
    out->pending_items = out->pending_bytes = out->peak_bytes = 0;
    out->freed_items = out->orphan_items = out->limit_waits = 0;
    out->polls = out->scans = 0;
}

int _ftc_qsbr_thread_init(struct _ftc_objects_tstate *rec)
{
    FTC_UNUSED(rec);
    return 0;
}
void _ftc_qsbr_thread_fini(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_qsbr_thread_unregister(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_qsbr_online(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_qsbr_offline(struct _ftc_objects_tstate *rec) { FTC_UNUSED(rec); }
void _ftc_qsbr_tick(struct _ftc_objects_tstate *rec, ftc_tstate *ts)
{
    FTC_UNUSED(rec);
    FTC_UNUSED(ts);
}
void _ftc_qsbr_runtime_fini(void) {}
void _ftc_qsbr_set_immediate(bool on) { FTC_UNUSED(on); }
void _ftc_qsbr_after_fork_child(void) {}

#endif
