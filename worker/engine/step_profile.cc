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
  seconds_[phase] += std::chrono::duration<double>(now - last_).count();
  last_ = now;
}

void StepProfile::EndStep(int batch, int tokens) {
  ++steps_;
  sequences_ += batch;
  tokens_ += tokens;
  if (steps_ < kWindow) return;
  auto us = [&](Phase p) { return seconds_[p] / steps_ * 1e6; };
  spdlog::info("step profile over {} steps (avg {:.1f} seqs, {:.1f} tokens): schedule {:.0f} us, forward {:.0f} us, "
               "sample {:.0f} us, output {:.0f} us, report {:.0f} us",
               steps_, static_cast<double>(sequences_) / steps_, static_cast<double>(tokens_) / steps_, us(kSchedule),
               us(kForward), us(kSample), us(kOutput), us(kReport));
  seconds_.fill(0);
  steps_ = sequences_ = tokens_ = 0;
}

}  // namespace basalt::engine
