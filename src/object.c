/* Objects: allocation, deallocation, immortality, the live-object count, and the object
 * layer's per-thread records and hooks (what the state layer calls at runtime init/fini,
 * tstate init/fini, attach/detach, ticks and fork).
 *
 * Lifetime of a heap object: ftc_object_new gives one reference; the decref that takes the
 * total to zero (ftc_decref's inline path in the GIL build; in the nogil build the owner's
 * local count reaching zero with nothing shared, a shared decref reaching exactly MERGED, or a
 * merge finding zero: brc.c) calls _ftc_object_dealloc exactly once, because each of those
 * transitions is a single write (owner-only) or a single CAS that only one thread can win.
 * dealloc runs the type's dealloc, counts the object as freed, and releases the memory: at
 * once, or (nogil) through QSBR if the object was ever published where lock-free readers may
 * find it (FTC_OBF_QSBR), because such a reader may still be about to try-incref it.
 *
 * The live count is kept per thread (a relaxed store by the owner of the record, no atomic
 * read-modify-write on the allocation path) plus one global atomic for threads without a
 * record and for records that went away; the sum is exact when nothing is changing it.
 *
 * Records (src/internal/object.h): one per OS thread, created at its first tstate init and
 * destroyed at its last tstate fini, in that order: merge its hot counts into the objects,
 * merge the BRC queue until it stays empty and leave its BRC bucket (new BRC queuers then
 * merge directly: the owner is gone), leave the registry, hand QSBR deferrals over. The
 * registry lock is a pthread mutex held only for short list operations, never across a
 * detach or a callback, and never on a per-object path: BRC queue pushes and merges take only
 * their owner's bucket lock (brc.c). It is glibc's adaptive kind (spins a while before
 * sleeping): grace-period polls take it, and a plain mutex put the loser to sleep in the
 * kernel (perf of wordcount at 2 threads, when BRC pushes took it too: 10-14% of the samples
 * in futex wait/wake; about 100 futex calls with the adaptive kind).
 *
 * Debug builds (FTC_DEBUG >= 1) refuse, fatally, to make an object between ftc_runtime_fini()
 * and the next ftc_runtime_init() (use after fini: runtime.h).
 *
 * Memory order: ob_flags and ob_ref_* are atomic fields because other threads read them
 * (immortal and ownership tests, set_shared's or); the relaxed accesses here without their own
 * comment read flags set before publication (or by the caller's thread), or counters
 * (live counts) whose sum is read under the registry lock and is exact only when quiet.
 */
#include "internal/gc.h"
#include <string.h>

FTC_THREAD_LOCAL struct _ftc_objects_tstate *_ftc_objects_self;

static pthread_mutex_t reg_mutex = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
static struct _ftc_objects_tstate *reg_head;
static int64_t live_global; /* atomic */

/* Heap objects made immortal: freed by runtime fini. Guarded by immortal_mutex. */
static pthread_mutex_t immortal_mutex = PTHREAD_MUTEX_INITIALIZER;
static ftc_object **immortal_objs;
static size_t immortal_len, immortal_cap;

void _ftc_objects_reg_lock(void) { _ftc_plock(&reg_mutex, "the objects' registry lock"); }
void _ftc_objects_reg_unlock(void) { _ftc_punlock(&reg_mutex); }
struct _ftc_objects_tstate *_ftc_objects_reg_first(void) { return reg_head; }

void _ftc_objects_live_add(int64_t delta)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec != NULL) {
        /* Relaxed load and store, owner only: readers (ftc_object_live_count) sum under the
         * registry lock and accept a value that is exact once the threads are quiet. */
        ftc_atomic_store_relaxed(&rec->live, ftc_atomic_load_relaxed(&rec->live) + delta);
    } else {
        ftc_atomic_fetch_add_relaxed(&live_global, delta);
    }
}

int64_t ftc_object_live_count(void)
{
    /* A hot object whose total is zero is dead (no reference exists; the next round, which
     * may be a while, frees it): it counts as freed, like memory waiting for a grace period.
     * Objects become hot without the user asking (a contended count, refcount_hot.c), so
     * without this the count would depend on whether threads happened to collide. */
    int64_t dead_hot = _ftc_hot_dead_count();
    _ftc_objects_reg_lock();
    int64_t n = ftc_atomic_load_relaxed(&live_global);
    for (struct _ftc_objects_tstate *r = reg_head; r != NULL; r = r->next)
        n += ftc_atomic_load_relaxed(&r->live);
    _ftc_objects_reg_unlock();
    return n - dead_hot;
}

