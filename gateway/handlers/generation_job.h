#pragma once
// What /v1/completions and /v1/chat/completions share once a request is prepared: running its
// Generation and answering with one JSON response, or relaying it as SSE (with heartbeats, disconnect
// detection and in-stream errors). Each endpoint only says how worker messages become its format.
#include <cstddef>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "basalt/v1/worker.pb.h"
#include "gateway/generation.h"
#include "gateway/http_server.h"

namespace basalt::gateway {

class GenerationJob {
 public:
  virtual ~GenerationJob() = default;

  // Non-streaming: every worker message of stream `stream`, then the response body.
  virtual void Collect(size_t stream, const v1::GenerateResponse& response) = 0;
  virtual std::string ResponseJson() const = 0;

  // Streaming: events before the first message, for each message, and before "data: [DONE]". Each
  // returns false once a write failed (the client is gone).
  virtual bool StreamBegin(SseWriter& sse) { return true; }
  virtual bool Stream(SseWriter& sse, size_t stream, const v1::GenerateResponse& response) = 0;
  virtual bool StreamEnd(SseWriter& sse) = 0;

  bool stream = false;
  std::unique_ptr<Generation> generation;
};

// Runs the job's generation and answers. A stream waits for every worker stream's first message before
// the headers go out, so that errors found by then (queue full, bad request) keep their HTTP status.
HttpResponse RespondWithGeneration(std::shared_ptr<GenerationJob> job, absl::Duration heartbeat);

}  // namespace basalt::gateway
