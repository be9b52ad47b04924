/* A Promela model of ftc_mutex's slow paths and hand-off (src/mutex.c, include/ftcore/mutex.h)
 * over the parking lot (src/parking_lot.c, src/internal/parking_lot.h). docs/model.md says how
 * to run it and how each part maps to the code; tests/model/run.sh runs it with spin.
 *
 * What is modelled. N threads (2 or 3) each loop forever: lock (untimed, or timed with a
 * timeout that may expire at any moment), a critical section, unlock. The lock byte `bits`
 * (FTC_MUTEX_LOCKED = 1, FTC_MUTEX_HAS_PARKED = 2) is changed only by single atomic steps, one
 * per CAS or store in the code, so every interleaving of the lock and unlock paths is explored.
 * The parking lot's bucket is a FIFO of the threads parked on the mutex; everything the code
 * does under the bucket's raw mutex is one atomic step here (park's check of the expected value
 * and enqueue, unpark's dequeue and callback, a timed-out waiter's removal of itself), which is
 * exactly what holding that lock guarantees. The one-shot semaphore of a parked waiter is
 * `posted[t]`, set by the unparker after it dropped the bucket lock (a separate step).
 * Time: "the waiter has waited over 1 ms" (entry->time_to_be_fair) is `fair[t]`, which a clock
 * process sets at some moment while t waits; a timed lock's deadline may pass at any moment.
 *
 * What is abstracted away: memory order (spin runs sequentially consistent interleavings; the
 * code's acquire/release pairs are argued in mutex.c and checked by TSan); the nogil build's
 * sched_yield spinning (it only re-reads the byte, which the loop here may do anyway); the
 * detach while parked (FTC_LOCK_DETACH: it happens after the enqueue and does not touch the
 * byte or the queue); hash collisions with other addresses (another address's waiters in the
 * same bucket are skipped by find()).
 *
 * Properties (see run.sh for how each is checked):
 *   - mutual exclusion: at most one thread in its critical section (assert below);
 *   - a handed-off waiter really owns the lock (the ftc_assert in ftc_mutex_lock_timed);
 *   - deadlock freedom: spin's invalid-end-state check (every process loops forever, so any
 *     state where none can move is a deadlock, e.g. everyone parked and nobody to unpark);
 *   - no lost wake-up (LTL `woken`, weak fairness): a parked untimed waiter is eventually woken
 *     (every unlock that can see it does wake it);
 *   - bounded barging (LTL `handoff`, weak fairness): an untimed waiter that is parked after
 *     its 1 ms (still queued: not already dequeued by an unlock that found it not yet due) is
 *     eventually given the lock (the next unlock that reaches it hands the lock over,
 *     so running threads cannot barge past it forever). Not claimed, and false in the model: that
 *     every lock call eventually succeeds. A thread that has not parked yet can lose every CAS
 *     and every park (FTC_PARK_AGAIN) to other threads that keep changing the byte; each loss is
 *     another thread's progress (the loop is lock-free, not wait-free), as in PyMutex.
 *
 * Mutants (compile-time switches; each must be caught):
 *   -DMUTANT_NO_HAS_PARKED  unpark_cb does not keep HAS_PARKED when more waiters remain: the next
 *                           unlock takes the fast path and the remaining waiters sleep forever;
 *   -DMUTANT_TIMEOUT_DROPS  a waiter whose timeout expired returns FTC_ETIMEDOUT without
 *                           checking whether an unparker already dequeued it (and perhaps
 *                           handed it the lock): the handed-off lock is then never unlocked.
 */

#ifndef N
#define N 3
#endif

#define LOCKED     1
#define HAS_PARKED 2
#define NONE       255

byte bits = 0;            /* ftc_mutex.bits */

/* The bucket's FIFO of parked waiters (struct bucket head..tail, only this address). */
byte q[N];
byte qlen = 0;

