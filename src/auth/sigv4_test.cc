// Unit tests for the SigV4 module: the Authorization parser and its AWS messages, claim
// extraction (header, Date fallback, presigned), canonicalization details, the time rules,
// tampering, the query-protocol error mapping and the signing-key cache.
#include "auth/sigv4.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::auth {

// Readable failures for optional<AuthError> expectations.
void PrintTo(const AuthError& error, std::ostream* os) {
  *os << "AuthError{" << static_cast<int>(error.reason) << ", \"" << error.message << "\"}";
}

namespace {

using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kAmzDate = "20150830T123600Z";
constexpr std::string_view kScope = "AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request";
constexpr std::string_view kSig =
    "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

TimePoint At(std::string_view amz_date) {
  std::optional<TimePoint> t = ParseAmzDate(amz_date);
  EXPECT_TRUE(t.has_value()) << amz_date;
  return t.value_or(TimePoint());
}
const TimePoint kSignedAt = At(kAmzDate);

SignatureClaims ClaimsOf(const ClaimsOrError& result) {
  if (const auto* error = std::get_if<AuthError>(&result)) {
    ADD_FAILURE() << "unexpected error: " << error->message;
    return SignatureClaims();
  }
  return std::get<SignatureClaims>(result);
}

AuthError ErrorOf(const ClaimsOrError& result) {
  if (!std::holds_alternative<AuthError>(result)) {
    ADD_FAILURE() << "expected an error, got claims";
    return AuthError{AuthFailure::kMissingAuthentication, ""};
  }
  return std::get<AuthError>(result);
}

std::string Header(std::string_view separator) {
  std::string h = "AWS4-HMAC-SHA256 Credential=" + std::string(kScope);
  h += std::string(separator) + "SignedHeaders=host;x-amz-date";
  h += std::string(separator) + "Signature=" + std::string(kSig);
  return h;
}

// An IAM-style query-protocol request, unsigned.
http::Request BaseRequest() {
  http::Request r;
  r.method = "POST";
  r.target = "/";
  r.headers = {{"Host", "iam.amazonaws.com"},
               {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"X-Amz-Date", std::string(kAmzDate)}};
  r.body = "Action=ListUsers&Version=2010-05-08";
  return r;
}

CredentialScope Scope(std::string_view service = "iam") {
  return CredentialScope{std::string(kKeyId), "20150830", "us-east-1", std::string(service),
                         "aws4_request"};
}

// Signs `r` the way a client does, with the module's own primitives (validated against the AWS
// suite in sigv4_corpus_test.cc).
void SignHeader(http::Request& r,
                std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date"},
                PathMode mode = PathMode::kNormalized, std::string_view amz_date = kAmzDate) {
  const std::string payload_hash = Sha256Hex(r.body);
  CanonicalRequestInput input;
  input.method = r.method;
  input.raw_path = r.path();
  input.raw_query = r.query();
  input.headers = r.headers;
  input.signed_headers = signed_headers;
  input.payload_hash = payload_hash;
  input.path_mode = mode;
  StatusOr<std::string> creq = CanonicalRequest(input);
  ASSERT_TRUE(creq.ok()) << creq.status().ToString();
  const CredentialScope scope = Scope();
  const Sha256Digest key = DeriveSigningKey(kSecret, scope.date, scope.region, scope.service);
  const std::string signature = ComputeSignature(key, StringToSign(amz_date, scope, *creq));
  r.headers.push_back(
      {"Authorization", AuthorizationHeaderValue(scope, signed_headers, signature)});
}

// A presigned GET: X-Amz-* parameters (plus `extra` ones) in the query, signature appended.
http::Request Presign(std::optional<std::string> expires, std::string_view extra = "",
                      std::string_view amz_date = kAmzDate, std::string_view service = "sts",
                      std::string_view path = "/") {
  http::Request r;
  r.method = "GET";
  r.headers = {{"Host", "sts.amazonaws.com"}};
  CredentialScope scope = Scope(service);
  std::string query = "Action=GetCallerIdentity&Version=2011-06-15";
  query += "&X-Amz-Algorithm=AWS4-HMAC-SHA256";
  query += "&X-Amz-Credential=" + UriEncode(scope.access_key_id + "/" + scope.ScopeString());
  query += "&X-Amz-Date=" + std::string(amz_date);
  if (expires) query += "&X-Amz-Expires=" + *expires;
  query += "&X-Amz-SignedHeaders=host";
  if (!extra.empty()) query += "&" + std::string(extra);
  r.target = std::string(path) + "?" + query;
  const std::vector<std::string> signed_headers = {"host"};
  const std::string payload_hash = Sha256Hex("");
  CanonicalRequestInput input;
  input.method = r.method;
  input.raw_path = r.path();
  input.raw_query = r.query();
  input.headers = r.headers;
  input.signed_headers = signed_headers;
  input.payload_hash = payload_hash;
  StatusOr<std::string> creq = CanonicalRequest(input);
  EXPECT_TRUE(creq.ok());
  const Sha256Digest key = DeriveSigningKey(kSecret, scope.date, scope.region, scope.service);
  r.target += "&X-Amz-Signature=" + ComputeSignature(key, StringToSign(amz_date, scope, *creq));
  return r;
}

VerifyOptions OptionsFor(const http::Request& r) {
  VerifyOptions options;
  options.payload_hash = Sha256Hex(r.body);
  return options;
}

std::optional<AuthError> Verify(const http::Request& r, TimePoint now,
                                std::string_view secret = kSecret) {
  ClaimsOrError claims = ExtractClaims(r);
  if (const auto* error = std::get_if<AuthError>(&claims)) return *error;
  SigningKeyCache cache;
  return VerifySignature(r, std::get<SignatureClaims>(claims), secret, now, OptionsFor(r), cache);
}

// --- ParseAuthorizationHeader -----------------------------------------------------------------

TEST(ParseAuthorizationHeader, AcceptsCommaSpaceCommaAndSpaceSeparators) {
  for (std::string_view separator : {", ", ",", " ", " ,  ", ",\t"}) {
    SCOPED_TRACE(separator);
    SignatureClaims claims = ClaimsOf(ParseAuthorizationHeader(Header(separator)));
    EXPECT_EQ(claims.location, SignatureLocation::kHeader);
    EXPECT_EQ(claims.scope.access_key_id, "AKIDEXAMPLE");
    EXPECT_EQ(claims.scope.date, "20150830");
    EXPECT_EQ(claims.scope.region, "us-east-1");
    EXPECT_EQ(claims.scope.service, "iam");
    EXPECT_EQ(claims.scope.terminator, "aws4_request");
    EXPECT_EQ(claims.signed_headers, (std::vector<std::string>{"host", "x-amz-date"}));
    EXPECT_EQ(claims.signature, kSig);
  }
}

TEST(ParseAuthorizationHeader, ToleratesSurroundingSpaceAndUnknownParameters) {
  SignatureClaims claims = ClaimsOf(ParseAuthorizationHeader("  " + Header(",  ") + ", Extra=1  "));
  EXPECT_EQ(claims.signature, kSig);
}

TEST(ParseAuthorizationHeader, ListsEveryMissingParameterInAwsOrder) {
  AuthError e = ErrorOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256 SignedHeaders=host"));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter.");

