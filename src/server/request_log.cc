#include "server/request_log.h"

#include <unistd.h>

#include <cstdio>

#include "common/clock.h"
#include "common/time_format.h"

namespace sigil::server {
namespace {

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          *out += buf;
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

void Field(std::string* out, const char* name, std::string_view value) {
  if (out->size() > 1) out->push_back(',');
  AppendJsonString(out, name);
  out->push_back(':');
  AppendJsonString(out, value);
}

}  // namespace

std::string RequestLog::Format(const RequestLogEntry& e, std::string_view timestamp) {
  std::string out = "{";
  Field(&out, "time", timestamp);
  Field(&out, "request_id", e.request_id);
  Field(&out, "remote", e.remote_address);
  Field(&out, "method", e.method);
  Field(&out, "service", e.service);
  Field(&out, "action", e.action);
  Field(&out, "caller", e.caller_arn);
  Field(&out, "access_key_id", e.access_key_id);
  out += ",\"status\":" + std::to_string(e.http_status);
  Field(&out, "error", e.error_code);
  if (!e.detail.empty()) Field(&out, "detail", e.detail);
  out += ",\"latency_us\":" + std::to_string(e.latency.count()) + "}";
  return out;
}

void RequestLog::Write(const RequestLogEntry& entry) const {
  if (!enabled_) return;
  SystemClock clock;
  std::string line = Format(entry, FormatIso8601(clock.Now())) + "\n";
  // A short write to a log pipe is not worth failing a request over.
  ssize_t ignored = ::write(fd_, line.data(), line.size());
  (void)ignored;
}

}  // namespace sigil::server
