#!/usr/bin/env bash
# One GPU-machine session in one command (the device machine keeps nothing between calls): build the
# worker, gateway, benchmarks and CUDA tests, run the CUDA tests, the kernel benchmark (kernels against
# torch, and the batch-1 decode chain with each L2 prefetch setting), issue 7's benchmark
# (bench/run_gpu_bench.sh) and a same-run A/B with one switch changed (AB_ENV). Everything lands in
# $OUT/session.tar.gz and a short summary is printed last. Run from the checkout root with .gpu-debs carried:
#   bench/gpu_session.sh [STEPS]    STEPS: comma list of build,tests,kernels,bench,profile,ab (default all)
# Environment: CONC (1,32,128), PROMPTS (128), BUILD (/tmp/b), AB_ENV (ASYNC_DECODE=off), AB_CONC, AB_PROMPTS,
# AB_WORKER_ARGS (';'-separated worker flag sets, one A/B run each, instead of AB_ENV), PROFILE_PROMPTS (128),
# NCU_SKINNY=1 (ncu of the skinny GEMM; NCU_KERNEL: a kernel name regex instead), SASS_STATS=0 (skip the
# ~80 s per-kernel SASS counts), KERNELS_AB_ENV
# (the kernel bench again with this environment), REQUESTS (requests per stream, run_gpu_bench.sh),
# BASELINE (a baseline.json of an earlier run: skips the ~50 s transformers measurement), TARGETS (what to
# build; default all five).
# Filter its output with `grep --line-buffered`: a call cut short (timeout, device budget) returns only
# what reached the pipe's end, and a buffered grep holds all of it.
set -uo pipefail
steps=${1:-build,tests,kernels,bench,profile,ab}
out=${OUT:-/tmp/session-out}
logs=/tmp/session-logs
mkdir -p "$out" "$logs"
build=${BUILD:-/tmp/b}
export PYTHON_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
. .gpu-debs/gpu-env.sh
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a $logs/summary.txt; }
has() { [[ ",$steps," == *",$1,"* ]]; }
# The bench step's transformers baseline, else BASELINE's (else each later run measures its own).
measured_baseline() { [ -f $logs/bench/baseline.json ] && echo $logs/bench/baseline.json || echo "${BASELINE:-}"; }
finish() {
  tar -czf "$out/session.tar.gz" -C $logs . 2>/dev/null
  echo "==== summary"; cat $logs/summary.txt
}
trap finish EXIT

nvidia-smi --query-gpu=name,memory.total,clocks.sm,clocks.mem --format=csv,noheader | tee -a $logs/summary.txt
LD_LIBRARY_PATH=$PYTHON_LD_LIBRARY_PATH python3 -c \
  'import torch; print("flash schema:", torch.ops.aten._flash_attention_forward.default._schema)' >> $logs/summary.txt 2>&1

