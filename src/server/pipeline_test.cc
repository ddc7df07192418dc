// The pipeline end to end, in process: real store, identity, services, SigV4 signing and
// verification; no sockets.
#include "server/pipeline.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/strings.h"
#include "server/pipeline_fixture.h"

namespace sigil::server {
namespace {

using ::testing::HasSubstr;

TEST_F(PipelineTest, RootGetCallerIdentity) {
  http::Response r = Run(AsRoot("sts", "Action=GetCallerIdentity&Version=2011-06-15"));
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(r.body, HasSubstr("<Arn>arn:aws:iam::" + account_ + ":root</Arn>"));
  EXPECT_THAT(r.body, HasSubstr("<UserId>" + account_ + "</UserId>"));
  bool has_request_id = false;
  for (const auto& h : r.headers) has_request_id |= h.name == "x-amzn-RequestId";
  EXPECT_TRUE(has_request_id);
}

TEST_F(PipelineTest, UserLifecycleAndDenial) {
  http::Response created =
      Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=automation_user"));
  ASSERT_EQ(created.status, 200) << created.body;
  http::Response dup =
      Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=AUTOMATION_USER"));
  EXPECT_EQ(dup.status, 409);
  EXPECT_THAT(dup.body, HasSubstr("<Code>EntityAlreadyExists</Code>"));

  http::Response key =
      Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=automation_user"));
  ASSERT_EQ(key.status, 200) << key.body;
  auto between = [&](const std::string& open, const std::string& close) {
    size_t b = key.body.find(open) + open.size();
    return key.body.substr(b, key.body.find(close) - b);
  };
  std::string id = between("<AccessKeyId>", "</AccessKeyId>");
  std::string secret = between("<SecretAccessKey>", "</SecretAccessKey>");

  http::Response who =
      Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15", id, secret, clock_.Now()));
  EXPECT_THAT(who.body, HasSubstr("<Arn>arn:aws:iam::" + account_ + ":user/automation_user</Arn>"));

  http::Response denied =
      Run(Signed("iam", "Action=ListUsers&Version=2010-05-08", id, secret, clock_.Now()));
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.body, HasSubstr("<Code>AccessDenied</Code>"));
  EXPECT_THAT(denied.body, HasSubstr("is not authorized to perform: iam:ListUsers"));

  http::Response conflict =
      Run(AsRoot("iam", "Action=DeleteUser&Version=2010-05-08&UserName=automation_user"));
  EXPECT_EQ(conflict.status, 409);
  EXPECT_THAT(conflict.body, HasSubstr("<Code>DeleteConflict</Code>"));
}

TEST_F(PipelineTest, AuthenticationFailures) {
  http::Response wrong = Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15", root_id_,
                                    "not-the-secret", clock_.Now()));
  EXPECT_EQ(wrong.status, 403);
  EXPECT_THAT(wrong.body, HasSubstr("<Code>SignatureDoesNotMatch</Code>"));
  EXPECT_THAT(wrong.body, ::testing::Not(HasSubstr(root_secret_)));

  http::Response unknown = Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15",
                                      "AKIAIOSFODNN7EXAMPLE", root_secret_, clock_.Now()));
  EXPECT_EQ(unknown.status, 403);
  EXPECT_THAT(unknown.body, HasSubstr("<Code>InvalidClientTokenId</Code>"));

  http::Response skewed = Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15", root_id_,
                                     root_secret_, clock_.Now() - std::chrono::minutes(16)));
  EXPECT_EQ(skewed.status, 403);
  EXPECT_THAT(skewed.body, HasSubstr("<Message>Signature expired: "));

  http::Request tampered = AsRoot("sts", "Action=GetCallerIdentity&Version=2011-06-15");
  tampered.body = "Action=GetCallerIdentity&Version=2011-06-16";
  http::Response t = Run(tampered);
  EXPECT_EQ(t.status, 403);
  EXPECT_THAT(t.body, HasSubstr("<Code>SignatureDoesNotMatch</Code>"));

  http::Request anonymous;
  anonymous.method = "POST";
  anonymous.target = "/";
  anonymous.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  anonymous.body = "Action=GetCallerIdentity&Version=2011-06-15";
  http::Response a = Run(anonymous);
  EXPECT_EQ(a.status, 403);
  EXPECT_THAT(a.body, HasSubstr("<Code>MissingAuthenticationToken</Code>"));
  EXPECT_THAT(a.body, HasSubstr("https://sts.amazonaws.com/doc/2011-06-15/"));
}

