#!/usr/bin/env bash
# Builds a Debian 13 (trixie) chroot whose hipRTC (HIP 5.7.1) compiles for gfx1100, and inside it
# rf-hiprtc-compile (tools/hiprtc_compile/), so that CI can check kernels for the RX 7900 with a REAL
# hipRTC. Debian 12's hipRTC 5.2.3 aborts the process on gfx11 (../shared/TOOLCHAIN.md).
#
#   scripts/setup-gfx1100-chroot.sh [DIR]      # default $RF_TRIXIE_DIR or ~/.cache/rocmforge/trixie
#   build/tools/rf-kcheck --target gfx1100 --via chroot --report K.hip   # compile a kernel with it
#   chroot DIR /opt/rocmforge/rf-hiprtc-compile --offload-arch=gfx1100 -O3 < k.hip > k.co   # by hand
#
# Idempotent: each stage leaves a stamp and is skipped when done; rerunning after an interruption
# resumes. The compile program is rebuilt when its source changes. Needs root (debootstrap, chroot)
# and network on the first run; about 730 MB on disk; 30 s to 2 min from scratch (network-bound),
# instant when done. Prints the time each stage took.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${RF_TRIXIE_DIR:-$HOME/.cache/rocmforge/trixie}}
mirror=${RF_DEBIAN_MIRROR:-http://deb.debian.org/debian}
src=$here/tools/hiprtc_compile/hiprtc_compile.cc

sudo=""
[[ $(id -u) -eq 0 ]] || sudo="sudo"
stage() { echo "setup-gfx1100-chroot: $*" >&2; }
# debootstrap's and apt's chatter goes to a log beside the chroot; shown when a step fails.
log=$dir.setup.log
quiet() {
  "$@" >>"$log" 2>&1 || { tail -30 "$log" >&2; stage "FAILED: $* (log: $log)"; exit 1; }
}
t0=$SECONDS

if ! command -v debootstrap >/dev/null; then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq debootstrap >&2
fi

# 1. The base system, built beside the target and renamed into place when complete.
if [[ ! -e $dir/.rf-debootstrap-done ]]; then
  stage "debootstrap --variant=minbase trixie $dir"
  $sudo rm -rf "$dir.partial"
  mkdir -p "$(dirname "$dir")"
  : >"$log"
  quiet $sudo debootstrap --variant=minbase trixie "$dir.partial" "$mirror"
  $sudo touch "$dir.partial/.rf-debootstrap-done"
  $sudo rm -rf "$dir"
  $sudo mv "$dir.partial" "$dir"
  stage "debootstrap took $((SECONDS - t0)) s"
fi

# 2. HIP 5.7 and a compiler, inside.
if [[ ! -e $dir/.rf-packages-done ]]; then
  t1=$SECONDS
  stage "apt-get install libamdhip64-dev g++ (inside)"
  $sudo cp /etc/resolv.conf "$dir/etc/resolv.conf"
  quiet $sudo chroot "$dir" apt-get update -qq
  quiet $sudo chroot "$dir" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends libamdhip64-dev g++
  quiet $sudo chroot "$dir" apt-get clean
  $sudo touch "$dir/.rf-packages-done"
  stage "packages took $((SECONDS - t1)) s"
fi

# 3. rf-hiprtc-compile, rebuilt when its source changed.
want=$(sha256sum "$src" | cut -d' ' -f1)
have=$(cat "$dir/opt/rocmforge/source.sha256" 2>/dev/null || true)
if [[ $want != "$have" || ! -x $dir/opt/rocmforge/rf-hiprtc-compile ]]; then
  t1=$SECONDS
  stage "building rf-hiprtc-compile (inside)"
  $sudo mkdir -p "$dir/opt/rocmforge"
  $sudo cp "$src" "$dir/opt/rocmforge/hiprtc_compile.cc"
  # HIP >= 5.6 moved hipRTC into its own libhiprtc; older ones keep it in libamdhip64.
  libs="-lamdhip64"
  if compgen -G "$dir/usr/lib/x86_64-linux-gnu/libhiprtc.so*" >/dev/null; then libs="-lhiprtc $libs"; fi
  quiet $sudo chroot "$dir" g++ -std=c++17 -O2 -D__HIP_PLATFORM_AMD__ \
    -o /opt/rocmforge/rf-hiprtc-compile /opt/rocmforge/hiprtc_compile.cc $libs
  echo "$want" | $sudo tee "$dir/opt/rocmforge/source.sha256" >/dev/null
  stage "build took $((SECONDS - t1)) s"
fi

stage "ready in $((SECONDS - t0)) s: $($sudo chroot "$dir" /opt/rocmforge/rf-hiprtc-compile --version)"
echo "$dir"
