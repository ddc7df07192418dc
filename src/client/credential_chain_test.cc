#include "client/credential_chain.h"

#include <gtest/gtest.h>

#include "client/client_test_util.h"

namespace sigil::client {
namespace {

http::Response AssumeRoleAnswer(const HttpCall& call) {
  http::Response r;
  const std::string role = FakeHttpClient::Param(call, "RoleArn");
  r.body =
      "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
      "<AccessKeyId>ASIAROLE" +
      std::to_string(role.size()) +
      "</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>"
      "<SessionToken>token</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration>"
      "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
  return r;
}

class CredentialChainTest : public ::testing::Test {
 protected:
  CredentialChainTest()
      : http_(AssumeRoleAnswer),
        clock_(FromUnixSeconds(1700000000)),
        client_(http_, clock_),
        api_{client_,
             {"http://sts", "us-east-1", "sts", "test"},
             {"http://iam", "us-east-1", "iam", "test"}} {}

  StatusOr<Credentials> Resolve(const std::string& creds, const std::string& config,
                                const ProfileChoice& choice) {
    config_ = AwsConfig::FromText({"/creds", "/config"}, creds, config);
    CredentialChain chain(
        env_, config_, api_,
        [this](const std::string& command) -> StatusOr<std::string> {
          processes_.push_back(command);
          return std::string(
              R"({"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "s",
                  "SessionToken": "t", "Expiration": "2030-01-01T00:00:00Z"})");
        },
        [this](const std::string& serial) -> StatusOr<std::string> {
          prompts_.push_back(serial);
          return std::string("123456");
        });
    return chain.Resolve(choice);
  }

  Environment env_;
  FakeHttpClient http_;
  FakeClock clock_;
  QueryClient client_;
  AwsApi api_;
  AwsConfig config_;
  std::vector<std::string> processes_;
  std::vector<std::string> prompts_;
};

TEST_F(CredentialChainTest, ProfileChoice) {
  EXPECT_EQ(ChooseProfile(Environment(), "").name, "default");
  Environment env({{"AWS_PROFILE", "p"}});
  EXPECT_EQ(ChooseProfile(env, "").name, "p");
  EXPECT_FALSE(ChooseProfile(env, "").explicit_flag);
  env.Set("AWS_DEFAULT_PROFILE", "d");
  EXPECT_EQ(ChooseProfile(env, "").name, "p");  // the AWS CLI v2 prefers AWS_PROFILE
  env.Unset("AWS_PROFILE");
  EXPECT_EQ(ChooseProfile(env, "").name, "d");
  EXPECT_EQ(ChooseProfile(env, "flag").name, "flag");
  EXPECT_TRUE(ChooseProfile(env, "flag").explicit_flag);
}

TEST_F(CredentialChainTest, EnvironmentFirstUnlessProfileIsExplicit) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENV");
  env_.Set("AWS_SECRET_ACCESS_KEY", "env-secret");
  const std::string creds = "[dev]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n";
  auto c = Resolve(creds, "", {"dev", false});  // AWS_PROFILE=dev: environment still wins
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAENV");
  EXPECT_EQ(c->source, "environment");
  c = Resolve(creds, "", {"dev", true});  // --profile dev skips the environment
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAFILE");
}

TEST_F(CredentialChainTest, PartialEnvironmentIsAnError) {
  env_.Set("AWS_ACCESS_KEY_ID", "AKIAENV");
  auto c = Resolve("", "", {"default", false});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither");
  // A secret alone is ignored, as botocore does.
  env_.Unset("AWS_ACCESS_KEY_ID");
  env_.Set("AWS_SECRET_ACCESS_KEY", "orphan");
  c = Resolve("[default]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n", "",
              {"default", false});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "AKIAFILE");
}

TEST_F(CredentialChainTest, ProviderOrderWithinAProfile) {
  // credentials file static keys, then credential_process, then config file static keys.
  const std::string config_keys =
      "[profile p]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n"
      "credential_process = helper --x\n";
  auto c = Resolve("[p]\naws_access_key_id = AKIAFILE\naws_secret_access_key = f\n", config_keys,
                   {"p", true});
  EXPECT_EQ(c->access_key_id, "AKIAFILE");
  c = Resolve("", config_keys, {"p", true});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ASIAPROC");
  EXPECT_EQ(c->session_token, "t");
  EXPECT_EQ(ToUnixSeconds(*c->expiration), 1893456000);
  EXPECT_EQ(processes_, (std::vector<std::string>{"helper --x"}));
  c = Resolve("", "[profile p]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = c\n",
              {"p", true});
  EXPECT_EQ(c->access_key_id, "AKIACONFIG");
}

