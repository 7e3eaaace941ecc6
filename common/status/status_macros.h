#pragma once
// The two macros that keep absl::Status plumbing short. Header-only.
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define BASALT_STATUS_CONCAT_INNER(a, b) a##b
#define BASALT_STATUS_CONCAT(a, b) BASALT_STATUS_CONCAT_INNER(a, b)

// Returns the status from the enclosing function when `expr` (an absl::Status) is not OK.
#define BASALT_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    const absl::Status _basalt_status = (expr);      \
    if (!_basalt_status.ok()) return _basalt_status; \
  } while (0)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status when not OK, else moves the value into
// `lhs` (which may be a declaration: BASALT_ASSIGN_OR_RETURN(auto x, F())).
#define BASALT_ASSIGN_OR_RETURN(lhs, expr) \
  BASALT_ASSIGN_OR_RETURN_IMPL(BASALT_STATUS_CONCAT(_basalt_statusor_, __LINE__), lhs, expr)
#define BASALT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(*tmp)
