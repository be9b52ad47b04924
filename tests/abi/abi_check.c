/* A program compiled against one variant's headers and linked with a library (tests/
 * CMakeLists.txt builds it twice: against this build's own headers, and against the other
 * variant's headers, whose config.h is generated for the test, linked with the same library).
 *
 * ftc_runtime_init() runs in a forked child. With matching headers (EXPECT_DEATH 0) it must
 * succeed, and the runtime must finalize. With the other variant's headers (EXPECT_DEATH 1) the
 * child must die by SIGABRT at that first call, having printed a message that names
 * ftc_runtime_init and both variants: "ftcore-" HEADERS_VARIANT and "ftcore-" LIBRARY_VARIANT.
 * Only the child touches ftcore: the parent reads the child's stderr and checks. */
#include <ftcore/ftcore.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef EXPECT_DEATH
#error "EXPECT_DEATH, HEADERS_VARIANT and LIBRARY_VARIANT come from tests/CMakeLists.txt"
#endif

static int fail(const char *why, const char *out)
{
    fprintf(stderr, "abi_check (headers %s, library %s): %s\nchild's stderr:\n%s\n",
            HEADERS_VARIANT, LIBRARY_VARIANT, why, out);
    return 1;
}

int main(void)
{
    /* The headers this program was compiled against are the ones asked for. */
    if (strcmp(FTC_VARIANT, "ftcore-" HEADERS_VARIANT) != 0)
        return fail("compiled against the wrong headers", FTC_VARIANT);
    int fds[2];
    if (pipe(fds) != 0)
        return fail("pipe failed", "");
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return fail("fork failed", "");
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        signal(SIGABRT, SIG_DFL);
        if (ftc_runtime_init(NULL) != 0)
            _exit(2);
        if (ftc_runtime_fini() != 0)
            _exit(3);
        _exit(0);
    }
    close(fds[1]);
    char buf[4096];
    size_t len = 0;
    ssize_t r;
    while (len < sizeof buf - 1 && (r = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)r;
    buf[len] = 0;
    close(fds[0]);
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        return fail("waitpid failed", buf);
    if (!EXPECT_DEATH) {
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            return fail("init/fini with matching headers did not succeed", buf);
        printf("matching headers: ftc_runtime_init and fini succeed\n");
        return 0;
    }
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGABRT)
        return fail("expected death by SIGABRT at ftc_runtime_init", buf);
    if (!strstr(buf, "ftc_runtime_init") || !strstr(buf, "ftcore-" HEADERS_VARIANT " ") ||
        !strstr(buf, "ftcore-" LIBRARY_VARIANT " "))
        return fail("the message does not name ftc_runtime_init and both variants", buf);
    printf("mismatched headers: died as expected:\n%s", buf);
    return 0;
}
