#include "worker/engine/cpu_threads.h"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include "spdlog/spdlog.h"

namespace basalt::engine {

void ConfigureCpuThreads(int threads) {
  if (threads > 0) at::set_num_threads(threads);
  // Looked up at run time: linked only when libtorch uses OpenBLAS (Debian's does; the CUDA wheel's not).
  using SetThreads = void (*)(int);
  if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(threads > 0 ? threads : 1);
  }
  spdlog::debug("CPU math threads: torch {}, OpenBLAS {}", at::get_num_threads(), threads > 0 ? threads : 1);
}

}  // namespace basalt::engine
