#pragma once
// How the process's malloc treats large freed blocks. glibc by default serves blocks above a (dynamic)
// threshold with mmap and unmaps them on free, and trims the heap's free top back to the kernel: a
// forward pass on the CPU allocates and frees its activations and gathered KV every step, so every
// step faulted them in again, page by page (measured on this project's 2-core VM, 8 streams of 512-token
// prompts: 0.17-1.4 million minor faults per run, decode attention calls of 50-100 ms instead of ~5).
namespace basalt::engine {

// Large blocks from the heap (up to glibc's 32 MiB maximum mmap threshold) and no trimming below 1 GiB
// of free heap, so freed memory is reused instead of faulted in again. Leaves malloc alone where
// GLIBC_TUNABLES sets malloc tunables, and outside glibc.
void KeepFreedMemoryForReuse();

}  // namespace basalt::engine
