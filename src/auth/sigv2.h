// AWS Signature Version 2 as S3 speaks it (legacy, still produced by boto3's
// generate_presigned_url and botocore-based CLIs for custom endpoints): the header form
// "Authorization: AWS AKID:signature" and the presigned query (AWSAccessKeyId, Expires,
// Signature). Pure functions over http::Request, like sigv4.h: read the claims, build the string
// to sign, check the time, verify in constant time. Thread-safe.
//
// Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html
//   StringToSign = METHOD\n Content-MD5\n Content-Type\n Date-or-Expires\n
//                  CanonicalizedAmzHeaders CanonicalizedResource
//   Signature    = base64(HMAC-SHA1(secret, StringToSign))
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "http/message.h"

namespace sigil::auth {

// What a SigV2 request claims, before any check against a secret.
struct SigV2Claims {
  SignatureLocation location = SignatureLocation::kHeader;
  std::string access_key_id;
  std::string signature;                      // base64 as sent (query form: percent-decoded)
  std::optional<int64_t> expires;             // query form: Expires, seconds since the epoch
  std::optional<std::string> security_token;  // x-amz-security-token, header or query
};

using SigV2ClaimsOrError = std::variant<SigV2Claims, AuthError>;

// True when the request carries a SigV2 signature at all: an Authorization header starting with
// "AWS " or an AWSAccessKeyId or Signature query parameter. SigV4 requests ("AWS4-HMAC-SHA256",
// X-Amz-Signature) are not SigV2.
bool HasSigV2Signature(const http::Request& request);

// Reads the claims. Errors, with S3's wording:
//   header "AWS x" without "AKID:signature" -> kIncompleteSignature "AWS authorization header is
//     invalid.  Expected AwsAccessKeyId:signature";
//   query without all of AWSAccessKeyId, Signature, Expires -> kIncompleteSignature "Query-string
//     authentication requires the Signature, Expires and AWSAccessKeyId parameters";
//   Expires not a decimal integer (up to the end of year 9999) -> kInvalidExpires "Invalid date
//     (should be seconds since epoch): <value>";
//   both forms in one request -> kIncompleteSignature "Only one auth mechanism allowed; ...";
//   no SigV2 signature at all -> kMissingAuthentication.
// Never echoes the signature.
SigV2ClaimsOrError ExtractSigV2Claims(const http::Request& request);

struct SigV2Options {
  std::chrono::seconds max_skew{900};
  // The bucket named by the Host of a virtual-hosted-style request ("bucket.s3.example.com"):
  // the canonical resource is then "/bucket" + path. Empty for path style.
  std::string_view virtual_host_bucket;
};

// CanonicalizedResource: ["/" + virtual_host_bucket] + the raw path as sent (no decoding, no
// normalization), then "?" and the S3 sub-resources present in the query (acl, uploadId,
// partNumber, versionId, response-* ...: botocore's list), sorted by name, values
// percent-decoded, joined with "&". "?acl" gives "acl", "?acl=" gives "acl=".
std::string SigV2CanonicalResource(std::string_view raw_path, std::string_view raw_query,
                                   std::string_view virtual_host_bucket);

// The string to sign. `date` is the fourth line: the Date header's value for the header form
// (empty when the client sent none, e.g. it sent only x-amz-date), the Expires value for the
// query form. Content-MD5 and Content-Type come from the headers (or, for the query form, from
// the query when the header is absent); CanonicalizedAmzHeaders are every x-amz-* header (and,
// for the query form, x-amz-* query parameter) lower-cased, sorted, values trimmed, repeats
// joined with ",".
std::string SigV2StringToSign(const http::Request& request, const SigV2Claims& claims,
                              std::string_view date, std::string_view virtual_host_bucket);

// base64(HMAC-SHA1(secret, string_to_sign)).
std::string ComputeSigV2Signature(std::string_view secret, std::string_view string_to_sign);

// The time rules, which need no secret. Header form: the request time is x-amz-date if present,
// else Date (RFC 7231/1123 with "GMT" or a numeric zone, or ISO 8601 basic for x-amz-date);
// none readable -> kMissingAuthentication "AWS authentication requires a valid Date or x-amz-date
// header"; more than max_skew from now -> kSkewed "The difference between the request time and
// the current time is too large.". Query form: now past Expires -> kPresignedExpired "Request has
// expired" (SigV2 presigned URLs have no maximum lifetime and no skew rule). Returns nullopt when
// the claims pass.
std::optional<AuthError> ValidateSigV2Claims(const http::Request& request,
                                             const SigV2Claims& claims, TimePoint now,
                                             const SigV2Options& options);

// ValidateSigV2Claims, then the signature, compared in constant time: kSignatureMismatch when it
// differs. For the header form the Date line is the Date header's value (empty without one);
// when the request carries x-amz-date, two spellings from the S3 docs are accepted as well: an
// empty Date line, and x-amz-date's value on the Date line with x-amz-date left out of the
// CanonicalizedAmzHeaders (the docs' DELETE example).
std::optional<AuthError> VerifySigV2(const http::Request& request, const SigV2Claims& claims,
                                     std::string_view secret_access_key, TimePoint now,
                                     const SigV2Options& options);

}  // namespace sigil::auth
