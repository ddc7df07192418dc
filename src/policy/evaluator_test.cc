#include "policy/evaluator.h"

#include <gtest/gtest.h>

namespace sigil::policy {
namespace {

std::shared_ptr<const Policy> Parse(std::string_view json,
                                    PolicyKind kind = PolicyKind::kIdentity) {
  auto p = ParsePolicy(json, kind);
  EXPECT_TRUE(p.ok()) << p.status().message();
  return p.ok() ? *p : nullptr;
}

EvaluationRequest UserRequest(std::string_view action, std::string_view resource) {
  EvaluationRequest r;
  r.principal.kind = PrincipalKind::kUser;
  r.principal.arn = "arn:aws:iam::111122223333:user/alice";
  r.principal.account_id = "111122223333";
  r.action = action;
  r.resource = resource;
  return r;
}

TEST(EvaluateTest, WithoutContextOrPolicies) {
  EvaluationRequest r = UserRequest("s3:GetObject", "arn:aws:s3:::b/k");
  Decision d = Evaluate(r);
  EXPECT_EQ(d.effect, EvalEffect::kImplicitDeny);
  EXPECT_EQ(d.decided_by, PolicyType::kIdentity);
  EXPECT_TRUE(d.matched.empty());
  EXPECT_FALSE(d.allowed_by_boundary.has_value());
  EXPECT_FALSE(d.allowed());
}

TEST(EvaluateTest, MatchedStatementPointsAtThePolicy) {
  auto policy = Parse(R"({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]})");
  PolicyRef refs[] = {{policy.get(), "arn:aws:iam::111122223333:policy/Read"}};
  EvaluationRequest r = UserRequest("S3:GETOBJECT", "arn:aws:s3:::b/k");
  r.identity_policies = refs;
  Decision d = Evaluate(r);
  ASSERT_TRUE(d.allowed());
  ASSERT_EQ(d.matched.size(), 1u);
  EXPECT_EQ(d.matched[0].type, PolicyType::kIdentity);
  EXPECT_EQ(d.matched[0].label, "arn:aws:iam::111122223333:policy/Read");
  EXPECT_EQ(d.matched[0].statement, &policy->statement_info(0));
  EXPECT_EQ(d.matched[0].statement->start.line, 2);
  EXPECT_EQ(AccessDeniedMessage(d, "arn", "s3:GetObject", "r"), "");
}

TEST(EvaluateTest, LongActionNames) {
  const std::string action = "svc:" + std::string(300, 'A');
  auto policy = Parse(R"({"Version": "2012-10-17", "Statement": [
    {"Sid": "All", "Effect": "Allow", "Action": "svc:a*", "Resource": "*"}]})");
  PolicyRef refs[] = {{policy.get(), "p"}};
  EvaluationRequest r = UserRequest(action, "*");
  r.identity_policies = refs;
  EXPECT_TRUE(Evaluate(r).allowed());
}

TEST(EvaluateTest, MissingKeysOnceCaseInsensitively) {
  auto policy = Parse(R"({"Version": "2012-10-17", "Statement": [
    {"Sid": "A", "Effect": "Allow", "Action": "*", "Resource": "*",
     "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "x"}}},
    {"Sid": "B", "Effect": "Allow", "Action": "*", "Resource": "*",
     "Condition": {"StringLike": {"AWS:PRINCIPALTAG/TEAM": "y*"}, "Bool": {"aws:SecureTransport": "true"}}}]})");
  PolicyRef refs[] = {{policy.get(), "p"}};
  EvaluationRequest r = UserRequest("s3:GetObject", "*");
  r.identity_policies = refs;
  Decision d = Evaluate(r);
  EXPECT_EQ(d.effect, EvalEffect::kImplicitDeny);
  EXPECT_EQ(d.missing_context_keys,
            (std::vector<std::string_view>{"aws:PrincipalTag/Team", "aws:SecureTransport"}));
}

TEST(AccessDeniedMessageTest, EveryForm) {
  const std::string_view who = "arn:aws:iam::111122223333:user/alice";
  auto message = [&](EvalEffect effect, PolicyType type) {
    Decision d;
    d.effect = effect;
    d.decided_by = type;
    return AccessDeniedMessage(d, who, "s3:GetObject", "arn:aws:s3:::b/k");
  };
  const std::string base =
      "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: s3:GetObject on "
      "resource: arn:aws:s3:::b/k ";
  EXPECT_EQ(message(EvalEffect::kImplicitDeny, PolicyType::kIdentity),
            base + "because no identity-based policy allows the s3:GetObject action");
  EXPECT_EQ(message(EvalEffect::kExplicitDeny, PolicyType::kIdentity),
            base + "with an explicit deny in an identity-based policy");
  EXPECT_EQ(message(EvalEffect::kImplicitDeny, PolicyType::kResource),
            base + "because no resource-based policy allows the s3:GetObject action");
  EXPECT_EQ(message(EvalEffect::kExplicitDeny, PolicyType::kResource),
            base + "with an explicit deny in a resource-based policy");
  EXPECT_EQ(message(EvalEffect::kImplicitDeny, PolicyType::kBoundary),
            base + "because no permissions boundary allows the s3:GetObject action");
  EXPECT_EQ(message(EvalEffect::kExplicitDeny, PolicyType::kBoundary),
            base + "with an explicit deny in a permissions boundary");
  EXPECT_EQ(message(EvalEffect::kImplicitDeny, PolicyType::kSession),
            base + "because no session policy allows the s3:GetObject action");
  EXPECT_EQ(message(EvalEffect::kExplicitDeny, PolicyType::kSession),
            base + "with an explicit deny in a session policy");

  Decision d;
  EXPECT_EQ(AccessDeniedMessage(d, who, "iam:ListUsers", ""),
            "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
            "iam:ListUsers because no identity-based policy allows the iam:ListUsers action");
}

TEST(NamesTest, SimulatorSpellings) {
  EXPECT_EQ(EvalEffectName(EvalEffect::kAllowed), "allowed");
  EXPECT_EQ(EvalEffectName(EvalEffect::kExplicitDeny), "explicitDeny");
  EXPECT_EQ(EvalEffectName(EvalEffect::kImplicitDeny), "implicitDeny");
  EXPECT_EQ(PolicyTypeName(PolicyType::kBoundary), "boundary");
  EXPECT_EQ(PolicyKindName(PolicyKind::kTrust), "trust");
}

}  // namespace
}  // namespace sigil::policy
