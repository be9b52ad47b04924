/* Thread-local storage: keys, per-thread-state values, destructors at thread exit, and the
 * threading.local object.
 *
 * Keys. A global table of slots, in chunks that are allocated on demand and never moved or
 * freed (so a reader needs no lock to look a slot up). A slot in use has a generation; a key is
 * (generation << 32 | slot + 1), so a deleted key never matches a later key on the same slot.
 * The table, its free list and the list of all per-thread storages are guarded by `keys_lock`
 * (a one-byte ftc_mutex, held briefly, never while calling out).
 *
 * Values. Each thread state has an array indexed by slot of (generation, value): the
 * generation of the key that stored the value. get() returns a value only if the generations
 * match, so a stale value of a deleted key is never returned. The owner thread reads and writes
 * its array without the lock; other threads touch it only under keys_lock (clearing values of
 * a deleted key or a dying local object), so the fields are relaxed atomics, and the owner
 * replaces the array (to grow it) only under keys_lock.
 *
 * Exactly-once destruction. A value leaves an array in exactly one of three ways, each under
 * keys_lock, each clearing the entry as it takes it: the owner's set() (the old value goes back
 * to the caller, no destructor), thread-state deletion (_ftc_tls_tstate_fini: the destructor
 * runs, outside the lock), or the death of the key's local object (the value is released,
 * outside the lock). ftc_tls_key_delete() forgets values without destructors (pthread's rule).
 *
 * threading.local: an object owning a key whose destructor releases an object reference. Its
 * dealloc deletes the key after releasing every thread's value; nobody can set a value of a
 * local that is being deallocated (it has no references left), so that sweep is final.
 *
 * The cycle collector (docs/internals/gc.md). A local is tracked: it holds one reference per
 * thread that set a value. traverse (the world stopped) walks every storage under keys_lock
 * and visits the value each has for the local's key. Taking keys_lock there is safe: it is a
 * leaf lock taken without detaching and never held across a tick, a detach, a sleep or a call
 * out (destructors run outside it), so no stopped thread holds it; a thread that is not
 * stopped (one without a thread state, or a detached one ending) lets go of it after a few
 * instructions and a malloc, needing nothing the stopped world holds (fork's prepare handler
 * takes it with the world stopped for the same reason). The values cannot change meanwhile:
 * the owner's set() writes its entry while attached, hence not during a collection. clear (the
 * world running, the local unreachable, so no thread can get or set through it any more)
 * releases every thread's value as the dealloc does, one at a time under keys_lock with the
 * decref outside it, so it cannot race with a thread's exit (which also takes entries under
 * keys_lock: each value is released exactly once); the key stays allocated for the dealloc.
 *
 * fork(): the child's state layer runs _ftc_tls_tstate_fini for every dead thread's tstate,
 * which takes keys_lock; a thread that held it at the fork no longer exists. So keys_lock is
 * taken around fork() (pthread_atfork) and re-initialized in the child. The handlers are
 * registered by a constructor, before the state layer registers its own at runtime init, so
 * ours run last in "prepare" (after the world is stopped) and first in "child" (before the
 * state layer's child handler needs keys_lock).
 */
#include "internal/sync.h"

#include <pthread.h>

#define CHUNK_BITS 8
#define CHUNK_SIZE (1u << CHUNK_BITS)
#define MAX_CHUNKS (FTC_TLS_KEYS_MAX / CHUNK_SIZE)

struct key_slot {
    uint32_t gen;         /* atomic: generation of the live key; 0 = never used */
    uint32_t in_use;      /* atomic */
    void (*dtor)(void *); /* keys_lock */
    uint32_t next_free;   /* keys_lock: free list, slot + 1, 0 ends */
};

struct tls_entry {
    uint32_t gen; /* atomic relaxed: generation of the key that stored value; 0 = empty */
    void *value;  /* atomic relaxed */
};

