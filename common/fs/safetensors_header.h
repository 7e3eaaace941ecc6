#pragma once
// The header of a safetensors file for tensors written one after another: the 8-byte little-endian
// length, then the JSON map of name -> {dtype, shape, data_offsets}, padded with spaces to 8 bytes.
// Writers (the random benchmark model, test checkpoints) emit this, then each tensor's bytes in order.
// Reading is worker/model/safetensors.h.
#include <cstdint>
#include <string>
#include <vector>

namespace basalt::fs {

struct SafetensorsEntry {
  std::string name;
  std::string dtype;  // "BF16", "F32", ...
  std::vector<int64_t> shape;
  uint64_t bytes = 0;
};

std::string SafetensorsHeader(const std::vector<SafetensorsEntry>& entries);

}  // namespace basalt::fs
