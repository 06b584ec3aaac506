#!/usr/bin/env bash
# Prepares .carry/ (git-ignored) on the CPU machine: the build dependencies the H100 machine lacks
# (it has Ubuntu 24.04, g++ 13, cmake 4, CUDA 13, but no Abseil and no network), unpacked from
# Debian 12's packages with `dpkg -x`, so that scripts/gpu/smoke.sh can build there. The lead
# carries it with the working tree: run(carry=[".carry"]). Abseil's and GoogleTest's CMake configs
# are relocatable; the build finds them with CMAKE_PREFIX_PATH=.carry/usr. Debian 12's libraries
# (glibc 2.36) run on Ubuntu 24.04 (glibc 2.39). About 6 MB.
#
#   scripts/gpu/prepare-carry.sh          idempotent: rebuilds .carry/ from the package files
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(
  libabsl-dev libabsl20220623   # Abseil headers, CMake config, shared libraries
  libxxhash-dev                 # xxhash.h (used header-only: XXH_INLINE_ALL)
  libgtest-dev libgmock-dev     # GoogleTest + gmock (static libraries, CMake config)
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -o APT::Sandbox::User=root "${packages[@]}" >/dev/null)
rm -rf .carry/usr
mkdir -p .carry
for deb in "$tmp"/*.deb; do dpkg -x "$deb" .carry; done
# Not needed: documentation, GoogleTest's sources, Abseil's static libraries (its CMake config
# imports the shared ones).
rm -rf .carry/usr/share .carry/usr/src .carry/usr/lib/x86_64-linux-gnu/libabsl_*.a
printf '%s\n' "${packages[@]}" > .carry/PACKAGES
echo "prepare-carry: $(du -sh .carry | cut -f1) in .carry/ ($(ls "$tmp" | tr '\n' ' '))"
