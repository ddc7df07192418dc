#include "store/ec2_store_contract.h"

#include <gmock/gmock.h>

#include <chrono>
#include <thread>
#include <vector>

namespace sigil {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'700'000'000'000));
const Ec2Scope kEast{"111111111111", "us-east-1"};
const Ec2Scope kWest{"111111111111", "us-west-2"};
const Ec2Scope kOther{"222222222222", "us-east-1"};

Ec2VpcRecord Vpc(const std::string& id) { return Ec2VpcRecord{id, "172.31.0.0/16", true, kT0}; }

Ec2RuleRecord Rule(const std::string& id, bool egress, const std::string& cidr, int64_t port = 22) {
  return Ec2RuleRecord{id, egress, "tcp", port, port, cidr, "", "", "ssh"};
}

Ec2SecurityGroupRecord SecurityGroup(const std::string& id, const std::string& name,
                                     const std::string& vpc = "vpc-1") {
  return Ec2SecurityGroupRecord{id, name, name + " group", vpc, kT0, {}};
}

Ec2InstanceRecord Instance(const std::string& id) {
  Ec2InstanceRecord i;
  i.instance_id = id;
  i.reservation_id = "r-1";
  i.image_id = "ami-1";
  i.instance_type = "t3.micro";
  i.key_name = "k";
  i.availability_zone = "us-east-1a";
  i.subnet_id = "subnet-1";
  i.vpc_id = "vpc-1";
  i.private_ip = "172.31.0.10";
  i.user_data = "IyEvYmluL3No";
  i.client_token = "token";
  i.security_group_ids = {"sg-b", "sg-a"};
  i.state = "pending";
  i.state_changed = kT0;
  i.launched = kT0;
  return i;
}

}  // namespace

void Ec2StoreContract::SetUp() {
  auto store = GetParam().create(scratch_.path());
  ASSERT_THAT(store, IsOk());
  store_ = std::move(store).value();
}

TEST_P(Ec2StoreContract, DefaultVpcIsCreatedOncePerScopeWithItsGroup) {
  Ec2SecurityGroupRecord group = SecurityGroup("sg-default", "default");
  group.rules = {Rule("sgr-1", true, "0.0.0.0/0", -1)};
  auto first = store_->EnsureDefaultVpc(kEast, Vpc("vpc-1"), group);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->vpc_id, "vpc-1");
  // A second call (another node's proposal) gets the stored VPC, and stores nothing.
  auto second = store_->EnsureDefaultVpc(kEast, Vpc("vpc-2"), SecurityGroup("sg-other", "default"));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->vpc_id, "vpc-1");
  EXPECT_TRUE(second->is_default);
  EXPECT_EQ(second->created, kT0);
  auto groups = store_->ListSecurityGroups(kEast);
  ASSERT_THAT(groups, IsOk());
  ASSERT_THAT(*groups, SizeIs(1));
  EXPECT_EQ((*groups)[0].group_id, "sg-default");
  ASSERT_THAT((*groups)[0].rules, SizeIs(1));
  EXPECT_TRUE((*groups)[0].rules[0].egress);
  EXPECT_EQ((*groups)[0].rules[0].from_port, -1);
  // Other regions and accounts have their own.
  auto west =
      store_->EnsureDefaultVpc(kWest, Vpc("vpc-3"), SecurityGroup("sg-w", "default", "vpc-3"));
  ASSERT_THAT(west, IsOk());
  EXPECT_EQ(west->vpc_id, "vpc-3");
  auto vpcs = store_->ListVpcs(kOther);
  ASSERT_THAT(vpcs, IsOk());
  EXPECT_THAT(*vpcs, IsEmpty());
}

