// Builds the audit trail's records: one CloudTrail record (eventVersion 1.11) per API request,
// allowed or denied, authenticated or not, with secrets redacted. Pure functions of their
// inputs (the caller supplies the time and the event id); thread-safe.
//
// Choices where CloudTrail varies or Sigil differs (documented in docs/architecture.md):
// - requestParameters is the decoded input with member names as CloudTrail shows them (first
//   letter lower case: "userName", "policyDocument", tags as {"key","value"}); map keys are kept
//   as given; timestamps are ISO 8601 strings. null when the call had no parameters.
// - responseElements is the output, likewise, for calls that change something; null for errors,
//   for read-only calls, and when the output is empty, as CloudTrail does. The STS calls that
//   issue credentials (GetSessionToken, GetFederationToken, AssumeRole*) keep theirs, so a
//   temporary access key id can be traced to the call that issued it.
// - Secrets are replaced by kRedacted wherever they appear, at any depth: the members named in
//   IsSecretMember and any member whose model shape is marked sensitive. Policy documents are
//   kept.
// - readOnly is true for operations named Get*, List*, Describe*, Lookup*, Simulate* and for
//   sts:DecodeAuthorizationMessage.
// - A request that failed authentication has userIdentity {"type":"Unknown"} plus what the
//   request claimed (its access key id) and, when that key exists, the key owner's identity
//   (errorCode tells that it was not proven). A request that failed before routing has
//   eventSource "unknown" and eventName "" or the Action given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "audit/reader.h"
#include "common/clock.h"
#include "identity/principal.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"

namespace sigil::audit {

inline constexpr std::string_view kEventVersion = "1.11";
inline constexpr std::string_view kRedacted = "HIDDEN_DUE_TO_SECURITY_REASONS";

// The TLS connection a request came over.
struct TlsDetails {
  std::string_view tls_version;   // "TLSv1.3"; empty when unknown
  std::string_view cipher_suite;  // "TLS_AES_128_GCM_SHA256"; empty when unknown
  std::string_view host_header;   // the Host header as sent
};

// Everything one record says. Views must outlive the BuildRecord call only.
struct RecordInput {
  TimePoint event_time;
  std::string_view service;  // signing name ("iam", "sts"); empty when routing failed
  std::string_view action;   // the operation ("CreateUser"), as the request named it
  std::string_view region;   // the signature's region; empty → "us-east-1"
  std::string_view source_ip;
  std::string_view user_agent;
  std::optional<TlsDetails> tls;  // set when the request came over TLS
  std::string_view request_id;
  std::string_view event_id;  // a random UUID

  // Who: the authenticated principal, or null when authentication failed or did not run.
  const Principal* principal = nullptr;
  // For a role session, the role's ARN (with its path); for a federated user, the ARN of the
  // user (or root) who federated. Empty: derived without a path.
  std::string_view session_issuer_arn;
  // When `principal` is null: the access key id the request claimed (empty if none), and the
  // owner of that key when it exists (a bad signature on a real key), else null.
  std::string_view claimed_access_key_id;
  const Principal* claimed_key_owner = nullptr;

  // The decoded input and the output (protocol values, model member names), with their
  // shapes when known (for the names of map keys, timestamps and sensitive members). Null when
  // the request never got that far.
  const protocol::Value* input = nullptr;
  const protocol::Shape* input_shape = nullptr;
  const protocol::Value* output = nullptr;
  const protocol::Shape* output_shape = nullptr;

  // Set on failure only: the AWS error code and the message the client was sent.
  std::string_view error_code;
  std::string_view error_message;
};

// The record, members in CloudTrail's order: eventVersion, userIdentity, eventTime, eventSource,
// eventName, awsRegion, sourceIPAddress, userAgent, [errorCode, errorMessage,]
// requestParameters, responseElements, requestID, eventID, readOnly, eventType ("AwsApiCall"),
// managementEvent (true), recipientAccountId (when an account is known), eventCategory
// ("Management"), [tlsDetails].
Record BuildRecord(const RecordInput& in);

// CloudTrail's userIdentity for a principal (see RecordInput::session_issuer_arn).
Record UserIdentity(const Principal& principal, std::string_view session_issuer_arn);

// Whether CloudTrail marks the operation read-only.
bool IsReadOnly(std::string_view service, std::string_view action);

// Whether a member (by its model name, e.g. "SecretAccessKey") holds a secret: SecretAccessKey,
// SessionToken, Base32StringSeed, QRCodePNG, TokenCode, AuthenticationCode1/2, Password,
// OldPassword, NewPassword, PrivateKey, SAMLAssertion, WebIdentityToken, ServicePassword, and
// any name ending in "Password" or "Secret".
bool IsSecretMember(std::string_view member_name);

// A protocol value as CloudTrail shows it: member names with a lower-case first letter (map
// keys kept when `shape` says it is a map), timestamps (integer milliseconds) as ISO 8601 when
// `shape` says so, secrets replaced by kRedacted. Without a shape, every object key is renamed
// and numbers are kept.
Record CloudTrailValue(const protocol::Value& value, const protocol::Shape* shape);

// "iam" → "iam.amazonaws.com"; empty → "unknown".
std::string EventSource(std::string_view service);

}  // namespace sigil::audit