/* ---- allocation ---- */

ftc_object *_ftc_object_new_sized(const ftc_type *type, size_t size)
{
    if (type == NULL || size < sizeof(ftc_object)) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
#if FTC_DEBUG_LEVEL >= 1
    /* Use after fini (runtime.h): the object would outlive every thread state that could
     * release it, and the runtime's records it would be counted in are gone. */
    if (_ftc_runtime_was_finalized())
        ftc_fatal("ftc_object_new: a %s object was made after ftc_runtime_fini() (the runtime "
                  "is finalized; call ftc_runtime_init() first)",
                  type->name);
#endif
    /* A tracked type's objects carry the collector's header in front (src/internal/gc.h). */
    size_t pre = _ftc_gc_pre_size(type);
    char *mem = size <= SIZE_MAX - pre ? ftc_mem_calloc(1, size + pre) : NULL;
    if (mem == NULL) {
        ftc_set_last_error(FTC_ENOMEM);
        return NULL;
    }
    ftc_object *o = (ftc_object *)(mem + pre);
    o->ob_type = type;
#ifdef FTC_GIL_DISABLED
    o->ob_flags = FTC_OBF_HEAP;
    uintptr_t tid = _ftc_tls_tid;
    if (tid != FTC_TID_UNREGISTERED) {
        o->ob_tid = tid;
        o->ob_ref_local = 1;
        o->ob_ref_shared = 0;
    } else {
        /* A thread without an id owns nothing: the object starts merged. */
        o->ob_tid = FTC_TID_NONE;
        o->ob_ref_local = 0;
        o->ob_ref_shared = ((intptr_t)1 << FTC_REF_SHARED_SHIFT) | FTC_REF_MERGED;
    }
#else
    o->ob_refcnt = 1;
#endif
    _ftc_objects_live_add(1);
    if (pre != 0)
        _ftc_gc_track_new(o);
    return o;
}

ftc_object *ftc_object_new(const ftc_type *type)
{
    if (type == NULL) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
    return _ftc_object_new_sized(type, type->basicsize);
}

ftc_object *ftc_object_new_var(const ftc_type *type, size_t size)
{
    if (type == NULL || size < type->basicsize) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
    return _ftc_object_new_sized(type, size);
}

void _ftc_object_free_memory(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_QSBR) {
        ftc_qsbr_free(_ftc_gc_mem_base(o));
        return;
    }
#endif
    ftc_mem_free(_ftc_gc_mem_base(o));
}

void _ftc_object_dealloc(ftc_object *o)
{
    const ftc_type *type = o->ob_type;
#ifdef FTC_GIL_DISABLED
    /* Every path here ended in an acquire on ob_ref_shared that read the last decref's release
     * RMW (brc.c), or a queue handoff under the registry lock, or a stopped world: every other
     * thread's writes to the object happen before this. */
    if (!(ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HEAP))
        ftc_fatal("dealloc of a static object of type %s", type->name);
#endif
    /* Tracked: off its list before its dealloc (a collection must not see it half torn
     * down) and its weak references cleared; their callbacks run once it is gone. */
    ftc_weakref *callbacks = _ftc_gc_type_tracked(type) ? _ftc_gc_object_dying(o) : NULL;
    if (type->dealloc != NULL)
        type->dealloc(o);
    _ftc_objects_live_add(-1);
    FTC_LO_FORGET_RANGE_(o, type->basicsize); /* its locks' orders die with it (lockorder.h) */
    _ftc_object_free_memory(o);
    if (FTC_UNLIKELY(callbacks != NULL))
        _ftc_weakref_run_callbacks(callbacks);
}

/* ---- immortality ---- */

