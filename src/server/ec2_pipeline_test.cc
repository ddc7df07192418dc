// EC2 through the pipeline: routing by credential scope, EC2's response and error shapes,
// DryRun, and denials as UnauthorizedOperation whose encoded message STS decodes.
#include <nlohmann/json.hpp>

#include "ec2/ec2_service.h"
#include "server/pipeline_fixture.h"
#include "store/sql_database.h"
#include "store/sql_ec2_store.h"

namespace sigil::server {
namespace {

class Ec2PipelineTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    char tmpl[] = "/tmp/sigil_ec2_pipeline_XXXXXX";
    const std::string path = std::string(mkdtemp(tmpl)) + "/sigil.db";
    ASSERT_TRUE(SqliteMetadataStore::Open(path).ok());
    ec2_store_ = std::move(OpenSqlEc2Store(std::move(OpenSqliteDatabase(path)).value())).value();
    vpcs_ = std::make_unique<ec2::DefaultVpcs>(*ec2_store_, random_);
    ec2_ = ec2::MakeEc2Service(ec2::Ec2Deps{*ec2_store_, random_, regions_, *vpcs_});
    deps_->ec2 = ec2_.get();
  }

  // A user whose only policy is `policy`; returns its key id and secret.
  std::pair<std::string, std::string> User(const std::string& name, const std::string& policy) {
    EXPECT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=" + name)).status,
              200);
    EXPECT_EQ(Run(AsRoot("iam", "Action=PutUserPolicy&Version=2010-05-08&UserName=" + name +
                                    "&PolicyName=p&PolicyDocument=" + UriEncode(policy)))
                  .status,
              200);
    auto key = identity_->CreateAccessKey(
        account_, identity_->Current()->FindUser(account_, name)->user_id, 2);
    return {key->key.access_key_id, key->secret_access_key};
  }

  std::unique_ptr<Ec2Store> ec2_store_;
  ec2::RegionCatalog regions_;
  std::unique_ptr<ec2::DefaultVpcs> vpcs_;
  std::unique_ptr<api::QueryService> ec2_;
};

std::string RequestIdHeader(const http::Response& r) {
  for (const auto& h : r.headers) {
    if (h.name == "x-amzn-RequestId") return h.value;
  }
  return "";
}

constexpr char kPrefix[] =
    "You are not authorized to perform this operation. Encoded authorization failure message: ";

TEST_F(Ec2PipelineTest, RoutesByCredentialScopeAndAnswersInEc2Shape) {
  http::Response r = Run(AsRoot("ec2",
                                "Action=DescribeRegions&Version=2016-11-15&RegionName.1="
                                "eu-west-1"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("<DescribeRegionsResponse xmlns=\"http://ec2.amazonaws.com/doc/"
                        "2016-11-15/\"><requestId>"),
            std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("<regionInfo><item><regionEndpoint>ec2.eu-west-1.amazonaws.com"),
            std::string::npos)
      << r.body;
  EXPECT_EQ(Between(r.body, "<requestId>", "</requestId>"), RequestIdHeader(r));
}

TEST_F(Ec2PipelineTest, ErrorsUseResponseErrorsWithRequestId) {
  http::Response r = Run(AsRoot("ec2", "Action=DescribeRegions&Version=2016-11-15&Bogus=1"));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Between(r.body, "<Code>", "</Code>"), "UnknownParameter");
  EXPECT_EQ(Between(r.body, "<RequestID>", "</RequestID>"), RequestIdHeader(r));
  EXPECT_NE(r.body.find("<Response><Errors><Error>"), std::string::npos);

  http::Response unknown_key =
      Run(Signed("ec2", "Action=DescribeRegions&Version=2016-11-15", "AKIAIOSFODNN7EXAMPLE",
                 std::string(40, 'x'), clock_.Now()));
  EXPECT_EQ(unknown_key.status, 401);
  EXPECT_EQ(Between(unknown_key.body, "<Code>", "</Code>"), "AuthFailure");
}

