#include "policy/document.h"

#include <gtest/gtest.h>

namespace sigil::policy {
namespace {

void ExpectMalformed(std::string_view json, PolicyKind kind, std::string_view message) {
  StatusOr<std::shared_ptr<const Policy>> p = ParsePolicy(json, kind);
  ASSERT_FALSE(p.ok()) << json;
  EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(p.status().aws_code(), "MalformedPolicyDocument");
  EXPECT_EQ(p.status().message(), message);
}

TEST(ParsePolicyTest, StatementInfoWithPositions) {
  constexpr std::string_view kText = R"({
  "Version": "2012-10-17",
  "Id": "example",
  "Statement": [
    {
      "Sid": "First",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "*"
    },
    {"Effect": "Deny", "Action": "s3:*", "Resource": "*"}
  ]
})";
  auto p = ParsePolicy(kText, PolicyKind::kIdentity);
  ASSERT_TRUE(p.ok()) << p.status().message();
  const Policy& policy = **p;
  EXPECT_EQ(policy.kind(), PolicyKind::kIdentity);
  EXPECT_EQ(policy.version(), "2012-10-17");
  EXPECT_EQ(policy.id(), "example");
  ASSERT_EQ(policy.statement_count(), 2u);
  const StatementInfo& first = policy.statement_info(0);
  EXPECT_EQ(first.sid, "First");
  EXPECT_EQ(first.index, 0u);
  EXPECT_TRUE(first.allow);
  EXPECT_EQ(first.start.line, 5);
  EXPECT_EQ(first.start.column, 5);
  EXPECT_EQ(first.end.line, 10);
  EXPECT_EQ(first.end.column, 5);
  const StatementInfo& second = policy.statement_info(1);
  EXPECT_EQ(second.sid, "");
  EXPECT_EQ(second.index, 1u);
  EXPECT_FALSE(second.allow);
  EXPECT_EQ(second.start.line, 11);
  EXPECT_EQ(second.start.column, 5);
  EXPECT_EQ(second.end.line, 11);
  EXPECT_EQ(second.end.column, 57);
}

TEST(ParsePolicyTest, LoneStatementObjectAndDefaultVersion) {
  auto p = ParsePolicy(R"({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})",
                       PolicyKind::kIdentity);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->version(), "2008-10-17");
  ASSERT_EQ((*p)->statement_count(), 1u);
  EXPECT_EQ((*p)->statement_info(0).start.line, 1);
  EXPECT_EQ((*p)->statement_info(0).start.column, 15);
}

TEST(ParsePolicyTest, ColumnsCountCharacters) {
  auto p = ParsePolicy(
      "{\"Id\": \"\xC3\xA9\xC3\xA9\", \"Statement\": {\"Effect\": \"Allow\", "
      "\"Action\": \"*\", \"Resource\": \"*\"}}",
      PolicyKind::kIdentity);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ((*p)->statement_info(0).start.column, 27);  // each é counts once
}

TEST(ParsePolicyTest, Errors) {
  ExpectMalformed("{", PolicyKind::kIdentity,
                  "Syntax errors in policy. Invalid JSON at line 1, column 2.");
  ExpectMalformed(R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": "*",
 "Action": "s3:*", "Resource": "*"}})",
                  PolicyKind::kIdentity,
                  "Policy document should not specify a principal. (Statement 1, line 1, column "
                  "40)");
  ExpectMalformed(R"({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}})",
                  PolicyKind::kResource,
                  "Missing required field Principal (Statement 1, line 1, column 15)");
  ExpectMalformed(R"({"Statement": [{"Effect": "Allow", "Effect": "Deny"}]})",
                  PolicyKind::kIdentity,
                  "Syntax errors in policy. Duplicate key \"Effect\" at line 1, column 36.");
  ExpectMalformed(R"({"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "b"}})",
                  PolicyKind::kIdentity,
                  "Resource b must be in ARN format or \"*\". (Statement 1, line 1, column 15)");
  ExpectMalformed(R"({"Statement": {"Effect": "Allow", "Action": "get", "Resource": "*"}})",
                  PolicyKind::kIdentity,
                  "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. "
                  "(Action \"get\" in Statement 1, line 1, column 15)");
  ExpectMalformed(R"({"Version": 2012, "Statement": []})", PolicyKind::kIdentity,
                  "Syntax errors in policy. Version must be a string.");
}

