#include "identity/identity_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "auth/totp.h"
#include "common/base32.h"
#include "common/file_util.h"
#include "identity/key_usage_tracker.h"
#include "store/sqlite_db.h"
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
  void TearDown() override {
    identity_.reset();
    store_.reset();
    std::error_code ignored;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ignored);
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

namespace sigil {
namespace {

MATCHER_P2(StatusIsExactly, code, message, "") {
  *result_listener << "which is " << arg.ToString();
  return arg.code() == code && arg.message() == message;
}

// Virtual MFA devices, with real TOTP codes computed at the fake clock's time.
class MfaDeviceTest : public IdentityServiceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(IdentityServiceTest::SetUp());
    auto account = identity_->CreateAccount("a");
    ASSERT_TRUE(account.ok()) << account.status().ToString();
    account_ = account->account_id;
    auto alice = identity_->CreateUser(account_, "alice", "/", {}, 10);
    auto bob = identity_->CreateUser(account_, "bob", "/", {}, 10);
    ASSERT_TRUE(alice.ok() && bob.ok());
    alice_ = alice->user_id;
    bob_ = bob->user_id;
  }

  // Creates a device and returns it with its seed, failing the test on error.
  NewMfaDevice Create(const std::string& name, const std::string& path = "/") {
    auto created = identity_->CreateVirtualMfaDevice(account_, name, path, {});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return created.ok() ? std::move(created).value() : NewMfaDevice{};
  }

  // The code of `seed` `offset` steps from now.
  std::string Code(const NewMfaDevice& device, int64_t offset = 0) const {
    return auth::TotpCode(device.seed, Step() + offset);
  }
  int64_t Step() const { return auth::TotpStep(clock_.Now()); }

  // Enables `device` for `user_id` with the codes of the two previous steps, so the current
  // step's code is still unused.
  Status Enable(const NewMfaDevice& device, const std::string& user_id, size_t max = 8) {
    return identity_->EnableMfaDevice(account_, user_id, device.device.serial_number,
                                      Code(device, -2), Code(device, -1), clock_.Now(), max);
  }

  Status Verify(const NewMfaDevice& device, const std::string& user_id, const std::string& code) {
    return identity_->VerifyMfaCode(account_, user_id, device.device.serial_number, code,
                                    clock_.Now());
  }

  const MfaDevice* Find(const NewMfaDevice& device) const {
    return identity_->Current()->FindMfaDevice(device.device.serial_number);
  }

  std::string account_;
  std::string alice_;
  std::string bob_;
};

TEST_F(MfaDeviceTest, CreateMakesTheSerialFromPathAndNameAndARandomSeed) {
  NewMfaDevice created = Create("Phone", "/ops/");
  const std::string serial = "arn:aws:iam::" + account_ + ":mfa/ops/Phone";
  EXPECT_EQ(created.device.serial_number, serial);
  EXPECT_EQ(created.device.name, "Phone");
  EXPECT_EQ(created.device.path, "/ops/");
  EXPECT_EQ(created.device.created, clock_.Now());
  EXPECT_EQ(created.seed.size(), auth::kTotpSeedBytes);
  EXPECT_NE(Create("other").seed, created.seed);

  // Found in any letter case, unassigned, with its seed decrypted.
  auto snapshot = identity_->Current();
  const MfaDevice* found = snapshot->FindMfaDevice("ARN:AWS:IAM::" + account_ + ":MFA/OPS/PHONE");
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->serial_number, serial);
  EXPECT_TRUE(found->user_id.empty());
  EXPECT_FALSE(found->enabled_at.has_value());
  EXPECT_EQ(found->last_accepted_step, -1);
  EXPECT_EQ(snapshot->MfaSeed(serial), created.seed);
  EXPECT_EQ(snapshot->MfaDevices(account_).size(), 2u);
  EXPECT_TRUE(snapshot->MfaDevicesOfUser("").empty());

  auto again = identity_->CreateVirtualMfaDevice(account_, "PHONE", "/ops/", {});
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status().ToString();
  auto nowhere = identity_->CreateVirtualMfaDevice("999999999999", "x", "/", {});
  EXPECT_EQ(nowhere.status().code(), StatusCode::kNotFound) << nowhere.status().ToString();
}

