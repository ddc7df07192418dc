#include "client/endpoints.h"

#include <gtest/gtest.h>

namespace sigil::client {
namespace {

AwsConfig Config() {
  return AwsConfig::FromText({"/c", "/f"}, "",
                             "[profile dev]\nregion = eu-west-1\nendpoint_url = http://profile:1\n"
                             "services = local\n"
                             "[services local]\nsts =\n  endpoint_url = http://services-sts:2\n"
                             "[profile plain]\nregion = ap-south-1\n");
}

TEST(EndpointsTest, PrecedenceIsTheCliOne) {
  AwsConfig config = Config();
  Environment env(
      {{"AWS_ENDPOINT_URL_STS", "http://env-sts:3"}, {"AWS_ENDPOINT_URL", "http://env-all:4"}});
  EndpointFlags flags{"http://flag:5/", ""};
  auto e = ResolveEndpoint(Service::kSts, flags, env, config, "dev");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->url, "http://flag:5");
  EXPECT_EQ(e->source, "--endpoint-url");
  flags.endpoint_url.clear();
  EXPECT_EQ(ResolveEndpoint(Service::kSts, flags, env, config, "dev")->url, "http://env-sts:3");
  // The service-specific variable is only for its service.
  EXPECT_EQ(ResolveEndpoint(Service::kIam, flags, env, config, "dev")->url, "http://env-all:4");
  env.Unset("AWS_ENDPOINT_URL_STS");
  EXPECT_EQ(ResolveEndpoint(Service::kSts, flags, env, config, "dev")->url, "http://env-all:4");
  env.Unset("AWS_ENDPOINT_URL");
  EXPECT_EQ(ResolveEndpoint(Service::kSts, flags, env, config, "dev")->url,
            "http://services-sts:2");
  EXPECT_EQ(ResolveEndpoint(Service::kIam, flags, env, config, "dev")->url, "http://profile:1");
  auto plain = ResolveEndpoint(Service::kSts, flags, env, config, "plain");
  EXPECT_EQ(plain->url, "https://sts.ap-south-1.amazonaws.com");
  EXPECT_EQ(plain->region, "ap-south-1");
  EXPECT_EQ(plain->service, "sts");
  auto iam = ResolveEndpoint(Service::kIam, flags, env, config, "plain");
  EXPECT_EQ(iam->url, "https://iam.amazonaws.com");
  EXPECT_EQ(iam->region, "us-east-1");
}

TEST(EndpointsTest, IgnoreConfiguredEndpointUrls) {
  AwsConfig config = Config();
  Environment env(
      {{"AWS_ENDPOINT_URL", "http://env-all:4"}, {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"}});
  EXPECT_EQ(ResolveEndpoint(Service::kSts, {}, env, config, "dev")->url,
            "https://sts.eu-west-1.amazonaws.com");
  // --endpoint-url still wins.
  EXPECT_EQ(ResolveEndpoint(Service::kSts, {"http://flag:5", ""}, env, config, "dev")->url,
            "http://flag:5");
}

TEST(EndpointsTest, RegionPrecedence) {
  AwsConfig config = Config();
  Environment env({{"AWS_DEFAULT_REGION", "us-west-1"}});
  EXPECT_EQ(ResolveRegion({}, env, config, "dev"), "us-west-1");
  env.Set("AWS_REGION", "us-west-2");
  EXPECT_EQ(ResolveRegion({}, env, config, "dev"), "us-west-2");
  EXPECT_EQ(ResolveRegion({"", "ca-central-1"}, env, config, "dev"), "ca-central-1");
  EXPECT_EQ(ResolveRegion({}, Environment(), config, "dev"), "eu-west-1");
  EXPECT_EQ(ResolveRegion({}, Environment(), config, "nothing"), "us-east-1");
}

TEST(EndpointsTest, RejectsANonHttpUrlNamingItsSource) {
  Environment env({{"AWS_ENDPOINT_URL", "localhost:9000"}});
  auto e = ResolveEndpoint(Service::kSts, {}, env, Config(), "plain");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(e.status().message(),
            "the endpoint URL from AWS_ENDPOINT_URL (localhost:9000) must start with http:// or "
            "https://; fix it there");
}

}  // namespace
}  // namespace sigil::client
