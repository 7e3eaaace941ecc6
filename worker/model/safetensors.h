#pragma once
// Reads safetensors files directly: an 8-byte little-endian header length, a JSON header that maps tensor
// names to {dtype, shape, data_offsets}, then the raw data. The file is memory-mapped, so a tensor's
// bytes are read straight from the page cache (no Python, no extra copy). Torch-free.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/fs/mapped_file.h"

namespace basalt::model {

enum class DType { kF64, kF32, kF16, kBF16, kI64, kI32, kI16, kI8, kU8, kBool, kF8E4M3, kF8E5M2 };

// "F32" -> kF32 etc.; InvalidArgument for unknown names.
absl::StatusOr<DType> ParseSafetensorsDType(const std::string& name);
size_t DTypeSize(DType dtype);
const char* DTypeName(DType dtype);

// One tensor inside a mapped file.
struct TensorView {
  DType dtype;
  std::vector<int64_t> shape;
  const unsigned char* data;  // points into the mapping
  size_t nbytes;
  const fs::MappedFile* file;  // owner of `data`
  size_t file_offset;          // offset of `data` in the file
};

class SafetensorsFile {
 public:
  // Maps and validates the file: header bounds, dtypes, shapes against byte ranges, ranges inside the
  // data section. Errors name the file and the tensor.
  static absl::StatusOr<std::unique_ptr<SafetensorsFile>> Open(const std::string& path);

  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const fs::MappedFile& file() const { return *file_; }

 private:
  std::unique_ptr<fs::MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// All weights of a model directory: model.safetensors, or the shards listed by
// model.safetensors.index.json (weight_map), or every *.safetensors file when neither exists.
class WeightFiles {
 public:
  static absl::StatusOr<std::unique_ptr<WeightFiles>> OpenDirectory(const std::string& dir);

  // nullptr when absent.
  const TensorView* Find(const std::string& name) const;
  absl::StatusOr<const TensorView*> Get(const std::string& name) const;
  std::vector<std::string> Names() const;
  // Total bytes of all tensors.
  size_t TotalBytes() const;
  // The dtype most weights are stored in (by bytes).
  DType PredominantFloatType() const;

 private:
  std::vector<std::unique_ptr<SafetensorsFile>> files_;
  std::map<std::string, const TensorView*> index_;
};

}  // namespace basalt::model