int ftc_object_immortalize(ftc_object *o)
{
    if (ftc_object_is_immortal(o))
        return 0;
#ifdef FTC_GIL_DISABLED
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
        return FTC_ESTATE;
#endif
    _ftc_plock(&immortal_mutex, "the objects' immortal lock");
    if (immortal_len == immortal_cap) {
        size_t cap = immortal_cap ? immortal_cap * 2 : 16;
        ftc_object **n = ftc_mem_realloc(immortal_objs, cap * sizeof *n);
        if (n == NULL) {
            _ftc_punlock(&immortal_mutex);
            return FTC_ENOMEM;
        }
        immortal_objs = n;
        immortal_cap = cap;
    }
    immortal_objs[immortal_len++] = o;
    _ftc_punlock(&immortal_mutex);
    if (_ftc_gc_type_tracked(o->ob_type))
        _ftc_gc_untrack(o); /* immortal: never garbage, and its counts stop meaning anything */
#ifdef FTC_GIL_DISABLED
    /* Relaxed: the caller publishes o afterwards (a release store that orders this). */
    ftc_atomic_store_relaxed(&o->ob_ref_local, FTC_REF_IMMORTAL);
    ftc_atomic_store_relaxed(&o->ob_tid, FTC_TID_NONE);
    ftc_atomic_store_relaxed(&o->ob_ref_shared, (intptr_t)0);
#else
    o->ob_refcnt = FTC_REFCNT_IMMORTAL;
#endif
    return 0;
}

bool ftc_object_is_immortal(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    return ftc_atomic_load_relaxed(&o->ob_ref_local) == FTC_REF_IMMORTAL;
#else
    return o->ob_refcnt >= FTC_REFCNT_IMMORTAL;
#endif
}

static void free_immortals(void)
{
    _ftc_plock(&immortal_mutex, "the objects' immortal lock");
    ftc_object **objs = immortal_objs;
    size_t n = immortal_len;
    immortal_objs = NULL;
    immortal_len = immortal_cap = 0;
    _ftc_punlock(&immortal_mutex);
    /* Two passes: every dealloc runs while every immortal's memory is still there, because an
     * immortal may refer to others made before or after it (a dict made early holding keys
     * made immortal later) and a dealloc's decref reads the header of what it releases (a
     * no-op on an immortal, but a read). Last made, first released. */
    for (size_t i = n; i-- > 0;) {
        ftc_object *o = objs[i];
        if (_ftc_gc_type_tracked(o->ob_type))
            _ftc_weakref_run_callbacks(_ftc_gc_object_dying(o));
        if (o->ob_type->dealloc != NULL)
            o->ob_type->dealloc(o);
    }
    for (size_t i = n; i-- > 0;) {
        _ftc_objects_live_add(-1);
        ftc_mem_free(_ftc_gc_mem_base(objs[i])); /* no thread is left to read it lock-free */
    }
    ftc_mem_free(objs);
}

int64_t ftc_object_refcount(ftc_object *o)
{
    if (ftc_object_is_immortal(o))
        return INT64_MAX;
#ifdef FTC_GIL_DISABLED
    if (ftc_atomic_load_relaxed(&o->ob_flags) & FTC_OBF_HOT)
        return _ftc_hot_refcount(o);
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    return (int64_t)ftc_atomic_load_relaxed(&o->ob_ref_local) +
           (int64_t)(shared >> FTC_REF_SHARED_SHIFT);
#else
    return (int64_t)o->ob_refcnt;
#endif
}

#ifdef FTC_GIL_DISABLED
void _ftc_object_set_shared_slow(ftc_object *o)
{
    if (ftc_object_is_immortal(o))
        return;
    /* Relaxed: both only need to be visible to threads that find o through the container:
     * its release store of the slot that follows, or, for a container's marking pass, the
     * release or of the container's shared flag after it (containers/ctr.c). */
    ftc_atomic_fetch_or_relaxed(&o->ob_flags, FTC_OBF_QSBR);
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    while ((shared & FTC_REF_SHARED_FLAG_MASK) == 0) {
        if (ftc_atomic_cas_weak_relaxed(&o->ob_ref_shared, &shared, shared | FTC_REF_MAYBE_SHARED))
            break;
    }
}

#else
void _ftc_object_set_shared_slow(ftc_object *o) { FTC_UNUSED(o); }
#endif

/* ---- hooks called by the state layer ---- */

int _ftc_objects_runtime_init(void) { return 0; }

/* Called after every tstate but those of threads parked for good (daemon threads stopped by
 * finalization: they never run again) was deleted. No thread can read anything: deferred
 * frees happen at once from here on. The parked threads' records stay registered (their
 * threads still point at them) but give up their queues and counts. */
void _ftc_objects_runtime_fini(void)
{
    _ftc_qsbr_set_immediate(true);
    /* Nominations of threads parked for good hold references: drop them before the queues'
     * last drain (a decref may queue to a parked owner). */
    for (;;) {
        _ftc_objects_reg_lock();
        struct _ftc_objects_tstate *r = reg_head;
        while (r != NULL && r->nom_len == 0)
            r = r->next;
        _ftc_objects_reg_unlock();
        if (r == NULL)
            break;
        _ftc_hot_release_nominees(r);
    }
    _ftc_brc_drain_all();
    _ftc_hot_runtime_fini();
    free_immortals();
    _ftc_qsbr_runtime_fini();
    _ftc_qsbr_set_immediate(false);
}

