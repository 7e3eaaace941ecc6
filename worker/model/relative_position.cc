#include "worker/model/relative_position.h"

#include <cmath>

namespace basalt::model {

at::Tensor RelativePositionBucket(const at::Tensor& relative_position, bool bidirectional, int num_buckets,
                                  int max_distance) {
  at::Tensor buckets = at::zeros_like(relative_position);
  at::Tensor position = relative_position;
  if (bidirectional) {
    num_buckets /= 2;
    buckets = buckets + (position > 0).to(at::kLong) * num_buckets;
    position = position.abs();
  } else {
    position = -at::minimum(position, at::zeros_like(position));
  }
  const int max_exact = num_buckets / 2;
  at::Tensor is_small = position < max_exact;
  at::Tensor large = max_exact + (at::log(position.to(at::kFloat) / max_exact) /
                                  std::log(static_cast<double>(max_distance) / max_exact) * (num_buckets - max_exact))
                                     .to(at::kLong);
  large = at::minimum(large, at::full_like(large, num_buckets - 1));
  return buckets + at::where(is_small, position, large);
}

at::Tensor CausalRelativeBiasByDistance(const at::Tensor& table, const RelativeBiasSpec& spec) {
  const int64_t columns = spec.max_distance + 2;
  at::Tensor distance = at::arange(columns, at::TensorOptions().dtype(at::kLong).device(table.device()));
  at::Tensor buckets = RelativePositionBucket(-distance, /*bidirectional=*/false, spec.num_buckets, spec.max_distance);
  return at::embedding(table.to(at::kFloat), buckets).t().contiguous();  // [heads, columns]
}

at::Tensor BidirectionalRelativeBias(const at::Tensor& table, const RelativeBiasSpec& spec, int64_t length) {
  at::Tensor pos = at::arange(length, at::TensorOptions().dtype(at::kLong).device(table.device()));
  at::Tensor relative = pos.unsqueeze(0) - pos.unsqueeze(1);  // [query, key]: key - query
  at::Tensor buckets = RelativePositionBucket(relative, /*bidirectional=*/true, spec.num_buckets, spec.max_distance);
  return at::embedding(table.to(at::kFloat), buckets).permute({2, 0, 1}).contiguous();  // [heads, q, k]
}

}  // namespace basalt::model