  e = ErrorOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256"));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Credential' parameter. Authorization header requires "
            "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter.");

  // An empty value counts as missing.
  e = ErrorOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential=" + std::string(kScope) +
                                       ", SignedHeaders=, Signature=" + std::string(kSig)));
  EXPECT_EQ(e.message, "Authorization header requires 'SignedHeaders' parameter.");
}

TEST(ParseAuthorizationHeader, MissingEqualSignNeverEchoesTheHeader) {
  AuthError e =
      ErrorOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential= " + std::string(kScope) +
                                       ", SignedHeaders=host, "
                                       "Signature=" +
                                       std::string(kSig)));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Authorization header contains a part that is not a valid key=value pair (missing "
            "equal-sign).");
}

TEST(ParseAuthorizationHeader, UnsupportedAlgorithm) {
  std::string h = Header(", ");
  h.replace(0, 16, "AWS4-HMAC-SHA512");
  AuthError e = ErrorOf(ParseAuthorizationHeader(h));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512' (only AWS4-HMAC-SHA256 "
            "for now).");
}

TEST(ParseAuthorizationHeader, CredentialNeedsExactlyFiveParts) {
  for (std::string_view credential :
       {"AKIDEXAMPLE/20150830/us-east-1/iam", "AKID/EXAMPLE/20150830/us-east-1/iam/aws4_request",
        "AKIDEXAMPLE"}) {
    SCOPED_TRACE(credential);
    AuthError e =
        ErrorOf(ParseAuthorizationHeader("AWS4-HMAC-SHA256 Credential=" + std::string(credential) +
                                         ", SignedHeaders=host, Signature=" + std::string(kSig)));
    EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
    EXPECT_EQ(e.message,
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term");
  }
}

TEST(ParseAuthorizationHeader, WrongTerminatorIsAScopeError) {
  AuthError e = ErrorOf(ParseAuthorizationHeader(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/x, SignedHeaders=host, "
      "Signature=" +
      std::string(kSig)));
  EXPECT_EQ(e.reason, AuthFailure::kInvalidScope);
  EXPECT_EQ(e.message,
            "Credential should be scoped with a valid terminator: 'aws4_request', not "
            "'x'.");
}

TEST(ParseAuthorizationHeader, SignedHeadersMustBeLowerCaseAndSorted) {
  for (std::string_view signed_headers :
       {"x-amz-date;host", "Host;x-amz-date", "host;;x-amz-date", "host;host", "host;"}) {
    SCOPED_TRACE(signed_headers);
    AuthError e = ErrorOf(ParseAuthorizationHeader(
        "AWS4-HMAC-SHA256 Credential=" + std::string(kScope) +
        ", SignedHeaders=" + std::string(signed_headers) + ", Signature=" + std::string(kSig)));
    EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
    EXPECT_EQ(e.message,
              "SignedHeaders must be lower-case header names, sorted and separated by "
              "';': got '" +
                  std::string(signed_headers) + "'.");
  }
}

TEST(ParseAuthorizationHeader, NoMessageContainsTheSignature) {
  std::vector<std::string> bad = {
      "AWS4-HMAC-SHA256 Signature=" + std::string(kSig),
      "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=" + std::string(kSig),
      "AWS4-HMAC-SHA256 Credential=" + std::string(kScope) +
          " SignedHeaders=B;a Signature=" + std::string(kSig),
      "AWS4-HMAC-SHA256 Credential=a/b/c/d/e Signature " + std::string(kSig),
      "AWS4-X Credential=a/b/c/d/e, SignedHeaders=host, Signature=" + std::string(kSig),
      "AWS4-Signature=" + std::string(kSig) + " Credential=" + std::string(kScope) +
          ", SignedHeaders=host, Signature=" + std::string(kSig)};
  for (const std::string& h : bad) {
    AuthError e = ErrorOf(ParseAuthorizationHeader(h));
    EXPECT_EQ(e.message.find(kSig), std::string::npos) << e.message;
  }
}

// --- ExtractClaims: header form -------------------------------------------------------------

TEST(ExtractClaims, NoAuthenticationAtAll) {
  http::Request r = BaseRequest();
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kMissingAuthentication);
  EXPECT_EQ(e.message, "Request is missing Authentication Token");

  // Other schemes count as no SigV4 authentication, as AWS answers them.
  r.headers.push_back({"Authorization", "Bearer abc"});
  EXPECT_EQ(ErrorOf(ExtractClaims(r)).reason, AuthFailure::kMissingAuthentication);
}

