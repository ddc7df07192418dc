#include "server/pipeline.h"

#include <charconv>
#include <chrono>
#include <functional>
#include <optional>

#include "audit/record.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "protocol/ec2_codec.h"
#include "protocol/json_codec.h"
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
  // For the metrics: whether the action is an operation of the service's model (only such
  // names become labels), a health probe (not counted), and what failed, if anything.
  bool known_action = false;
  bool probe = false;
  std::optional<auth::AuthFailure> auth_failure;
  policy::EvalEffect authz_effect = policy::EvalEffect::kAllowed;
  policy::PolicyType authz_decided_by = policy::PolicyType::kNone;
  bool mfa_failure = false;
  // For the audit trail (filled only when it is on): when the request arrived, the message the
  // client was sent, the signature's region, the caller (or, when authentication failed, the
  // owner of the key it claimed), and the operation with its decoded input and output, moved
  // here once the stages are done with them.
  TimePoint event_time;
  std::string error_message;
  std::string region;
  std::optional<Principal> principal;
  std::string session_issuer_arn;
  std::optional<Principal> claimed_key_owner;
  const protocol::Operation* operation = nullptr;
  std::optional<Value> input;
  std::optional<Value> output;
};

// The message a client sees for an error: internal errors never show their detail.
std::string ClientMessage(const Status& error) {
  return error.http_status() >= 500 && error.aws_code().empty()
             ? std::string("An internal error occurred.")
             : error.message();
}

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
  outcome->error_message = ClientMessage(error);
  if (error.http_status() >= 500) outcome->detail = error.message();
  return XmlResponse(error.http_status(),
                     protocol::EncodeQueryError(xml_namespace, error, request_id));
}

// A wrong, replayed or missing MFA code, as the services word it: STS's AccessDenied
// ("MultiFactorAuthentication failed ...") and IAM's InvalidAuthenticationCode.
bool IsMfaFailure(const Status& error) {
  return error.aws_code() == "InvalidAuthenticationCode" ||
         (error.aws_code() == "AccessDenied" &&
          StartsWith(error.message(), "MultiFactorAuthentication failed"));
}

bool IsFormBody(const http::Request& r) {
  auto type = r.FindHeader("Content-Type");
  return type && StartsWith(AsciiLower(*type), "application/x-www-form-urlencoded");
}

// EC2 speaks its own flavour of the query protocol: its decoder, response and error shapes.
bool IsEc2(const api::QueryService& service) { return service.model().protocol() == "ec2"; }

http::Response Ec2Error(const Status& any_error, std::string_view request_id, Outcome* outcome) {
  const Status error = protocol::AsEc2Error(any_error);
  outcome->error_code = protocol::AwsCodeFor(error);
  outcome->error_message = ClientMessage(error);
  if (error.http_status() >= 500) outcome->detail = error.message();
  return XmlResponse(error.http_status(), protocol::EncodeEc2Error(error, request_id));
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
  } else if (deps.ec2 != nullptr &&
             (signed_service == "ec2" || (signed_service.empty() && StartsWith(host, "ec2.")))) {
    call.service = deps.ec2;
  } else if (signed_service.empty() && !call.action.empty()) {
    call.service = deps.sts.model().FindOperation(call.action) ? &deps.sts : &deps.iam;
  }
  if (call.service == nullptr) {
    return AwsError(StatusCode::kUnimplemented, "NotImplemented",
                    "This Sigil version serves IAM, STS, S3, EC2 and CloudTrail; the service '" +
                        (signed_service.empty() ? std::string("unknown") : signed_service) +
                        "' is not one of them.");
  }
  if (call.action.empty()) {
    return AwsError(StatusCode::kInvalidArgument, "MissingAction",
                    "The request must contain the parameter Action.");
  }
  return call;
}

// ---- JSON protocol (CloudTrail) ------------------------------------------------------------

// A JSON-protocol request names its operation in X-Amz-Target ("PREFIX.Operation").
bool IsJsonProtocol(const http::Request& r) { return r.FindHeader("X-Amz-Target").has_value(); }

