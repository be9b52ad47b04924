/* Queue (include/ftcore/queue.h): a FIFO of object references with an optional bound, task
 * accounting (task_done/join) and shutdown, for a VM's `queue` module and its executors.
 *
 * Layout. The items live in a ring buffer (buf, cap, head, n) guarded by the queue's one-byte
 * ftc_mutex `mu`, together with the unfinished-task count, the shutdown flag and three wait
 * queues of sleeping threads (src/internal/sync.h): getters (waiting for an item), putters
 * (waiting for room) and joiners (waiting for the unfinished count to reach zero). mu is held
 * only for a few instructions at a time, never while sleeping, attaching or ticking, and never
 * while an object is released: an immediate shutdown drops its items after letting go of mu,
 * since a dealloc may run any code, including code that uses this queue. The ring grows by
 * doubling when a put finds it full (the only allocation a put makes; its failure is
 * FTC_ENOMEM with nothing changed) and shrinks by half when a get leaves it three-quarters
 * empty (a failed shrink keeps the larger ring), so a queue that was once long does not keep
 * its memory. n, unfinished and the shutdown flag are also read without mu by the snapshot
 * calls (len, unfinished, is_shutdown): they are written with relaxed atomic stores under mu
 * and read with relaxed loads, which is all a snapshot needs (mu orders everything else).
 *
 * FIFO and exactly-once. Every put appends at the tail and every get removes at the head,
 * both under mu, so the items leave in the order of the puts, and each slot is emptied once.
 *
 * No lost wake-up, no stranded item. A thread waits only after it saw, under mu, that it
 * cannot proceed (empty for a get, full for a put, unfinished > 0 for a join), and it queues
 * itself before dropping mu; whoever changes that (a put, a get, a task_done, a shutdown) does
 * so under mu and wakes a waiter of the matching queue before dropping it. The parking lot
 * cannot miss a wake aimed at a waiter that has not parked yet (sync_wait.c). A put wakes one
 * getter; a getter so woken ("holding a token") always looks at the queue again before it
 * returns, whatever its deadline, and takes an item if there is one. A thread arriving
 * meanwhile may take that item first; the woken getter then finds the queue empty, so no item
 * is left behind with a getter asleep. Formally: an item can sit in the queue while a getter
 * sleeps only if it was put after that getter queued itself (it saw the queue empty); that put
 * woke some getter, which takes an item or sees the queue empty before it leaves. The same
 * holds for putters and room, with one more exit: a woken putter whose ring cannot grow
 * (FTC_ENOMEM) passes its wake-up on to the next putter before returning. A woken waiter that
 * must wait again re-queues at the head of its queue, keeping its place in line.
 *
 * Interrupts. Waits are interruptible (FTC_SYNC_INTERRUPTIBLE): an async exception moves a
 * still-WAITING waiter to INTERRUPTED, which is never a token (a notifier whose CAS loses
 * passes its wake to the next waiter: _ftc_waitq_wake_one). The interrupted thread completes
 * the call if it can now (leaving the exception pending for its next tick) and otherwise
 * consumes the exception and returns its code having changed nothing.
 *
 * Detaching: _ftc_waiter_sleep detaches an attached caller for the whole sleep, so a thread
 * blocked on a queue holds neither the GIL nor the QSBR read side and never delays a
 * stop-the-world; mu itself is taken without detaching (_ftc_mu_lock: see internal/sync.h).
 *
 * References: a put increfs the item under mu once it is sure to succeed; a get hands the
 * queue's reference to the caller; an immediate shutdown and the dealloc release the rest.
 *
 * The cycle collector (docs/internals/gc.md). The queue is tracked: traverse visits every item
 * in the ring, clear releases them. traverse runs with the world stopped and takes mu: mu is
 * a leaf lock whose holders never tick, detach, sleep or wait for another thread while they
 * hold it (see internal/sync.h), so no stopped thread holds it, and a thread that is not
 * stopped (one without a thread state) lets go of it after a few instructions without needing
 * anything the stopped world holds; fork's prepare handler relies on the same property. The
 * ring cannot change between the collector's count and its two traversals, because moving an
 * object reference in or out of the queue touches objects, which only attached threads may do
 * (runtime.h), and those are stopped. clear runs with the world running, for an unreachable
 * queue that no waiter is in (a waiter holds a reference): it takes the ring out under mu and
 * drops the items after letting go of it, as an immediate shutdown does, since a dealloc may
 * run any code. The queue stays usable (empty) until its last reference goes.
 */
#include "internal/sync.h"

#include <string.h>

