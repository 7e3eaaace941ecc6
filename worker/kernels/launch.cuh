#pragma once
// Programmatic dependent launch (Hopper and later). A decode step is a chain of ~10 small kernels per
// layer; launched plainly, each waits for the previous one to finish before its blocks are even
// scheduled. Launched with LaunchKernel, a kernel's blocks may start while the previous kernel is still
// running: everything before WaitForPreviousKernel() overlaps it (the GEMV issues its weight loads
// there: weights are never written by a kernel), and everything after sees the previous kernel's
// results. Rule for every kernel launched this way: no global write, and no read of anything another
// kernel writes, before WaitForPreviousKernel(). AllowNextKernel() lets the next kernel be scheduled
// early. BASALT_PDL=0 launches plainly (the baseline for measurements); graphs capture the edges.
#include <cuda_runtime.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace basalt::kernels {

__device__ __forceinline__ void WaitForPreviousKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void AllowNextKernel() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.launch_dependents;" ::: "memory");
#endif
}

// An attribute of the current device, 0 if it cannot be queried.
inline int CurrentDeviceAttribute(cudaDeviceAttr attribute) {
  int device = 0, value = 0;
  if (cudaGetDevice(&device) != cudaSuccess) return 0;
  if (cudaDeviceGetAttribute(&value, attribute, device) != cudaSuccess) return 0;
  return value;
}

// Whether the current device has compute capability 9.0 or later (Hopper: programmatic dependent
// launch, thread-block clusters).
inline bool DeviceIsHopperOrLater() { return CurrentDeviceAttribute(cudaDevAttrComputeCapabilityMajor) >= 9; }

// Whether thread-block clusters can be launched (compute capability 9.0 or later), read once.
inline bool ClustersSupported() {
  static const bool supported = DeviceIsHopperOrLater();
  return supported;
}

// Multiprocessors of the current device (0 if it cannot be queried), read once.
inline int MultiprocessorCount() {
  static const int count = CurrentDeviceAttribute(cudaDevAttrMultiProcessorCount);
  return count;
}

// Whether launches may overlap: compute capability 9.0 or later, and BASALT_PDL is not "0".
inline bool ProgrammaticLaunchEnabled() {
  static const bool enabled = [] {
    const char* env = std::getenv("BASALT_PDL");
    if (env != nullptr && std::strcmp(env, "0") == 0) return false;
    return DeviceIsHopperOrLater();
  }();
  return enabled;
}

// The L1 / shared-memory split that launches ask for, in percent of the largest shared memory (-1: the
// driver's choice, kernel by kernel; kernels.h, SetSharedMemoryCarveout). A multiprocessor holds one split
// at a time: where two dependent kernels differ, the second's blocks start on a multiprocessor only once the
// first's have left it. The GEMV wants a large L1 (it holds the loads in flight), so one small split for
// the whole batch-1 chain; kernels with several blocks of tens of KB per multiprocessor take kDriverCarveout.
int SharedMemoryCarveout();
constexpr int kDriverCarveout = -1;

// cluster_x > 1: blocks along x form thread-block clusters of that size (Hopper; grid.x a multiple of it).
// carveout: SharedMemoryCarveout() or kDriverCarveout.
template <typename... KernelArgs, typename... Args>
cudaError_t LaunchKernelEx(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t shared_bytes,
                           cudaStream_t stream, int cluster_x, int carveout, Args&&... args) {
  cudaLaunchConfig_t config = {};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared_bytes;
  config.stream = stream;
  cudaLaunchAttribute attribute[3];
  attribute[0].id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attribute[0].val.programmaticStreamSerializationAllowed = ProgrammaticLaunchEnabled() ? 1 : 0;
  config.attrs = attribute;
  config.numAttrs = 1;
  if (cluster_x > 1) {
    cudaLaunchAttribute& cluster = attribute[config.numAttrs++];
    cluster.id = cudaLaunchAttributeClusterDimension;
    cluster.val.clusterDim.x = cluster_x;
    cluster.val.clusterDim.y = 1;
    cluster.val.clusterDim.z = 1;
  }
#if defined(cudaKernelNodeAttributePreferredSharedMemoryCarveout)  // CUDA 12.4 on
  if (carveout >= 0) {
    cudaLaunchAttribute& split = attribute[config.numAttrs++];
    split.id = cudaLaunchAttributePreferredSharedMemoryCarveout;
    split.val.sharedMemCarveout = static_cast<unsigned>(carveout);
  }
#endif
  return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

template <typename... KernelArgs, typename... Args>
cudaError_t LaunchKernel(void (*kernel)(KernelArgs...), dim3 grid, dim3 block, size_t shared_bytes,
                         cudaStream_t stream, Args&&... args) {
  return LaunchKernelEx(kernel, grid, block, shared_bytes, stream, 1, SharedMemoryCarveout(), std::forward<Args>(args)...);
}

}  // namespace basalt::kernels