if has build; then
  stamp "build"
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBASALT_BUILD_FUZZERS=OFF -DICU_ROOT=/tmp/deb/usr -DCMAKE_LIBRARY_ARCHITECTURE=x86_64-linux-gnu > $logs/cmake.log 2>&1 || {
    tail -30 $logs/cmake.log; exit 1; }
  cmake --build "$build" -j16 --target ${TARGETS:-basalt-worker basalt-gateway basalt-bench basalt-kernel-bench worker_cuda_tests} \
    > $logs/build.log 2>&1 || { grep -E "error|Error" $logs/build.log | head -40; exit 1; }
  stamp "built"
  [ "${SASS_STATS:-1}" = 0 ] || for o in "$build"/worker/CMakeFiles/basalt_kernels.dir/kernels/*.o; do
    echo "$(basename $o): HMMA $(cuobjdump --dump-sass $o 2>/dev/null | grep -c HMMA), LDL/STL $(cuobjdump --dump-sass $o 2>/dev/null | grep -cE 'LDL|STL')"
  done >> $logs/summary.txt
fi

if has tests; then
  stamp "cuda tests"
  timeout 240 "$build/bin/worker_cuda_tests" > $logs/cuda_tests.log 2>&1
  grep -E "^\[  (PASSED|FAILED) |FAILED  \]|tests ran" $logs/cuda_tests.log | tee -a $logs/summary.txt
  grep -B2 -A6 "Failure" $logs/cuda_tests.log | head -60 >> $logs/summary.txt
fi

if has kernels; then
  stamp "kernel bench"
  timeout 180 "$build/bin/basalt-kernel-bench" > $logs/kernel_bench.log 2>&1
  cat $logs/kernel_bench.log >> $logs/summary.txt
  if [ -n "${KERNELS_AB_ENV:-}" ]; then
    stamp "kernel bench with $KERNELS_AB_ENV"
    env $KERNELS_AB_ENV timeout 180 "$build/bin/basalt-kernel-bench" > $logs/kernel_bench_ab.log 2>&1
    cat $logs/kernel_bench_ab.log >> $logs/summary.txt
  fi
  if [ -n "${NCU_SKINNY:-}" ]; then
    stamp "ncu: the first launch of ${NCU_KERNEL:-SkinnyMma}"
    BASALT_SKINNY_MMA=1 timeout 120 ncu --clock-control none -k regex:${NCU_KERNEL:-SkinnyMma} --launch-skip 0 --launch-count 1 \
      --section SpeedOfLight --section Occupancy --section WarpStateStats --section MemoryWorkloadAnalysis \
      --section LaunchStats "$build/bin/basalt-kernel-bench" > $logs/ncu_skinny.log 2>&1
    grep -E "SkinnyMma|Duration|Throughput|Warp Cycles|Stall|Achieved Occupancy|Registers|Grid Size|Theoretical Occ|L2 Hit|Block Limit" \
      $logs/ncu_skinny.log | head -40 >> $logs/summary.txt
  fi
fi

if has bench; then
  # Without the step profile: its per-step wait for the device (a reduction and a copy) is not part of
  # serving, and would be counted in every token's latency.
  stamp "issue 7 benchmark"
  OUT=$logs/bench WORKER_ARGS="${WORKER_ARGS:-}" timeout 300 \
    bench/run_gpu_bench.sh "$build" "${CONC:-1,32,128}" "${PROMPTS:-128}" > $logs/bench.log 2>&1
  grep -E "^api|^grpc|^http|transformers" $logs/bench.log | tee -a $logs/summary.txt
fi

if has profile; then
  stamp "step profile (gRPC, BASALT_STEP_PROFILE=1)"
  OUT=$logs/bench-profile SKIP_HTTP=1 BASELINE=$(measured_baseline) BASALT_STEP_PROFILE=1 \
    timeout 200 bench/run_gpu_bench.sh "$build" "${CONC:-1,32,128}" "${PROFILE_PROMPTS:-128}" > $logs/bench-profile.log 2>&1
  grep -E "prompt steps" $logs/bench-profile/worker.log | head -8 >> $logs/summary.txt
  grep -E "decode steps" $logs/bench-profile/worker.log | tail -4 >> $logs/summary.txt
fi

if has ab; then
  # The same gRPC workload with this session's new path off (AB_ENV, default: synchronous decode steps), for a
  # same-run baseline. AB_WORKER_ARGS instead: one run per ';'-separated set of worker flags.
  ab_prompts=${AB_PROMPTS:-128}
  ab_baseline=$(measured_baseline)
  if [ -n "${AB_WORKER_ARGS:-}" ]; then
    IFS=';' read -ra ab_sets <<< "$AB_WORKER_ARGS"
    for i in "${!ab_sets[@]}"; do
      stamp "A/B: worker ${ab_sets[$i]} (gRPC, prompt $ab_prompts)"
      WORKER_ARGS="${ab_sets[$i]}" OUT=$logs/bench-ab$i SKIP_HTTP=1 BASELINE=$ab_baseline \
        timeout 200 bench/run_gpu_bench.sh "$build" "${AB_CONC:-1,32,128}" "$ab_prompts" > $logs/bench-ab$i.log 2>&1
      grep -E "^api|^grpc" $logs/bench-ab$i.log | tee -a $logs/summary.txt
    done
  else
    ab_env=${AB_ENV:-ASYNC_DECODE=off}
    stamp "A/B: $ab_env (gRPC, prompt $ab_prompts)"
    env $ab_env OUT=$logs/bench-base SKIP_HTTP=1 BASELINE=$ab_baseline \
      timeout 200 bench/run_gpu_bench.sh "$build" "${AB_CONC:-1,32,128}" "$ab_prompts" > $logs/bench-base.log 2>&1
    grep -E "^api|^grpc" $logs/bench-base.log | tee -a $logs/summary.txt
  fi
fi

stamp "done"
