/* A Promela model of the GIL's hand-off (src/gil.c, with the tick in src/eval.c and attach /
 * detach in src/tstate.c). docs/model.md says how to run it and how each part maps to the code;
 * tests/model/run.sh runs it with spin.
 *
 * What is modelled. N threads (2 or 3) each loop forever: take the GIL (_ftc_gil_take), hold it
 * for one or more eval-breaker ticks (ftc_eval_tick), and give it up either because a tick saw
 * FTC_EB_GIL_DROP_REQUEST (the forced drop of _ftc_eval_tick_slow, then a compute take) or by a
 * voluntary detach (a blocking call: then a priority take if the detach was long, a compute take
 * if it was shorter than GIL_IO_MIN_DETACHED_S). Everything the code does under gil->mutex is one
 * atomic step here: _ftc_gil_take's fast path and enqueue, one pass of wait_for_gil's loop,
 * release() with grant(). That is exactly what holding the mutex guarantees. The state of
 * struct ftc_gil and of each _ftc_gil_waiter is kept field by field (the names are the code's),
 * except the counters the code only compares (see `cswitched`) and the statistics.
 *
 * Time. The unit of time is one tick of the holder; time passes only while a thread holds the
 * GIL and ticks, and every holding lasts at least one tick. The switch interval is S ticks
 * (default 1). A waiter's timers count ticks: `tnext` ticks to its `next` checkpoint, `wt` ticks
 * since it began waiting (`now - w.since`). So a free GIL makes no time pass: a waiter left
 * asleep on a free GIL would wait forever, which makes a lost wake-up visible to the liveness
 * check instead of being hidden by the 5 ms timeout that would end it in the code.
 *
 * What is abstracted away, with the reason:
 *   - memory order (spin runs sequentially consistent interleavings): the GIL's fields are all
 *     under gil->mutex; `granted` (release/acquire) and the eval-breaker bit (seq_cst fetch_or,
 *     relaxed tick load) are argued in gil.c and eval.c and checked by TSan;
 *   - spin_wait: a spinning waiter has released the mutex and re-takes it after the GIL was
 *     granted or freed, or after GIL_SPIN_S: any moment. That is what an awake waiter that has
 *     not yet re-taken the mutex does here, so a spin is "stay awake and go round again";
 *   - the I/O grace (io_grace_ns): the default 0, so a priority waiter asks at once;
 *   - the statistics, last_holder and switch_number (only counted, never decide anything),
 *     forced_pending (statistics only);
 *   - enabled / disabled (the nogil build's switch happens with the world stopped), fork.
 *
 * Properties (see run.sh for how each is checked):
 *   - mutual exclusion: at most one thread holds the GIL, and it is `holder` (assert at take);
 *   - a granted waiter is the holder; `requester` is always a queued waiter and non-NONE only
 *     while the GIL is locked, with the holder's drop bit set; a drop bit is set only on the
 *     holder (a request is never lost or misdirected; gil.c's essay): `monitor` asserts these
 *     in every state;
 *   - no idle GIL (no lost wake-up, safety form): whenever the GIL is free and a thread waits,
 *     some waiter allowed to take the free GIL is awake (monitor);
 *   - deadlock freedom: spin's invalid-end-state check (the threads loop forever, so a state
 *     where none can move, e.g. everyone asleep on a free GIL, is a deadlock);
 *   - a pending drop request is honoured at the holder's first tick after it was made
 *     (assert `rq_ticks <= 1` at every tick);
 *   - bounded wait (-DPROMPT runs): a thread that starts waiting holds the GIL before the
 *     holders have ticked more than BOUND = N * S + 1 times (assert `bw <= BOUND` at every
 *     tick), assuming that a woken waiter runs its pass before the holder's next tick (PROMPT
 *     makes a tick wait until every waiter sleeps: without it a waiter kept off the CPU can
 *     be passed over for any number of ticks, which measures the scheduler, not the protocol).
 *     The bound is exact: MUTANT_TIGHTER_BOUND (BOUND - 1) is caught (with 2 and 3 threads);
 *   - no lost wake-up (LTL `served`, weak fairness): a waiting thread eventually holds the GIL.
 *     The other threads may stay detached forever, so nothing but the protocol wakes it. With
 *     3 threads it holds only with PROMPT added: under weak fairness alone an urgent waiter
 *     that the scheduler runs only while another urgent waiter is the requester is refused
 *     forever (docs/model.md, "Three threads").
 *
 * Size. Every check runs with 2 and 3 threads in CI (3-thread safety: about 207 000 states).
 * What keeps it small, all exhaustive (docs/model.md has the figures at each step): the
 * invariants are asserted inside the steps, not by a monitor process; a thread's steps that
 * touch only its own data are folded into the step they follow (each place says why that is
 * the code's behaviour); dead fields and scratch locals are reset to 0 (spin's own
 * dead-variable reduction also resets to 0, so any other reset value splits states).
 *
 * Mutants (compile-time switches; each must be caught):
 *   -DMUTANT_NO_HONOUR   the tick does not honour the drop request (ignores the bit): breaks
 *                        the request bound, bounded wait and `served`;
 *   -DMUTANT_NO_HANDOFF  release() frees the GIL and wakes the best waiter instead of granting
 *                        it to the requester: the dropper takes it back at once (a compute take
 *                        of a free GIL), so a waiter can lose every time: breaks bounded wait
 *                        and `served`;
 *   -DMUTANT_NO_WAKE     release() of a GIL nobody asked for does not wake a waiter: breaks
 *                        the no-idle-GIL invariant, deadlock freedom and `served`;
 *   -DMUTANT_TIGHTER_BOUND  BOUND - 1: must fail, so BOUND is exact, not just large enough.
 */