int _ftc_objects_tstate_init(ftc_tstate *ts)
{
    struct _ftc_objects_tstate *rec = _ftc_objects_self;
    if (rec != NULL) {
        rec->nstates++;
        ts->objects = rec;
        return 0;
    }
    rec = ftc_mem_calloc(1, sizeof *rec);
    if (rec == NULL)
        return FTC_ENOMEM;
    rec->tid = ts->tid != 0 ? (uintptr_t)ts->tid : _ftc_tls_tid;
    rec->nstates = 1;
    rec->ts = ts;
    /* liburcu registration and the registry link in one step under the registry lock, which
     * fork's prepare handler holds across fork(): the child's _ftc_qsbr_after_fork_child
     * finds every dead thread's liburcu node through the registry. Registering before the
     * lock let a fork land in between: the child kept a node in the dead thread's TLS linked
     * in liburcu's list, and the next thread it started crashed registering (stress.fork_child,
     * ~2 runs in 10 in debug-nogil). */
    _ftc_objects_reg_lock();
    if (_ftc_qsbr_thread_init(rec) < 0) {
        _ftc_objects_reg_unlock();
        ftc_mem_free(rec);
        return FTC_ENOMEM;
    }
    ts->objects = rec;
    rec->next = reg_head;
    if (reg_head != NULL)
        reg_head->prev = rec;
    reg_head = rec;
    _ftc_objects_reg_unlock();
    if (rec->tid != 0)
        _ftc_brc_register(rec);
    _ftc_objects_self = rec;
    return 0;
}

static void reg_remove(struct _ftc_objects_tstate *rec)
{
    if (rec->prev != NULL)
        rec->prev->next = rec->next;
    else
        reg_head = rec->next;
    if (rec->next != NULL)
        rec->next->prev = rec->prev;
    rec->next = rec->prev = NULL;
}

/* Ends a record whose thread is gone or leaving (the thread itself, detached; or the fork
 * child for the records of threads that did not survive). */
static void record_destroy(struct _ftc_objects_tstate *rec, bool own)
{
    /* Hot counts first, while still registered: a collection must never miss them (it only
     * looks at registered records). */
    _ftc_hot_thread_fini(rec);
    /* Then the references our nominations hold (hot_closed now stops new ones), while still
     * an owner in the BRC sense: a decref here may queue to ourselves, drained below. */
    _ftc_hot_release_nominees(rec);
    /* Drain the merge queue while still registered (a merge may free objects whose deallocs
     * queue more objects to us), and leave the BRC bucket in the same locked step that finds
     * it empty. From then on queuers find no owner and merge directly (brc.c). */
    _ftc_brc_unregister(rec);
    _ftc_objects_reg_lock();
    reg_remove(rec);
    /* Leaves liburcu in the same locked step (see _ftc_objects_tstate_init: fork). */
    if (own)
        _ftc_qsbr_thread_unregister(rec);
    /* Its live count joins the global one in the same locked step: a live count taken while
     * the QSBR fini below waits for grace periods must not miss it. */
    ftc_atomic_fetch_add_relaxed(&live_global, ftc_atomic_load_relaxed(&rec->live));
    ftc_atomic_store_relaxed(&rec->live, (int64_t)0);
    _ftc_objects_reg_unlock();
    /* After the last drain (whose deallocs may have made objects on our list): its tracked
     * objects go to the orphans, and anything this thread still allocates goes there too. */
    _ftc_gc_thread_fini(rec);
    _ftc_qsbr_thread_fini(rec);
    /* Whatever was counted since (nothing is expected: QSBR frees memory, not objects). */
    ftc_atomic_fetch_add_relaxed(&live_global, ftc_atomic_load_relaxed(&rec->live));
    if (own)
        _ftc_objects_self = NULL;
    ftc_mem_free(rec->brc_queue);
    ftc_mem_free(rec->brc_spare);
    ftc_mem_free(rec);
}