bool queued[N];           /* struct waiter.queued */
bool posted[N];           /* struct waiter.sema.posted */
bool handed_off[N];       /* struct mutex_entry.handed_off */
#ifdef LIVENESS
bool fair[N];             /* now > entry.time_to_be_fair */
bool waiting[N];          /* ghost: between the entry of the slow path and its return */
bool parked[N];           /* ghost: enqueued and not yet returned from the semaphore wait */
bool trying[N];           /* ghost: an untimed lock call in progress */
bool incs[N];             /* ghost: in the critical section */
#define GHOST(x) x
#else
#define GHOST(x) skip
#endif
byte ncs = 0;             /* ghost: threads in their critical sections */

/* enqueue(b, w) in parking_lot.c */
inline enqueue(t) {
    assert(!queued[t]);       /* a waiter is in its bucket's list at most once */
    q[qlen] = t; qlen++; queued[t] = 1
}

/* dequeue(b, w): remove t wherever it is in the FIFO, keeping the order of the others. */
inline dequeue(t) {
    i = 0;
    do
    :: i < qlen && q[i] != t -> i++
    :: else -> break
    od;
    assert(i < qlen);
    do
    :: i + 1 < qlen -> q[i] = q[i + 1]; i++
    :: else -> break
    od;
    qlen--; q[qlen] = 0; queued[t] = 0; i = 0  /* i reset: dead values would split states */
}

/* ftc_mutex_unlock (inline fast path) and ftc_mutex_unlock_slow, with
 * _ftc_parking_lot_unpark(&m->bits, unpark_cb, m). */
inline unlock() {
    ncs--; GHOST(incs[me] = 0);
    atomic {
        if
        :: bits == LOCKED -> bits = 0; goto unlocked     /* the fast path's CAS(LOCKED -> 0) */
        :: else -> skip
        fi
    }
    do
    :: atomic {
           assert(bits & LOCKED);          /* ftc_fatal("unlocking a mutex that is not locked") */
           if
           :: bits & HAS_PARKED ->
               /* _ftc_parking_lot_unpark: under the bucket lock, find the oldest waiter,
                * dequeue it, call unpark_cb(m, its entry, has_more), unlock the bucket. */
               if
               :: qlen > 0 ->
                   w = q[0]; dequeue(w);
#ifdef LIVENESS
                   handed_off[w] = fair[w];             /* entry->handed_off = fair */
#else
                   /* Safety runs: the waiter may or may not have waited 1 ms (any time). */
                   if
                   :: handed_off[w] = 1
                   :: handed_off[w] = 0
                   fi;
#endif
#ifdef MUTANT_NO_HAS_PARKED
                   bits = (handed_off[w] -> LOCKED : 0);
#else
                   bits = (handed_off[w] -> LOCKED : 0) | (qlen > 0 -> HAS_PARKED : 0);
#endif
               :: else -> w = NONE; bits = 0           /* no waiter left (they timed out) */
               fi;
               break
           :: else ->
               bits = 0; w = NONE; break               /* CAS(v -> 0) */
           fi
       }
    od;
    /* After the bucket lock is dropped: _ftc_sema_post(&w->sema). */
    if
    :: w != NONE -> posted[w] = 1; w = NONE
    :: else -> skip
    fi;
unlocked:
       v = 0; want = 0;                                /* dead from here: reset (fewer states) */
    skip
}

