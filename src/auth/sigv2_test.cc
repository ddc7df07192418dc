// SigV2 against the S3 docs' worked examples (RESTAuthentication, secret
// wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY; each signature re-checked with Python's hmac) and
// against requests signed by botocore's own signers, then every way a SigV2 request can fail, and
// S3's wire errors for each AuthFailure.
#include "auth/sigv2.h"

#include <gtest/gtest.h>

#include "auth/s3_auth_errors.h"
#include "common/time_format.h"

namespace sigil::auth {
namespace {

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

http::Request Req(std::string method, std::string target, std::vector<http::Header> headers) {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(headers);
  return r;
}

TimePoint Http(std::string_view date) {
  std::optional<TimePoint> t = ParseHttpDate(date);
  EXPECT_TRUE(t.has_value()) << date;
  return t.value_or(TimePoint());
}

TimePoint Epoch(int64_t seconds) { return TimePoint(std::chrono::seconds(seconds)); }

SigV2Claims Claims(const http::Request& request) {
  SigV2ClaimsOrError claims = ExtractSigV2Claims(request);
  EXPECT_TRUE(std::holds_alternative<SigV2Claims>(claims)) << std::get<AuthError>(claims).message;
  return std::holds_alternative<SigV2Claims>(claims) ? std::get<SigV2Claims>(claims)
                                                     : SigV2Claims{};
}

struct DocsExample {
  const char* name;
  http::Request request;
  std::string bucket;  // virtual-hosted
  std::string string_to_sign;
  TimePoint now;
};

// The S3 docs' examples ("Authentication examples" of RESTAuthentication).
std::vector<DocsExample> DocsExamples() {
  std::vector<DocsExample> out;
  out.push_back({"object GET",
                 Req("GET", "/photos/puppy.jpg",
                     {{"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 19:36:42 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:bWq2s1WEIj+Ydj0vQ697zp+IXMU="}}),
                 "johnsmith",
                 "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
                 Http("Tue, 27 Mar 2007 19:36:42 GMT")});
  out.push_back({"object PUT",
                 Req("PUT", "/photos/puppy.jpg",
                     {{"Content-Type", "image/jpeg"},
                      {"Content-Length", "94328"},
                      {"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 21:15:45 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:MyyxeRY7whkBe+bq8fHCL/2kKUg="}}),
                 "johnsmith",
                 "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
                 Http("Tue, 27 Mar 2007 21:15:45 GMT")});
  out.push_back({"list",
                 Req("GET", "/?prefix=photos&max-keys=50&marker=puppy",
                     {{"User-Agent", "Mozilla/5.0"},
                      {"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 19:42:41 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:htDYFYduRNen8P9ZfE/s9SuKy0U="}}),
                 "johnsmith", "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
                 Http("Tue, 27 Mar 2007 19:42:41 GMT")});
  out.push_back({"fetch acl",
                 Req("GET", "/?acl",
                     {{"Host", "johnsmith.s3.amazonaws.com"},
                      {"Date", "Tue, 27 Mar 2007 19:44:46 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:c2WLPFtWHVgbEmeEG93a4cG37dM="}}),
                 "johnsmith", "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
                 Http("Tue, 27 Mar 2007 19:44:46 GMT")});
  out.push_back({"upload",
                 Req("PUT", "/db-backup.dat.gz",
                     {{"User-Agent", "curl/7.15.5"},
                      {"Host", "static.johnsmith.net:8080"},
                      {"Date", "Tue, 27 Mar 2007 21:06:08 +0000"},
                      {"x-amz-acl", "public-read"},
                      {"content-type", "application/x-download"},
                      {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
                      {"X-Amz-Meta-ReviewedBy", "joe@johnsmith.net"},
                      {"X-Amz-Meta-ReviewedBy", "jane@johnsmith.net"},
                      {"X-Amz-Meta-FileChecksum", "0x02661779"},
                      {"X-Amz-Meta-ChecksumAlgorithm", "crc32"},
                      {"Content-Disposition", "attachment; filename=database.dat"},
                      {"Content-Encoding", "gzip"},
                      {"Content-Length", "5913339"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnc="}}),
                 "static.johnsmith.net",
                 "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 "
                 "+0000\nx-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\n"
                 "x-amz-meta-filechecksum:0x02661779\n"
                 "x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n"
                 "/static.johnsmith.net/db-backup.dat.gz",
                 Http("Tue, 27 Mar 2007 21:06:08 GMT")});
  out.push_back({"list all my buckets",
                 Req("GET", "/",
                     {{"Host", "s3.amazonaws.com"},
                      {"Date", "Wed, 28 Mar 2007 01:29:59 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s="}}),
                 "", "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
                 Http("Wed, 28 Mar 2007 01:29:59 GMT")});
  out.push_back({"unicode keys",
                 Req("GET", "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
                     {{"Host", "s3.amazonaws.com"},
                      {"Date", "Wed, 28 Mar 2007 01:49:49 +0000"},
                      {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM="}}),
                 "",
                 "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/"
                 "pr%c3%a9f%c3%a8re",
                 Http("Wed, 28 Mar 2007 01:49:49 GMT")});
  out.push_back({"query string",
                 Req("GET",
                     "/photos/puppy.jpg?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Expires=1175139620&"
                     "Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D",
                     {{"Host", "johnsmith.s3.amazonaws.com"}}),
                 "johnsmith", "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg",
                 Epoch(1175139620)});
  return out;
}

TEST(SigV2Docs, StringToSignAndSignature) {
  for (const DocsExample& e : DocsExamples()) {
    SCOPED_TRACE(e.name);
    ASSERT_TRUE(HasSigV2Signature(e.request));
    const SigV2Claims claims = Claims(e.request);
    EXPECT_EQ(claims.access_key_id, "AKIAIOSFODNN7EXAMPLE");
    const std::string date = claims.location == SignatureLocation::kQuery
                                 ? std::to_string(*claims.expires)
                                 : std::string(*e.request.FindHeader("Date"));
    const std::string sts = SigV2StringToSign(e.request, claims, date, e.bucket);
    EXPECT_EQ(sts, e.string_to_sign);
    EXPECT_EQ(ComputeSigV2Signature(kSecret, sts), claims.signature);

    SigV2Options options;
    options.virtual_host_bucket = e.bucket;
    std::optional<AuthError> error = VerifySigV2(e.request, claims, kSecret, e.now, options);
    EXPECT_FALSE(error.has_value()) << error->message;
    error =
        VerifySigV2(e.request, claims, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEZ", e.now, options);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason, AuthFailure::kSignatureMismatch);
  }
}

TEST(SigV2Docs, DeleteWithXAmzDate) {
  // The docs' DELETE example: x-amz-date's value on the Date line, and not repeated below.
  http::Request r =
      Req("DELETE", "/johnsmith/photos/puppy.jpg",
          {{"User-Agent", "dotnet"},
           {"Host", "s3.amazonaws.com"},
           {"Date", "Tue, 27 Mar 2007 21:20:27 +0000"},
           {"x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"},
           {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:lx3byBScXR6KzyMaifNkardMwNk="}});
  std::optional<AuthError> error =
      VerifySigV2(r, Claims(r), kSecret, Http("Tue, 27 Mar 2007 21:20:26 GMT"), SigV2Options{});
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST(SigV2, XAmzDateWithoutDateSignsAnEmptyDateLine) {
  // s3cmd's form: no Date header, x-amz-date among the signed headers, empty Date line.
  http::Request r = Req("GET", "/bucket/key",
                        {{"Host", "localhost"}, {"x-amz-date", "Sun, 22 Nov 2026 11:00:00 +0000"}});
  SigV2Claims claims;
  const std::string sts = SigV2StringToSign(r, claims, "", "");
  EXPECT_EQ(sts, "GET\n\n\n\nx-amz-date:Sun, 22 Nov 2026 11:00:00 +0000\n/bucket/key");
  r.headers.push_back({"Authorization", "AWS AKID:" + ComputeSigV2Signature(kSecret, sts)});
  std::optional<AuthError> error =
      VerifySigV2(r, Claims(r), kSecret, Http("Sun, 22 Nov 2026 11:10:00 GMT"), {});
  EXPECT_FALSE(error.has_value()) << error->message;
  // With a Date header too, the docs' empty Date line is still accepted.
  r.headers.push_back({"Date", "Sun, 22 Nov 2026 11:00:05 GMT"});
  error = VerifySigV2(r, Claims(r), kSecret, Http("Sun, 22 Nov 2026 11:10:00 GMT"), {});
  EXPECT_FALSE(error.has_value()) << error->message;
}

// Requests signed by botocore 1.43's HmacV1Auth / HmacV1QueryAuth (python3, credentials
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, or ASIAIOSFODNN7EXAMPLE with
// session token "FQoGZXIvYXdzEXAMPLETOKEN+/="; _get_date() pinned to
// "Sun, 22 Nov 2026 11:00:00 GMT", and to "1795345200" for the query signer), headers and URLs
// copied from the signed AWSRequest (virtual-hosted: auth_path "/bucket/").
TEST(SigV2Botocore, HeaderForm) {
  const TimePoint now = Http("Sun, 22 Nov 2026 11:05:00 GMT");
  http::Request put =
      Req("PUT", "/bucket/photos/puppy%20dog.jpg?partNumber=2&uploadId=abc%2Fdef",
          {{"Content-Type", "image/jpeg"},
           {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lw=="},
           {"x-amz-meta-Reviewed-By", "joe"},
           {"X-Amz-Acl", "public-read"},
           {"Date", "Sun, 22 Nov 2026 11:00:00 GMT"},
           {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:e5Fm9XF5lBklxzihnBV4c88J7jw="}});
  EXPECT_EQ(SigV2StringToSign(put, Claims(put), "Sun, 22 Nov 2026 11:00:00 GMT", ""),
            "PUT\n4gJE4saaMU4BqNR0kLY+lw==\nimage/jpeg\nSun, 22 Nov 2026 11:00:00 GMT\n"
            "x-amz-acl:public-read\nx-amz-meta-reviewed-by:joe\n"
            "/bucket/photos/puppy%20dog.jpg?partNumber=2&uploadId=abc/def");
  std::optional<AuthError> error = VerifySigV2(put, Claims(put), kSecret, now, {});
  EXPECT_FALSE(error.has_value()) << error->message;

  http::Request acl =
      Req("GET", "/?acl",
          {{"Host", "bucket.s3.example.com"},
           {"Date", "Sun, 22 Nov 2026 11:00:00 GMT"},
           {"Authorization", "AWS AKIAIOSFODNN7EXAMPLE:B8SZ1ckSGrnTHr5+6jxkOYwrr9I="}});
  SigV2Options virtual_host;
  virtual_host.virtual_host_bucket = "bucket";
  error = VerifySigV2(acl, Claims(acl), kSecret, now, virtual_host);
  EXPECT_FALSE(error.has_value()) << error->message;
  // The same request read as path style is another resource.
  error = VerifySigV2(acl, Claims(acl), kSecret, now, {});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kSignatureMismatch);

  http::Request token =
      Req("GET", "/bucket/key?list-type=2&prefix=a",
          {{"x-amz-security-token", "FQoGZXIvYXdzEXAMPLETOKEN+/="},
           {"Date", "Sun, 22 Nov 2026 11:00:00 GMT"},
           {"Authorization", "AWS ASIAIOSFODNN7EXAMPLE:7OUOV45LvgMYt15zFIBFMo6UCvU="}});
  const SigV2Claims claims = Claims(token);
  EXPECT_EQ(claims.security_token, "FQoGZXIvYXdzEXAMPLETOKEN+/=");
  error = VerifySigV2(token, claims, kSecret, now, {});
  EXPECT_FALSE(error.has_value()) << error->message;
}

TEST(SigV2Botocore, QueryForm) {
  http::Request get = Req("GET",
                          "/bucket/report.pdf?response-content-disposition=attachment%3B%"
                          "20filename%3D%22r.pdf%22&AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature="
                          "JPQauJ02Puqurvd429aF54%2FTzpo%3D&Expires=1795345200",
                          {{"Host", "localhost:9000"}});
  const SigV2Claims claims = Claims(get);
  EXPECT_EQ(claims.location, SignatureLocation::kQuery);
  EXPECT_EQ(claims.expires, 1795345200);
  EXPECT_EQ(claims.signature, "JPQauJ02Puqurvd429aF54/Tzpo=");
  EXPECT_EQ(SigV2StringToSign(get, claims, "1795345200", ""),
            "GET\n\n\n1795345200\n/bucket/report.pdf?response-content-disposition=attachment; "
            "filename=\"r.pdf\"");
  std::optional<AuthError> error = VerifySigV2(get, claims, kSecret, Epoch(1795345200), {});
  EXPECT_FALSE(error.has_value()) << error->message;
  // Years before Expires is fine: SigV2 presigned URLs have no skew rule or maximum lifetime.
  error = VerifySigV2(get, claims, kSecret, Epoch(1000000000), {});
  EXPECT_FALSE(error.has_value()) << error->message;
  error = VerifySigV2(get, claims, kSecret, Epoch(1795345201), {});
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kPresignedExpired);
  EXPECT_EQ(error->message, "Request has expired");

  // Session token and Content-Type travel in the query; the client may send the header too.
  const std::string target =
      "/bucket/"
      "upload.bin?AWSAccessKeyId=ASIAIOSFODNN7EXAMPLE&Signature=x7HXkaic422DRLJtcKca05qPuvM%"
      "3D&content-type=application%2Foctet-stream&x-amz-security-token="
      "FQoGZXIvYXdzEXAMPLETOKEN%2B%2F%3D&Expires=1795345200";
  for (bool with_header : {false, true}) {
    http::Request put = Req("PUT", target, {{"Host", "localhost:9000"}});
    if (with_header) put.headers.push_back({"Content-Type", "application/octet-stream"});
    const SigV2Claims put_claims = Claims(put);
    EXPECT_EQ(put_claims.security_token, "FQoGZXIvYXdzEXAMPLETOKEN+/=");
    error = VerifySigV2(put, put_claims, kSecret, Epoch(1795345000), {});
    EXPECT_FALSE(error.has_value()) << error->message;
  }
}

TEST(SigV2, TamperingIsSignatureDoesNotMatch) {
  const DocsExample e = DocsExamples()[4];  // upload: every element of the string to sign
  SigV2Options options;
  options.virtual_host_bucket = e.bucket;
  auto verify = [&](const http::Request& r) {
    return VerifySigV2(r, Claims(r), kSecret, e.now, options);
  };
  ASSERT_FALSE(verify(e.request).has_value());
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"Content-MD5", "4gJE4saaMU4BqNR0kLY+lA=="},
      {"content-type", "application/octet-stream"},
      {"x-amz-acl", "private"},
      {"X-Amz-Meta-FileChecksum", "0x02661778"},
  };
  for (const auto& [name, value] : edits) {
    SCOPED_TRACE(name);
    http::Request r = e.request;
    for (http::Header& h : r.headers) {
      if (h.name == name) h.value = value;
    }
    std::optional<AuthError> error = verify(r);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason, AuthFailure::kSignatureMismatch);
    EXPECT_EQ(error->message,
              "The request signature we calculated does not match the signature you provided. "
              "Check your key and signing method.");
  }
  // An added x-amz header, another path, an added sub-resource, another method.
  http::Request added = e.request;
  added.headers.push_back({"x-amz-storage-class", "STANDARD_IA"});
  EXPECT_TRUE(verify(added).has_value());
  http::Request path = e.request;
  path.target = "/db-backup.dat.gZ";
  EXPECT_TRUE(verify(path).has_value());
  http::Request sub = e.request;
  sub.target += "?tagging";
  EXPECT_TRUE(verify(sub).has_value());
  http::Request method = e.request;
  method.method = "POST";
  EXPECT_TRUE(verify(method).has_value());
  // A query parameter that is not a sub-resource is not signed.
  http::Request other = e.request;
  other.target += "?x-id=PutObject";
  EXPECT_FALSE(verify(other).has_value());
  // A tampered signature.
  http::Request sig = e.request;
  sig.headers.back().value = "AWS AKIAIOSFODNN7EXAMPLE:ilyl83RwaSoYIEdixDQcA4OnAnC=";
  EXPECT_TRUE(verify(sig).has_value());
}

TEST(SigV2, CanonicalResource) {
  EXPECT_EQ(SigV2CanonicalResource("/b/k", "", ""), "/b/k");
  EXPECT_EQ(SigV2CanonicalResource("", "", ""), "/");
  EXPECT_EQ(SigV2CanonicalResource("/k", "", "b"), "/b/k");
  EXPECT_EQ(SigV2CanonicalResource("/", "acl", "b"), "/b/?acl");
  EXPECT_EQ(SigV2CanonicalResource("/", "acl=", "b"), "/b/?acl=");
  EXPECT_EQ(SigV2CanonicalResource("/b/k", "versionId=3&uploads&prefix=x&acl&x-id=GetObject", ""),
            "/b/k?acl&uploads&versionId=3");
  EXPECT_EQ(SigV2CanonicalResource("/b/k", "response-content-type=text%2Fplain", ""),
            "/b/k?response-content-type=text/plain");
  EXPECT_EQ(SigV2CanonicalResource("/b/k", "Acl&ACL", ""), "/b/k");
}

TEST(SigV2, TimeRules) {
  const DocsExample e = DocsExamples()[0];
  SigV2Options options;
  options.virtual_host_bucket = e.bucket;
  const SigV2Claims claims = Claims(e.request);
  for (auto offset : {std::chrono::seconds(-900), std::chrono::seconds(900)}) {
    EXPECT_FALSE(ValidateSigV2Claims(e.request, claims, e.now + offset, options).has_value());
  }
  for (auto offset : {std::chrono::seconds(-901), std::chrono::seconds(901)}) {
    std::optional<AuthError> error =
        VerifySigV2(e.request, claims, kSecret, e.now + offset, options);
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->reason, AuthFailure::kSkewed);
    EXPECT_EQ(error->message,
              "The difference between the request time and the current time is too large.");
  }
  // x-amz-date wins over Date for the clock.
  http::Request both = e.request;
  both.headers.push_back({"x-amz-date", "Tue, 27 Mar 2007 22:36:42 GMT"});
  std::optional<AuthError> error = ValidateSigV2Claims(both, claims, e.now, options);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kSkewed);
  // Date formats: IMF-fixdate, numeric zones, ISO 8601 basic.
  for (std::string_view date : {"Tue, 27 Mar 2007 19:36:42 GMT", "Tue, 27 Mar 2007 20:36:42 +0100",
                                "Tue, 27 Mar 2007 14:36:42 -0500", "20070327T193642Z"}) {
    http::Request r = Req("GET", "/", {{"Date", std::string(date)}});
    EXPECT_FALSE(ValidateSigV2Claims(r, claims, e.now, options).has_value()) << date;
  }
  // No usable date.
  for (std::string_view date : {"", "yesterday", "Tue, 27 Mar 2007 19:36:42 +01"}) {
    http::Request r = Req("GET", "/", {{"Date", std::string(date)}});
    error = ValidateSigV2Claims(r, claims, e.now, options);
    ASSERT_TRUE(error.has_value()) << date;
    EXPECT_EQ(error->reason, AuthFailure::kMissingAuthentication);
    EXPECT_EQ(error->message, "AWS authentication requires a valid Date or x-amz-date header");
  }
  error = ValidateSigV2Claims(Req("GET", "/", {}), claims, e.now, options);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kMissingAuthentication);
}

TEST(SigV2, ExtractClaimsErrors) {
  auto error_of = [](const http::Request& r) {
    SigV2ClaimsOrError c = ExtractSigV2Claims(r);
    EXPECT_TRUE(std::holds_alternative<AuthError>(c));
    return std::holds_alternative<AuthError>(c) ? std::get<AuthError>(c) : AuthError{};
  };
  for (std::string_view header : {"AWS ", "AWS AKID", "AWS AKID:", "AWS :sig", "AWS AK ID:sig"}) {
    AuthError e = error_of(Req("GET", "/", {{"Authorization", std::string(header)}}));
    EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature) << header;
    EXPECT_EQ(e.message, "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature");
  }
  for (std::string_view query :
       {"AWSAccessKeyId=AKID&Signature=abc", "Signature=abc&Expires=1",
        "AWSAccessKeyId=AKID&Expires=1", "AWSAccessKeyId=&Signature=a&Expires=1"}) {
    AuthError e = error_of(Req("GET", "/?" + std::string(query), {}));
    EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature) << query;
    EXPECT_EQ(e.message,
              "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
              "parameters");
  }
  AuthError e = error_of(Req("GET", "/?AWSAccessKeyId=AKID&Signature=abc&Expires=soon", {}));
  EXPECT_EQ(e.reason, AuthFailure::kInvalidExpires);
  EXPECT_EQ(e.message, "Invalid date (should be seconds since epoch): soon");
  for (std::string_view expires : {"-1", "253402300800", "17953452795345200", "1e9", ""}) {
    e = error_of(
        Req("GET", "/?AWSAccessKeyId=AKID&Signature=abc&Expires=" + std::string(expires), {}));
    EXPECT_EQ(e.reason, AuthFailure::kInvalidExpires) << expires;
  }
  EXPECT_EQ(
      Claims(Req("GET", "/?AWSAccessKeyId=AKID&Signature=abc&Expires=253402300799", {})).expires,
      253402300799);
  e = error_of(Req("GET", "/?AWSAccessKeyId=AKID&Signature=abc&Expires=1",
                   {{"Authorization", "AWS AKID:sig"}}));
  EXPECT_EQ(e.reason, AuthFailure::kIncompleteSignature);
  EXPECT_EQ(e.message.rfind("Only one auth mechanism allowed", 0), 0u);
  e = error_of(Req("GET", "/", {}));
  EXPECT_EQ(e.reason, AuthFailure::kMissingAuthentication);

  // SigV4 is not SigV2.
  EXPECT_FALSE(HasSigV2Signature(
      Req("GET", "/", {{"Authorization", "AWS4-HMAC-SHA256 Credential=a/b/c/s3/aws4_request"}})));
  EXPECT_FALSE(HasSigV2Signature(Req("GET", "/?X-Amz-Algorithm=AWS4-HMAC-SHA256", {})));
  EXPECT_FALSE(HasSigV2Signature(Req("GET", "/", {})));
  EXPECT_TRUE(HasSigV2Signature(Req("GET", "/?Signature=x", {})));
  // A raw '+' in the Signature parameter stays a '+'.
  SigV2Claims c = Claims(Req("GET", "/?AWSAccessKeyId=AKID&Signature=a+b%2Bc&Expires=1", {}));
  EXPECT_EQ(c.signature, "a+b+c");
}

// --- S3 wire errors ------------------------------------------------------------------------------

TEST(S3AuthErrors, EveryFailure) {
  struct Row {
    AuthFailure reason;
    S3AuthScheme scheme;
    const char* code;
    int status;
    const char* message;  // nullptr: the AuthError's own message
  };
  const Row rows[] = {
      {AuthFailure::kMissingAuthentication, S3AuthScheme::kSigV2Header, "AccessDenied", 403,
       nullptr},
      {AuthFailure::kIncompleteSignature, S3AuthScheme::kSigV4Header,
       "AuthorizationHeaderMalformed", 400, nullptr},
      {AuthFailure::kIncompleteSignature, S3AuthScheme::kSigV4Query,
       "AuthorizationQueryParametersError", 400, nullptr},
      {AuthFailure::kIncompleteSignature, S3AuthScheme::kSigV2Header, "InvalidArgument", 400,
       nullptr},
      {AuthFailure::kIncompleteSignature, S3AuthScheme::kSigV2Query, "AccessDenied", 403, nullptr},
      {AuthFailure::kInvalidScope, S3AuthScheme::kSigV4Header, "AuthorizationHeaderMalformed", 400,
       nullptr},
      {AuthFailure::kUnknownAccessKey, S3AuthScheme::kSigV4Header, "InvalidAccessKeyId", 403,
       "The AWS Access Key Id you provided does not exist in our records."},
      {AuthFailure::kSignatureMismatch, S3AuthScheme::kSigV2Query, "SignatureDoesNotMatch", 403,
       "The request signature we calculated does not match the signature you provided. Check "
       "your key and signing method."},
      {AuthFailure::kSkewed, S3AuthScheme::kSigV4Header, "RequestTimeTooSkewed", 403,
       "The difference between the request time and the current time is too large."},
      {AuthFailure::kSkewed, S3AuthScheme::kSigV4Query, "AccessDenied", 403,
       "Request is not valid yet"},
      {AuthFailure::kPresignedExpired, S3AuthScheme::kSigV4Query, "AccessDenied", 403,
       "Request has expired"},
      {AuthFailure::kInvalidExpires, S3AuthScheme::kSigV4Query, "AuthorizationQueryParametersError",
       400, nullptr},
      {AuthFailure::kInvalidExpires, S3AuthScheme::kSigV2Query, "AccessDenied", 403, nullptr},
      {AuthFailure::kInvalidToken, S3AuthScheme::kSigV4Header, "InvalidToken", 400,
       "The provided token is malformed or otherwise invalid."},
      {AuthFailure::kExpiredToken, S3AuthScheme::kSigV4Header, "ExpiredToken", 400,
       "The provided token has expired."},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.code);
    Status s = S3AuthErrorStatus(AuthError{row.reason, "own message"}, row.scheme);
    EXPECT_EQ(s.aws_code(), row.code);
    EXPECT_EQ(s.http_status(), row.status);
    EXPECT_EQ(s.message(), row.message ? row.message : "own message");
  }
}

}  // namespace
}  // namespace sigil::auth
