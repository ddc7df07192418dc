#include "ec2/security_group_rules.h"

#include <gtest/gtest.h>

namespace sigil::ec2 {
namespace {

class CountingRandom final : public RandomSource {
 public:
  std::string Bytes(size_t n) override { return std::string(n, static_cast<char>(next_++)); }

 private:
  int next_ = 0;
};

const std::vector<Ec2SecurityGroupRecord> kGroups = {
    {"sg-0000000000000000a", "web", "web", "vpc-1", {}, {}}};

TEST(RulesFromRequest, OneRulePerPeerWithNormalisedProtocol) {
  CountingRandom random;
  Value in = Value::parse(R"({"IpPermissions":[{"IpProtocol":"TCP","FromPort":22,"ToPort":22,
      "IpRanges":[{"CidrIp":"10.0.0.0/8","Description":"office"},{"CidrIp":"192.0.2.1/32"}],
      "Ipv6Ranges":[{"CidrIpv6":"2001:db8::/32"}],
      "UserIdGroupPairs":[{"GroupName":"web"}]}]})");
  auto rules = RulesFromRequest(in, false, kGroups, random);
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 4u);
  EXPECT_EQ((*rules)[0].ip_protocol, "tcp");
  EXPECT_EQ((*rules)[0].description, "office");
  EXPECT_EQ((*rules)[2].cidr_ipv6, "2001:db8::/32");
  EXPECT_EQ((*rules)[3].referenced_group_id, "sg-0000000000000000a");
  EXPECT_NE((*rules)[0].rule_id, (*rules)[1].rule_id);

  Value out = IpPermissions(*rules, false, "123456789012");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["IpRanges"].size(), 2u);
  EXPECT_EQ(out[0]["UserIdGroupPairs"][0]["UserId"], "123456789012");
  EXPECT_EQ(IpPermissions(*rules, true, "1").size(), 0u);
}

TEST(RulesFromRequest, LegacyMembersAndAllProtocols) {
  CountingRandom random;
  auto rules = RulesFromRequest(Value::parse(R"({"IpProtocol":"-1","CidrIp":"0.0.0.0/0"})"), true,
                                kGroups, random);
  ASSERT_TRUE(rules.ok());
  ASSERT_EQ(rules->size(), 1u);
  EXPECT_EQ((*rules)[0].from_port, -1);
  EXPECT_TRUE((*rules)[0].egress);
  EXPECT_FALSE(IpPermissions(*rules, true, "1")[0].contains("FromPort"));
}

TEST(RulesFromRequest, RefusesWhatEc2Refuses) {
  CountingRandom random;
  auto error = [&](const char* json) {
    return RulesFromRequest(Value::parse(json), false, kGroups, random).status();
  };
  EXPECT_EQ(
      error(R"({"IpPermissions":[{"IpProtocol":"tcp","IpRanges":[{"CidrIp":"1.2.3.4/32"}]}]})")
          .message(),
      "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
  EXPECT_EQ(error(R"({"IpPermissions":[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,
                      "IpRanges":[{"CidrIp":"1.2.3.4"}]}]})")
                .message(),
            "CIDR block 1.2.3.4 is malformed");
  EXPECT_EQ(
      error(R"({"IpPermissions":[{"IpProtocol":"bogus","IpRanges":[{"CidrIp":"1.2.3.4/32"}]}]})")
          .aws_code(),
      "InvalidParameterValue");
  EXPECT_EQ(error(R"({"IpPermissions":[{"IpProtocol":"udp","FromPort":9,"ToPort":1,
                      "IpRanges":[{"CidrIp":"1.2.3.4/32"}]}]})")
                .aws_code(),
            "InvalidParameterValue");
  EXPECT_EQ(error(R"({"IpPermissions":[{"IpProtocol":"-1",
                      "UserIdGroupPairs":[{"GroupId":"sg-0000000000000000b"}]}]})")
                .aws_code(),
            "InvalidGroup.NotFound");
  EXPECT_EQ(error(R"({"IpPermissions":[{"IpProtocol":"-1"}]})").aws_code(), "MissingParameter");
  EXPECT_EQ(error(R"({})").aws_code(), "MissingParameter");
}

TEST(DuplicateRule, WordedAsEc2Does) {
  Ec2RuleRecord tcp{"sgr-1", false, "tcp", 22, 22, "0.0.0.0/0", "", "", ""};
  EXPECT_EQ(DuplicateRule(tcp).aws_code(), "InvalidPermission.Duplicate");
  EXPECT_EQ(DuplicateRule(tcp).message(),
            "the specified rule \"peer: 0.0.0.0/0, TCP, from port: 22, to port: 22, ALLOW\" "
            "already exists");
  Ec2RuleRecord all{"sgr-2", true, "-1", -1, -1, "", "", "sg-1", ""};
  EXPECT_EQ(DuplicateRule(all).message(),
            "the specified rule \"peer: sg-1, ALL, ALLOW\" already exists");
  Ec2RuleRecord esp{"sgr-3", false, "50", -1, -1, "10.0.0.0/8", "", "", ""};
  EXPECT_EQ(DuplicateRule(esp).message(),
            "the specified rule \"peer: 10.0.0.0/8, protocol: 50, ALLOW\" already exists");
  EXPECT_TRUE(
      SameRule(tcp, Ec2RuleRecord{"sgr-9", false, "tcp", 22, 22, "0.0.0.0/0", "", "", "x"}));
  EXPECT_FALSE(SameRule(tcp, all));
}

}  // namespace
}  // namespace sigil::ec2