TEST_F(PipelineTest, InactiveKeyStopsWorkingOnTheNextRequest) {
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=u")).status, 200);
  auto key = identity_->CreateAccessKey(account_,
                                        identity_->Current()->FindUser(account_, "u")->user_id, 2);
  const std::string body = "Action=GetCallerIdentity&Version=2011-06-15";
  EXPECT_EQ(
      Run(Signed("sts", body, key->key.access_key_id, key->secret_access_key, clock_.Now())).status,
      200);
  ASSERT_EQ(Run(AsRoot("iam", "Action=UpdateAccessKey&Version=2010-05-08&UserName=u&AccessKeyId=" +
                                  key->key.access_key_id + "&Status=Inactive"))
                .status,
            200);
  http::Response r =
      Run(Signed("sts", body, key->key.access_key_id, key->secret_access_key, clock_.Now()));
  EXPECT_EQ(r.status, 403);
  EXPECT_THAT(r.body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
}

TEST_F(PipelineTest, RoutingErrors) {
  http::Response unknown = Run(AsRoot("iam", "Action=DoMagic&Version=2010-05-08"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_THAT(unknown.body, HasSubstr("<Code>InvalidAction</Code>"));
  http::Response later = Run(AsRoot("iam", "Action=CreateLoginProfile&Version=2010-05-08"));
  EXPECT_EQ(later.status, 501);
  EXPECT_THAT(later.body, HasSubstr("<Code>NotImplemented</Code>"));
  http::Response invalid = Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08"));
  EXPECT_EQ(invalid.status, 400);
  EXPECT_THAT(invalid.body, HasSubstr("<Code>ValidationError</Code>"));
}

TEST_F(PipelineTest, Health) {
  http::Request r;
  r.method = "GET";
  r.target = "/health";
  EXPECT_EQ(Run(r).status, 200);
}

TEST_F(PipelineTest, ListUsersPaginates) {
  for (const char* name : {"carol", "alice", "Bob", "dave"}) {
    ASSERT_EQ(Run(AsRoot("iam", std::string("Action=CreateUser&Version=2010-05-08&UserName=") +
                                    name + "&Path=%2Fteam%2F"))
                  .status,
              200);
  }
  http::Response page1 = Run(AsRoot("iam", "Action=ListUsers&Version=2010-05-08&MaxItems=3"));
  ASSERT_EQ(page1.status, 200);
  EXPECT_THAT(page1.body, HasSubstr("<UserName>alice</UserName>"));
  EXPECT_THAT(page1.body, HasSubstr("<UserName>carol</UserName>"));
  EXPECT_THAT(page1.body, ::testing::Not(HasSubstr("<UserName>dave</UserName>")));
  EXPECT_THAT(page1.body, HasSubstr("<IsTruncated>true</IsTruncated>"));
  size_t b = page1.body.find("<Marker>") + 8;
  std::string marker = page1.body.substr(b, page1.body.find("</Marker>") - b);
  http::Response page2 = Run(
      AsRoot("iam", "Action=ListUsers&Version=2010-05-08&MaxItems=3&Marker=" + UriEncode(marker)));
  EXPECT_THAT(page2.body, HasSubstr("<UserName>dave</UserName>"));
  EXPECT_THAT(page2.body, HasSubstr("<IsTruncated>false</IsTruncated>"));
  http::Response none =
      Run(AsRoot("iam", "Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fother%2F"));
  EXPECT_THAT(none.body, HasSubstr("<Users></Users>"));
}

}  // namespace
}  // namespace sigil::server

namespace sigil::server {
namespace {

TEST_F(PipelineTest, OversizedBodyIsRefusedOnItsHeaders) {
  http::Request head;
  head.method = "POST";
  head.target = "/";
  head.headers = {{"Content-Length", std::to_string((1 << 20) + 1)}};
  http::Admission a = AdmitRequest(head, *deps_);
  ASSERT_TRUE(a.reject.has_value());
  EXPECT_EQ(a.reject->status, 413);
  EXPECT_THAT(a.reject->body, HasSubstr("<Code>RequestEntityTooLarge</Code>"));
  head.headers = {{"Content-Length", "100"}};
  http::Admission ok = AdmitRequest(head, *deps_);
  EXPECT_FALSE(ok.reject.has_value());
  EXPECT_EQ(ok.max_body_bytes, uint64_t{1} << 20);
}

}  // namespace
}  // namespace sigil::server
