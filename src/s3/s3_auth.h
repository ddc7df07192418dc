// Authenticates an S3 request from its head: SigV4 (Authorization header or presigned query,
// S3's path canonicalization, the payload hash the client declares), legacy SigV2 when enabled,
// or anonymous. Reports how the body must be checked while it streams (a declared SHA-256, or
// aws-chunked with chunk signatures and trailers) and the facts S3's condition keys need
// (s3:authType, s3:signatureversion, s3:signatureAge). Errors are S3's codes. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "auth/session_token.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"
#include "http/message.h"
#include "identity/snapshot.h"
#include "s3/s3_request.h"
#include "server/authenticate.h"

namespace sigil::s3 {

// How the request body is framed and what vouches for it.
enum class PayloadMode {
  kUnsigned,                  // UNSIGNED-PAYLOAD (and presigned URLs, SigV2, anonymous)
  kSignedHash,                // x-amz-content-sha256 is the hex SHA-256 of the body
  kStreamingSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD
  kStreamingSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER
  kStreamingUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER
};

struct S3Authentication {
  // nullopt: an anonymous request.
  std::optional<server::Authenticated> who;
  PayloadMode payload = PayloadMode::kUnsigned;
  std::string payload_sha256;  // kSignedHash: lower-case hex
  // Streaming signed modes: what the chunk signatures chain from. The key is wiped by the owner.
  Sha256Digest signing_key{};
  std::string seed_signature;
  std::string amz_date;
  auth::CredentialScope scope;
  // s3:authType ("REST-HEADER", "REST-QUERY-STRING"), s3:signatureversion ("AWS4-HMAC-SHA256",
  // "AWS"), s3:signatureAge in milliseconds (SigV4 only).
  std::string auth_type;
  std::string signature_version;
  std::optional<int64_t> signature_age_ms;
  std::string access_key_id;  // as claimed, for the request log (never the secret)

  S3Authentication() = default;
  S3Authentication(const S3Authentication&) = delete;
  S3Authentication& operator=(const S3Authentication&) = delete;
  S3Authentication(S3Authentication&&) = default;
  S3Authentication& operator=(S3Authentication&&) = default;
  ~S3Authentication();
};

struct S3AuthOptions {
  std::chrono::seconds max_skew{900};
  bool allow_sigv2 = true;
  std::span<const std::string> regions;  // valid signing regions (empty: any)
  std::string_view virtual_host_domain;  // for SigV2's canonical resource
};

// Authenticates the head. Errors carry S3's code and status: InvalidAccessKeyId,
// SignatureDoesNotMatch, RequestTimeTooSkewed, AccessDenied ("Request has expired"),
// AuthorizationHeaderMalformed, AuthorizationQueryParametersError, InvalidToken, ExpiredToken,
// InvalidArgument (a bad x-amz-content-sha256), InvalidRequest (SigV2 refused). When the
// signature was refused, `failure` (if given) receives why, for the metrics.
StatusOr<S3Authentication> AuthenticateS3(const http::Request& head,
                                          const IdentitySnapshot& snapshot, TimePoint now,
                                          const S3AuthOptions& options,
                                          auth::SigningKeyCache& cache,
                                          const auth::SessionTokenSealer& sealer,
                                          std::optional<auth::AuthFailure>* failure = nullptr);

}  // namespace sigil::s3
