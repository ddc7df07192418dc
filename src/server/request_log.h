// One structured (JSON) log line per request on stderr: request id, caller, action, outcome and
// latency. Never given a secret, signature or token: only the fields below exist. Each line is
// one write(2), so concurrent requests never interleave and no lock is taken. Thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace sigil::server {

struct RequestLogEntry {
  std::string_view request_id;
  std::string_view remote_address;
  std::string_view method;
  std::string_view service;  // "iam", "sts", ... or empty when routing failed
  std::string_view action;
  std::string_view caller_arn;  // empty when unauthenticated
  std::string_view access_key_id;
  int http_status = 0;
  std::string_view error_code;  // AWS error code, empty on success
  std::string_view detail;      // internal errors only: what failed (never client-supplied secrets)
  std::chrono::microseconds latency{0};
};

class RequestLog {
 public:
  explicit RequestLog(bool enabled, int fd = 2) : enabled_(enabled), fd_(fd) {}
  void Write(const RequestLogEntry& entry) const;
  // The JSON line (without newline), exposed for tests.
  static std::string Format(const RequestLogEntry& entry, std::string_view timestamp);

 private:
  bool enabled_;
  int fd_;
};

}  // namespace sigil::server
