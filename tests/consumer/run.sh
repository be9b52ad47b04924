#!/usr/bin/env bash
# Installs one built variant into a temporary prefix, then builds and runs tests/consumer/main.c
# against it twice: through find_package(ftcore) and through pkg-config.
# usage: run.sh BUILD_DIR VARIANT CONSUMER_SRC_DIR
set -euo pipefail
build=$1 variant=$2 src=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

cmake --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib*/ | head -n1)
libdir=${libdir%/}

echo "== find_package(ftcore), variant $variant"
cmake -S "$src" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DFTC_WANT="$variant" >/dev/null
cmake --build "$tmp/cmake" >/dev/null
LD_LIBRARY_PATH="$libdir" "$tmp/cmake/consumer"

echo "== pkg-config ftcore-$variant"
export PKG_CONFIG_PATH="$libdir/pkgconfig"
flags=$(pkg-config --cflags --libs "ftcore-$variant")
cc -std=c11 -Wall -Wextra -Werror -DEXPECT_VARIANT="\"ftcore-$variant\"" "$src/main.c" \
   -o "$tmp/consumer-pc" $flags
LD_LIBRARY_PATH="$libdir" "$tmp/consumer-pc"
echo "== static, pkg-config --static"
cc -std=c11 -Wall -Wextra -Werror -DEXPECT_VARIANT="\"ftcore-$variant\"" "$src/main.c" \
   -o "$tmp/consumer-static" "$libdir/libftcore-$variant.a" \
   $(pkg-config --cflags --static --libs "ftcore-$variant" | sed "s/-lftcore-$variant//")
"$tmp/consumer-static"
echo "consumer test passed for $variant"
