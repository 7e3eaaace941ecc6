#pragma once
// A read-only memory map of a whole file (used for safetensors weights: the OS pages them in on demand,
// so loading a model does not need a second copy in memory).
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace basalt::fs {

class MappedFile {
 public:
  static absl::StatusOr<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const unsigned char* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Tells the OS that the pages in [offset, offset + length) will not be needed again (after their
  // contents were copied to the device), so they can leave the page cache of this process.
  void Release(size_t offset, size_t length) const;

 private:
  MappedFile(std::string path, const unsigned char* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const unsigned char* data_;
  size_t size_;
};

}  // namespace basalt::fs