TEST_F(CredentialChainTest, AssumeRoleComesBeforeStaticKeys) {
  auto c = Resolve(
      "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n"
      "[role]\naws_access_key_id = AKIAIGNORED\naws_secret_access_key = x\n",
      "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = base\n"
      "mfa_serial = arn:aws:iam::123456789012:mfa/me\nexternal_id = ext\n"
      "role_session_name = mine\nduration_seconds = 1800\n",
      {"role", true});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAROLE32");
  ASSERT_EQ(http_.calls.size(), 1u);
  const HttpCall& call = http_.calls[0];
  EXPECT_EQ(call.url, "http://sts/");
  EXPECT_EQ(FakeHttpClient::Param(call, "Action"), "AssumeRole");
  EXPECT_EQ(FakeHttpClient::Param(call, "RoleSessionName"), "mine");
  EXPECT_EQ(FakeHttpClient::Param(call, "ExternalId"), "ext");
  EXPECT_EQ(FakeHttpClient::Param(call, "DurationSeconds"), "1800");
  EXPECT_EQ(FakeHttpClient::Param(call, "SerialNumber"), "arn:aws:iam::123456789012:mfa/me");
  EXPECT_EQ(FakeHttpClient::Param(call, "TokenCode"), "123456");
  EXPECT_EQ(prompts_, (std::vector<std::string>{"arn:aws:iam::123456789012:mfa/me"}));
  // Signed with the source profile's key.
  bool signed_by_base = false;
  for (const auto& h : call.headers) {
    if (h.name == "Authorization")
      signed_by_base = h.value.find("Credential=AKIABASE/") != std::string::npos;
  }
  EXPECT_TRUE(signed_by_base);
}

TEST_F(CredentialChainTest, RoleChainsAndBadRoleProfiles) {
  auto c = Resolve("[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n",
                   "[profile r1]\nrole_arn = arn:aws:iam::1:role/one\nsource_profile = base\n"
                   "[profile r2]\nrole_arn = arn:aws:iam::1:role/second\nsource_profile = r1\n",
                   {"r2", true});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(http_.calls.size(), 2u);
  EXPECT_EQ(c->access_key_id, "ASIAROLE26");

  c = Resolve("",
              "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
              "[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n",
              {"a", true});
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.status().message(),
            "the source_profile chain of profile a loops back to itself; fix source_profile in "
            "/config");

  c = Resolve("",
              "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n"
              "credential_source = Environment\n",
              {"a", true});
  EXPECT_EQ(c.status().message(),
            "profile a has both source_profile and credential_source; keep one");

  c = Resolve("",
              "[profile a]\nrole_arn = arn:aws:iam::1:role/a\n"
              "credential_source = Ec2InstanceMetadata\n",
              {"a", true});
  EXPECT_EQ(c.status().code(), StatusCode::kUnimplemented);
}

TEST_F(CredentialChainTest, SelfReferencingSourceProfileUsesItsOwnKeys) {
  auto c = Resolve("[me]\naws_access_key_id = AKIAME\naws_secret_access_key = m\n",
                   "[profile me]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = me\n",
                   {"me", true});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->access_key_id, "ASIAROLE21");
}

TEST_F(CredentialChainTest, MissingProfilesAndCredentials) {
  auto c = Resolve("", "", {"nope", true});
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.status().message(),
            "the config profile (nope) could not be found in /config or /creds; run `sigil "
            "configure --profile nope`");
  c = Resolve("", "", {"default", false});
  EXPECT_EQ(c.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(c.status().message(),
            "unable to locate credentials for profile default: run `sigil configure --profile "
            "default`");
}

TEST(CredentialProcessOutputTest, Contract) {
  auto c =
      ParseCredentialProcessOutput(R"({"Version":1,"AccessKeyId":"AKIA1","SecretAccessKey":"s"})");
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->expiration.has_value());
  EXPECT_EQ(ParseCredentialProcessOutput(R"({"Version":2,"AccessKeyId":"a","SecretAccessKey":"s"})")
                .status()
                .message(),
            "its output must have \"Version\": 1");
  EXPECT_EQ(ParseCredentialProcessOutput("not json").status().message(),
            "its output is not a JSON object");
  EXPECT_EQ(ParseCredentialProcessOutput(R"({"Version":1,"AccessKeyId":"a"})").status().message(),
            "its output lacks AccessKeyId or SecretAccessKey");
  EXPECT_EQ(ParseCredentialProcessOutput(
                R"({"Version":1,"AccessKeyId":"a","SecretAccessKey":"s","Expiration":"soon"})")
                .status()
                .message(),
            "its Expiration is not an ISO 8601 time: soon");
}

}  // namespace
}  // namespace sigil::client