// The seed reaches the database only sealed: not in the row, nor anywhere in the files, in
// any of the encodings a seed is shown in.
TEST_F(MfaDeviceTest, SeedsAreNeverStoredInPlaintext) {
  NewMfaDevice created = Create("phone");
  ASSERT_TRUE(Enable(created, alice_).ok());
  auto db = sqlite::Db::Open(dir_ + "/sigil.db");
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto select = db->Prepare("SELECT sealed_seed FROM mfa_devices");
  ASSERT_TRUE(select.ok());
  std::vector<std::string> rows;
  ASSERT_TRUE(select
                  ->ForEachRow([&] {
                    rows.push_back(select->ColumnText(0));
                    return OkStatus();
                  })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  auto sealed = Base64Decode(rows[0]);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(sealed->find(created.seed), std::string::npos);
  EXPECT_GT(sealed->size(), created.seed.size());  // nonce and tag around the ciphertext

  for (const char* file : {"/sigil.db", "/sigil.db-wal"}) {
    auto bytes = ReadFile(dir_ + file);
    ASSERT_TRUE(bytes.ok()) << file << ": " << bytes.status().ToString();
    for (const std::string& form :
         {created.seed, Base64Encode(created.seed), Base32Encode(created.seed)}) {
      EXPECT_EQ(bytes->find(form), std::string::npos) << file;
    }
  }
}

TEST_F(MfaDeviceTest, EnableNeedsTwoConsecutiveCurrentCodes) {
  NewMfaDevice phone = Create("phone");
  const std::string& serial = phone.device.serial_number;
  auto enable = [&](const std::string& code1, const std::string& code2) {
    return identity_->EnableMfaDevice(account_, alice_, serial, code1, code2, clock_.Now(), 8);
  };
  // Six digits that are no code of the device anywhere near now.
  std::set<std::string> near;
  for (int64_t offset = -12; offset <= 2; ++offset) near.insert(Code(phone, offset));
  std::string wrong = "000000";
  for (int n = 1; near.count(wrong) > 0; ++n) wrong = std::string(5, '0') + std::to_string(n);
  EXPECT_THAT(enable(wrong, Code(phone)),
              StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  EXPECT_THAT(enable(Code(phone, -1), wrong),
              StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  // Not consecutive, in the wrong order, or too old.
  EXPECT_THAT(enable(Code(phone, -2), Code(phone)),
              StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  EXPECT_THAT(enable(Code(phone), Code(phone, -1)),
              StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  EXPECT_THAT(enable(Code(phone, -12), Code(phone, -11)),
              StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  EXPECT_TRUE(Find(phone)->user_id.empty());

  ASSERT_TRUE(enable(Code(phone, -1), Code(phone)).ok());
  const MfaDevice* enabled = Find(phone);
  EXPECT_EQ(enabled->user_id, alice_);
  EXPECT_EQ(enabled->enabled_at, clock_.Now());
  EXPECT_EQ(enabled->last_accepted_step, Step());
  ASSERT_EQ(identity_->Current()->MfaDevicesOfUser(alice_).size(), 1u);

  // Enabled once, for anyone.
  EXPECT_EQ(
      identity_
          ->EnableMfaDevice(account_, bob_, serial, Code(phone, 1), Code(phone, 2), clock_.Now(), 8)
          .code(),
      StatusCode::kAlreadyExists);
  // Unknown device, or one of another account; unknown user.
  NewMfaDevice spare = Create("spare");
  auto other = identity_->CreateAccount("b");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(identity_
                ->EnableMfaDevice(other->account_id, alice_, spare.device.serial_number,
                                  Code(spare, -1), Code(spare), clock_.Now(), 8)
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(identity_
                ->EnableMfaDevice(account_, alice_, serial + "x", Code(phone, -1), Code(phone),
                                  clock_.Now(), 8)
                .code(),
            StatusCode::kNotFound);
  EXPECT_EQ(identity_
                ->EnableMfaDevice(account_, "AIDANOSUCHUSER0000000", spare.device.serial_number,
                                  Code(spare, -1), Code(spare), clock_.Now(), 8)
                .code(),
            StatusCode::kNotFound);
}

TEST_F(MfaDeviceTest, AUserHasAtMostMaxDevices) {
  NewMfaDevice one = Create("one");
  NewMfaDevice two = Create("two");
  NewMfaDevice three = Create("three");
  ASSERT_TRUE(Enable(one, alice_, 2).ok());
  ASSERT_TRUE(Enable(two, alice_, 2).ok());
  EXPECT_EQ(Enable(three, alice_, 2).code(), StatusCode::kResourceExhausted);
  // Others are not counted against alice.
  ASSERT_TRUE(Enable(three, bob_, 2).ok());
  EXPECT_EQ(identity_->Current()->MfaDevicesOfUser(alice_).size(), 2u);
  ASSERT_TRUE(identity_->DeactivateMfaDevice(alice_, two.device.serial_number).ok());
  NewMfaDevice four = Create("four");
  EXPECT_TRUE(Enable(four, alice_, 2).ok());
}

TEST_F(MfaDeviceTest, ACodeIsAcceptedOnce) {
  NewMfaDevice phone = Create("phone");
  ASSERT_TRUE(Enable(phone, alice_).ok());
  const auto before = identity_->Current();

  ASSERT_TRUE(Verify(phone, alice_, Code(phone)).ok());
  // Verification does not republish: the STS request path stays cheap.
  EXPECT_EQ(identity_->Current(), before);
  Status replay = Verify(phone, alice_, Code(phone));
  EXPECT_EQ(replay.code(), StatusCode::kPermissionDenied) << replay.ToString();
  // An older code of the window is no good either once a later one was accepted.
  EXPECT_EQ(Verify(phone, alice_, Code(phone, -1)).code(), StatusCode::kPermissionDenied);

  // The next step's code works, once, at the next step.
  clock_.Advance(std::chrono::seconds(30));
  ASSERT_TRUE(Verify(phone, alice_, Code(phone)).ok());
  EXPECT_EQ(Verify(phone, alice_, Code(phone)).code(), StatusCode::kPermissionDenied);

  // A second service on the same store (another node) whose snapshot has not seen the accepted
  // steps still refuses the code: the store's compare-and-set decides.
  clock_.Advance(std::chrono::seconds(30));
  IdentityService node_b(*store_, *SecretBox::Create(std::string(32, 'm')), random_, clock_);
  ASSERT_TRUE(node_b.Load().ok());
  ASSERT_TRUE(Verify(phone, alice_, Code(phone)).ok());
  Status elsewhere =
      node_b.VerifyMfaCode(account_, alice_, phone.device.serial_number, Code(phone), clock_.Now());
  EXPECT_EQ(elsewhere.code(), StatusCode::kPermissionDenied) << elsewhere.ToString();
  EXPECT_EQ(elsewhere.message().find(Code(phone)), std::string::npos);  // never the code
}

TEST_F(MfaDeviceTest, VerifyRefusesOtherUsersAccountsAndDevices) {
  NewMfaDevice phone = Create("phone");
  NewMfaDevice unassigned = Create("unassigned");
  ASSERT_TRUE(Enable(phone, alice_).ok());
  const std::string code = Code(phone);
  const TimePoint now = clock_.Now();
  const std::string& serial = phone.device.serial_number;

  EXPECT_EQ(identity_->VerifyMfaCode(account_, bob_, serial, code, now).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(identity_->VerifyMfaCode(account_, account_, serial, code, now).code(),
            StatusCode::kPermissionDenied);  // the root user
  EXPECT_EQ(identity_->VerifyMfaCode("999999999999", alice_, serial, code, now).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(identity_->VerifyMfaCode(account_, alice_, serial + "x", code, now).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(unassigned, "", Code(unassigned)).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(phone, alice_, "12345").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(Verify(phone, alice_, auth::TotpCode(phone.seed, Step() + 2)).code(),
            StatusCode::kPermissionDenied);  // outside the ±1 window
  // None of the refusals used the code up.
  ASSERT_TRUE(identity_->VerifyMfaCode(account_, alice_, serial, code, now).ok());
}

TEST_F(MfaDeviceTest, TheRootUserUsesTheAccountIdAsItsUserId) {
  NewMfaDevice root = Create("root-mfa");
  ASSERT_TRUE(Enable(root, account_).ok());
  EXPECT_EQ(Find(root)->user_id, account_);
  EXPECT_EQ(identity_->Current()->MfaDevicesOfUser(account_).size(), 1u);
  EXPECT_TRUE(Verify(root, account_, Code(root)).ok());
  EXPECT_EQ(Verify(root, alice_, Code(root, 1)).code(), StatusCode::kPermissionDenied);
}

TEST_F(MfaDeviceTest, ResyncAcceptsALaterPairOfTheAssignedUser) {
  NewMfaDevice phone = Create("phone");
  const std::string& serial = phone.device.serial_number;
  EXPECT_EQ(
      identity_->ResyncMfaDevice(alice_, serial, Code(phone, -1), Code(phone), clock_.Now()).code(),
      StatusCode::kNotFound);  // not enabled
  ASSERT_TRUE(Enable(phone, alice_).ok());
  clock_.Advance(std::chrono::minutes(2));
  EXPECT_EQ(
      identity_->ResyncMfaDevice(bob_, serial, Code(phone, -1), Code(phone), clock_.Now()).code(),
      StatusCode::kNotFound);
  EXPECT_THAT(
      identity_->ResyncMfaDevice(alice_, serial, Code(phone), Code(phone, -1), clock_.Now()),
      StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  ASSERT_TRUE(
      identity_->ResyncMfaDevice(alice_, serial, Code(phone, -1), Code(phone), clock_.Now()).ok());
  EXPECT_EQ(Find(phone)->last_accepted_step, Step());
  // The pair is used up, for resyncing and for signing in.
  EXPECT_THAT(
      identity_->ResyncMfaDevice(alice_, serial, Code(phone, -1), Code(phone), clock_.Now()),
      StatusIsExactly(StatusCode::kInvalidArgument, kInvalidMfaCodes));
  EXPECT_EQ(Verify(phone, alice_, Code(phone)).code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(Verify(phone, alice_, Code(phone, 1)).ok());
}

TEST_F(MfaDeviceTest, DeactivateAndDeleteRules) {
  NewMfaDevice phone = Create("phone");
  const std::string serial = phone.device.serial_number;
  const std::string other_case = "arn:aws:iam::" + account_ + ":mfa/PHONE";
  ASSERT_TRUE(Enable(phone, alice_).ok());

  // An enabled device cannot be deleted, nor can its user.
  EXPECT_THAT(identity_->DeleteVirtualMfaDevice(account_, serial),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMfaUser));
  EXPECT_THAT(identity_->DeleteUser(account_, alice_),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMfaDevices));
  // Only its user deactivates it.
  EXPECT_EQ(identity_->DeactivateMfaDevice(bob_, serial).code(), StatusCode::kNotFound);
  ASSERT_TRUE(identity_->DeactivateMfaDevice(alice_, other_case).ok());
  EXPECT_TRUE(Find(phone)->user_id.empty());
  EXPECT_FALSE(Find(phone)->enabled_at.has_value());
  EXPECT_EQ(identity_->DeactivateMfaDevice(alice_, serial).code(), StatusCode::kNotFound);
  EXPECT_EQ(Verify(phone, alice_, Code(phone)).code(), StatusCode::kPermissionDenied);

  EXPECT_EQ(identity_->DeleteVirtualMfaDevice("999999999999", serial).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(identity_->DeleteVirtualMfaDevice(account_, other_case).ok());
  EXPECT_EQ(Find(phone), nullptr);
  EXPECT_EQ(identity_->DeleteVirtualMfaDevice(account_, serial).code(), StatusCode::kNotFound);
  EXPECT_TRUE(identity_->DeleteUser(account_, alice_).ok());
}

TEST_F(MfaDeviceTest, TagsAreReplaced) {
  NewMfaDevice phone = Create("phone");
  ASSERT_TRUE(
      identity_->SetMfaDeviceTags(account_, phone.device.serial_number, {{"a", "1"}, {"b", "2"}})
          .ok());
  EXPECT_EQ(Find(phone)->tags, (std::vector<Tag>{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(identity_->SetMfaDeviceTags(account_, phone.device.serial_number + "x", {}).code(),
            StatusCode::kNotFound);
}

TEST_F(MfaDeviceTest, WrongMasterKeyRefusesToLoadSeeds) {
  Create("phone");
  IdentityService other(*store_, *SecretBox::Create(std::string(32, 'x')), random_, clock_);
  Status s = other.Load();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("seed of MFA device"), std::string::npos) << s.ToString();
}

// Another process (an admin command, another server on the same file) writes through its own
// connection; the service notices on its next check and republishes. Its own writes never
// count as changes.
TEST_F(MfaDeviceTest, RefreshIfStoreChangedSeesAnotherConnectionsWrites) {
  ASSERT_TRUE(identity_->RefreshIfStoreChanged().ok());  // whatever happened before
  Create("phone");
  EXPECT_EQ(identity_->RefreshIfStoreChanged().value(), false);

  auto other = SqliteMetadataStore::Open(dir_ + "/sigil.db");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  const Account added{.account_id = "999999999999", .name = "added", .created = clock_.Now()};
  ASSERT_TRUE((*other)->CreateAccount(added).ok());
  EXPECT_EQ(identity_->Current()->FindAccount(added.account_id), nullptr);

  auto refreshed = identity_->RefreshIfStoreChanged();
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_TRUE(*refreshed);
  EXPECT_NE(identity_->Current()->FindAccount(added.account_id), nullptr);
  EXPECT_EQ(identity_->RefreshIfStoreChanged().value(), false);
}

}  // namespace
}  // namespace sigil
