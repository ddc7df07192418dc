#include "iam/iam_common.h"

#include <gtest/gtest.h>

#include "identity/snapshot.h"

namespace sigil::iam {
namespace {

TEST(ParsePolicyArnTest, SplitsAccountPathAndName) {
  auto aws = ParsePolicyArn("arn:aws:iam::aws:policy/AdministratorAccess");
  ASSERT_TRUE(aws.has_value());
  EXPECT_EQ(aws->account, "aws");
  EXPECT_EQ(aws->path, "/");
  EXPECT_EQ(aws->name, "AdministratorAccess");

  auto customer = ParsePolicyArn("arn:aws:iam::123456789012:policy/team/ops/Deploy");
  ASSERT_TRUE(customer.has_value());
  EXPECT_EQ(customer->account, "123456789012");
  EXPECT_EQ(customer->path, "/team/ops/");
  EXPECT_EQ(customer->name, "Deploy");
}

TEST(ParsePolicyArnTest, RejectsWhatIsNotAPolicyArn) {
  for (const char* arn :
       {"arn:aws:iam::aws:role/Admin", "arn:aws:iam::12345:policy/x",
        "arn:aws:iam::123456789012:policy/", "arn:aws:iam::123456789012:policy/a//b",
        "arn:aws-cn:iam::aws:policy/AdministratorAccess", "AdministratorAccess",
        "arn:aws:s3:::bucket/policy/x"}) {
    EXPECT_FALSE(ParsePolicyArn(arn).has_value()) << arn;
  }
}

class CheckAttachablePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    IdentityData data;
    data.accounts.push_back({"123456789012", "test", TimePoint()});
    ManagedPolicy p;
    p.account_id = "123456789012";
    p.policy_id = "ANPAAAAAAAAAAAAAAAAAA";
    p.name = "Deploy";
    p.path = "/team/";
    p.default_version_id = "v1";
    data.managed_policies.push_back(p);
    data.policy_versions.push_back(
        {p.policy_id, "v1",
         R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})",
         TimePoint()});
    auto box = SecretBox::Create(std::string(32, 'k'));
    ASSERT_TRUE(box.ok());
    auto snapshot = IdentitySnapshot::Build(std::move(data), *box, {}, cache_);
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    snapshot_ = std::move(snapshot).value();
    principal_.type = PrincipalType::kRoot;
    principal_.account_id = "123456789012";
  }

  Status Check(std::string_view arn) {
    CallContext ctx{principal_, *snapshot_, TimePoint(), "req", "us-east-1"};
    return CheckAttachablePolicy(ctx, arn);
  }

  PolicyCompileCache cache_;
  std::shared_ptr<const IdentitySnapshot> snapshot_;
  Principal principal_;
};

TEST_F(CheckAttachablePolicyTest, AcceptsExistingCustomerAndAwsManagedPolicies) {
  EXPECT_TRUE(Check("arn:aws:iam::123456789012:policy/team/Deploy").ok());
  EXPECT_TRUE(Check("arn:aws:iam::aws:policy/AdministratorAccess").ok());
}

TEST_F(CheckAttachablePolicyTest, MissingPoliciesAreNotAttachable) {
  // Wrong path, wrong case (ARNs are case-sensitive), another account, unknown AWS policy, and
  // an ARN of something else.
  for (const char* arn :
       {"arn:aws:iam::123456789012:policy/Deploy", "arn:aws:iam::123456789012:policy/team/deploy",
        "arn:aws:iam::210987654321:policy/team/Deploy", "arn:aws:iam::aws:policy/NoSuchPolicy",
        "arn:aws:s3:::bucket"}) {
    Status s = Check(arn);
    EXPECT_EQ(s.code(), StatusCode::kNotFound) << arn;
    EXPECT_EQ(s.aws_code(), "NoSuchEntity") << arn;
    EXPECT_EQ(s.message(), "Policy " + std::string(arn) + " does not exist or is not attachable.");
  }
}

TEST_F(CheckAttachablePolicyTest, SomethingThatIsNoArnIsInvalidInput) {
  Status s = Check("AdministratorAccessPolicy");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.aws_code(), "InvalidInput");
  EXPECT_EQ(s.message(), "ARN AdministratorAccessPolicy is not valid.");
}

TEST(UserToValueTest, BoundaryAndTagsOnlyWhenDetailed) {
  User u;
  u.user_id = "AIDAAAAAAAAAAAAAAAAAA";
  u.name = "alice";
  u.path = "/ops/";
  u.tags = {{"team", "blue"}};
  u.permissions_boundary_arn = "arn:aws:iam::aws:policy/PowerUserAccess";
  Value detailed = UserToValue("123456789012", u, true);
  EXPECT_EQ(detailed["Arn"], "arn:aws:iam::123456789012:user/ops/alice");
  EXPECT_EQ(detailed["PermissionsBoundary"],
            (Value{{"PermissionsBoundaryType", "Policy"},
                   {"PermissionsBoundaryArn", "arn:aws:iam::aws:policy/PowerUserAccess"}}));
  EXPECT_EQ(detailed["Tags"], (Value::array({{{"Key", "team"}, {"Value", "blue"}}})));
  Value listed = UserToValue("123456789012", u, false);
  EXPECT_FALSE(listed.contains("PermissionsBoundary"));
  EXPECT_FALSE(listed.contains("Tags"));
}

}  // namespace
}  // namespace sigil::iam
