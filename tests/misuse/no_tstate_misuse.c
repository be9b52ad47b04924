/* A container call or a critical section made by a thread with no attached thread state dies
 * the same way in both builds, with a message naming the public call: "<call>: no attached
 * thread state". Every entry case (a raw pthread, before ftc_runtime_init(), after
 * ftc_runtime_fini(), inside FTC_BEGIN_ALLOW_THREADS) is crossed with every call below.
 *
 * The containers check in every build. A critical section in the GIL build is an empty block:
 * it checks only when the library was built with FTC_DEBUG >= 1 (config.h's FTC_DEBUG_LEVEL;
 * the sanitizer presets use 2). At level 0 this test asserts that the GIL build's section runs
 * through without dying, so that the test knows which of the two it is looking at.
 *
 * Each case runs in a forked child (ftc_check_dies). The raw-pthread cases fork from the raw
 * thread itself, so that the dying child's only thread is the one without a thread state (a
 * child must not start threads under TSan). */
#include <pthread.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "internal/state.h"

enum call { DICT_GET, DICT_SET, LIST_APPEND, LIST_GET, CS_BEGIN, NCALLS };

static const char *const call_names[NCALLS] = {
    "ftc_dict_get_ref", "ftc_dict_set", "ftc_list_append", "ftc_list_get_ref", FTC_CS_CALL_BEGIN_,
};

#if defined(FTC_GIL_DISABLED) || FTC_DEBUG_LEVEL >= 1
#define CS_CHECKED 1
#else
#define CS_CHECKED 0 /* GIL build, FTC_DEBUG 0: sections are empty blocks */
#endif

/* The objects the calls use: made attached in a runtime, or NULL before any runtime exists
 * (the check comes before the arguments are looked at). */
static ftc_object *d, *l, *k;

static void make_objects(void)
{
    d = ftc_dict_new();
    l = ftc_list_new();
    k = ftc_int_new(42);
    CHECK(d && l && k);
    CHECK_EQ(ftc_dict_set(d, k, k), 0);
    CHECK_EQ(ftc_list_append(l, k), 0);
}

static void do_call(enum call c)
{
    ftc_object *v = NULL;
    switch (c) {
    case DICT_GET: (void)ftc_dict_get_ref(d, k, &v); break;
    case DICT_SET: (void)ftc_dict_set(d, k, k); break;
    case LIST_APPEND: (void)ftc_list_append(l, k); break;
    case LIST_GET: (void)ftc_list_get_ref(l, 0, &v); break;
    case CS_BEGIN: {
        ftc_mutex m = FTC_MUTEX_INIT;
        FTC_BEGIN_CRITICAL_SECTION_MUTEX(&m);
        FTC_END_CRITICAL_SECTION();
        break;
    }
    default: abort();
    }
}

enum entry { RAW_PTHREAD, BEFORE_INIT, AFTER_FINI, ALLOW_THREADS };

struct child_case {
    enum entry entry;
    enum call call;
};

/* The child's body: reach the entry state, then make the call (which must die). */
static void child_body(void *arg)
{
    const struct child_case *cc = arg;
    switch (cc->entry) {
    case RAW_PTHREAD: /* forked from the raw thread: objects made by the parent */ break;
    case BEFORE_INIT:
        CHECK_EQ(ftc_runtime_is_initialized(), 0);
        d = l = k = NULL;
        break;
    case AFTER_FINI:
        CHECK_EQ(ftc_runtime_init(NULL), 0);
        make_objects();
        (void)ftc_runtime_fini(); /* the objects stay alive: used after it */
        CHECK(ftc_tstate_get() == NULL);
        break;
    case ALLOW_THREADS:
        CHECK_EQ(ftc_runtime_init(NULL), 0);
        make_objects();
        ftc_detach(); /* what FTC_BEGIN_ALLOW_THREADS does; the call comes before the END */
        break;
    }
    do_call(cc->call);
}

/* Runs fn(arg) in a forked child that must exit 0 (the GIL build's unchecked section). */
static int survives(void (*fn)(void *), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return 0;
    if (pid == 0) {
        fn(arg);
        _exit(0);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return 0;
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int check_case(struct child_case *cc)
{
    char expect[160];
    snprintf(expect, sizeof expect, "%s: no attached thread state", call_names[cc->call]);
    if (cc->call == CS_BEGIN && !CS_CHECKED)
        return survives(child_body, cc);
    int ok = ftc_check_dies(child_body, cc, expect);
    if (!ok)
        fprintf(stderr, "  (entry %d, call %s)\n", (int)cc->entry, call_names[cc->call]);
    return ok;
}

static void *raw_thread(void *arg) { return (void *)(intptr_t)check_case(arg); }

FTC_TEST(raw_pthread)
{
    CHECK_EQ(ftc_runtime_init(NULL), 0);
    make_objects();
    for (int c = 0; c < NCALLS; c++) {
        struct child_case cc = {RAW_PTHREAD, (enum call)c};
        pthread_t th;
        void *ok = NULL;
        /* Detached while the raw thread forks: the fork stops the world, which waits for
         * every attached thread to tick or detach. */
        FTC_BEGIN_ALLOW_THREADS
        CHECK_EQ(pthread_create(&th, NULL, raw_thread, &cc), 0);
        CHECK_EQ(pthread_join(th, &ok), 0);
        FTC_END_ALLOW_THREADS
        CHECK(ok != NULL);
    }
    ftc_decref(d);
    ftc_decref(l);
    ftc_decref(k);
    CHECK_EQ(ftc_runtime_fini(), 0);
}

static void run_entry(enum entry e)
{
    for (int c = 0; c < NCALLS; c++) {
        struct child_case cc = {e, (enum call)c};
        CHECK(check_case(&cc));
    }
}

FTC_TEST(before_init) { run_entry(BEFORE_INIT); }
FTC_TEST(after_fini) { run_entry(AFTER_FINI); }
FTC_TEST(inside_allow_threads) { run_entry(ALLOW_THREADS); }

/* The object constructors check too: before any runtime, the first call dies. */
static void new_dict_before_init(void *arg)
{
    (void)arg;
    (void)ftc_dict_new();
}

static void new_list_before_init(void *arg)
{
    (void)arg;
    (void)ftc_list_new();
}

FTC_TEST(constructors_before_init)
{
    CHECK(ftc_check_dies(new_dict_before_init, NULL, "ftc_dict_new: no attached thread state"));
    CHECK(ftc_check_dies(new_list_before_init, NULL, "ftc_list_new: no attached thread state"));
}
