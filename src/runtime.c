/* The runtime: configuration, initialization and finalization, the head lock, iteration over
 * interpreters, and the resting place of stopped daemon threads.
 *
 * ftc_runtime_init() creates the main interpreter (with its GIL: always enabled in the GIL
 * build, enabled on request in the nogil build), lets the object layer initialize, then creates
 * the caller's tstate and attaches it. Any failure unwinds everything made so far, so the call
 * can be retried (tests walk an allocation failure over every allocation it makes).
 *
 * ftc_runtime_fini(), called by the thread that initialized the runtime, attached in the main
 * interpreter:
 *   1. joins every non-daemon thread started with ftc_thread_start (detached while waiting),
 *      then sets `finalizing`, atomically with the check that none is left, so that no new
 *      thread or tstate appears from then on;
 *   2. stops every other tstate (daemon threads, foreign threads, threads of
 *      sub-interpreters) with the stop-the-world machinery aimed at SHUTTING_DOWN: detached
 *      ones at once, attached ones at their next tick or detach; waits for that;
 *   3. moves those tstates to the zombie list (state.h) and deletes the caller's own tstates
 *      in sub-interpreters, runs the main interpreter's remaining pending calls, clears and
 *      deletes the caller's main tstate, lets the object layer finalize, and frees the
 *      interpreters; a GIL that a zombie still points to is kept on the zombie list.
 * A stopped thread never runs runtime code again: it blocks forever at its next attach (or
 * tick, which attaches), touching only its zombie tstate and GIL. The runtime can then be
 * initialized again; the static locks and condition variables are never destroyed.
 *
 * Refusals (runtime.h). Before step 1, fini refuses with FTC_EBUSY, changing nothing, when the
 * caller is inside a critical section (it would tear the runtime down under the section's
 * code), and, at every round of step 1 and atomically with setting `finalizing`, when a thread
 * pool of this runtime is not shut down (its workers wait for work for ever: the join would
 * hang). Each refusal prints what is still running on stderr. Threads step 1 joined before a
 * pool refusal had finished on their own; nothing else has been touched, so the caller can
 * end the section or shut the pool down and call fini again.
 *
 * Leaks. After step 3 the live-object count (object.c) is what nobody released; it is kept
 * for ftc_runtime_leaked_objects() and printed when FTC_DEBUG >= 1 or FTC_REPORT_LEAKS asks.
 * `finalized` then marks the time until the next init, in which debug builds refuse to make
 * objects (object.c).
 */
#include "internal/critical_section.h"
#include "internal/object.h"
#include "internal/state.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct _ftc_runtime _ftc_rt = {
    .head_mutex = PTHREAD_MUTEX_INITIALIZER,
    .handles_mutex = PTHREAD_MUTEX_INITIALIZER,
    .stw_mutex = PTHREAD_MUTEX_INITIALIZER,
    .stw_cond = PTHREAD_COND_INITIALIZER,
    .resume_cond = PTHREAD_COND_INITIALIZER,
};

void _ftc_fork_register(void); /* fork.c */

void _ftc_head_lock(void) { _ftc_plock(&_ftc_rt.head_mutex, "the runtime's head lock"); }
void _ftc_head_unlock(void) { _ftc_punlock(&_ftc_rt.head_mutex); }
ftc_interp *_ftc_interp_first(void) { return _ftc_rt.interps; }
ftc_interp *_ftc_interp_next(ftc_interp *interp) { return interp->next; }
ftc_tstate *_ftc_interp_tstates(ftc_interp *interp) { return interp->tstates; }

void _ftc_runtime_require(const char *func)
{
    if (!ftc_atomic_load_acquire(&_ftc_rt.initialized))
        ftc_fatal_at(func, __FILE__, __LINE__, "the ftcore runtime is not initialized");
}

void _ftc_hang_forever(void)
{
    /* pause() touches no memory of ours; a signal handler may run, then we sleep again. */
    for (;;)
        pause();
}

void ftc_config_init(ftc_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->switch_interval = 0.005;
    cfg->gil = -1;
    cfg->own_gil_for_subinterpreters = 0;
    cfg->pending_calls_max = 32;
    cfg->gil_io_priority = 1;
    cfg->gil_io_grace = 0.0;
}

int ftc_runtime_is_initialized(void) { return ftc_atomic_load_acquire(&_ftc_rt.initialized); }

ftc_interp *ftc_interp_main(void)
{
    return ftc_atomic_load_acquire(&_ftc_rt.initialized) ? _ftc_rt.main_interp : NULL;
}