struct _ftc_tls_tstate {
    struct tls_entry *entries;           /* replaced by the owner under keys_lock */
    uint32_t cap;                        /* owner; changed under keys_lock */
    struct _ftc_tls_tstate *next, *prev; /* all_storages; keys_lock */
};

static ftc_mutex keys_lock = FTC_MUTEX_INIT;
static struct key_slot *chunks[MAX_CHUNKS];  /* atomic pointers; set once under keys_lock */
static uint32_t nslots;                      /* keys_lock: slots ever handed out */
static uint32_t free_head;                   /* keys_lock: slot + 1 */
static struct _ftc_tls_tstate *all_storages; /* keys_lock */

static void tls_fork_prepare(void)
{
    /* Never detaching (internal/sync.h): every user of keys_lock takes it attached. */
    _ftc_mu_lock(&keys_lock);
}
static void tls_fork_parent(void) { ftc_mutex_unlock(&keys_lock); }
static void tls_fork_child(void)
{
    /* The byte may carry HAS_PARKED for waiters that do not exist here. */
    ftc_atomic_store_relaxed(&keys_lock.bits, (uint8_t)0);
    FTC_LO_RELEASE_(&keys_lock); /* the lock-order checker: this thread holds it no more */
}

__attribute__((constructor)) static void tls_register_fork_handlers(void)
{
    if (pthread_atfork(tls_fork_prepare, tls_fork_parent, tls_fork_child) != 0)
        ftc_fatal("pthread_atfork failed");
}

static struct key_slot *slot_at(uint32_t slot)
{
    /* acquire: pairs with the release store that published the chunk. */
    struct key_slot *c = ftc_atomic_load_acquire(&chunks[slot >> CHUNK_BITS]);
    return c ? &c[slot & (CHUNK_SIZE - 1)] : NULL;
}

static bool key_split(ftc_tls_key key, uint32_t *slot, uint32_t *gen)
{
    uint32_t s = (uint32_t)(key & 0xffffffffu);
    *gen = (uint32_t)(key >> 32);
    if (s == 0 || s > FTC_TLS_KEYS_MAX || *gen == 0)
        return false;
    *slot = s - 1;
    return true;
}

/* Whether key names a live key (any thread; a snapshot unless keys_lock is held). */
static struct key_slot *key_live(ftc_tls_key key, uint32_t *slot, uint32_t *gen)
{
    if (!key_split(key, slot, gen))
        return NULL;
    struct key_slot *k = slot_at(*slot);
    /* relaxed: the caller either holds keys_lock, or races with a delete it was told to
     * exclude (tls.h); the chunk's acquire load orders the slot's initialization. */
    if (k == NULL || !ftc_atomic_load_relaxed(&k->in_use) ||
        ftc_atomic_load_relaxed(&k->gen) != *gen)
        return NULL;
    return k;
}

int ftc_tls_key_create(ftc_tls_key *out, void (*dtor)(void *value))
{
    if (out == NULL)
        return FTC_EINVAL;
    *out = FTC_TLS_KEY_INVALID;
    _ftc_mu_lock(&keys_lock);
    uint32_t slot;
    if (free_head != 0) {
        slot = free_head - 1;
        free_head = slot_at(slot)->next_free;
    } else {
        if (nslots == FTC_TLS_KEYS_MAX) {
            ftc_mutex_unlock(&keys_lock);
            return FTC_EAGAIN;
        }
        slot = nslots;
        if (chunks[slot >> CHUNK_BITS] == NULL) {
            struct key_slot *c = ftc_mem_calloc(CHUNK_SIZE, sizeof *c);
            if (c == NULL) {
                ftc_mutex_unlock(&keys_lock);
                return FTC_ENOMEM;
            }
            /* release: pairs with the acquire load in slot_at. */
            ftc_atomic_store_release(&chunks[slot >> CHUNK_BITS], c);
        }
        nslots++;
    }
    struct key_slot *k = slot_at(slot);
    uint32_t gen = ftc_atomic_load_relaxed(&k->gen) + 1;
    if (gen == 0)
        gen = 1; /* after 2^32 reuses of one slot; a key that old is long dead */
    k->dtor = dtor;
    k->next_free = 0;
    ftc_atomic_store_relaxed(&k->gen, gen);   /* relaxed: readers validate under keys_lock */
    ftc_atomic_store_relaxed(&k->in_use, 1u); /* or race only with what tls.h forbids */
    ftc_mutex_unlock(&keys_lock);
    *out = (ftc_tls_key)gen << 32 | (ftc_tls_key)(slot + 1);
    return 0;
}

