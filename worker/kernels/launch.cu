#include <algorithm>
#include <cstdlib>

#include "worker/kernels/kernels.h"
#include "worker/kernels/launch.cuh"

namespace basalt::kernels {
namespace {

// 14% of the H100/H200's 228 KB is the 32 KB split (224 KB of L1): the smallest that holds a block of the
// cluster decode attention (~22 KB) beside the GEMV's blocks (~1 KB each), so that the whole batch-1 chain
// runs in one split. Measured in the batch-1 chain (H200, bench/RESULTS.md): 886 us against 917-921 with
// the driver's split per kernel, 990 at 28% / 43% / 57%, 963 at 100% (the GEMVs lose L1).
// BASALT_SMEM_CARVEOUT=-1 leaves the split to the driver (the measurement baseline), N asks for N percent.
constexpr int kDefaultCarveout = 14;

int& Carveout() {
  static int percent = [] {
    const char* v = std::getenv("BASALT_SMEM_CARVEOUT");
    return v != nullptr && *v != '\0' ? std::atoi(v) : kDefaultCarveout;
  }();
  return percent;
}

}  // namespace

int SharedMemoryCarveout() { return Carveout(); }

int SetSharedMemoryCarveout(int percent) {
  const int previous = Carveout();
  Carveout() = percent < 0 ? -1 : std::min(percent, 100);
  return previous;
}

}  // namespace basalt::kernels