#ifndef N
#define N 3
#endif
#ifndef S
#define S 1 /* the switch interval, in ticks */
#endif

/* The bound on a wait in ticks: a compute waiter is urgent once it has waited
 * (compute waiters + 1) intervals, at most N intervals, and an urgent request is honoured at
 * the next tick (docs/model.md). Found exact by the checks for N = 2 and 3 (S = 1). */
#ifndef BOUND_EXACT
#define BOUND_EXACT (N * S + 1)
#endif
#ifdef MUTANT_TIGHTER_BOUND
#define BOUND (BOUND_EXACT - 1)
#else
#define BOUND BOUND_EXACT
#endif

#define NONE 255

/* Replaying a counterexample (spin -t) prints these; the verifier does not. */
#define TR(x) printf x

/* ---- struct ftc_gil (src/internal/state.h), all under gil->mutex ---- */
bool locked;               /* gil->locked */
byte holder = NONE;        /* gil->holder */
bool holder_prio;          /* gil->holder_prio */
byte last_compute = NONE;  /* gil->last_compute */
byte requester = NONE;     /* gil->requester */
byte q[N];                 /* gil->first .. gil->last: the waiters, oldest first */
byte nq;                   /* gil->waiters */
byte nprio;                /* gil->prio_waiters */

/* ---- each thread's _ftc_gil_waiter (valid while queued) and tstate ---- */
bool queued[N];            /* linked in the queue */
bool wprio[N];             /* w.prio */
bool urgent[N];            /* w.urgent */
bool asking[N];            /* w.asking */
bool granted[N];           /* w.granted */
bool cswitched[N];         /* gil->compute_switch_number != saved (wait_for_gil's `saved`) */
bool asleep[N];            /* in pthread_cond_timedwait(&w.cond, ...), not yet signalled */
byte tnext[N];             /* ticks until w's `next` (the next compute checkpoint) */
byte wt[N];                /* ticks since w.since (waited time), capped at N * S */
bool eb[N];                /* FTC_EB_GIL_DROP_REQUEST in ts->head.eval_breaker */

/* ---- ghosts ---- */
byte nholding;             /* threads with ts->holds_gil set */
byte rq_ticks;             /* ticks made while the current request was pending */
byte bw[N];                /* the ticks a waiter has waited, as the bound counts them */
#ifdef LIVENESS
bool waiting[N];           /* inside _ftc_gil_take, not yet holding */
#endif