http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  // Every JSON service Sigil serves speaks version 1.1.
  r.headers.push_back({"Content-Type", protocol::JsonContentType("1.1")});
  r.body = std::move(body);
  return r;
}

// Renders any stage's error as the JSON protocol names it (see protocol::AsJsonProtocolError).
http::Response JsonError(const Status& error, Outcome* outcome) {
  const Status wire = protocol::AsJsonProtocolError(error);
  outcome->error_code = protocol::JsonAwsCodeFor(wire);
  outcome->error_message = ClientMessage(wire);
  if (wire.http_status() >= 500) outcome->detail = wire.message();
  return JsonResponse(wire.http_status(), protocol::EncodeJsonError(wire));
}

struct JsonCall {
  const api::QueryService* service = nullptr;
  std::string action;
};

// Route: the JSON service whose target prefix X-Amz-Target names, and the operation.
StatusOr<JsonCall> RouteJson(const http::Request& request, const PipelineDeps& deps) {
  const std::string target(*request.FindHeader("X-Amz-Target"));
  const size_t dot = target.rfind('.');
  const std::string prefix = dot == std::string::npos ? "" : target.substr(0, dot);
  JsonCall call;
  call.action = dot == std::string::npos ? target : target.substr(dot + 1);
  for (const api::QueryService* candidate : {deps.cloudtrail}) {
    if (candidate != nullptr && candidate->model().target_prefix() == prefix) {
      call.service = candidate;
    }
  }
  if (call.service == nullptr || request.method != "POST" ||
      call.service->model().FindOperation(call.action) == nullptr) {
    return AwsError(StatusCode::kInvalidArgument, "UnknownOperationException",
                    "Sigil serves no operation '" + target + "'" +
                        (request.method != "POST" ? " for " + request.method : "") + ".");
  }
  return call;
}

// ---- Stages 2 to 5, shared by both protocols -------------------------------------------------

// For the audit trail: the caller, and the ARN of the role (with its path) or of the user who
// federated, as CloudTrail's sessionIssuer shows it.
void NoteCaller(const Principal& principal, const IdentitySnapshot& snapshot, Outcome* outcome) {
  outcome->principal = principal;
  if (principal.type == PrincipalType::kAssumedRole) {
    if (const Role* role = snapshot.FindRoleById(principal.role_id)) {
      outcome->session_issuer_arn = RoleArn(principal.account_id, role->path, role->name);
    }
  } else if (principal.type == PrincipalType::kFederatedUser && !principal.user_name.empty()) {
    if (const User* user = snapshot.FindUser(principal.account_id, principal.user_name)) {
      outcome->session_issuer_arn = UserArn(principal.account_id, user->path, user->name);
    }
  }
}

// For the audit trail: whose key a request that failed authentication claimed, if it exists.
void NoteClaimedKeyOwner(const IdentitySnapshot& snapshot, const auth::SignatureClaims& signature,
                         Outcome* outcome) {
  if (const KeyEntry* key = snapshot.FindKey(signature.scope.access_key_id)) {
    outcome->claimed_key_owner = key->principal;
  }
}

// Decodes a routed call's input with its protocol's codec.
using DecodeInput = std::function<StatusOr<Value>(const api::OperationBinding&)>;

