#!/usr/bin/env bash
# The main job on a fresh machine: installs what the build needs, builds rfc and rfrun, compiles the
# bundled model (stories260K) into a plan and generates from it. With a GPU (RF_DEMO_TARGET=gfx1100,
# sm_90, ...) the plan is compiled for it and runs on the hip backend; without one, on the cpu.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build >/dev/null
cmake --build build -j"${RF_JOBS:-2}" --target rfc rfrun
target="${RF_DEMO_TARGET:-cpu}"
build/tools/rfc compile models/stories260K.gguf --target "$target" -o build/stories260K.plan
build/tools/rfrun build/stories260K.plan --prompt "${RF_DEMO_PROMPT:-Once upon a time}" \
  --max-tokens "${RF_DEMO_TOKENS:-200}" --seed "${RF_DEMO_SEED:-42}"
