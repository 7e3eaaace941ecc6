#include "gateway/handlers/streaming.h"

#include "gateway/handlers/http_json.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

constexpr absl::Duration kPollInterval = absl::Seconds(1);
constexpr char kClientGone[] = "client disconnected";

}  // namespace

absl::Status CollectGeneration(Generation& generation,
                               const std::function<void(size_t stream, const v1::GenerateResponse&)>& on_response) {
  while (true) {
    std::optional<Generation::Event> event = generation.Next(kPollInterval);
    if (!event.has_value()) {
      if (generation.done()) return absl::OkStatus();
      continue;
    }
    if (event->response.has_value()) {
      on_response(event->stream, *event->response);
    } else if (!event->status.ok()) {
      generation.Cancel("another prompt of the request failed");
      return event->status;
    }
  }
}

void StreamGeneration(Generation& generation, SseWriter& sse, absl::Duration heartbeat,
                      const std::function<bool(size_t stream, const v1::GenerateResponse&)>& on_response,
                      const std::function<bool()>& before_done) {
  while (true) {
    std::optional<Generation::Event> event = generation.Next(heartbeat);
    if (!event.has_value()) {
      if (generation.done()) break;
      // Silence (queueing, best_of, a slow prefill): a comment finds out whether the client is still there.
      if (!sse.Comment("keep-alive")) {
        generation.Cancel(kClientGone);
        spdlog::info("client went away during a stream; generation cancelled");
        return;
      }
      continue;
    }
    if (event->response.has_value()) {
      if (!on_response(event->stream, *event->response)) {
        generation.Cancel(kClientGone);
        spdlog::info("client went away during a stream; generation cancelled");
        return;
      }
    } else if (!event->status.ok()) {
      generation.Cancel("another prompt of the request failed");
      spdlog::warn("worker stream failed: {}", event->status.ToString());
      if (sse.Event(ErrorEventData(event->status))) sse.Done();
      return;
    }
  }
  if (before_done && !before_done()) return;
  sse.Done();
}

}  // namespace basalt::gateway
