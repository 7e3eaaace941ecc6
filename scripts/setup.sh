#!/usr/bin/env bash
# Installs everything Basalt builds and tests with: Debian packages (idempotent) and the npm test tools
# into tests/node_modules (from the committed lockfile). Safe to run again; does nothing that is done.
#   scripts/setup.sh                 build + test dependencies
#   scripts/setup.sh --build-only    what building needs (Docker images use this)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_only=false
[ "${1:-}" = "--build-only" ] && build_only=true

build_packages=(
  # toolchain
  cmake g++ ninja-build pkg-config git ca-certificates
  # libraries the build links
  libtorch-dev libgrpc++-dev libgrpc-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
  libcpp-httplib-dev rapidjson-dev libabsl-dev libpcre2-dev libicu-dev libspdlog-dev libfmt-dev
  libgtest-dev
  # libtorch on CPU calls BLAS: OpenBLAS instead of the reference BLAS is several times faster
  libopenblas0-pthread
)
test_packages=(
  # tests, benchmarks, fuzzing, the browser test of the playground
  libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev python3 python3-jinja2 nodejs chromium
)
packages=("${build_packages[@]}")
$build_only || packages+=("${test_packages[@]}")

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from NodeSource bundles npm; Debian's own nodejs needs the separate npm package.
$build_only || command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# npm test tools (openai client, grpc-js, transformers.js, jinja, playwright-core), pinned by the lockfile.
if ! $build_only && [ -f "$root/tests/package.json" ]; then
  if [ ! -d "$root/tests/node_modules" ] || [ "$root/tests/package-lock.json" -nt "$root/tests/node_modules/.package-lock.json" ]; then
    (cd "$root/tests" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
fi
echo "setup: done"
