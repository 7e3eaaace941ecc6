#!/usr/bin/env bash
# Configures and builds Basalt into build/ (binaries in build/bin). Extra arguments go to cmake --build,
# e.g. `scripts/build.sh --target basalt-worker`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BASALT_BUILD_DIR:-$root/build}
jobs=${BASALT_JOBS:-$(nproc)}
generator=()
command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$build" -j "$jobs" "$@"
