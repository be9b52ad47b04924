/** @file
 * ftcore atomics: memory order in the name.
 *
 * Every shared-memory access in ftcore that is not protected by a lock goes through these
 * macros, so that the order each access needs is visible where it is written (mimalloc's rule:
 * "explicitly named memory order operations instead of passing the memory order as a
 * parameter"). Unsuffixed operations are sequentially consistent.
 *
 * They expand to the compiler's __atomic builtins, which is exactly what GCC's and Clang's
 * <stdatomic.h> expand to for C11 atomics. Using the builtins directly, rather than the
 * <stdatomic.h> generic functions, has three reasons:
 *   1. they are type-generic over plain integer and pointer fields of 8, 16, 32 and 64 bits,
 *      so a field that is atomic in the nogil build and plain in the GIL build (the "ft"
 *      wrappers below) keeps one declaration; Clang rejects <stdatomic.h> operations on
 *      non-_Atomic objects;
 *   2. the public headers that use them (inline fast paths of incref, mutex, eval tick) must
 *      also compile as C++, where <stdatomic.h> is not available before C++23;
 *   3. ThreadSanitizer instruments them exactly like C11 atomics (it sees C11 atomics but not
 *      Concurrency Kit's inline-assembly ck_pr, so ck stays out of the core:
 *      docs/architecture.md, "Sanitizers").
 *
 * Naming: ftc_atomic_<op>[_<order>](ptr, ...), order one of relaxed, acquire, release, acq_rel;
 * none means seq_cst. CAS takes a pointer to the expected value, updates it on failure, and
 * returns true on success (C11 compare_exchange_strong semantics); _weak variants may fail
 * spuriously and belong in loops. A weaker-than-seq_cst use must say in a comment what it pairs
 * with (docs/architecture.md, "Conventions").
 */
#ifndef FTCORE_ATOMIC_H
#define FTCORE_ATOMIC_H

#include <ftcore/config.h>

#if !defined(__GNUC__) && !defined(__clang__)
#error "ftcore's atomics need GCC or Clang __atomic builtins"
#endif

/** @name Loads
 * @{ */
/** Loads *p atomically and returns it; the suffix names the memory order (none: seq_cst). */
#define ftc_atomic_load(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#define ftc_atomic_load_relaxed(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define ftc_atomic_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
/** @} */

/** @name Stores
 * @{ */
/** Stores v into *p atomically; the suffix names the memory order (none: seq_cst). */
#define ftc_atomic_store(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_store_relaxed(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/** @} */

/** @name Exchange
 * @{ */
/** Stores v into *p and returns the previous value, atomically; the suffix names the order. */
#define ftc_atomic_exchange(p, v) __atomic_exchange_n((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_exchange_relaxed(p, v) __atomic_exchange_n((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_exchange_acquire(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQUIRE)
#define ftc_atomic_exchange_release(p, v) __atomic_exchange_n((p), (v), __ATOMIC_RELEASE)
#define ftc_atomic_exchange_acq_rel(p, v) __atomic_exchange_n((p), (v), __ATOMIC_ACQ_REL)
/** @} */

/** @name Compare and swap: (ptr, expected*, desired) -> bool
 * @{ */
/** If *p equals *e, stores d and returns true; otherwise copies *p into *e and returns false.
 * The suffix names the order of success (a failed CAS is relaxed, or acquire for _acquire and
 * _acq_rel); the _weak forms may fail spuriously and belong in a loop. */
#define ftc_atomic_cas(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define ftc_atomic_cas_relaxed(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
#define ftc_atomic_cas_acquire(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)
#define ftc_atomic_cas_release(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)
#define ftc_atomic_cas_acq_rel(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
#define ftc_atomic_cas_weak(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)
#define ftc_atomic_cas_weak_relaxed(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED)
#define ftc_atomic_cas_weak_acquire(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE)
#define ftc_atomic_cas_weak_release(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED)
#define ftc_atomic_cas_weak_acq_rel(p, e, d) \
    __atomic_compare_exchange_n((p), (e), (d), 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)