typedef struct queue_obj {
    FTC_OBJECT_HEAD;
    ftc_mutex mu;
    ftc_object **buf;    /* mu: ring of cap slots; the n items start at head */
    size_t cap, head;    /* mu */
    size_t n;            /* atomic: written under mu (relaxed), read without it by len */
    int64_t maxsize;     /* immutable: 0 = unbounded */
    uint64_t unfinished; /* atomic: written under mu (relaxed), read without it */
    uint32_t shutdown;   /* atomic: written under mu (relaxed), read without it */
    _ftc_waitq getters;  /* mu: waiting for an item */
    _ftc_waitq putters;  /* mu: waiting for room */
    _ftc_waitq joiners;  /* mu: waiting for unfinished == 0 */
} queue_obj;

/* The first ring a put allocates, and the size below which a ring never shrinks. */
#define RING_MIN ((size_t)8)
#define RING_SHRINK_ABOVE ((size_t)64)

static void queue_dealloc(ftc_object *self)
{
    queue_obj *q = (queue_obj *)self;
    /* A waiter holds a reference (it was passed the queue), so none is left now. */
    ftc_assert(_ftc_waitq_empty(&q->getters) && _ftc_waitq_empty(&q->putters) &&
               _ftc_waitq_empty(&q->joiners));
    size_t i = q->head;
    for (size_t k = 0; k < q->n; k++) {
        ftc_decref(q->buf[i]);
        if (++i == q->cap)
            i = 0;
    }
    ftc_mem_free(q->buf);
    q->buf = NULL;
    q->n = q->cap = q->head = 0;
}

/* The world is stopped (top of the file): mu is free or held for a few instructions by a
 * thread that is not stopped. */
static int queue_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    queue_obj *q = (queue_obj *)self;
    int rc = 0;
    _ftc_mu_lock(&q->mu);
    size_t i = q->head, n = ftc_atomic_load_relaxed(&q->n);
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = visit(q->buf[i], arg);
        if (++i == q->cap)
            i = 0;
    }
    ftc_mutex_unlock(&q->mu);
    return rc;
}

static void release_ring(ftc_object **items, size_t n, size_t cap, size_t head);

/* Breaks a cycle through the items: the ring is taken out under mu and released without it.
 * The unfinished count is left alone: nobody can reach the queue to join it. */
static int queue_clear(ftc_object *self)
{
    queue_obj *q = (queue_obj *)self;
    _ftc_mu_lock(&q->mu);
    ftc_object **items = q->buf;
    size_t n = ftc_atomic_load_relaxed(&q->n), cap = q->cap, head = q->head;
    q->buf = NULL;
    q->cap = q->head = 0;
    ftc_atomic_store_relaxed(&q->n, (size_t)0);
    ftc_mutex_unlock(&q->mu);
    release_ring(items, n, cap, head);
    return 0;
}

const ftc_type ftc_queue_type = {
    .name = "Queue",
    .basicsize = sizeof(queue_obj),
    .dealloc = queue_dealloc,
    .traverse = queue_traverse,
    .clear = queue_clear,
};

/* Drops the n items of a ring taken out of a queue (no lock held), then frees it. */
static void release_ring(ftc_object **items, size_t n, size_t cap, size_t head)
{
    for (size_t k = 0, i = head; k < n; k++) {
        ftc_decref(items[i]);
        if (++i == cap)
            i = 0;
    }
    ftc_mem_free(items);
}

static int queue_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_queue_type ? 0 : FTC_ETYPE;
}

ftc_object *ftc_queue_new(int64_t maxsize)
{
    ftc_object *o = ftc_object_new(&ftc_queue_type); /* zero-filled: empty, no ring yet */
    if (o == NULL)
        return NULL;
    ((queue_obj *)o)->maxsize = maxsize > 0 ? maxsize : 0;
    _ftc_sync_mark_shared(o);
    return o;
}

/* ---- the ring (mu held) ---- */

static size_t ring_len(queue_obj *q) { return ftc_atomic_load_relaxed(&q->n); }

/* Moves the n items into a new ring of ncap >= n slots, oldest first. 0 or FTC_ENOMEM (the
 * ring unchanged). */
static int ring_resize(queue_obj *q, size_t ncap)
{
    ftc_object **nb = ftc_mem_calloc(ncap, sizeof *nb);
    if (nb == NULL)
        return FTC_ENOMEM;
    size_t n = ring_len(q);
    size_t first = q->cap - q->head < n ? q->cap - q->head : n; /* up to the ring's end */
    if (n > 0) {
        memcpy(nb, q->buf + q->head, first * sizeof *nb);
        memcpy(nb + first, q->buf, (n - first) * sizeof *nb);
    }
    ftc_mem_free(q->buf);
    q->buf = nb;
    q->cap = ncap;
    q->head = 0;
    return 0;
}

