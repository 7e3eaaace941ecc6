#!/usr/bin/env bash
# Downloads the Debian packages the worker's CUDA build needs besides libtorch and CUDA into DIR (an
# ignored folder of the checkout, default .gpu-debs), with gpu-env.sh, so that they can travel to a GPU
# machine that has the torch venv and nvcc but not these libraries. There, from the checkout root:
#   . .gpu-debs/gpu-env.sh; cmake -S . -B /tmp/b -G Ninja && cmake --build /tmp/b -j16
# (bench/gpu_session.sh does this). The packages unpack into /tmp/deb, never into /.
set -euo pipefail
dir=${1:-.gpu-debs}
mkdir -p "$dir"
cd "$dir"
packages=(
  # gRPC and Protobuf (the worker's RPC layer, the gateway, basalt-bench)
  libgrpc++1.51 libgrpc29 libgrpc++-dev libgrpc-dev protobuf-compiler-grpc protobuf-compiler libprotobuf32
  libprotobuf-dev libprotoc32 libupb-dev libre2-9 libre2-dev libc-ares2 libc-ares-dev zlib1g-dev
  libssl-dev libssl3 libbrotli-dev
  # abseil, HTTP, JSON, logs
  libabsl20220623 libabsl-dev libcpp-httplib0.11 libcpp-httplib-dev rapidjson-dev libspdlog1.10 libspdlog-dev
  libfmt9 libfmt-dev
  # the tokenizer's regexes and Unicode normalization
  libpcre2-8-0 libpcre2-16-0 libpcre2-32-0 libpcre2-posix3 libpcre2-dev libicu72 libicu-dev
  # the CUDA tests
  libgtest-dev libgmock-dev
)
for p in "${packages[@]}"; do
  [ -n "$(ls "${p}"_*.deb 2>/dev/null)" ] || apt-get download "$p" >/dev/null 2>&1 || { echo "cannot download $p" >&2; exit 1; }
done
cat > gpu-env.sh <<'EOF'
# Source on the GPU machine from the checkout root: . .gpu-debs/gpu-env.sh
# Unpacks the carried .debs into /tmp/deb and exports what CMake needs to find them and the venv's libtorch.
here=$(dirname "${BASH_SOURCE[0]}")
P=/tmp/deb
if [ ! -e $P/.done ]; then mkdir -p $P; for f in "$here"/*.deb; do dpkg -x "$f" $P; done; touch $P/.done; fi
export LD_LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LIBRARY_PATH=$P/usr/lib/x86_64-linux-gnu
export PKG_CONFIG_PATH=$P/usr/lib/x86_64-linux-gnu/pkgconfig:$P/usr/share/pkgconfig
export PATH=$P/usr/bin:$PATH
TORCH_DIR=$(/opt/torch/.venv/bin/python -c 'import torch,os;print(os.path.dirname(torch.__file__))')
export CMAKE_PREFIX_PATH="$TORCH_DIR/share/cmake:$P/usr:$P/usr/lib/x86_64-linux-gnu/cmake"  # the environment form is colon-separated
export CUDACXX=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
EOF
du -sh .