/** @} */

/** @name Read-modify-write: return the previous value
 * Beware: on a pointer, fetch_add/fetch_sub count bytes, not elements (the __atomic builtins
 * treat pointers as uintptr_t; C11's atomic_fetch_add would scale). ftcore keeps tagged and
 * counted words in uintptr_t fields and adds to them, never to typed pointers.
 * @{ */
/** Applies the operation (add, sub, or, and, ...) to *p with v atomically and returns the
 * previous value; the suffix names the memory order (none: seq_cst). */
#define ftc_atomic_fetch_add(p, v) __atomic_fetch_add((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_fetch_add_relaxed(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_fetch_add_acquire(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQUIRE)
#define ftc_atomic_fetch_add_release(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELEASE)
#define ftc_atomic_fetch_add_acq_rel(p, v) __atomic_fetch_add((p), (v), __ATOMIC_ACQ_REL)
#define ftc_atomic_fetch_sub(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_fetch_sub_relaxed(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_fetch_sub_acquire(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_ACQUIRE)
#define ftc_atomic_fetch_sub_release(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_RELEASE)
#define ftc_atomic_fetch_sub_acq_rel(p, v) __atomic_fetch_sub((p), (v), __ATOMIC_ACQ_REL)
#define ftc_atomic_fetch_or(p, v) __atomic_fetch_or((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_fetch_or_relaxed(p, v) __atomic_fetch_or((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_fetch_or_acquire(p, v) __atomic_fetch_or((p), (v), __ATOMIC_ACQUIRE)
#define ftc_atomic_fetch_or_release(p, v) __atomic_fetch_or((p), (v), __ATOMIC_RELEASE)
#define ftc_atomic_fetch_or_acq_rel(p, v) __atomic_fetch_or((p), (v), __ATOMIC_ACQ_REL)
#define ftc_atomic_fetch_and(p, v) __atomic_fetch_and((p), (v), __ATOMIC_SEQ_CST)
#define ftc_atomic_fetch_and_relaxed(p, v) __atomic_fetch_and((p), (v), __ATOMIC_RELAXED)
#define ftc_atomic_fetch_and_acquire(p, v) __atomic_fetch_and((p), (v), __ATOMIC_ACQUIRE)
#define ftc_atomic_fetch_and_release(p, v) __atomic_fetch_and((p), (v), __ATOMIC_RELEASE)
#define ftc_atomic_fetch_and_acq_rel(p, v) __atomic_fetch_and((p), (v), __ATOMIC_ACQ_REL)
/** @} */

/* ---- fences ----
 * GCC refuses a thread fence under -fsanitize=thread with a warning (-Wtsan: TSan does not
 * model fences), which -Werror makes fatal. The fence is still emitted (as a call into the TSan
 * runtime, which executes it), so the functions below silence that one warning around the
 * builtin. Consequence for code that TSan checks: a fence must not be the only thing ordering
 * plain (non-atomic) accesses, or TSan reports a race it cannot see is ordered; make those
 * accesses relaxed atomics (as the seqlock's readers do) or use acquire/release operations. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtsan"
#endif
static inline void ftc_atomic_fence_seq_cst_(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void ftc_atomic_fence_acquire_(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void ftc_atomic_fence_release_(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }
static inline void ftc_atomic_fence_acq_rel_(void) { __atomic_thread_fence(__ATOMIC_ACQ_REL); }
#if defined(__GNUC__) && !defined(__clang__) && defined(__SANITIZE_THREAD__)
#pragma GCC diagnostic pop
#endif
/** @name Fences
 * @{ */
/** A thread fence of the named order (none: seq_cst). */
#define ftc_atomic_fence() ftc_atomic_fence_seq_cst_()
#define ftc_atomic_fence_acquire() ftc_atomic_fence_acquire_()
#define ftc_atomic_fence_release() ftc_atomic_fence_release_()
#define ftc_atomic_fence_acq_rel() ftc_atomic_fence_acq_rel_()
/** Compiler-only barrier (orders against a signal handler on the same thread). */
#define ftc_atomic_signal_fence() __atomic_signal_fence(__ATOMIC_SEQ_CST)
/** @} */

