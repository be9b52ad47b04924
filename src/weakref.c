/* Weak references (include/ftcore/weakref.h; the guide is docs/internals/gc.md).
 *
 * State. A weak reference w to a tracked object o is on o's list (the weaklist field of o's
 * collector header) and holds o's address in w->wr_object. Both change only under the stripe
 * lock of o's address (one of NSTRIPES pthread mutexes; CPython 3.14t stripes its weakref
 * locks the same way). w->wr_object goes from o to NULL once and never back.
 *
 * Death of the referent. The last decref of o calls _ftc_gc_object_dying (gc.c) before o's
 * dealloc: under o's stripe the whole list is detached and every wr_object set to NULL. A
 * collection does the same for garbage and dead objects with the world stopped. From then on
 * no ftc_weakref_get_ref() can reach o, and o's memory is freed only after that.
 *
 * get_ref. Load wr_object (acquire); NULL: dead. Otherwise lock its stripe and re-check: if
 * wr_object still names o, o's memory is valid (its death clears wr_object under this lock
 * before freeing), and try_incref decides: an object whose count already reached zero refuses
 * (try_incref_weak below), so a dying object is never handed out, and once it refused, it
 * cannot succeed later (zero is final). To make try-incref exact on every thread (nogil),
 * creating a weak reference marks o's shared word MAYBE_SHARED: without it an owned object's
 * shared word 0 means "the owner may free it silently" and every non-owner would refuse. The
 * weak reference's own word is marked too: the thread that clears it (o's last decref, or a
 * collection) may not be its owner, and takes a reference to it for the callback.
 *
 * Callbacks. When o dies, each cleared w with a callback whose own count is not zero (its
 * dealloc, which unlinks it under the same stripe, has not started) gets a new reference and
 * goes on a chain (wr_pending, no allocation); after the stripe is released (and, for a
 * collection, after the world restarted) the callbacks run in turn and the references drop.
 * wr_callback is read only by the thread that cleared w, once: "called once". A weak reference
 * whose referent is immortal is never linked (nothing ever clears it).
 *
 * Lock order: a stripe is the innermost lock (the collector takes stripes inside the tracked
 * lists' locks); inside one nothing blocks: try-incref at most grows the caller's hot-count
 * array (hot_mutex), which the collector never holds while taking a stripe.
 */
#include "internal/gc.h"

#define NSTRIPES 64
#define WR_INIT ((uintptr_t)1)     /* initialized */
#define WR_IMMORTAL ((uintptr_t)2) /* the referent is immortal: not linked */

