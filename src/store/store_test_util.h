// Small helpers the store tests share: scratch directories, Status matchers and printers.
// Test-only; thread-compatible.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "common/status.h"

namespace sigil {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents when destroyed.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  // `name` inside the directory.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// ---- Matchers for Status and StatusOr<T>.

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const Status status = ::sigil::StatusOf(arg);
  *result_listener << "which is " << status.ToString();
  return status.ok();
}

// The code matches exactly and the message contains `substring`.
MATCHER_P2(StatusIs, code, substring,
           "has code " + std::string(::sigil::StatusCodeName(code)) +
               " and a message containing \"" + std::string(substring) + "\"") {
  const Status status = ::sigil::StatusOf(arg);
  *result_listener << "which is " << status.ToString();
  return status.code() == code && status.message().find(substring) != std::string::npos;
}

// The code matches exactly and so does the whole message.
MATCHER_P2(StatusIsExactly, code, message,
           "has code " + std::string(::sigil::StatusCodeName(code)) + " and the message \"" +
               std::string(message) + "\"") {
  const Status status = ::sigil::StatusOf(arg);
  *result_listener << "which is " << status.ToString();
  return status.code() == code && status.message() == message;
}

// ---- Printers, so failures show values rather than bytes.

inline void PrintTo(StatusCode code, std::ostream* os) { *os << StatusCodeName(code); }
inline void PrintTo(const Status& status, std::ostream* os) { *os << status.ToString(); }
template <typename T>
void PrintTo(const StatusOr<T>& status_or, std::ostream* os) {
  *os << (status_or.ok() ? "OK with a value" : status_or.status().ToString());
}
}  // namespace sigil
