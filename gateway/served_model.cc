#include "gateway/served_model.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status/status_macros.h"
#include "gateway/openai/api_error.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

constexpr absl::Duration kInfoTimeout = absl::Seconds(10);
constexpr absl::Duration kTokenizerTimeout = absl::Seconds(60);
constexpr absl::Duration kProbeTimeout = absl::Seconds(2);

}  // namespace

bool ServedModel::Serves(absl::string_view name) const {
  return std::find(names.begin(), names.end(), name) != names.end();
}

absl::Status ServedModel::CheckModel(absl::string_view name) const {
  return Serves(name) ? absl::OkStatus() : openai::ModelNotFound(name);
}

absl::StatusOr<std::shared_ptr<const ServedModel>> BuildServedModel(const v1::ModelInfoResponse& info,
                                                                    const v1::GetTokenizerResponse& files,
                                                                    const ServedModelOptions& options) {
  auto model = std::make_shared<ServedModel>();
  model->info = info;
  model->names = options.served_names.empty() ? std::vector<std::string>{info.name()} : options.served_names;
  model->created = absl::ToUnixSeconds(absl::Now());
  const std::string& config = files.tokenizer_config_json().empty() ? "{}" : files.tokenizer_config_json();
  absl::StatusOr<std::unique_ptr<tokenizer::Tokenizer>> tokenizer =
      tokenizer::Tokenizer::FromJson(files.tokenizer_json(), config);
  if (!tokenizer.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot load the worker's tokenizer: ", tokenizer.status().message()));
  }
  model->tokenizer = *std::move(tokenizer);

  const std::string& source = options.chat_template.has_value() ? *options.chat_template : files.chat_template();
  if (source.empty()) {
    model->chat_template_error =
        "This model has no chat template, so /v1/chat/completions cannot format the messages. Use "
        "/v1/completions, or start the gateway with --chat-template FILE.";
  } else {
    absl::StatusOr<std::unique_ptr<chat::ChatTemplate>> compiled = chat::ChatTemplate::Compile(source);
    if (compiled.ok()) {
      model->chat_template = *std::move(compiled);
    } else {
      model->chat_template_error = absl::StrCat("The chat template does not compile: ", compiled.status().message());
      spdlog::warn("{}", model->chat_template_error);
    }
  }
  return std::shared_ptr<const ServedModel>(std::move(model));
}

ModelRegistry::ModelRegistry(WorkerClient& worker, ServedModelOptions options)
    : worker_(worker), options_(std::move(options)) {}

ModelRegistry::~ModelRegistry() { StopMonitor(); }

absl::Status ModelRegistry::Load() {
  absl::StatusOr<v1::ModelInfoResponse> info = worker_.ModelInfo(kInfoTimeout);
  if (!info.ok()) return info.status();
  absl::StatusOr<v1::GetTokenizerResponse> files = worker_.GetTokenizer(kTokenizerTimeout);
  if (!files.ok()) return files.status();
  absl::StatusOr<std::shared_ptr<const ServedModel>> model = BuildServedModel(*info, *files, options_);
  if (!model.ok()) return model.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    model_ = *std::move(model);
  }
  if (options_.on_load) options_.on_load(*Get());
  spdlog::info("serving model {} ({}, context {} tokens, vocabulary {}) as {}", info->name(), info->architecture(),
               info->max_model_len(), info->vocab_size(), absl::StrJoin(Get()->names, ", "));
  return absl::OkStatus();
}

std::shared_ptr<const ServedModel> ModelRegistry::Get() const {
  std::lock_guard<std::mutex> lock(mu_);
  return model_;
}

absl::StatusOr<std::shared_ptr<const ServedModel>> ModelRegistry::Resolve(const std::optional<std::string>& name) const {
  std::shared_ptr<const ServedModel> model = Get();
  if (model == nullptr) {
    return absl::UnavailableError("No worker is available yet: the gateway is still connecting to its worker(s).");
  }
  if (name.has_value()) BASALT_RETURN_IF_ERROR(model->CheckModel(*name));
  return model;
}

void ModelRegistry::StartMonitor(absl::Duration period) {
  monitor_ = std::thread([this, period] { MonitorLoop(period); });
}

void ModelRegistry::StopMonitor() {
  {
    std::lock_guard<std::mutex> lock(monitor_mu_);
    stop_ = true;
  }
  monitor_cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
}

void ModelRegistry::MonitorLoop(absl::Duration period) {
  bool was_up = false;
  std::string last_error;
  while (true) {
    bool up = worker_.Healthy(kProbeTimeout);
    if (!up || !was_up) {
      // First contact, back after an outage, or the worker(s) now serve another model: (re)load from
      // whichever worker answers.
      absl::Status status = Load();
      if (status.ok()) {
        last_error.clear();
        up = worker_.Healthy(kProbeTimeout);
      } else if (std::string(status.message()) != last_error) {
        last_error = std::string(status.message());
        spdlog::error("cannot load the model from the worker: {}", last_error);
      }
    }
    if (was_up && !up) spdlog::warn("no worker answers; /health reports 503 until one does");
    was_up = up;
    std::unique_lock<std::mutex> lock(monitor_mu_);
    if (monitor_cv_.wait_for(lock, absl::ToChronoMilliseconds(period), [&] { return stop_; })) return;
  }
}

}  // namespace basalt::gateway
