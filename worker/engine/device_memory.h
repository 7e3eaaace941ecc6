#pragma once
// Free and total memory of a CUDA device (zeros when built without CUDA).
#include <cstdint>

namespace basalt::engine {

struct DeviceMemory {
  int64_t free = 0;
  int64_t total = 0;
};

DeviceMemory QueryDeviceMemory(int device_index);

}  // namespace basalt::engine
