/* ftpy's command line: `ftpy FILE [args]`, `ftpy -c CODE [args]`, `-X gil=0|1`, `-X stats`,
 * `--version`.
 *
 * The program initialises ftcore (the main thread attached; -X gil=1 switches the GIL on in
 * the nogil build, like PYTHON_GIL=1), then ftpy's runtime, runs the program as __main__,
 * and turns an uncaught exception into CPython's output and exit status (traceback and 1;
 * SystemExit's code). stdout is flushed before anything goes to stderr and at exit.
 */
#include "ftpy.h"

#include <ftcore/gc.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fp_argc;
char **fp_argv;

static void usage(void)
{
    fprintf(stderr, "usage: ftpy [-X gil=0|1] [-X stats] [--version] (-c CODE | FILE) [arg ...]\n");
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf != NULL) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) {
            if (ferror(f)) {
                free(buf);
                buf = NULL;
            }
            break;
        }
        char *nb = realloc(buf, cap * 2);
        if (nb == NULL) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* The name CPython gives the main script in tracebacks: the path joined to the working
 * directory as given (CPython 3.11 does not normalise "." or ".." in it). */
static char *abspath(const char *path)
{
    char cwd[4096];
    size_t cap = strlen(path) + sizeof cwd + 2;
    char *joined = malloc(cap);
    if (joined == NULL)
        return NULL;
    if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
        snprintf(joined, cap, "%s", path);
    else
        snprintf(joined, cap, "%s/%s", cwd, path);
    return joined;
}

static void print_stats(void)
{
    ftc_gil_stats g;
    if (ftc_gil_get_stats(&g) == 0)
        fprintf(stderr,
                "ftpy stats: gil acquisitions=%llu switches=%llu forced=%llu drop_requests=%llu "
                "total_wait=%.6fs max_wait=%.6fs\n",
                (unsigned long long)g.acquisitions, (unsigned long long)g.switches,
                (unsigned long long)g.forced_switches, (unsigned long long)g.drop_requests,
                g.total_wait, g.max_wait);
    else
        fprintf(stderr, "ftpy stats: no GIL in force\n");
    ftc_qsbr_stats q;
    ftc_qsbr_get_stats(&q);
    fprintf(
        stderr, "ftpy stats: qsbr freed=%llu pending=%llu peak_bytes=%llu polls=%llu scans=%llu\n",
        (unsigned long long)q.freed_items, (unsigned long long)q.pending_items,
        (unsigned long long)q.peak_bytes, (unsigned long long)q.polls, (unsigned long long)q.scans);
    ftc_gc_stats gs;
    ftc_gc_get_stats(&gs);
    fprintf(stderr,
            "ftpy stats: gc collections=%llu automatic=%llu collected=%llu max_pause=%.6fs "
            "total_pause=%.6fs\n",
            (unsigned long long)gs.collections, (unsigned long long)gs.auto_collections,
            (unsigned long long)gs.collected, (double)gs.max_pause_ns / 1e9,
            (double)gs.total_pause_ns / 1e9);
    fprintf(stderr, "ftpy stats: live objects=%lld\n", (long long)ftc_object_live_count());
}

int main(int argc, char **argv)
{
    int gil = -1, stats = 0, i = 1;
    const char *code = NULL, *path = NULL;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            printf("ftpy %s (ftcore %s)\n", FTPY_VERSION, FTPY_VARIANT);
            return 0;
        } else if (strcmp(a, "-X") == 0 && i + 1 < argc) {
            const char *x = argv[++i];
            if (strcmp(x, "gil=0") == 0)
                gil = 0;
            else if (strcmp(x, "gil=1") == 0)
                gil = 1;
            else if (strcmp(x, "stats") == 0)
                stats = 1;
            else {
                fprintf(stderr, "ftpy: unknown -X option: %s\n", x);
                return 2;
            }
        } else if (strcmp(a, "-c") == 0 && i + 1 < argc) {
            code = argv[++i];
            i++;
            break;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "ftpy: unknown option: %s\n", a);
            usage();
            return 2;
        } else {
            path = a;
            i++;
            break;
        }
    }
    if (code == NULL && path == NULL) {
        usage();
        return 2;
    }
    /* sys.argv: "-c" or the script, then the rest. */
    fp_argc = argc - i + 1;
    fp_argv = &argv[i - 1];
    if (code != NULL)
        argv[i - 1] = "-c";

    size_t len = 0;
    char *src = NULL;
    if (path != NULL) {
        src = read_file(path, &len);
        if (src == NULL) {
            fprintf(stderr, "ftpy: can't open file '%s': [Errno %d] %s\n", path, errno,
                    strerror(errno));
            return 2;
        }
    }

    /* fp_runtime_fini releases the globals and collects their cycles (module.c), so a program
     * ends with nothing alive; but a daemon thread still running at exit keeps what it holds
     * (ftcore stops it only in ftc_runtime_fini), so the core's leak report stays off unless
     * the user asks for it (FTC_REPORT_LEAKS=1; tests/vm programs marked ftpy-report-leaks). */
    setenv("FTC_REPORT_LEAKS", "0", 0);
    ftc_config cfg;
    ftc_config_init(&cfg);
#ifdef FTC_GIL_DISABLED
    cfg.gil = gil < 0 ? 0 : gil;
#else
    if (gil == 0) {
        fprintf(stderr, "ftpy: -X gil=0 is not supported by the gil build\n");
        free(src);
        return 2;
    }
    cfg.gil = -1;
#endif
    int rc = ftc_runtime_init(&cfg);
    if (rc != 0) {
        fprintf(stderr, "ftpy: cannot start the runtime: %s\n", ftc_strerror(rc));
        free(src);
        return 1;
    }
    int status = 0;
    /* A test hook: FTPY_TEST_GC_THRESHOLD=N runs the automatic collection every N tracked
     * allocations (the whole vm suite with N = 10..50 exercises every type's traverse and
     * clear at the ticks of every thread). */
    const char *gc_threshold = getenv("FTPY_TEST_GC_THRESHOLD");
    if (gc_threshold != NULL && atoll(gc_threshold) > 0)
        ftc_gc_set_threshold(atoll(gc_threshold));
    if (fp_runtime_init() != 0) {
        fprintf(stderr, "ftpy: cannot initialise the interpreter\n");
        status = 1;
    } else {
        char *shown = path != NULL ? abspath(path) : NULL;
        int r = code != NULL ? fp_run_source(code, strlen(code), "<string>")
                             : fp_run_source(src, len, shown ? shown : path);
        free(shown);
        if (r != 0) {
            ftc_object *exc = fp_err_fetch();
            status = exc != NULL ? fp_exit_status(exc) : 1;
            ftc_xdecref(exc);
        }
        fp_runtime_fini();
    }
    free(src);
    if (stats)
        print_stats();
    ftc_runtime_fini();
    return status;
}
