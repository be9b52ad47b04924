/* Seqlock: writers serialize on an ftc_mutex (so they park, not spin) and keep the sequence odd
 * while they write; readers never write shared memory.
 *
 * Reader protocol: s = read_begin() (an even sequence, acquire); read the data with relaxed
 * atomic loads; read_end(s) issues an acquire fence and checks the sequence is still s. If it
 * is, no writer started between the two reads of the sequence, so the data read is a snapshot
 * of one moment (the classic argument: the writer's first increment is a relaxed RMW followed
 * by a release fence, so a reader that saw any data store of this write also sees the odd
 * sequence after its acquire fence; the writer's final increment is a release, so a reader that
 * saw the new even sequence sees all its data).
 *
 * A reader that finds the sequence odd spins briefly, then waits for the writer by locking and
 * unlocking the writers' mutex: it parks until the writer is done, instead of burning a core
 * while the writer may be descheduled (this machine has 2 cores and more threads).
 */
#include "internal/parking_lot.h"

#include <sched.h>

void ftc_seqlock_write_begin(ftc_seqlock *sl)
{
    ftc_mutex_lock(&sl->writer);
    /* relaxed RMW + release fence: the odd value is ordered before every data store that
     * follows (pairs with the reader's acquire fence in ftc_seqlock_read_end). */
    ftc_atomic_fetch_add_relaxed(&sl->seq, 1u);
    ftc_atomic_fence_release();
}

void ftc_seqlock_write_end(ftc_seqlock *sl)
{
    uint32_t s = ftc_atomic_load_relaxed(&sl->seq);
    if (!(s & 1) || !ftc_mutex_is_locked(&sl->writer))
        ftc_fatal("ending a seqlock write that was not begun (%p)", (void *)sl);
    /* release: the data stores happen before the even value (pairs with read_begin's acquire). */
    ftc_atomic_store_release(&sl->seq, s + 1);
    ftc_mutex_unlock(&sl->writer);
}

uint32_t ftc_seqlock_read_begin(ftc_seqlock *sl)
{
    for (int spins = 0;; spins++) {
        /* acquire: pairs with the release store of write_end. */
        uint32_t s = ftc_atomic_load_acquire(&sl->seq);
        if (!(s & 1))
            return s;
        if (spins < 20) {
            ftc_cpu_relax();
        } else {
            /* Wait for the writer: it holds the mutex until its write ends. */
            ftc_mutex_lock(&sl->writer);
            ftc_mutex_unlock(&sl->writer);
        }
    }
}

bool ftc_seqlock_read_end(ftc_seqlock *sl, uint32_t seq)
{
    /* acquire fence: orders the data loads before the re-read of the sequence (pairs with the
     * writer's release fence in write_begin). */
    ftc_atomic_fence_acquire();
    return ftc_atomic_load_relaxed(&sl->seq) == seq;
}
