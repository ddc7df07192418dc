#include "server/request_log.h"

#include <gtest/gtest.h>

namespace sigil::server {
namespace {

TEST(RequestLog, OneEscapedJsonLine) {
  RequestLogEntry e;
  e.request_id = "r-1";
  e.remote_address = "127.0.0.1";
  e.method = "POST";
  e.service = "iam";
  e.action = "Create\"User\n";
  e.caller_arn = "arn:aws:iam::123456789012:root";
  e.http_status = 403;
  e.error_code = "AccessDenied";
  e.latency = std::chrono::microseconds(42);
  EXPECT_EQ(RequestLog::Format(e, "2026-01-01T00:00:00Z"),
            "{\"time\":\"2026-01-01T00:00:00Z\",\"request_id\":\"r-1\",\"remote\":\"127.0.0.1\","
            "\"method\":\"POST\",\"service\":\"iam\",\"action\":\"Create\\\"User\\n\","
            "\"caller\":\"arn:aws:iam::123456789012:root\",\"access_key_id\":\"\","
            "\"status\":403,\"error\":\"AccessDenied\",\"latency_us\":42}");
}

}  // namespace
}  // namespace sigil::server
