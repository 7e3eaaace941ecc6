#include "worker/model/families/config_reader.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/json/json.h"

namespace basalt::model::families {

absl::StatusOr<int64_t> RequirePositive(const rapidjson::Value& config, const char* key) {
  auto v = json::GetInt(config, key);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::InvalidArgumentError(absl::StrCat("missing '", key, "'"));
  if (**v <= 0) return absl::InvalidArgumentError(absl::StrCat("'", key, "' must be positive"));
  return **v;
}

absl::StatusOr<Activation> ParseActivation(const std::string& name) {
  if (name == "silu" || name == "swish") return Activation::kSilu;
  if (name == "gelu" || name == "gelu_python") return Activation::kGelu;
  if (name == "gelu_new" || name == "gelu_pytorch_tanh" || name == "gelu_fast" || name == "gelu_tanh")
    return Activation::kGeluTanh;
  if (name == "relu") return Activation::kRelu;
  return absl::InvalidArgumentError(absl::StrCat("unsupported activation '", name, "'"));
}

const char* ConfigReader::FirstPresent(std::initializer_list<const char*> keys) const {
  for (const char* key : keys) {
    const rapidjson::Value* v = json::Find(config_, key);
    if (v != nullptr && !v->IsNull()) return key;
  }
  return nullptr;
}

bool ConfigReader::Has(const char* key) const { return FirstPresent({key}) != nullptr; }

int64_t ConfigReader::Required(std::initializer_list<const char*> keys) {
  const char* key = FirstPresent(keys);
  auto v = RequirePositive(config_, key != nullptr ? key : *keys.begin());
  Keep(v.status());
  return v.ok() ? *v : 1;
}

int64_t ConfigReader::Int(std::initializer_list<const char*> keys, int64_t fallback) {
  const char* key = FirstPresent(keys);
  if (key == nullptr) return fallback;
  auto v = json::GetOr<int64_t>(config_, key, fallback);
  Keep(v.status());
  return v.ok() ? *v : fallback;
}

std::optional<int64_t> ConfigReader::OptionalInt(const char* key) {
  auto v = json::GetInt(config_, key);
  Keep(v.status());
  return v.ok() ? *v : std::nullopt;
}

double ConfigReader::Double(const char* key, double fallback) {
  auto v = json::GetOr<double>(config_, key, fallback);
  Keep(v.status());
  return v.ok() ? *v : fallback;
}

std::optional<double> ConfigReader::OptionalDouble(const char* key) {
  auto v = json::GetDouble(config_, key);
  Keep(v.status());
  return v.ok() ? *v : std::nullopt;
}

bool ConfigReader::Bool(const char* key, bool fallback) {
  auto v = json::GetOr<bool>(config_, key, fallback);
  Keep(v.status());
  return v.ok() ? *v : fallback;
}

std::string ConfigReader::String(const char* key, const std::string& fallback) {
  auto v = json::GetOr<std::string>(config_, key, fallback);
  Keep(v.status());
  return v.ok() ? *v : fallback;
}

Activation ConfigReader::Act(std::initializer_list<const char*> keys, const std::string& fallback) {
  const char* key = FirstPresent(keys);
  auto act = ParseActivation(key != nullptr ? String(key, fallback) : fallback);
  Keep(act.status());
  return act.ok() ? *act : Activation::kSilu;
}

std::string AttentionImplementation(const rapidjson::Value& config) {
  for (const char* key : {"_attn_implementation", "attn_implementation"}) {
    const rapidjson::Value* v = json::Find(config, key);
    if (v != nullptr && v->IsString()) return v->GetString();
  }
  return "sdpa";
}

absl::Status ReadDtypeAndTying(const rapidjson::Value& config, ModelSpec* spec, bool tie_default) {
  auto tie = json::GetOr<bool>(config, "tie_word_embeddings", tie_default);
  if (!tie.ok()) return tie.status();
  spec->tie_word_embeddings = *tie;
  // transformers 5 writes "dtype", 4 writes "torch_dtype".
  auto dtype = json::GetOr<std::string>(config, "dtype", "");
  if (!dtype.ok()) return dtype.status();
  if (dtype->empty()) {
    dtype = json::GetOr<std::string>(config, "torch_dtype", "");
    if (!dtype.ok()) return dtype.status();
  }
  spec->torch_dtype = *dtype;
  return absl::OkStatus();
}

absl::Status ReadDecoderBasics(const rapidjson::Value& config, ModelSpec* spec) {
  auto hidden = RequirePositive(config, "hidden_size");
  auto layers = RequirePositive(config, "num_hidden_layers");
  auto heads = RequirePositive(config, "num_attention_heads");
  auto vocab = RequirePositive(config, "vocab_size");
  for (const auto* s : {&hidden, &layers, &heads, &vocab}) {
    if (!s->ok()) return s->status();
  }
  spec->hidden_size = static_cast<int>(*hidden);
  spec->num_layers = static_cast<int>(*layers);
  spec->vocab_size = static_cast<int>(*vocab);
  spec->attention.num_heads = static_cast<int>(*heads);

  auto kv_heads = json::GetOr<int64_t>(config, "num_key_value_heads", *heads);
  if (!kv_heads.ok()) return kv_heads.status();
  if (*kv_heads <= 0 || *heads % *kv_heads != 0)
    return absl::InvalidArgumentError("num_attention_heads must be a multiple of num_key_value_heads");
  spec->attention.num_kv_heads = static_cast<int>(*kv_heads);

  auto head_dim = json::GetOr<int64_t>(config, "head_dim", *hidden / *heads);
  if (!head_dim.ok()) return head_dim.status();
  if (*head_dim <= 0) return absl::InvalidArgumentError("'head_dim' must be positive");
  spec->attention.head_dim = static_cast<int>(*head_dim);

  auto intermediate = RequirePositive(config, "intermediate_size");
  if (!intermediate.ok()) return intermediate.status();
  spec->mlp.intermediate_size = static_cast<int>(*intermediate);

  auto max_pos = json::GetOr<int64_t>(config, "max_position_embeddings", 2048);
  if (!max_pos.ok()) return max_pos.status();
  spec->max_position_embeddings = *max_pos;

  return ReadDtypeAndTying(config, spec, /*tie_default=*/false);
}

namespace {
absl::StatusOr<RopeScaling> ParseRopeType(const std::string& type) {
  if (type.empty() || type == "default") return RopeScaling::kNone;
  if (type == "linear") return RopeScaling::kLinear;
  if (type == "dynamic") return RopeScaling::kDynamic;
  if (type == "llama3") return RopeScaling::kLlama3;
  if (type == "yarn") return RopeScaling::kYarn;
  return absl::InvalidArgumentError(absl::StrCat("unsupported rope type '", type, "'"));
}
}  // namespace

absl::Status ReadRope(const rapidjson::Value& config, ModelSpec* spec) {
  RopeSpec& rope = spec->rope;
  rope.rotary_dim = spec->attention.head_dim;
  auto theta = json::GetOr<double>(config, "rope_theta", 10000.0);
  if (!theta.ok()) return theta.status();
  rope.theta = *theta;

  // transformers 5 folds rope_theta and the scaling into "rope_parameters"; 4 uses "rope_scaling".
  const rapidjson::Value* params = json::Find(config, "rope_parameters");
  if (params == nullptr || !params->IsObject()) params = json::Find(config, "rope_scaling");
  if (params == nullptr || params->IsNull()) return absl::OkStatus();
  if (!params->IsObject()) return absl::InvalidArgumentError("rope_scaling must be an object");

  if (auto t = json::GetDouble(*params, "rope_theta"); t.ok() && t->has_value()) rope.theta = **t;
  auto type = json::GetOr<std::string>(*params, "rope_type", "");
  if (!type.ok()) return type.status();
  if (type->empty()) {
    type = json::GetOr<std::string>(*params, "type", "");
    if (!type.ok()) return type.status();
  }
  auto scaling = ParseRopeType(*type);
  if (!scaling.ok()) return scaling.status();
  rope.scaling = *scaling;

  auto number = [&](const char* key, double fallback) -> absl::StatusOr<double> {
    return json::GetOr<double>(*params, key, fallback);
  };
  auto factor = number("factor", 1.0);
  auto low = number("low_freq_factor", 1.0);
  auto high = number("high_freq_factor", 4.0);
  auto beta_fast = number("beta_fast", 32.0);
  auto beta_slow = number("beta_slow", 1.0);
  for (const auto* s : {&factor, &low, &high, &beta_fast, &beta_slow}) {
    if (!s->ok()) return s->status();
  }
  rope.factor = *factor;
  rope.low_freq_factor = *low;
  rope.high_freq_factor = *high;
  rope.beta_fast = *beta_fast;
  rope.beta_slow = *beta_slow;
  auto original = json::GetOr<int64_t>(*params, "original_max_position_embeddings", 0);
  if (!original.ok()) return original.status();
  rope.original_max_position_embeddings = *original;
  if (rope.original_max_position_embeddings == 0) {
    // transformers falls back to the config's max_position_embeddings.
    rope.original_max_position_embeddings = spec->max_position_embeddings;
  }
  for (auto [key, field] : {std::pair{"attention_factor", &rope.attention_factor},
                            std::pair{"mscale", &rope.mscale},
                            std::pair{"mscale_all_dim", &rope.mscale_all_dim}}) {
    auto v = json::GetDouble(*params, key);
    if (!v.ok()) return v.status();
    *field = *v;
  }
  auto truncate = json::GetOr<bool>(*params, "truncate", true);
  if (!truncate.ok()) return truncate.status();
  rope.truncate = *truncate;
  if (rope.scaling != RopeScaling::kNone && rope.factor <= 0)
    return absl::InvalidArgumentError("rope scaling factor must be positive");
  return absl::OkStatus();
}

absl::Status ReadLayerTypes(const rapidjson::Value& config, ModelSpec* spec, bool all_sliding_fallback) {
  spec->layer_uses_sliding_window.assign(spec->num_layers, all_sliding_fallback);
  const rapidjson::Value* types = json::Find(config, "layer_types");
  if (types == nullptr || types->IsNull()) return absl::OkStatus();
  if (!types->IsArray() || static_cast<int>(types->Size()) != spec->num_layers)
    return absl::InvalidArgumentError("'layer_types' must list one type per layer");
  for (int i = 0; i < spec->num_layers; ++i) {
    const auto& t = (*types)[i];
    if (!t.IsString()) return absl::InvalidArgumentError("'layer_types' entries must be strings");
    std::string type = t.GetString();
    if (type == "sliding_attention") {
      spec->layer_uses_sliding_window[i] = true;
    } else if (type == "full_attention") {
      spec->layer_uses_sliding_window[i] = false;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unsupported layer type '", type, "'"));
    }
  }
  return absl::OkStatus();
}

WeightNames LlamaWeightNames() {
  WeightNames w;
  w.embed_tokens = "model.embed_tokens";
  w.final_norm = "model.norm";
  w.lm_head = "lm_head";
  w.input_norm = "model.layers.{L}.input_layernorm";
  w.q_proj = "model.layers.{L}.self_attn.q_proj";
  w.k_proj = "model.layers.{L}.self_attn.k_proj";
  w.v_proj = "model.layers.{L}.self_attn.v_proj";
  w.o_proj = "model.layers.{L}.self_attn.o_proj";
  w.post_attention_norm = "model.layers.{L}.post_attention_layernorm";
  w.gate_proj = "model.layers.{L}.mlp.gate_proj";
  w.up_proj = "model.layers.{L}.mlp.up_proj";
  w.down_proj = "model.layers.{L}.mlp.down_proj";
  return w;
}

}  // namespace basalt::model::families