TEST(ExtractClaims, HeaderFormFillsEverything) {
  http::Request r = BaseRequest();
  r.headers.push_back({"X-Amz-Security-Token", " token-value "});
  r.headers.push_back({"x-amz-content-sha256", "UNSIGNED-PAYLOAD"});
  SignHeader(r);
  SignatureClaims c = ClaimsOf(ExtractClaims(r));
  EXPECT_EQ(c.location, SignatureLocation::kHeader);
  EXPECT_EQ(c.amz_date, kAmzDate);
  EXPECT_EQ(c.signed_at, kSignedAt);
  EXPECT_FALSE(c.expires.has_value());
  EXPECT_EQ(c.security_token, "token-value");
  EXPECT_EQ(c.content_sha256, "UNSIGNED-PAYLOAD");
}

TEST(ExtractClaims, MissingDateIsListedWithTheMissingParameters) {
  http::Request r = BaseRequest();
  r.headers.erase(r.headers.begin() + 2);  // X-Amz-Date
  r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + std::string(kScope)});
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Authorization header requires 'Signature' parameter. Authorization header requires "
            "'SignedHeaders' parameter. Authorization header requires existence of either a "
            "'X-Amz-Date' or a 'Date' header.");

  r.headers.back().value = Header(", ");
  e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.message,
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
            "header.");
}

TEST(ExtractClaims, FallsBackToTheDateHeader) {
  http::Request r = BaseRequest();
  r.headers[2] = {"Date", "Sun, 30 Aug 2015 12:36:00 GMT"};
  SignHeader(r, {"content-type", "date", "host"});
  SignatureClaims c = ClaimsOf(ExtractClaims(r));
  EXPECT_EQ(c.amz_date, "20150830T123600Z");  // re-formatted for the string to sign
  EXPECT_EQ(c.signed_at, kSignedAt);
  EXPECT_EQ(Verify(r, kSignedAt), std::nullopt);

  // The Date header may also carry the ISO 8601 basic format.
  r = BaseRequest();
  r.headers[2] = {"Date", std::string(kAmzDate)};
  SignHeader(r, {"content-type", "date", "host"});
  EXPECT_EQ(ClaimsOf(ExtractClaims(r)).signed_at, kSignedAt);
  EXPECT_EQ(Verify(r, kSignedAt), std::nullopt);
}

TEST(ExtractClaims, XAmzDateWinsOverDate) {
  http::Request r = BaseRequest();
  r.headers.push_back({"Date", "Mon, 31 Aug 2015 12:36:00 GMT"});
  SignHeader(r);
  EXPECT_EQ(ClaimsOf(ExtractClaims(r)).amz_date, kAmzDate);
}

TEST(ExtractClaims, MalformedDate) {
  http::Request r = BaseRequest();
  r.headers[2].value = "2015-08-30T12:36:00Z";
  r.headers.push_back({"Authorization", Header(", ")});
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30T12:36:00Z'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(ExtractClaims, ScopeDateMustMatchXAmzDate) {
  http::Request r = BaseRequest();
  r.headers[2].value = "20150831T123600Z";
  r.headers.push_back({"Authorization", Header(", ")});
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kInvalidScope);
  EXPECT_EQ(e.message,
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
            "HTTP: '20150830' != '20150831', from '20150831T123600Z'.");

  // Terminator and date problems come in one message, as AWS writes them.
  std::string h = Header(", ");
  h.replace(h.find("aws4_request"), 12, "aws5_request");
  r.headers.back().value = h;
  e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kInvalidScope);
  EXPECT_EQ(e.message,
            "Credential should be scoped with a valid terminator: 'aws4_request', not "
            "'aws5_request'. Date in Credential scope does not match YYYYMMDD from ISO-8601 "
            "version of date from HTTP: '20150830' != '20150831', from '20150831T123600Z'.");
}