/* keys_lock held: takes the value one storage has for (slot, gen), clearing the entry. */
static void *entry_take(struct _ftc_tls_tstate *st, uint32_t slot, uint32_t gen)
{
    if (slot >= st->cap)
        return NULL;
    struct tls_entry *e = &st->entries[slot];
    if (ftc_atomic_load_relaxed(&e->gen) != gen)
        return NULL;
    void *v = ftc_atomic_load_relaxed(&e->value);
    ftc_atomic_store_relaxed(&e->value, (void *)NULL);
    ftc_atomic_store_relaxed(&e->gen, 0u);
    return v;
}

/* keys_lock held: frees the slot of a live key. */
static void slot_free(struct key_slot *k, uint32_t slot)
{
    ftc_atomic_store_relaxed(&k->in_use, 0u);
    k->dtor = NULL;
    k->next_free = free_head;
    free_head = slot + 1;
}

int ftc_tls_key_delete(ftc_tls_key key)
{
    uint32_t slot, gen;
    _ftc_mu_lock(&keys_lock);
    struct key_slot *k = key_live(key, &slot, &gen);
    if (k == NULL) {
        ftc_mutex_unlock(&keys_lock);
        return FTC_EINVAL;
    }
    for (struct _ftc_tls_tstate *st = all_storages; st; st = st->next)
        (void)entry_take(st, slot, gen); /* forgotten: the caller owns the values */
    slot_free(k, slot);
    ftc_mutex_unlock(&keys_lock);
    return 0;
}

void *ftc_tls_get(ftc_tls_key key)
{
    ftc_tstate *ts = ftc_tstate_get();
    uint32_t slot, gen;
    if (ts == NULL || ts->tls == NULL || !key_split(key, &slot, &gen))
        return NULL;
    struct _ftc_tls_tstate *st = ts->tls;
    if (slot >= st->cap)
        return NULL;
    struct tls_entry *e = &st->entries[slot];
    /* relaxed: our own entry; other threads only clear it under keys_lock when the key dies,
     * which tls.h tells users not to race with. */
    if (ftc_atomic_load_relaxed(&e->gen) != gen)
        return NULL;
    return ftc_atomic_load_relaxed(&e->value);
}

/* Makes room for slot in the caller's storage, creating it if needed (keys_lock held). */
static int storage_reserve(ftc_tstate *ts, uint32_t slot)
{
    struct _ftc_tls_tstate *st = ts->tls;
    if (st == NULL) {
        st = ftc_mem_calloc(1, sizeof *st);
        if (st == NULL)
            return FTC_ENOMEM;
        st->next = all_storages;
        if (all_storages)
            all_storages->prev = st;
        all_storages = st;
        ts->tls = st;
    }
    if (slot < st->cap)
        return 0;
    uint32_t cap = st->cap ? st->cap : 8;
    while (cap <= slot)
        cap *= 2;
    struct tls_entry *n = ftc_mem_calloc(cap, sizeof *n);
    if (n == NULL)
        return FTC_ENOMEM;
    for (uint32_t i = 0; i < st->cap; i++) {
        n[i].gen = ftc_atomic_load_relaxed(&st->entries[i].gen);
        n[i].value = ftc_atomic_load_relaxed(&st->entries[i].value);
    }
    ftc_mem_free(st->entries);
    st->entries = n;
    st->cap = cap;
    return 0;
}

