#include "server/server_metrics.h"

#include <charconv>

namespace sigil::server {
namespace {

constexpr std::array<auth::AuthFailure, 10> kAuthFailures = {
    auth::AuthFailure::kMissingAuthentication, auth::AuthFailure::kIncompleteSignature,
    auth::AuthFailure::kInvalidScope,          auth::AuthFailure::kUnknownAccessKey,
    auth::AuthFailure::kSignatureMismatch,     auth::AuthFailure::kSkewed,
    auth::AuthFailure::kPresignedExpired,      auth::AuthFailure::kInvalidExpires,
    auth::AuthFailure::kInvalidToken,          auth::AuthFailure::kExpiredToken,
};
// auth_failures_ is indexed by the enumerator's value: a new reason must be added above.
static_assert(static_cast<size_t>(auth::AuthFailure::kExpiredToken) + 1 == kAuthFailures.size());

// Index 0 is an explicit deny; the others are implicit denials by policy type.
constexpr std::array<std::string_view, 5> kDenialLabels = {"explicit_deny", "identity", "resource",
                                                           "boundary", "session"};

size_t DenialIndex(policy::EvalEffect effect, policy::PolicyType decided_by) {
  if (effect == policy::EvalEffect::kExplicitDeny) return 0;
  switch (decided_by) {
    case policy::PolicyType::kResource:
      return 2;
    case policy::PolicyType::kBoundary:
      return 3;
    case policy::PolicyType::kSession:
      return 4;
    case policy::PolicyType::kIdentity:
    case policy::PolicyType::kNone:  // not produced for denials; the identity side lacked an allow
      return 1;
  }
  return 1;
}

}  // namespace

std::string_view AuthFailureReason(auth::AuthFailure failure) {
  switch (failure) {
    case auth::AuthFailure::kMissingAuthentication:
      return "missing";
    case auth::AuthFailure::kIncompleteSignature:
    case auth::AuthFailure::kInvalidExpires:
      return "incomplete";
    case auth::AuthFailure::kInvalidScope:
    case auth::AuthFailure::kSignatureMismatch:
      return "bad_signature";
    case auth::AuthFailure::kUnknownAccessKey:
      return "unknown_key";
    case auth::AuthFailure::kSkewed:
      return "skew";
    case auth::AuthFailure::kPresignedExpired:
      return "presigned_expired";
    case auth::AuthFailure::kInvalidToken:
      return "invalid_token";
    case auth::AuthFailure::kExpiredToken:
      return "expired_token";
  }
  return "incomplete";
}

ServerMetrics::ServerMetrics(metrics::Registry& registry, TimePoint started)
    : requests_(registry.AddCounter("sigil_requests_total",
                                    "API requests answered, by service, action and HTTP status.",
                                    {"service", "action", "code"})),
      errors_(registry.AddCounter("sigil_request_errors_total",
                                  "API requests answered with an error, by AWS error code.",
                                  {"service", "error_code"})),
      durations_(registry.AddHistogram(
          "sigil_request_duration_seconds",
          "Time from a request's arrival (whole) to its response, by service.", {"service"},
          metrics::LatencyBuckets())),
      blob_durations_(registry.AddHistogram(
          "sigil_blob_operation_duration_seconds",
          "S3 object bytes on disk: committing a new blob (fsync, rename), reading a piece.",
          {"operation"}, metrics::LatencyBuckets())),
      mfa_failures_(registry
                        .AddCounter("sigil_mfa_failures_total",
                                    "MFA codes refused: wrong, replayed or missing.")
                        .Get()),
      snapshot_reloads_(registry
                            .AddCounter("sigil_identity_snapshot_reloads_total",
                                        "Identity snapshots rebuilt because another process or "
                                        "node changed the store.")
                            .Get()) {
  auto& auth = registry.AddCounter("sigil_auth_failures_total",
                                   "Requests whose authentication failed, by reason.", {"reason"});
  for (auth::AuthFailure f : kAuthFailures) {
    auth_failures_[static_cast<size_t>(f)] = &auth.WithLabels({AuthFailureReason(f)});
  }
  auto& denials = registry.AddCounter(
      "sigil_authz_denials_total",
      "Requests denied by policy: explicit_deny, or the policy type whose missing allow denied.",
      {"policy_type"});
  for (size_t i = 0; i < kDenialLabels.size(); ++i) {
    denials_[i] = &denials.WithLabels({kDenialLabels[i]});
  }
  registry
      .AddGauge("sigil_process_start_time_seconds",
                "When the process started, in seconds since the Unix epoch.")
      .Get()
      .Set(static_cast<double>(ToUnixSeconds(started)));
}

void ServerMetrics::RecordRequest(std::string_view service, std::string_view action,
                                  int http_status, std::string_view error_code,
                                  std::chrono::nanoseconds elapsed) {
  char buffer[16];
  const auto end = std::to_chars(buffer, buffer + sizeof(buffer), http_status).ptr;
  const std::string_view code(buffer, static_cast<size_t>(end - buffer));
  requests_.WithLabels({service, action, code}).Increment();
  if (!error_code.empty()) errors_.WithLabels({service, error_code}).Increment();
  durations_.WithLabels({service}).ObserveDuration(elapsed);
}

void ServerMetrics::RecordAuthFailure(auth::AuthFailure failure) {
  auth_failures_[static_cast<size_t>(failure)]->Increment();
}

void ServerMetrics::RecordDenial(policy::EvalEffect effect, policy::PolicyType decided_by) {
  if (effect == policy::EvalEffect::kAllowed) return;
  denials_[DenialIndex(effect, decided_by)]->Increment();
}

}  // namespace sigil::server