TEST(ExtractClaims, HostMustBeSigned) {
  http::Request r = BaseRequest();
  SignHeader(r, {"content-type", "x-amz-date"});
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message, "'Host' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(ExtractClaims, BothHeaderAndQueryAuthentication) {
  http::Request r = Presign("60");
  r.headers.push_back({"Authorization", Header(", ")});
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' "
            "as HTTP header.");
}

// --- ExtractClaims: presigned form ----------------------------------------------------------

TEST(ExtractClaims, PresignedFillsEverything) {
  http::Request r = Presign("300", "X-Amz-Security-Token=a%2Bb%2Fc");
  SignatureClaims c = ClaimsOf(ExtractClaims(r));
  EXPECT_EQ(c.location, SignatureLocation::kQuery);
  EXPECT_EQ(c.scope.ScopeString(), "20150830/us-east-1/sts/aws4_request");
  EXPECT_EQ(c.scope.access_key_id, kKeyId);
  EXPECT_EQ(c.signed_headers, std::vector<std::string>{"host"});
  EXPECT_EQ(c.amz_date, kAmzDate);
  EXPECT_EQ(c.expires, seconds(300));
  EXPECT_EQ(c.security_token, "a+b/c");
  EXPECT_EQ(c.signature.size(), 64u);
}

TEST(ExtractClaims, PresignedListsEveryMissingParameter) {
  http::Request r;
  r.method = "GET";
  r.target = "/?Action=GetCallerIdentity&X-Amz-Credential=" + UriEncode(std::string(kScope)) +
             "&X-Amz-Expires=60";
  r.headers = {{"Host", "sts.amazonaws.com"}};
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string "
            "parameters must include 'X-Amz-Signature'. AWS query-string parameters must include "
            "'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. "
            "Re-examine the query-string parameters.");
}

TEST(ExtractClaims, PresignedUnsupportedAlgorithm) {
  http::Request r = Presign("60");
  r.target.replace(r.target.find("AWS4-HMAC-SHA256"), 16, "AWS4-HMAC-SHA1");
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA1' (only AWS4-HMAC-SHA256 for now).");
}

TEST(ExtractClaims, PresignedExpiresBounds) {
  struct Case {
    const char* value;
    const char* message;
  };
  for (const Case& c :
       {Case{"604801",
             "X-Amz-Expires must be less than a week (in seconds); that is, the given "
             "X-Amz-Expires must be less than 604800 seconds"},
        Case{"99999999999999999999999",
             "X-Amz-Expires must be less than a week (in seconds); that is, the given "
             "X-Amz-Expires must be less than 604800 seconds"},
        Case{"-1", "X-Amz-Expires must be non-negative"},
        Case{"0", "X-Amz-Expires must be at least 1 second"},
        Case{"abc", "X-Amz-Expires should be a number"},
        Case{"1.5", "X-Amz-Expires should be a number"},
        Case{"", "X-Amz-Expires should be a number"}}) {
    SCOPED_TRACE(c.value);
    AuthError e = ErrorOf(ExtractClaims(Presign(std::string(c.value))));
    EXPECT_EQ(e.reason, AuthFailure::kInvalidExpires);
    EXPECT_EQ(e.message, c.message);
  }
  EXPECT_EQ(ClaimsOf(ExtractClaims(Presign("604800"))).expires, seconds(604800));
  EXPECT_EQ(ClaimsOf(ExtractClaims(Presign("1"))).expires, seconds(1));
  EXPECT_FALSE(ClaimsOf(ExtractClaims(Presign(std::nullopt))).expires.has_value());
}

TEST(ExtractClaims, PresignedMalformedDate) {
  http::Request r = Presign("60", "", "2015-08-30");
  AuthError e = ErrorOf(ExtractClaims(r));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message,
            "Date must be in ISO-8601 'basic format'. Got '2015-08-30'. See "
            "http://en.wikipedia.org/wiki/ISO_8601");
}

// --- Canonicalization details -----------------------------------------------------------------

std::string Canonical(std::string_view method, std::string_view target, PathMode mode,
                      std::vector<http::Header> headers = {{"Host", "h"}},
                      std::vector<std::string> signed_headers = {"host"}) {
  http::Request r;
  r.method = method;
  r.target = target;
  r.headers = std::move(headers);
  CanonicalRequestInput input;
  input.method = r.method;
  input.raw_path = r.path();
  input.raw_query = r.query();
  input.headers = r.headers;
  input.signed_headers = signed_headers;
  input.payload_hash = kUnsignedPayload;
  input.path_mode = mode;
  StatusOr<std::string> creq = CanonicalRequest(input);
  EXPECT_TRUE(creq.ok()) << creq.status().ToString();
  return creq.ok() ? *creq : std::string();
}

