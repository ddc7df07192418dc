#include "identity/identity_service.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <thread>

#include "identity/key_usage_tracker.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {
namespace {

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sigil_identity_XXXXXX";
    dir_ = mkdtemp(tmpl);
    auto store = SqliteMetadataStore::Open(dir_ + "/sigil.db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    identity_ = std::make_unique<IdentityService>(*store_, *SecretBox::Create(std::string(32, 'm')),
                                                  random_, clock_);
    ASSERT_TRUE(identity_->Load().ok());
  }

  std::string dir_;
  OsRandomSource random_;
  FakeClock clock_{FromUnixSeconds(1700000000)};
  std::unique_ptr<SqliteMetadataStore> store_;
  std::unique_ptr<IdentityService> identity_;
};

TEST_F(IdentityServiceTest, IdsHaveAwsShapes) {
  EXPECT_EQ(identity_->NewAccountId().size(), 12u);
  std::string user = identity_->NewUserId();
  EXPECT_EQ(user.substr(0, 4), "AIDA");
  EXPECT_EQ(user.size(), 21u);
  std::string key = identity_->NewAccessKeyId();
  EXPECT_EQ(key.substr(0, 4), "AKIA");
  EXPECT_EQ(key.size(), 20u);
  EXPECT_EQ(key.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), std::string::npos);
}

TEST_F(IdentityServiceTest, WritesAreVisibleInTheNextSnapshot) {
  auto account = identity_->CreateAccount("a");
  ASSERT_TRUE(account.ok());
  auto before = identity_->Current();
  auto user = identity_->CreateUser(account->account_id, "Alice", "/ops/", {{"team", "blue"}}, 10);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(before->FindUser(account->account_id, "alice"), nullptr);  // old snapshot unchanged
  auto now = identity_->Current();
  const User* found = now->FindUser(account->account_id, "ALICE");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->name, "Alice");
  EXPECT_EQ(found->tags, (std::vector<Tag>{{"team", "blue"}}));

  auto key = identity_->CreateAccessKey(account->account_id, user->user_id, 2);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->secret_access_key.size(), 40u);
  const KeyEntry* entry = identity_->Current()->FindKey(key->key.access_key_id);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->secret, key->secret_access_key);
  EXPECT_EQ(entry->principal.arn, "arn:aws:iam::" + account->account_id + ":user/ops/Alice");
  EXPECT_EQ(entry->principal.principal_id, user->user_id);

  // The database holds only the sealed secret.
  auto data = store_->LoadIdentity();
  ASSERT_TRUE(data.ok());
  ASSERT_EQ(data->access_keys.size(), 1u);
  EXPECT_EQ(data->access_keys[0].sealed_secret.find(key->secret_access_key), std::string::npos);

  ASSERT_TRUE(
      identity_->UpdateAccessKeyStatus(key->key.access_key_id, AccessKeyStatus::kInactive).ok());
  EXPECT_EQ(identity_->Current()->FindKey(key->key.access_key_id)->key.status,
            AccessKeyStatus::kInactive);
  EXPECT_EQ(identity_->DeleteUser(account->account_id, user->user_id).code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(identity_->DeleteAccessKey(key->key.access_key_id).ok());
  EXPECT_EQ(identity_->Current()->FindKey(key->key.access_key_id), nullptr);
  ASSERT_TRUE(identity_->DeleteUser(account->account_id, user->user_id).ok());
}

TEST_F(IdentityServiceTest, RootKeysAuthenticateAsRoot) {
  auto account = identity_->CreateAccount("a");
  auto key = identity_->CreateAccessKey(account->account_id, "", 2);
  ASSERT_TRUE(key.ok());
  const KeyEntry* entry = identity_->Current()->FindKey(key->key.access_key_id);
  EXPECT_EQ(entry->principal.type, PrincipalType::kRoot);
  EXPECT_EQ(entry->principal.arn, "arn:aws:iam::" + account->account_id + ":root");
  EXPECT_EQ(entry->principal.principal_id, account->account_id);
}

TEST_F(IdentityServiceTest, WrongMasterKeyRefusesToLoad) {
  auto account = identity_->CreateAccount("a");
  ASSERT_TRUE(identity_->CreateAccessKey(account->account_id, "", 2).ok());
  IdentityService other(*store_, *SecretBox::Create(std::string(32, 'x')), random_, clock_);
  Status s = other.Load();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("wrong master key"), std::string::npos);
}