TEST_F(Ec2PipelineTest, DryRunAnswersDryRunOperationAndChangesNothing) {
  http::Response r = Run(AsRoot("ec2",
                                "Action=CreateKeyPair&Version=2016-11-15&KeyName=k&"
                                "DryRun=true"));
  EXPECT_EQ(r.status, 412);
  EXPECT_EQ(Between(r.body, "<Code>", "</Code>"), "DryRunOperation");
  EXPECT_EQ(Between(r.body, "<Message>", "</Message>"),
            "Request would have succeeded, but DryRun flag is set.");
  http::Response keys = Run(AsRoot("ec2", "Action=DescribeKeyPairs&Version=2016-11-15"));
  ASSERT_EQ(keys.status, 200);
  EXPECT_EQ(keys.body.find("<keyName>"), std::string::npos) << keys.body;
}

TEST_F(Ec2PipelineTest, DenialIsUnauthorizedOperationThatStsDecodes) {
  auto [key, secret] = User("narrow", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"ec2:RunInstances","Resource":"arn:aws:ec2:*:*:instance/*"}]})");
  http::Response r =
      Run(Signed("ec2",
                 "Action=RunInstances&Version=2016-11-15&ImageId=ami-0a1b2c3d4e5f60001&"
                 "MinCount=1&MaxCount=1&DryRun=true",
                 key, secret, clock_.Now()));
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(Between(r.body, "<Code>", "</Code>"), "UnauthorizedOperation");
  const std::string message = Between(r.body, "<Message>", "</Message>");
  ASSERT_EQ(message.rfind(kPrefix, 0), 0u) << message;
  const std::string encoded = message.substr(sizeof(kPrefix) - 1);
  auto opened = sealer_->OpenMessage(sts::kAuthorizationMessagePurpose, encoded);
  ASSERT_TRUE(opened.has_value());
  auto decoded = nlohmann::json::parse(*opened);
  EXPECT_FALSE(decoded["allowed"].get<bool>());
  EXPECT_EQ(decoded["context"]["action"], "ec2:RunInstances");
  // The instance was allowed; the image, checked next, was not.
  EXPECT_EQ(decoded["context"]["resource"], "arn:aws:ec2:us-east-1::image/ami-0a1b2c3d4e5f60001");

  // sts:DecodeAuthorizationMessage opens it.
  http::Response sts = Run(AsRoot("sts",
                                  "Action=DecodeAuthorizationMessage&Version=2011-06-15&"
                                  "EncodedMessage=" +
                                      UriEncode(encoded)));
  ASSERT_EQ(sts.status, 200) << sts.body;
  EXPECT_NE(sts.body.find("ec2:RunInstances"), std::string::npos);
}

TEST_F(Ec2PipelineTest, ResourceTagsDecideAbac) {
  auto [key, secret] = User("team", R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*",
       "Condition":{"StringEquals":{"ec2:ResourceTag/Team":"blue"}}}]})");
  auto launch = [&](const std::string& team) {
    http::Response r =
        Run(AsRoot("ec2",
                   "Action=RunInstances&Version=2016-11-15&ImageId=ami-0a1b2c3d4e5f60001&"
                   "MinCount=1&MaxCount=1&TagSpecification.1.ResourceType=instance&"
                   "TagSpecification.1.Tag.1.Key=Team&TagSpecification.1.Tag.1.Value=" +
                       team));
    EXPECT_EQ(r.status, 200) << r.body;
    return Between(r.body, "<instanceId>", "</instanceId>");
  };
  const std::string blue = launch("blue");
  const std::string red = launch("red");
  auto stop = [&](const std::string& id) {
    return Run(Signed("ec2", "Action=StopInstances&Version=2016-11-15&InstanceId.1=" + id, key,
                      secret, clock_.Now()));
  };
  http::Response allowed = stop(blue);
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_NE(allowed.body.find("<name>stopping</name>"), std::string::npos) << allowed.body;
  http::Response denied = stop(red);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(Between(denied.body, "<Code>", "</Code>"), "UnauthorizedOperation");
}

}  // namespace
}  // namespace sigil::server