/* Makes room for one more item: 0, or FTC_ENOMEM (nothing changed). */
static int ring_reserve(queue_obj *q)
{
    size_t n = ring_len(q);
    if (n < q->cap)
        return 0;
    size_t ncap;
    if (q->cap == 0)
        ncap = RING_MIN;
    else if (q->cap > SIZE_MAX / 2 / sizeof(ftc_object *))
        return FTC_ENOMEM; /* no address space can hold the doubled ring */
    else
        ncap = q->cap * 2;
    /* A bounded queue never needs more slots than its bound (n < maxsize here). */
    if (q->maxsize > 0 && (uint64_t)ncap > (uint64_t)q->maxsize)
        ncap = (size_t)q->maxsize;
    return ring_resize(q, ncap);
}

static void ring_push(queue_obj *q, ftc_object *item)
{
    size_t n = ring_len(q);
    size_t tail = q->head + n;
    if (tail >= q->cap)
        tail -= q->cap;
    q->buf[tail] = item;
    ftc_atomic_store_relaxed(&q->n, n + 1); /* relaxed: see the top of the file */
}

static ftc_object *ring_pop(queue_obj *q)
{
    size_t n = ring_len(q);
    ftc_object *item = q->buf[q->head];
    q->buf[q->head] = NULL;
    if (++q->head == q->cap)
        q->head = 0;
    ftc_atomic_store_relaxed(&q->n, n - 1); /* relaxed: see the top of the file */
    n--;
    if (n == 0)
        q->head = 0;
    if (q->cap > RING_SHRINK_ABOVE && n <= q->cap / 4)
        (void)ring_resize(q, q->cap / 2); /* a failure keeps the larger ring: harmless */
    return item;
}

static bool has_room(queue_obj *q)
{
    return q->maxsize == 0 || (uint64_t)ring_len(q) < (uint64_t)q->maxsize;
}

static bool is_shut(queue_obj *q) { return ftc_atomic_load_relaxed(&q->shutdown) != 0; }

/* ---- waiting (mu held on entry and on return) ---- */

/* Sleeps in wq until woken, timed out or interrupted; front: re-queue at the head (a woken
 * waiter that must wait again keeps its place). Returns the outcome (FTC_W_*). */
static int queue_wait(queue_obj *q, _ftc_waitq *wq, int64_t deadline, bool front)
{
    _ftc_waiter w = {0};
    if (front)
        _ftc_waitq_push_front(wq, &w);
    else
        _ftc_waitq_push_back(wq, &w);
    ftc_mutex_unlock(&q->mu);
    int slept = _ftc_waiter_sleep(&w, deadline, FTC_SYNC_INTERRUPTIBLE);
    _ftc_mu_lock(&q->mu);
    return _ftc_waiter_finish(wq, &w, slept);
}

/* The common loop of put, get and join: mu held on entry and on return. ready(q) says whether
 * the call can proceed now; stop(q) whether it must fail with FTC_ESHUTDOWN (NULL: never).
 * Returns 0 (ready), FTC_ESHUTDOWN, `busy` (not ready and timeout 0), FTC_ETIMEDOUT, or an
 * async exception's code (consumed: the exception ends the call). */
static int wait_until(queue_obj *q, _ftc_waitq *wq, bool (*ready)(queue_obj *),
                      bool (*stop)(queue_obj *), double timeout, int64_t deadline, int busy)
{
    bool front = false, timed_out = false;
    for (;;) {
        if (ready(q))
            return 0;
        if (stop != NULL && stop(q))
            return FTC_ESHUTDOWN;
        if (timeout == 0)
            return busy;
        if (timed_out)
            return FTC_ETIMEDOUT;
        int r = queue_wait(q, wq, deadline, front);
        front = true;
        if (r == FTC_W_TIMEDOUT) {
            timed_out = true; /* look once more: a last chance, never a lost wake-up */
        } else if (r == FTC_W_INTERRUPTED && !ready(q) && !(stop != NULL && stop(q))) {
            ftc_mutex_unlock(&q->mu);
            int code = _ftc_sync_take_interrupt();
            _ftc_mu_lock(&q->mu);
            if (code < 0)
                return code;
            /* The exception was withdrawn meanwhile: wait on. */
        }
    }
}

/* A put can proceed with room and not shut down (shut down, it fails even with room). */
static bool put_ready(queue_obj *q) { return !is_shut(q) && has_room(q); }
static bool get_ready(queue_obj *q) { return ring_len(q) > 0; }
static bool join_ready(queue_obj *q) { return ftc_atomic_load_relaxed(&q->unfinished) == 0; }

/* ---- the calls ---- */

