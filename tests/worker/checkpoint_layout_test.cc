// Checkpoints saved from the base model (GPT-2's "h.0.attn..." rather than "transformer.h.0.attn...",
// as the original openai-community/gpt2 files are) load through the family's base-prefix fallback and
// give the same tokens as the fixture's reference.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/fs/read_file.h"
#include "common/json/json.h"
#include "tests/worker/reference_cases.h"
#include "worker/engine/engine.h"

namespace basalt::testing {
namespace {

namespace fsys = std::filesystem;

// Copies `from` to `to`, renaming the tensors of model.safetensors that start with `prefix` to the rest
// of their name (the data section is unchanged: offsets are relative to it).
void CopyWithoutPrefix(const fsys::path& from, const fsys::path& to, const std::string& prefix) {
  fsys::create_directories(to);
  for (const auto& entry : fsys::directory_iterator(from)) {
    if (entry.path().filename() != "model.safetensors") fsys::copy_file(entry.path(), to / entry.path().filename());
  }
  auto bytes = fs::ReadFile((from / "model.safetensors").string());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  uint64_t header_len = 0;
  std::memcpy(&header_len, bytes->data(), 8);
  auto header = json::Parse(bytes->substr(8, header_len));
  ASSERT_TRUE(header.ok()) << header.status();
  rapidjson::Document renamed(rapidjson::kObjectType);
  auto& alloc = renamed.GetAllocator();
  int stripped = 0;
  for (auto it = header->MemberBegin(); it != header->MemberEnd(); ++it) {
    std::string name = it->name.GetString();
    if (name.rfind(prefix, 0) == 0) {
      name = name.substr(prefix.size());
      ++stripped;
    }
    renamed.AddMember(rapidjson::Value(name.c_str(), alloc), rapidjson::Value(it->value, alloc), alloc);
  }
  ASSERT_GT(stripped, 0);
  std::string text = json::Serialize(renamed);
  while (text.size() % 8 != 0) text.push_back(' ');
  const uint64_t new_len = text.size();
  std::ofstream out(to / "model.safetensors", std::ios::binary);
  out.write(reinterpret_cast<const char*>(&new_len), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.write(bytes->data() + 8 + header_len, static_cast<std::streamsize>(bytes->size() - 8 - header_len));
}

TEST(CheckpointLayoutTest, BaseModelNamesWithoutTheTransformerPrefixLoad) {
  const fsys::path fixture = fsys::path(BASALT_FIXTURES_DIR) / "models" / "gpt2";
  const fsys::path dir = fsys::temp_directory_path() / ("basalt-gpt2-base-" + std::to_string(::getpid()));
  fsys::remove_all(dir);
  CopyWithoutPrefix(fixture, dir, "transformer.");
  engine::EngineOptions options;
  options.model_dir = dir.string();
  options.dtype = "float32";
  auto engine = engine::Engine::Create(options);
  ASSERT_TRUE(engine.ok()) << engine.status();
  for (const auto& c : LoadReferenceCases(fixture.string())) {
    auto got = engine::GenerateBlocking(**engine, RequestFor(c));
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectMatchesReference(c, *got);
  }
  engine->reset();
  fsys::remove_all(dir);
}

}  // namespace
}  // namespace basalt::testing
