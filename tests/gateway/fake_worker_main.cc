// basalt-fake-worker: a TEST DOUBLE of basalt-worker (scripted generation over a real tokenizer, see
// fake_worker.h), for running the gateway's end-to-end tests without a model. Not a product binary.
//   basalt-fake-worker --model DIR [--listen HOST:PORT] [--token-delay-ms N] [--max-model-len N]
#include <csignal>
#include <pthread.h>

#include <cstdio>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "tests/gateway/fake_worker.h"

ABSL_FLAG(std::string, model, "", "Directory with tokenizer.json and tokenizer_config.json");
ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "gRPC address HOST:PORT");
ABSL_FLAG(std::string, name, "", "Model name (default: the directory's name)");
ABSL_FLAG(int32_t, token_delay_ms, 0, "Pause between generated tokens");
ABSL_FLAG(int32_t, max_model_len, 256, "Context length reported by ModelInfo");
ABSL_FLAG(bool, no_chat_template, false, "Serve no chat template");

int main(int argc, char** argv) {
  // Accept --token-delay-ms as well as --token_delay_ms, like the real binaries.
  for (int i = 1; i < argc; ++i) {
    for (char* p = argv[i] + 2; argv[i][0] == '-' && argv[i][1] == '-' && *p && *p != '='; ++p) {
      if (*p == '-') *p = '_';
    }
  }
  absl::ParseCommandLine(argc, argv);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  basalt::testing::FakeWorkerOptions options;
  options.model_dir = absl::GetFlag(FLAGS_model);
  std::string name = absl::GetFlag(FLAGS_name);
  if (name.empty()) {
    std::string dir = options.model_dir;
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    name = dir.substr(dir.rfind('/') + 1);
  }
  options.model_name = name;
  options.token_delay = absl::Milliseconds(absl::GetFlag(FLAGS_token_delay_ms));
  options.max_model_len = static_cast<uint32_t>(absl::GetFlag(FLAGS_max_model_len));
  options.serve_chat_template = !absl::GetFlag(FLAGS_no_chat_template);
  auto worker = basalt::testing::FakeWorker::Start(options, absl::GetFlag(FLAGS_listen));
  if (!worker.ok()) {
    std::fprintf(stderr, "basalt-fake-worker: %s\n", worker.status().ToString().c_str());
    return 1;
  }
  std::fprintf(stderr, "basalt-fake-worker (test double) serving %s on %s\n", name.c_str(),
               (*worker)->address().c_str());
  int signal = 0;
  sigwait(&signals, &signal);
  (*worker)->Shutdown();
  return 0;
}