std::string CanonicalPath(std::string_view target, PathMode mode) {
  std::string creq = Canonical("GET", target, mode);
  size_t first = creq.find('\n');
  return creq.substr(first + 1, creq.find('\n', first + 1) - first - 1);
}

std::string CanonicalQuery(std::string_view target) {
  std::string creq = Canonical("GET", target, PathMode::kNormalized);
  size_t second = creq.find('\n', creq.find('\n') + 1);
  return creq.substr(second + 1, creq.find('\n', second + 1) - second - 1);
}

TEST(CanonicalRequest, NormalizedPathEncodesTheWirePathAgain) {
  EXPECT_EQ(CanonicalPath("/example%20space/", PathMode::kNormalized), "/example%2520space/");
  EXPECT_EQ(CanonicalPath("/a//b/./c/../d/", PathMode::kNormalized), "/a/b/d/");
  EXPECT_EQ(CanonicalPath("/../..", PathMode::kNormalized), "/");
  EXPECT_EQ(CanonicalPath("", PathMode::kNormalized), "/");
  EXPECT_EQ(CanonicalPath("/a$b", PathMode::kNormalized), "/a%24b");
}

TEST(CanonicalRequest, S3PathIsUsedAsSentEncodedOnce) {
  EXPECT_EQ(CanonicalPath("/bucket/a//b/./c/../d", PathMode::kS3), "/bucket/a//b/./c/../d");
  EXPECT_EQ(CanonicalPath("/b/my%20key", PathMode::kS3), "/b/my%20key");
  EXPECT_EQ(CanonicalPath("/b/my key$+", PathMode::kS3), "/b/my%20key%24%2B");
  EXPECT_EQ(CanonicalPath("/b/100%", PathMode::kS3), "/b/100%25");  // not an escape
  EXPECT_EQ(CanonicalPath("", PathMode::kS3), "/");
}

TEST(CanonicalRequest, QueryIsDecodedReencodedAndSorted) {
  EXPECT_EQ(CanonicalQuery("/?b=2&a=1&a=0"), "a=0&a=1&b=2");
  EXPECT_EQ(CanonicalQuery("/?acl&versionId=1"), "acl=&versionId=1");
  EXPECT_EQ(CanonicalQuery("/?k=a+b&s=a%20b&p=%2b"), "k=a%20b&p=%2B&s=a%20b");
  EXPECT_EQ(CanonicalQuery("/?x=%7e%2F!&&"), "x=~%2F%21");
  EXPECT_EQ(CanonicalQuery("/?bad=%zz%4"), "bad=%25zz%254");
  // Sorted by key first, even where "key=value" strings would order differently.
  EXPECT_EQ(CanonicalQuery("/?a=2&a-b=1"), "a=2&a-b=1");
}

TEST(CanonicalRequest, HeadersTrimmedCollapsedAndJoined) {
  std::string creq = Canonical("GET", "/", PathMode::kNormalized,
                               {{"Host", "h"},
                                {"X-A", "  one   two\t three  "},
                                {"x-a", "\"q   q\""},
                                {"X-B", "v1\r\n  v2"}},
                               {"host", "x-a", "x-b"});
  EXPECT_EQ(creq, "GET\n/\n\nhost:h\nx-a:one two three,\"q q\"\nx-b:v1 v2\n\nhost;x-a;x-b\n" +
                      std::string(kUnsignedPayload));
}

