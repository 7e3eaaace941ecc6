#!/usr/bin/env bash
# The README's run command: sets up, builds the worker and gateway, and serves a model with the OpenAI
# API on http://localhost:${PORT:-8000} (playground at /). MODEL=DIR serves another model directory;
# DEVICE=cuda runs it on the GPU. Ctrl-C stops both processes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/scripts/setup.sh" --build-only  # serving needs no test tools
bash "$root/scripts/build.sh" --target basalt-worker basalt-gateway
bin=${BASALT_BUILD_DIR:-$root/build}/bin

model=${MODEL:-$root/models/default}
port=${PORT:-8000}
worker_port=${WORKER_PORT:-50051}
"$bin/basalt-worker" --model "$model" --listen "127.0.0.1:$worker_port" --device "${DEVICE:-cpu}" &
worker=$!
trap 'kill $worker 2>/dev/null; wait $worker 2>/dev/null' EXIT INT TERM
# The gateway waits for the worker itself; start it in the foreground.
"$bin/basalt-gateway" --worker "127.0.0.1:$worker_port" --listen "0.0.0.0:$port" --web "$root/web"
