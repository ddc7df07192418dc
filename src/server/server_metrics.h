// The metrics Sigil's request path records, registered once in a metrics::Registry and handed
// to the pipeline in PipelineDeps: requests by service, action and HTTP status, errors by AWS
// error code, latency, authentication failures by reason, MFA failures, authorization denials
// by policy type, identity snapshot reloads and the process start time. Labels only ever take
// bounded values chosen by Sigil, never client input, access key ids, ARNs or secrets.
// Thread-safe.
#pragma once

#include <array>
#include <chrono>
#include <string_view>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "metrics/registry.h"
#include "policy/evaluator.h"

namespace sigil::server {

// The label for an action or service the request named but Sigil does not know, so clients
// cannot grow the metrics with made-up names.
inline constexpr std::string_view kUnknownLabel = "unknown";

// auth_failures_total's reason label: bad_signature (kSignatureMismatch, kInvalidScope),
// unknown_key, expired_token, invalid_token, skew, missing, incomplete (kIncompleteSignature,
// kInvalidExpires), presigned_expired.
std::string_view AuthFailureReason(auth::AuthFailure failure);

class ServerMetrics {
 public:
  // Registers every family in `registry` (so one ServerMetrics per registry), with the
  // reasons and policy types listed at zero. `started`: when the process started.
  ServerMetrics(metrics::Registry& registry, TimePoint started);

  // One finished request: sigil_requests_total{service,action,code} (code: the HTTP status),
  // sigil_request_errors_total{service,error_code} when `error_code` (the AWS error code) is
  // set, and sigil_request_duration_seconds{service}. `service` and `action` must be bounded:
  // a service Sigil serves and an operation of its model, else kUnknownLabel.
  void RecordRequest(std::string_view service, std::string_view action, int http_status,
                     std::string_view error_code, std::chrono::nanoseconds elapsed);
  // sigil_auth_failures_total{reason}.
  void RecordAuthFailure(auth::AuthFailure failure);
  // sigil_mfa_failures_total: a wrong, replayed or missing MFA code (STS GetSessionToken and
  // AssumeRole, IAM EnableMFADevice and ResyncMFADevice).
  void RecordMfaFailure() { mfa_failures_.Increment(); }
  // sigil_authz_denials_total{policy_type}: "explicit_deny" for an explicit deny, else the type
  // of policy whose missing allow denied (identity, resource, boundary, session). An allowed
  // decision records nothing.
  void RecordDenial(policy::EvalEffect effect, policy::PolicyType decided_by);
  // sigil_identity_snapshot_reloads_total: the snapshot was rebuilt because another process or
  // node changed the store.
  void RecordSnapshotReload() { snapshot_reloads_.Increment(); }
  // sigil_blob_operation_duration_seconds{operation}: S3 object bytes on disk. `operation` is
  // "commit" (fsync, rename and folder fsync of a new blob) or "read" (one piece of a download).
  void RecordBlobOperation(std::string_view operation, std::chrono::nanoseconds elapsed) {
    blob_durations_.WithLabels({operation}).ObserveDuration(elapsed);
  }

 private:
  static constexpr size_t kAuthFailureCount = 10;  // auth::AuthFailure's enumerators
  static constexpr size_t kDenialKinds = 5;        // explicit_deny + four policy types

  metrics::Family<metrics::Counter>& requests_;
  metrics::Family<metrics::Counter>& errors_;
  metrics::Family<metrics::Histogram>& durations_;
  std::array<metrics::Counter*, kAuthFailureCount> auth_failures_{};
  std::array<metrics::Counter*, kDenialKinds> denials_{};
  metrics::Family<metrics::Histogram>& blob_durations_;
  metrics::Counter& mfa_failures_;
  metrics::Counter& snapshot_reloads_;
};

}  // namespace sigil::server
