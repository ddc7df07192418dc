// Errors as values: Status and StatusOr<T>, with canonical codes plus, where a service knows it,
// the AWS error code and HTTP status the client must see. Foreign errors (errno, SQLite, Beast)
// are translated into a Status once, where that library is called. Immutable; thread-compatible.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace sigil {

enum class StatusCode {
  kOk,
  kInvalidArgument,     // the request is malformed or a value is out of range (400)
  kUnauthenticated,     // the caller could not be identified (403 in AWS's wire shape)
  kPermissionDenied,    // the caller is known but not allowed (403)
  kNotFound,            // 404
  kAlreadyExists,       // 409
  kFailedPrecondition,  // state forbids it, e.g. DeleteConflict (409)
  kResourceExhausted,   // a quota or limit, e.g. LimitExceeded (409) or body too large (413)
  kUnimplemented,       // 501
  kUnavailable,         // 503
  kInternal,            // 500: a bug or a broken disk/database, never the client's fault
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The AWS error code (e.g. "NoSuchEntity"); empty when none was set.
  const std::string& aws_code() const { return aws_code_; }
  // The HTTP status: the one set explicitly, else the default for the canonical code.
  int http_status() const;

  // Builders for attaching the AWS wire identity of an error.
  Status WithAwsCode(std::string aws_code) && {
    aws_code_ = std::move(aws_code);
    return std::move(*this);
  }
  Status WithHttpStatus(int http_status) && {
    http_status_ = http_status;
    return std::move(*this);
  }

  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string aws_code_;
  std::optional<int> http_status_;
};

inline Status OkStatus() { return Status(); }

// An AWS error: canonical code, AWS error code, message (and HTTP status from the code unless
// overridden with WithHttpStatus).
inline Status AwsError(StatusCode code, std::string aws_code, std::string message) {
  return Status(code, std::move(message)).WithAwsCode(std::move(aws_code));
}

inline Status InvalidArgumentError(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status NotFoundError(std::string m) { return Status(StatusCode::kNotFound, std::move(m)); }
inline Status AlreadyExistsError(std::string m) {
  return Status(StatusCode::kAlreadyExists, std::move(m));
}
inline Status FailedPreconditionError(std::string m) {
  return Status(StatusCode::kFailedPrecondition, std::move(m));
}
inline Status InternalError(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }
inline Status UnavailableError(std::string m) {
  return Status(StatusCode::kUnavailable, std::move(m));
}

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}        // NOLINT: implicit by design
  StatusOr(Status status) : value_(std::move(status)) {  // NOLINT: implicit by design
    assert(!std::get<Status>(value_).ok() && "StatusOr built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(value_); }
  Status status() const { return ok() ? OkStatus() : std::get<Status>(value_); }

  const T& value() const& {
    assert(ok());
    return std::get<T>(value_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(value_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(value_));
  }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<Status, T> value_;
};

}  // namespace sigil

// Propagates a non-OK Status from an expression returning Status.
#define SIGIL_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::sigil::Status sigil_status_ = (expr);        \
    if (!sigil_status_.ok()) return sigil_status_; \
  } while (0)

#define SIGIL_CONCAT_INNER_(a, b) a##b
#define SIGIL_CONCAT_(a, b) SIGIL_CONCAT_INNER_(a, b)

// `SIGIL_ASSIGN_OR_RETURN(auto x, Foo());` declares x from a StatusOr or returns its error.
#define SIGIL_ASSIGN_OR_RETURN(lhs, expr) \
  SIGIL_ASSIGN_OR_RETURN_IMPL_(SIGIL_CONCAT_(sigil_statusor_, __LINE__), lhs, expr)
#define SIGIL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.status();                \
  lhs = std::move(tmp).value()
