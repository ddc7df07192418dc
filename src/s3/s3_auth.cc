#include "s3/s3_auth.h"

#include <variant>

#include "auth/s3_auth_errors.h"
#include "auth/sigv2.h"
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

// S3's wire error for `error`, noting its reason for the caller's metrics.
Status Refuse(std::optional<auth::AuthFailure>* failure, const auth::AuthError& error,
              auth::S3AuthScheme scheme) {
  if (failure != nullptr) *failure = error.reason;
  return auth::S3AuthErrorStatus(error, scheme);
}

// Legacy SigV2 (header or presigned query): long-term keys, or a session's key with its token.
StatusOr<S3Authentication> AuthenticateSigV2(const http::Request& head,
                                             const IdentitySnapshot& snapshot, TimePoint now,
                                             const S3AuthOptions& options,
                                             const auth::SessionTokenSealer& sealer,
                                             std::optional<auth::AuthFailure>* failure) {
  auth::SigV2ClaimsOrError extracted = auth::ExtractSigV2Claims(head);
  const bool query = head.query().find("AWSAccessKeyId=") != std::string_view::npos &&
                     !head.FindHeader("Authorization");
  const auth::S3AuthScheme scheme =
      query ? auth::S3AuthScheme::kSigV2Query : auth::S3AuthScheme::kSigV2Header;
  if (const auto* error = std::get_if<auth::AuthError>(&extracted)) {
    return Refuse(failure, *error, scheme);
  }
  const auth::SigV2Claims& claims = std::get<auth::SigV2Claims>(extracted);
  auth::SigV2Options v2;
  v2.max_skew = options.max_skew;
  const std::optional<std::string> bucket =
      VirtualHostBucket(head.FindHeader("Host").value_or(""), options.virtual_host_domain);
  if (bucket) v2.virtual_host_bucket = *bucket;
  S3Authentication result;
  result.payload = PayloadMode::kUnsigned;
  result.auth_type = query ? "REST-QUERY-STRING" : "REST-HEADER";
  result.signature_version = "AWS";
  result.access_key_id = claims.access_key_id;
  if (claims.security_token) {
    auth::SessionOrRejection opened = sealer.Open(*claims.security_token, now);
    if (const auto* rejected = std::get_if<auth::TokenRejection>(&opened)) {
      return Refuse(failure, rejected->error, scheme);
    }
    auth::SessionClaims& session = std::get<auth::SessionClaims>(opened);
    std::optional<auth::AuthError> error;
    if (session.access_key_id != claims.access_key_id) {
      error = auth::InvalidTokenError();
    } else {
      error = auth::VerifySigV2(head, claims, session.secret_access_key, now, v2);
    }
    if (!error) {
      result.who = server::Authenticated{server::SessionPrincipal(session), {}};
      result.who->scope.region = options.regions.empty() ? "us-east-1" : options.regions.front();
    }
    SecureWipe(session.secret_access_key);
    if (error) return Refuse(failure, *error, scheme);
    return result;
  }
  const KeyEntry* key = snapshot.FindKey(claims.access_key_id);
  if (key == nullptr || key->key.status != AccessKeyStatus::kActive) {
    return Refuse(failure, auth::UnknownAccessKeyError(), scheme);
  }
  if (auto error = auth::VerifySigV2(head, claims, key->secret, now, v2)) {
    return Refuse(failure, *error, scheme);
  }
  result.who = server::Authenticated{key->principal, {}};
  result.who->scope.region = options.regions.empty() ? "us-east-1" : options.regions.front();
  result.who->scope.service = "s3";
  result.who->scope.access_key_id = claims.access_key_id;
  return result;
}

}  // namespace

S3Authentication::~S3Authentication() { signing_key.fill(0); }

StatusOr<S3Authentication> AuthenticateS3(const http::Request& head,
                                          const IdentitySnapshot& snapshot, TimePoint now,
                                          const S3AuthOptions& options,
                                          auth::SigningKeyCache& cache,
                                          const auth::SessionTokenSealer& sealer,
                                          std::optional<auth::AuthFailure>* failure) {
  S3Authentication result;
  if (auth::HasSigV2Signature(head)) {
    if (!options.allow_sigv2) {
      return S3Error(400, "InvalidRequest",
                     "The authorization mechanism you have provided is not supported. Please use "
                     "AWS4-HMAC-SHA256.");
    }
    return AuthenticateSigV2(head, snapshot, now, options, sealer, failure);
  }
  auth::ClaimsOrError extracted = auth::ExtractClaims(head);
  if (const auto* error = std::get_if<auth::AuthError>(&extracted)) {
    if (error->reason == auth::AuthFailure::kMissingAuthentication) {
      result.payload = PayloadMode::kUnsigned;
      return result;  // anonymous
    }
    const bool presigned =
        head.query().find("X-Amz-") != std::string_view::npos && !head.FindHeader("Authorization");
    return Refuse(failure, *error,
                  presigned ? auth::S3AuthScheme::kSigV4Query : auth::S3AuthScheme::kSigV4Header);
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
    return Refuse(failure, *error,
                  presigned ? auth::S3AuthScheme::kSigV4Query : auth::S3AuthScheme::kSigV4Header);
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
