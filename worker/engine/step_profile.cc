#include "worker/engine/step_profile.h"

#include <cstdlib>
#include <cstring>

#include "spdlog/spdlog.h"

namespace basalt::engine {

bool StepProfile::EnabledByEnvironment() {
  const char* value = std::getenv("BASALT_STEP_PROFILE");
  return value != nullptr && std::strcmp(value, "0") != 0;
}

void StepProfile::Mark(Phase phase) {
  const auto now = Clock::now();
  step_seconds_[phase] += std::chrono::duration<double>(now - last_).count();
  last_ = now;
}

void StepProfile::EndStep(int batch, int tokens) {
  Window& w = tokens > batch ? prompt_ : decode_;
  for (int p = 0; p < kCount; ++p) w.seconds[p] += step_seconds_[p];
  step_seconds_.fill(0);
  ++w.steps;
  w.sequences += batch;
  w.tokens += tokens;
  if (w.steps < w.size) return;
  auto us = [&](Phase p) { return w.seconds[p] / w.steps * 1e6; };
  spdlog::info("step profile over {} {} steps (avg {:.1f} seqs, {:.1f} tokens): schedule {:.0f} us, forward {:.0f} us "
               "({:.0f} us to enqueue), sample {:.0f} us, output {:.0f} us, report {:.0f} us",
               w.steps, w.kind, static_cast<double>(w.sequences) / w.steps, static_cast<double>(w.tokens) / w.steps,
               us(kSchedule), us(kForward) + us(kForwardWait), us(kForward), us(kSample), us(kOutput), us(kReport));
  w.seconds.fill(0);
  w.steps = w.sequences = w.tokens = 0;
}

}  // namespace basalt::engine
