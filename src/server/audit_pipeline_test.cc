// The audit trail through the whole pipeline, in process: every request, allowed, denied or
// unauthenticated, becomes one CloudTrail record with the right identity and no secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit/reader.h"
#include "audit/writer.h"
#include "server/pipeline_fixture.h"

namespace sigil::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AuditPipelineTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    char tmpl[] = "/tmp/sigil_audit_pipeline_XXXXXX";
    dir_ = mkdtemp(tmpl);
    audit::WriterOptions o;
    o.audit_dir = dir_ + "/audit";
    o.signing_key = std::string(32, 'k');
    o.clock = &clock_;
    auto writer = audit::Writer::Open(o);
    ASSERT_TRUE(writer.ok()) << writer.status().message();
    writer_ = std::move(writer).value();
    deps_->audit = writer_.get();
  }
  void TearDown() override {
    writer_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Every record written so far, in order.
  std::vector<audit::Record> Records() {
    writer_->Flush();
    std::vector<audit::Record> out;
    auto files = audit::ListLogFiles(dir_ + "/audit");
    EXPECT_TRUE(files.ok());
    for (const audit::FoundLogFile& f : *files) {
      EXPECT_TRUE(audit::ForEachRecord(dir_ + "/audit/" + f.relative_path, [&](audit::Record&& r) {
                    out.push_back(std::move(r));
                    return true;
                  }).ok());
    }
    return out;
  }
  // Every byte of the trail.
  std::string AllBytes() {
    writer_->Flush();
    std::string out;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir_ + "/audit")) {
      if (!e.is_regular_file()) continue;
      std::ifstream in(e.path(), std::ios::binary);
      out.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<audit::Writer> writer_;
};

TEST_F(AuditPipelineTest, AnAllowedCallWithItsParametersAndResponse) {
  http::Request request =
      AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=alice&Path=%2Fops%2F");
  request.headers.push_back({"User-Agent", "aws-cli/2.15.0 test"});
  http::Response r = Run(request);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<audit::Record> records = Records();
  ASSERT_EQ(records.size(), 1u);
  const audit::Record& e = records[0];
  EXPECT_EQ(e["eventVersion"], "1.11");
  EXPECT_EQ(e["userIdentity"]["type"], "Root");
  EXPECT_EQ(e["userIdentity"]["accessKeyId"], root_id_);
  EXPECT_EQ(e["userIdentity"]["arn"], "arn:aws:iam::" + account_ + ":root");
  EXPECT_EQ(e["eventTime"], FormatIso8601(clock_.Now()));
  EXPECT_EQ(e["eventSource"], "iam.amazonaws.com");
  EXPECT_EQ(e["eventName"], "CreateUser");
  EXPECT_EQ(e["awsRegion"], "us-east-1");
  EXPECT_EQ(e["sourceIPAddress"], "127.0.0.1");
  EXPECT_EQ(e["userAgent"], "aws-cli/2.15.0 test");
  EXPECT_EQ(e["requestParameters"].dump(), R"({"path":"/ops/","userName":"alice"})");
  EXPECT_EQ(e["responseElements"]["user"]["arn"], "arn:aws:iam::" + account_ + ":user/ops/alice");
  EXPECT_FALSE(e.contains("errorCode"));
  EXPECT_EQ(e["requestID"], Between(r.body, "<RequestId>", "</RequestId>"));
  EXPECT_NE(e["eventID"], e["requestID"]);
  EXPECT_EQ(e["readOnly"], false);
  EXPECT_EQ(e["recipientAccountId"], account_);
  EXPECT_FALSE(e.contains("tlsDetails"));
}

TEST_F(AuditPipelineTest, TheNewSecretNeverReachesTheTrail) {
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=bob")).status, 200);
  http::Response key = Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=bob"));
  ASSERT_EQ(key.status, 200);
  const std::string secret = Between(key.body, "<SecretAccessKey>", "</SecretAccessKey>");
  ASSERT_EQ(secret.size(), 40u);
  std::vector<audit::Record> records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1]["responseElements"]["accessKey"]["accessKeyId"],
            Between(key.body, "<AccessKeyId>", "</AccessKeyId>"));
  EXPECT_EQ(records[1]["responseElements"]["accessKey"]["secretAccessKey"],
            "HIDDEN_DUE_TO_SECURITY_REASONS");
  EXPECT_THAT(AllBytes(), Not(HasSubstr(secret)));
  EXPECT_THAT(AllBytes(), Not(HasSubstr(root_secret_)));
}

TEST_F(AuditPipelineTest, ADeniedCallKeepsItsParametersAndError) {
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=carol")).status, 200);
  http::Response key =
      Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=carol"));
  const std::string id = Between(key.body, "<AccessKeyId>", "</AccessKeyId>");
  const std::string secret = Between(key.body, "<SecretAccessKey>", "</SecretAccessKey>");
  http::Response denied = Run(Signed("iam", "Action=DeleteUser&Version=2010-05-08&UserName=carol",
                                     id, secret, clock_.Now()));
  ASSERT_EQ(denied.status, 403);
  const audit::Record e = Records().back();
  EXPECT_EQ(e["userIdentity"]["type"], "IAMUser");
  EXPECT_EQ(e["userIdentity"]["userName"], "carol");
  EXPECT_EQ(e["userIdentity"]["accessKeyId"], id);
  EXPECT_EQ(e["eventName"], "DeleteUser");
  EXPECT_EQ(e["errorCode"], "AccessDenied");
  EXPECT_EQ(e["errorMessage"], Between(denied.body, "<Message>", "</Message>"));
  EXPECT_EQ(e["requestParameters"].dump(), R"({"userName":"carol"})");
  EXPECT_TRUE(e["responseElements"].is_null());
}