// Authenticate, decode, authorize and dispatch a routed call: its output, or the error to render
// (in the query protocol's terms; the JSON path renames it). *bound is the operation's binding
// once found.
StatusOr<Value> RunCall(const http::Request& request, const auth::ClaimsOrError& claims,
                        TimePoint now, const api::QueryService& service, const std::string& action,
                        const DecodeInput& decode, const PipelineDeps& deps,
                        std::string_view request_id, Outcome* outcome,
                        const api::OperationBinding** bound) {
  // 2. Authenticate.
  if (const auto* error = std::get_if<auth::AuthError>(&claims)) {
    outcome->auth_failure = error->reason;
    return auth::QueryProtocolError(*error);
  }
  const auto& signature = std::get<auth::SignatureClaims>(claims);
  outcome->access_key_id = signature.scope.access_key_id;
  outcome->region = signature.scope.region;
  const std::shared_ptr<const IdentitySnapshot> snapshot = deps.identity.Current();
  auto authenticated = AuthenticateQueryRequest(request, signature, *snapshot, now,
                                                deps.auth_options, deps.signing_keys, deps.sealer);
  if (const auto* error = std::get_if<auth::AuthError>(&authenticated)) {
    outcome->auth_failure = error->reason;
    if (deps.audit != nullptr) NoteClaimedKeyOwner(*snapshot, signature, outcome);
    return auth::QueryProtocolError(*error);
  }
  const Authenticated& who = std::get<Authenticated>(authenticated);
  outcome->caller_arn = who.principal.arn;
  if (deps.audit != nullptr) NoteCaller(who.principal, *snapshot, outcome);
  if (!who.principal.temporary()) {
    // GetAccessKeyLastUsed tracks long-term keys; sessions are not access keys.
    deps.usage.Record(who.principal.access_key_id, now, who.scope.region, who.scope.service);
  }
  SIGIL_RETURN_IF_ERROR(CheckSessionRestrictions(who.principal, service.signing_name(), action));

  // 3. Decode the operation's input (AWS validates after authenticating).
  const api::OperationBinding* binding = service.Find(action);
  if (binding == nullptr) {
    const bool known = service.model().FindOperation(action) != nullptr;
    return known ? AwsError(StatusCode::kUnimplemented, "NotImplemented",
                            "Sigil does not implement " + service.signing_name() + ":" + action +
                                " yet.")
                 : AwsError(StatusCode::kInvalidArgument, "InvalidAction",
                            "Could not find operation " + action + " for version " +
                                service.model().api_version());
  }
  *bound = binding;
  outcome->operation = binding->operation;
  SIGIL_ASSIGN_OR_RETURN(Value input, decode(*binding));

  // 4. Authorize.
  api::CallContext ctx{who.principal, *snapshot, now, request_id, who.scope.region};
  api::AuthzRequest question = binding->describe(ctx, input);
  AuthorizeResult allowed =
      AuthorizeRequest(AuthorizeInput{request, who.principal, *snapshot, who.scope.region, now,
                                      question, deps.source_ip, deps.session_policies});
  if (!allowed.status.ok()) {
    outcome->authz_effect = allowed.effect;
    outcome->authz_decided_by = allowed.decided_by;
    if (deps.audit != nullptr) outcome->input = std::move(input);
    if (IsEc2(service)) {
      OsRandomSource random;
      return Ec2UnauthorizedOperation(allowed, deps.sealer, random);
    }
    return allowed.status;
  }

  // 5. Dispatch.
  StatusOr<Value> output = binding->handle(ctx, input);
  if (deps.audit != nullptr) outcome->input = std::move(input);
  if (!output.ok()) outcome->mfa_failure = IsMfaFailure(output.status());
  return output;
}

