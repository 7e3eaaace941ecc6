#include "worker/model/safetensors.h"

#include <dirent.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/read_file.h"
#include "common/json/json.h"

namespace basalt::model {

absl::StatusOr<DType> ParseSafetensorsDType(const std::string& name) {
  static const std::map<std::string, DType> kNames = {
      {"F64", DType::kF64},   {"F32", DType::kF32},          {"F16", DType::kF16},
      {"BF16", DType::kBF16}, {"I64", DType::kI64},          {"I32", DType::kI32},
      {"I16", DType::kI16},   {"I8", DType::kI8},            {"U8", DType::kU8},
      {"BOOL", DType::kBool}, {"F8_E4M3", DType::kF8E4M3}, {"F8_E5M2", DType::kF8E5M2}};
  auto it = kNames.find(name);
  if (it == kNames.end()) return absl::InvalidArgumentError(absl::StrCat("unknown dtype ", name));
  return it->second;
}

size_t DTypeSize(DType dtype) {
  switch (dtype) {
    case DType::kF64:
    case DType::kI64: return 8;
    case DType::kF32:
    case DType::kI32: return 4;
    case DType::kF16:
    case DType::kBF16:
    case DType::kI16: return 2;
    default: return 1;
  }
}

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF64: return "F64";
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    case DType::kI64: return "I64";
    case DType::kI32: return "I32";
    case DType::kI16: return "I16";
    case DType::kI8: return "I8";
    case DType::kU8: return "U8";
    case DType::kBool: return "BOOL";
    case DType::kF8E4M3: return "F8_E4M3";
    case DType::kF8E5M2: return "F8_E5M2";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<SafetensorsFile>> SafetensorsFile::Open(const std::string& path) {
  auto mapped = fs::MappedFile::Open(path);
  if (!mapped.ok()) return mapped.status();
  auto result = std::unique_ptr<SafetensorsFile>(new SafetensorsFile());
  result->file_ = std::move(*mapped);
  const fs::MappedFile& file = *result->file_;
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a valid safetensors file: ", what));
  };
  if (file.size() < 8) return bad("shorter than its 8-byte header length");
  uint64_t header_len = 0;
  std::memcpy(&header_len, file.data(), 8);  // little-endian on every platform we build for
  if (header_len > file.size() - 8) return bad("header length past the end of the file");
  const size_t data_start = 8 + header_len;
  const size_t data_size = file.size() - data_start;
  auto header = json::Parse(std::string_view(reinterpret_cast<const char*>(file.data()) + 8, header_len));
  if (!header.ok()) return bad(std::string(header.status().message()));
  if (!header->IsObject()) return bad("header is not a JSON object");

  for (auto it = header->MemberBegin(); it != header->MemberEnd(); ++it) {
    std::string name(it->name.GetString(), it->name.GetStringLength());
    const rapidjson::Value& entry = it->value;
    if (name == "__metadata__") {
      if (!entry.IsObject()) return bad("__metadata__ is not an object");
      for (auto m = entry.MemberBegin(); m != entry.MemberEnd(); ++m) {
        if (m->value.IsString()) result->metadata_[m->name.GetString()] = m->value.GetString();
      }
      continue;
    }
    if (!entry.IsObject()) return bad(absl::StrCat("entry ", name, " is not an object"));
    auto dtype_name = json::GetString(entry, "dtype");
    if (!dtype_name.ok() || !dtype_name->has_value()) return bad(absl::StrCat(name, ": no dtype"));
    auto dtype = ParseSafetensorsDType(**dtype_name);
    if (!dtype.ok()) return bad(absl::StrCat(name, ": ", dtype.status().message()));
    const rapidjson::Value* shape = json::Find(entry, "shape");
    const rapidjson::Value* offsets = json::Find(entry, "data_offsets");
    if (shape == nullptr || !shape->IsArray()) return bad(absl::StrCat(name, ": no shape"));
    if (offsets == nullptr || !offsets->IsArray() || offsets->Size() != 2 || !(*offsets)[0].IsUint64() ||
        !(*offsets)[1].IsUint64())
      return bad(absl::StrCat(name, ": data_offsets must be two integers"));
    TensorView view;
    view.dtype = *dtype;
    uint64_t elements = 1;
    for (const auto& dim : shape->GetArray()) {
      if (!dim.IsUint64()) return bad(absl::StrCat(name, ": shape has a non-integer"));
      view.shape.push_back(static_cast<int64_t>(dim.GetUint64()));
      elements *= dim.GetUint64();
    }
    uint64_t begin = (*offsets)[0].GetUint64(), end = (*offsets)[1].GetUint64();
    if (begin > end || end > data_size) return bad(absl::StrCat(name, ": data range outside the file"));
    if (end - begin != elements * DTypeSize(view.dtype))
      return bad(absl::StrCat(name, ": byte size ", end - begin, " does not match shape and dtype"));
    view.data = file.data() + data_start + begin;
    view.nbytes = end - begin;
    view.file = &file;
    view.file_offset = data_start + begin;
    result->tensors_.emplace(std::move(name), std::move(view));
  }
  return result;
}

