#include "iam/service_last_accessed.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "audit/record.h"

namespace sigil::iam {
namespace {

using protocol::Value;
using ::testing::ElementsAre;

constexpr char kAccount[] = "111122223333";
const TimePoint kNow = FromUnixSeconds(1700000000);

std::shared_ptr<const policy::Policy> Parse(const std::string& statements) {
  return *policy::ParsePolicy(R"({"Version":"2012-10-17","Statement":)" + statements + "}",
                              policy::PolicyKind::kIdentity);
}

TEST(PolicyAllows, ActionsAndServicesByActionOnly) {
  auto p = Parse(R"([{"Effect":"Allow","Action":["iam:Get*","sts:GetCallerIdentity"],
                      "Resource":"arn:aws:iam::111122223333:user/alice",
                      "Condition":{"Bool":{"aws:SecureTransport":"true"}}},
                     {"Effect":"Deny","Action":"s3:*","Resource":"*"}])");
  EXPECT_TRUE(PolicyAllowsAction(*p, "iam:GetUser"));
  EXPECT_TRUE(PolicyAllowsAction(*p, "IAM:getuser"));  // case-insensitive
  EXPECT_FALSE(PolicyAllowsAction(*p, "iam:CreateUser"));
  EXPECT_TRUE(PolicyAllowsAction(*p, "sts:GetCallerIdentity"));
  EXPECT_FALSE(PolicyAllowsAction(*p, "s3:GetObject"));  // only denied
  EXPECT_TRUE(PolicyAllowsService(*p, "iam"));
  EXPECT_TRUE(PolicyAllowsService(*p, "sts"));
  EXPECT_FALSE(PolicyAllowsService(*p, "s3"));
  EXPECT_FALSE(PolicyAllowsService(*p, "ec2"));

  auto everything = Parse(R"({"Effect":"Allow","Action":"*","Resource":"*"})");
  EXPECT_TRUE(PolicyAllowsService(*everything, "cloudtrail"));
  EXPECT_TRUE(PolicyAllowsAction(*everything, "ec2:RunInstances"));

  auto wildcard_vendor = Parse(R"({"Effect":"Allow","Action":"s*:Get*","Resource":"*"})");
  EXPECT_TRUE(PolicyAllowsService(*wildcard_vendor, "sts"));
  EXPECT_TRUE(PolicyAllowsService(*wildcard_vendor, "s3"));
  EXPECT_FALSE(PolicyAllowsService(*wildcard_vendor, "iam"));
  EXPECT_TRUE(PolicyAllowsAction(*wildcard_vendor, "sts:GetSessionToken"));
  EXPECT_FALSE(PolicyAllowsAction(*wildcard_vendor, "sts:AssumeRole"));

  auto not_action = Parse(R"({"Effect":"Allow","NotAction":["iam:*","s3:Put*"],"Resource":"*"})");
  EXPECT_FALSE(PolicyAllowsService(*not_action, "iam"));
  EXPECT_TRUE(PolicyAllowsService(*not_action, "s3"));  // s3:Get* is still allowed
  EXPECT_TRUE(PolicyAllowsService(*not_action, "sts"));
  EXPECT_FALSE(PolicyAllowsAction(*not_action, "iam:ListUsers"));
  EXPECT_FALSE(PolicyAllowsAction(*not_action, "s3:PutObject"));
  EXPECT_TRUE(PolicyAllowsAction(*not_action, "s3:GetObject"));
}

Principal User(const std::string& name) {
  Principal p;
  p.type = PrincipalType::kUser;
  p.account_id = kAccount;
  p.user_name = name;
  p.user_id = "AIDA" + name;
  p.principal_id = p.user_id;
  p.arn = UserArn(kAccount, "/", name);
  p.access_key_id = "AKIA" + name;
  return p;
}

