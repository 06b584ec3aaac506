// Error plumbing shared by every module: errors are absl::Status values that gather context as they
// rise; only the tools print them.
#pragma once

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

#define RF_CONCAT_INNER_(a, b) a##b
#define RF_CONCAT_(a, b) RF_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define RF_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::absl::Status rf_status_ = (expr);      \
    if (!rf_status_.ok()) return rf_status_; \
  } while (0)

// `RF_ASSIGN_OR_RETURN(auto x, StatusOrExpr());` binds the value or returns the error.
#define RF_ASSIGN_OR_RETURN(lhs, expr) \
  RF_ASSIGN_OR_RETURN_IMPL_(RF_CONCAT_(rf_statusor_, __LINE__), lhs, expr)
#define RF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

namespace rf {

// Prefixes the message of a non-OK status with `context` ("model.gguf: " + message), keeping its
// code. OK stays OK.
inline absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

}  // namespace rf
