/** @file
 * ftcore common definitions: export macro, error codes, fatal errors, the allocator.
 *
 * Error convention (docs/architecture.md, "Conventions"): a fallible call returns int, 0 on
 * success (or 1/0 for found/not-found), a negative FTC_E* code on failure; ftc_strerror() names
 * a code. Constructors return NULL on failure and leave the code in ftc_last_error() for the
 * calling thread. Misuse that cannot be reported as a value calls ftc_fatal(), which prints the
 * function, file and line and aborts.
 */
#ifndef FTCORE_COMMON_H
#define FTCORE_COMMON_H

#include <ftcore/config.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/** @name Portability macros
 * @{ */
#ifdef __cplusplus
#define FTC_EXTERN_C_BEGIN extern "C" {
#define FTC_EXTERN_C_END }
#define FTC_NORETURN [[noreturn]]
#else
/** Opens the headers' declarations (extern "C" when compiled as C++). */
#define FTC_EXTERN_C_BEGIN
/** Closes what FTC_EXTERN_C_BEGIN opened. */
#define FTC_EXTERN_C_END
/** Marks a function that does not return (_Noreturn in C, [[noreturn]] in C++). */
#define FTC_NORETURN _Noreturn
#endif

/** Marks a symbol exported by the shared library (the library builds with hidden visibility). */
#define FTC_API __attribute__((visibility("default")))
/** Branch hint: x is expected to be true. */
#define FTC_LIKELY(x) __builtin_expect(!!(x), 1)
/** Branch hint: x is expected to be false. */
#define FTC_UNLIKELY(x) __builtin_expect(!!(x), 0)
/** The cache-line size that structures are padded and aligned to, in bytes. */
#define FTC_CACHE_LINE 64
/** @} */

FTC_EXTERN_C_BEGIN

/** Error codes. 0 is success; every error is negative. Codes at or below FTC_EUSER are free for
 * the embedding VM (e.g. for async exceptions and for callbacks' own failures) and pass through
 * ftcore unchanged. */
enum {
    FTC_OK = 0,
    FTC_ENOMEM = -1,      /**< allocation failed */
    FTC_EINVAL = -2,      /**< invalid argument */
    FTC_ETYPE = -3,       /**< object of the wrong type, or unhashable key */
    FTC_EKEY = -4,        /**< key not found */
    FTC_EINDEX = -5,      /**< index out of range */
    FTC_ETIMEDOUT = -6,   /**< a timed wait expired */
    FTC_EPERM = -7,       /**< not the owner (e.g. releasing an RLock another thread holds) */
    FTC_EDEADLK = -8,     /**< the call would deadlock (e.g. a thread joining itself) */
    FTC_ECHANGED = -9,    /**< a container changed during iteration or sort */
    FTC_EAGAIN = -10,     /**< resource temporarily unavailable (a full table, thread limit) */
    FTC_ESTATE = -11,     /**< the object is in the wrong state for the call */
    FTC_EBROKEN = -12,    /**< a barrier is broken */
    FTC_ECANCELLED = -13, /**< a future was cancelled */
    FTC_EOVERFLOW = -14,  /**< a count or size would overflow */
    FTC_ENOTSUP = -15,    /**< not supported in this build or configuration */
    FTC_EEMPTY = -16,     /**< a non-blocking get found the queue empty (queue.h) */
    FTC_EFULL = -17,      /**< a non-blocking put found the queue full (queue.h) */
    FTC_ESHUTDOWN = -18,  /**< the queue is shut down (queue.h) */
    FTC_EBUSY = -19,      /**< still in use (ftc_runtime_fini with a pool or a section open) */
    FTC_EUSER = -1000     /**< first code reserved for the embedder */
};

/** The name of an error code ("FTC_EKEY: key not found"); codes <= FTC_EUSER give a generic text. */
FTC_API const char *ftc_strerror(int code);

/** The error code the calling thread's last failing constructor left (NULL-returning calls). */
FTC_API int ftc_last_error(void);
/** Sets the calling thread's last error code (for an embedder's own constructors). */
FTC_API void ftc_set_last_error(int code);

/** Prints "ftcore fatal error in FUNC (FILE:LINE): message" to stderr and aborts. */
FTC_NORETURN FTC_API void ftc_fatal_at(const char *func, const char *file, int line,
                                       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/** ftc_fatal_at() with the calling function, file and line: ftc_fatal("bad %d", x). */
#define ftc_fatal(...) ftc_fatal_at(__func__, __FILE__, __LINE__, __VA_ARGS__)

/* ---- the allocator ----
 * Every allocation in ftcore goes through these, so that tests can fail the Nth one. */
/** malloc() that fault injection can fail: NULL on failure (no message, no abort). */
FTC_API void *ftc_mem_alloc(size_t size);
/** calloc(): zero-filled, n * size checked for overflow (NULL), fault injection as ftc_mem_alloc. */
FTC_API void *ftc_mem_calloc(size_t n, size_t size);
/** realloc(): NULL on failure with p untouched, fault injection as ftc_mem_alloc. */
FTC_API void *ftc_mem_realloc(void *p, size_t size);
/** free() for memory from the three calls above; NULL is ignored. */
FTC_API void ftc_mem_free(void *p);

/* ---- fault injection (for tests; costs one thread-local load per allocation) ----
 * ftc_fault_alloc_fail_after(n): the calling thread's n-th allocation from now fails (n >= 1);
 * 0 disarms. Returns how many allocations the thread made since the last arm call (so a test can
 * first measure an operation, then walk n over every allocation it makes).
 * ftc_fault_alloc_fail_all(n): the next n allocations, on any thread, fail (0 disarms).
 * ftc_fault_alloc_fail_in_next_thread(n): the next thread that ftc_thread_start() starts (a
 * pool's workers included) fails its n-th allocation of its own start, from its first
 * instruction until it reports RUNNING (its thread state and every layer's per-thread state);
 * 0 disarms. Its start then fails as if that allocation had run out of memory, and the starter
 * gets the code. Returns how many allocations the most recent thread start made (so a test
 * starts one thread unarmed, then walks n over them). The per-thread countdown above cannot
 * reach these: it is the starter's, and the new thread's own begins disarmed.
 * ftc_fault_thread_create_fail(n): the next n thread creations fail as if pthread_create
 * returned EAGAIN. */
/** The calling thread's n-th allocation from now fails (n >= 1; 0 disarms). Returns how many
 * allocations the thread made since the last arm call (see the fault-injection note above). */
FTC_API uint64_t ftc_fault_alloc_fail_after(uint64_t n);
/** How many allocations the calling thread made since the last ftc_fault_alloc_fail_after(). */
FTC_API uint64_t ftc_fault_alloc_count(void);
/** The next n allocations, on any thread, fail (0 disarms). */
FTC_API void ftc_fault_alloc_fail_all(uint64_t n);
/** The next started thread fails the n-th allocation of its own start (0 disarms); returns how
 * many allocations the most recent thread start made. */
FTC_API uint64_t ftc_fault_alloc_fail_in_next_thread(uint64_t n);
/** The next n thread creations fail as if pthread_create returned EAGAIN. */
FTC_API void ftc_fault_thread_create_fail(uint64_t n);
/** Internal to ftcore's thread start: consumes one armed thread-create failure. */
FTC_API bool ftc_fault_take_thread_create(void);

/** The monotonic clock, in seconds. */
FTC_API double ftc_monotonic(void);

FTC_EXTERN_C_END

#endif /* FTCORE_COMMON_H */
