#!/usr/bin/env bash
# Sets up and runs every test: the main build's tests (oracle tests included), the parser tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz targets over their
# committed corpora. This is what CI runs (.ci/run) and what a newcomer runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${RF_JOBS:-2}

scripts/setup.sh
export RF_ORACLE_DIR=${RF_ORACLE_DIR:-$HOME/.cache/rocmforge-oracle}
tests/oracle/setup.sh "$RF_ORACLE_DIR" >/dev/null
export RF_REQUIRE_ORACLE=1   # oracle tests fail, not skip, if the oracle is missing

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build -DRF_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure

echo "== parser tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRF_SANITIZE=address,undefined \
  -DRF_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target rf_sanitized_tests
ctest --test-dir build-asan -j"$jobs" -L parser --output-on-failure

echo "== fuzz targets over their corpora"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_FUZZ=ON \
  -DRF_BUILD_TESTS=OFF -DRF_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target rf_fuzzers
# -runs=0: run every committed input once, no new fuzzing (scripts/fuzz.sh does that).
shopt -s nullglob
corpora=(tests/fuzz/corpus/*/)
((${#corpora[@]})) || { echo "test: no corpus under tests/fuzz/corpus/" >&2; exit 1; }
for corpus in "${corpora[@]}"; do
  name=$(basename "$corpus")
  build-fuzz/tests/fuzz/"$name" -runs=0 -timeout=10 -rss_limit_mb=2048 "$corpus"
done
echo "== all tests passed"