// The JSON protocol's path: route by X-Amz-Target, run the shared stages with the JSON codec,
// respond in JSON.
http::Response RunJsonStages(const http::Request& request, const auth::ClaimsOrError& claims,
                             TimePoint now, const PipelineDeps& deps, std::string_view request_id,
                             Outcome* outcome) {
  // 1. Route.
  StatusOr<JsonCall> call = RouteJson(request, deps);
  if (!call.ok()) return JsonError(call.status(), outcome);
  const api::QueryService& service = *call->service;
  outcome->service = service.signing_name();
  outcome->action = call->action;
  outcome->known_action = true;
  // Routing went by the target, so the signature must be scoped to that service.
  if (const auto* c = std::get_if<auth::SignatureClaims>(&claims);
      c != nullptr && c->scope.service != service.signing_name()) {
    outcome->auth_failure = auth::AuthFailure::kInvalidScope;
    return JsonError(
        auth::QueryProtocolError(auth::AuthError{
            auth::AuthFailure::kInvalidScope,
            "Credential should be scoped to correct service: '" + service.signing_name() + "'."}),
        outcome);
  }

  // 2-5.
  const protocol::JsonDecodeOptions options{service.checks_constraints()};
  const api::OperationBinding* binding = nullptr;
  StatusOr<Value> output = RunCall(
      request, claims, now, service, call->action,
      [&](const api::OperationBinding& b) {
        return protocol::DecodeJsonInput(b.operation->input, request.body, options);
      },
      deps, request_id, outcome, &binding);
  if (!output.ok()) return JsonError(output.status(), outcome);

  // 6. Respond.
  StatusOr<std::string> body = protocol::EncodeJsonOutput(binding->operation->output, *output);
  if (!body.ok()) return JsonError(body.status(), outcome);
  if (deps.audit != nullptr) outcome->output = std::move(output).value();
  return JsonResponse(200, std::move(body).value());
}

// ---- Both protocols ---------------------------------------------------------------------------

http::Response RunStages(const http::Request& request, const PipelineDeps& deps,
                         std::string_view request_id, Outcome* outcome) {
  if (request.method == "GET" && request.path() == "/health") {
    outcome->probe = true;
    return HealthResponse();
  }
  if (request.method == "GET" && request.path() == "/ready") {
    outcome->probe = true;
    return ReadyResponse(deps.ready);
  }
  const TimePoint now = deps.clock.Now();
  const auth::ClaimsOrError claims = auth::ExtractClaims(request);
  if (IsJsonProtocol(request)) {
    return RunJsonStages(request, claims, now, deps, request_id, outcome);
  }

  // 1. Route.
  StatusOr<QueryCall> call = Route(request, claims, deps);
  if (!call.ok())
    return QueryError(deps.iam.model().xml_namespace(), call.status(), request_id, outcome);
  const api::QueryService& service = *call->service;
  const std::string& ns = service.model().xml_namespace();
  outcome->service = service.signing_name();
  outcome->action = call->action;
  outcome->known_action = service.model().FindOperation(call->action) != nullptr;

  const bool ec2 = IsEc2(service);
  auto error = [&](const Status& e) {
    return ec2 ? Ec2Error(e, request_id, outcome) : QueryError(ns, e, request_id, outcome);
  };

  // 2-5.
  const api::OperationBinding* binding = nullptr;
  StatusOr<Value> output = RunCall(
      request, claims, now, service, call->action,
      [&](const api::OperationBinding& b) {
        return ec2 ? protocol::DecodeEc2Input(b.operation->input, call->params)
                   : protocol::DecodeQueryInput(b.operation->input, call->params);
      },
      deps, request_id, outcome, &binding);
  if (!output.ok()) return error(output.status());

  // 6. Respond.
  StatusOr<std::string> body =
      ec2 ? protocol::EncodeEc2Response(service.model(), *binding->operation, *output, request_id)
          : protocol::EncodeQueryResponse(service.model(), *binding->operation, *output,
                                          request_id);
  if (!body.ok()) return error(body.status());
  if (deps.audit != nullptr) outcome->output = std::move(output).value();
  return XmlResponse(200, std::move(body).value());
}

void RecordMetrics(const Outcome& outcome, const http::Response& response,
                   std::chrono::steady_clock::time_point started, ServerMetrics& metrics) {
  // Labels come from Sigil's own names only: an Action the model lacks is "unknown".
  const std::string_view service =
      outcome.service.empty() ? kUnknownLabel : std::string_view(outcome.service);
  const std::string_view action =
      outcome.known_action ? std::string_view(outcome.action) : kUnknownLabel;
  metrics.RecordRequest(service, action, response.status, outcome.error_code,
                        std::chrono::steady_clock::now() - started);
  if (outcome.auth_failure) metrics.RecordAuthFailure(*outcome.auth_failure);
  metrics.RecordDenial(outcome.authz_effect, outcome.authz_decided_by);
  if (outcome.mfa_failure) metrics.RecordMfaFailure();
}

