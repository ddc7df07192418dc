#include "server/ops_handler.h"

#include <string>

namespace sigil::server {
namespace {

constexpr size_t kMaxReasonBytes = 300;

http::Response Text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/plain; charset=utf-8"});
  r.body = std::move(body);
  return r;
}

}  // namespace

http::Response HealthResponse() { return Text(200, "OK\n"); }

http::Response ReadyResponse(const ReadinessCheck& check) {
  Status status = check ? check() : UnavailableError("no readiness check configured");
  if (status.ok()) return Text(200, "ready\n");
  std::string reason = status.message().substr(0, kMaxReasonBytes);
  for (char& c : reason) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  }
  return Text(503, "not ready: " + reason + "\n");
}

http::Admission OpsHandler::Admit(const http::Request& head) {
  if (head.FindHeader("Content-Length").value_or("0") != "0" ||
      head.FindHeader("Transfer-Encoding")) {
    return http::Admission{Text(413, "request bodies are not accepted here\n"), 0};
  }
  return http::Admission{std::nullopt, 0};
}

http::Response OpsHandler::Handle(const http::Request& request) {
  const std::string_view path = request.path();
  if (path != "/metrics" && path != "/health" && path != "/ready") {
    return Text(404, "not found: try /metrics, /health or /ready\n");
  }
  if (request.method != "GET") {
    http::Response r = Text(405, "method not allowed\n");
    r.headers.push_back({"Allow", "GET"});
    return r;
  }
  if (path == "/health") return HealthResponse();
  if (path == "/ready") return ReadyResponse(ready_);
  http::Response r;
  r.headers.push_back({"Content-Type", std::string(metrics::kExpositionContentType)});
  r.body = registry_.Render();
  return r;
}

}  // namespace sigil::server
