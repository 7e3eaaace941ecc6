// The decode step's first kernel: token embeddings, with the ids the previous step chose on the device
// (asynchronous decoding) filled in on the way. Torch's embedding kernel after FillPendingIds was two
// kernels at the head of every step, and, launched plainly, it kept the first GEMV from being scheduled
// (and from issuing its weight loads) until it had finished.
#include <cstdint>

#include "worker/kernels/kernels.h"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

constexpr int kThreads = 128;

// One block per row: out[row] = table[id], id = previous[source_rows[row]] where that is >= 0 (also
// written back to ids), else ids[row]. An id outside the vocabulary gives a zero row.
__global__ void __launch_bounds__(kThreads)
    EmbedRowsKernel(uint4* out, const uint4* table, int64_t* ids, const int64_t* source_rows, const int64_t* previous,
                    int64_t vocab, int chunks_per_row) {
  AllowNextKernel();
  WaitForPreviousKernel();
  const int row = blockIdx.x;
  int64_t id = ids[row];
  if (source_rows != nullptr) {
    const int64_t source = source_rows[row];
    if (source >= 0) {
      id = previous[source];
      if (threadIdx.x == 0) ids[row] = id;  // the other threads read ids[row] only where source < 0
    }
  }
  const bool valid = id >= 0 && id < vocab;
  const uint4* from = table + (valid ? id : 0) * chunks_per_row;
  uint4* to = out + static_cast<int64_t>(row) * chunks_per_row;
  for (int c = threadIdx.x; c < chunks_per_row; c += kThreads) to[c] = valid ? __ldg(from + c) : make_uint4(0, 0, 0, 0);
}

}  // namespace

cudaError_t EmbedRows(void* out, const void* table, int64_t* ids, const int64_t* source_rows, const int64_t* previous,
                      int rows, int64_t vocab, int64_t row_bytes, cudaStream_t stream) {
  if (rows <= 0) return cudaSuccess;
  if (row_bytes % 16 != 0 || reinterpret_cast<uintptr_t>(out) % 16 != 0 || reinterpret_cast<uintptr_t>(table) % 16 != 0) {
    return cudaErrorInvalidValue;
  }
  return LaunchKernel(EmbedRowsKernel, dim3(static_cast<unsigned>(rows)), dim3(kThreads), 0, stream,
                      static_cast<uint4*>(out), static_cast<const uint4*>(table), ids, source_rows, previous, vocab,
                      static_cast<int>(row_bytes / 16));
}

}  // namespace basalt::kernels
