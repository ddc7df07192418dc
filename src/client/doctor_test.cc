#include "client/doctor.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/file_util.h"

namespace sigil::client {
namespace {

class DoctorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = std::filesystem::temp_directory_path() / "sigil-doctor-test-XXXXXX";
    ASSERT_NE(::mkdtemp(home_.data()), nullptr);
    ASSERT_TRUE(MakeDirectories(home_ + "/.aws/cli/cache", 0700).ok());
    env_ = Environment({{"HOME", home_}, {"PATH", "/usr/bin:/bin"}});
  }
  void TearDown() override { std::filesystem::remove_all(home_); }

  std::vector<Finding> Check(const std::string& credentials, const std::string& config,
                             mode_t mode = 0600) {
    EXPECT_TRUE(WriteFileAtomically(home_ + "/.aws/credentials", credentials, mode).ok());
    EXPECT_TRUE(WriteFileAtomically(home_ + "/.aws/config", config, 0600).ok());
    auto loaded = AwsConfig::Load(env_);
    EXPECT_TRUE(loaded.ok());
    return CheckLocalFiles(*loaded, env_, home_ + "/.aws/sigil/vault");
  }

  static std::vector<std::string> Checks(const std::vector<Finding>& findings) {
    std::vector<std::string> out;
    for (const Finding& f : findings) out.push_back(f.severity + " " + f.check);
    return out;
  }

  std::string home_;
  Environment env_;
};

TEST_F(DoctorTest, CleanFilesHaveNoFindings) {
  EXPECT_TRUE(Check("", "[profile dev]\nregion = eu-west-1\n").empty());
}

TEST_F(DoctorTest, BadFiles) {
  // A credential_process program in a folder anyone may write to (no sticky bit).
  ASSERT_TRUE(MakeDirectories(home_ + "/shared", 0777).ok());
  ASSERT_EQ(::chmod((home_ + "/shared").c_str(), 0777), 0);
  ASSERT_TRUE(WriteFileAtomically(home_ + "/shared/helper", "#!/bin/sh\n", 0755).ok());
  auto findings = Check(
      "[default]\naws_access_key_id = AKIA2SIGILTESTKEY0XY\naws_secret_access_key = x\n"
      "[profile odd]\nregion = us-east-1 # comment\n",
      "[dev]\nregion = x\n[profile p]\ncredential_process = " + home_ + "/shared/helper --x\n",
      0644);
  EXPECT_EQ(Checks(findings),
            (std::vector<std::string>{"warning file-mode", "error plaintext-key",
                                      "error credential-process", "warning ambiguous-ini",
                                      "warning ambiguous-ini", "warning ambiguous-ini"}));
  EXPECT_EQ(findings[0].where, home_ + "/.aws/credentials");
  EXPECT_EQ(findings[0].fix, "chmod 600 " + home_ + "/.aws/credentials");
  EXPECT_EQ(findings[1].fix, "sigil vault import --profile default");
  EXPECT_EQ(findings[2].message, "credential_process runs " + home_ + "/shared/helper, and " +
                                     home_ + "/shared is writable by others (mode 0777)");
  EXPECT_EQ(findings[3].where, home_ + "/.aws/credentials:5");
  EXPECT_EQ(findings[4].message,
            "in the credentials file this is a profile literally named "
            "\"profile odd\"");
  EXPECT_EQ(findings[5].message, "the AWS CLI ignores this section in the config file");
}

TEST_F(DoctorTest, PlaintextCache) {
  ASSERT_TRUE(WriteFileAtomically(home_ + "/.aws/cli/cache/abc.json",
                                  R"({"Credentials": {"SecretAccessKey": "x"}})", 0600)
                  .ok());
  auto findings = Check("", "");
  ASSERT_EQ(Checks(findings), (std::vector<std::string>{"warning plaintext-cache"}));
  EXPECT_EQ(findings[0].where, home_ + "/.aws/cli/cache/abc.json");
}

TEST(CredentialReportTest, Findings) {
  const std::string csv =
      "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
      "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
      "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
      "access_key_2_active,access_key_2_last_rotated\n"
      "<root_account>,arn:aws:iam::1:root,x,not_supported,N/A,N/A,N/A,true,true,"
      "2023-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A\n"
      "old,arn:aws:iam::1:user/old,x,false,N/A,N/A,N/A,false,true,"
      "2023-01-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A\n"
      "fresh,arn:aws:iam::1:user/fresh,x,false,N/A,N/A,N/A,true,true,"
      "2023-12-01T00:00:00+00:00,N/A,N/A,N/A,false,N/A\n";
  auto findings = CheckCredentialReport(csv, FromUnixSeconds(1704067200), 90);  // 2024-01-01
  std::vector<std::string> got;
  for (const Finding& f : findings) got.push_back(f.check + " " + f.where);
  EXPECT_EQ(got, (std::vector<std::string>{"root-key arn:aws:iam::1:root",
                                           "key-age arn:aws:iam::1:user/old",
                                           "no-mfa arn:aws:iam::1:user/old"}));
}

}  // namespace
}  // namespace sigil::client
