#!/usr/bin/env bash
# Sets up and runs every test: the source formatting check, the main build's tests (oracle tests, the offline kernel checks and
# the emu backend's tests of the GPU kernels on the CPU included), the HIP runtime again built with
# the HIP-to-CUDA shim (when CUDA is installed), the parser tests and the emu backend's again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and the fuzz targets over their committed corpora.
# This is what CI runs (.ci/run) and what a newcomer runs on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${RF_JOBS:-2}

scripts/setup.sh
export RF_ORACLE_DIR=${RF_ORACLE_DIR:-$HOME/.cache/rocmforge-oracle}
tests/oracle/setup.sh "$RF_ORACLE_DIR" >/dev/null
export RF_REQUIRE_ORACLE=1   # oracle tests fail, not skip, if the oracle is missing
# The gfx1100 kernel check's real hipRTC: a Debian 13 chroot (~30 s the first time, then cached).
export RF_TRIXIE_DIR=${RF_TRIXIE_DIR:-$HOME/.cache/rocmforge/trixie}
scripts/setup-gfx1100-chroot.sh "$RF_TRIXIE_DIR" >/dev/null
export RF_REQUIRE_KERNEL_TOOLCHAINS=1   # kernel checks fail, not skip, if clang or the chroot is missing

echo "== formatting (clang-format, .clang-format)"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

echo "== build and test (RelWithDebInfo)"
cmake -S . -B build -DRF_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure

cuda=${CUDA_HOME:-/usr/local/cuda}
if [[ -x $cuda/bin/nvcc ]]; then
  echo "== HIP runtime with the HIP-to-CUDA shim (NVRTC kernel checks for sm_90; no GPU needed)"
  cmake -S . -B build-cuda -DRF_WERROR=ON -DRF_HIP_BACKEND=CUDA -DCUDAToolkit_ROOT="$cuda" >/dev/null
  cmake --build build-cuda -j"$jobs" --target rf-kcheck rf-hip-smoke kernel_cache_test \
    hip_compiler_test hip_gpu_test kernel_compile_test model_kernels_test
  ctest --test-dir build-cuda -j"$jobs" -L 'hip|kernels' --output-on-failure
else
  echo "== HIP-to-CUDA shim: skipped, no CUDA toolkit at $cuda (set CUDA_HOME)"
fi

echo "== parser tests under AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRF_SANITIZE=address,undefined -DRF_HIP_BACKEND=OFF \
  -DRF_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-asan -j"$jobs" --target rf_sanitized_tests
ctest --test-dir build-asan -j"$jobs" -L parser --output-on-failure

# The emulator's kernels are built with AddressSanitizer too, and each instruction may touch only
# its own tensors in the arena (runtime/emu/emu_backend.cc): a kernel reading past its rows is
# reported at the line that does it. stories260K for a wave32 and a wave64 target (~1 min);
# RF_EMU_ASAN=0 skips this, RF_EMU_ASAN=all runs every emu test (~5 min).
if [[ ${RF_EMU_ASAN:-1} != 0 ]]; then
  echo "== emu backend (GPU kernels on the CPU) under AddressSanitizer"
  cmake --build build-asan -j"$jobs" --target emu_kernel_test emu_backend_test
  filter='EmuKernelTest|[.]Stories260KMatchesTheCpu/(sm_90|gfx90a)'
  [[ ${RF_EMU_ASAN:-1} == all ]] && filter='.'
  ctest --test-dir build-asan -j"$jobs" -L emu -R "$filter" --output-on-failure
fi

echo "== fuzz targets over their corpora"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DRF_FUZZ=ON -DRF_HIP_BACKEND=OFF \
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