/** Spin-wait hint for busy loops (pause on x86, yield on arm64, nothing elsewhere). */
#if defined(__x86_64__) || defined(__i386__)
#define ftc_cpu_relax() __builtin_ia32_pause()
#elif defined(__aarch64__)
#define ftc_cpu_relax() __asm__ __volatile__("yield" ::: "memory")
#else
#define ftc_cpu_relax() ((void)0)
#endif

/* ---- "ft" wrappers ----
 * For fields that lock-free readers may see in the nogil build: atomic there, plain accesses
 * in the GIL build, where the GIL orders every access (CPython's FT_ATOMIC_* macros). */
#ifdef FTC_GIL_DISABLED
/** @name "ft" wrappers: atomic in the nogil build, plain accesses in the GIL build
 * @{ */
/** As the ftc_atomic_ operation of the same name in the nogil build; a plain access in the GIL
 * build, where the GIL orders every access. */
#define ftc_ft_load(p) ftc_atomic_load(p)
#define ftc_ft_load_relaxed(p) ftc_atomic_load_relaxed(p)
#define ftc_ft_load_acquire(p) ftc_atomic_load_acquire(p)
#define ftc_ft_store(p, v) ftc_atomic_store(p, v)
#define ftc_ft_store_relaxed(p, v) ftc_atomic_store_relaxed(p, v)
#define ftc_ft_store_release(p, v) ftc_atomic_store_release(p, v)
#define ftc_ft_fetch_add_relaxed(p, v) ftc_atomic_fetch_add_relaxed(p, v)
/** @} */
#else
#define ftc_ft_load(p) (*(p))
#define ftc_ft_load_relaxed(p) (*(p))
#define ftc_ft_load_acquire(p) (*(p))
#define ftc_ft_store(p, v) ((void)(*(p) = (v)))
#define ftc_ft_store_relaxed(p, v) ((void)(*(p) = (v)))
#define ftc_ft_store_release(p, v) ((void)(*(p) = (v)))
/** Evaluates p and v once each and returns the previous value, like the atomic form. */
#define ftc_ft_fetch_add_relaxed(p, v)                      \
    __extension__({                                         \
        __typeof__(*(p)) *ftc_ft_p_ = (p);                  \
        __typeof__(*(p)) ftc_ft_old_ = *ftc_ft_p_;          \
        *ftc_ft_p_ = (__typeof__(*(p)))(ftc_ft_old_ + (v)); \
        ftc_ft_old_;                                        \
    })
#endif

/* ---- ThreadSanitizer annotations ----
 * TSan does not see grace periods (docs/architecture.md, "Sanitizers"). The QSBR layer
 * publishes a happens-before edge with FTC_TSAN_RELEASE(token) before each quiescent state and
 * before going offline, and consumes it with FTC_TSAN_ACQUIRE(token) after a grace period and
 * before each deferred free. No-ops outside TSan builds. */
#if defined(__SANITIZE_THREAD__)
#define FTC_TSAN_ENABLED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define FTC_TSAN_ENABLED 1
#endif
#endif

#ifdef FTC_TSAN_ENABLED
#ifdef __cplusplus
extern "C" {
#endif
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#ifdef __cplusplus
}
#endif
#define FTC_TSAN_ACQUIRE(addr) __tsan_acquire((void *)(addr))
#define FTC_TSAN_RELEASE(addr) __tsan_release((void *)(addr))
#else
/** ThreadSanitizer: this thread acquires what was released on addr (a no-op outside TSan). */
#define FTC_TSAN_ACQUIRE(addr) ((void)(addr))
/** ThreadSanitizer: this thread releases on addr what it did so far (a no-op outside TSan). */
#define FTC_TSAN_RELEASE(addr) ((void)(addr))
#endif

#endif /* FTCORE_ATOMIC_H */
