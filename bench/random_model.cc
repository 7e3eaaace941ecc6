#include "bench/random_model.h"

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/fs/read_file.h"
#include "common/fs/safetensors_header.h"
#include "common/json/json.h"

namespace basalt::bench {
namespace {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;
  bool ones = false;  // norm weights
};

// xorshift64* and Box-Muller: fast enough to write a billion values in seconds.
class Normal {
 public:
  explicit Normal(uint64_t seed) : state_(seed * 0x9E3779B97F4A7C15ull + 1) {}
  float Next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = (Bits() >> 11) * (1.0 / 9007199254740992.0) + 1e-300;
    const double u2 = (Bits() >> 11) * (1.0 / 9007199254740992.0);
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = static_cast<float>(r * std::sin(2 * M_PI * u2));
    has_spare_ = true;
    return static_cast<float>(r * std::cos(2 * M_PI * u2));
  }

 private:
  uint64_t Bits() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1Dull;
  }
  uint64_t state_;
  bool has_spare_ = false;
  float spare_ = 0;
};

uint16_t ToBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  bits += 0x7FFF + ((bits >> 16) & 1);  // round to nearest even
  return static_cast<uint16_t>(bits >> 16);
}

absl::Status CopyFile(const std::string& from, const std::string& to) {
  auto text = fs::ReadFile(from);
  if (!text.ok()) return text.status();
  std::ofstream(to, std::ios::binary) << *text;
  return absl::OkStatus();
}

// The source tokenizer with an added (non-special) token "<tN>" for every id it lacks below `vocab`, so
// that every id the random model emits decodes to text, as with a real model.
absl::Status WriteCoveringTokenizer(const std::string& from, const std::string& to, int vocab) {
  auto text = fs::ReadFile(from);
  if (!text.ok()) return text.status();
  auto doc = json::Parse(*text);
  if (!doc.ok()) return doc.status();
  int64_t next = 0;
  if (const auto* model_vocab = json::Find(json::Find(*doc, "model") ? (*doc)["model"] : *doc, "vocab");
      model_vocab && model_vocab->IsObject()) {
    next = model_vocab->MemberCount();
  }
  rapidjson::Value& added = (*doc)["added_tokens"];
  for (const auto& token : added.GetArray()) next = std::max<int64_t>(next, token["id"].GetInt64() + 1);
  auto& alloc = doc->GetAllocator();
  for (int64_t id = next; id < vocab; ++id) {
    rapidjson::Value token(rapidjson::kObjectType);
    token.AddMember("id", id, alloc);
    token.AddMember("content", rapidjson::Value(absl::StrCat("<t", id, ">").c_str(), alloc), alloc);
    token.AddMember("single_word", false, alloc);
    token.AddMember("lstrip", false, alloc);
    token.AddMember("rstrip", false, alloc);
    token.AddMember("normalized", false, alloc);
    token.AddMember("special", false, alloc);
    added.PushBack(token, alloc);
  }
  std::ofstream(to) << json::Serialize(*doc);
  return absl::OkStatus();
}

}  // namespace

LlamaShape TinyLlamaShape() { return LlamaShape{}; }

absl::Status WriteRandomLlama(const std::string& dir, const LlamaShape& s, const std::string& tokenizer_dir,
                              uint64_t seed) {
  ::mkdir(dir.c_str(), 0755);
  const int head_dim = s.hidden / s.heads;
  std::vector<TensorSpec> tensors = {{"model.embed_tokens.weight", {s.vocab, s.hidden}},
                                     {"model.norm.weight", {s.hidden}, true},
                                     {"lm_head.weight", {s.vocab, s.hidden}}};
  for (int l = 0; l < s.layers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    tensors.push_back({p + "input_layernorm.weight", {s.hidden}, true});
    tensors.push_back({p + "post_attention_layernorm.weight", {s.hidden}, true});
    tensors.push_back({p + "self_attn.q_proj.weight", {s.heads * head_dim, s.hidden}});
    tensors.push_back({p + "self_attn.k_proj.weight", {s.kv_heads * head_dim, s.hidden}});
    tensors.push_back({p + "self_attn.v_proj.weight", {s.kv_heads * head_dim, s.hidden}});
    tensors.push_back({p + "self_attn.o_proj.weight", {s.hidden, s.heads * head_dim}});
    tensors.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}});
    tensors.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}});
    tensors.push_back({p + "mlp.down_proj.weight", {s.hidden, s.intermediate}});
  }
  std::vector<fs::SafetensorsEntry> entries;
  for (const TensorSpec& t : tensors) {
    uint64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    entries.push_back({t.name, "BF16", t.shape, 2 * n});
  }
  std::ofstream out(dir + "/model.safetensors", std::ios::binary);
  out << fs::SafetensorsHeader(entries);
  Normal normal(seed);
  std::vector<uint16_t> buffer;
  const uint16_t one = ToBf16(1.0f);
  for (const TensorSpec& t : tensors) {
    int64_t n = 1;
    for (int64_t d : t.shape) n *= d;
    buffer.resize(n);
    for (int64_t i = 0; i < n; ++i) buffer[i] = t.ones ? one : ToBf16(0.02f * normal.Next());
    out.write(reinterpret_cast<const char*>(buffer.data()), n * 2);
  }
  if (!out) return absl::DataLossError(absl::StrCat("cannot write ", dir, "/model.safetensors"));
  std::ofstream(dir + "/config.json") << absl::StrCat(
      "{\"architectures\":[\"LlamaForCausalLM\"],\"model_type\":\"llama\",\"hidden_size\":", s.hidden,
      ",\"intermediate_size\":", s.intermediate, ",\"num_hidden_layers\":", s.layers, ",\"num_attention_heads\":",
      s.heads, ",\"num_key_value_heads\":", s.kv_heads, ",\"vocab_size\":", s.vocab,
      ",\"max_position_embeddings\":", s.max_positions,
      ",\"rms_norm_eps\":1e-05,\"rope_theta\":10000.0,\"hidden_act\":\"silu\",\"tie_word_embeddings\":false,"
      "\"torch_dtype\":\"bfloat16\",\"bos_token_id\":0,\"eos_token_id\":1}\n");
  std::ofstream(dir + "/generation_config.json") << "{\"bos_token_id\":0,\"eos_token_id\":1}\n";
  if (auto st = CopyFile(tokenizer_dir + "/tokenizer_config.json", dir + "/tokenizer_config.json"); !st.ok()) return st;
  return WriteCoveringTokenizer(tokenizer_dir + "/tokenizer.json", dir + "/tokenizer.json", s.vocab);
}

}  // namespace basalt::bench
