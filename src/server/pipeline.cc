#include "server/pipeline.h"

#include <charconv>
#include <chrono>

#include "common/strings.h"
#include "common/time_format.h"
#include "protocol/query_codec.h"
#include "server/request_id.h"

namespace sigil::server {
namespace {

using protocol::Value;

// What the log line reports about a request, filled in as the stages run.
struct Outcome {
  std::string service;
  std::string action;
  std::string caller_arn;
  std::string access_key_id;
  std::string error_code;
  std::string detail;  // for 5xx: the internal message the client does not see
};

// A query-protocol call after routing: which service and operation, with its parameters.
struct QueryCall {
  const api::QueryService* service = nullptr;
  std::string action;
  std::vector<QueryParam> params;
};

http::Response XmlResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "text/xml"});
  r.body = std::move(body);
  return r;
}

http::Response QueryError(std::string_view xml_namespace, const Status& error,
                          std::string_view request_id, Outcome* outcome) {
  outcome->error_code = protocol::AwsCodeFor(error);
  if (error.http_status() >= 500) outcome->detail = error.message();
  return XmlResponse(error.http_status(),
                     protocol::EncodeQueryError(xml_namespace, error, request_id));
}

bool IsFormBody(const http::Request& r) {
  auto type = r.FindHeader("Content-Type");
  return type && StartsWith(AsciiLower(*type), "application/x-www-form-urlencoded");
}

// Route: the query parameters (URL and form body), the Action, and the service: the one the
// signature is scoped to, else the one the Host names, else the one whose model has the Action.
StatusOr<QueryCall> Route(const http::Request& request, const auth::ClaimsOrError& claims,
                          const PipelineDeps& deps) {
  QueryCall call;
  auto query = ParseQueryString(request.query());
  if (!query) {
    return AwsError(StatusCode::kInvalidArgument, "MalformedQueryString",
                    "The query string is not valid percent-encoding.");
  }
  call.params = std::move(*query);
  if (request.method == "POST" && IsFormBody(request)) {
    auto form = ParseQueryString(request.body);
    if (!form) {
      return AwsError(StatusCode::kInvalidArgument, "MalformedInput",
                      "The request body is not valid form encoding.");
    }
    call.params.insert(call.params.end(), form->begin(), form->end());
  }
  for (const QueryParam& p : call.params) {
    if (p.key == "Action") call.action = p.value;
  }

  std::string signed_service;
  if (const auto* c = std::get_if<auth::SignatureClaims>(&claims))
    signed_service = c->scope.service;
  std::string host = AsciiLower(request.FindHeader("Host").value_or(""));
  if (signed_service == "sts" || (signed_service.empty() && StartsWith(host, "sts."))) {
    call.service = &deps.sts;
  } else if (signed_service == "iam" || (signed_service.empty() && StartsWith(host, "iam."))) {
    call.service = &deps.iam;
  } else if (signed_service.empty() && !call.action.empty()) {
    call.service = deps.sts.model().FindOperation(call.action) ? &deps.sts : &deps.iam;
  }
  if (call.service == nullptr) {
    return AwsError(StatusCode::kUnimplemented, "NotImplemented",
                    "This Sigil version serves IAM and STS; the service '" +
                        (signed_service.empty() ? std::string("unknown") : signed_service) +
                        "' is not available yet.");
  }
  if (call.action.empty()) {
    return AwsError(StatusCode::kInvalidArgument, "MissingAction",
                    "The request must contain the parameter Action.");
  }
  return call;
}

