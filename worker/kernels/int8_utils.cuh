#pragma once
// int8 weights (--quantization int8) widened to float in registers.
#include <cstdint>

#include "worker/kernels/dtype_utils.cuh"

namespace basalt::kernels {

// Four int8 values (one 32-bit word) to float without I2F, whose rate (16/clk/SM) would nearly cap a
// byte stream at H100 bandwidth: byte j of v ^ 0x80808080 is q_j + 128 in [0, 255]; put in the low
// mantissa byte of 2^23 (0x4B000000) it reads exactly 2^23 + q_j + 128, and one subtraction leaves q_j.
__device__ __forceinline__ void Int8x4ToFloat(uint32_t v, float* out) {
  const uint32_t biased = v ^ 0x80808080u;
  out[0] = __uint_as_float(__byte_perm(biased, 0x4B000000u, 0x7540)) - 8388736.f;
  out[1] = __uint_as_float(__byte_perm(biased, 0x4B000000u, 0x7541)) - 8388736.f;
  out[2] = __uint_as_float(__byte_perm(biased, 0x4B000000u, 0x7542)) - 8388736.f;
  out[3] = __uint_as_float(__byte_perm(biased, 0x4B000000u, 0x7543)) - 8388736.f;
}

// 16 int8 weights (one 16-byte load) as floats.
template <>
__device__ __forceinline__ void Widen<int8_t>(const uint4& v, float* out) {
  Int8x4ToFloat(v.x, out);
  Int8x4ToFloat(v.y, out + 4);
  Int8x4ToFloat(v.z, out + 8);
  Int8x4ToFloat(v.w, out + 12);
}

}  // namespace basalt::kernels
