#include "worker/engine/device_memory.h"

#if defined(BASALT_WITH_CUDA)
#include <cuda_runtime_api.h>
#endif

namespace basalt::engine {

DeviceMemory QueryDeviceMemory(int device_index) {
  DeviceMemory mem;
#if defined(BASALT_WITH_CUDA)
  size_t free_bytes = 0, total_bytes = 0;
  int previous = 0;
  cudaGetDevice(&previous);
  cudaSetDevice(device_index);
  if (cudaMemGetInfo(&free_bytes, &total_bytes) == cudaSuccess) {
    mem.free = static_cast<int64_t>(free_bytes);
    mem.total = static_cast<int64_t>(total_bytes);
  }
  cudaSetDevice(previous);
#else
  (void)device_index;
#endif
  return mem;
}

}  // namespace basalt::engine
