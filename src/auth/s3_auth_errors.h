// S3's wire errors for authentication failures: S3 answers the same AuthFailure with other codes
// and wording than the query protocol (QueryProtocolError in sigv4.h), and differently per
// signature scheme. Pure; thread-safe.
#pragma once

#include "auth/sigv4.h"
#include "common/status.h"

namespace sigil::auth {

// Which signature form the failing request used. When claims could not even be read, pass the
// form that is present (the Authorization header wins when both are).
enum class S3AuthScheme { kSigV4Header, kSigV4Query, kSigV2Header, kSigV2Query };

// S3's error (AWS code, HTTP status, message) for `error`:
//   kMissingAuthentication -> 403 AccessDenied, error.message (e.g. SigV2's "AWS authentication
//     requires a valid Date or x-amz-date header")
//   kIncompleteSignature, kInvalidScope -> 400 AuthorizationHeaderMalformed (SigV4 header),
//     400 AuthorizationQueryParametersError (SigV4 query), 400 InvalidArgument (SigV2 header),
//     403 AccessDenied (SigV2 query); error.message
//   kUnknownAccessKey -> 403 InvalidAccessKeyId "The AWS Access Key Id you provided does not exist
//     in our records."
//   kSignatureMismatch -> 403 SignatureDoesNotMatch "The request signature we calculated does not
//     match the signature you provided. Check your key and signing method."
//   kSkewed -> 403 RequestTimeTooSkewed "The difference between the request time and the current
//     time is too large."; for a presigned SigV4 URL dated in the future, 403 AccessDenied
//     "Request is not valid yet"
//   kPresignedExpired -> 403 AccessDenied "Request has expired"
//   kInvalidExpires -> 400 AuthorizationQueryParametersError (SigV4), 403 AccessDenied (SigV2);
//     error.message
//   kInvalidToken -> 400 InvalidToken "The provided token is malformed or otherwise invalid."
//   kExpiredToken -> 400 ExpiredToken "The provided token has expired."
Status S3AuthErrorStatus(const AuthError& error, S3AuthScheme scheme);

}  // namespace sigil::auth