// Callers that race to create a scope's default VPC (nodes, or threads on pooled connections)
// all get the one that was stored, and only its group is stored with it.
TEST_P(Ec2StoreContract, RacingDefaultVpcProposalsAllGetTheStoredOne) {
  constexpr int kCallers = 4;
  std::vector<StatusOr<Ec2VpcRecord>> results(kCallers, InternalError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kCallers; ++t) {
    threads.emplace_back([&, t] {
      const std::string vpc = "vpc-" + std::to_string(t);
      results[t] = store_->EnsureDefaultVpc(
          kEast, Vpc(vpc), SecurityGroup("sg-" + std::to_string(t), "default", vpc));
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_THAT(results[0], IsOk());
  for (int t = 1; t < kCallers; ++t) {
    ASSERT_THAT(results[t], IsOk()) << "caller " << t;
    EXPECT_EQ(results[t]->vpc_id, results[0]->vpc_id) << "caller " << t;
  }
  auto vpcs = store_->ListVpcs(kEast);
  ASSERT_THAT(vpcs, IsOk());
  ASSERT_THAT(*vpcs, SizeIs(1));
  EXPECT_EQ((*vpcs)[0].vpc_id, results[0]->vpc_id);
  auto groups = store_->ListSecurityGroups(kEast);
  ASSERT_THAT(groups, IsOk());
  ASSERT_THAT(*groups, SizeIs(1));
  EXPECT_EQ((*groups)[0].vpc_id, results[0]->vpc_id);
}

TEST_P(Ec2StoreContract, KeyPairsAreUniqueByNamePerScopeAndDeleteWithTheirTags) {
  Ec2KeyPairRecord k{"key-1", "deploy", "ed25519", "fp", "ssh-ed25519 AAAA", kT0};
  ASSERT_THAT(store_->CreateKeyPair(kEast, k, {{"key-1", "team", "blue"}}), IsOk());
  Ec2KeyPairRecord again = k;
  again.key_pair_id = "key-2";
  EXPECT_THAT(store_->CreateKeyPair(kEast, again, {}), StatusIs(StatusCode::kAlreadyExists, ""));
  // The same name in another region is another key pair.
  ASSERT_THAT(store_->CreateKeyPair(kWest, again, {}), IsOk());

  auto listed = store_->ListKeyPairs(kEast);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].key_pair_id, "key-1");
  EXPECT_EQ((*listed)[0].key_type, "ed25519");
  EXPECT_EQ((*listed)[0].public_key, "ssh-ed25519 AAAA");
  EXPECT_EQ((*listed)[0].created, kT0);
  auto tags = store_->ListTags(kEast);
  ASSERT_THAT(tags, IsOk());
  ASSERT_THAT(*tags, SizeIs(1));
  EXPECT_EQ((*tags)[0].value, "blue");

  ASSERT_THAT(store_->DeleteKeyPair(kEast, "key-1"), IsOk());
  EXPECT_THAT(store_->DeleteKeyPair(kEast, "key-1"), StatusIs(StatusCode::kNotFound, "key-1"));
  EXPECT_THAT(*store_->ListKeyPairs(kEast), IsEmpty());
  EXPECT_THAT(*store_->ListTags(kEast), IsEmpty());
  EXPECT_THAT(*store_->ListKeyPairs(kWest), SizeIs(1));
}

TEST_P(Ec2StoreContract, SecurityGroupRulesAreAddedAllOrNoneAndRefuseDuplicates) {
  ASSERT_THAT(store_->CreateSecurityGroup(kEast, SecurityGroup("sg-a", "web"), {}), IsOk());
  EXPECT_THAT(store_->CreateSecurityGroup(kEast, SecurityGroup("sg-b", "web"), {}),
              StatusIs(StatusCode::kAlreadyExists, ""));
  // Same name in another VPC is fine.
  ASSERT_THAT(store_->CreateSecurityGroup(kEast, SecurityGroup("sg-c", "web", "vpc-9"), {}),
              IsOk());

  ASSERT_THAT(store_->AddSecurityGroupRules(
                  kEast, "sg-a", {Rule("sgr-1", false, "10.0.0.0/8"), Rule("sgr-2", true, "")}),
              IsOk());
  // A duplicate in the batch refuses the whole batch.
  EXPECT_THAT(
      store_->AddSecurityGroupRules(
          kEast, "sg-a", {Rule("sgr-3", false, "10.1.0.0/16"), Rule("sgr-4", false, "10.0.0.0/8")}),
      StatusIs(StatusCode::kAlreadyExists, ""));
  EXPECT_THAT(store_->AddSecurityGroupRules(kEast, "sg-zz", {Rule("sgr-5", false, "1.2.3.4/32")}),
              StatusIs(StatusCode::kNotFound, "sg-zz"));
  // Another account cannot reach the group.
  EXPECT_THAT(store_->AddSecurityGroupRules(kOther, "sg-a", {Rule("sgr-6", false, "1.2.3.4/32")}),
              StatusIs(StatusCode::kNotFound, "sg-a"));

  auto groups = store_->ListSecurityGroups(kEast);
  ASSERT_THAT(groups, IsOk());
  ASSERT_THAT(*groups, SizeIs(2));
  const Ec2SecurityGroupRecord& a = (*groups)[0];
  EXPECT_EQ(a.group_id, "sg-a");
  ASSERT_THAT(a.rules, SizeIs(2));
  EXPECT_EQ(a.rules[0].rule_id, "sgr-1");
  EXPECT_EQ(a.rules[0].cidr_ipv4, "10.0.0.0/8");
  EXPECT_EQ(a.rules[0].from_port, 22);
  EXPECT_EQ(a.rules[0].description, "ssh");
  EXPECT_TRUE(a.rules[1].egress);

  ASSERT_THAT(store_->RemoveSecurityGroupRules(kEast, "sg-a", {"sgr-1", "sgr-unknown"}), IsOk());
  groups = store_->ListSecurityGroups(kEast);
  ASSERT_THAT((*groups)[0].rules, SizeIs(1));
  EXPECT_EQ((*groups)[0].rules[0].rule_id, "sgr-2");

  ASSERT_THAT(store_->DeleteSecurityGroup(kEast, "sg-a"), IsOk());
  EXPECT_THAT(store_->DeleteSecurityGroup(kEast, "sg-a"), StatusIs(StatusCode::kNotFound, "sg-a"));
  EXPECT_THAT(*store_->ListSecurityGroups(kEast), SizeIs(1));
}

TEST_P(Ec2StoreContract, InstancesRoundTripWithGroupsInOrderAndTags) {
  ASSERT_THAT(store_->CreateInstances(kEast, {Instance("i-2"), Instance("i-1")},
                                      {{"i-1", "Team", "blue"}, {"i-2", "Team", "red"}}),
              IsOk());
  EXPECT_THAT(store_->CreateInstances(kEast, {Instance("i-3"), Instance("i-1")}, {}),
              StatusIs(StatusCode::kAlreadyExists, ""));
  auto listed = store_->ListInstances(kEast);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(2));  // i-3 was rolled back with its batch
  const Ec2InstanceRecord& i = (*listed)[0];
  EXPECT_EQ(i.instance_id, "i-1");
  EXPECT_EQ(i.instance_type, "t3.micro");
  EXPECT_EQ(i.user_data, "IyEvYmluL3No");
  EXPECT_EQ(i.client_token, "token");
  EXPECT_EQ(i.private_ip, "172.31.0.10");
  EXPECT_THAT(i.security_group_ids, ElementsAre("sg-b", "sg-a"));
  EXPECT_EQ(i.state, "pending");
  EXPECT_EQ(i.state_changed, kT0);
  EXPECT_THAT(*store_->ListInstances(kWest), IsEmpty());
  auto tags = store_->ListTags(kEast);
  ASSERT_THAT(*tags, SizeIs(2));
  EXPECT_EQ((*tags)[0].resource_id, "i-1");
}

