#pragma once
// How many threads CPU math may use: torch's intra-op pool and, when the process runs on OpenBLAS,
// OpenBLAS's own threads. OpenBLAS otherwise starts one thread per core that spins in sched_yield
// between calls; on a small machine they take the cores the engine loop and gRPC need (measured: over
// half of all CPU time in sched_yield while serving 8 streams on 2 cores).
namespace basalt::engine {

// `threads` <= 0 keeps torch's default and gives OpenBLAS one thread.
void ConfigureCpuThreads(int threads);

}  // namespace basalt::engine