http::Response RunStages(const http::Request& request, const PipelineDeps& deps,
                         std::string_view request_id, Outcome* outcome) {
  if (request.method == "GET" && request.path() == "/health") {
    http::Response ok;
    ok.headers.push_back({"Content-Type", "text/plain"});
    ok.body = "OK\n";
    return ok;
  }
  const TimePoint now = deps.clock.Now();
  const auth::ClaimsOrError claims = auth::ExtractClaims(request);

  // 1. Route.
  StatusOr<QueryCall> call = Route(request, claims, deps);
  if (!call.ok())
    return QueryError(deps.iam.model().xml_namespace(), call.status(), request_id, outcome);
  const api::QueryService& service = *call->service;
  const std::string& ns = service.model().xml_namespace();
  outcome->service = service.signing_name();
  outcome->action = call->action;

  // 2. Authenticate.
  if (const auto* error = std::get_if<auth::AuthError>(&claims)) {
    return QueryError(ns, auth::QueryProtocolError(*error), request_id, outcome);
  }
  const auto& signature = std::get<auth::SignatureClaims>(claims);
  outcome->access_key_id = signature.scope.access_key_id;
  const std::shared_ptr<const IdentitySnapshot> snapshot = deps.identity.Current();
  auto authenticated = AuthenticateQueryRequest(request, signature, *snapshot, now,
                                                deps.auth_options, deps.signing_keys, deps.sealer);
  if (const auto* error = std::get_if<auth::AuthError>(&authenticated)) {
    return QueryError(ns, auth::QueryProtocolError(*error), request_id, outcome);
  }
  const Authenticated& who = std::get<Authenticated>(authenticated);
  outcome->caller_arn = who.principal.arn;
  if (!who.principal.temporary()) {
    // GetAccessKeyLastUsed tracks long-term keys; sessions are not access keys.
    deps.usage.Record(who.principal.access_key_id, now, who.scope.region, who.scope.service);
  }
  if (Status s = CheckSessionRestrictions(who.principal, service.signing_name(), call->action);
      !s.ok()) {
    return QueryError(ns, s, request_id, outcome);
  }

  // 3. Decode the operation's input (AWS validates after authenticating).
  const api::OperationBinding* binding = service.Find(call->action);
  if (binding == nullptr) {
    const bool known = service.model().FindOperation(call->action) != nullptr;
    Status s = known ? AwsError(StatusCode::kUnimplemented, "NotImplemented",
                                "Sigil does not implement " + service.signing_name() + ":" +
                                    call->action + " yet.")
                     : AwsError(StatusCode::kInvalidArgument, "InvalidAction",
                                "Could not find operation " + call->action + " for version " +
                                    service.model().api_version());
    return QueryError(ns, s, request_id, outcome);
  }
  StatusOr<Value> input = protocol::DecodeQueryInput(binding->operation->input, call->params);
  if (!input.ok()) return QueryError(ns, input.status(), request_id, outcome);

  // 4. Authorize.
  api::CallContext ctx{who.principal, *snapshot, now, request_id, who.scope.region};
  api::AuthzRequest question = binding->describe(ctx, *input);
  Status allowed = Authorize(AuthorizeInput{request, who.principal, *snapshot, who.scope.region,
                                            now, question, deps.source_ip, deps.session_policies});
  if (!allowed.ok()) return QueryError(ns, allowed, request_id, outcome);

  // 5. Dispatch and respond.
  StatusOr<Value> output = binding->handle(ctx, *input);
  if (!output.ok()) return QueryError(ns, output.status(), request_id, outcome);
  StatusOr<std::string> body =
      protocol::EncodeQueryResponse(service.model(), *binding->operation, *output, request_id);
  if (!body.ok()) return QueryError(ns, body.status(), request_id, outcome);
  return XmlResponse(200, std::move(body).value());
}

}  // namespace

http::Admission AdmitRequest(const http::Request& head, const PipelineDeps& deps) {
  // Refuse an oversized body before it is sent, in AWS's shape and with a request id. (Chunked
  // bodies are cut off by the HTTP layer at the same limit while they stream.)
  auto length = head.FindHeader("Content-Length");
  uint64_t declared = 0;
  if (length &&
      std::from_chars(length->data(), length->data() + length->size(), declared).ec ==
          std::errc() &&
      declared > deps.max_body_bytes) {
    const std::string request_id = NewRequestId();
    Outcome outcome;
    Status too_large =
        AwsError(StatusCode::kResourceExhausted, "RequestEntityTooLarge",
                 "Request body of " + std::to_string(declared) + " bytes exceeds the limit of " +
                     std::to_string(deps.max_body_bytes) + " bytes.")
            .WithHttpStatus(413);
    http::Response r =
        QueryError(deps.iam.model().xml_namespace(), too_large, request_id, &outcome);
    r.SetHeader("x-amzn-RequestId", request_id);
    deps.log.Write(RequestLogEntry{request_id, head.remote_address, head.method, "", "", "", "",
                                   r.status, outcome.error_code, "", std::chrono::microseconds(0)});
    return http::Admission{std::move(r), 0};
  }
  return http::Admission{std::nullopt, deps.max_body_bytes};
}

http::Response HandleRequest(const http::Request& request, const PipelineDeps& deps) {
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = NewRequestId();
  Outcome outcome;
  http::Response response = RunStages(request, deps, request_id, &outcome);
  response.SetHeader("x-amzn-RequestId", request_id);
  deps.log.Write(RequestLogEntry{request_id, request.remote_address, request.method,
                                 outcome.service, outcome.action, outcome.caller_arn,
                                 outcome.access_key_id, response.status, outcome.error_code,
                                 outcome.detail,
                                 std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started)});
  return response;
}

}  // namespace sigil::server
