/* A container's move from private to shared, under concurrency (containers/ctr.h, "Private
 * until another thread comes").
 *
 * In the nogil build a dict or list marks nothing it holds and frees replaced tables and
 * dropped values at once while only its owner uses it; the first operation of another thread
 * marks everything it holds (inside the container's critical section) and sets
 * FTC_OBF_CTR_SHARED, after which writers mark what they store and free tables through QSBR.
 * Memory safety of the other thread's lock-free reads rests on that hand-over: a value or
 * table missed by the marking would be freed at once by the owner while the reader still
 * looks at it (ASan: heap-use-after-free; a wrong value otherwise).
 *
 * Each round: a writer thread W creates a container itself, fills it while private (with
 * replacements and deletions, so private tables and values are freed at once), takes a
 * reference for the reader R and publishes the pointer (release store), then goes on at once
 * with a random number of operations: replace values (the old int freed), delete and re-insert
 * keys or pop and re-append items, clear, grow and shrink past resizes (tables replaced), read
 * its own container lock-free. R waits for the pointer (attached and ticking in odd rounds,
 * detached with spin + sched_yield in even ones), spins a random count so that its first
 * access lands at a random point of W's sequence, then reads until W is done:
 * ftc_dict_get_borrowed and ftc_dict_get_ref, ftc_dict_len (list: ftc_list_get_borrowed and
 * get_ref with positive and negative indexes, ftc_list_len), ticking between reads. In about
 * half the rounds W also pauses at a random operation until R has seen it get there, so that
 * R's first access lands near that point even when the machine is loaded and would otherwise
 * run all of W's operations before R gets a CPU; the test prints where the first reads landed.
 *
 * Every value is an int that encodes its key or slot (value = (base + key) * M + generation),
 * so R checks that each value it gets belongs to what it asked for. Half the keys and slots
 * either thread picks are among a few hot ones, so R often reads what W is about to replace or
 * remove; R reads a borrowed int's value after a random spin (allowed until its next tick:
 * dict.h), which widens the window in which a value freed too early is read after its free.
 * With the marking pass disabled (the loop body of _ftc_dict_mark_all_locked, or of
 * _ftc_list_mark_all_locked, commented out), the asan-nogil build reported a
 * heap-use-after-free of such a value in 8 of 8 runs of the dict test and 5 of 6 of the list
 * test (R reading an int that W had freed at once); before the hot keys and the spin, 1 in 3.
 *
 * In every third round R also writes (a third of its operations): dict stores and deletes,
 * list replacements of item i by a new value for slot i, each freeing the value it replaces.
 * W's own reads (borrowed, checked after a spin, or as references), which skip the write window
 * while the container is private (ctr.h, "The owner's reads"), then race the first writes of a
 * thread that made the container shared after W tested the flag. What this can catch is a value
 * freed under such a read (ASan) or a wrong one; R's writes leave every value decodable at its
 * key or index in every state between two operations, so a read that misses the flag's
 * re-check but loads only whole states (which single-slot writes give) still passes: the
 * re-check is argued in ctr.h, not proved here.
 *
 * Checked: every read decodes to the key or slot asked for; in the nogil build the container
 * has FTC_OBF_CTR_SHARED once R's first operation returned, and not before W publishes it; at
 * the end of every round, after both dropped their references and W ticked (merging what R's
 * decrefs queued to it), the live object count is back to its value before the round (every
 * object freed exactly once; after a write round W waits until R has ticked, since the values
 * R made are R's and W's release of the container queued them to R). GIL build: the same
 * protocol and checks (the switch interval is short so that the two threads interleave). */
#include <sched.h>

#include "check.h"
#include <ftcore/ftcore.h>

#define M 1000003       /* value = (base + key) * M + generation, generation < M */
#define KEY_BASE 100000 /* dict keys are ints KEY_BASE + k: never small (immortal) ints */
#define NKEYS 384       /* dict key space */
#define SLOT_BASE 1000  /* list item j holds (SLOT_BASE + j) * M + generation */
#define MAXLEN 400      /* a list never grows longer */
#define MIN_READS 8
#define HOT 16 /* half the keys (slots) both threads pick are among the first HOT */
/* The longest spin before a borrowed int is read (decode_late). Shorter under TSan, which
 * instruments every turn and looks for races, not for a use after free (ASan does). */
#if defined(__SANITIZE_THREAD__)
#define LATE_SPIN 512
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LATE_SPIN 512
#endif
#endif
#ifndef LATE_SPIN
#define LATE_SPIN 4096
#endif

