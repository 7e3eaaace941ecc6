// Which multiprocessor each block of a full-occupancy grid (8 blocks of 128 threads per SM, as the GEMV
// runs at one row) lands on: do the first N blocks spread over the SMs, or fill a few SMs first? A
// question a persistent kernel's tile order depends on (worker/kernels/NOTES.md, thirteenth session).
// Not built by CMake; on the GPU machine:
//   nvcc -gencode=arch=compute_90a,code=sm_90a -o /tmp/smid_probe bench/probes/smid_probe.cu && /tmp/smid_probe
#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

// 27 KB of shared memory per block caps a multiprocessor at 8 blocks, as 64 registers per thread do.
constexpr int kSharedBytes = 27 * 1024;

__global__ void __launch_bounds__(128) RecordMultiprocessor(int* smid, long long spin_cycles) {
  extern __shared__ char pad[];
  if (threadIdx.x == 0) {
    unsigned s;
    asm volatile("mov.u32 %0, %%smid;" : "=r"(s));
    smid[blockIdx.x] = static_cast<int>(s);
    pad[0] = 1;
  }
  const long long start = clock64();
  while (clock64() - start < spin_cycles) {
  }
}

int main() {
  int sms = 0;
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0);
  cudaFuncSetAttribute(RecordMultiprocessor, cudaFuncAttributePreferredSharedMemoryCarveout, 100);
  int per_sm = 0;
  cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, RecordMultiprocessor, 128, kSharedBytes);
  const int grid = per_sm * sms;
  int* device_smid = nullptr;
  if (grid <= 0 || cudaMalloc(&device_smid, grid * sizeof(int)) != cudaSuccess) return 1;
  std::vector<int> smid(grid);
  for (int run = 0; run < 3; ++run) {
    RecordMultiprocessor<<<grid, 128, kSharedBytes>>>(device_smid, run == 2 ? 100000 : 1000);
    if (cudaMemcpy(smid.data(), device_smid, grid * sizeof(int), cudaMemcpyDeviceToHost) != cudaSuccess) return 1;
    printf("run %d: %d SMs, %d blocks per SM, grid %d\n", run, sms, per_sm, grid);
    for (int n : {132, 160, 256, 704, grid}) {
      std::map<int, int> blocks_on;
      for (int i = 0; i < std::min(n, grid); ++i) blocks_on[smid[i]]++;
      int most = 0;
      for (const auto& [sm, count] : blocks_on) most = std::max(most, count);
      printf("  first %4d blocks: %3zu distinct SMs, at most %d on one\n", n, blocks_on.size(), most);
    }
  }
  return 0;
}
