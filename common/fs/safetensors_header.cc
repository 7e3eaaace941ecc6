#include "common/fs/safetensors_header.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace basalt::fs {

std::string SafetensorsHeader(const std::vector<SafetensorsEntry>& entries) {
  std::string json = "{";
  uint64_t offset = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const SafetensorsEntry& e = entries[i];
    absl::StrAppend(&json, i ? "," : "", "\"", e.name, "\":{\"dtype\":\"", e.dtype, "\",\"shape\":[",
                    absl::StrJoin(e.shape, ","), "],\"data_offsets\":[", offset, ",", offset + e.bytes, "]}");
    offset += e.bytes;
  }
  json += "}";
  while (json.size() % 8 != 0) json += ' ';
  const uint64_t length = json.size();
  std::string header(8, '\0');
  for (int b = 0; b < 8; ++b) header[b] = static_cast<char>((length >> (8 * b)) & 0xff);  // little-endian
  return header + json;
}

}  // namespace basalt::fs