/* t sleeps in pthread_cond_timedwait: not signalled, its deadline not reached */
#define ASLEEP(t) (asleep[t] && tnext[t] > 0)
/* No queued waiter is awake (for N <= 3) */
#define AWAKE(t) (queued[t] && !ASLEEP(t))
#define QUIET (!AWAKE(0) && !AWAKE(1) && !AWAKE(N - 1))
#define RANK(t) (urgent[t] -> 2 : (wprio[t] -> 1 : 0))   /* rank(w) */
#ifdef PROMPT
#define TICK_OK QUIET
#else
#define TICK_OK true
#endif
/* may_take_free(gil, prio, urgent) */
#define MAY_TAKE_FREE(p, u) ((p) || (u) || nprio == 0)

/* pthread_cond_signal(&w->cond): wakes t if it sleeps. A signal to a waiter that is not asleep
 * is lost, as with a condition variable; the waiter re-checks under the mutex before sleeping. */
inline signal(t) { asleep[t] = 0 }

/* enqueue(gil, w) */
inline enqueue(t) {
    assert(!queued[t]);
    q[nq] = t; nq++; queued[t] = 1; nprio = nprio + wprio[t]
}

/* unlink_waiter(gil, w): remove t, keeping the order of the others; clears `requester` if t. */
inline unlink(t) {
    i = 0;
    do
    :: i < nq && q[i] != t -> i++
    :: else -> break
    od;
    assert(i < nq);
    do
    :: i + 1 < nq -> q[i] = q[i + 1]; i++
    :: else -> break
    od;
    nq--; q[nq] = 0; queued[t] = 0; nprio = nprio - wprio[t]; i = 0;
    if
    :: requester == t -> requester = NONE; rq_ticks = 0
    :: else -> skip
    fi
}

/* best_waiter(gil) into res: the oldest urgent waiter, else the oldest priority one, else the
 * oldest (NONE if the queue is empty). */
inline best_waiter(res) {
    res = NONE; i = 0;
    do
    :: i < nq && urgent[q[i]] -> res = q[i]; break
    :: i < nq && !urgent[q[i]] ->
        if
        :: wprio[q[i]] && res == NONE -> res = q[i]
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
    if
    :: res == NONE && nq > 0 -> res = q[0]
    :: else -> skip
    fi;
    i = 0
}

/* become_holder(gil, ts, prio): a compute take by a thread other than last_compute starts a new
 * compute turn (compute_switch_number++, every waiter's `asking` cleared). */
inline become_holder(t, p) {
    holder_prio = p;
    if
    :: !p && last_compute != t ->
        last_compute = t;
        i = 0;
        do
        :: i < nq -> asking[q[i]] = 0; cswitched[q[i]] = 1; i++
        :: else -> break
        od;
        i = 0
    :: else -> skip
    fi;
    locked = 1;
    holder = t
}

/* grant(gil, w): the GIL, still locked, goes to w; then the highest-ranked waiter that wants to
 * ask (the oldest of that rank) is woken to ask the new holder. */
inline grant(w) {
    unlink(w);
    become_holder(w, wprio[w]);
    granted[w] = 1;
    signal(w);
    nx = NONE; i = 0;
    do
    :: i < nq ->
        if
        :: (wprio[q[i]] || urgent[q[i]] || asking[q[i]]) &&
           (nx == NONE || RANK(q[i]) > RANK(nx)) -> nx = q[i]
        :: else -> skip
        fi;
        i++
    :: else -> break
    od;
    i = 0;
    if
    :: nx != NONE -> signal(nx)
    :: else -> skip
    fi;
    nx = 0
}

/* request(gil, w) into asked: w becomes the requester unless a request of its rank or higher is
 * pending, and sets the drop bit on the holder. */
inline request(w) {
    if
    :: requester == w || (requester != NONE && RANK(requester) >= RANK(w)) -> asked = 0
    :: else ->
        requester = w; rq_ticks = 0;
        eb[holder] = 1;            /* _ftc_eval_breaker_set(gil->holder, DROP_REQUEST) */
        asked = 1
    fi
}

