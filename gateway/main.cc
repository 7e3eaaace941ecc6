// basalt-gateway: the OpenAI-compatible HTTP front of one or more Basalt workers.
#include <csignal>
#include <pthread.h>

#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "common/config/env_flags.h"
#include "common/config/logging.h"
#include "common/fs/read_file.h"
#include "gateway/routes.h"
#include "gateway/worker_pool.h"
#include "spdlog/spdlog.h"

ABSL_FLAG(std::string, worker, "127.0.0.1:50051", "Worker address HOST:PORT; a comma-separated list spreads requests");
ABSL_FLAG(std::string, listen, "0.0.0.0:8000", "HTTP address HOST:PORT");
ABSL_FLAG(std::string, web, BASALT_DEFAULT_WEB_DIR, "Directory of static files served at / (empty: none)");
ABSL_FLAG(std::string, served_model_name, "", "Model names clients may use, comma-separated (default: the worker's)");
ABSL_FLAG(std::string, chat_template, "", "Jinja chat template file that replaces the model's");
ABSL_FLAG(std::string, api_key, "", "When set, /v1/* requires 'Authorization: Bearer <key>'");
ABSL_FLAG(int64_t, completion_max_prompt, 4096, "Most tokens in one prompt");
ABSL_FLAG(int64_t, completion_max_tokens, 4096, "Largest max_tokens / max_completion_tokens");
ABSL_FLAG(int64_t, completion_max_n, 5, "Largest n and best_of");
ABSL_FLAG(int64_t, completion_max_logprobs, 5, "Largest logprobs / top_logprobs");
ABSL_FLAG(int64_t, completion_max_batch, 256, "Most prompts in one completions request");
ABSL_FLAG(int64_t, max_body_bytes, 16 << 20, "Largest request body (413 above)");
ABSL_FLAG(int32_t, http_threads, 512, "Connections served at once (streams included)");
ABSL_FLAG(std::string, log_level, "info", "trace, debug, info, warn, error or off");

namespace {

constexpr const char* kEnvFlags[] = {
    "worker", "listen", "web", "served_model_name", "chat_template", "api_key", "completion_max_prompt",
    "completion_max_tokens", "completion_max_n", "completion_max_logprobs", "completion_max_batch",
    "max_body_bytes", "http_threads", "log_level"};

// --served-model-name=x -> --served_model_name=x (abseil flag names cannot contain dashes).
std::vector<std::string> UnderscoreFlagNames(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  for (size_t i = 1; i < args.size(); ++i) {
    std::string& arg = args[i];
    if (arg == "--") break;
    if (arg.rfind("--", 0) != 0) continue;
    const size_t end = std::min(arg.find('='), arg.size());
    for (size_t k = 2; k < end; ++k) {
      if (arg[k] == '-') arg[k] = '_';
    }
  }
  return args;
}

bool SplitHostPort(const std::string& address, std::string* host, int* port) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  *host = address.substr(0, colon);
  return absl::SimpleAtoi(address.substr(colon + 1), port) && *port >= 0 && *port <= 65535;
}

std::vector<std::string> SplitList(const std::string& value) {
  return absl::StrSplit(value, ',', absl::SkipWhitespace());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args = UnderscoreFlagNames(argc, argv);
  std::vector<char*> arg_ptrs;
  for (std::string& arg : args) arg_ptrs.push_back(arg.data());
  basalt::config::ParseFlagsWithEnvironment(
      static_cast<int>(arg_ptrs.size()), arg_ptrs.data(), kEnvFlags,
      "basalt-gateway --worker HOST:PORT [--listen HOST:PORT] [--web DIR]: OpenAI-compatible HTTP API over Basalt "
      "workers. Every flag can also be set by its environment variable (WORKER, LISTEN, COMPLETION_MAX_TOKENS, ...).");
  basalt::config::SetUpLogging("gateway", absl::GetFlag(FLAGS_log_level));

  // Signals are taken by sigwait() below, not by whichever thread they happen to hit.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::vector<std::unique_ptr<basalt::gateway::WorkerClient>> workers;
  for (const std::string& target : SplitList(absl::GetFlag(FLAGS_worker))) {
    workers.push_back(basalt::gateway::NewGrpcWorkerClient(target));
  }
  if (workers.empty()) {
    spdlog::error("--worker names no worker");
    return 2;
  }
  basalt::gateway::WorkerPool pool(std::move(workers));

  basalt::gateway::ServedModelOptions model_options;
  model_options.served_names = SplitList(absl::GetFlag(FLAGS_served_model_name));
  if (const std::string path = absl::GetFlag(FLAGS_chat_template); !path.empty()) {
    absl::StatusOr<std::string> source = basalt::fs::ReadFile(path);
    if (!source.ok()) {
      spdlog::error("--chat-template: {}", source.status().ToString());
      return 2;
    }
    model_options.chat_template = *std::move(source);
  }
  // All workers must serve the model the gateway loaded; others are left out of the rotation.
  model_options.on_load = [&pool](const basalt::gateway::ServedModel& model) { pool.ExpectModel(model.info.name()); };
  basalt::gateway::ModelRegistry models(pool, std::move(model_options));
  models.StartMonitor(absl::Seconds(2));

  basalt::gateway::HandlerContext context;
  context.worker = &pool;
  context.models = &models;
  context.limits.max_prompt_tokens = absl::GetFlag(FLAGS_completion_max_prompt);
  context.limits.max_tokens = absl::GetFlag(FLAGS_completion_max_tokens);
  context.limits.max_n = absl::GetFlag(FLAGS_completion_max_n);
  context.limits.max_logprobs = absl::GetFlag(FLAGS_completion_max_logprobs);
  context.limits.max_batch = absl::GetFlag(FLAGS_completion_max_batch);
  context.version = BASALT_VERSION;

  basalt::gateway::HttpServerOptions http_options;
  http_options.threads = absl::GetFlag(FLAGS_http_threads);
  http_options.max_body_bytes = static_cast<size_t>(absl::GetFlag(FLAGS_max_body_bytes));
  http_options.static_dir = absl::GetFlag(FLAGS_web);
  basalt::gateway::HttpServer server(http_options, basalt::gateway::RenderHttpError);
  basalt::gateway::AddRoutes(server, context, absl::GetFlag(FLAGS_api_key));

  std::string host;
  int port = 0;
  if (!SplitHostPort(absl::GetFlag(FLAGS_listen), &host, &port)) {
    spdlog::error("--listen must be HOST:PORT, not {}", absl::GetFlag(FLAGS_listen));
    return 2;
  }
  absl::StatusOr<int> bound = server.Bind(host, port);
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().ToString());
    return 1;
  }
  server.Start();
  spdlog::info("listening on http://{}:{} (worker {})", host, *bound, absl::GetFlag(FLAGS_worker));

  int signal = 0;
  sigwait(&signals, &signal);
  spdlog::info("signal {}: shutting down", signal);
  server.Stop();
  models.StopMonitor();
  return 0;
}
