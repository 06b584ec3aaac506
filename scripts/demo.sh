#!/usr/bin/env bash
# Sets up, builds, and runs the main job on the bundled model (stories260K).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build >/dev/null
cmake --build build -j"${RF_JOBS:-2}" --target rfc
build/tools/rfc inspect models/stories260K.gguf
