#!/usr/bin/env bash
# The GPU smoke test, run by the lead on the H100 machine (Ubuntu 24.04, g++ 13, cmake 4, CUDA 13
# with its driver; no Abseil, no network). Builds the runtime with the HIP-to-CUDA shim there
# (RF_HIP_BACKEND=CUDA) against the dependencies in .carry/ (scripts/gpu/prepare-carry.sh, run on
# the CPU machine), then runs:
#   rf-hip-smoke   device query, one allocation, hipRTC(NVRTC) compile cold then warm through the
#                  kernel cache, GEMV + RMS norm checked against the CPU, graph capture + replay,
#                  copy bandwidth
#   ctest -L hip   the runtime's tests, GPU tests included (RF_REQUIRE_GPU=1: no skipping)
# Everything is logged under $OUT (the device tool brings that folder back), default out/gpu.
#
#   run(command="scripts/gpu/smoke.sh", carry=[".carry"])
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-$PWD/out/gpu}
mkdir -p "$out"
exec > >(tee "$out/smoke.log") 2>&1
jobs=$(nproc)
status=0
step() { echo; echo "== $* ($(date +%T))"; }

step "machine"
uname -a
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.memory --format=csv || true
g++ --version | head -1
cmake --version | head -1
/usr/local/cuda/bin/nvcc --version | tail -1
if [[ ! -d .carry/usr ]]; then
  echo "smoke: .carry/ is missing: run scripts/gpu/prepare-carry.sh on the CPU machine and carry .carry"
  exit 2
fi

# The carried Abseil is shared libraries whose own dependencies (libabsl_base -> libabsl_spinlock_wait)
# the executables' RUNPATH does not cover: the loader needs the folder.
export LD_LIBRARY_PATH="$PWD/.carry/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

step "configure (RF_HIP_BACKEND=CUDA)"
cmake -S . -B build-gpu -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_HIP_BACKEND=CUDA \
  -DCUDAToolkit_ROOT=/usr/local/cuda -DCMAKE_PREFIX_PATH="$PWD/.carry/usr" \
  -DRF_BUILD_BENCHMARKS=OFF >"$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
grep -E "RF_HIP_BACKEND" "$out/configure.log"

step "build"
targets=(rf-hip-smoke rf-kcheck kernel_cache_test hip_compiler_test hip_gpu_test kernel_compile_test)
if ! cmake --build build-gpu -j"$jobs" --target "${targets[@]}" >"$out/build.log" 2>&1; then
  grep -E "error|Error" "$out/build.log" | head -40
  exit 1
fi
echo "built: ${targets[*]}"

step "rf-hip-smoke"
build-gpu/tools/rf-hip-smoke --cache-dir "$out/kernel-cache" || status=1

step "kernel check: sm_90 with NVRTC"
build-gpu/tools/rf-kcheck --target sm_90 tests/kernels/*.hip || status=1

step "tests: ctest -L hip (GPU tests required)"
RF_REQUIRE_GPU=1 ctest --test-dir build-gpu -L hip --output-on-failure -j4 \
  --output-junit "$out/ctest-hip.xml" || status=1

step "done: $([[ $status == 0 ]] && echo PASS || echo FAIL)"
exit $status
