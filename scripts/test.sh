#!/usr/bin/env bash
# Installs what the tests need (Debian packages), then builds and runs the whole suite:
#   1. every test (unit, SigV4 corpus, store contract, integration with the AWS CLIs and boto3)
#      on a -Werror build;
#   2. the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. each libFuzzer target briefly (clang), on its seed corpus.
# Long soak/fuzz runs carry the ctest label `slow` and are excluded unless SIGIL_SLOW=1.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test

jobs=$(nproc)
exclude="slow"
[ "${SIGIL_SLOW:-0}" = 1 ] && exclude="^$"

echo "== build and run every test"
scripts/build.sh build/test -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSIGIL_BENCH=OFF
ctest --test-dir build/test -j "$jobs" --output-on-failure -LE "$exclude|fuzz"

echo "== unit tests under ASan/UBSan"
scripts/build.sh build/asan -DCMAKE_BUILD_TYPE=Debug -DSIGIL_SANITIZE=ON -DSIGIL_BENCH=OFF
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build/asan -j "$jobs" --output-on-failure -L unit -LE "$exclude"

echo "== fuzz targets (brief)"
# The fuzz project builds only the parsers' libraries: clang 14 cannot compile Beast's coroutines
# with sanitizers, and the fuzzers do not need the server.
cmake -S fuzz -B build/fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ >/dev/null
ninja -C build/fuzz
ctest --test-dir build/fuzz --output-on-failure -L fuzz -LE "$exclude"
