// AWS Signature Version 4, as small pure functions: read what the client claims (Authorization
// header or presigned query), build the canonical request, the string to sign and the signature,
// and verify a request against a secret. No I/O; time comes in as an argument. Every function is
// thread-safe; SigningKeyCache is internally synchronized.
//
// Spec: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html (tasks 1-4),
// S3: https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"
#include "http/message.h"

namespace sigil::auth {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
inline constexpr std::string_view kTerminator = "aws4_request";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::chrono::seconds kMaxPresignedLifetime{7 * 24 * 3600};

// Why authentication failed. Each protocol family maps these to its own wire error (see
// QueryProtocolError below; S3 maps them differently), and metrics count them by reason.
enum class AuthFailure {
  kMissingAuthentication,  // no Authorization header and no X-Amz-* auth query parameters, or
                           // an Authorization header that is not "AWS4-..." at all
  kIncompleteSignature,    // Authorization/presigned parameters malformed or missing parts,
                           // unsupported algorithm, bad date, SignedHeaders without host,
                           // both the header and the query form in one request
  kInvalidScope,           // credential scope wrong: date/region/service/terminator
  kUnknownAccessKey,       // key id not found, or inactive (decided by the caller)
  kSignatureMismatch,      // the computed signature differs, or a signed header is absent
  kSkewed,                 // X-Amz-Date outside the allowed skew window
  kPresignedExpired,       // presigned URL past X-Amz-Expires
  kInvalidExpires,         // X-Amz-Expires not an integer in [1, 604800]
  kInvalidToken,           // X-Amz-Security-Token unknown, tampered or malformed (caller)
  kExpiredToken,           // X-Amz-Security-Token expired (caller)
};

struct AuthError {
  AuthFailure reason;
  std::string message;  // AWS's wording; never contains a secret, signature or token
};

// AWS's query-protocol (IAM, STS, EC2-style) error for an AuthFailure: AWS code, HTTP status and
// `error.message` as the message. kMissingAuthentication -> 403 MissingAuthenticationToken,
// kIncompleteSignature -> 400 IncompleteSignature, kInvalidScope/kSignatureMismatch/kSkewed ->
// 403 SignatureDoesNotMatch, kUnknownAccessKey/kInvalidToken -> 403 InvalidClientTokenId,
// kPresignedExpired -> 403 AccessDenied, kInvalidExpires -> 400 AuthorizationQueryParametersError,
// kExpiredToken -> 403 ExpiredToken.
Status QueryProtocolError(const AuthError& error);

// AWS's standard messages for the failures decided outside this module (key and token lookup),
// so every caller words them the same way.
AuthError UnknownAccessKeyError();  // "The security token included in the request is invalid."
AuthError InvalidTokenError();      // same wording, reason kInvalidToken
AuthError ExpiredTokenError();      // "The security token included in the request is expired"

// The credential scope: "AKID/20150830/us-east-1/iam/aws4_request".
struct CredentialScope {
  std::string access_key_id;
  std::string date;  // YYYYMMDD
  std::string region;
  std::string service;
  std::string terminator;  // must be "aws4_request"
  // "20150830/us-east-1/iam/aws4_request" (without the key id).
  std::string ScopeString() const;
};

enum class SignatureLocation { kHeader, kQuery };

// What a request claims about its signature, before any check against a secret.
struct SignatureClaims {
  SignatureLocation location = SignatureLocation::kHeader;
  CredentialScope scope;
  std::vector<std::string> signed_headers;  // lower case, strictly sorted (checked)
  std::string signature;                    // as sent; 64 lower-case hex chars when genuine
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ": X-Amz-Date, or the Date header re-formatted
  TimePoint signed_at;   // amz_date parsed
  std::optional<std::chrono::seconds> expires;  // presigned only (X-Amz-Expires)
  std::optional<std::string> security_token;    // X-Amz-Security-Token, header or query
  std::optional<std::string> content_sha256;    // x-amz-content-sha256 header, if sent
};

// Either the claims or why they could not be read.
using ClaimsOrError = std::variant<SignatureClaims, AuthError>;

// Parses the value of an Authorization header:
//   AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
//   SignedHeaders=host;x-amz-date, Signature=HEX
// Parts may be separated by ",", ", " or whitespace (real clients send all of these). Fills
// location, scope, signed_headers and signature only. Errors are kIncompleteSignature (missing
// parameters, each one listed; unsupported algorithm; a credential without exactly five parts;
// SignedHeaders not lower case and sorted) or kInvalidScope (wrong terminator), with AWS's
// messages. Never echoes the signature.
ClaimsOrError ParseAuthorizationHeader(std::string_view value);

// Extracts the claims of a request, whichever form it uses: Authorization header, or the
// presigned query parameters (X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
// X-Amz-SignedHeaders, X-Amz-Signature, X-Amz-Security-Token). For the header form amz_date
// comes from the X-Amz-Date header, else the Date header (ISO 8601 basic or RFC 7231).
// kMissingAuthentication when the request carries no SigV4 signature at all;
// kIncompleteSignature when a part is missing or malformed, "host" is not signed, or both forms
// are used at once; kInvalidExpires for a bad X-Amz-Expires; kInvalidScope when the terminator is
// wrong or the scope's date differs from X-Amz-Date's day. Checks no time window and no secret.
ClaimsOrError ExtractClaims(const http::Request& request);

// Builds the Authorization header value a client sends (", " separated, as the SDKs do).
std::string AuthorizationHeaderValue(const CredentialScope& scope,
                                     std::span<const std::string> signed_headers,
                                     std::string_view signature);

// How the path is canonicalized. Every service but S3 normalizes the path (removes "." and ".."
// segments and duplicate slashes, keeps a trailing slash) and URI-encodes each segment of the
// already-encoded path again; S3 uses the path exactly as sent, encoded once: existing %XX
// escapes are kept, any other byte outside the unreserved set and '/' is encoded.
enum class PathMode { kNormalized, kS3 };

struct CanonicalRequestInput {
  std::string_view method;
  std::string_view raw_path;                    // the request-target's path, exactly as on the wire
  std::string_view raw_query;                   // after '?', exactly as on the wire
  std::span<const http::Header> headers;        // the request's headers, in arrival order
  std::span<const std::string> signed_headers;  // lower case, sorted, as claimed
  std::string_view payload_hash;                // hex SHA-256 or UNSIGNED-PAYLOAD etc.
  PathMode path_mode = PathMode::kNormalized;
  bool drop_signature_param = false;  // presigned: X-Amz-Signature is not part of the query
};

// Task 1 of the spec. Query: split on '&', each key and value percent-decoded ('+' is a space)
// then UriEncoded, sorted by key then value; a key without '=' has an empty value. Headers: the
// signed ones only, values trimmed with inner whitespace runs (and folded lines) collapsed to one
// space, repeated headers joined with ',' in arrival order. A signed header absent from the
// request is kInvalidArgument naming the header.
StatusOr<std::string> CanonicalRequest(const CanonicalRequestInput& input);
// Task 2: "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>".
std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request);
// Task 3: kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request").
Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service);
// Task 4: lower-case hex HMAC(signing_key, string_to_sign).
std::string ComputeSignature(const Sha256Digest& signing_key, std::string_view string_to_sign);

