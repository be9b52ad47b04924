/* Replays every file of the fuzz corpus through the differential harness (fuzz_containers.c)
 * in the normal test run, so that each build and sanitizer preset checks the committed inputs.
 * usage: fuzz_replay CORPUS_DIR...   Exits non-zero (the harness aborts) on any mismatch. */
#include <ftcore/ftcore.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
#ifdef FTPY_FUZZ_COMPILE
void fuzz_ftpy_fini(void); /* fuzz_ftpy.c: shuts ftpy's runtime down before ftcore's */
#endif

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, got;
    uint8_t chunk[4096];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got > cap) {
            cap = (len + got) * 2;
            uint8_t *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf ? buf : (const uint8_t *)"", len);
    free(buf);
    return 0;
}

int main(int argc, char **argv)
{
    long files = 0;
    for (int a = 1; a < argc; a++) {
        DIR *dir = opendir(argv[a]);
        if (dir == NULL) {
            fprintf(stderr, "fuzz_replay: cannot open %s\n", argv[a]);
            return 1;
        }
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[a], e->d_name);
            if (replay_file(path) < 0) {
                fprintf(stderr, "fuzz_replay: cannot read %s\n", path);
                closedir(dir);
                return 1;
            }
            files++;
        }
        closedir(dir);
    }
    if (files == 0) {
        fprintf(stderr, "fuzz_replay: no corpus files\n");
        return 1;
    }
#ifdef FTPY_FUZZ_COMPILE
    fuzz_ftpy_fini();
#endif
    if (ftc_runtime_is_initialized())
        ftc_runtime_fini();
    printf("fuzz_replay: %ld inputs ok\n", files);
    return 0;
}
