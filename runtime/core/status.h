// Status and Result<T>: how every fallible runtime function reports failure. Nothing in the
// runtime throws or aborts on bad input; errors travel up as values with a readable message.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace wt {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // caller passed something wrong (shape, dtype, index)
  kInvalidModel,     // the model file is malformed or inconsistent
  kUnsupported,      // well-formed but not implemented (unknown op, dtype)
  kOutOfMemory,
  kInternal,
};

const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status invalid_model(std::string m) { return {StatusCode::kInvalidModel, std::move(m)}; }
inline Status unsupported(std::string m) { return {StatusCode::kUnsupported, std::move(m)}; }
inline Status out_of_memory(std::string m) { return {StatusCode::kOutOfMemory, std::move(m)}; }

// Strings from the model file or the caller as messages show them: bytes outside printable ASCII,
// quotes and backslashes escaped (\xNN, \', \\), so a name holding a NUL, a newline or a quote
// cannot cut a message short or forge one. quote() also wraps the result in single quotes.
std::string escaped(std::string_view s);
std::string quote(std::string_view s);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const { return std::get<Status>(v_); }
  T& value() { return std::get<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T&& take() { return std::get<T>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace wt

#define WT_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::wt::Status wt_status_ = (expr);           \
    if (!wt_status_.is_ok()) return wt_status_; \
  } while (0)

#define WT_CONCAT_INNER(a, b) a##b
#define WT_CONCAT(a, b) WT_CONCAT_INNER(a, b)
#define WT_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.is_ok()) return tmp.status();         \
  lhs = tmp.take()
#define WT_ASSIGN_OR_RETURN(lhs, expr) WT_ASSIGN_OR_RETURN_IMPL(WT_CONCAT(wt_result_, __LINE__), lhs, expr)