typedef struct kind {
    /* W: a new container, filled while private. */
    ftc_object *(*create_fill)(uint64_t *rng, uint32_t *gen);
    /* W: one operation on its (maybe shared) container. */
    void (*w_op)(ftc_object *c, uint64_t *rng, uint32_t *gen);
    /* R: one read, checked. */
    void (*r_read)(ftc_object *c, uint64_t *rng);
    /* R, in write rounds: one write that keeps every value where it may be found. */
    void (*r_write)(ftc_object *c, uint64_t *rng, uint32_t *gen);
} kind;

typedef struct share_ctx {
    const kind *k;
    long rounds;
    ftc_object *box; /* atomic: W's release store, R's acquire load */
    long r_ready;    /* atomic: the last round R is waiting for (W publishes only then) */
    long ops_done;   /* atomic: the last round whose operations W finished */
    long w_checked;  /* atomic: 1 once W checked the live count after the last round */
    long r_done;     /* atomic: the last round R finished (its references dropped) */
    long progress;   /* atomic (relaxed): W's operations done so far in this round */
    long landed[5];  /* R only: rounds whose first read came before W's first operation,
                           in each half of W's sequence, after its last operation; and the
                           rounds where W did no operation at all */
    long reads;      /* R only: operations (reads and writes) */
    long writes;     /* R only: writes, in every third round */
    long nops;       /* W's operations this round: written before its release of the box */
    long target;     /* likewise: where W waits for r_go, or -1 */
    long r_go;       /* atomic: the last round where R saw W reach its target */
    long w_dropped;  /* atomic: the last write round whose container W has released */
    long r_merged;   /* atomic: the last write round after which R ticked (merged) */
} share_ctx;

static ftc_object *mk_int(int64_t v)
{
    ftc_object *o = ftc_int_new(v);
    CHECK(o != NULL);
    return o;
}

/* The key or slot a value encodes, checking it is an int of the right form. */
static int64_t decode(ftc_object *v, int64_t base)
{
    CHECK(ftc_type_of(v) == &ftc_int_type);
    int64_t x = ftc_int_value(v);
    CHECK(x > 0);
    return x / M - base;
}

/* A key or slot below n: half the time among the first HOT, so that the reader often looks at
 * what the writer is replacing or removing. */
static int64_t pick(uint64_t r, int64_t n)
{
    int64_t m = (r & 1) && n > HOT ? HOT : n;
    return n > 0 ? (int64_t)((r >> 1) % (uint64_t)m) : 0;
}

/* Reads the int a borrowed pointer names after a random spin: the pointer stays good
 * until our next tick (dict.h), so the spin only widens the window in which a value freed too
 * early (not marked) would be read after its free. */
static int64_t decode_late(ftc_object *v, int64_t base, uint64_t r)
{
    for (volatile uint64_t s = 0; s < r % LATE_SPIN; s++) {}
    return decode(v, base);
}

static int64_t next_val(int64_t base_key, uint32_t *gen)
{
    int64_t g = (int64_t)(*gen % M);
    (*gen)++;
    return base_key * M + g;
}

/* ---- dict ---- */

static void d_store(ftc_object *d, int64_t k, uint32_t *gen)
{
    ftc_object *key = mk_int(KEY_BASE + k), *val = mk_int(next_val(KEY_BASE + k, gen));
    CHECK_EQ(ftc_dict_set(d, key, val), 0);
    ftc_decref(key);
    ftc_decref(val);
}

static void d_del(ftc_object *d, int64_t k)
{
    ftc_object *key = mk_int(KEY_BASE + k);
    int rc = ftc_dict_del(d, key);
    CHECK(rc == 0 || rc == FTC_EKEY);
    ftc_decref(key);
}