TEST_P(Ec2StoreContract, InstanceStateChangesAreCompareAndSet) {
  ASSERT_THAT(store_->CreateInstances(kEast, {Instance("i-1")}, {}), IsOk());
  Ec2InstanceRecord expected = Instance("i-1");
  Ec2InstanceRecord next = expected;
  next.state = "stopping";
  next.state_changed = kT0 + std::chrono::seconds(10);
  auto moved = store_->UpdateInstanceState(kEast, expected, next);
  ASSERT_THAT(moved, IsOk());
  EXPECT_TRUE(*moved);
  // A second writer that read the old state loses.
  Ec2InstanceRecord other = expected;
  other.state = "shutting-down";
  auto lost = store_->UpdateInstanceState(kEast, expected, other);
  ASSERT_THAT(lost, IsOk());
  EXPECT_FALSE(*lost);
  auto listed = store_->ListInstances(kEast);
  EXPECT_EQ((*listed)[0].state, "stopping");
  EXPECT_EQ((*listed)[0].state_changed, kT0 + std::chrono::seconds(10));

  ASSERT_THAT(store_->CreateTags(kEast, {"i-1"}, {{"", "a", "1"}}), IsOk());
  ASSERT_THAT(store_->DeleteInstance(kEast, "i-1"), IsOk());
  EXPECT_THAT(store_->DeleteInstance(kEast, "i-1"), StatusIs(StatusCode::kNotFound, "i-1"));
  EXPECT_THAT(*store_->ListInstances(kEast), IsEmpty());
  EXPECT_THAT(*store_->ListTags(kEast), IsEmpty());
}

