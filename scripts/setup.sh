#!/usr/bin/env bash
# Installs what ROCmForge needs to build and test on Debian 12, idempotently: only missing packages
# are installed (apt-get, with sudo when not root). Safe to run again and again.
set -euo pipefail

packages=(
  build-essential cmake git pkg-config
  libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libxxhash-dev nlohmann-json3-dev
  unicode-data                   # scripts/gen_unicode_categories.py reads it (tokenizer tables)
  clang libclang-rt-14-dev      # libFuzzer and the sanitizers
  clang-format                   # the formatting check in scripts/test.sh (.clang-format)
  nodejs npm                     # the llama.cpp oracle comes from npm
  python3
  # HIP 5.2.3 for RF_HIP_BACKEND=AMD (find_package(hip) wants all of these) and its hipRTC, which
  # checks kernels for gfx1030/gfx90a
  libamdhip64-dev libamdhip64-5 hipcc rocm-device-libs libamd-comgr-dev libhsa-runtime-dev rocm-cmake
  clang-19 lld-19 llvm-19        # offline AMDGPU compiles (gfx1100) and llvm-readelf resource notes
  debootstrap                    # the Debian 13 chroot with a gfx1100-capable hipRTC
)

# Node.js from elsewhere (e.g. NodeSource, whose nodejs package bundles npm and conflicts with
# Debian's npm) is as good as Debian's: only the npm command matters.
skip=()
command -v npm >/dev/null && command -v node >/dev/null && skip=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  [[ " ${skip[*]} " == *" $p "* ]] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "setup: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