// aws-chunked (S3 streaming uploads): the signature of one chunk, chained from the previous one
// (the seed signature for the first chunk):
//   HMAC(key, "AWS4-HMAC-SHA256-PAYLOAD\n<date>\n<scope>\n<prev>\n<sha256("")>\n<sha256(data)>").
std::string ChunkSignature(const Sha256Digest& signing_key, std::string_view amz_date,
                           const CredentialScope& scope, std::string_view previous_signature,
                           std::string_view chunk_data);
// The same from a chunk hash already computed while streaming (hex SHA-256 of the chunk).
std::string ChunkSignatureFromHash(const Sha256Digest& signing_key, std::string_view amz_date,
                                   const CredentialScope& scope,
                                   std::string_view previous_signature,
                                   std::string_view chunk_sha256_hex);
// The trailer signature that closes a signed aws-chunked body:
//   HMAC(key, "AWS4-HMAC-SHA256-TRAILER\n<date>\n<scope>\n<last chunk sig>\n<sha256(trailer)>"),
// where `canonical_trailer` is "name:value\n" per trailing header.
std::string TrailerSignature(const Sha256Digest& signing_key, std::string_view amz_date,
                             const CredentialScope& scope, std::string_view previous_signature,
                             std::string_view canonical_trailer);

// Caches derived signing keys by (sha256 of secret, date, region, service): deriving costs four
// HMACs and every request of a client for a day shares one. The map's keys are a digest, never
// the secret. Bounded (oldest entry evicted first, per shard); thread-safe (sharded mutexes);
// evicted and destroyed keys are wiped.
class SigningKeyCache {
 public:
  struct Stats {
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
    size_t size = 0;
  };

  explicit SigningKeyCache(size_t capacity = 4096);
  ~SigningKeyCache();
  SigningKeyCache(const SigningKeyCache&) = delete;
  SigningKeyCache& operator=(const SigningKeyCache&) = delete;

  // The signing key for `secret` and the scope's date/region/service (as DeriveSigningKey).
  Sha256Digest Get(std::string_view secret, const CredentialScope& scope);
  Stats GetStats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct VerifyOptions {
  std::chrono::seconds max_skew{900};
  PathMode path_mode = PathMode::kNormalized;
  // The payload hash to put in the canonical request. For IAM/STS this is the hex SHA-256 of
  // the body as received (so a body altered in flight fails the signature); S3 passes the
  // x-amz-content-sha256 value (UNSIGNED-PAYLOAD for presigned URLs) and checks the body while
  // streaming.
  std::string payload_hash;
  // When set, the scope's service must equal it ("Credential should be scoped to correct
  // service: 'iam'.").
  std::string_view service;
  // When not empty, the scope's region must be one of these ("Credential should be scoped to a
  // valid region, not 'x'.").
  std::span<const std::string> regions;
};

// The checks that need no secret, in AWS's order, so a caller can run them before looking up the
// access key: the scope's region and service (kInvalidScope), S3's required X-Amz-Expires, then
// the time rules. Header form: |now - signed_at| <= max_skew, else kSkewed ("Signature expired:
// ..." / "Signature not yet current: ..."). Presigned with X-Amz-Expires: now > signed_at +
// expires is kPresignedExpired ("Request has expired"), signed_at more than max_skew ahead of now
// is kSkewed; presigned without X-Amz-Expires (non-S3) follows the header-form window.
// `now` is taken to whole seconds. Returns nullopt when the claims pass.
std::optional<AuthError> ValidateClaims(const SignatureClaims& claims, TimePoint now,
                                        const VerifyOptions& options);

// ValidateClaims, then the signature: rebuilds the canonical request from `request`, derives (or
// reuses) the signing key and compares in constant time. kSignatureMismatch when it differs or a
// signed header is missing. Returns nullopt when the request verifies.
std::optional<AuthError> VerifySignature(const http::Request& request,
                                         const SignatureClaims& claims,
                                         std::string_view secret_access_key, TimePoint now,
                                         const VerifyOptions& options, SigningKeyCache& cache);

}  // namespace sigil::auth