int ftc_tls_set(ftc_tls_key key, void *value)
{
    ftc_tstate *ts = ftc_tstate_get();
    if (ts == NULL)
        return FTC_ESTATE;
    uint32_t slot, gen;
    if (key_live(key, &slot, &gen) == NULL)
        return FTC_EINVAL;
    struct _ftc_tls_tstate *st = ts->tls;
    if (st == NULL || slot >= st->cap) {
        if (value == NULL)
            return 0; /* nothing stored, nothing to clear */
        _ftc_mu_lock(&keys_lock);
        int rc = storage_reserve(ts, slot);
        ftc_mutex_unlock(&keys_lock);
        if (rc)
            return rc;
        st = ts->tls;
    }
    struct tls_entry *e = &st->entries[slot];
    /* relaxed: our own entry (see ftc_tls_get). Value before generation, so that a reader of
     * our entry never pairs the new generation with an older key's value. */
    ftc_atomic_store_relaxed(&e->value, value);
    ftc_atomic_store_relaxed(&e->gen, value ? gen : 0u);
    return 0;
}

/* Thread exit: run the destructors of the thread's values, then free its storage. */
void _ftc_tls_tstate_fini(ftc_tstate *ts)
{
    struct _ftc_tls_tstate *st = ts->tls;
    if (st == NULL)
        return;
    for (int round = 0; round < FTC_TLS_DESTRUCTOR_ROUNDS; round++) {
        bool ran = false;
        _ftc_mu_lock(&keys_lock);
        for (uint32_t slot = 0; slot < st->cap; slot++) {
            uint32_t gen = ftc_atomic_load_relaxed(&st->entries[slot].gen);
            if (gen == 0)
                continue;
            void *v = entry_take(st, slot, gen);
            struct key_slot *k = slot_at(slot);
            void (*dtor)(void *) = NULL;
            if (k && ftc_atomic_load_relaxed(&k->in_use) && ftc_atomic_load_relaxed(&k->gen) == gen)
                dtor = k->dtor;
            if (v == NULL || dtor == NULL)
                continue;
            ftc_mutex_unlock(&keys_lock);
            dtor(v); /* may set values again (another round), or create and delete keys */
            ran = true;
            _ftc_mu_lock(&keys_lock);
            st = ts->tls; /* a destructor's set() may have grown the array */
        }
        ftc_mutex_unlock(&keys_lock);
        if (!ran)
            break;
    }
    _ftc_mu_lock(&keys_lock);
    if (st->prev)
        st->prev->next = st->next;
    else
        all_storages = st->next;
    if (st->next)
        st->next->prev = st->prev;
    ts->tls = NULL;
    ftc_mutex_unlock(&keys_lock);
    ftc_mem_free(st->entries);
    ftc_mem_free(st);
}

/* ---- threading.local ---- */

typedef struct local_obj {
    FTC_OBJECT_HEAD;
    ftc_tls_key key;                          /* immutable */
    ftc_object *(*init)(void *arg, int *err); /* immutable; may be NULL */
    void *init_arg;
} local_obj;

static void local_value_dtor(void *v) { ftc_decref((ftc_object *)v); }

/* Releases every thread's value of l, one at a time (no allocation, decref outside the lock);
 * free_key: then frees the key (the dealloc), in the same hold of keys_lock that found no value
 * left. */
static void local_release_values(local_obj *l, bool free_key)
{
    uint32_t slot, gen;
    if (!key_split(l->key, &slot, &gen))
        return;
    for (;;) {
        void *v = NULL;
        _ftc_mu_lock(&keys_lock);
        for (struct _ftc_tls_tstate *st = all_storages; st && v == NULL; st = st->next)
            v = entry_take(st, slot, gen);
        if (v == NULL) {
            if (free_key) {
                struct key_slot *k = key_live(l->key, &slot, &gen);
                ftc_assert(k != NULL);
                if (k)
                    slot_free(k, slot);
            }
            ftc_mutex_unlock(&keys_lock);
            break;
        }
        ftc_mutex_unlock(&keys_lock);
        ftc_decref((ftc_object *)v);
    }
}

