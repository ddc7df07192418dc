#include "sts/session_rules.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sigil::sts {
namespace {

class SequenceRandom final : public RandomSource {
 public:
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    for (auto& c : out) c = static_cast<char>(next_++);
    return out;
  }

 private:
  unsigned char next_ = 0;
};

TEST(SessionTokenDuration, DefaultsToTwelveHoursAndCapsRootAtOne) {
  EXPECT_EQ(SessionTokenDuration(std::nullopt, false), 43200);
  EXPECT_EQ(SessionTokenDuration(900, false), 900);
  EXPECT_EQ(SessionTokenDuration(129600, false), 129600);
  EXPECT_EQ(SessionTokenDuration(std::nullopt, true), 3600);
  EXPECT_EQ(SessionTokenDuration(7200, true), 3600);
  EXPECT_EQ(SessionTokenDuration(900, true), 900);
}

TEST(AssumeRoleDuration, DefaultsToOneHourWithinTheRolesMaximum) {
  EXPECT_EQ(*AssumeRoleDuration(std::nullopt, 43200, false), 3600);
  EXPECT_EQ(*AssumeRoleDuration(43200, 43200, false), 43200);
  auto over = AssumeRoleDuration(7200, 3600, false);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().aws_code(), "ValidationError");
  EXPECT_EQ(over.status().http_status(), 400);
  EXPECT_EQ(over.status().message(),
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
}

TEST(AssumeRoleDuration, RoleChainingIsCappedAtOneHour) {
  EXPECT_EQ(*AssumeRoleDuration(std::nullopt, 43200, true), 3600);
  EXPECT_EQ(*AssumeRoleDuration(3600, 43200, true), 3600);
  auto over = AssumeRoleDuration(3601, 43200, true);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().aws_code(), "ValidationError");
  EXPECT_EQ(over.status().message(),
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
            "role chaining.");
}

TEST(SessionTagsFor, TakesTheRequestsTagsAndTransitiveKeys) {
  auto set = SessionTagsFor(nullptr, {{"team", "blue"}, {"env", "ci"}}, {"Team"});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->tags, (std::vector<auth::SessionTag>{{"team", "blue"}, {"env", "ci"}}));
  EXPECT_EQ(set->transitive_keys, std::vector<std::string>{"Team"});
}

TEST(SessionTagsFor, ChainingInheritsOnlyTransitiveTagsWhichCannotBeOverridden) {
  auth::SessionClaims caller;
  caller.tags = {{"team", "blue"}, {"env", "ci"}};
  caller.transitive_tag_keys = {"team"};
  auto set = SessionTagsFor(&caller, {{"project", "x"}}, {});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->tags, (std::vector<auth::SessionTag>{{"team", "blue"}, {"project", "x"}}));
  EXPECT_EQ(set->transitive_keys, std::vector<std::string>{"team"});

  auto override = SessionTagsFor(&caller, {{"TEAM", "red"}}, {});
  ASSERT_FALSE(override.ok());
  EXPECT_EQ(override.status().aws_code(), "InvalidParameterValue");
  EXPECT_EQ(override.status().http_status(), 400);
  // A non-transitive tag of the caller does not carry over, so it may be set again.
  EXPECT_TRUE(SessionTagsFor(&caller, {{"env", "prod"}}, {}).ok());
}

TEST(SessionTagsFor, RefusesDuplicateKeysAndStrayTransitiveKeys) {
  auto dup = SessionTagsFor(nullptr, {{"a", "1"}, {"A", "2"}}, {});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().aws_code(), "InvalidParameterValue");
  auto stray = SessionTagsFor(nullptr, {{"a", "1"}}, {"b"});
  ASSERT_FALSE(stray.ok());
  EXPECT_EQ(stray.status().aws_code(), "ValidationError");
}

TEST(SessionTagsFor, AtMostFiftyTagsIncludingInherited) {
  auth::SessionClaims caller;
  caller.tags = {{"inherited", "1"}};
  caller.transitive_tag_keys = {"inherited"};
  std::vector<auth::SessionTag> fifty;
  for (int i = 0; i < 50; ++i) fifty.push_back({"k" + std::to_string(i), "v"});
  EXPECT_TRUE(SessionTagsFor(nullptr, fifty, {}).ok());
  auto over = SessionTagsFor(&caller, fifty, {});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().aws_code(), "ValidationError");
}

TEST(PackedPolicyPercent, CountsPolicyArnsAndTagsAgainstTheLimit) {
  EXPECT_EQ(*PackedPolicyPercent(0, {}, {}), 0);
  EXPECT_EQ(*PackedPolicyPercent(2048, {}, {}), 50);
  EXPECT_EQ(*PackedPolicyPercent(1, {}, {}), 1);  // rounded up
  EXPECT_EQ(*PackedPolicyPercent(4000, {"arn:aws:iam::aws:policy/ReadOnlyAccess"}, {}), 99);
  EXPECT_EQ(*PackedPolicyPercent(4096, {}, {}), 100);
  auto over = PackedPolicyPercent(4000, {}, {{std::string(100, 'k'), "v"}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().aws_code(), "PackedPolicyTooLarge");
  EXPECT_EQ(over.status().http_status(), 400);
}

TEST(TemporaryAccessKeyId, EncodesTheAccountAndIsRandomOtherwise) {
  SequenceRandom random;
  std::string a = NewTemporaryAccessKeyId("123456789012", random);
  std::string b = NewTemporaryAccessKeyId("123456789012", random);
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(a.substr(0, 4), "ASIA");
  EXPECT_NE(a, b);
  EXPECT_EQ(AccountOfTemporaryKeyId(a), "123456789012");
  EXPECT_EQ(AccountOfTemporaryKeyId(NewTemporaryAccessKeyId("999999999999", random)),
            "999999999999");
  EXPECT_EQ(AccountOfTemporaryKeyId("AKIAIOSFODNN7EXAMPLE"), std::nullopt);
  EXPECT_EQ(AccountOfTemporaryKeyId("ASIA1"), std::nullopt);
  EXPECT_EQ(AccountOfTemporaryKeyId("ASIA0000000000000000"), std::nullopt);  // '0' not base32
}

TEST(SecretAccessKey, FortyCharacters) {
  SequenceRandom random;
  std::string s = NewSecretAccessKey(random);
  EXPECT_EQ(s.size(), 40u);
  EXPECT_NE(s, NewSecretAccessKey(random));
}

}  // namespace
}  // namespace sigil::sts
