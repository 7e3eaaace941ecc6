#include "gateway/handlers/generation_job.h"

#include "gateway/handlers/http_json.h"
#include "spdlog/spdlog.h"

namespace basalt::gateway {
namespace {

constexpr absl::Duration kPollInterval = absl::Seconds(1);
constexpr char kClientGone[] = "client disconnected";
constexpr char kSiblingFailed[] = "another prompt of the request failed";

// Feeds every message to the job until all streams ended; the first error a stream ended with.
absl::Status Collect(GenerationJob& job) {
  while (true) {
    std::optional<Generation::Event> event = job.generation->Next(kPollInterval);
    if (!event.has_value()) {
      if (job.generation->done()) return absl::OkStatus();
      continue;
    }
    if (event->response.has_value()) {
      job.Collect(event->stream, *event->response);
    } else if (!event->status.ok()) {
      job.generation->Cancel(kSiblingFailed);
      return event->status;
    }
  }
}

// Relays the generation as SSE. A failed write (or heartbeat, while the worker is silent) means the
// client left: the generation is cancelled at once.
void Relay(GenerationJob& job, SseWriter& sse, absl::Duration heartbeat) {
  Generation& generation = *job.generation;
  bool client_here = job.StreamBegin(sse);
  while (client_here) {
    std::optional<Generation::Event> event = generation.Next(heartbeat);
    if (!event.has_value()) {
      if (generation.done()) break;
      client_here = sse.Comment("keep-alive");
    } else if (event->response.has_value()) {
      client_here = job.Stream(sse, event->stream, *event->response);
    } else if (!event->status.ok()) {
      generation.Cancel(kSiblingFailed);
      spdlog::warn("worker stream failed: {}", event->status.ToString());
      if (sse.Event(ErrorEventData(event->status))) sse.Done();
      return;
    }
  }
  if (!client_here) {
    generation.Cancel(kClientGone);
    spdlog::info("client went away during a stream; generation cancelled");
    return;
  }
  if (job.StreamEnd(sse)) sse.Done();
}

}  // namespace

HttpResponse RespondWithGeneration(std::shared_ptr<GenerationJob> job, absl::Duration heartbeat) {
  if (!job->stream) {
    absl::Status status = Collect(*job);
    if (!status.ok()) return ErrorResponse(status);
    return JsonResponse(job->ResponseJson());
  }
  if (absl::Status status = job->generation->AwaitStart(); !status.ok()) return ErrorResponse(status);
  HttpResponse response;
  response.stream = [job, heartbeat](SseWriter& sse) {
    Relay(*job, sse, heartbeat);
    job->generation.reset();  // ends the worker streams now rather than when the connection closes
  };
  return response;
}

}  // namespace basalt::gateway
