#include "ec2/ec2_common.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sigil::ec2 {
namespace {

using ::testing::ElementsAre;

TEST(ResourceIds, ShapeAndType) {
  EXPECT_TRUE(IsResourceId("i-0123456789abcdef0", "i"));
  EXPECT_TRUE(IsResourceId("sg-12345678", "sg"));
  EXPECT_FALSE(IsResourceId("i-0123456789ABCDEF0", "i"));
  EXPECT_FALSE(IsResourceId("i-012", "i"));
  EXPECT_FALSE(IsResourceId("sg-12345678", "i"));
  EXPECT_EQ(ResourceTypeOfId("sg-12345678"), "security-group");
  EXPECT_EQ(ResourceTypeOfId("sgr-12345678"), "security-group-rule");
  EXPECT_EQ(ResourceTypeOfId("key-0123"), "key-pair");
  EXPECT_EQ(ResourceTypeOfId("x-1"), "");
  EXPECT_EQ(Ec2Arn("us-east-1", "", "image", "ami-1"), "arn:aws:ec2:us-east-1::image/ami-1");
  EXPECT_EQ(Ec2Arn("eu-west-1", "123456789012", "instance", "i-1"),
            "arn:aws:ec2:eu-west-1:123456789012:instance/i-1");
}

TEST(IdsNotFound, OneAndSeveral) {
  Status one = IdsNotFound("InvalidInstanceID.NotFound", "instance", {"i-1"});
  EXPECT_EQ(one.aws_code(), "InvalidInstanceID.NotFound");
  EXPECT_EQ(one.http_status(), 400);
  EXPECT_EQ(one.message(), "The instance ID 'i-1' does not exist");
  EXPECT_EQ(IdsNotFound("InvalidInstanceID.NotFound", "instance", {"i-1", "i-2"}).message(),
            "The instance IDs 'i-1, i-2' do not exist");
}

TEST(MatchesFilters, ValuesAreOredFiltersAndedWithWildcardsAndTags) {
  const std::vector<Ec2TagRecord> tags = {{"i-1", "Team", "blue"}, {"i-1", "env", "dev"}};
  auto field = [](const std::string& name) -> std::optional<std::vector<std::string>> {
    if (name == "instance-type") return std::vector<std::string>{"t3.micro"};
    return std::nullopt;
  };
  auto match = [&](Value filters) {
    return MatchesFilters(ParseFilters(Value{{"Filters", filters}}), field, tags);
  };
  EXPECT_TRUE(*match(Value::parse(R"([{"Name":"instance-type","Values":["m5.large","t3.*"]}])")));
  EXPECT_FALSE(*match(Value::parse(R"([{"Name":"instance-type","Values":["t3.nano"]}])")));
  EXPECT_TRUE(*match(Value::parse(R"([{"Name":"tag:Team","Values":["blue"]},
                                      {"Name":"tag-key","Values":["env"]}])")));
  EXPECT_FALSE(*match(Value::parse(R"([{"Name":"tag:Team","Values":["red"]}])")));
  EXPECT_FALSE(*match(Value::parse(R"([{"Name":"tag:Missing","Values":["*"]}])")));
  auto bad = match(Value::parse(R"([{"Name":"colour","Values":["x"]}])"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().aws_code(), "InvalidParameterValue");
  EXPECT_EQ(bad.status().message(), "The filter 'colour' is invalid");
}

TEST(Paginate, PagesFollowTheLastIdShown) {
  const std::vector<std::string> ids = {"a", "b", "c", "d", "e", "f", "g"};
  auto first = Paginate(ids, Value{{"MaxResults", 5}});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->begin, 0u);
  EXPECT_EQ(first->end, 5u);
  ASSERT_FALSE(first->next_token.empty());
  auto second = Paginate(ids, Value{{"MaxResults", 5}, {"NextToken", first->next_token}});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->begin, 5u);
  EXPECT_EQ(second->end, 7u);
  EXPECT_TRUE(second->next_token.empty());
  auto too_small = Paginate(ids, Value{{"MaxResults", 2}});
  ASSERT_FALSE(too_small.ok());
  EXPECT_EQ(too_small.status().aws_code(), "InvalidParameterValue");
  auto garbage = Paginate(ids, Value{{"NextToken", "!!"}});
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().aws_code(), "InvalidNextToken");
}

TEST(TagsFromSpecifications, PicksTheResourceTypeAndChecksTags) {
  Value in = Value::parse(R"({"TagSpecifications":[
      {"ResourceType":"instance","Tags":[{"Key":"Team","Value":"blue"}]},
      {"ResourceType":"volume","Tags":[{"Key":"v","Value":"1"}]}]})");
  auto tags = TagsFromSpecifications(in, "instance", {"instance", "volume"});
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].key, "Team");
  auto wrong = TagsFromSpecifications(in, "instance", {"instance"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().aws_code(), "InvalidParameterValue");
  Value reserved = Value::parse(
      R"({"TagSpecifications":[{"ResourceType":"instance","Tags":[{"Key":"aws:x","Value":""}]}]})");
  EXPECT_EQ(TagsFromSpecifications(reserved, "instance", {"instance"}).status().aws_code(),
            "InvalidParameterValue");
}

TEST(TagConditionKeys, RequestAndResourceTags) {
  std::map<std::string, std::vector<std::string>> keys;
  AddRequestTagKeys({{"", "Team", "blue"}, {"", "env", "dev"}}, &keys);
  EXPECT_THAT(keys["aws:TagKeys"], ElementsAre("Team", "env"));
  EXPECT_THAT(keys["aws:RequestTag/Team"], ElementsAre("blue"));
  AddResourceTagKeys({{"i-1", "Team", "red"}}, &keys);
  EXPECT_THAT(keys["ec2:ResourceTag/Team"], ElementsAre("red"));
  EXPECT_THAT(keys["aws:ResourceTag/Team"], ElementsAre("red"));
}

TEST(Regions, DefaultListConfiguredListAndZones) {
  RegionCatalog defaults;
  EXPECT_TRUE(defaults.IsEnabled("us-east-1"));
  EXPECT_FALSE(defaults.IsEnabled("af-south-1"));
  const auto all = defaults.Regions(true);
  auto cape = std::find_if(all.begin(), all.end(),
                           [](const RegionInfo& r) { return r.name == "af-south-1"; });
  ASSERT_NE(cape, all.end());
  EXPECT_EQ(cape->opt_in, "not-opted-in");

  auto custom = RegionCatalog::FromList("eu-west-1, xx-test-1");
  ASSERT_TRUE(custom.ok());
  const auto regions = custom->Regions(false);
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_EQ(regions[0].opt_in, "opt-in-not-required");
  EXPECT_EQ(regions[1].opt_in, "opted-in");
  EXPECT_EQ(regions[1].endpoint, "ec2.xx-test-1.amazonaws.com");
  EXPECT_EQ(RegionCatalog::FromList("us east").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RegionCatalog::FromList(" , ").status().code(), StatusCode::kInvalidArgument);

  const auto zones = ZonesOf("ap-southeast-2");
  ASSERT_EQ(zones.size(), 3u);
  EXPECT_EQ(zones[0].name, "ap-southeast-2a");
  EXPECT_EQ(zones[0].id, "apse2-az1");
  EXPECT_EQ(ZonesOf("us-east-1")[2].id, "use1-az3");
  EXPECT_EQ(ZonesOf("eu-central-1")[1].id, "euc1-az2");
}

}  // namespace
}  // namespace sigil::ec2
