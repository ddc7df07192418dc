#include "client/aws_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "common/file_util.h"

namespace sigil::client {
namespace {

TEST(AwsConfigTest, FileLocationsFollowTheEnvironment) {
  Environment env({{"HOME", "/home/u"}});
  AwsFilePaths paths = ResolveAwsFilePaths(env);
  EXPECT_EQ(paths.credentials, "/home/u/.aws/credentials");
  EXPECT_EQ(paths.config, "/home/u/.aws/config");
  env.Set("AWS_SHARED_CREDENTIALS_FILE", "~/creds");
  env.Set("AWS_CONFIG_FILE", "/etc/aws-config");
  paths = ResolveAwsFilePaths(env);
  EXPECT_EQ(paths.credentials, "/home/u/creds");
  EXPECT_EQ(paths.config, "/etc/aws-config");
}

TEST(AwsConfigTest, ProfileSectionNames) {
  EXPECT_EQ(ProfileOfConfigSection("default"), "default");
  EXPECT_EQ(ProfileOfConfigSection("profile dev"), "dev");
  EXPECT_EQ(ProfileOfConfigSection("profile   dev"), "dev");
  EXPECT_EQ(ProfileOfConfigSection("profile \"my dev\""), "my dev");
  EXPECT_EQ(ProfileOfConfigSection("dev"), std::nullopt);  // the CLI ignores [dev] in config
  EXPECT_EQ(ProfileOfConfigSection("profile"), std::nullopt);
  EXPECT_EQ(ProfileOfConfigSection("profilex"), std::nullopt);
  EXPECT_EQ(ProfileOfConfigSection("profilex y"), "y");  // botocore's quirk
  EXPECT_EQ(ProfileOfConfigSection("profile a b"), std::nullopt);
  EXPECT_EQ(ProfileOfConfigSection("services local"), std::nullopt);
}

TEST(AwsConfigTest, CredentialsFileWinsOverConfig) {
  AwsConfig config = AwsConfig::FromText(
      {"/c", "/f"}, "[dev]\nregion = from-credentials\n[profile other]\nregion = literal\n",
      "[profile dev]\nregion = from-config\noutput = json\n[dev]\nregion = ignored\n"
      "[default]\nregion = d1\n[profile default]\nregion = d2\n");
  EXPECT_EQ(config.Value("dev", "region"), "from-credentials");
  EXPECT_EQ(config.Value("dev", "output"), "json");
  EXPECT_EQ(config.ConfigValue("dev", "region"), "from-config");
  // In the credentials file "[profile other]" is a profile literally named "profile other".
  EXPECT_EQ(config.Value("other", "region"), std::nullopt);
  EXPECT_EQ(config.Value("profile other", "region"), "literal");
  // [profile default] after [default]: the later wins, as in botocore.
  EXPECT_EQ(config.ConfigSection("default"), "profile default");
  EXPECT_EQ(config.Value("default", "region"), "d2");
  EXPECT_EQ(config.ConfigSection("new"), "profile new");
  EXPECT_EQ(config.ProfileNames(), (std::vector<std::string>{"default", "dev", "profile other"}));
}

TEST(AwsConfigTest, ServicesSections) {
  AwsConfig config = AwsConfig::FromText(
      {"/c", "/f"}, "",
      "[profile dev]\nservices = local\n[services local]\nsts =\n  endpoint_url = http://s:1\n"
      "iam =\n  endpoint_url = http://i:2\n");
  EXPECT_EQ(config.ServiceSettings("dev", "sts")["endpoint_url"], "http://s:1");
  EXPECT_EQ(config.ServiceSettings("dev", "iam")["endpoint_url"], "http://i:2");
  EXPECT_TRUE(config.ServiceSettings("default", "sts").empty());
}

TEST(AwsConfigTest, SavesAtomicallyWithMode0600) {
  std::string dir = std::filesystem::temp_directory_path() / "sigil-aws-config-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  Environment env({{"HOME", dir}});
  auto config = AwsConfig::Load(env);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->ProfileNames().empty());
  config->mutable_config().Set("profile dev", "region", "eu-west-1");
  ASSERT_TRUE(config->SaveConfig().ok());
  EXPECT_EQ(*FileMode(dir + "/.aws/config") & 0777, 0600u);
  EXPECT_EQ(*FileMode(dir + "/.aws") & 0777, 0700u);
  auto again = AwsConfig::Load(env);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->Value("dev", "region"), "eu-west-1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sigil::client