// Builds the request's CloudTrail record and queues it; the writer's thread does the rest.
void RecordAudit(const http::Request& request, std::string_view request_id, const Outcome& outcome,
                 audit::Writer& writer, const PipelineDeps& deps) {
  const std::string source_ip = SourceIp(request, deps.source_ip);
  const std::string event_id = NewRequestId();
  audit::RecordInput in;
  in.event_time = outcome.event_time;
  in.service = outcome.service;
  in.action = outcome.action;
  in.region = outcome.region;
  in.source_ip = source_ip;
  in.user_agent = request.FindHeader("User-Agent").value_or("");
  if (request.secure_transport) {
    in.tls = audit::TlsDetails{request.tls_version, request.tls_cipher,
                               request.FindHeader("Host").value_or("")};
  }
  in.request_id = request_id;
  in.event_id = event_id;
  in.principal = outcome.principal ? &*outcome.principal : nullptr;
  in.session_issuer_arn = outcome.session_issuer_arn;
  in.claimed_access_key_id = outcome.access_key_id;
  in.claimed_key_owner = outcome.claimed_key_owner ? &*outcome.claimed_key_owner : nullptr;
  in.input = outcome.input ? &*outcome.input : nullptr;
  in.input_shape = outcome.operation != nullptr ? outcome.operation->input : nullptr;
  in.output = outcome.output ? &*outcome.output : nullptr;
  in.output_shape = outcome.operation != nullptr ? outcome.operation->output : nullptr;
  in.error_code = outcome.error_code;
  in.error_message = outcome.error_message;
  writer.Enqueue(audit::BuildRecord(in), outcome.event_time);
}

}  // namespace

http::Admission AdmitRequest(const http::Request& head, const PipelineDeps& deps) {
  if (deps.s3 != nullptr && deps.s3->Claims(head)) return deps.s3->Admit(head);
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
    http::Response r = IsJsonProtocol(head) ? JsonError(too_large, &outcome)
                                            : QueryError(deps.iam.model().xml_namespace(),
                                                         too_large, request_id, &outcome);
    r.SetHeader("x-amzn-RequestId", request_id);
    deps.log.Write(RequestLogEntry{request_id, head.remote_address, head.method, "", "", "", "",
                                   r.status, outcome.error_code, "", std::chrono::microseconds(0)});
    if (deps.metrics != nullptr) {
      deps.metrics->RecordRequest(kUnknownLabel, kUnknownLabel, r.status, outcome.error_code,
                                  std::chrono::nanoseconds(0));
    }
    if (deps.audit != nullptr) {
      outcome.event_time = deps.clock.Now();
      RecordAudit(head, request_id, outcome, *deps.audit, deps);
    }
    return http::Admission{std::move(r), 0};
  }
  return http::Admission{std::nullopt, deps.max_body_bytes};
}

http::Response HandleRequest(const http::Request& request, const PipelineDeps& deps) {
  const auto started = std::chrono::steady_clock::now();
  const std::string request_id = NewRequestId();
  Outcome outcome;
  if (deps.audit != nullptr) outcome.event_time = deps.clock.Now();
  http::Response response = RunStages(request, deps, request_id, &outcome);
  response.SetHeader("x-amzn-RequestId", request_id);
  deps.log.Write(RequestLogEntry{request_id, request.remote_address, request.method,
                                 outcome.service, outcome.action, outcome.caller_arn,
                                 outcome.access_key_id, response.status, outcome.error_code,
                                 outcome.detail,
                                 std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now() - started)});
  if (deps.metrics != nullptr && !outcome.probe)
    RecordMetrics(outcome, response, started, *deps.metrics);
  if (deps.audit != nullptr && !outcome.probe)
    RecordAudit(request, request_id, outcome, *deps.audit, deps);
  return response;
}

}  // namespace sigil::server