// Writers that all read the same state race to move the instance: exactly one wins, and the
// stored state is the winner's.
TEST_P(Ec2StoreContract, RacingStateChangesFromTheSameStateHaveOneWinner) {
  ASSERT_THAT(store_->CreateInstances(kEast, {Instance("i-1")}, {}), IsOk());
  const Ec2InstanceRecord expected = Instance("i-1");
  constexpr int kWriters = 4;
  std::vector<StatusOr<bool>> results(kWriters, InternalError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      Ec2InstanceRecord next = expected;
      next.state = "state-" + std::to_string(t);
      next.state_changed = kT0 + std::chrono::seconds(t + 1);
      results[t] = store_->UpdateInstanceState(kEast, expected, next);
    });
  }
  for (std::thread& thread : threads) thread.join();
  int winner = -1;
  for (int t = 0; t < kWriters; ++t) {
    ASSERT_THAT(results[t], IsOk()) << "writer " << t;
    if (*results[t]) {
      EXPECT_EQ(winner, -1) << "writers " << winner << " and " << t << " both won";
      winner = t;
    }
  }
  ASSERT_NE(winner, -1);
  auto listed = store_->ListInstances(kEast);
  ASSERT_THAT(listed, IsOk());
  ASSERT_THAT(*listed, SizeIs(1));
  EXPECT_EQ((*listed)[0].state, "state-" + std::to_string(winner));
  EXPECT_EQ((*listed)[0].state_changed, kT0 + std::chrono::seconds(winner + 1));
}

TEST_P(Ec2StoreContract, TagsUpsertAndDeleteByKeyOrKeyAndValue) {
  ASSERT_THAT(store_->CreateTags(kEast, {"i-1", "sg-1"}, {{"", "a", "1"}, {"", "b", "2"}}), IsOk());
  ASSERT_THAT(store_->CreateTags(kEast, {"i-1"}, {{"", "a", "changed"}}), IsOk());
  auto tags = store_->ListTags(kEast);
  ASSERT_THAT(*tags, SizeIs(4));
  EXPECT_EQ((*tags)[0].resource_id, "i-1");
  EXPECT_EQ((*tags)[0].key, "a");
  EXPECT_EQ((*tags)[0].value, "changed");

  // A value that does not match leaves the tag.
  ASSERT_THAT(store_->DeleteTags(kEast, {"i-1"}, {{"a", std::string("1")}, {"b", std::nullopt}}),
              IsOk());
  tags = store_->ListTags(kEast);
  ASSERT_THAT(*tags, SizeIs(3));
  EXPECT_EQ((*tags)[0].value, "changed");
  ASSERT_THAT(store_->DeleteTags(kEast, {"sg-1"}, {}), IsOk());
  tags = store_->ListTags(kEast);
  ASSERT_THAT(*tags, SizeIs(1));
  EXPECT_EQ((*tags)[0].key, "a");
  EXPECT_THAT(*store_->ListTags(kOther), IsEmpty());
}

}  // namespace sigil