static void d_w_op(ftc_object *d, uint64_t *rng, uint32_t *gen)
{
    uint64_t r = ftc_check_rand(rng) % 100;
    int64_t k = pick(ftc_check_rand(rng), NKEYS);
    if (r < 40) {
        d_store(d, k, gen); /* insert, or replace (the old value freed) */
    } else if (r < 60) {
        d_del(d, k);
    } else if (r < 70) {
        ftc_object *key = mk_int(KEY_BASE + k), *out = NULL;
        int rc = ftc_dict_pop(d, key, &out);
        CHECK(rc == 0 || rc == 1);
        if (rc == 1) {
            CHECK_EQ(decode(out, KEY_BASE), k);
            ftc_decref(out);
        }
        ftc_decref(key);
    } else if (r < 85) {
        /* The owner's own lock-free read (while private: without the window). */
        ftc_object *key = mk_int(KEY_BASE + k), *out = NULL;
        uint64_t r2 = ftc_check_rand(rng);
        int rc = (r2 & 1) ? ftc_dict_get_borrowed(d, key, &out) : ftc_dict_get_ref(d, key, &out);
        CHECK(rc == 0 || rc == 1);
        if (rc == 1 && (r2 & 1))
            CHECK_EQ(decode_late(out, KEY_BASE, r2 >> 8), k); /* before the next tick */
        if (rc == 1 && !(r2 & 1)) {
            CHECK_EQ(decode(out, KEY_BASE), k);
            ftc_decref(out);
        }
        ftc_decref(key);
    } else if (r < 97) {
        /* A burst of stores: the table grows (or is rebuilt over deleted entries). */
        for (int64_t j = 0; j < 48; j++)
            d_store(d, (k + j) % NKEYS, gen);
    } else {
        CHECK_EQ(ftc_dict_clear(d), 0);
    }
}

static ftc_object *d_create_fill(uint64_t *rng, uint32_t *gen)
{
    ftc_object *d = ftc_dict_new();
    CHECK(d != NULL);
    int n = (int)(ftc_check_rand(rng) % 96);
    for (int j = 0; j < n; j++) {
        int64_t k = pick(ftc_check_rand(rng), NKEYS);
        d_store(d, k, gen);
        if (j % 5 == 0)
            d_store(d, k, gen); /* replaced while private */
        if (j % 7 == 3)
            d_del(d, pick(ftc_check_rand(rng), NKEYS));
    }
    return d;
}

static void d_r_read(ftc_object *d, uint64_t *rng)
{
    uint64_t r = ftc_check_rand(rng);
    int64_t k = pick(r >> 8, NKEYS);
    if ((r & 15) == 0) {
        int64_t n = ftc_dict_len(d);
        CHECK(n >= 0 && n <= NKEYS);
        return;
    }
    ftc_object *key = mk_int(KEY_BASE + k), *out = NULL;
    if (r & 16) {
        int rc = ftc_dict_get_borrowed(d, key, &out);
        CHECK(rc == 0 || rc == 1);
        if (rc == 1)
            CHECK_EQ(decode_late(out, KEY_BASE, r >> 40), k); /* before the next tick */
    } else {
        int rc = ftc_dict_get_ref(d, key, &out);
        CHECK(rc == 0 || rc == 1);
        if (rc == 1) {
            CHECK_EQ(decode(out, KEY_BASE), k);
            ftc_decref(out);
        }
    }
    ftc_decref(key);
}

/* R's writes: stores (insert or replace, the old value freed) and deletes of the keys W reads. */
static void d_r_write(ftc_object *d, uint64_t *rng, uint32_t *gen)
{
    uint64_t r = ftc_check_rand(rng);
    int64_t k = pick(r >> 8, NKEYS);
    if (r & 1)
        d_store(d, k, gen);
    else
        d_del(d, k);
}

static const kind dict_kind = {d_create_fill, d_w_op, d_r_read, d_r_write};

/* ---- list ---- */

static void l_append(ftc_object *l, uint32_t *gen)
{
    int64_t n = ftc_list_len(l);
    CHECK(n >= 0);
    if (n >= MAXLEN)
        return;
    ftc_object *v = mk_int(next_val(SLOT_BASE + n, gen));
    CHECK_EQ(ftc_list_append(l, v), 0);
    ftc_decref(v);
}