TEST(CanonicalRequest, MissingSignedHeaderIsAnError) {
  std::vector<http::Header> headers = {{"Host", "h"}};
  std::vector<std::string> signed_headers = {"host", "x-missing"};
  CanonicalRequestInput input;
  input.method = "GET";
  input.raw_path = "/";
  input.headers = headers;
  input.signed_headers = signed_headers;
  StatusOr<std::string> creq = CanonicalRequest(input);
  ASSERT_FALSE(creq.ok());
  EXPECT_EQ(creq.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(creq.status().message(), "Signed header 'x-missing' is missing from the request.");
}

// --- Time rules ---------------------------------------------------------------------------

SignatureClaims HeaderClaims() {
  http::Request r = BaseRequest();
  SignHeader(r);
  return ClaimsOf(ExtractClaims(r));
}

TEST(ValidateClaims, HeaderFormSkewWindowIsInclusive) {
  SignatureClaims c = HeaderClaims();
  VerifyOptions options;
  EXPECT_EQ(ValidateClaims(c, kSignedAt, options), std::nullopt);
  EXPECT_EQ(ValidateClaims(c, kSignedAt + minutes(15), options), std::nullopt);
  EXPECT_EQ(ValidateClaims(c, kSignedAt - minutes(15), options), std::nullopt);
  // Milliseconds below the next second do not count.
  EXPECT_EQ(ValidateClaims(c, kSignedAt + minutes(15) + std::chrono::milliseconds(999), options),
            std::nullopt);
}

TEST(ValidateClaims, SignatureExpiredMessage) {
  SignatureClaims c = HeaderClaims();
  std::optional<AuthError> e = ValidateClaims(c, At("20150830T130100Z"), VerifyOptions());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
  EXPECT_EQ(e->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z "
            "(20150830T130100Z - 15 min.)");
  e = ValidateClaims(c, kSignedAt + minutes(15) + seconds(1), VerifyOptions());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
}

TEST(ValidateClaims, SignatureNotYetCurrentMessage) {
  SignatureClaims c = HeaderClaims();
  std::optional<AuthError> e = ValidateClaims(c, At("20150830T120600Z"), VerifyOptions());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
  EXPECT_EQ(e->message,
            "Signature not yet current: 20150830T123600Z is still later than "
            "20150830T122100Z (20150830T120600Z + 15 min.)");
}

TEST(ValidateClaims, MessageFollowsTheConfiguredWindow) {
  SignatureClaims c = HeaderClaims();
  VerifyOptions options;
  options.max_skew = minutes(5);
  EXPECT_EQ(ValidateClaims(c, kSignedAt + minutes(5), options), std::nullopt);
  std::optional<AuthError> e = ValidateClaims(c, At("20150830T124200Z"), options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z "
            "(20150830T124200Z - 5 min.)");
  options.max_skew = seconds(90);
  e = ValidateClaims(c, At("20150830T124200Z"), options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124030Z "
            "(20150830T124200Z - 90 sec.)");
}

TEST(ValidateClaims, PresignedLifetime) {
  SignatureClaims c = ClaimsOf(ExtractClaims(Presign("3600")));
  VerifyOptions options;
  // Valid for the whole lifetime, even past the skew window.
  EXPECT_EQ(ValidateClaims(c, kSignedAt, options), std::nullopt);
  EXPECT_EQ(ValidateClaims(c, kSignedAt + seconds(3600), options), std::nullopt);
  std::optional<AuthError> e = ValidateClaims(c, kSignedAt + seconds(3601), options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kPresignedExpired);
  EXPECT_EQ(e->message, "Request has expired");
  // Signed in the future beyond the skew window: not yet current.
  EXPECT_EQ(ValidateClaims(c, kSignedAt - minutes(15), options), std::nullopt);
  e = ValidateClaims(c, At("20150830T120600Z"), options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
  EXPECT_EQ(e->message,
            "Signature not yet current: 20150830T123600Z is still later than "
            "20150830T122100Z (20150830T120600Z + 15 min.)");
}

TEST(ValidateClaims, SevenDayPresignedUrlIsValidOnItsLastSecond) {
  SignatureClaims c = ClaimsOf(ExtractClaims(Presign("604800")));
  EXPECT_EQ(ValidateClaims(c, kSignedAt + kMaxPresignedLifetime, VerifyOptions()), std::nullopt);
  std::optional<AuthError> e =
      ValidateClaims(c, kSignedAt + kMaxPresignedLifetime + seconds(1), VerifyOptions());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kPresignedExpired);
}

TEST(ValidateClaims, PresignedWithoutExpiresUsesTheSkewWindow) {
  SignatureClaims c = ClaimsOf(ExtractClaims(Presign(std::nullopt)));
  EXPECT_EQ(ValidateClaims(c, kSignedAt + minutes(15), VerifyOptions()), std::nullopt);
  std::optional<AuthError> e = ValidateClaims(c, At("20150830T130100Z"), VerifyOptions());
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
  EXPECT_EQ(e->message,
            "Signature expired: 20150830T123600Z is now earlier than 20150830T124600Z "
            "(20150830T130100Z - 15 min.)");
}

TEST(ValidateClaims, S3PresignedRequiresExpires) {
  SignatureClaims c = ClaimsOf(ExtractClaims(Presign(std::nullopt, "", kAmzDate, "s3")));
  VerifyOptions options;
  options.path_mode = PathMode::kS3;
  std::optional<AuthError> e = ValidateClaims(c, kSignedAt, options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e->message,
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and "
            "X-Amz-Expires parameters.");
}

TEST(ValidateClaims, RegionAndService) {
  SignatureClaims c = HeaderClaims();
  const std::vector<std::string> regions = {"us-west-2", "eu-west-1"};
  VerifyOptions options;
  options.regions = regions;
  options.service = "sts";
  std::optional<AuthError> e = ValidateClaims(c, kSignedAt, options);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kInvalidScope);
  EXPECT_EQ(e->message,
            "Credential should be scoped to a valid region, not 'us-east-1'. "
            "Credential should be scoped to correct service: 'sts'.");
  const std::vector<std::string> ok_regions = {"us-east-1"};
  options.regions = ok_regions;
  options.service = "iam";
  EXPECT_EQ(ValidateClaims(c, kSignedAt, options), std::nullopt);
}

// --- VerifySignature ----------------------------------------------------------------------

TEST(VerifySignature, SignedRequestVerifies) {
  http::Request r = BaseRequest();
  SignHeader(r);
  EXPECT_EQ(Verify(r, kSignedAt), std::nullopt);
  EXPECT_EQ(Verify(Presign("60"), kSignedAt), std::nullopt);
}