static pthread_mutex_t stripes[NSTRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;

static void stripes_init(void)
{
    for (int i = 0; i < NSTRIPES; i++)
        pthread_mutex_init(&stripes[i], NULL);
}

static pthread_mutex_t *stripe_of(ftc_object *o)
{
    uint64_t x = (uint64_t)(uintptr_t)o >> 4;
    x *= UINT64_C(0x9e3779b97f4a7c15);
    return &stripes[x >> 58];
}

static void lock_stripe(pthread_mutex_t *m)
{
    pthread_once(&stripes_once, stripes_init);
    _ftc_plock(m, "a weakref stripe lock");
}

void _ftc_weakref_after_fork_child(void)
{
    pthread_once_t fresh = PTHREAD_ONCE_INIT;
    stripes_once = fresh; /* a dead thread may have held a stripe: make them all anew */
}

/* Try-incref for an object found through a weak reference, its memory valid (stripe held):
 * false once its count reached zero. Unlike ftc_try_incref it also refuses an owned object
 * whose owner count is zero (its owner thread is inside its dealloc, which is where the
 * clearing runs from). */
static bool try_incref_weak(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    uintptr_t tid = ftc_atomic_load_relaxed(&o->ob_tid);
    if (_ftc_tid_is_mine(tid) && ftc_atomic_load_relaxed(&o->ob_ref_local) == 0)
        return false;
    return ftc_try_incref(o);
#else
    if (o->ob_refcnt == 0)
        return false;
    ftc_incref(o);
    return true;
#endif
}

/* nogil: shared word 0 lets an owner free silently; mark it (see the essay). */
static void mark_maybe_shared(ftc_object *o)
{
#ifdef FTC_GIL_DISABLED
    intptr_t shared = ftc_atomic_load_relaxed(&o->ob_ref_shared);
    while ((shared & FTC_REF_SHARED_FLAG_MASK) == 0) {
        /* Relaxed: a reader finds o only through the weak reference's stripe, which orders. */
        if (ftc_atomic_cas_weak_relaxed(&o->ob_ref_shared, &shared, shared | FTC_REF_MAYBE_SHARED))
            break;
    }
#else
    FTC_UNUSED(o);
#endif
}

bool ftc_weakref_supported(ftc_object *obj)
{
    if (obj == NULL)
        return false;
    if (ftc_object_is_immortal(obj))
        return true;
    return _ftc_gc_type_tracked(obj->ob_type);
}

int ftc_weakref_init(ftc_weakref *ref, ftc_object *obj, ftc_weakref_callback callback, void *data)
{
    if (ref == NULL || obj == NULL || (ref->wr_flags & WR_INIT))
        return FTC_EINVAL;
    if (!ftc_weakref_supported(obj))
        return FTC_ETYPE;
    ref->wr_callback = callback;
    ref->wr_data = data;
    ref->wr_pending = NULL;
    if (ftc_object_is_immortal(obj)) {
        ref->wr_flags = WR_INIT | WR_IMMORTAL;
        ftc_atomic_store_release(&ref->wr_object, obj);
        return 0;
    }
    mark_maybe_shared(obj);
    /* The weak reference too: its referent may die on another thread (a decref there, or a
     * collection or hot round run by another thread), whose try-incref of ref for the callback
     * would refuse a shared word of 0 and lose the callback. */
    mark_maybe_shared(FTC_OBJ(ref));
    _ftc_gc_head *h = _ftc_gc_head_of(obj);
    pthread_mutex_t *m = stripe_of(obj);
    lock_stripe(m);
    ftc_weakref *first = ftc_atomic_load_relaxed(&h->weaklist);
    ref->wr_prev = NULL;
    ref->wr_next = first;
    if (first != NULL)
        first->wr_prev = ref;
    ftc_atomic_store_relaxed(&h->weaklist, ref);
    ref->wr_flags = WR_INIT;
    /* Release: pairs with get_ref's acquire load (which then takes the stripe anyway). */
    ftc_atomic_store_release(&ref->wr_object, obj);
    _ftc_punlock(m);
    return 0;
}

static void weakref_dealloc(ftc_object *self) { ftc_weakref_fini((ftc_weakref *)self); }

const ftc_type ftc_weakref_type = {
    .name = "weakref",
    .basicsize = sizeof(ftc_weakref),
    .dealloc = weakref_dealloc,
};

ftc_weakref *ftc_weakref_new(ftc_object *obj, ftc_weakref_callback callback, void *data)
{
    if (obj == NULL) {
        ftc_set_last_error(FTC_EINVAL);
        return NULL;
    }
    if (!ftc_weakref_supported(obj)) {
        ftc_set_last_error(FTC_ETYPE);
        return NULL;
    }
    ftc_weakref *ref = (ftc_weakref *)ftc_object_new(&ftc_weakref_type);
    if (ref == NULL)
        return NULL;
    int rc = ftc_weakref_init(ref, obj, callback, data);
    if (rc < 0) {
        ftc_decref(FTC_OBJ(ref));
        ftc_set_last_error(rc);
        return NULL;
    }
    return ref;
}

void ftc_weakref_fini(ftc_weakref *ref)
{
    if (ref == NULL || !(ref->wr_flags & WR_INIT))
        return;
    ftc_object *obj = ftc_atomic_load_acquire(&ref->wr_object);
    if (obj == NULL)
        return;
    if (ref->wr_flags & WR_IMMORTAL) {
        ftc_atomic_store_relaxed(&ref->wr_object, (ftc_object *)NULL);
        ref->wr_callback = NULL;
        return;
    }
    pthread_mutex_t *m = stripe_of(obj);
    lock_stripe(m);
    if (ftc_atomic_load_relaxed(&ref->wr_object) == obj) {
        _ftc_gc_head *h = _ftc_gc_head_of(obj);
        if (ref->wr_prev != NULL)
            ref->wr_prev->wr_next = ref->wr_next;
        else /* release: a dying referent may read NULL here and free itself without the
              * stripe (_ftc_gc_object_dying's acquire load) */
            ftc_atomic_store_release(&h->weaklist, ref->wr_next);
        if (ref->wr_next != NULL)
            ref->wr_next->wr_prev = ref->wr_prev;
        ref->wr_prev = ref->wr_next = NULL;
        ref->wr_callback = NULL;
        ftc_atomic_store_relaxed(&ref->wr_object, (ftc_object *)NULL);
    }
    /* else: cleared meanwhile by the referent's death; the clearer took no reference to a
     * dying ref (its count is zero), so no callback is pending for it. */
    _ftc_punlock(m);
}

ftc_object *ftc_weakref_get_ref(ftc_weakref *ref)
{
    if (ref == NULL)
        return NULL;
    /* Acquire: pairs with init's release store. */
    ftc_object *obj = ftc_atomic_load_acquire(&ref->wr_object);
    if (obj == NULL)
        return NULL;
    if (ref->wr_flags & WR_IMMORTAL)
        return obj;
    pthread_mutex_t *m = stripe_of(obj);
    lock_stripe(m);
    bool ok = ftc_atomic_load_relaxed(&ref->wr_object) == obj && try_incref_weak(obj);
    _ftc_punlock(m);
    return ok ? obj : NULL;
}

int64_t ftc_weakref_count(ftc_object *obj)
{
    if (obj == NULL || ftc_object_is_immortal(obj) || !_ftc_gc_type_tracked(obj->ob_type))
        return 0;
    _ftc_gc_head *h = _ftc_gc_head_of(obj);
    pthread_mutex_t *m = stripe_of(obj);
    int64_t n = 0;
    lock_stripe(m);
    for (ftc_weakref *w = ftc_atomic_load_relaxed(&h->weaklist); w != NULL; w = w->wr_next)
        n++;
    _ftc_punlock(m);
    return n;
}

ftc_weakref *_ftc_weakref_clear_all(ftc_object *o, _ftc_gc_head *h, bool (*skip)(ftc_weakref *))
{
    ftc_weakref *pending = NULL, **tail = &pending;
    pthread_mutex_t *m = stripe_of(o);
    lock_stripe(m);
    ftc_weakref *w = ftc_atomic_load_relaxed(&h->weaklist);
    ftc_atomic_store_relaxed(&h->weaklist, (ftc_weakref *)NULL);
    while (w != NULL) {
        ftc_weakref *next = w->wr_next;
        w->wr_prev = w->wr_next = NULL;
        ftc_weakref_callback cb = w->wr_callback;
        if (cb != NULL && (skip == NULL || !skip(w)) && try_incref_weak(FTC_OBJ(w))) {
            /* w is ours now (for the runner only: it is off every list). */
            w->wr_pending = NULL;
            *tail = w; /* callbacks run in the order the references were made, newest first */
            tail = &w->wr_pending;
        } else {
            w->wr_callback = NULL;
        }
        /* The last touch of a reference we hold no count on, and a release: a concurrent
         * ftc_weakref_fini (w's own count reached zero) that reads NULL here returns without
         * the stripe and lets w be freed, so every write above must happen-before its acquire
         * load. Clearing w->wr_object first let that fini free w under our later writes. */
        ftc_atomic_store_release(&w->wr_object, (ftc_object *)NULL);
        w = next;
    }
    _ftc_punlock(m);
    return pending;
}

void _ftc_weakref_run_callbacks(ftc_weakref *pending)
{
    while (pending != NULL) {
        ftc_weakref *w = pending;
        pending = w->wr_pending;
        w->wr_pending = NULL;
        ftc_weakref_callback cb = w->wr_callback;
        w->wr_callback = NULL;
        cb(w, w->wr_data);
        ftc_decref(FTC_OBJ(w));
    }
}
