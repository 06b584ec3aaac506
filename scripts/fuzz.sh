#!/usr/bin/env bash
# Fuzzes the GGUF reader for a while, then rebuilds the committed corpus from what it found.
#   scripts/fuzz.sh [SECONDS=1800]
# Builds gguf_reader_fuzz (clang, ASan + UBSan, in build-fuzz/) and make_gguf_seeds (in build/),
# fuzzes one job over the committed corpus plus fresh seeds, then minimizes everything with
# -merge=1 into tests/fuzz/corpus/gguf_reader_fuzz/ (commit the result). A finding stops the run
# with crash-* / leak-* / timeout-* / oom-* files in the scratch folder it names: add a unit test
# that reproduces it, fix the reader, run again.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
jobs=${RF_JOBS:-2}
corpus=tests/fuzz/corpus/gguf_reader_fuzz
fuzzer=build-fuzz/tests/fuzz/gguf_reader_fuzz
scratch=$(mktemp -d "${TMPDIR:-/tmp}/rf_fuzz.XXXXXX")
flags=(-max_len=65536 -rss_limit_mb=2048 -timeout=10 -dict=tests/fuzz/gguf_reader_fuzz.dict
       -artifact_prefix="$scratch/")

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_FUZZ=ON \
  -DRF_BUILD_TESTS=OFF -DRF_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target rf_fuzzers
cmake -S . -B build >/dev/null
cmake --build build -j"$jobs" --target make_gguf_seeds

mkdir -p "$scratch/work" "$scratch/merged" "$corpus"
build/tests/make_gguf_seeds "$scratch/work"
find "$corpus" -type f -exec cp {} "$scratch/work/" \;
echo "fuzz: ${seconds}s, log in $scratch/fuzz.log"
if ! "$fuzzer" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "$scratch/work" \
    >"$scratch/fuzz.log" 2>&1; then
  tail -40 "$scratch/fuzz.log"
  echo "fuzz: stopped on a finding; the input is in $scratch" >&2
  exit 1
fi
grep -E '^(stat::|Done)' "$scratch/fuzz.log" || true
"$fuzzer" "${flags[@]}" -merge=1 "$scratch/merged" "$scratch/work" >"$scratch/merge.log" 2>&1
rm -rf "$corpus"
mv "$scratch/merged" "$corpus"
echo "fuzz: corpus now $(ls "$corpus" | wc -l) files, $(cat "$corpus"/* | wc -c) bytes"
