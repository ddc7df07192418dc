#include "iam/aws_managed_policies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "common/strings.h"
#include "common/time_format.h"
#include "iam/policy_documents.h"

namespace sigil::iam {
namespace {

TEST(AwsManagedPoliciesTest, CataloguesThePoliciesTutorialsUse) {
  for (const char* name :
       {"AdministratorAccess", "PowerUserAccess", "ReadOnlyAccess", "IAMFullAccess",
        "IAMReadOnlyAccess", "IAMUserChangePassword", "IAMSelfManageServiceSpecificCredentials",
        "AmazonS3FullAccess", "AmazonS3ReadOnlyAccess", "AmazonEC2FullAccess",
        "AmazonEC2ReadOnlyAccess"}) {
    SCOPED_TRACE(name);
    const AwsManagedPolicy* p =
        FindAwsManagedPolicy(std::string("arn:aws:iam::aws:policy/") + name);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(p->name, name);
  }
}

// IAM validates every document it stores; AWS's own documents pass that validation too. (AWS
// managed documents are exempt from the 6,144-character customer quota, but these are all
// within it, so the full validation applies.)
TEST(AwsManagedPoliciesTest, EveryDocumentIsAValidManagedPolicy) {
  for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
    SCOPED_TRACE(std::string(p.name));
    Status s = ValidatePolicyDocument(p.document, DocumentUse::kManaged);
    EXPECT_TRUE(s.ok()) << s.message();
    auto doc = nlohmann::json::parse(p.document);
    EXPECT_EQ(doc["Version"], "2012-10-17");
    ASSERT_TRUE(doc["Statement"].is_array());
    EXPECT_FALSE(doc["Statement"].empty());
  }
}

TEST(AwsManagedPoliciesTest, EntriesAreWellFormedAndOrderedByName) {
  std::set<std::string> ids;
  std::string previous;
  for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
    SCOPED_TRACE(std::string(p.name));
    EXPECT_EQ(p.arn, std::string(kAwsManagedPolicyArnPrefix) + std::string(p.name));
    EXPECT_EQ(p.path, "/");
    EXPECT_EQ(p.policy_id.size(), 21u);
    EXPECT_TRUE(StartsWith(p.policy_id, "ANPA"));
    EXPECT_EQ(p.policy_id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
              std::string_view::npos);
    EXPECT_TRUE(ids.insert(std::string(p.policy_id)).second) << "duplicate id";
    EXPECT_FALSE(p.description.empty());
    EXPECT_EQ(p.default_version_id[0], 'v');
    EXPECT_LE(p.create_date, p.update_date);
    const std::string lower = AsciiLower(p.name);
    EXPECT_LT(previous, lower) << "not ordered by name";
    previous = lower;
  }
}

TEST(AwsManagedPoliciesTest, KnownFacts) {
  const AwsManagedPolicy* admin =
      FindAwsManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess");
  ASSERT_NE(admin, nullptr);
  EXPECT_EQ(admin->policy_id, "ANPAIWMBCKSKIEE64ZLYK");
  EXPECT_EQ(admin->default_version_id, "v1");
  EXPECT_EQ(FormatIso8601(admin->create_date), "2015-02-06T18:39:46Z");
  EXPECT_EQ(nlohmann::json::parse(admin->document)["Statement"][0],
            (nlohmann::json{{"Effect", "Allow"}, {"Action", "*"}, {"Resource", "*"}}));

  const AwsManagedPolicy* power = FindAwsManagedPolicy("arn:aws:iam::aws:policy/PowerUserAccess");
  ASSERT_NE(power, nullptr);
  EXPECT_EQ(nlohmann::json::parse(power->document)["Statement"][0]["NotAction"],
            (nlohmann::json{"iam:*", "organizations:*", "account:*"}));

  const AwsManagedPolicy* s3 = FindAwsManagedPolicy("arn:aws:iam::aws:policy/AmazonS3FullAccess");
  ASSERT_NE(s3, nullptr);
  EXPECT_EQ(FormatIso8601(s3->update_date), "2021-09-27T20:16:37Z");
}

TEST(AwsManagedPoliciesTest, LookupIsExact) {
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/administratoraccess"), nullptr);
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/NoSuchPolicy"), nullptr);
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::123456789012:policy/AdministratorAccess"), nullptr);
  EXPECT_EQ(FindAwsManagedPolicy("arn:aws:iam::aws:policy/AdministratorAccess/"), nullptr);
  EXPECT_EQ(FindAwsManagedPolicy(""), nullptr);
}

TEST(AwsManagedPoliciesTest, RecognisesTheAwsNamespace) {
  EXPECT_TRUE(IsAwsManagedPolicyArn("arn:aws:iam::aws:policy/NoSuchPolicy"));
  EXPECT_TRUE(IsAwsManagedPolicyArn("arn:aws:iam::aws:policy/service-role/AWSConfigRole"));
  EXPECT_FALSE(IsAwsManagedPolicyArn("arn:aws:iam::123456789012:policy/Mine"));
  EXPECT_FALSE(IsAwsManagedPolicyArn("AdministratorAccess"));
}

}  // namespace
}  // namespace sigil::iam