/* Resolves cfg->gil for the build: 1 when a GIL is in force at start, or a negative code. */
static int resolve_gil(const ftc_config *cfg)
{
#ifdef FTC_GIL_DISABLED
    if (cfg->gil == 0 || cfg->gil == 1)
        return cfg->gil;
    if (cfg->gil != -1)
        return FTC_EINVAL;
    const char *env = getenv("FTC_GIL");
    if (!env || !*env || strcmp(env, "0") == 0)
        return 0;
    if (strcmp(env, "1") == 0)
        return 1;
    return FTC_EINVAL;
#else
    return cfg->gil == -1 || cfg->gil == 1 ? 1 : FTC_EINVAL;
#endif
}

/* Decodes an ABI tag (runtime.h) for the mismatch message. */
static void describe_abi(uint64_t tag, char *buf, size_t cap)
{
    snprintf(buf, cap, "ftcore-%s (object header %u bytes, %u-byte pointers, ABI %u)",
             (tag >> 16 & 0xff) == 1   ? "nogil"
             : (tag >> 16 & 0xff) == 0 ? "gil"
                                       : "unknown",
             (unsigned)(tag & 0xffff), (unsigned)(tag >> 24 & 0xff),
             (unsigned)(tag >> 32 & 0xffff));
}

int _ftc_runtime_init_checked(const ftc_config *cfg_in, uint64_t abi_tag)
{
    if (FTC_UNLIKELY(abi_tag != FTC_ABI_TAG)) {
        char headers[128], library[128];
        describe_abi(abi_tag, headers, sizeof headers);
        describe_abi(FTC_ABI_TAG, library, sizeof library);
        ftc_fatal_at("ftc_runtime_init", __FILE__, __LINE__,
                     "ftc_runtime_init: ABI mismatch: the program was compiled against the "
                     "headers of %s but is linked with the library %s; compile and link it "
                     "against the same variant (" FTC_VARIANT " here)",
                     headers, library);
    }
    ftc_config cfg;
    if (cfg_in)
        cfg = *cfg_in;
    else
        ftc_config_init(&cfg);
    int gil_on = resolve_gil(&cfg);
    if (gil_on < 0 || !(cfg.switch_interval > 0) || cfg.pending_calls_max == 0 ||
        cfg.pending_calls_max > ((size_t)1 << 24) ||
        (cfg.gil_io_priority != 0 && cfg.gil_io_priority != 1) || !(cfg.gil_io_grace >= 0) ||
        cfg.gil_io_grace > 1e6)
        return FTC_EINVAL;
    if (_ftc_tstate_current)
        return FTC_ESTATE; /* attached to a runtime that is stopped for good */
    int expected = 0;
    /* A second initializer loses the CAS; 2 marks "being initialized". */
    if (!ftc_atomic_cas(&_ftc_rt.initialized, &expected, 2))
        return FTC_ESTATE;
    _ftc_fork_register();
    _ftc_rt.config = cfg;
    (void)ftc_set_switch_interval(cfg.switch_interval);
    (void)ftc_set_gil_io_priority(cfg.gil_io_priority, cfg.gil_io_grace);

    int rc = FTC_ENOMEM;
    struct ftc_gil *gil = _ftc_gil_new(gil_on);
    ftc_interp *main_interp = gil ? _ftc_interp_alloc(gil, 1) : NULL;
    if (!main_interp) {
        _ftc_gil_free(gil);
        goto fail;
    }
    gil->owners = 1;
    _ftc_head_lock();
    _ftc_rt.generation++;
    _ftc_rt.next_interp_id = 1;
    main_interp->id = 0;
    _ftc_rt.interps = main_interp;
    _ftc_rt.main_interp = main_interp;
    _ftc_rt.main_thread = pthread_self();
    ftc_atomic_store(&_ftc_rt.finalizing, 0);
    _ftc_head_unlock();

    rc = _ftc_objects_runtime_init();
    if (rc < 0)
        goto fail_interp;
    ftc_tstate *ts = _ftc_tstate_new(main_interp, NULL, &rc);
    if (!ts)
        goto fail_objects;
    _ftc_head_lock();
    strcpy(ts->name, "MainThread");
    main_interp->main_ts = ts;
    _ftc_head_unlock();
    ftc_attach(ts);
    ftc_atomic_store_relaxed(&_ftc_rt.finalized, 0); /* relaxed: a debug check's hint */
    ftc_atomic_store_release(&_ftc_rt.initialized, 1);
    return 0;

fail_objects:
    _ftc_objects_runtime_fini();
fail_interp:
    _ftc_head_lock();
    _ftc_rt.interps = NULL;
    _ftc_rt.main_interp = NULL;
    _ftc_head_unlock();
    struct ftc_gil *g = main_interp->gil;
    _ftc_interp_free(main_interp);
    _ftc_gil_free(g);
fail:
    ftc_atomic_store_release(&_ftc_rt.initialized, 0);
    return rc;
}

