#include "worker/engine/model_loader.h"

#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/fs/read_file.h"
#include "spdlog/spdlog.h"
#include "worker/model/family_registry.h"
#include "worker/model/safetensors.h"
#include "worker/model/torch_status.h"

namespace basalt::engine {

std::string ScalarTypeName(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return "float32";
    case at::kBFloat16: return "bfloat16";
    case at::kHalf: return "float16";
    default: return c10::toString(type);
  }
}

absl::StatusOr<at::ScalarType> ResolveDType(const std::string& requested, const std::string& config_dtype,
                                            bool on_cuda) {
  auto parse = [](const std::string& name) -> std::optional<at::ScalarType> {
    if (name == "float32" || name == "float") return at::kFloat;
    if (name == "bfloat16") return at::kBFloat16;
    if (name == "float16" || name == "half") return at::kHalf;
    return std::nullopt;
  };
  if (requested != "auto") {
    auto type = parse(requested);
    if (!type) return absl::InvalidArgumentError(absl::StrCat("--dtype must be auto, float32, bfloat16 or float16, not '", requested, "'"));
    return *type;
  }
  if (!on_cuda) return at::kFloat;
  auto from_config = parse(config_dtype);
  if (from_config && *from_config != at::kFloat) return *from_config;
  return at::kBFloat16;
}

namespace {

std::string BaseName(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ReadOptionalFile(const std::string& path, const std::string& fallback) {
  auto text = fs::ReadFile(path);
  return text.ok() ? *text : fallback;
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoadedModel>> LoadModel(const EngineOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  auto loaded = std::make_unique<LoadedModel>();
  auto config = model::HfConfig::FromDirectory(options.model_dir);
  if (!config.ok()) return config.status();
  loaded->config = std::move(*config);
  auto spec = model::BuildModelSpec(*loaded->config);
  if (!spec.ok()) return spec.status();
  loaded->spec = std::move(*spec);

  auto tok = tokenizer::Tokenizer::FromDirectory(options.model_dir);
  if (!tok.ok()) return absl::Status(tok.status().code(), absl::StrCat("tokenizer: ", tok.status().message()));
  loaded->tokenizer = std::move(*tok);

  at::Device device = at::kCPU;
  try {
    device = at::Device(options.device);
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(absl::StrCat("--device must be cpu, cuda or cuda:N, not '", options.device, "'"));
  }
  if (device.is_cuda() && !at::hasCUDA())
    return absl::FailedPreconditionError("--device cuda, but this worker was built without CUDA or sees no GPU");
  if (!device.is_cuda() && !device.is_cpu())
    return absl::InvalidArgumentError(absl::StrCat("unsupported device '", options.device, "'"));
  auto dtype = ResolveDType(options.dtype, loaded->spec.torch_dtype, device.is_cuda());
  if (!dtype.ok()) return dtype.status();
  auto quantization = model::ParseQuantization(options.quantization);
  if (!quantization.ok()) return quantization.status();

  auto files = model::WeightFiles::OpenDirectory(options.model_dir);
  if (!files.ok()) return files.status();
  auto model = model::LoadGenerativeModel(loaded->spec, **files, *dtype, device, *quantization);
  if (!model.ok()) return model.status();
  loaded->model = std::move(*model);

  ModelDescription& d = loaded->description;
  d.name = options.served_name.empty() ? BaseName(options.model_dir) : options.served_name;
  d.architecture = loaded->spec.architecture;
  d.model_type = loaded->spec.model_type;
  d.max_model_len = static_cast<int>(loaded->spec.max_position_embeddings);
  if (options.max_model_len > 0) d.max_model_len = options.max_model_len;
  d.vocab_size = loaded->spec.vocab_size;
  d.eos_token_ids = loaded->config->generation().eos_token_ids;
  if (d.eos_token_ids.empty()) {
    // Some checkpoints name EOS only in the tokenizer config.
    if (const auto& eos = loaded->tokenizer->config().eos_token) {
      if (auto id = loaded->tokenizer->TokenToId(*eos)) d.eos_token_ids.push_back(*id);
    }
  }
  d.bos_token_id = loaded->config->generation().bos_token_id.value_or(-1);
  if (loaded->spec.is_encoder_decoder()) {
    // transformers starts the decoder from decoder_start_token_id, else BOS.
    const auto& g = loaded->config->generation();
    auto start = g.decoder_start_token_id ? g.decoder_start_token_id : g.bos_token_id;
    if (!start) start = loaded->spec.default_decoder_start_token_id;
    if (!start || *start < 0 || *start >= loaded->spec.vocab_size)
      return absl::InvalidArgumentError("an encoder-decoder model needs decoder_start_token_id (or bos_token_id)");
    d.is_encoder_decoder = true;
    d.decoder_start_token_id = *start;
    // A learned position table bounds the prompt; relative positions (T5) follow max_model_len.
    const model::ModelSpec& encoder = *loaded->spec.encoder;
    d.max_encoder_len = encoder.position == model::PositionType::kLearned
                            ? static_cast<int>(encoder.max_position_embeddings)
                            : d.max_model_len;
  }
  d.dtype = ScalarTypeName(*dtype);
  d.quantization = model::QuantizationName(*quantization);
  d.weight_bytes = loaded->model->weight_bytes();
  d.device = device.str();
  d.num_parameters = loaded->model->num_parameters();
  d.max_choices = options.max_choices;
  d.tokenizer_json = ReadOptionalFile(fs::JoinPath(options.model_dir, "tokenizer.json"), "");
  d.tokenizer_config_json = ReadOptionalFile(fs::JoinPath(options.model_dir, "tokenizer_config.json"), "{}");
  d.generation_config_json = ReadOptionalFile(fs::JoinPath(options.model_dir, "generation_config.json"), "{}");
  d.chat_template = loaded->tokenizer->config().chat_template;
  if (!options.chat_template_file.empty()) {
    auto text = fs::ReadFile(options.chat_template_file);
    if (!text.ok()) return text.status();
    d.chat_template = *text;
  }
  d.has_chat_template = !d.chat_template.empty();

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  spdlog::info("loaded {} ({}, {} parameters, {}{} on {}, weights {:.1f} MiB) from {} in {:.2f} s", d.name,
               d.architecture, d.num_parameters, d.dtype, d.quantization == "none" ? "" : " with int8 weights",
               d.device, d.weight_bytes / 1048576.0, options.model_dir, seconds);
  return loaded;
}

}  // namespace basalt::engine
