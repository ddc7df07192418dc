#include "client/query_client.h"

#include <gtest/gtest.h>

#include "client/client_test_util.h"

namespace sigil::client {
namespace {

http::Response Answer(int status, const std::string& body) {
  http::Response r;
  r.status = status;
  r.body = body;
  return r;
}

class QueryClientTest : public ::testing::Test {
 protected:
  StatusOr<std::unique_ptr<pugi::xml_document>> Call(FakeHttpClient& http, const char* action,
                                                     const char* service = "iam") {
    FakeClock clock(FromUnixSeconds(1700000000));
    QueryClient client(http, clock);
    Credentials creds;
    creds.access_key_id = "AKIATEST";
    creds.secret_access_key = "secret";
    return client.Call({"http://h:1", "us-east-1", service, "test"}, creds, action,
                       {{"UserName", "a b"}});
  }
};

TEST_F(QueryClientTest, SendsASignedFormAndReadsTheResult) {
  FakeHttpClient http([](const HttpCall&) {
    return Answer(200,
                  "<ListUsersResponse><ListUsersResult><IsTruncated>false</IsTruncated>"
                  "</ListUsersResult></ListUsersResponse>");
  });
  auto doc = Call(http, "ListUsers");
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(ResultText(**doc, "ListUsers", "IsTruncated"), "false");
  ASSERT_EQ(http.calls.size(), 1u);
  EXPECT_EQ(http.calls[0].url, "http://h:1/");
  EXPECT_EQ(http.calls[0].body, "Action=ListUsers&Version=2010-05-08&UserName=a%20b");
}

TEST_F(QueryClientTest, AwsErrorsBecomeStatuses) {
  FakeHttpClient http([](const HttpCall&) {
    return Answer(404,
                  "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code>"
                  "<Message>The user with name a b cannot be found.</Message></Error>"
                  "</ErrorResponse>");
  });
  auto doc = Call(http, "GetUser");
  EXPECT_EQ(doc.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(doc.status().aws_code(), "NoSuchEntity");
  EXPECT_EQ(doc.status().message(),
            "IAM GetUser: NoSuchEntity: The user with name a b cannot be found.");
  FakeHttpClient denied([](const HttpCall&) {
    return Answer(403,
                  "<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>m"
                  "</Message></Error></ErrorResponse>");
  });
  EXPECT_EQ(Call(denied, "GetCallerIdentity", "sts").status().code(), StatusCode::kUnauthenticated);
  FakeHttpClient garbage([](const HttpCall&) { return Answer(200, "not xml <"); });
  EXPECT_EQ(Call(garbage, "ListUsers").status().code(), StatusCode::kInternal);
}

TEST_F(QueryClientTest, RetriesServerErrorsButNeverRepeatsACreate) {
  FakeHttpClient http([](const HttpCall&) { return Answer(503, "busy"); });
  EXPECT_EQ(Call(http, "ListUsers").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http.calls.size(), 3u);
  http.calls.clear();
  EXPECT_EQ(Call(http, "CreateAccessKey").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(http.calls.size(), 1u);
}

}  // namespace
}  // namespace sigil::client