/* Step 3 helpers: head lock held. Moves every tstate not owned by the caller off the
 * interpreters' lists onto the zombie list. */
static void zombify_others(void)
{
    pthread_t self = pthread_self();
    for (ftc_interp *in = _ftc_rt.interps; in; in = in->next) {
        ftc_tstate *t = in->tstates, *keep = NULL;
        while (t) {
            ftc_tstate *next = t->next;
            if (pthread_equal(t->pthread, self)) {
                t->prev = NULL;
                t->next = keep;
                if (keep)
                    keep->prev = t;
                keep = t;
            } else {
                t->next = t->prev = NULL;
                t->zombie_next = _ftc_rt.zombie_tstates;
                _ftc_rt.zombie_tstates = t;
            }
            t = next;
        }
        in->tstates = keep;
    }
}

int64_t ftc_runtime_leaked_objects(void)
{
    return ftc_atomic_load_relaxed(&_ftc_rt.leaked_objects); /* relaxed: a statistic */
}

int _ftc_runtime_was_finalized(void)
{
    return ftc_atomic_load_relaxed(&_ftc_rt.finalized); /* relaxed: see ftc_runtime_init */
}

/* FTC_REPORT_LEAKS=1 asks for the leak report, =0 silences it; unset, debug builds print. */
static bool report_leaks(void)
{
    const char *env = getenv("FTC_REPORT_LEAKS");
    if (env && *env)
        return strcmp(env, "0") != 0;
    return FTC_DEBUG_LEVEL >= 1;
}

int ftc_runtime_fini(void)
{
    if (ftc_atomic_load_acquire(&_ftc_rt.initialized) != 1)
        return FTC_ESTATE;
    ftc_tstate *me = _ftc_tstate_current;
    if (!me || me->interp != _ftc_rt.main_interp ||
        !pthread_equal(_ftc_rt.main_thread, pthread_self()) || _ftc_stw_held_by_me())
        return FTC_ESTATE;

    size_t sections = _ftc_cs_open_count(me);
    if (sections) {
        fprintf(stderr,
                "ftcore: ftc_runtime_fini: the calling thread is inside %zu critical "
                "section(s): end them first (FTC_END_CRITICAL_SECTION)\n",
                sections);
        return FTC_EBUSY;
    }

    /* 1. non-daemon threads; sets finalizing unless a running pool refuses */
    int busy = _ftc_threads_join_non_daemon("ftc_runtime_fini");
    if (busy)
        return busy;

    /* 2. stop everything else */
    _ftc_stw_mutex_lock();
    _ftc_stw_park_others(FTC_TSTATE_SHUTTING_DOWN);
    _ftc_head_lock();
    zombify_others();
    _ftc_head_unlock();
    _ftc_stw_end_shutdown();
    _ftc_punlock(&_ftc_rt.stw_mutex);

    /* 3. the caller's own tstates in sub-interpreters, then the sub-interpreters */
    for (;;) {
        _ftc_head_lock();
        ftc_interp *sub = _ftc_rt.interps;
        while (sub && sub == _ftc_rt.main_interp)
            sub = sub->next;
        ftc_tstate *mine = sub ? sub->tstates : NULL;
        if (sub)
            sub->dying = 1;
        _ftc_head_unlock();
        if (!sub)
            break;
        if (mine)
            ftc_tstate_delete(mine);
        else {
            _ftc_head_lock();
            if (sub->prev)
                sub->prev->next = sub->next;
            else
                _ftc_rt.interps = sub->next;
            if (sub->next)
                sub->next->prev = sub->prev;
            _ftc_head_unlock();
            _ftc_interp_retire(sub);
        }
    }

    /* pending calls queued for the main interpreter still run (errors are dropped) */
    while (_ftc_pending_calls_run(_ftc_rt.main_interp, me) < 0) {}

    _ftc_tstate_clear(me);
    ftc_detach();
    _ftc_tstate_delete(me);
    _ftc_objects_runtime_fini();

    ftc_interp *main_interp = _ftc_rt.main_interp;
    _ftc_head_lock();
    _ftc_rt.interps = NULL;
    _ftc_rt.main_interp = NULL;
    _ftc_head_unlock();
    _ftc_interp_retire(main_interp);

    int64_t leaked = ftc_object_live_count();
    ftc_atomic_store_relaxed(&_ftc_rt.leaked_objects, leaked);
    if (leaked != 0 && report_leaks())
        fprintf(stderr,
                "ftcore: ftc_runtime_fini: %lld object(s) still alive (never released, or held "
                "by a stopped daemon thread); ftc_runtime_leaked_objects() returns the count\n",
                (long long)leaked);
    ftc_atomic_store_relaxed(&_ftc_rt.finalized, 1);
    ftc_atomic_store_release(&_ftc_rt.initialized, 0);
    return 0;
}