proctype thread(byte me) {
    byte v, want, i, w = NONE;
    bool timed;

    do
    :: /* ftc_mutex_lock (timed = 0) or ftc_mutex_lock_timed with a finite timeout. */
       /* Threads 0 .. N-2 lock without a timeout; thread N-1 may use either (one thread with
        * timeouts suffices for every interleaving of a timed waiter with the others, and keeps
        * the 3-thread state space small enough to search exhaustively). */
       if
       :: timed = 0; GHOST(trying[me] = 1)
       :: me == N - 1 -> timed = 1
       fi;
       atomic {
           if
           :: bits == 0 -> bits = LOCKED; goto locked  /* the inline fast path CAS(0 -> LOCKED) */
           :: else -> skip
           fi
       }
       GHOST(waiting[me] = 1; fair[me] = 0);
       v = bits;                                       /* v = load_relaxed(&m->bits) */
slow:
       /* The slow path's loop (ftc_mutex_lock_timed). */
       if
       :: !(v & LOCKED) ->
           atomic {                                    /* CAS(v -> v | LOCKED) */
               if
               :: bits == v -> bits = v | LOCKED; goto locked
               :: else -> v = bits; goto slow
               fi
           }
       :: else -> skip
       fi;
       want = v | HAS_PARKED;
       if
       :: !(v & HAS_PARKED) ->
           atomic {                                    /* CAS(v -> want) */
               if
               :: bits == v -> bits = want
               :: else -> v = bits; goto slow
               fi
           }
       :: else -> skip
       fi;
       if
       :: timed -> goto timedout                       /* deadline passed before parking */
       :: true -> skip
       fi;
       /* _ftc_parking_lot_park(&m->bits, &want, 1, left, &entry, detach) */
       atomic {
           if
           :: bits != want -> v = bits; goto slow      /* FTC_PARK_AGAIN (reloads v) */
           :: else -> handed_off[me] = 0; posted[me] = 0; enqueue(me); GHOST(parked[me] = 1)
           fi
       }
       /* _ftc_sema_wait(&w.sema, timeout_ns) */
       if
       :: posted[me] -> skip
       :: timed ->                                     /* the timeout expired */
#ifdef MUTANT_TIMEOUT_DROPS
           atomic { if :: queued[me] -> dequeue(me) :: else -> skip fi };
           GHOST(parked[me] = 0);
           goto timedout;
#else
           atomic {
               if
               :: queued[me] -> dequeue(me); GHOST(parked[me] = 0); goto timedout  /* FTC_PARK_TIMEOUT */
               :: else -> skip      /* dequeued by an unparker: its post is coming */
               fi
           }
           posted[me]                                  /* _ftc_sema_wait(&w.sema, -1) */
#endif
       fi;
       GHOST(parked[me] = 0);
       /* FTC_PARK_OK */
       /* (posted and handed_off belong to the waiter's frame, which the next park makes anew:
        * cleared here so that dead values do not split states.) */
       atomic {
           if
           :: handed_off[me] ->
               assert(bits & LOCKED);                  /* ftc_assert: the lock was handed to us */
               handed_off[me] = 0; posted[me] = 0; goto locked
           :: else -> posted[me] = 0; v = bits; goto slow  /* woken to compete again */
           fi
       }
timedout:
       v = 0; want = 0;
       GHOST(waiting[me] = 0);
       goto done;
locked:
       v = 0; want = 0;                                /* dead from here: reset (fewer states) */
       GHOST(waiting[me] = 0); GHOST(trying[me] = 0);
       ncs++; GHOST(incs[me] = 1);
       assert(ncs == 1);                               /* mutual exclusion */
       unlock();
done:
       skip
    od
}

#ifdef LIVENESS
/* The monotonic clock: some time after t started waiting, it has waited over 1 ms. */
proctype clock(byte t) {
    do
    :: atomic { waiting[t] && !fair[t] -> fair[t] = 1 }
    od
}
#endif

init {
    byte t;
    atomic {
        t = 0;
        do
        :: t < N -> run thread(t); GHOST(run clock(t)); t++
        :: else -> break
        od;
        run monitor()
    }
}

/* HAS_PARKED is set whenever a thread is queued (mutex.c's essay): checked in every state,
 * since this single assert may run at any point of any interleaving. */
proctype monitor() {
    assert(qlen == 0 || (bits & HAS_PARKED))
}

#ifdef LIVENESS
/* LTL properties, checked one at a time (pan -N name) under weak fairness (pan -f). Thread 0
 * stands for any thread: the threads are symmetric. */
ltl woken { [] (parked[0] -> <> !parked[0]) }
ltl handoff { [] ((trying[0] && queued[0] && fair[0]) -> <> incs[0]) }
#endif
