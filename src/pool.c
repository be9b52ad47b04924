/* The thread pool (ThreadPoolExecutor): a FIFO of work items served by up to max_workers
 * ftcore threads.
 *
 * Everything mutable is guarded by the pool's one-byte ftc_mutex `mu`, held only for queue and
 * counter updates (never while a task runs, a thread starts, or anyone sleeps):
 *   head/tail   the work queue; each item holds a reference to its future;
 *   idle        workers sleeping for work (a wait queue; idle.n is how many);
 *   nthreads    workers started or being started (reserved under mu before starting, so the
 *               bound max_workers is never exceeded); starting counts the ones being started;
 *   threads[]   their handles, stored under mu once started;
 *   shutdown    set once; no submit succeeds afterwards.
 *
 * Submit: queue the item, then wake one idle worker, or (none idle, room left) start a new one,
 * outside mu. A worker loops: take the oldest item, run it outside mu, repeat; sleep when the
 * queue is empty; exit when it is empty and shutdown is set. So after shutdown every queued
 * item is either run by some worker or (cancel_futures) cancelled by shutdown itself, and every
 * worker exits: each exiting worker has seen the queue empty with shutdown set, and shutdown
 * wakes every idle worker. shutdown(wait) first waits for `starting` to drop to 0 (a submit
 * racing with shutdown may still be starting a thread), then joins every handle.
 *
 * No lost item: a worker checks the queue and queues itself as idle under mu; submit pushes
 * under mu and wakes an idle worker if there is one. If there is none and no thread can be
 * started, some worker is between items and will find the new one before it sleeps.
 *
 * A task's outcome goes through its future (src/future.c): the worker moves it to RUNNING
 * unless it was cancelled, runs fn, and finishes it with the result or the error code.
 *
 * The runtime's pools: every pool is on a list (the runtime's head lock) from ftc_pool_new to
 * ftc_pool_free, and marked stopped there by its first shutdown. ftc_runtime_fini() asks the
 * list (_ftc_pools_report_running) before it joins the non-daemon threads, and again, under
 * the same head lock, as it sets `finalizing`: a pool of this runtime generation that is not
 * stopped has workers sleeping for work that never comes, so joining them would hang; fini
 * refuses with FTC_EBUSY instead. A pool cannot be made once `finalizing` is set (checked under
 * the head lock), so no pool appears between the last check and the end of fini.
 */
#include "internal/state.h"
#include "internal/sync.h"

#include <stdio.h>

#include <unistd.h>

struct work_item {
    struct work_item *next;
    ftc_object *future; /* a reference */
    ftc_task_fn fn;
    void *arg;
};

struct ftc_pool {
    ftc_mutex mu;
    struct work_item *head, *tail; /* mu */
    _ftc_waitq idle;               /* mu: sleeping workers */
    _ftc_waitq started;            /* mu: shutdown(wait) callers waiting for starting == 0 */
    size_t max_workers;            /* immutable */
    size_t nthreads;               /* mu */
    size_t starting;               /* mu */
    ftc_thread **threads;          /* mu; max_workers slots, the first nthreads - starting set */
    size_t nhandles;               /* mu */
    bool shutdown;                 /* mu */
    bool stopped;                  /* head lock: shut down (the list's view of `shutdown`) */
    uint64_t generation;           /* the runtime generation that made it; immutable */
    ftc_pool *next, *prev;         /* head lock: the list of pools (the top of the file) */
};

static ftc_pool *pools; /* head lock */

size_t _ftc_pools_report_running(const char *api)
{
    size_t n = 0;
    for (ftc_pool *p = pools; p != NULL; p = p->next) {
        if (p->stopped || p->generation != _ftc_rt.generation)
            continue;
        if (api)
            fprintf(stderr,
                    "ftcore: %s: thread pool %p (up to %zu workers) is still running: "
                    "shut it down first (ftc_pool_shutdown or ftc_pool_free)\n",
                    api, (void *)p, p->max_workers);
        n++;
    }
    return n;
}

