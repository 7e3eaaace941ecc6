#include "worker/engine/host_allocator.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "spdlog/spdlog.h"

namespace basalt::engine {

void KeepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return;  // the user's choice
  // Setting either threshold also turns off glibc's dynamic adjustment of both.
  if (mallopt(M_MMAP_THRESHOLD, 32 << 20) != 1 || mallopt(M_TRIM_THRESHOLD, 1 << 30) != 1) {
    spdlog::warn("could not set malloc's mmap and trim thresholds");
  }
#endif
}

}  // namespace basalt::engine
