#pragma once
// Consuming a Generation: collected into one response, or relayed as SSE with heartbeats and client
// disconnect detection. Shared by the completions and chat handlers.
#include <functional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/generation.h"
#include "gateway/http_server.h"

namespace basalt::gateway {

// Calls `on_response` for each worker message until every stream ended; returns the first error a
// stream ended with (the others are cancelled).
absl::Status CollectGeneration(Generation& generation,
                               const std::function<void(size_t stream, const v1::GenerateResponse&)>& on_response);

// Relays a generation as SSE: `on_response` turns each worker message into events (returning false when
// a write failed). An error ends the stream with an error event; then "data: [DONE]" (after
// `before_done`, e.g. the usage chunk). A client that went away cancels the generation at once.
void StreamGeneration(Generation& generation, SseWriter& sse, absl::Duration heartbeat,
                      const std::function<bool(size_t stream, const v1::GenerateResponse&)>& on_response,
                      const std::function<bool()>& before_done);

}  // namespace basalt::gateway