/* compute_checkpoint(gil, w, saved, now) into asked */
inline compute_checkpoint(w) {
    if
    :: !urgent[w] && wt[w] >= (nq - nprio + 1) * S -> urgent[w] = 1   /* past the fair wait */
    :: else -> skip
    fi;
    if
    :: !urgent[w] && cswitched[w] -> asked = 0   /* another compute thread had its turn */
    :: else ->
        asking[w] = 1;
        if
        :: requester == w -> eb[holder] = 1; asked = 0   /* still pending: set the bit again */
        :: else -> request(w)
        fi
    fi
}

/* release(gil, ts, requested), with the read of the bit in _ftc_gil_drop (the caller is in an
 * atomic step: the code does this under gil->mutex): the holder clears its own drop bit, then
 * grants the GIL to the requester (or, on a requested drop with no requester, to the best
 * waiter), else frees it and wakes the best waiter. */
inline release() {
    nholding--;                                   /* ts->holds_gil = 0 */
    assert(locked && holder == me);               /* ftc_fatal if not the holder */
    /* _ftc_gil_drop: requested = the bit. The code reads it before taking the mutex; here
     * it is read in the release's step. The same: only the holder clears its bit, so a bit
     * read as 1 is still 1; a bit that a request sets between the read and the mutex comes
     * with a requester, which the release grants to whatever `requested` says (requested
     * only chooses the best_waiter fallback, for a requested drop with no requester, which
     * the assert below shows never runs). */
    requested = eb[me];
    eb[me] = 0;                                   /* _ftc_eval_breaker_clear */
    /* A requested drop always has a requester: the bit is set only with `requester`, which
     * stays set (or is replaced) until this release. So the best_waiter fallback of the
     * code never runs; asserted here. */
    assert(!requested || requester != NONE);
#ifdef MUTANT_NO_HANDOFF
    requester = NONE; rq_ticks = 0; requested = 0;
#endif
    g = requester;
    TR(("T%d releases (requested %d, requester %d)\n", me, requested, g));
    if
    :: g == NONE && requested -> best_waiter(g)
    :: else -> skip
    fi;
    if
    :: g != NONE -> grant(g)
    :: else ->
        locked = 0; holder = NONE;
#ifndef MUTANT_NO_WAKE
        if
        :: nq > 0 -> best_waiter(g); signal(g)
        :: else -> skip
        fi
#endif
    fi;
    requested = 0; g = 0
}

/* One pass of wait_for_gil's loop (the caller holds the mutex: it is in an atomic step). */
inline pass() {
    asleep[me] = 0;
    if
    :: granted[me] -> TR(("T%d: granted\n", me)); took = 1  /* the release granted it to us */
    :: !granted[me] && !locked && MAY_TAKE_FREE(wprio[me], urgent[me]) ->
        TR(("T%d takes the free GIL after waiting\n", me));
        unlink(me); become_holder(me, wprio[me]); took = 1
    :: else -> pass_on()
    fi
}

/* The rest of a pass that did not get the GIL. */
inline pass_on() {
    asked = 0;
    if
    :: locked ->
        /* priority (grace 0), urgent and asking waiters ask when no request of their
         * rank is pending */
        if
        :: urgent[me] || asking[me] || wprio[me] -> request(me)
        :: else -> skip
        fi;
        if
        :: !asked && !wprio[me] && tnext[me] == 0 -> compute_checkpoint(me)
        :: else -> skip
        fi
    :: else -> skip
    fi;
    if
    :: tnext[me] == 0 -> cswitched[me] = 0; tnext[me] = S  /* saved = ..., next = now + S */
    :: else -> skip
    fi;
    if
    :: asked -> asked = 0                     /* spin_wait(gil, &w, 0), then again */
    :: !asked && !spun && holder_prio && MAY_TAKE_FREE(wprio[me], urgent[me]) ->
        spun = 1                              /* spin_wait(gil, &w, 1), then again */
    :: else -> asleep[me] = 1                 /* pthread_cond_timedwait until `next` */
    fi;
    TR(("T%d pass: requester %d urgent %d asking %d wt %d bw %d asleep %d\n", me, requester,
        urgent[me], asking[me], wt[me], bw[me], asleep[me]))
}