namespace {
std::vector<std::string> ListSafetensors(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (absl::EndsWith(n, ".safetensors")) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}
}  // namespace

absl::StatusOr<std::unique_ptr<WeightFiles>> WeightFiles::OpenDirectory(const std::string& dir) {
  std::vector<std::string> shard_names;
  std::string index_path = fs::JoinPath(dir, "model.safetensors.index.json");
  if (fs::FileExists(fs::JoinPath(dir, "model.safetensors"))) {
    shard_names.push_back("model.safetensors");
  } else if (fs::FileExists(index_path)) {
    auto text = fs::ReadFile(index_path);
    if (!text.ok()) return text.status();
    auto index = json::Parse(*text);
    if (!index.ok()) return absl::InvalidArgumentError(absl::StrCat(index_path, ": ", index.status().message()));
    const rapidjson::Value* weight_map = json::Find(*index, "weight_map");
    if (weight_map == nullptr || !weight_map->IsObject())
      return absl::InvalidArgumentError(absl::StrCat(index_path, ": no weight_map object"));
    std::set<std::string> unique;
    for (auto it = weight_map->MemberBegin(); it != weight_map->MemberEnd(); ++it) {
      if (!it->value.IsString()) return absl::InvalidArgumentError(absl::StrCat(index_path, ": bad weight_map"));
      unique.insert(it->value.GetString());
    }
    shard_names.assign(unique.begin(), unique.end());
  } else {
    shard_names = ListSafetensors(dir);
  }
  if (shard_names.empty())
    return absl::NotFoundError(absl::StrCat("no *.safetensors weights in ", dir,
                                            " (only safetensors is supported, not pytorch_model.bin)"));
  auto result = std::unique_ptr<WeightFiles>(new WeightFiles());
  for (const std::string& shard : shard_names) {
    if (shard.find('/') != std::string::npos || shard.find("..") != std::string::npos)
      return absl::InvalidArgumentError(absl::StrCat("refusing shard path ", shard));
    auto file = SafetensorsFile::Open(fs::JoinPath(dir, shard));
    if (!file.ok()) return file.status();
    for (const auto& [name, view] : (*file)->tensors()) {
      if (!result->index_.emplace(name, &view).second)
        return absl::InvalidArgumentError(absl::StrCat("tensor ", name, " appears in two shards"));
    }
    result->files_.push_back(std::move(*file));
  }
  return result;
}

const TensorView* WeightFiles::Find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

absl::StatusOr<const TensorView*> WeightFiles::Get(const std::string& name) const {
  const TensorView* view = Find(name);
  if (view == nullptr) return absl::NotFoundError(absl::StrCat("weight ", name, " is missing"));
  return view;
}

std::vector<std::string> WeightFiles::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, view] : index_) names.push_back(name);
  return names;
}

size_t WeightFiles::TotalBytes() const {
  size_t total = 0;
  for (const auto& [name, view] : index_) total += view->nbytes;
  return total;
}

DType WeightFiles::PredominantFloatType() const {
  std::map<DType, size_t> bytes;
  for (const auto& [name, view] : index_) {
    if (view->dtype == DType::kF32 || view->dtype == DType::kF16 || view->dtype == DType::kBF16)
      bytes[view->dtype] += view->nbytes;
  }
  DType best = DType::kF32;
  size_t most = 0;
  for (const auto& [dtype, n] : bytes) {
    if (n > most) best = dtype, most = n;
  }
  return best;
}

}  // namespace basalt::model
