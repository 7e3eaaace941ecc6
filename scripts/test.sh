#!/usr/bin/env bash
# The README's test command: sets up (Debian packages, npm test tools), builds everything, runs every
# test (GoogleTest unit tests, worker/gateway tests on fixture models, end-to-end tests with the official
# openai client, browser tests) through CTest.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh"
bash "$root/scripts/build.sh"
cd "${BASALT_BUILD_DIR:-$root/build}"
ctest --output-on-failure -j "${BASALT_TEST_JOBS:-$(nproc)}" "$@"