TEST(ParsePolicyTest, LenientTypedConditionValues) {
  // IAM stores such policies; their values simply never match.
  auto p = ParsePolicy(R"({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*",
    "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": "not-an-ip"},
    "NumericEquals": {"s3:max-keys": "ten"}, "DateLessThan": {"aws:CurrentTime": "soon"},
    "BinaryEquals": {"k:b": "%%%"}}}})",
                       PolicyKind::kIdentity);
  EXPECT_TRUE(p.ok()) << p.status().message();
}

TEST(ParsePolicyTest, OperatorSpellings) {
  for (const char* op : {"ForAllValues:StringLikeIfExists", "ForAnyValue:NumericLessThan",
                         "stringequals", "ArnNotLikeIfExists", "Null", "BinaryEqualsIfExists"}) {
    std::string json = std::string(R"({"Statement": {"Effect": "Allow", "Action": "*",
      "Resource": "*", "Condition": {")") +
                       op + R"(": {"aws:x": "1"}}}})";
    EXPECT_TRUE(ParsePolicy(json, PolicyKind::kIdentity).ok()) << op;
  }
  for (const char* op : {"ForAllValues:Null", "NullIfExists", "StringEqualsIfExistsIfExists",
                         "ForSomeValues:StringEquals", "IfExists"}) {
    std::string json = std::string(R"({"Statement": {"Effect": "Allow", "Action": "*",
      "Resource": "*", "Condition": {")") +
                       op + R"(": {"aws:x": "1"}}}})";
    EXPECT_FALSE(ParsePolicy(json, PolicyKind::kIdentity).ok()) << op;
  }
}

TEST(PolicySizeTest, WhitespaceOutsideStringsIsFree) {
  EXPECT_EQ(PolicySizeWithoutWhitespace("{ \"a b\" : 1 }"), 9u);  // {"a b":1}
  EXPECT_EQ(PolicySizeWithoutWhitespace("{\n\t\"a\":\r\n 1}"), 7u);
  EXPECT_EQ(PolicySizeWithoutWhitespace("\"\\\" x\""), 6u);  // escaped quote keeps the string open
  EXPECT_EQ(PolicySizeWithoutWhitespace("\"\xC3\xA9\""), 3u);  // characters, not bytes
  EXPECT_EQ(PolicySizeWithoutWhitespace(""), 0u);
}

TEST(ContextKeysUsedTest, ConditionKeysAndVariablesOnceInOrder) {
  auto p = ParsePolicy(R"({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
     "Condition": {"StringLike": {"s3:prefix": "${aws:PrincipalTag/team}/*"},
                   "Bool": {"aws:SecureTransport": "true"}}},
    {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::x${*}",
     "Condition": {"Null": {"AWS:USERNAME": "true", "aws:TokenIssueTime": "true"}}}]})",
                       PolicyKind::kIdentity);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(ContextKeysUsed(**p),
            (std::vector<std::string>{"aws:username", "s3:prefix", "aws:PrincipalTag/team",
                                      "aws:SecureTransport", "aws:TokenIssueTime"}));
}

TEST(ContextKeysUsedTest, NoVariablesInLegacyPolicies) {
  auto p = ParsePolicy(R"({"Version": "2008-10-17", "Statement":
    {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}"}})",
                       PolicyKind::kIdentity);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_TRUE(ContextKeysUsed(**p).empty());
}

}  // namespace
}  // namespace sigil::policy
