#pragma once
// A test double of the Basalt worker: a real gRPC server implementing basalt.v1.Worker with a real
// tokenizer (tests/fixtures/tokenizers/tiny-test) and scripted, deterministic generation, so that the
// gateway's tests assert real values.
//
// The script, per candidate c of a request (c < best_of, or < n):
//   - If the prompt's text contains "say:", the reply is the text after the last "say:" up to the next
//     special token, followed by EOS. Otherwise the reply cycles through the prompt's non-special tokens.
//   - Candidate c starts c tokens into the reply (so choices differ), and cycles when it reaches the end.
//   - A prompt containing "fail:" ends with INTERNAL after two tokens (an error inside a stream).
//   - The logprob of every token of candidate c is -0.05 - 0.01 * (step % 3) - 0.5 * (candidates - 1 - c),
//     so the last candidate is the most likely one (best_of picks it). Top alternatives are the sampled
//     token, then ids + 1, + 2, ... with logprob - 1, - 2, ...
//   - EOS and stop_token_ids are suppressed before min_tokens (skipped), EOS is emitted but does not stop
//     with ignore_eos; stop strings are applied with hold-back, as the worker's contract says.
// Requests are validated like the worker does (ids in the vocabulary, n <= best_of, context length).
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "basalt/v1/worker.pb.h"

namespace basalt::testing {

struct FakeWorkerOptions {
  // Directory with tokenizer.json and tokenizer_config.json.
  std::string model_dir;
  std::string model_name = "tiny-test";
  uint32_t max_model_len = 256;
  // Send the tokenizer config's chat template in GetTokenizer.
  bool serve_chat_template = true;
  // Pause between generation steps.
  absl::Duration token_delay = absl::ZeroDuration();
  uint32_t max_choices = 16;
};

class FakeWorker {
 public:
  // Listens on `address` ("127.0.0.1:0" picks a free port).
  static absl::StatusOr<std::unique_ptr<FakeWorker>> Start(FakeWorkerOptions options,
                                                           const std::string& address = "127.0.0.1:0");
  ~FakeWorker();

  std::string address() const;
  int port() const;
  void Shutdown();
  // Blocks until the server is shut down (by Shutdown() from another thread).
  void Wait();

  // Test controls.
  void SetQueueFull(bool full);
  void SetTokenDelay(absl::Duration delay);

  // Observations.
  std::vector<v1::GenerateRequest> requests() const;
  int cancel_messages() const;        // Cancel messages received on Generate streams
  int client_cancellations() const;   // Generate calls the client abandoned (gRPC cancellation)
  int active_streams() const;
  // Waits until a Cancel message or a cancellation was seen.
  bool WaitForCancel(absl::Duration timeout) const;

  struct Impl;

 private:
  explicit FakeWorker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace basalt::testing
