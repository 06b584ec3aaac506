#!/usr/bin/env bash
# Fuzzes the readers for a while, then rebuilds each committed corpus from what was found.
#   scripts/fuzz.sh [SECONDS=1800] [TARGET...]   (TARGETs: tests/fuzz/*_fuzz.cc, e.g.
#                                                  plan_reader_fuzz; default all, SECONDS each)
# Builds the fuzz targets (clang, ASan + UBSan, in build-fuzz/) and, where one exists, their seed
# generator tests/fuzz/make_<format>_seeds.cc (in build/; gguf_reader_fuzz -> make_gguf_seeds),
# fuzzes one job per target over its committed corpus plus fresh seeds (with
# tests/fuzz/<target>.dict when there is one), then minimizes everything with -merge=1 into
# tests/fuzz/corpus/<target>/ (commit the result). A finding stops the run with crash-* /
# leak-* / timeout-* / oom-* files in the scratch folder it names: add a unit test that reproduces
# it, fix the reader, run again.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-1800}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in tests/fuzz/*_fuzz.cc; do targets+=("$(basename "$f" .cc)"); done
fi
# The seed generator of a target, or nothing: gguf_reader_fuzz -> make_gguf_seeds.
seeds_of() {
  local format=${1%_fuzz}
  format=${format%_reader}
  [[ -f tests/fuzz/make_${format}_seeds.cc ]] && echo "make_${format}_seeds"
  return 0
}
jobs=${RF_JOBS:-2}

CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_FUZZ=ON -DRF_HIP_BACKEND=OFF \
  -DRF_BUILD_TESTS=OFF -DRF_BUILD_BENCHMARKS=OFF >/dev/null
cmake -S . -B build >/dev/null
for target in "${targets[@]}"; do
  cmake --build build-fuzz -j"$jobs" --target "$target"
  seeds=$(seeds_of "$target")
  [[ -z $seeds ]] || cmake --build build -j"$jobs" --target "$seeds"
done

for target in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$target
  fuzzer=build-fuzz/tests/fuzz/$target
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/rf_fuzz.XXXXXX")
  flags=(-max_len=65536 -rss_limit_mb=2048 -timeout=10 -artifact_prefix="$scratch/")
  [[ -f tests/fuzz/$target.dict ]] && flags+=(-dict="tests/fuzz/$target.dict")

  mkdir -p "$scratch/work" "$scratch/merged" "$corpus"
  seeds=$(seeds_of "$target")
  [[ -z $seeds ]] || "build/tests/$seeds" "$scratch/work"
  find "$corpus" -type f -exec cp {} "$scratch/work/" \;
  echo "fuzz: $target for ${seconds}s, log in $scratch/fuzz.log"
  if ! "$fuzzer" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "$scratch/work" \
      >"$scratch/fuzz.log" 2>&1; then
    tail -40 "$scratch/fuzz.log"
    echo "fuzz: $target stopped on a finding; the input is in $scratch" >&2
    exit 1
  fi
  grep -E '^(stat::|Done)' "$scratch/fuzz.log" || true
  "$fuzzer" "${flags[@]}" -merge=1 "$scratch/merged" "$scratch/work" >"$scratch/merge.log" 2>&1
  rm -rf "$corpus"
  mv "$scratch/merged" "$corpus"
  echo "fuzz: $target corpus now $(ls "$corpus" | wc -l) files, $(cat "$corpus"/* | wc -c) bytes"
done