ftc_pool *ftc_pool_new(size_t max_workers)
{
    if (max_workers == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        max_workers = cpus > 0 ? (size_t)cpus + 4 : 5;
        if (max_workers > 32)
            max_workers = 32;
    }
    ftc_pool *p = ftc_mem_calloc(1, sizeof *p);
    if (p == NULL) {
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    p->threads = ftc_mem_calloc(max_workers, sizeof *p->threads);
    if (p->threads == NULL) {
        ftc_mem_free(p);
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    p->max_workers = max_workers;
    _ftc_head_lock();
    if (ftc_atomic_load_acquire(&_ftc_rt.initialized) != 1 ||
        ftc_atomic_load_relaxed(&_ftc_rt.finalizing)) {
        _ftc_head_unlock();
        ftc_mem_free(p->threads);
        ftc_mem_free(p);
        ftc_set_last_error(FTC_ESTATE);
        return NULL;
    }
    p->generation = _ftc_rt.generation;
    p->next = pools;
    if (pools)
        pools->prev = p;
    pools = p;
    _ftc_head_unlock();
    return p;
}

static void run_item(struct work_item *it)
{
    if (ftc_future_set_running_or_notify_cancel(it->future) == 1) {
        ftc_object *result = NULL;
        int rc = it->fn(it->arg, &result);
        if (rc < 0) {
            ftc_xdecref(result);
            result = NULL;
        } else {
            rc = 0;
        }
        _ftc_future_finish(it->future, rc, result);
    }
    ftc_decref(it->future);
    ftc_mem_free(it);
}

static void worker_main(void *arg)
{
    ftc_pool *p = arg;
    _ftc_mu_lock(&p->mu);
    for (;;) {
        struct work_item *it = p->head;
        if (it) {
            p->head = it->next;
            if (p->head == NULL)
                p->tail = NULL;
            ftc_mutex_unlock(&p->mu);
            run_item(it);
            _ftc_mu_lock(&p->mu);
            continue;
        }
        if (p->shutdown)
            break;
        /* Uninterruptible: an async exception sent to a worker stays pending and is seen by
         * the next task that ticks, as Python raises it in whatever code runs next. */
        _ftc_waitq_wait(&p->idle, &p->mu, -1, FTC_SYNC_UNINTERRUPTIBLE);
    }
    ftc_mutex_unlock(&p->mu);
}

/* Starts one worker whose slot the caller reserved (nthreads, starting) under mu. */
static int start_worker(ftc_pool *p)
{
    ftc_thread *t = NULL;
    ftc_thread_opts opts = {.name = "ftc-pool-worker", .daemon = 0, .stack_size = 0};
    int rc = ftc_thread_start(&t, worker_main, p, &opts);
    _ftc_mu_lock(&p->mu);
    if (rc == 0)
        p->threads[p->nhandles++] = t;
    else
        p->nthreads--;
    if (--p->starting == 0)
        _ftc_waitq_wake(&p->started, SIZE_MAX);
    ftc_mutex_unlock(&p->mu);
    return rc;
}

/* A worker failed to start for the submit of `it`. If another worker exists or is starting,
 * it will run the item: report success. If none does, nothing would ever run what is queued:
 * take `it` back and report the error to this caller (nothing was queued), and finish every
 * other queued item's future with the error (their submits already returned 0, so the
 * futures are where the error can go; an item is never stranded). */
static int start_failed(ftc_pool *pool, struct work_item *it, ftc_object **future_out, int rc)
{
    _ftc_mu_lock(&pool->mu);
    if (pool->nthreads > 0) {
        ftc_mutex_unlock(&pool->mu);
        return 0;
    }
    struct work_item *stranded = pool->head;
    pool->head = pool->tail = NULL;
    ftc_mutex_unlock(&pool->mu);
    bool found = false;
    while (stranded) {
        struct work_item *next = stranded->next;
        if (stranded == it)
            found = true;
        else
            _ftc_future_finish(stranded->future, rc, NULL);
        if (stranded != it) {
            ftc_decref(stranded->future);
            ftc_mem_free(stranded);
        }
        stranded = next;
    }
    if (!found)
        return 0; /* a worker that existed then took it (and has run it) */
    if (future_out) {
        ftc_decref(*future_out);
        *future_out = NULL;
    }
    ftc_decref(it->future);
    ftc_mem_free(it);
    return rc;
}

int ftc_pool_submit(ftc_pool *pool, ftc_task_fn fn, void *arg, ftc_object **future_out)
{
    if (future_out)
        *future_out = NULL;
    if (pool == NULL || fn == NULL)
        return FTC_EINVAL;
    struct work_item *it = ftc_mem_alloc(sizeof *it);
    if (it == NULL)
        return FTC_ENOMEM;
    ftc_object *f = ftc_future_new();
    if (f == NULL) {
        ftc_mem_free(it);
        return FTC_ENOMEM;
    }
    it->next = NULL;
    it->future = f; /* the queue's reference */
    it->fn = fn;
    it->arg = arg;

    _ftc_mu_lock(&pool->mu);
    if (pool->shutdown) {
        ftc_mutex_unlock(&pool->mu);
        ftc_decref(f);
        ftc_mem_free(it);
        return FTC_ESTATE;
    }
    if (pool->tail)
        pool->tail->next = it;
    else
        pool->head = it;
    pool->tail = it;
    if (future_out) {
        ftc_incref(f); /* the caller's reference, taken before a worker can drop the queue's */
        *future_out = f;
    }
    bool start = false;
    if (!_ftc_waitq_wake_one(&pool->idle, FTC_W_WOKEN) && pool->nthreads < pool->max_workers) {
        pool->nthreads++;
        pool->starting++;
        start = true;
    }
    ftc_mutex_unlock(&pool->mu);
    if (!start)
        return 0;
    int rc = start_worker(pool);
    if (rc == 0)
        return 0;
    return start_failed(pool, it, future_out, rc);
}

int ftc_pool_shutdown(ftc_pool *pool, bool wait, bool cancel_futures)
{
    if (pool == NULL)
        return FTC_EINVAL;
    _ftc_mu_lock(&pool->mu);
    pool->shutdown = true;
    struct work_item *cancelled = NULL;
    if (cancel_futures) {
        cancelled = pool->head;
        pool->head = pool->tail = NULL;
    }
    _ftc_waitq_wake(&pool->idle, SIZE_MAX);
    ftc_mutex_unlock(&pool->mu);
    _ftc_head_lock();
    pool->stopped = true;
    _ftc_head_unlock();

    while (cancelled) {
        struct work_item *next = cancelled->next;
        ftc_future_cancel(cancelled->future);
        ftc_decref(cancelled->future);
        ftc_mem_free(cancelled);
        cancelled = next;
    }
    if (!wait)
        return 0;

    _ftc_mu_lock(&pool->mu);
    while (pool->starting > 0)
        _ftc_waitq_wait(&pool->started, &pool->mu, -1, FTC_SYNC_UNINTERRUPTIBLE);
    size_t n = pool->nhandles;
    ftc_mutex_unlock(&pool->mu);
    /* The handles array no longer changes: shutdown is set and nothing is starting. */
    int result = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = ftc_thread_join(pool->threads[i], -1);
        if (rc == FTC_EDEADLK)
            result = FTC_EDEADLK; /* a task shutting down its own pool */
        else if (rc != 0 && result == 0)
            result = rc;
    }
    return result;
}

void ftc_pool_free(ftc_pool *pool)
{
    if (pool == NULL)
        return;
    int rc = ftc_pool_shutdown(pool, true, false);
    if (rc == FTC_EDEADLK)
        ftc_fatal("ftc_pool_free() called from one of the pool's own tasks");
    ftc_assert(rc == 0);
    for (size_t i = 0; i < pool->nhandles; i++)
        ftc_thread_release(pool->threads[i]);
    _ftc_head_lock();
    if (pool->prev)
        pool->prev->next = pool->next;
    else
        pools = pool->next;
    if (pool->next)
        pool->next->prev = pool->prev;
    _ftc_head_unlock();
    ftc_mem_free(pool->threads);
    ftc_mem_free(pool);
}

size_t ftc_pool_max_workers(ftc_pool *pool) { return pool ? pool->max_workers : 0; }

size_t ftc_pool_num_threads(ftc_pool *pool)
{
    if (pool == NULL)
        return 0;
    _ftc_mu_lock(&pool->mu);
    size_t n = pool->nthreads;
    ftc_mutex_unlock(&pool->mu);
    return n;
}

int ftc_pool_map(ftc_pool *pool, ftc_task_fn fn, void *const *args, size_t n, ftc_object **results,
                 double timeout)
{
    if (pool == NULL || fn == NULL || (n > 0 && (args == NULL || results == NULL)))
        return FTC_EINVAL;
    for (size_t i = 0; i < n; i++)
        results[i] = NULL;
    if (n == 0)
        return 0;
    int err;
    int64_t deadline = _ftc_sync_deadline(timeout, &err);
    if (err)
        return err;
    ftc_object **futures = ftc_mem_calloc(n, sizeof *futures);
    if (futures == NULL)
        return FTC_ENOMEM;

    int first = 0;
    size_t submitted = 0;
    for (; submitted < n; submitted++) {
        int rc = ftc_pool_submit(pool, fn, args[submitted], &futures[submitted]);
        if (rc) {
            first = rc;
            break;
        }
    }
    size_t i = 0;
    if (first == 0) {
        for (; i < n; i++) {
            double left = -1;
            if (deadline >= 0) {
                int64_t now = _ftc_monotonic_ns();
                left = now >= deadline ? 0 : (double)(deadline - now) / 1e9;
            }
            int rc = ftc_future_result(futures[i], left, &results[i]);
            if (rc) {
                first = rc;
                i++;
                break;
            }
        }
    }
    /* After a failure: cancel what has not started. If the failing future is done (the task
     * failed or was cancelled) or a submit failed, wait for the tasks that already run, so
     * their args are no longer in use when we return; if the wait itself was cut short (timeout
     * or async exception), do not wait any longer. */
    bool wait_running = first != 0 && (i == 0 || ftc_future_done(futures[i - 1]) == 1);
    for (size_t j = i; j < submitted; j++) {
        ftc_future_cancel(futures[j]);
        if (wait_running && ftc_future_wait(futures[j], -1) != 0)
            wait_running = false; /* interrupted: stop waiting */
    }
    for (size_t j = 0; j < submitted; j++)
        ftc_decref(futures[j]);
    ftc_mem_free(futures);
    return first;
}