TEST(VerifySignature, WrongSecretIsAMismatch) {
  http::Request r = BaseRequest();
  SignHeader(r);
  std::optional<AuthError> e = Verify(r, kSignedAt, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEX");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
  EXPECT_EQ(e->message,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. Consult the service "
            "documentation for details.");
}

TEST(VerifySignature, TamperingIsAMismatch) {
  struct Tamper {
    const char* name;
    void (*apply)(http::Request&);
  };
  const Tamper tampers[] = {
      {"body", [](http::Request& r) { r.body = "Action=DeleteUser&Version=2010-05-08"; }},
      {"path", [](http::Request& r) { r.target = "/admin"; }},
      {"query", [](http::Request& r) { r.target = "/?Action=CreateUser"; }},
      {"method", [](http::Request& r) { r.method = "PUT"; }},
      {"signed header value", [](http::Request& r) { r.headers[0].value = "evil.example.com"; }},
      {"repeated signed header",
       [](http::Request& r) {
         r.headers.push_back({"host", "x"});
       }},
      {"signature", [](http::Request& r) {
         std::string& v = r.headers.back().value;
         v.back() = v.back() == '0' ? '1' : '0';
       }}};
  for (const Tamper& t : tampers) {
    SCOPED_TRACE(t.name);
    http::Request r = BaseRequest();
    SignHeader(r);
    t.apply(r);
    std::optional<AuthError> e = Verify(r, kSignedAt);
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
  }
  // An unsigned header may change freely.
  http::Request r = BaseRequest();
  SignHeader(r);
  r.headers.push_back({"User-Agent", "anything"});
  EXPECT_EQ(Verify(r, kSignedAt), std::nullopt);
}

TEST(VerifySignature, PayloadHashIsWhatTheCallerSays) {
  http::Request r = BaseRequest();
  SignHeader(r);
  ClaimsOrError claims = ExtractClaims(r);
  SigningKeyCache cache;
  VerifyOptions options = OptionsFor(r);
  options.payload_hash = Sha256Hex("something else");
  std::optional<AuthError> e =
      VerifySignature(r, ClaimsOf(claims), kSecret, kSignedAt, options, cache);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
}

TEST(VerifySignature, TamperedPresignedQueryIsAMismatch) {
  http::Request r = Presign("60");
  r.target.replace(r.target.find("GetCallerIdentity"), 17, "GetSessionToken__");
  std::optional<AuthError> e = Verify(r, kSignedAt);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);

  // Adding a parameter after signing is tampering too.
  r = Presign("60");
  r.target += "&DurationSeconds=900";
  e = Verify(r, kSignedAt);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);

  // Stretching X-Amz-Expires breaks the signature as well as the lifetime.
  r = Presign("60");
  r.target.replace(r.target.find("X-Amz-Expires=60"), 16, "X-Amz-Expires=99");
  e = Verify(r, kSignedAt);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
}

TEST(VerifySignature, SignedHeaderAbsentFromTheRequest) {
  http::Request r = BaseRequest();
  r.headers.push_back({"X-Amz-Target", "x"});
  SignHeader(r, {"content-type", "host", "x-amz-date", "x-amz-target"});
  r.headers.erase(r.headers.begin() + 3);
  std::optional<AuthError> e = Verify(r, kSignedAt);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
  EXPECT_EQ(e->message, "Signed header 'x-amz-target' is missing from the request.");
}

TEST(VerifySignature, TimeIsCheckedBeforeTheSignature) {
  http::Request r = BaseRequest();
  SignHeader(r);
  std::optional<AuthError> e = Verify(r, kSignedAt + minutes(16), "wrong secret");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSkewed);
}

TEST(VerifySignature, S3PathModeDoesNotNormalize) {
  http::Request r = BaseRequest();
  r.target = "/bucket/a//b/../c";
  SignHeader(r, {"content-type", "host", "x-amz-date"}, PathMode::kS3);
  ClaimsOrError claims = ExtractClaims(r);
  SigningKeyCache cache;
  VerifyOptions options = OptionsFor(r);
  options.path_mode = PathMode::kS3;
  EXPECT_EQ(VerifySignature(r, ClaimsOf(claims), kSecret, kSignedAt, options, cache), std::nullopt);
  options.path_mode = PathMode::kNormalized;
  std::optional<AuthError> e =
      VerifySignature(r, ClaimsOf(claims), kSecret, kSignedAt, options, cache);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->reason, AuthFailure::kSignatureMismatch);
}

// --- QueryProtocolError -----------------------------------------------------------------------

