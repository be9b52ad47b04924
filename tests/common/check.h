/* A small test harness for plain executables: stress and concurrency tests (which must also
 * run under ThreadSanitizer, where Criterion cannot: docs/architecture.md, "Sanitizers") and
 * misuse tests.
 *
 *   FTC_TEST(name) { ... CHECK(cond); CHECK_EQ(a, b); ... }
 *
 * Tests run in the order they are defined, in this process, each under a watchdog that fails
 * the run (abort with a message) instead of letting it hang. Pass test names as arguments to
 * run a subset. The last line is "N passed, N failed". A failed CHECK prints where and aborts,
 * so sanitizers and ctest see the failure at once.
 */
#ifndef FTC_TEST_CHECK_H
#define FTC_TEST_CHECK_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef void (*ftc_test_fn)(void);
void ftc_check_register(const char *name, ftc_test_fn fn);
void ftc_check_fail(const char *file, int line, const char *expr, const char *detail);

#define FTC_TEST(name)                                                      \
    static void ftc_test_##name(void);                                      \
    __attribute__((constructor)) static void ftc_test_register_##name(void) \
    {                                                                       \
        ftc_check_register(#name, ftc_test_##name);                         \
    }                                                                       \
    static void ftc_test_##name(void)

#define CHECK(cond)                                          \
    do {                                                     \
        if (!(cond))                                         \
            ftc_check_fail(__FILE__, __LINE__, #cond, NULL); \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long ftc_a_ = (long long)(a), ftc_b_ = (long long)(b);              \
        if (ftc_a_ != ftc_b_) {                                                  \
            char ftc_buf_[128];                                                  \
            snprintf(ftc_buf_, sizeof ftc_buf_, "%lld != %lld", ftc_a_, ftc_b_); \
            ftc_check_fail(__FILE__, __LINE__, #a " == " #b, ftc_buf_);          \
        }                                                                        \
    } while (0)

/* Scales an iteration count for the build: env FTC_STRESS_SCALE (a float) if set, otherwise
 * 1 in plain builds and 1/4 under a sanitizer. Never returns less than 1. */
long ftc_check_scaled(long n);
/* Re-arms the watchdog of the running test (default 240 s; env FTC_WATCHDOG overrides). */
void ftc_check_watchdog(double seconds);
/* Runs fn(arg) in a forked child and checks that it dies by SIGABRT having printed a line
 * containing `expect` to stderr (ftc_fatal's message). Returns 1 if so, else prints why, 0. */
int ftc_check_dies(void (*fn)(void *), void *arg, const char *expect);
/* The same for a case that must start threads (a forked child of this multi-threaded harness
 * may not under ThreadSanitizer): runs this program again in a fresh process (exec) with only
 * the test named `test` and the environment variable `env` set to "1" (the test checks it to
 * know it is the child's case), and checks that it dies by SIGABRT having printed `expect`. */
int ftc_check_dies_exec(const char *test, const char *env, const char *expect);
/* Captures this process's stderr (fd 2, so ftcore's own reports too) from begin to end:
 * end restores fd 2, copies what was written to the real stderr (the test's log) and returns
 * it (up to 8191 bytes, in a static buffer valid until the next capture). Not nested, one
 * thread at a time. */
void ftc_check_capture_begin(void);
const char *ftc_check_capture_end(void);
/* Runs fn(i, ctx) for every i in [0, n) on n ftcore threads and waits for them all: starts
 * them in index order (the caller must be attached), then, if gate is not NULL, stores 1 into
 * *gate (a release store: threads that spin on an acquire load of it start together), then
 * joins and releases each. CHECKs that every start and every join returns 0. */
void ftc_check_run_threads(int n, void (*fn)(int i, void *ctx), void *ctx, int *gate);
/* The same with two kinds of threads (writers and readers, say): na threads running
 * fa(i, ctx) for i in [0, na), then nb running fb(i, ctx) for i in [0, nb). */
void ftc_check_run_threads2(int na, void (*fa)(int i, void *ctx), int nb,
                            void (*fb)(int i, void *ctx), void *ctx, int *gate);
/* Runs fa(a) and fb(b) on two ftcore threads started in that order (the caller must be
 * attached), joins them in that order and releases them. CHECKs every start and join. */
void ftc_check_run_pair(void (*fa)(void *), void *a, void (*fb)(void *), void *b);
/* Runs the registered tests (check_main.c calls it). */
int ftc_check_run_all(int argc, char **argv);
/* Deterministic per-thread PRNG (xorshift64*). */
static inline uint64_t ftc_check_rand(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

#endif