void _ftc_objects_tstate_fini(ftc_tstate *ts)
{
    struct _ftc_objects_tstate *rec = ts->objects;
    if (rec == NULL)
        return;
    ts->objects = NULL;
    /* Cleared under both the registry lock (qsbr's requests read it) and the BRC bucket lock
     * (pushers read it to ask for a merge): neither may signal ts after it is freed. */
    _ftc_objects_reg_lock();
    _ftc_brc_clear_ts(rec, ts);
    _ftc_objects_reg_unlock();
    if (--rec->nstates > 0)
        return;
    record_destroy(rec, rec == _ftc_objects_self);
}

void _ftc_objects_attach(ftc_tstate *ts)
{
    struct _ftc_objects_tstate *rec = ts->objects;
    if (rec == NULL)
        return;
    if (rec->tid == 0 && _ftc_tls_tid != FTC_TID_UNREGISTERED) {
        _ftc_objects_reg_lock();
        rec->tid = _ftc_tls_tid;
        _ftc_objects_reg_unlock();
        _ftc_brc_register(rec);
    }
    /* Relaxed: read by signallers under the registry lock; a stale tstate of this thread
     * still gets the bit, and attach re-checks the queue below. */
    ftc_atomic_store_relaxed(&rec->ts, ts);
    _ftc_qsbr_online(rec);
    /* Relaxed: a queuer that pushed after this load sets the bit on rec->ts itself. */
    if (ftc_atomic_load_relaxed(&rec->brc_len) != 0)
        _ftc_eval_breaker_set(ts, FTC_EB_BRC_MERGE);
}

void _ftc_objects_detach(ftc_tstate *ts)
{
    struct _ftc_objects_tstate *rec = ts->objects;
    if (rec != NULL)
        _ftc_qsbr_offline(rec);
}

int _ftc_objects_handle_tick(ftc_tstate *ts, uint64_t bits)
{
    struct _ftc_objects_tstate *rec = ts->objects;
    if (rec == NULL)
        return 0;
    /* The state layer cleared these bits before calling (clearing them again here could
     * lose a request made meanwhile). */
    if (bits & FTC_EB_BRC_MERGE)
        _ftc_brc_merge_queue(rec);
    if (bits & FTC_EB_QSBR)
        _ftc_qsbr_tick(rec, ts);
    if (bits & FTC_EB_GC)
        _ftc_gc_handle_tick(ts);
    /* This thread nominated contended objects, or its count of a converted object went below
     * zero (refcount_hot.c; both set the merge bit): a hot round converts the nominations,
     * frees the dead hot objects and demotes the converted ones that may be dying (gc.c).
     * Only this thread reads its own nom_len and hot_release_req here; a collection just run
     * converted the nominations already (nom_len 0). */
    if ((bits & FTC_EB_BRC_MERGE) && (rec->nom_len != 0 || rec->hot_release_req)) {
        rec->hot_release_req = 0;
        _ftc_gc_hot_round(ts);
    }
    return 0;
}

void _ftc_objects_after_join(ftc_tstate *ts)
{
    /* A settle (gc.c) only if an object converted by contention is hot, or this thread has
     * nominations pending (the settle converts them too, then demotes them): the joined
     * thread's own counts were merged at its end, and its nominations released. */
    struct _ftc_objects_tstate *rec = ts->objects;
    if (_ftc_hot_converted_registered() || (rec != NULL && rec->nom_len != 0))
        _ftc_gc_hot_settle();
}

void _ftc_objects_before_fork(void) { _ftc_objects_reg_lock(); }

void _ftc_objects_after_fork_parent(void) { _ftc_objects_reg_unlock(); }

void _ftc_objects_after_fork_child(ftc_tstate *survivor)
{
    /* Only the calling thread exists: reinitialize the locks (another thread may have held
     * them at fork; the registry lock was held by this thread: _ftc_objects_before_fork) and
     * end every other thread's record. */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_t fresh_adaptive = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;
    reg_mutex = fresh_adaptive;
    _ftc_pforget(&reg_mutex);
    immortal_mutex = fresh;
    _ftc_qsbr_after_fork_child();
    _ftc_hot_after_fork_child();
    _ftc_brc_after_fork_child();
    _ftc_gc_after_fork_child();
    /* The forking thread's record (whether or not it was attached at the fork). */
    struct _ftc_objects_tstate *keep = _ftc_objects_self;
    FTC_UNUSED(survivor);
    struct _ftc_objects_tstate *r = reg_head;
    while (r != NULL) {
        struct _ftc_objects_tstate *next = r->next;
        if (r != keep)
            record_destroy(r, false);
        r = next;
    }
}
