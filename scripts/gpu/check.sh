#!/usr/bin/env bash
# The whole GPU check in one run on the H100 machine (CUDA 13 + driver, no Abseil, no network;
# files arrive only as the working tree plus .carry/, see scripts/gpu/prepare-carry.sh):
#   1. build rfc, rfbench and the GPU tests with the HIP-to-CUDA shim (RF_HIP_BACKEND=CUDA)
#   2. GPU tests: the hip backend against the cpu backend (RF_REQUIRE_GPU=1: no skipping)
#   3. synthesize the benchmark models there (they are too big to send), compile them for the
#      device, and time them with rfbench and, in the same run, llama.cpp's llama-bench
# Logs and results go to $OUT (check.log, bench.jsonl, llama-bench.txt, ctest.xml).
#
#   run(command="scripts/gpu/check.sh [tests|bench|all] [MODELS...]", carry=[".carry"])
#   MODELS: qwen-q8_0 qwen-q4_0 qwen-q4_k_m llama1b-q4_k_m llama1b-q8_0 llama7b-q4_0 llama7b-q4_k_m
set -uo pipefail
cd "$(dirname "$0")/../.."
what=${1:-all}
shift || true
models=("$@")
[[ ${#models[@]} -gt 0 ]] || models=(qwen-q8_0 llama7b-q4_0)
out=${OUT:-$PWD/out/gpu}
mkdir -p "$out"
exec > >(tee "$out/check.log") 2>&1
jobs=$(nproc)
status=0
step() { echo; echo "== $* ($(date +%T))"; }
export LD_LIBRARY_PATH="$PWD/.carry/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export RF_TEST_VOCAB_DIR="$PWD/.carry/vocab"

step "machine"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv || true

step "build (RF_HIP_BACKEND=CUDA)"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=Release -DRF_HIP_BACKEND=CUDA \
  -DCUDAToolkit_ROOT=/usr/local/cuda -DCMAKE_PREFIX_PATH="$PWD/.carry/usr" \
  -DRF_BUILD_BENCHMARKS=OFF >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
if ! cmake --build build-gpu -j"$jobs" --target rfc rfbench hip_backend_test hip_gpu_test \
    >"$out/build.log" 2>&1; then
  grep -E "error|Error" "$out/build.log" | head -40
  exit 1
fi
rfc=build-gpu/tools/rfc
rfbench=build-gpu/tools/rfbench

if [[ $what == tests || $what == all ]]; then
  step "GPU tests"
  RF_REQUIRE_GPU=1 timeout 300 ctest --test-dir build-gpu -L gpu --output-on-failure -V \
    --output-junit "$out/ctest.xml" 2>&1 | grep -E "measured|Passed|Failed|Failure|error|Expected|Which|OK|FAILED|Skipped|rel L2|\[ " \
    || status=1
fi

if [[ $what == bench || $what == all ]]; then
  step "llama.cpp for sm_90"
  tar xJf .carry/llama/llama-cuda-sm90.tar.xz -C / && llama_bench=/tmp/anc/src/build-cuda/bin/llama-bench
  mkdir -p /tmp/models
  for m in "${models[@]}"; do
    case $m in
      qwen-*) arch=qwen2; preset=qwen2.5-0.5b; vocab=qwen2 ;;
      llama1b-*) arch=llama; preset=llama-3.2-1b; vocab=qwen2 ;;
      llama7b-*) arch=llama; preset=llama-2-7b; vocab=llama-spm ;;
    esac
    type=${m#*-}
    gguf=/tmp/models/$m.gguf
    step "$m: synthesize, compile, rfbench, llama-bench"
    $rfc synth --arch $arch --preset $preset --type "$type" --vocab ".carry/vocab/ggml-vocab-$vocab.gguf" \
      --seed 1 -o "$gguf" || { status=1; continue; }
    /usr/bin/time -f "compile: %e s, %M KB" $rfc compile "$gguf" -o "/tmp/models/$m.plan" \
      --target sm_90 --max-context 1024 --max-batch 512 || { status=1; continue; }
    timeout 300 $rfbench "/tmp/models/$m.plan" -p 512 -n 128 -r 3 --profile 2>&1 | head -60 || status=1
    timeout 300 $rfbench "/tmp/models/$m.plan" -p 512 -n 128 -r 3 --json >>"$out/bench.jsonl" || status=1
    if [[ -x $llama_bench ]]; then
      timeout 300 $llama_bench -m "$gguf" -ngl 99 -p 512 -n 128 -r 3 -fa 1 2>&1 | tee -a "$out/llama-bench.txt" | grep -E "\|" || true
    fi
    rm -f "/tmp/models/$m.plan"
  done
fi

step "done: $([[ $status == 0 ]] && echo PASS || echo FAIL)"
exit $status