TEST_F(AuditPipelineTest, FailedAuthenticationIsRecordedWithWhatIsKnown) {
  Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15", root_id_, "wrong-secret",
             clock_.Now()));
  Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15", "AKIAI44QH8DHBEXAMPLE",
             "whatever", clock_.Now()));
  std::vector<audit::Record> records = Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["errorCode"], "SignatureDoesNotMatch");
  EXPECT_EQ(records[0]["eventSource"], "sts.amazonaws.com");
  EXPECT_EQ(records[0]["eventName"], "GetCallerIdentity");
  EXPECT_EQ(records[0]["userIdentity"]["type"], "Unknown");
  EXPECT_EQ(records[0]["userIdentity"]["arn"], "arn:aws:iam::" + account_ + ":root");
  EXPECT_EQ(records[0]["userIdentity"]["accessKeyId"], root_id_);
  EXPECT_EQ(records[1]["errorCode"], "InvalidClientTokenId");
  EXPECT_EQ(records[1]["userIdentity"].dump(),
            R"({"type":"Unknown","accessKeyId":"AKIAI44QH8DHBEXAMPLE"})");
  EXPECT_FALSE(records[1].contains("recipientAccountId"));
}

TEST_F(AuditPipelineTest, ARoleSessionNamesItsRoleWithItsPath) {
  const std::string trust = R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                            R"("Principal":{"AWS":"arn:aws:iam::)" +
                            account_ + R"(:root"},"Action":"sts:AssumeRole"}]})";
  ASSERT_EQ(Run(AsRoot("iam",
                       "Action=CreateRole&Version=2010-05-08&RoleName=Deploy&Path=%2Fci%2F"
                       "&AssumeRolePolicyDocument=" +
                           UriEncode(trust)))
                .status,
            200);
  // Root may not assume roles; a user with a key may.
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=dev")).status, 200);
  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]})";
  ASSERT_EQ(Run(AsRoot("iam",
                       "Action=PutUserPolicy&Version=2010-05-08&UserName=dev&PolicyName=p"
                       "&PolicyDocument=" +
                           UriEncode(policy)))
                .status,
            200);
  http::Response key = Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=dev"));
  http::Response assumed =
      Run(Signed("sts",
                 "Action=AssumeRole&Version=2011-06-15&RoleSessionName=run1&RoleArn=" +
                     UriEncode("arn:aws:iam::" + account_ + ":role/ci/Deploy"),
                 Between(key.body, "<AccessKeyId>", "</AccessKeyId>"),
                 Between(key.body, "<SecretAccessKey>", "</SecretAccessKey>"), clock_.Now()));
  ASSERT_EQ(assumed.status, 200) << assumed.body;
  const std::string session_secret =
      Between(assumed.body, "<SecretAccessKey>", "</SecretAccessKey>");
  const std::string token = Between(assumed.body, "<SessionToken>", "</SessionToken>");
  ASSERT_EQ(Run(Signed("sts", "Action=GetCallerIdentity&Version=2011-06-15",
                       Between(assumed.body, "<AccessKeyId>", "</AccessKeyId>"), session_secret,
                       clock_.Now(), token))
                .status,
            200);
  std::vector<audit::Record> records = Records();
  const audit::Record& assume = records[records.size() - 2];
  EXPECT_EQ(assume["eventName"], "AssumeRole");
  EXPECT_EQ(assume["responseElements"]["credentials"]["sessionToken"],
            "HIDDEN_DUE_TO_SECURITY_REASONS");
  EXPECT_EQ(assume["responseElements"]["assumedRoleUser"]["arn"],
            "arn:aws:sts::" + account_ + ":assumed-role/Deploy/run1");
  const audit::Record& call = records.back();
  EXPECT_EQ(call["userIdentity"]["type"], "AssumedRole");
  EXPECT_EQ(call["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"],
            "arn:aws:iam::" + account_ + ":role/ci/Deploy");
  EXPECT_EQ(call["userIdentity"]["sessionContext"]["attributes"]["mfaAuthenticated"], "false");
  EXPECT_EQ(call["readOnly"], true);
  EXPECT_TRUE(call["responseElements"].is_null());
  EXPECT_THAT(AllBytes(), Not(HasSubstr(session_secret)));
  EXPECT_THAT(AllBytes(), Not(HasSubstr(token)));
}

TEST_F(AuditPipelineTest, ProbesAreNotRecordedButRoutingErrorsAre) {
  http::Request health;
  health.method = "GET";
  health.target = "/health";
  ASSERT_EQ(Run(health).status, 200);
  http::Request nothing = AsRoot("iam", "Version=2010-05-08");
  Run(nothing);
  std::vector<audit::Record> records = Records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0]["errorCode"], "MissingAction");
}

TEST_F(AuditPipelineTest, TlsDetailsForRequestsOverTls) {
  http::Request r = AsRoot("sts", "Action=GetCallerIdentity&Version=2011-06-15");
  r.secure_transport = true;
  r.tls_version = "TLSv1.3";
  r.tls_cipher = "TLS_AES_256_GCM_SHA384";
  ASSERT_EQ(Run(r).status, 200);
  EXPECT_EQ(Records()[0]["tlsDetails"].dump(),
            R"({"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_256_GCM_SHA384",)"
            R"("clientProvidedHostHeader":"127.0.0.1:9000"})");
}

}  // namespace
}  // namespace sigil::server
