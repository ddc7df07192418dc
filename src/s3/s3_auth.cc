#include "s3/s3_auth.h"

#include <variant>

#include "common/strings.h"
#include "s3/s3_errors.h"

namespace sigil::s3 {
namespace {

constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

bool IsLowerHexSha256(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsSigV2(const http::Request& head) {
  if (auto a = head.FindHeader("Authorization"); a && StartsWith(*a, "AWS ")) return true;
  return head.query().find("AWSAccessKeyId=") != std::string_view::npos;
}

// The payload mode a header-signed request declares, with its validity checked.
StatusOr<PayloadMode> DeclaredPayload(std::string_view value) {
  if (value == kUnsignedPayload) return PayloadMode::kUnsigned;
  if (value == kStreamingSigned) return PayloadMode::kStreamingSigned;
  if (value == kStreamingSignedTrailer) return PayloadMode::kStreamingSignedTrailer;
  if (value == kStreamingUnsignedTrailer) return PayloadMode::kStreamingUnsignedTrailer;
  if (IsLowerHexSha256(value)) return PayloadMode::kSignedHash;
  return S3Error(400, "InvalidArgument",
                 "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                 "STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                 "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 value.");
}

}  // namespace

S3Authentication::~S3Authentication() { signing_key.fill(0); }

Status S3AuthError(const auth::AuthError& error, bool presigned) {
  using auth::AuthFailure;
  switch (error.reason) {
    case AuthFailure::kMissingAuthentication:
      return AccessDenied();
    case AuthFailure::kIncompleteSignature:
    case AuthFailure::kInvalidScope:
      return presigned ? S3Error(400, "AuthorizationQueryParametersError", error.message)
                       : S3Error(400, "AuthorizationHeaderMalformed",
                                 "The authorization header is malformed; " + error.message);
    case AuthFailure::kInvalidExpires:
      return S3Error(400, "AuthorizationQueryParametersError", error.message);
    case AuthFailure::kUnknownAccessKey:
      return S3Error(403, "InvalidAccessKeyId",
                     "The AWS Access Key Id you provided does not exist in our records.");
    case AuthFailure::kSignatureMismatch:
      return S3Error(403, "SignatureDoesNotMatch",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your key and signing method.");
    case AuthFailure::kSkewed:
      return S3Error(403, "RequestTimeTooSkewed",
                     "The difference between the request time and the current time is too "
                     "large.");
    case AuthFailure::kPresignedExpired:
      return AccessDenied("Request has expired");
    case AuthFailure::kInvalidToken:
      return S3Error(400, "InvalidToken", "The provided token is malformed or otherwise invalid.");
    case AuthFailure::kExpiredToken:
      return S3Error(400, "ExpiredToken", "The provided token has expired.");
  }
  return AccessDenied();
}

StatusOr<S3Authentication> AuthenticateS3(const http::Request& head,
                                          const IdentitySnapshot& snapshot, TimePoint now,
                                          const S3AuthOptions& options,
                                          auth::SigningKeyCache& cache,
                                          const auth::SessionTokenSealer& sealer) {
  S3Authentication result;
  if (IsSigV2(head)) {
    if (!options.allow_sigv2) {
      return S3Error(400, "InvalidRequest",
                     "The authorization mechanism you have provided is not supported. Please use "
                     "AWS4-HMAC-SHA256.");
    }
    return NotImplemented("AWS Signature Version 2");
  }
  auth::ClaimsOrError extracted = auth::ExtractClaims(head);
  if (const auto* error = std::get_if<auth::AuthError>(&extracted)) {
    if (error->reason == auth::AuthFailure::kMissingAuthentication) {
      result.payload = PayloadMode::kUnsigned;
      return result;  // anonymous
    }
    const bool presigned = head.query().find("X-Amz-") != std::string_view::npos;
    return S3AuthError(*error, presigned);
  }
  const auth::SignatureClaims& claims = std::get<auth::SignatureClaims>(extracted);
  const bool presigned = claims.location == auth::SignatureLocation::kQuery;

  auth::VerifyOptions verify;
  verify.max_skew = options.max_skew;
  verify.path_mode = auth::PathMode::kS3;
  verify.service = "s3";
  verify.regions = options.regions;
  if (presigned) {
    // Presigned URLs sign no payload unless the query names one.
    verify.payload_hash = std::string(kUnsignedPayload);
    result.payload = PayloadMode::kUnsigned;
  } else {
    if (!claims.content_sha256) {
      return S3Error(400, "InvalidRequest",
                     "Missing required header for this request: x-amz-content-sha256");
    }
    SIGIL_ASSIGN_OR_RETURN(result.payload, DeclaredPayload(*claims.content_sha256));
    verify.payload_hash = *claims.content_sha256;
    if (result.payload == PayloadMode::kSignedHash) result.payload_sha256 = *claims.content_sha256;
  }

  auto verified = server::AuthenticateSigV4Request(head, claims, verify, snapshot, now, cache,
                                                   sealer, &result.signing_key);
  if (const auto* error = std::get_if<auth::AuthError>(&verified)) {
    return S3AuthError(*error, presigned);
  }
  result.who = std::move(std::get<server::Authenticated>(verified));
  result.seed_signature = claims.signature;
  result.amz_date = claims.amz_date;
  result.scope = claims.scope;
  result.auth_type = presigned ? "REST-QUERY-STRING" : "REST-HEADER";
  result.signature_version = "AWS4-HMAC-SHA256";
  result.signature_age_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now - claims.signed_at).count();
  result.access_key_id = claims.scope.access_key_id;
  return result;
}

}  // namespace sigil::s3
