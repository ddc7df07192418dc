// The request pipeline: route → authenticate → decode → authorize → dispatch → respond, over the
// dependencies it is handed (no god object carries request state), for the query protocol (IAM,
// STS, and EC2's flavour of it) and the JSON protocol (CloudTrail), which share every stage but
// routing and the codec.
// Also the http::Handler adapter the HTTP server drives. Thread-safe: every dependency is.
#pragma once

#include <cstdint>

#include "api/operation.h"
#include "audit/writer.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "http/message.h"
#include "identity/identity_service.h"
#include "identity/key_usage_tracker.h"
#include "identity/session_policies.h"
#include "server/authenticate.h"
#include "server/authorize.h"
#include "server/ops_handler.h"
#include "server/request_log.h"
#include "server/server_metrics.h"

namespace sigil::server {

// A REST-protocol front (S3) that takes over the requests it claims, from their heads on.
class RestFront {
 public:
  virtual ~RestFront() = default;
  // Whether `head` is this front's request rather than a query/JSON-protocol one.
  virtual bool Claims(const http::Request& head) const = 0;
  // Answers the request: a rejection, or an admission whose consumer receives the body.
  virtual http::Admission Admit(const http::Request& head) = 0;
};

struct PipelineDeps {
  const IdentityService& identity;
  KeyUsageTracker& usage;
  const api::QueryService& iam;
  const api::QueryService& sts;
  const Clock& clock;
  auth::SigningKeyCache& signing_keys;
  const auth::SessionTokenSealer& sealer;
  SessionPolicyCompiler& session_policies;
  const RequestLog& log;
  AuthenticateOptions auth_options;
  SourceIpOptions source_ip;
  uint64_t max_body_bytes = 1 << 20;  // form and JSON bodies
  // Where requests, authentication failures and denials are counted; null records nothing.
  ServerMetrics* metrics = nullptr;
  // Answers GET /ready (MetadataStore::Ping); empty: /ready answers 503.
  ReadinessCheck ready;
  // The audit trail: one CloudTrail record per request (probes aside) is enqueued there after
  // the response is rendered; null records nothing.
  audit::Writer* audit = nullptr;
  // The JSON-protocol service CloudTrail (requests with X-Amz-Target); null: not served.
  const api::QueryService* cloudtrail = nullptr;
  // S3, served by its own front; null: not served.
  RestFront* s3 = nullptr;
  // EC2, in its own flavour of the query protocol (credential scope "ec2"); null: not served.
  const api::QueryService* ec2 = nullptr;
};

// Decides from the head whether to read the body (and how much of it).
http::Admission AdmitRequest(const http::Request& head, const PipelineDeps& deps);
// Runs every stage and renders the outcome, success or error, in the service's wire shape.
// GET /health and GET /ready are answered before any stage, without authentication, and are
// not counted in the metrics.
http::Response HandleRequest(const http::Request& request, const PipelineDeps& deps);

class PipelineHandler final : public http::Handler {
 public:
  explicit PipelineHandler(PipelineDeps deps) : deps_(std::move(deps)) {}
  http::Admission Admit(const http::Request& head) override { return AdmitRequest(head, deps_); }
  http::Response Handle(const http::Request& request) override {
    return HandleRequest(request, deps_);
  }

 private:
  PipelineDeps deps_;
};

}  // namespace sigil::server