TEST(QueryProtocolError, MapsEveryFailure) {
  struct Case {
    AuthFailure reason;
    const char* aws_code;
    int http_status;
    StatusCode code;
  };
  const Case cases[] = {
      {AuthFailure::kMissingAuthentication, "MissingAuthenticationToken", 403,
       StatusCode::kUnauthenticated},
      {AuthFailure::kIncompleteSignature, "IncompleteSignature", 400, StatusCode::kInvalidArgument},
      {AuthFailure::kInvalidScope, "SignatureDoesNotMatch", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kUnknownAccessKey, "InvalidClientTokenId", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kSignatureMismatch, "SignatureDoesNotMatch", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kSkewed, "SignatureDoesNotMatch", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kPresignedExpired, "AccessDenied", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kInvalidExpires, "AuthorizationQueryParametersError", 400,
       StatusCode::kInvalidArgument},
      {AuthFailure::kInvalidToken, "InvalidClientTokenId", 403, StatusCode::kUnauthenticated},
      {AuthFailure::kExpiredToken, "ExpiredToken", 403, StatusCode::kUnauthenticated},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.aws_code);
    Status s = QueryProtocolError(AuthError{c.reason, "the message"});
    EXPECT_EQ(s.code(), c.code);
    EXPECT_EQ(s.aws_code(), c.aws_code);
    EXPECT_EQ(s.http_status(), c.http_status);
    EXPECT_EQ(s.message(), "the message");
  }
}

TEST(QueryProtocolError, StandardLookupMessages) {
  EXPECT_EQ(UnknownAccessKeyError().reason, AuthFailure::kUnknownAccessKey);
  EXPECT_EQ(UnknownAccessKeyError().message,
            "The security token included in the request is invalid.");
  EXPECT_EQ(InvalidTokenError().reason, AuthFailure::kInvalidToken);
  EXPECT_EQ(InvalidTokenError().message, "The security token included in the request is invalid.");
  EXPECT_EQ(ExpiredTokenError().reason, AuthFailure::kExpiredToken);
  EXPECT_EQ(ExpiredTokenError().message, "The security token included in the request is expired");
  EXPECT_EQ(QueryProtocolError(ExpiredTokenError()).aws_code(), "ExpiredToken");
}

// --- SigningKeyCache --------------------------------------------------------------------------

TEST(SigningKeyCache, ReturnsTheDerivedKeyAndCountsHits) {
  SigningKeyCache cache;
  const CredentialScope scope = Scope();
  const Sha256Digest expected = DeriveSigningKey(kSecret, scope.date, scope.region, scope.service);
  EXPECT_EQ(cache.Get(kSecret, scope), expected);
  EXPECT_EQ(cache.Get(kSecret, scope), expected);
  SigningKeyCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.size, 1u);
}

TEST(SigningKeyCache, KeyedBySecretAndEveryScopePart) {
  SigningKeyCache cache;
  CredentialScope scope = Scope();
  const Sha256Digest base = cache.Get(kSecret, scope);
  EXPECT_NE(cache.Get("another secret", scope), base);
  CredentialScope other = scope;
  other.date = "20150831";
  EXPECT_NE(cache.Get(kSecret, other), base);
  other = scope;
  other.region = "us-west-2";
  EXPECT_NE(cache.Get(kSecret, other), base);
  other = scope;
  other.service = "sts";
  EXPECT_NE(cache.Get(kSecret, other), base);
  // The key id is not part of the derivation, so it shares the entry.
  other = scope;
  other.access_key_id = "AKIDOTHER";
  EXPECT_EQ(cache.Get(kSecret, other), base);
  SigningKeyCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.misses, 5u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.size, 5u);
}

TEST(SigningKeyCache, IsBounded) {
  for (size_t capacity : {1u, 3u, 40u}) {
    SCOPED_TRACE(capacity);
    SigningKeyCache cache(capacity);
    CredentialScope scope = Scope();
    for (int i = 0; i < 200; ++i) {
      const std::string secret = "secret-" + std::to_string(i);
      EXPECT_EQ(cache.Get(secret, scope),
                DeriveSigningKey(secret, scope.date, scope.region, scope.service));
    }
    SigningKeyCache::Stats stats = cache.GetStats();
    EXPECT_LE(stats.size, capacity);
    EXPECT_EQ(stats.misses, 200u);
    EXPECT_EQ(stats.evictions, 200u - stats.size);
  }
}

TEST(SigningKeyCache, OldestEntryIsEvictedFirst) {
  SigningKeyCache cache(1);
  CredentialScope scope = Scope();
  cache.Get("a", scope);
  cache.Get("b", scope);  // evicts "a"
  cache.Get("b", scope);
  cache.Get("a", scope);
  SigningKeyCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 3u);
  EXPECT_EQ(stats.evictions, 2u);
}

TEST(SigningKeyCache, ConcurrentUseIsConsistent) {
  SigningKeyCache cache(64);
  CredentialScope scope = Scope();
  std::vector<Sha256Digest> expected;
  for (int i = 0; i < 100; ++i) {
    const std::string secret = "s" + std::to_string(i);
    expected.push_back(DeriveSigningKey(secret, scope.date, scope.region, scope.service));
  }
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int n = 0; n < 2000; ++n) {
        int i = (n * 7 + t) % 100;
        if (cache.Get("s" + std::to_string(i), scope) != expected[i]) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  SigningKeyCache::Stats stats = cache.GetStats();
  EXPECT_EQ(stats.hits + stats.misses, 8000u);
  EXPECT_LE(stats.size, 64u);
}

}  // namespace
}  // namespace sigil::auth