TEST_F(IdentityServiceTest, KeyUsageIsBatchedToTheStore) {
  auto account = identity_->CreateAccount("a");
  auto key = identity_->CreateAccessKey(account->account_id, "", 2);
  {
    KeyUsageTracker tracker(*store_, std::chrono::hours(1));
    tracker.Record(key->key.access_key_id, clock_.Now(), "eu-west-1", "iam");
    auto latest = tracker.Latest(key->key.access_key_id);
    ASSERT_TRUE(latest.has_value());
    EXPECT_EQ(latest->region, "eu-west-1");
    EXPECT_TRUE(store_->LoadIdentity()->key_usage.empty());  // not flushed yet
    ASSERT_TRUE(tracker.Flush().ok());
  }
  auto data = store_->LoadIdentity();
  ASSERT_EQ(data->key_usage.size(), 1u);
  EXPECT_EQ(data->key_usage[0].service, "iam");
  EXPECT_EQ(data->key_usage[0].last_used, clock_.Now());
}

TEST_F(IdentityServiceTest, CreateUserStoresItsPermissionsBoundary) {
  auto account = identity_->CreateAccount("a");
  const std::string boundary = "arn:aws:iam::aws:policy/PowerUserAccess";
  auto user = identity_->CreateUser(account->account_id, "bounded", "/", {}, 10, boundary);
  ASSERT_TRUE(user.ok()) << user.status().ToString();
  EXPECT_EQ(user->permissions_boundary_arn, boundary);
  EXPECT_EQ(
      identity_->Current()->FindUser(account->account_id, "bounded")->permissions_boundary_arn,
      boundary);
}

TEST_F(IdentityServiceTest, GroupAndAttachmentQuotasAreEnforcedOnWrite) {
  auto account = identity_->CreateAccount("a");
  const std::string& acct = account->account_id;
  auto g1 = identity_->CreateGroup(acct, "g1", "/", 2);
  auto g2 = identity_->CreateGroup(acct, "g2", "/", 2);
  ASSERT_TRUE(g1.ok() && g2.ok());
  EXPECT_EQ(identity_->CreateGroup(acct, "g3", "/", 2).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(identity_->Current()->Groups(acct).size(), 2u);

  auto user = identity_->CreateUser(acct, "u", "/", {}, 10);
  ASSERT_TRUE(user.ok());
  ASSERT_TRUE(identity_->AddUserToGroup(acct, g1->group_id, user->user_id, 1).ok());
  // Re-adding a member is not a new membership; a second group is over the quota of one.
  EXPECT_TRUE(identity_->AddUserToGroup(acct, g1->group_id, user->user_id, 1).ok());
  EXPECT_EQ(identity_->AddUserToGroup(acct, g2->group_id, user->user_id, 1).code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(identity_->Current()->GroupsOfUser(user->user_id).size(), 1u);

  PolicyAttachment admin{acct, PolicyOwnerKind::kUser, user->user_id,
                         "arn:aws:iam::aws:policy/AdministratorAccess"};
  PolicyAttachment read_only = admin;
  read_only.policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
  ASSERT_TRUE(identity_->AttachPolicy(admin, 1).ok());
  EXPECT_TRUE(identity_->AttachPolicy(admin, 1).ok());
  EXPECT_EQ(identity_->AttachPolicy(read_only, 1).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(identity_->Current()->AttachmentsOf(PolicyOwnerKind::kUser, user->user_id).size(), 1u);
}

}  // namespace
}  // namespace sigil

namespace sigil {
namespace {

TEST_F(IdentityServiceTest, QuotasAndVersionNumbersAreDecidedUnderTheWriterLock) {
  auto account = identity_->CreateAccount("a");
  ASSERT_TRUE(account.ok());
  const std::string doc =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  auto policy =
      identity_->CreateManagedPolicy(account->account_id, "p", "/", "", doc, {}, /*max=*/1);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  EXPECT_EQ(
      identity_->CreateManagedPolicy(account->account_id, "q", "/", "", doc, {}, 1).status().code(),
      StatusCode::kResourceExhausted);

  // Concurrent creates each get their own, consecutive version id; the quota holds.
  std::vector<std::thread> threads;
  std::atomic<int> created{0}, refused{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      auto v = identity_->CreatePolicyVersion(policy->policy_id, doc, false, /*max=*/5);
      if (v.ok()) ++created;
      if (v.status().code() == StatusCode::kResourceExhausted) ++refused;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 4);  // v2..v5 beside v1
  EXPECT_EQ(refused.load(), 2);
  std::vector<std::string> ids;
  for (const PolicyVersion* v : identity_->Current()->Versions(policy->policy_id)) {
    ids.push_back(v->version_id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"v1", "v2", "v3", "v4", "v5"}));

  Role role;
  role.account_id = account->account_id;
  role.name = "r";
  role.path = "/";
  role.assume_role_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})";
  ASSERT_TRUE(identity_->CreateRole(role, 1).ok());
  role.name = "r2";
  EXPECT_EQ(identity_->CreateRole(role, 1).status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace sigil
