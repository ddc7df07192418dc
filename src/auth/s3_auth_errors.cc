#include "auth/s3_auth_errors.h"

#include <string>

namespace sigil::auth {

Status S3AuthErrorStatus(const AuthError& error, S3AuthScheme scheme) {
  auto make = [](StatusCode code, const char* aws_code, int http_status, std::string message) {
    return AwsError(code, aws_code, std::move(message)).WithHttpStatus(http_status);
  };
  const bool v2 = scheme == S3AuthScheme::kSigV2Header || scheme == S3AuthScheme::kSigV2Query;
  switch (error.reason) {
    case AuthFailure::kMissingAuthentication:
      return make(StatusCode::kUnauthenticated, "AccessDenied", 403, error.message);
    case AuthFailure::kIncompleteSignature:
    case AuthFailure::kInvalidScope:
      switch (scheme) {
        case S3AuthScheme::kSigV4Header:
          return make(StatusCode::kInvalidArgument, "AuthorizationHeaderMalformed", 400,
                      error.message);
        case S3AuthScheme::kSigV4Query:
          return make(StatusCode::kInvalidArgument, "AuthorizationQueryParametersError", 400,
                      error.message);
        case S3AuthScheme::kSigV2Header:
          return make(StatusCode::kInvalidArgument, "InvalidArgument", 400, error.message);
        case S3AuthScheme::kSigV2Query:
          return make(StatusCode::kUnauthenticated, "AccessDenied", 403, error.message);
      }
      break;
    case AuthFailure::kUnknownAccessKey:
      return make(StatusCode::kUnauthenticated, "InvalidAccessKeyId", 403,
                  "The AWS Access Key Id you provided does not exist in our records.");
    case AuthFailure::kSignatureMismatch:
      return make(StatusCode::kUnauthenticated, "SignatureDoesNotMatch", 403,
                  "The request signature we calculated does not match the signature you "
                  "provided. Check your key and signing method.");
    case AuthFailure::kSkewed:
      // SigV4 presigned URLs are refused for a future date only (ValidateClaims).
      if (scheme == S3AuthScheme::kSigV4Query) {
        return make(StatusCode::kUnauthenticated, "AccessDenied", 403, "Request is not valid yet");
      }
      return make(StatusCode::kUnauthenticated, "RequestTimeTooSkewed", 403,
                  "The difference between the request time and the current time is too large.");
    case AuthFailure::kPresignedExpired:
      return make(StatusCode::kUnauthenticated, "AccessDenied", 403, "Request has expired");
    case AuthFailure::kInvalidExpires:
      if (v2) return make(StatusCode::kUnauthenticated, "AccessDenied", 403, error.message);
      return make(StatusCode::kInvalidArgument, "AuthorizationQueryParametersError", 400,
                  error.message);
    case AuthFailure::kInvalidToken:
      return make(StatusCode::kInvalidArgument, "InvalidToken", 400,
                  "The provided token is malformed or otherwise invalid.");
    case AuthFailure::kExpiredToken:
      return make(StatusCode::kInvalidArgument, "ExpiredToken", 400,
                  "The provided token has expired.");
  }
  return make(StatusCode::kInternal, "InternalError", 500,
              "We encountered an internal error. Please try again.");
}

}  // namespace sigil::auth