static void local_dealloc(ftc_object *self) { local_release_values((local_obj *)self, true); }

/* The world is stopped (top of the file): keys_lock is free or about to be. */
static int local_traverse(ftc_object *self, ftc_visitproc visit, void *arg)
{
    local_obj *l = (local_obj *)self;
    uint32_t slot, gen;
    if (!key_split(l->key, &slot, &gen))
        return 0;
    int rc = 0;
    _ftc_mu_lock(&keys_lock);
    for (struct _ftc_tls_tstate *st = all_storages; st && rc == 0; st = st->next) {
        if (slot >= st->cap)
            continue;
        struct tls_entry *e = &st->entries[slot];
        /* relaxed: under keys_lock; the owner writes its entry only while attached. */
        if (ftc_atomic_load_relaxed(&e->gen) != gen)
            continue;
        ftc_object *v = ftc_atomic_load_relaxed(&e->value);
        if (v != NULL)
            rc = visit(v, arg);
    }
    ftc_mutex_unlock(&keys_lock);
    return rc;
}

static int local_clear(ftc_object *self)
{
    local_release_values((local_obj *)self, false);
    return 0;
}

const ftc_type ftc_local_type = {
    .name = "local",
    .basicsize = sizeof(local_obj),
    .dealloc = local_dealloc,
    .traverse = local_traverse,
    .clear = local_clear,
};

ftc_object *ftc_local_new_with_init(ftc_object *(*init)(void *arg, int *err), void *arg)
{
    ftc_tls_key key;
    int rc = ftc_tls_key_create(&key, local_value_dtor);
    if (rc) {
        ftc_set_last_error(rc);
        return NULL;
    }
    ftc_object *o = ftc_object_new(&ftc_local_type);
    if (o == NULL) {
        ftc_tls_key_delete(key);
        return NULL;
    }
    local_obj *l = (local_obj *)o;
    l->key = key;
    l->init = init;
    l->init_arg = arg;
    return o;
}

ftc_object *ftc_local_new(void) { return ftc_local_new_with_init(NULL, NULL); }

static int local_check(ftc_object *o)
{
    if (o == NULL)
        return FTC_EINVAL;
    return ftc_type_of(o) == &ftc_local_type ? 0 : FTC_ETYPE;
}

int ftc_local_set(ftc_object *local, ftc_object *value)
{
    int rc = local_check(local);
    if (rc)
        return rc;
    if (ftc_tstate_get() == NULL)
        return FTC_ESTATE;
    local_obj *l = (local_obj *)local;
    ftc_object *old = ftc_tls_get(l->key);
    if (value)
        ftc_incref(value);
    rc = ftc_tls_set(l->key, value);
    if (rc) {
        ftc_xdecref(value);
        return rc;
    }
    ftc_xdecref(old);
    return 0;
}

int ftc_local_get(ftc_object *local, ftc_object **out)
{
    if (out == NULL)
        return FTC_EINVAL;
    *out = NULL;
    int rc = local_check(local);
    if (rc)
        return rc;
    if (ftc_tstate_get() == NULL)
        return FTC_ESTATE;
    local_obj *l = (local_obj *)local;
    ftc_object *v = ftc_tls_get(l->key);
    if (v == NULL && l->init != NULL) {
        int err = 0;
        ftc_object *nv = l->init(l->init_arg, &err);
        if (nv == NULL)
            return err < 0 ? err : FTC_EINVAL;
        rc = ftc_tls_set(l->key, nv); /* the storage takes init's reference */
        if (rc) {
            ftc_decref(nv);
            return rc;
        }
        v = nv;
    }
    if (v == NULL)
        return 0;
    ftc_incref(v);
    *out = v;
    return 1;
}
