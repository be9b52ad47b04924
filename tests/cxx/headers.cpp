// The public headers compile as C++11 and link from a C++ program (a VM written in C++ includes
// <ftcore/ftcore.h> directly). Checks a few declarations' types and the error names.
#include <ftcore/ftcore.h>

#include <cstdio>
#include <cstring>
#include <type_traits>

static_assert(sizeof(ftc_mutex) == 1, "one-byte mutex");
static_assert(std::is_same<decltype(&ftc_strerror), const char *(*)(int)>::value, "strerror");

int main()
{
    if (std::strstr(ftc_strerror(FTC_ETIMEDOUT), "FTC_ETIMEDOUT") == nullptr) {
        std::fprintf(stderr, "unexpected error name\n");
        return 1;
    }
    std::printf("C++ header test ok (%s)\n", FTC_VARIANT);
    return 0;
}
