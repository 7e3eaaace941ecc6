#pragma once
// The model the gateway serves, as learned from the worker (ModelInfo + GetTokenizer): its names, limits,
// tokenizer and chat template. Loaded at start and again whenever the worker comes back after being
// unreachable (it may have been restarted with another model); handlers take a snapshot per request.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "basalt/v1/worker.pb.h"
#include "common/chat/chat_template.h"
#include "common/tokenizer/tokenizer.h"
#include "gateway/worker_client.h"

namespace basalt::gateway {

struct ServedModel {
  v1::ModelInfoResponse info;
  // Served names: the first is the primary one (listed first by /v1/models).
  std::vector<std::string> names;
  std::unique_ptr<tokenizer::Tokenizer> tokenizer;
  // nullptr when the model has no chat template (chat_template_error says why).
  std::unique_ptr<chat::ChatTemplate> chat_template;
  std::string chat_template_error;
  int64_t created = 0;  // unix seconds of loading

  bool Serves(absl::string_view name) const;
  // OK when `name` is served, else 404 model_not_found.
  absl::Status CheckModel(absl::string_view name) const;
};

struct ServedModelOptions {
  // Called with each newly loaded model (main() uses it to tell the worker pool which model to expect).
  std::function<void(const ServedModel&)> on_load;
  // --served-model-name (empty: the worker's model name).
  std::vector<std::string> served_names;
  // --chat-template: template source that replaces the model's.
  std::optional<std::string> chat_template;
};

// Builds a ServedModel from the worker's answers.
absl::StatusOr<std::shared_ptr<const ServedModel>> BuildServedModel(const v1::ModelInfoResponse& info,
                                                                    const v1::GetTokenizerResponse& files,
                                                                    const ServedModelOptions& options);

class ModelRegistry {
 public:
  ModelRegistry(WorkerClient& worker, ServedModelOptions options);
  ~ModelRegistry();

  // Loads the model from the worker now.
  absl::Status Load();
  // The current model; nullptr until one was loaded.
  std::shared_ptr<const ServedModel> Get() const;
  // The current model, or 503 when none is loaded yet; with `name`, 404 model_not_found unless the model
  // is served under that name.
  absl::StatusOr<std::shared_ptr<const ServedModel>> Resolve(const std::optional<std::string>& name) const;

  // A thread that loads until it succeeds, then probes the worker(s) every `period` and reloads after
  // an outage or when they serve another model.
  void StartMonitor(absl::Duration period);
  void StopMonitor();

 private:
  void MonitorLoop(absl::Duration period);

  WorkerClient& worker_;
  ServedModelOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<const ServedModel> model_;

  std::mutex monitor_mu_;
  std::condition_variable monitor_cv_;
  bool stop_ = false;
  std::thread monitor_;
};

}  // namespace basalt::gateway
