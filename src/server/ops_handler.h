// The operator endpoints: GET /health (live), GET /ready (the store reachable and migrated) and,
// on the metrics address, GET /metrics (Prometheus text format). None needs authentication and
// none reveals a secret: /ready's reason is the store's one-line status message. Thread-safe.
#pragma once

#include <functional>

#include "common/status.h"
#include "http/message.h"
#include "metrics/registry.h"

namespace sigil::server {

// OK when the node can serve requests (MetadataStore::Ping: the database answers and its
// schema is current); otherwise why not.
using ReadinessCheck = std::function<Status()>;

// 200 "OK\n", text/plain: the process is up and answering.
http::Response HealthResponse();
// 200 "ready\n" when `check` passes; else 503 "not ready: <reason>\n" with the reason on one
// line (control characters replaced, at most 300 bytes). An empty `check` is not ready.
http::Response ReadyResponse(const ReadinessCheck& check);

// The handler of the metrics address (--metrics-listen): GET /metrics, /health and /ready;
// 404 for other paths, 405 for other methods; request bodies are refused unread.
class OpsHandler final : public http::Handler {
 public:
  // Both must outlive the handler.
  OpsHandler(const metrics::Registry& registry, ReadinessCheck ready)
      : registry_(registry), ready_(std::move(ready)) {}

  http::Admission Admit(const http::Request& head) override;
  http::Response Handle(const http::Request& request) override;

 private:
  const metrics::Registry& registry_;
  ReadinessCheck ready_;
};

}  // namespace sigil::server
