#!/usr/bin/env bash
# Issue 7's benchmark on a GPU machine, in one run: build, make the TinyLlama-1.1B-shaped random model,
# measure the transformers baseline and the bandwidth roofline, then drive the worker over gRPC and
# through the gateway over HTTP with basalt-bench. Results go to $OUT (or ./bench-out).
#   bench/run_gpu_bench.sh BUILD_DIR [CONCURRENCY] [PROMPT_LENS]
# REQUESTS: requests per stream at each level (default 2; more steadies the 1-stream figures).
set -euo pipefail
build=${1:?usage: run_gpu_bench.sh BUILD_DIR}
conc=${2:-1,8,32,128,256}
prompts=${3:-128,1024}
out=${OUT:-bench-out}
mkdir -p "$out"
model=/tmp/tinyllama-random
[ -f $model/model.safetensors ] || "$build/bin/basalt-bench" make-model $model
# Python must not see the Debian libraries that gpu-env.sh puts on LD_LIBRARY_PATH for the C++ build.
# BASELINE=FILE reuses one measured earlier in the same run (an A/B of the worker alone).
if [ -n "${BASELINE:-}" ] && [ -f "$BASELINE" ]; then
  cp "$BASELINE" "$out/baseline.json"
else
  LD_LIBRARY_PATH=${PYTHON_LD_LIBRARY_PATH-$LD_LIBRARY_PATH} python3 bench/hf_baseline.py $model "$out/baseline.json" \
    ${HF_ARGS:-} > "$out/hf_baseline.log" 2>&1 || {
    tail -20 "$out/hf_baseline.log"; }
  grep "transformers generate" "$out/hf_baseline.log" || true
fi
"$build/bin/basalt-worker" --model $model --device cuda --listen 127.0.0.1:50051 ${WORKER_ARGS:-} \
  > "$out/worker.log" 2>&1 &
worker=$!
trap 'kill $worker ${gateway:-} 2>/dev/null || true' EXIT
for i in $(seq 120); do grep -q "serving" "$out/worker.log" && break; sleep 0.5; done
grep -E "loaded|KV cache" "$out/worker.log" || { tail "$out/worker.log"; exit 1; }
label="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
"$build/bin/basalt-bench" run --grpc 127.0.0.1:50051 --concurrency "$conc" --prompt-lens "$prompts" \
  --requests_per_stream "${REQUESTS:-2}" --baseline "$out/baseline.json" --json "$out/grpc.json" --label "$label"
if [ -x "$build/bin/basalt-gateway" ] && [ -z "${SKIP_HTTP:-}" ]; then
  "$build/bin/basalt-gateway" --worker 127.0.0.1:50051 --listen 127.0.0.1:8000 > "$out/gateway.log" 2>&1 &
  gateway=$!
  py() { LD_LIBRARY_PATH=${PYTHON_LD_LIBRARY_PATH-$LD_LIBRARY_PATH} python3 "$@"; }
  for i in $(seq 60); do
    py -c 'import urllib.request; urllib.request.urlopen("http://127.0.0.1:8000/health")' 2>/dev/null && break
    sleep 0.5
  done
  model_name=$(py -c 'import json,urllib.request; print(json.load(urllib.request.urlopen("http://127.0.0.1:8000/v1/models"))["data"][0]["id"])')
  "$build/bin/basalt-bench" run --http 127.0.0.1:8000 --model "$model_name" --concurrency "$conc" \
    --prompt-lens "$prompts" --requests_per_stream "${REQUESTS:-2}" --baseline "$out/baseline.json" \
    --json "$out/http.json" --label "$label"
fi