Principal RoleSession(const std::string& role, const std::string& session) {
  Principal p;
  p.type = PrincipalType::kAssumedRole;
  p.account_id = kAccount;
  p.role_id = "AROA" + role;
  p.role_name = role;
  p.principal_id = p.role_id + ":" + session;
  p.arn = AssumedRoleArn(kAccount, role, session);
  p.access_key_id = "ASIA" + session;
  p.session = auth::SessionClaims{};
  p.session->kind = auth::SessionPrincipalKind::kAssumedRole;
  return p;
}

audit::Record RecordOf(const Principal* who, std::string_view service, std::string_view action,
                       TimePoint at, std::string_view region = "us-east-1",
                       std::string_view error = "") {
  audit::RecordInput in;
  in.event_time = at;
  in.service = service;
  in.action = action;
  in.region = region;
  in.event_id = "e";
  in.principal = who;
  in.error_code = error;
  return audit::BuildRecord(in);
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    policy_ = Parse(R"([{"Effect":"Allow","Action":["iam:*","sts:GetCallerIdentity"],
                         "Resource":"*"}])");
    subject_.account_id = kAccount;
    subject_.user_ids = {"AIDAalice", "AIDAbob"};
    subject_.role_ids = {"AROAdeployer"};
    subject_.policies = {policy_.get()};
  }
  std::shared_ptr<const policy::Policy> policy_;
  ReportSubject subject_;
};

TEST_F(ReportTest, TallyCountsTheSubjectsEntitiesOnly) {
  const Principal alice = User("alice"), bob = User("bob"), carol = User("carol");
  const Principal deployer = RoleSession("deployer", "ci-1");
  AccessTally tally(subject_);
  tally.Add(RecordOf(&alice, "iam", "ListUsers", kNow - std::chrono::hours(2)));
  tally.Add(RecordOf(&bob, "iam", "CreateUser", kNow - std::chrono::hours(1), "eu-west-1"));
  // A denied attempt counts: AWS reports attempts.
  tally.Add(RecordOf(&alice, "iam", "CreateUser", kNow - std::chrono::hours(3), "us-east-1",
                     "AccessDenied"));
  tally.Add(RecordOf(&deployer, "sts", "GetCallerIdentity", kNow - std::chrono::minutes(5)));
  tally.Add(RecordOf(&carol, "iam", "DeleteUser", kNow));   // not the subject
  tally.Add(RecordOf(nullptr, "iam", "DeleteUser", kNow));  // failed authentication
  Principal stranger = User("alice");
  stranger.account_id = "444455556666";
  tally.Add(RecordOf(&stranger, "iam", "DeleteUser", kNow));  // another account's alice

  ASSERT_EQ(tally.services().size(), 2u);
  const auto& iam = tally.services().at("iam");
  EXPECT_EQ(iam.last.time, kNow - std::chrono::hours(1));
  EXPECT_EQ(iam.last.entity_arn, UserArn(kAccount, "/", "bob"));
  EXPECT_EQ(iam.last.region, "eu-west-1");
  EXPECT_THAT(iam.entities,
              ElementsAre(UserArn(kAccount, "/", "alice"), UserArn(kAccount, "/", "bob")));
  EXPECT_EQ(iam.actions.at("CreateUser").time, kNow - std::chrono::hours(1));
  EXPECT_EQ(iam.actions.at("ListUsers").entity_arn, UserArn(kAccount, "/", "alice"));
  EXPECT_FALSE(iam.actions.contains("DeleteUser"));
  const auto& sts = tally.services().at("sts");
  // The role, not the session, is the entity.
  EXPECT_EQ(sts.last.entity_arn, RoleArn(kAccount, "/", "deployer"));
}