/* After a pass that got the GIL, still in the same atomic step. wait_for_gil returns, its
 * frame is gone (cond destroyed): the waiter's fields are reset (dead values would split
 * states; nobody reads them: the waiter is unlinked, and a grant's signal was sent before).
 * Then _ftc_gil_take drops the mutex and sets ts->holds_gil. That store is a separate step in
 * the code, but a local one nobody else reads (nholding is a ghost): every interleaving with
 * other threads' steps before it is the same as with them after it, before the first tick. */
inline got() {
    granted[me] = 0; wprio[me] = 0; urgent[me] = 0; asking[me] = 0; cswitched[me] = 0;
    tnext[me] = 0; wt[me] = 0; bw[me] = 0; spun = 0; took = 0;
#ifdef LIVENESS
    waiting[me] = 0;
#endif
    start_holding()
}

/* ts->holds_gil = 1 (mutual exclusion is asserted here) */
inline start_holding() {
    nholding++;
    assert(nholding == 1 && locked && holder == me)
}

/* The invariants of gil.c's essay, asserted at the end of every step that changes the shared
 * state (inside the step's atomic sequence). The shared state changes only in those steps (the
 * threads' other steps, if any, touch only their own locals), so this checks every reachable
 * state, as a monitor process asserting them at any moment would, without the monitor's
 * copy of every state (one before and one after it ran). Uses t and k, left 0. */
inline invariants() {
    /* the holder */
    assert(locked == (holder != NONE));
    /* requester: queued, only while locked, with the holder's bit set */
    assert(requester == NONE || (locked && queued[requester] && eb[holder]));
    /* a drop bit is set only on the holder */
    t = 0;
    do
    :: t < N -> assert(!eb[t] || holder == t); assert(!granted[t] || holder == t); t++
    :: else -> break
    od;
    /* no idle GIL: a free GIL with waiters has an awake waiter that may take it */
    if
    :: !locked && nq > 0 ->
        k = 0; t = 0;
        do
        :: t < nq ->
            if
            :: !ASLEEP(q[t]) && MAY_TAKE_FREE(wprio[q[t]], urgent[q[t]]) -> k = 1
            :: else -> skip
            fi;
            t++
        :: else -> break
        od;
        assert(k)
    :: else -> skip
    fi;
    t = 0; k = 0
}

