// Status and Result<T>: the error type of every I/O and byte-parsing call.
//
// A Status is either OK or a code plus a human-readable message. Both types
// are [[nodiscard]]; a deliberate ignore is spelt s.IgnoreError() so it can be
// grepped. No exceptions cross this boundary (libuv's C frames cannot unwind).
#pragma once

#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

// Returns the Status of `expr` from the enclosing function when it is not OK.
#define RETURN_IF_ERROR(expr)                                  \
  do {                                                         \
    ::replikv::Status return_if_error_s = (expr);              \
    if (!return_if_error_s.ok()) return return_if_error_s;     \
  } while (0)

namespace replikv {

class [[nodiscard]] Status {
 public:
  enum class Code { kOk, kNotFound, kCorruption, kInvalidArgument, kIOError };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kNotFound, what, detail);
  }
  static Status Corruption(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kCorruption, what, detail);
  }
  static Status InvalidArgument(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kInvalidArgument, what, detail);
  }
  static Status IOError(std::string_view what, std::string_view detail = {}) {
    return Status(Code::kIOError, what, detail);
  }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  Code code() const { return code_; }
  // The message alone, without the code's name: "what: detail".
  const std::string& message() const { return message_; }
  // "Corruption: what: detail", or "OK".
  std::string ToString() const;
  void IgnoreError() const {}

 private:
  Status(Code code, std::string_view what, std::string_view detail)
      : code_(code), message_(what) {
    if (!detail.empty()) {
      message_ += ": ";
      message_ += detail;
    }
  }
  Code code_ = Code::kOk;
  std::string message_;
};

inline std::string Status::ToString() const {
  switch (code_) {
    case Code::kOk: return "OK";
    case Code::kNotFound: return "NotFound: " + message_;
    case Code::kCorruption: return "Corruption: " + message_;
    case Code::kInvalidArgument: return "Invalid argument: " + message_;
    case Code::kIOError: return "IO error: " + message_;
  }
  return message_;
}

// A value or the Status that explains why there is none.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    if (std::get<Status>(v_).ok()) std::abort();  // an OK Result needs a value
  }
  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  void IgnoreError() const {}

 private:
  std::variant<T, Status> v_;
};

}  // namespace replikv