static void l_pop(ftc_object *l)
{
    int64_t n = ftc_list_len(l);
    ftc_object *out = NULL;
    int rc = ftc_list_pop(l, -1, &out);
    if (n == 0) {
        CHECK_EQ(rc, FTC_EINDEX);
        return;
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(decode(out, SLOT_BASE), n - 1);
    ftc_decref(out);
}

static void l_w_op(ftc_object *l, uint64_t *rng, uint32_t *gen)
{
    uint64_t r = ftc_check_rand(rng) % 100;
    int64_t n = ftc_list_len(l);
    int64_t i = pick(ftc_check_rand(rng), n);
    if (r < 30) {
        if (n > 0) { /* replace (the old item freed) */
            ftc_object *v = mk_int(next_val(SLOT_BASE + i, gen));
            CHECK_EQ(ftc_list_set(l, i, v), 0);
            ftc_decref(v);
        }
    } else if (r < 52) {
        l_append(l, gen);
    } else if (r < 72) {
        l_pop(l);
    } else if (r < 84) {
        /* The owner's own lock-free read (while private: without the window). */
        ftc_object *out = NULL;
        uint64_t r2 = ftc_check_rand(rng);
        if (n > 0 && (r2 & 1)) {
            CHECK_EQ(ftc_list_get_borrowed(l, i, &out), 0);
            CHECK_EQ(decode_late(out, SLOT_BASE, r2 >> 8), i); /* before the next tick */
        } else if (n > 0) {
            CHECK_EQ(ftc_list_get_ref(l, i, &out), 0);
            CHECK_EQ(decode(out, SLOT_BASE), i);
            ftc_decref(out);
        }
    } else if (r < 92) {
        for (int j = 0; j < 64; j++) /* grow: the array is replaced */
            l_append(l, gen);
    } else if (r < 98) {
        for (int j = 0; j < 64; j++) /* shrink: the array is replaced */
            l_pop(l);
    } else {
        CHECK_EQ(ftc_list_clear(l), 0);
    }
}

static ftc_object *l_create_fill(uint64_t *rng, uint32_t *gen)
{
    ftc_object *l = ftc_list_new();
    CHECK(l != NULL);
    int n = (int)(ftc_check_rand(rng) % 96);
    for (int j = 0; j < n; j++) {
        l_append(l, gen);
        if (j % 5 == 0) { /* replaced while private */
            ftc_object *v = mk_int(next_val(SLOT_BASE + j, gen));
            CHECK_EQ(ftc_list_set(l, j, v), 0);
            ftc_decref(v);
        }
        if (j % 7 == 3) { /* popped and re-appended while private */
            l_pop(l);
            l_append(l, gen);
        }
    }
    return l;
}

static void l_r_read(ftc_object *l, uint64_t *rng)
{
    uint64_t r = ftc_check_rand(rng);
    if ((r & 15) == 0) {
        int64_t n = ftc_list_len(l);
        CHECK(n >= 0 && n <= MAXLEN);
        return;
    }
    bool negative = (r & 16) != 0;
    int64_t i = negative ? -1 - pick(r >> 8, MAXLEN) : pick(r >> 8, MAXLEN);
    ftc_object *out = NULL;
    int rc = (r & 32) ? ftc_list_get_borrowed(l, i, &out) : ftc_list_get_ref(l, i, &out);
    CHECK(rc == 0 || rc == FTC_EINDEX);
    if (rc != 0)
        return;
    int64_t slot = (r & 32) ? decode_late(out, SLOT_BASE, r >> 40) /* before the next tick */
                            : decode(out, SLOT_BASE);
    if (negative) /* item len' + i for some length len' <= MAXLEN the list had */
        CHECK(slot >= 0 && slot - i <= MAXLEN);
    else
        CHECK_EQ(slot, i);
    if (!(r & 32))
        ftc_decref(out);
}

/* R's writes never change the length (W's pops check what they get against it): they replace
 * item i by a new value for slot i (the old one freed). Every state of the list between two
 * operations then holds slot i's value at index i, so every read must decode to its index. */
static void l_r_write(ftc_object *l, uint64_t *rng, uint32_t *gen)
{
    uint64_t r = ftc_check_rand(rng);
    int64_t n = ftc_list_len(l);
    CHECK(n >= 0);
    if (n == 0)
        return;
    int64_t i = pick(r >> 8, n);
    ftc_object *v = mk_int(next_val(SLOT_BASE + i, gen));
    int rc = ftc_list_set(l, i, v); /* W may have popped slot i meanwhile */
    CHECK(rc == 0 || rc == FTC_EINDEX);
    ftc_decref(v);
}

static const kind list_kind = {l_create_fill, l_w_op, l_r_read, l_r_write};

/* ---- the two threads ---- */

#ifdef FTC_GIL_DISABLED
static bool ctr_shared(ftc_object *c)
{
    return (ftc_atomic_load_acquire(&c->ob_flags) & FTC_OBF_CTR_SHARED) != 0;
}
#endif

/* Detached, spins (yielding the CPU now and then) until *p >= want. */
static void wait_detached(long *p, long want)
{
    ftc_tstate *ts = ftc_detach();
    for (unsigned spins = 0; ftc_atomic_load_acquire(p) < want; spins++)
        if (spins % 16 == 15)
            sched_yield();
    ftc_attach(ts);
}

static void writer(int idx, void *arg)
{
    share_ctx *cx = arg;
    uint64_t rng = 0x5DEECE66Dull * (uint64_t)(idx + 7);
    uint32_t gen = 0;
    for (long round = 1; round <= cx->rounds; round++) {
        int64_t live0 = ftc_object_live_count();
        ftc_object *c = cx->k->create_fill(&rng, &gen);
#ifdef FTC_GIL_DISABLED
        CHECK(!ctr_shared(c));
#endif
        ftc_incref(c); /* R's reference */
        /* R is watching the box by now (or about to): W's operations below overlap its
         * first read more often than if R had still to be woken up. */
        wait_detached(&cx->r_ready, round);
        long nops = (long)(ftc_check_rand(&rng) % 400);
        /* Every other round (on average) W pauses before operation `target` until R, having
         * seen W get there, is about to start its delay and first read: R's first access
         * then lands near that point however the threads are scheduled (a loaded machine
         * may otherwise run W's whole sequence before R gets a CPU). */
        long target =
            ftc_check_rand(&rng) % 2 ? (long)(ftc_check_rand(&rng) % (uint64_t)(nops + 1)) : -1;
        cx->nops = nops; /* R reads both after its acquire load of the box */
        cx->target = target;
        /* Relaxed (a hint for R): ordered before R's reads by the release store below. */
        ftc_atomic_store_relaxed(&cx->progress, 0L);
        /* Release: pairs with R's acquire load; R sees the filled container (and the words
         * above). */
        ftc_atomic_store_release(&cx->box, c);
        for (long j = 0; j <= nops; j++) {
            if (j == target)
                wait_detached(&cx->r_go, round);
            if (j == nops)
                break;
            cx->k->w_op(c, &rng, &gen);
            /* Relaxed: R only uses it as a hint (when to say go) and for statistics. */
            ftc_atomic_store_relaxed(&cx->progress, j + 1);
            if (j % 8 == 7)
                CHECK_EQ(ftc_eval_tick(), 0);
        }
        /* Release: pairs with R's acquire load in its read loop. */
        ftc_atomic_store_release(&cx->ops_done, round);
        wait_detached(&cx->r_done, round);
#ifdef FTC_GIL_DISABLED
        CHECK(ctr_shared(c)); /* R read it */
#endif
        ftc_decref(c);
        CHECK_EQ(ftc_eval_tick(), 0); /* merges the decrefs R queued to us */
        if (round % 3 == 0) {
            /* R wrote: the values it made are R's, and our dealloc of c queued them to R;
             * wait until R has ticked (merging them) before counting. */
            ftc_atomic_store_release(&cx->w_dropped, round); /* pairs with R's acquire load */
            wait_detached(&cx->r_merged, round);
        }
        CHECK_EQ(ftc_object_live_count(), live0);
    }
    /* Release: pairs with R's acquire load; R may exit now. */
    ftc_atomic_store_release(&cx->w_checked, 1L);
}

static void reader(int idx, void *arg)
{
    share_ctx *cx = arg;
    uint64_t rng = 0x2545F4914F6CDD1Dull * (uint64_t)(idx + 3);
    uint32_t gen = (uint32_t)M / 2; /* R's values: generations apart from W's (statistics) */
    for (long round = 1; round <= cx->rounds; round++) {
        /* Every third round R writes too (a third of its operations), from its first one on:
         * W's own reads, which skip the write window while the container is private, then
         * race the first writes of a thread that made it shared after W tested the flag. */
        bool writes = round % 3 == 0;
        ftc_object *c;
        /* Release: pairs with W's acquire load in wait_detached(). */
        ftc_atomic_store_release(&cx->r_ready, round);
        if (round % 2) {
            /* Attached, ticking (QSBR and, GIL build, the GIL move on). */
            for (unsigned spins = 0; (c = ftc_atomic_load_acquire(&cx->box)) == NULL; spins++) {
                CHECK_EQ(ftc_eval_tick(), 0);
                if (spins % 16 == 15)
                    sched_yield();
            }
        } else {
            ftc_tstate *ts = ftc_detach();
            for (unsigned spins = 0; (c = ftc_atomic_load_acquire(&cx->box)) == NULL; spins++)
                if (spins % 16 == 15)
                    sched_yield();
            ftc_attach(ts);
        }
        /* Relaxed: W stores the next container only after it sees this round's r_done
         * (release, below), which orders this store before that one. */
        ftc_atomic_store_relaxed(&cx->box, (ftc_object *)NULL);
        long target = cx->target;
        if (target >= 0) {
            /* Relaxed: W waits for r_go anyway; this only tells us it got there. */
            for (unsigned spins = 0; ftc_atomic_load_relaxed(&cx->progress) < target; spins++) {
                CHECK_EQ(ftc_eval_tick(), 0);
                if (spins % 16 == 15)
                    sched_yield();
            }
            ftc_atomic_store_release(&cx->r_go, round); /* pairs with W's acquire load */
        }
        uint64_t r = ftc_check_rand(&rng);
        uint64_t delay = (r >> 8) % ((uint64_t)1 << (r % 17));
        for (volatile uint64_t s = 0; s < delay; s++) {}
        /* Where in W's sequence our first read lands (statistics; relaxed: a hint). */
        long at = ftc_atomic_load_relaxed(&cx->progress), nops = cx->nops;
        int where = nops == 0 ? 4 : at == 0 ? 0 : at == nops ? 3 : at * 2 < nops ? 1 : 2;
        long n = 0;
        for (;;) {
            if (writes && ftc_check_rand(&rng) % 3 == 0) {
                cx->k->r_write(c, &rng, &gen);
                cx->writes++;
            } else {
                cx->k->r_read(c, &rng);
            }
#ifdef FTC_GIL_DISABLED
            if (n == 0)
                CHECK(ctr_shared(c)); /* our first operation returned: shared by then */
#endif
            n++;
            CHECK_EQ(ftc_eval_tick(), 0);
            if (n % 256 == 0)
                sched_yield(); /* a loaded machine: let W run rather than read in a loop */
            if (n >= MIN_READS && ftc_atomic_load_acquire(&cx->ops_done) >= round)
                break;
        }
        cx->landed[where]++;
        cx->reads += n;
        ftc_decref(c);
        /* Our decrefs of W's objects wait in our BRC outbox until our next tick or detach
         * (src/brc.c): this tick hands them to W's queue before we say done. */
        CHECK_EQ(ftc_eval_tick(), 0);
        /* Release: pairs with W's acquire load; our decrefs (and their queueing) come first. */
        ftc_atomic_store_release(&cx->r_done, round);
        if (writes) {
            /* Acquire: pairs with W's release store, made after its dealloc of c queued our
             * values to us (and set our merge bit, which the tick below therefore sees). */
            for (unsigned spins = 0; ftc_atomic_load_acquire(&cx->w_dropped) < round; spins++) {
                CHECK_EQ(ftc_eval_tick(), 0);
                if (spins % 16 == 15)
                    sched_yield();
            }
            CHECK_EQ(ftc_eval_tick(), 0);
            ftc_atomic_store_release(&cx->r_merged, round); /* pairs with W's acquire load */
        }
    }
    /* An exiting thread leaves the live count short of its own record's share until its
     * QSBR record is gone, which can take a grace period (src/object.c, record_destroy:
     * the record leaves the registry before its count is folded into the global one): stay
     * until W has checked the last round. */
    wait_detached(&cx->w_checked, 1);
}

static void run(const kind *k, const char *name)
{
    ftc_config cfg;
    ftc_config_init(&cfg);
    cfg.switch_interval = 0.0001; /* GIL build: interleave W and R often */
    CHECK_EQ(ftc_runtime_init(&cfg), 0);
    int64_t live0 = ftc_object_live_count();
    share_ctx cx = {.k = k, .rounds = ftc_check_scaled(1500)};
    ftc_check_run_threads2(1, writer, 1, reader, &cx, NULL);
    CHECK(cx.reads >= (long)MIN_READS * cx.rounds);
    CHECK_EQ(ftc_object_live_count(), live0);
    CHECK(cx.writes > 0);
    printf("%s: %ld rounds, %ld operations of R (%ld writes); R's first read landed before W's "
           "first operation in %ld rounds, in the first half of W's operations in %ld, the "
           "second half in %ld, after the last in %ld (W did none in %ld)\n",
           name, cx.rounds, cx.reads, cx.writes, cx.landed[0], cx.landed[1], cx.landed[2],
           cx.landed[3], cx.landed[4]);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

FTC_TEST(dict_private_to_shared_while_owner_writes) { run(&dict_kind, "dict"); }

FTC_TEST(list_private_to_shared_while_owner_writes) { run(&list_kind, "list"); }
