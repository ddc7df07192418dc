#include "client/request_signer.h"

#include <gtest/gtest.h>

#include "auth/sigv4.h"

namespace sigil::client {
namespace {

// The client's signature verifies with the server's verifier, and a changed body does not.
TEST(RequestSignerTest, TheServerVerifierAcceptsIt) {
  Credentials creds;
  creds.access_key_id = "ASIAEXAMPLEEXAMPLE00";
  creds.secret_access_key = "secret/secret+secret";
  creds.session_token = "the-token";
  ResolvedEndpoint endpoint{"http://127.0.0.1:9000", "eu-west-1", "sts", "test"};
  HttpCall call;
  call.url = "http://127.0.0.1:9000/";
  call.body = "Action=GetCallerIdentity&Version=2011-06-15";
  call.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
  const TimePoint now = FromUnixSeconds(1700000000);
  ASSERT_TRUE(SignRequest(call, creds, endpoint, now).ok());

  http::Request request;
  request.method = "POST";
  request.target = "/";
  request.headers = call.headers;
  request.body = call.body;
  auto claims = auth::ExtractClaims(request);
  ASSERT_TRUE(std::holds_alternative<auth::SignatureClaims>(claims));
  const auto& c = std::get<auth::SignatureClaims>(claims);
  EXPECT_EQ(c.scope.region, "eu-west-1");
  EXPECT_EQ(c.signed_headers, (std::vector<std::string>{"content-type", "host", "x-amz-date",
                                                        "x-amz-security-token"}));
  EXPECT_EQ(c.security_token, "the-token");
  auth::SigningKeyCache cache;
  auth::VerifyOptions options;
  options.payload_hash = Sha256Hex(request.body);
  EXPECT_EQ(auth::VerifySignature(request, c, creds.secret_access_key, now, options, cache),
            std::nullopt);
  request.body += "&x=1";
  options.payload_hash = Sha256Hex(request.body);
  auto failure = auth::VerifySignature(request, c, creds.secret_access_key, now, options, cache);
  ASSERT_TRUE(failure.has_value());
  EXPECT_EQ(failure->reason, auth::AuthFailure::kSignatureMismatch);
}

TEST(RequestSignerTest, DefaultPortsAreLeftOutOfHost) {
  Credentials creds;
  creds.access_key_id = "AKIA";
  creds.secret_access_key = "s";
  HttpCall call;
  call.url = "https://sts.amazonaws.com:443/";
  ASSERT_TRUE(SignRequest(call, creds, {"", "us-east-1", "sts", ""}, FromUnixSeconds(0)).ok());
  EXPECT_EQ(call.headers[0].name, "Host");
  EXPECT_EQ(call.headers[0].value, "sts.amazonaws.com");
  HttpCall bad;
  bad.url = "nothing";
  EXPECT_EQ(SignRequest(bad, creds, {}, FromUnixSeconds(0)).message(), "not an absolute URL");
}

}  // namespace
}  // namespace sigil::client
