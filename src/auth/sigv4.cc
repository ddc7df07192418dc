// Verification: the secret-free checks (scope, time window) and the signature comparison, plus the
// query-protocol wire errors for each failure.
#include "auth/sigv4.h"

#include "common/time_format.h"

namespace sigil::auth {
namespace {

constexpr std::string_view kMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

// "15 min." as AWS writes the window; a window that is not whole minutes is given in seconds.
std::string WindowText(std::chrono::seconds skew) {
  if (skew.count() % 60 == 0) return std::to_string(skew.count() / 60) + " min.";
  return std::to_string(skew.count()) + " sec.";
}

AuthError Expired(const SignatureClaims& claims, TimePoint now, std::chrono::seconds skew) {
  return AuthError{AuthFailure::kSkewed, "Signature expired: " + claims.amz_date +
                                             " is now earlier than " + FormatAmzDate(now - skew) +
                                             " (" + FormatAmzDate(now) + " - " + WindowText(skew) +
                                             ")"};
}

AuthError NotYetCurrent(const SignatureClaims& claims, TimePoint now, std::chrono::seconds skew) {
  return AuthError{AuthFailure::kSkewed, "Signature not yet current: " + claims.amz_date +
                                             " is still later than " + FormatAmzDate(now + skew) +
                                             " (" + FormatAmzDate(now) + " + " + WindowText(skew) +
                                             ")"};
}

}  // namespace

Status QueryProtocolError(const AuthError& error) {
  auto make = [&](StatusCode code, const char* aws_code, int http_status) {
    return AwsError(code, aws_code, error.message).WithHttpStatus(http_status);
  };
  switch (error.reason) {
    case AuthFailure::kMissingAuthentication:
      return make(StatusCode::kUnauthenticated, "MissingAuthenticationToken", 403);
    case AuthFailure::kIncompleteSignature:
      return make(StatusCode::kInvalidArgument, "IncompleteSignature", 400);
    case AuthFailure::kInvalidScope:
    case AuthFailure::kSignatureMismatch:
    case AuthFailure::kSkewed:
      // AWS answers scope and clock errors with SignatureDoesNotMatch, with its own message.
      return make(StatusCode::kUnauthenticated, "SignatureDoesNotMatch", 403);
    case AuthFailure::kUnknownAccessKey:
    case AuthFailure::kInvalidToken:
      return make(StatusCode::kUnauthenticated, "InvalidClientTokenId", 403);
    case AuthFailure::kPresignedExpired:
      return make(StatusCode::kUnauthenticated, "AccessDenied", 403);
    case AuthFailure::kInvalidExpires:
      return make(StatusCode::kInvalidArgument, "AuthorizationQueryParametersError", 400);
    case AuthFailure::kExpiredToken:
      return make(StatusCode::kUnauthenticated, "ExpiredToken", 403);
  }
  return make(StatusCode::kInternal, "InternalFailure", 500);
}

AuthError UnknownAccessKeyError() {
  return AuthError{AuthFailure::kUnknownAccessKey,
                   "The security token included in the request is invalid."};
}

AuthError InvalidTokenError() {
  return AuthError{AuthFailure::kInvalidToken,
                   "The security token included in the request is invalid."};
}

AuthError ExpiredTokenError() {
  return AuthError{AuthFailure::kExpiredToken,
                   "The security token included in the request is expired"};
}

std::optional<AuthError> ValidateClaims(const SignatureClaims& claims, TimePoint now,
                                        const VerifyOptions& options) {
  // Scope: region and service, in one message as AWS does.
  std::string problems;
  if (!options.regions.empty()) {
    bool known = false;
    for (const std::string& region : options.regions) known |= region == claims.scope.region;
    if (!known) {
      problems +=
          "Credential should be scoped to a valid region, not '" + claims.scope.region + "'.";
    }
  }
  if (!options.service.empty() && claims.scope.service != options.service) {
    if (!problems.empty()) problems += ' ';
    problems +=
        "Credential should be scoped to correct service: '" + std::string(options.service) + "'.";
  }
  if (!problems.empty()) return AuthError{AuthFailure::kInvalidScope, std::move(problems)};

  if (options.path_mode == PathMode::kS3 && claims.location == SignatureLocation::kQuery &&
      !claims.expires) {
    return AuthError{AuthFailure::kIncompleteSignature,
                     "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                     "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
                     "X-Amz-Expires parameters."};
  }

  // Time: X-Amz-Date has whole seconds, so compare against whole seconds.
  const TimePoint now_s = std::chrono::floor<std::chrono::seconds>(now);
  const std::chrono::seconds skew = options.max_skew;
  if (claims.signed_at > now_s + skew) return NotYetCurrent(claims, now_s, skew);
  if (claims.location == SignatureLocation::kQuery && claims.expires) {
    if (now_s > claims.signed_at + *claims.expires) {
      return AuthError{AuthFailure::kPresignedExpired, "Request has expired"};
    }
    return std::nullopt;
  }
  if (claims.signed_at < now_s - skew) return Expired(claims, now_s, skew);
  return std::nullopt;
}

std::optional<AuthError> VerifySignature(const http::Request& request,
                                         const SignatureClaims& claims,
                                         std::string_view secret_access_key, TimePoint now,
                                         const VerifyOptions& options, SigningKeyCache& cache) {
  if (auto error = ValidateClaims(claims, now, options)) return error;

  CanonicalRequestInput input;
  input.method = request.method;
  input.raw_path = request.path();
  input.raw_query = request.query();
  input.headers = request.headers;
  input.signed_headers = claims.signed_headers;
  input.payload_hash = options.payload_hash;
  input.path_mode = options.path_mode;
  input.drop_signature_param = claims.location == SignatureLocation::kQuery;
  StatusOr<std::string> canonical = CanonicalRequest(input);
  if (!canonical.ok()) {
    // Only a signed header that the request lacks gets here; its name is not secret.
    return AuthError{AuthFailure::kSignatureMismatch, canonical.status().message()};
  }

  const Sha256Digest signing_key = cache.Get(secret_access_key, claims.scope);
  const std::string expected =
      ComputeSignature(signing_key, StringToSign(claims.amz_date, claims.scope, *canonical));
  if (!ConstantTimeEquals(expected, claims.signature)) {
    return AuthError{AuthFailure::kSignatureMismatch, std::string(kMismatchMessage)};
  }
  return std::nullopt;
}

}  // namespace sigil::auth