TEST_F(ReportTest, ServiceLevelListsAllowedServicesWithTheirLastAccess) {
  const Principal alice = User("alice");
  AccessTally tally(subject_);
  tally.Add(RecordOf(&alice, "iam", "ListUsers", kNow));
  // A service the policies do not allow is not listed, even if it was tried.
  tally.Add(RecordOf(&alice, "cloudtrail", "LookupEvents", kNow, "us-east-1", "AccessDenied"));

  std::vector<Value> services = ServicesLastAccessed(subject_, tally, /*action_level=*/false);
  ASSERT_EQ(services.size(), 2u);
  EXPECT_EQ(services[0], (Value{{"ServiceName", "AWS Identity and Access Management"},
                                {"ServiceNamespace", "iam"},
                                {"LastAuthenticated", 1700000000000},
                                {"LastAuthenticatedEntity", UserArn(kAccount, "/", "alice")},
                                {"LastAuthenticatedRegion", "us-east-1"},
                                {"TotalAuthenticatedEntities", 1}}));
  EXPECT_EQ(services[1], (Value{{"ServiceName", "AWS Security Token Service"},
                                {"ServiceNamespace", "sts"},
                                {"TotalAuthenticatedEntities", 0}}));
}

TEST_F(ReportTest, ActionLevelListsAllowedAndUsedActions) {
  const Principal alice = User("alice");
  AccessTally tally(subject_);
  tally.Add(RecordOf(&alice, "sts", "GetCallerIdentity", kNow));
  std::vector<Value> services = ServicesLastAccessed(subject_, tally, /*action_level=*/true);
  ASSERT_EQ(services.size(), 2u);
  // iam:* allows every IAM operation of the model.
  const Value& iam_actions = services[0]["TrackedActionsLastAccessed"];
  EXPECT_GT(iam_actions.size(), 100u);
  EXPECT_EQ(iam_actions[0], (Value{{"ActionName", "AddClientIDToOpenIDConnectProvider"}}));
  const Value& sts_actions = services[1]["TrackedActionsLastAccessed"];
  ASSERT_EQ(sts_actions.size(), 1u);
  EXPECT_EQ(sts_actions[0], (Value{{"ActionName", "GetCallerIdentity"},
                                   {"LastAccessedTime", 1700000000000},
                                   {"LastAccessedEntity", UserArn(kAccount, "/", "alice")},
                                   {"LastAccessedRegion", "us-east-1"}}));
}

TEST(LastAccessedJobs, IdsAreUuidsScopedToTheirAccountAndExpire) {
  LastAccessedJobs jobs;
  LastAccessedJob job;
  job.account_id = kAccount;
  job.created = kNow;
  const std::string id = jobs.Add(job, kNow);
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_NE(jobs.Add(job, kNow), id);
  ASSERT_TRUE(jobs.Find(id, kAccount, kNow).has_value());
  EXPECT_EQ(jobs.Find(id, kAccount, kNow)->created, kNow);
  EXPECT_FALSE(jobs.Find(id, "444455556666", kNow).has_value());
  EXPECT_FALSE(jobs.Find("00000000-0000-4000-8000-000000000000", kAccount, kNow).has_value());
  EXPECT_TRUE(jobs.Find(id, kAccount, kNow + kJobLifetime).has_value());
  EXPECT_FALSE(jobs.Find(id, kAccount, kNow + kJobLifetime + std::chrono::seconds(1)));
}

TEST(LastAccessedJobs, TheOldestGoBeyondTheCap) {
  LastAccessedJobs jobs;
  LastAccessedJob job;
  job.account_id = kAccount;
  job.created = kNow;
  const std::string first = jobs.Add(job, kNow);
  const std::string second = jobs.Add(job, kNow);
  for (size_t i = 2; i < kMaxJobs; ++i) jobs.Add(job, kNow);
  EXPECT_TRUE(jobs.Find(first, kAccount, kNow).has_value());
  jobs.Add(job, kNow);
  EXPECT_FALSE(jobs.Find(first, kAccount, kNow).has_value());
  EXPECT_TRUE(jobs.Find(second, kAccount, kNow).has_value());
}

}  // namespace
}  // namespace sigil::iam
