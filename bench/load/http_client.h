#pragma once
// Runs one streaming /v1/completions request through the gateway (the OpenAI API, SSE).
#include <string>

#include "bench/load/trace.h"

namespace basalt::bench {

// `base_url` like "http://127.0.0.1:8000"; `model` is the served model name.
RequestTrace RunHttpRequest(const std::string& host, int port, const std::string& model, const WorkItem& item);

}  // namespace basalt::bench
