// The safetensors reader: real files from transformers, sharded directories, and broken files.
#include "worker/model/safetensors.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>

#include "common/fs/safetensors_header.h"

namespace basalt::model {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/basalt-st-XXXXXX";
  return mkdtemp(tmpl);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A safetensors file with the given header JSON and data bytes.
std::string Safetensors(const std::string& header, const std::string& data) {
  uint64_t n = header.size();
  std::string out(reinterpret_cast<const char*>(&n), 8);
  return out + header + data;
}

TEST(SafetensorsTest, ReadsTransformersOutput) {
  auto files = WeightFiles::OpenDirectory(BASALT_FIXTURES_DIR "/models/llama");
  ASSERT_TRUE(files.ok()) << files.status();
  const TensorView* embed = (*files)->Find("model.embed_tokens.weight");
  ASSERT_NE(embed, nullptr);
  EXPECT_EQ(embed->dtype, DType::kF32);
  EXPECT_EQ(embed->shape, (std::vector<int64_t>{1024, 64}));
  EXPECT_EQ(embed->nbytes, 1024u * 64 * 4);
  EXPECT_EQ((*files)->PredominantFloatType(), DType::kF32);
  EXPECT_TRUE((*files)->Get("no.such.weight").status().code() == absl::StatusCode::kNotFound);
}

TEST(SafetensorsTest, ReadsHalfPrecisionCheckpoints) {
  auto bf16 = WeightFiles::OpenDirectory(BASALT_FIXTURES_DIR "/models/qwen2");
  ASSERT_TRUE(bf16.ok()) << bf16.status();
  EXPECT_EQ((*bf16)->PredominantFloatType(), DType::kBF16);
  auto f16 = WeightFiles::OpenDirectory(BASALT_FIXTURES_DIR "/models/gpt-neox");
  ASSERT_TRUE(f16.ok()) << f16.status();
  EXPECT_EQ((*f16)->PredominantFloatType(), DType::kF16);
}

TEST(SafetensorsTest, ShardedDirectoryWithIndex) {
  std::string dir = TempDir();
  float a[2] = {1, 2}, b[3] = {3, 4, 5};
  WriteFile(dir + "/model-00001-of-00002.safetensors",
            Safetensors(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", std::string(reinterpret_cast<char*>(a), 8)));
  WriteFile(dir + "/model-00002-of-00002.safetensors",
            Safetensors(R"({"b":{"dtype":"F32","shape":[3],"data_offsets":[0,12]},"__metadata__":{"format":"pt"}})",
                        std::string(reinterpret_cast<char*>(b), 12)));
  WriteFile(dir + "/model.safetensors.index.json",
            R"({"metadata":{},"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}})");
  auto files = WeightFiles::OpenDirectory(dir);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_NE((*files)->Find("a"), nullptr);
  ASSERT_NE((*files)->Find("b"), nullptr);
  float read;
  std::memcpy(&read, (*files)->Find("b")->data + 8, 4);
  EXPECT_EQ(read, 5.0f);
  EXPECT_EQ((*files)->TotalBytes(), 20u);
}

// What the repository's writers emit (common/fs/safetensors_header.h) reads back tensor by tensor.
TEST(SafetensorsTest, WrittenHeaderReadsBack) {
  const std::string path = TempDir() + "/model.safetensors";
  const float a[3] = {1.5f, -2.f, 3.25f};
  const uint16_t b[4] = {1, 2, 3, 4};
  std::string data(reinterpret_cast<const char*>(a), sizeof(a));
  data.append(reinterpret_cast<const char*>(b), sizeof(b));
  WriteFile(path, fs::SafetensorsHeader({{"a", "F32", {3}, sizeof(a)}, {"b.weight", "BF16", {2, 2}, sizeof(b)}}) + data);
  auto file = SafetensorsFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  const auto& tensors = (*file)->tensors();
  ASSERT_EQ(tensors.size(), 2u);
  EXPECT_EQ(tensors.at("a").dtype, DType::kF32);
  EXPECT_EQ(std::memcmp(tensors.at("a").data, a, sizeof(a)), 0);
  EXPECT_EQ(tensors.at("b.weight").dtype, DType::kBF16);
  EXPECT_EQ(tensors.at("b.weight").shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(std::memcmp(tensors.at("b.weight").data, b, sizeof(b)), 0);
}

TEST(SafetensorsTest, BrokenFilesAreClearErrors) {
  std::string dir = TempDir();
  struct Case {
    std::string bytes;
    std::string expect;
  } cases[] = {
      {"abc", "shorter"},
      {std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8) + "{}", "past the end"},
      {Safetensors("{oops", ""), "invalid JSON"},
      {Safetensors(R"({"t":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}})", "abcd"), "unknown dtype"},
      {Safetensors(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", "abcd"), "does not match"},
      {Safetensors(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[0,400]}})", "abcd"), "outside the file"},
      {Safetensors(R"({"t":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", "abcd"), "non-integer"},
  };
  for (const auto& c : cases) {
    WriteFile(dir + "/x.safetensors", c.bytes);
    auto file = SafetensorsFile::Open(dir + "/x.safetensors");
    ASSERT_FALSE(file.ok()) << c.expect;
    EXPECT_NE(file.status().message().find(c.expect), std::string::npos) << file.status();
  }
  EXPECT_EQ(WeightFiles::OpenDirectory("/nonexistent-dir").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace basalt::model