proctype thread(byte me) {
    /* Scratch locals (i, nx, g, t, k, asked, requested) are 0 between steps: spin's dead-variable
     * reduction also sets a dead local to 0, and any other value would split states. */
    byte i, nx, g, t, k;
    bool prio, asked, spun, took, ticked, forced, requested;

    /* A new thread's first take: gil_drop_time == 0, a priority take; or a compute take. */
    if
    :: prio = 1
    :: prio = 0
    fi;
take:
    /* _ftc_gil_take(gil, ts) */
    atomic {
        if
        :: !locked && MAY_TAKE_FREE(prio, 0) ->
            TR(("T%d takes the free GIL (prio %d)\n", me, prio));
            become_holder(me, prio); prio = 0; start_holding()
        :: else ->
            /* wait_for_gil: the waiter on the stack, enqueued, saved = compute_switch_number,
             * next = since + interval. */
            wprio[me] = prio; prio = 0;
            tnext[me] = S; wt[me] = 0; bw[me] = 0;
            enqueue(me);
            TR(("T%d waits (prio %d)\n", me, wprio[me]));
            spun = 0;                   /* gil->spin: a machine with more than one CPU */
#ifdef LIVENESS
            waiting[me] = 1;
#endif
            /* wait_for_gil's first pass runs under the same hold of the mutex as the
             * enqueue: a priority waiter has asked before anyone else can run. */
            pass();
            if
            :: took -> got()
            :: else -> skip
            fi
        fi;
        invariants();
        if
        :: holder == me -> goto holding
        :: else -> goto wait
        fi
    }
wait:
    /* One pass of wait_for_gil's loop, under the mutex. It starts when the waiter is awake:
     * signalled, or its deadline (`next`) reached; with -DSPURIOUS also at any other moment
     * (a spurious wake-up, which POSIX allows). */
    atomic {
#ifdef SPURIOUS
        /* any time: a spurious wake-up */
#else
        (!asleep[me] || tnext[me] == 0);
#endif
        pass();
        if
        :: took -> got(); invariants(); goto holding
        :: else -> invariants(); goto wait
        fi
    }
holding:
    /* Holding the GIL: ticks, then a drop (forced by a tick that saw the bit, or voluntary
     * after at least one tick). `forced` and `ticked` are reset by the drop. */
    do
    :: atomic {
           /* ftc_eval_tick(): one unit of time passes, then the holder reads its eval breaker
            * (relaxed load; the tick's slow path only runs if a bit is set). */
           /* PROMPT, the bound's timing assumption: a woken waiter runs its pass before the
            * holder's next tick (see the bounded-wait property above). One guard: a guard
            * further in would let the atomic sequence block half-way. */
           !forced && TICK_OK ->
           i = 0;
           do
           :: i < N ->
               if
               :: queued[i] ->
                   if
                   :: wt[i] < N * S -> wt[i]++   /* capped: urgency needs at most N intervals */
                   :: else -> skip
                   fi;
                   if
                   :: tnext[i] > 0 -> tnext[i]--
                   :: else -> skip
                   fi;
#ifdef PROMPT
                   bw[i]++; assert(bw[i] <= BOUND);             /* bounded wait */
#endif
                   skip
               :: else -> skip
               fi;
               i++
           :: else -> break
           od;
           i = 0;
           if
           :: requester != NONE -> rq_ticks++; assert(rq_ticks <= 1)  /* request honoured */
           :: else -> skip
           fi;
           ticked = 1;
           /* _ftc_eval_tick_slow on FTC_EB_GIL_DROP_REQUEST: holds_gil, so ts->gil_compute = 1;
            * ftc_detach(); ftc_attach(ts): the drop (next step), then a compute take. The
            * decision is taken on the value this tick read; the holder's steps up to the drop
            * only read its own bit, which nobody but the holder clears. */
#ifndef MUTANT_NO_HONOUR
           forced = eb[me];
#endif
           TR(("T%d ticks: bit %d, bw %d %d %d\n", me, eb[me], bw[0], bw[1], bw[N-1]));
           invariants()
       }
    :: atomic {
           /* The drop: forced (after a tick that saw the bit), or a voluntary detach (a
            * blocking call: ftc_detach() -> _ftc_gil_drop) after at least one tick. */
           (forced || ticked) ->
           release();
           ticked = 0;
           invariants();
           if
           :: forced -> forced = 0; prio = 0   /* gil_compute: a compute take */
           :: else ->
               /* Detached. The thread may stay blocked forever; when it attaches again the
                * take is a priority take after a long detach, a compute take after one
                * shorter than GIL_IO_MIN_DETACHED_S. */
               if
#ifdef LIVENESS
               :: goto end_blocked
#endif
               :: prio = 1
               :: prio = 0
               fi
           fi;
           goto take
       }
    od;
#ifdef LIVENESS
end_blocked:
    false              /* detached for good: blocked in I/O, or the thread ended */
#endif
}

#ifdef MONITOR
/* The same invariants asserted by a separate process at one arbitrary moment (the form of the
 * check before it was moved into the steps; -DMONITOR cross-checks that form, N = 2). */
proctype monitor() {
    byte t, k;
    atomic { invariants() }
}
#endif

init {
    byte t;
    atomic {
        t = 0;
        do
        :: t < N -> run thread(t); t++
        :: else -> break
        od;
#ifdef MONITOR
        run monitor()
#endif
    }
}

#ifdef LIVENESS
/* Checked under weak fairness (pan -a -f). Thread 0 stands for any thread: they are symmetric. */
ltl served { [] (waiting[0] -> <> !waiting[0]) }
#endif
