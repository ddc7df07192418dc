#include "policy/authorizer.h"

#include <gtest/gtest.h>

namespace sigil::policy {
namespace {

Principal User() {
  Principal p;
  p.type = PrincipalType::kUser;
  p.account_id = "123456789012";
  p.arn = "arn:aws:iam::123456789012:user/automation_user";
  return p;
}

TEST(Authorizer, RootMayDoAnythingInItsAccount) {
  Principal root;
  root.type = PrincipalType::kRoot;
  root.arn = "arn:aws:iam::123456789012:root";
  EXPECT_TRUE(Authorize(root, "iam:CreateUser", "arn:aws:iam::123456789012:user/x").ok());
}

TEST(Authorizer, UserMayOnlyAskWhoItIs) {
  EXPECT_TRUE(Authorize(User(), "sts:GetCallerIdentity", "*").ok());
  Status s = Authorize(User(), "iam:ListUsers", "arn:aws:iam::123456789012:user/");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.aws_code(), "AccessDenied");
  EXPECT_EQ(s.http_status(), 403);
  EXPECT_EQ(s.message(),
            "User: arn:aws:iam::123456789012:user/automation_user is not authorized to perform: "
            "iam:ListUsers on resource: arn:aws:iam::123456789012:user/ because no identity-based "
            "policy allows the iam:ListUsers action");
}

}  // namespace
}  // namespace sigil::policy