int ftc_queue_put(ftc_object *queue, ftc_object *item, double timeout)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    if (item == NULL)
        return FTC_EINVAL;
    int64_t deadline = _ftc_sync_deadline(timeout, &rc);
    if (rc)
        return rc;
    queue_obj *q = (queue_obj *)queue;
    _ftc_mu_lock(&q->mu);
    rc = wait_until(q, &q->putters, put_ready, is_shut, timeout, deadline, FTC_EFULL);
    if (rc == 0)
        rc = ring_reserve(q);
    if (rc == 0) {
        ftc_incref(item);
        ring_push(q, item);
        ftc_atomic_store_relaxed(&q->unfinished, ftc_atomic_load_relaxed(&q->unfinished) + 1);
        _ftc_waitq_wake_one(&q->getters, FTC_W_WOKEN);
    } else if (rc == FTC_ENOMEM) {
        /* We may hold a putter's token (woken for room we cannot use): pass it on. */
        _ftc_waitq_wake_one(&q->putters, FTC_W_WOKEN);
    }
    ftc_mutex_unlock(&q->mu);
    return rc;
}

int ftc_queue_get(ftc_object *queue, ftc_object **out, double timeout)
{
    if (out == NULL)
        return FTC_EINVAL;
    *out = NULL;
    int rc = queue_check(queue);
    if (rc)
        return rc;
    int64_t deadline = _ftc_sync_deadline(timeout, &rc);
    if (rc)
        return rc;
    queue_obj *q = (queue_obj *)queue;
    _ftc_mu_lock(&q->mu);
    rc = wait_until(q, &q->getters, get_ready, is_shut, timeout, deadline, FTC_EEMPTY);
    if (rc == 0) {
        *out = ring_pop(q);
        if (q->maxsize > 0)
            _ftc_waitq_wake_one(&q->putters, FTC_W_WOKEN);
    }
    ftc_mutex_unlock(&q->mu);
    return rc;
}

int64_t ftc_queue_len(ftc_object *queue)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    /* relaxed: a snapshot (see the top of the file). */
    return (int64_t)ring_len((queue_obj *)queue);
}

int64_t ftc_queue_maxsize(ftc_object *queue)
{
    int rc = queue_check(queue);
    return rc ? rc : ((queue_obj *)queue)->maxsize;
}

int ftc_queue_task_done(ftc_object *queue)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    queue_obj *q = (queue_obj *)queue;
    _ftc_mu_lock(&q->mu);
    uint64_t u = ftc_atomic_load_relaxed(&q->unfinished);
    if (u == 0) {
        rc = FTC_ESTATE;
    } else {
        ftc_atomic_store_relaxed(&q->unfinished, u - 1);
        if (u == 1)
            _ftc_waitq_wake(&q->joiners, SIZE_MAX);
    }
    ftc_mutex_unlock(&q->mu);
    return rc;
}

int64_t ftc_queue_unfinished(ftc_object *queue)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    uint64_t u = ftc_atomic_load_relaxed(&((queue_obj *)queue)->unfinished); /* a snapshot */
    return u > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)u;
}

int ftc_queue_join(ftc_object *queue, double timeout)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    int64_t deadline = _ftc_sync_deadline(timeout, &rc);
    if (rc)
        return rc;
    queue_obj *q = (queue_obj *)queue;
    _ftc_mu_lock(&q->mu);
    rc = wait_until(q, &q->joiners, join_ready, NULL, timeout, deadline, FTC_ETIMEDOUT);
    ftc_mutex_unlock(&q->mu);
    return rc;
}

int ftc_queue_shutdown(ftc_object *queue, bool immediate)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    queue_obj *q = (queue_obj *)queue;
    ftc_object **items = NULL;
    size_t n = 0, cap = 0, head = 0;
    _ftc_mu_lock(&q->mu);
    ftc_atomic_store_relaxed(&q->shutdown, 1u);
    if (immediate) {
        /* Take the ring out whole; its items are released below, without mu. */
        items = q->buf;
        n = ring_len(q);
        cap = q->cap;
        head = q->head;
        q->buf = NULL;
        q->cap = q->head = 0;
        ftc_atomic_store_relaxed(&q->n, (size_t)0);
        uint64_t u = ftc_atomic_load_relaxed(&q->unfinished);
        ftc_atomic_store_relaxed(&q->unfinished, u > n ? u - n : 0);
        if (u <= n)
            _ftc_waitq_wake(&q->joiners, SIZE_MAX);
    }
    /* Every waiting get (the queue was empty, and is empty or shut for good) and put fails. */
    _ftc_waitq_wake(&q->getters, SIZE_MAX);
    _ftc_waitq_wake(&q->putters, SIZE_MAX);
    ftc_mutex_unlock(&q->mu);
    release_ring(items, n, cap, head);
    return 0;
}

int ftc_queue_is_shutdown(ftc_object *queue)
{
    int rc = queue_check(queue);
    if (rc)
        return rc;
    return is_shut((queue_obj *)queue) ? 1 : 0; /* relaxed: a snapshot */
}
