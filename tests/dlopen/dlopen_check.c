/* dlopen_check: ftcore's shared library works when loaded with dlopen() after the program
 * started. The library's thread-locals use the initial-exec TLS model (include/ftcore/eval.h),
 * which puts them in the static TLS block; glibc can place a dlopen()ed library's there only
 * within a reserved surplus. This program is not linked with ftcore: it dlopen()s plugin.c's
 * module (argv[1]), which depends on the shared library, and runs plugin_run(). */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: dlopen_check path/to/plugin.so\n");
        return 2;
    }
    void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        fprintf(stderr, "dlopen_check: dlopen(%s): %s\n", argv[1], dlerror());
        return 1;
    }
    /* POSIX guarantees a data pointer from dlsym() converts to a function pointer; ISO C
     * does not, so the conversion goes through memcpy. */
    void *p = dlsym(h, "plugin_run");
    int (*run)(void) = NULL;
    if (p != NULL)
        memcpy(&run, &p, sizeof run);
    if (run == NULL) {
        fprintf(stderr, "dlopen_check: plugin_run: %s\n", dlerror());
        return 1;
    }
    int rc = run();
    if (rc != 0) {
        fprintf(stderr, "dlopen_check: plugin_run failed at step %d\n", rc);
        return 1;
    }
    printf("dlopen_check: ok\n");
    return 0;
}
