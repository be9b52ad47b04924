#!/usr/bin/env bash
# Builds the differential fuzz harness with clang and libFuzzer (ASan + UBSan) for both
# variants, in their own build directories (build-fuzz-gil, build-fuzz-nogil; FTC_DEBUG=3, so
# the containers' full-structure checks run after every write), then ftpy's lexer, parser and
# compiler harness (fuzz_ftpy.c, from tests/fuzz/corpus_ftpy), and runs each for SECONDS, starting from
# the committed corpus. New inputs go to a temporary directory, never into the committed
# corpora; a crashing input is written to tests/fuzz/crash-* (git-ignored).
# usage: tests/fuzz/run.sh [SECONDS]      (make fuzz SECONDS=N)
set -euo pipefail
secs=${1:-300}
root=$(cd "$(dirname "$0")/../.." && pwd)
jobs=${JOBS:-2}
for variant in gil nogil; do
    bdir=$root/build-fuzz-$variant
    nogil=OFF
    [ "$variant" = nogil ] && nogil=ON
    echo "== fuzz: building $variant in $bdir"
    cmake -S "$root" -B "$bdir" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DFTC_GIL_DISABLED=$nogil -DFTC_SANITIZE=address -DFTC_DEBUG=3 \
        -DFTC_BUILD_TESTS=OFF -DFTC_BUILD_BENCH=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
    cmake --build "$bdir" --target "ftcore-$variant-static" -j "$jobs" >/dev/null
    clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        -I"$bdir/include" -I"$root/include" -I"$root/atomics" \
        "$root/tests/fuzz/fuzz_containers.c" "$bdir/libftcore-$variant.a" \
        $(pkg-config --libs liburcu-qsbr) -lpthread -o "$bdir/fuzz_containers"
    work=$(mktemp -d)
    echo "== fuzz: running $variant for ${secs}s (new inputs in $work)"
    ASAN_OPTIONS=detect_leaks=1 "$bdir/fuzz_containers" -max_total_time="$secs" -max_len=1024 \
        -timeout=30 -print_final_stats=1 -artifact_prefix="$root/tests/fuzz/" \
        "$work" "$root/tests/fuzz/corpus"
    rm -rf "$work"
done
# ftpy's front end and compiler: the lexer, the parser and fp_compile() (the interpreter's object
# files, built in build-fuzz-gil with the same flags), from its own corpus, with a dictionary of
# Python's tokens.
bdir=$root/build-fuzz-gil
echo "== fuzz: building ftpy's lexer, parser and compiler harness"
cmake --build "$bdir" --target ftcore-gil-static ftpy_vm -j "$jobs" >/dev/null
clang -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DFTPY_FUZZ_COMPILE=1 -D_GNU_SOURCE -I"$root/vm" -I"$bdir/include" -I"$root/include" \
    -I"$root/atomics" "$root/tests/fuzz/fuzz_ftpy.c" "$bdir"/vm/CMakeFiles/ftpy_vm.dir/*.o \
    "$bdir/libftcore-gil.a" $(pkg-config --libs liburcu-qsbr) -lpthread -lm \
    -o "$bdir/fuzz_ftpy"
work=$(mktemp -d)
echo "== fuzz: running ftpy's parser and compiler for ${secs}s (new inputs in $work)"
ASAN_OPTIONS=detect_leaks=1 "$bdir/fuzz_ftpy" -max_total_time="$secs" -max_len=4096 \
    -timeout=30 -print_final_stats=1 -dict="$root/tests/fuzz/ftpy.dict" \
    -artifact_prefix="$root/tests/fuzz/" "$work" "$root/tests/fuzz/corpus_ftpy"
rm -rf "$work"
echo "== fuzz: both variants and ftpy's front end ran ${secs}s without a finding"
