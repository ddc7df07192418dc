#include "store/metadata_store_contract.h"

#include <algorithm>
#include <thread>

namespace sigil {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

void MetadataStoreContract::SetUp() {
  auto store = GetParam().create(scratch_.path());
  ASSERT_THAT(store, IsOk());
  store_ = std::move(store).value();
}

IdentityData MetadataStoreContract::Load() {
  auto data = store_->LoadIdentity();
  EXPECT_THAT(data, IsOk());
  return data.ok() ? std::move(data).value() : IdentityData{};
}

namespace {

// Millisecond precision matters: SigV4 and STS compare times to the second, usage to the ms.
TimePoint Ms(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }
const TimePoint kT0 = Ms(1'700'000'000'123);

constexpr char kAcct1[] = "111111111111";
constexpr char kAcct2[] = "222222222222";
constexpr char kAlice[] = "AIDAALICE000000000000";
constexpr char kBob[] = "AIDABOB00000000000000";
constexpr char kKey1[] = "AKIAKEY1000000000000";
constexpr char kKey2[] = "AKIAKEY2000000000000";
constexpr char kRootKey[] = "AKIAROOT000000000000";

Account MakeAccount(const std::string& id) {
  return Account{.account_id = id, .name = "account " + id, .created = kT0};
}

User MakeUser(const std::string& account_id, const std::string& user_id, const std::string& name,
              std::vector<Tag> tags = {}) {
  return User{.account_id = account_id,
              .user_id = user_id,
              .name = name,
              .path = "/",
              .created = kT0 + std::chrono::milliseconds(1),
              .tags = std::move(tags)};
}

AccessKey MakeKey(const std::string& key_id, const std::string& account_id,
                  const std::string& user_id) {
  // Sealed secrets are binary: include NUL and high bytes to prove they round-trip.
  return AccessKey{.access_key_id = key_id,
                   .account_id = account_id,
                   .user_id = user_id,
                   .status = AccessKeyStatus::kActive,
                   .created = kT0 + std::chrono::milliseconds(2),
                   .sealed_secret = std::string("\x01\x00\xff sealed ", 11) + key_id};
}

AccessKeyUsage MakeUsage(const std::string& key_id, TimePoint when, const std::string& service) {
  return AccessKeyUsage{
      .access_key_id = key_id, .last_used = when, .region = "us-east-1", .service = service};
}

constexpr char kAdmins[] = "AGPAADMINS00000000000";
constexpr char kDevs[] = "AGPADEVS0000000000000";
constexpr char kPolicyA[] = "ANPAPOLICYA0000000000";
constexpr char kPolicyB[] = "ANPAPOLICYB0000000000";
constexpr char kRoleA[] = "AROAROLEA000000000000";
constexpr char kRoleB[] = "AROAROLEB000000000000";
// Sorts before every other id of its kind, so it shows accounts sort first.
constexpr char kFirstGroup[] = "AGPAAAAAA000000000000";
constexpr char kFirstRole[] = "AROAAAAAA000000000000";
constexpr char kAwsManagedArn[] = "arn:aws:iam::aws:policy/ReadOnlyAccess";
constexpr auto kUserOwner = PolicyOwnerKind::kUser;
constexpr auto kGroupOwner = PolicyOwnerKind::kGroup;
constexpr auto kRoleOwner = PolicyOwnerKind::kRole;

Group MakeGroup(const std::string& account_id, const std::string& group_id,
                const std::string& name) {
  return Group{.account_id = account_id,
               .group_id = group_id,
               .name = name,
               .path = "/",
               .created = kT0 + std::chrono::milliseconds(3)};
}

// A policy whose default is its first version, v1.
ManagedPolicy MakePolicy(const std::string& account_id, const std::string& policy_id,
                         const std::string& name, std::vector<Tag> tags = {}) {
  return ManagedPolicy{.account_id = account_id,
                       .policy_id = policy_id,
                       .name = name,
                       .path = "/",
                       .description = "",
                       .default_version_id = "v1",
                       .next_version_number = 2,
                       .created = kT0 + std::chrono::milliseconds(4),
                       .updated = kT0 + std::chrono::milliseconds(4),
                       .tags = std::move(tags)};
}

// Documents differ per version, so a mixed-up version shows.
PolicyVersion MakeVersion(const std::string& policy_id, const std::string& version_id) {
  return PolicyVersion{.policy_id = policy_id,
                       .version_id = version_id,
                       .document = R"({"Version":"2012-10-17","Id":")" + policy_id + "/" +
                                   version_id + R"(","Statement":[]})",
                       .created = kT0 + std::chrono::milliseconds(5)};
}

std::string PolicyArn(const std::string& account_id, const std::string& name,
                      const std::string& path = "/") {
  return "arn:aws:iam::" + account_id + ":policy" + path + name;
}

Role MakeRole(const std::string& account_id, const std::string& role_id, const std::string& name,
              std::vector<Tag> tags = {}) {
  return Role{.account_id = account_id,
              .role_id = role_id,
              .name = name,
              .path = "/",
              .description = "",
              .assume_role_policy =
                  R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                  R"("Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]})",
              .max_session_duration = 3600,
              .permissions_boundary_arn = "",
              .created = kT0 + std::chrono::milliseconds(6),
              .tags = std::move(tags)};
}

std::string MfaSerial(const std::string& account_id, const std::string& name,
                      const std::string& path = "/") {
  return "arn:aws:iam::" + account_id + ":mfa" + path + name;
}

// An unassigned device; the sealed seed is binary (NUL and high bytes) and differs per device.
MfaDevice MakeMfaDevice(const std::string& account_id, const std::string& name,
                        std::vector<Tag> tags = {}) {
  return MfaDevice{.account_id = account_id,
                   .serial_number = MfaSerial(account_id, name),
                   .name = name,
                   .path = "/",
                   .created = kT0 + std::chrono::milliseconds(7),
                   .sealed_seed = std::string("\x01\x00\xfe seed of ", 11) + name,
                   .tags = std::move(tags)};
}

// `device` as the store holds it once assigned.
MfaDevice Assigned(MfaDevice device, const std::string& user_id, TimePoint enabled_at,
                   int64_t step) {
  device.user_id = user_id;
  device.enabled_at = enabled_at;
  device.last_accepted_step = step;
  return device;
}

PolicyAttachment Attachment(const std::string& account_id, PolicyOwnerKind kind,
                            const std::string& owner_id, const std::string& arn) {
  return PolicyAttachment{
      .account_id = account_id, .owner_kind = kind, .owner_id = owner_id, .policy_arn = arn};
}

InlinePolicy Inline(const std::string& account_id, PolicyOwnerKind kind,
                    const std::string& owner_id, const std::string& name,
                    const std::string& document = R"({"Version":"2012-10-17","Statement":[]})") {
  return InlinePolicy{.account_id = account_id,
                      .owner_kind = kind,
                      .owner_id = owner_id,
                      .name = name,
                      .document = document};
}

}  // namespace

void MetadataStoreContract::CreateAccounts() {
  ASSERT_THAT(store_->CreateAccount(MakeAccount(kAcct1)), IsOk());
  ASSERT_THAT(store_->CreateAccount(MakeAccount(kAcct2)), IsOk());
}

void MetadataStoreContract::CreateAccountsAndAlice() {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
}

namespace {

// ---- Accounts

TEST_P(MetadataStoreContract, EmptyStoreLoadsNothing) {
  IdentityData data = Load();
  EXPECT_THAT(data.accounts, IsEmpty());
  EXPECT_THAT(data.users, IsEmpty());
  EXPECT_THAT(data.access_keys, IsEmpty());
  EXPECT_THAT(data.key_usage, IsEmpty());
  EXPECT_THAT(data.groups, IsEmpty());
  EXPECT_THAT(data.memberships, IsEmpty());
  EXPECT_THAT(data.managed_policies, IsEmpty());
  EXPECT_THAT(data.policy_versions, IsEmpty());
  EXPECT_THAT(data.attachments, IsEmpty());
  EXPECT_THAT(data.inline_policies, IsEmpty());
  EXPECT_THAT(data.roles, IsEmpty());
  EXPECT_THAT(data.mfa_devices, IsEmpty());
}

TEST_P(MetadataStoreContract, PingIsOkOnceMigrationsAreApplied) {
  EXPECT_THAT(store_->Ping(), IsOk());
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  EXPECT_THAT(store_->Ping(), IsOk());
}

TEST_P(MetadataStoreContract, CreateAccountLoadsSortedById) {
  ASSERT_THAT(store_->CreateAccount(MakeAccount(kAcct2)), IsOk());
  ASSERT_THAT(store_->CreateAccount(MakeAccount(kAcct1)), IsOk());
  EXPECT_THAT(Load().accounts, ElementsAre(MakeAccount(kAcct1), MakeAccount(kAcct2)));
}

TEST_P(MetadataStoreContract, CreateAccountWithTakenIdIsAlreadyExists) {
  ASSERT_THAT(store_->CreateAccount(MakeAccount(kAcct1)), IsOk());
  Account again = MakeAccount(kAcct1);
  again.name = "another";
  EXPECT_THAT(store_->CreateAccount(again), StatusIs(StatusCode::kAlreadyExists, kAcct1));
  EXPECT_THAT(Load().accounts, ElementsAre(MakeAccount(kAcct1)));
}

// ---- Users

TEST_P(MetadataStoreContract, CreateUserRoundTripsWithTagsInOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  User alice = MakeUser(kAcct1, kAlice, "alice", {{"z", "1"}, {"a", "2"}, {"m", ""}});
  alice.path = "/engineering/team-a/";
  ASSERT_THAT(store_->CreateUser(alice), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(alice));
}

TEST_P(MetadataStoreContract, CreateUserWithNameTakenInAnotherCaseIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "Alice")), IsOk());
  EXPECT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "aLICE", {{"k", "v"}})),
              StatusIs(StatusCode::kAlreadyExists, "aLICE"));
  // Nothing of the refused user remains, tags included.
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "Alice")));
}

TEST_P(MetadataStoreContract, SameNameInAnotherAccountIsAllowed) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct2, kBob, "alice")), IsOk());
  EXPECT_THAT(Load().users,
              ElementsAre(MakeUser(kAcct1, kAlice, "alice"), MakeUser(kAcct2, kBob, "alice")));
}

TEST_P(MetadataStoreContract, CreateUserWithTakenIdIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  EXPECT_THAT(store_->CreateUser(MakeUser(kAcct2, kAlice, "other")),
              StatusIs(StatusCode::kAlreadyExists, kAlice));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));
}

TEST_P(MetadataStoreContract, CreateUserInMissingAccountIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  EXPECT_THAT(store_->CreateUser(MakeUser("999999999999", kAlice, "alice")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  EXPECT_THAT(Load().users, IsEmpty());
}

TEST_P(MetadataStoreContract, UpdateUserRenamesAndMoves) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice", {{"k", "v"}})), IsOk());
  User expected = MakeUser(kAcct1, kAlice, "alice2", {{"k", "v"}});

  ASSERT_THAT(store_->UpdateUser(kAcct1, kAlice, "alice2", std::nullopt), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(expected));

  ASSERT_THAT(store_->UpdateUser(kAcct1, kAlice, std::nullopt, "/ops/"), IsOk());
  expected.path = "/ops/";
  EXPECT_THAT(Load().users, ElementsAre(expected));

  ASSERT_THAT(store_->UpdateUser(kAcct1, kAlice, "alice3", "/"), IsOk());
  expected.name = "alice3";
  expected.path = "/";
  EXPECT_THAT(Load().users, ElementsAre(expected));

  ASSERT_THAT(store_->UpdateUser(kAcct1, kAlice, std::nullopt, std::nullopt), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(expected));
}

TEST_P(MetadataStoreContract, UpdateUserMayChangeTheCaseOfItsOwnName) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  ASSERT_THAT(store_->UpdateUser(kAcct1, kAlice, "ALICE", std::nullopt), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "ALICE")));
}

TEST_P(MetadataStoreContract, RenameOntoExistingNameIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  EXPECT_THAT(store_->UpdateUser(kAcct1, kBob, "Alice", "/moved/"),
              StatusIs(StatusCode::kAlreadyExists, "Alice"));
  // The refused update changed nothing, the path included.
  EXPECT_THAT(Load().users,
              ElementsAre(MakeUser(kAcct1, kAlice, "alice"), MakeUser(kAcct1, kBob, "bob")));
}

TEST_P(MetadataStoreContract, UpdateMissingUserIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  EXPECT_THAT(store_->UpdateUser(kAcct1, kBob, "bob", std::nullopt),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->UpdateUser(kAcct1, kBob, std::nullopt, std::nullopt),
              StatusIs(StatusCode::kNotFound, kBob));
  // A user is found only in its own account.
  EXPECT_THAT(store_->UpdateUser(kAcct2, kAlice, "x", std::nullopt),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));
}

TEST_P(MetadataStoreContract, DeleteUserRemovesItAndItsTags) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice", {{"k", "v"}})), IsOk());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  ASSERT_THAT(store_->DeleteUser(kAcct1, kAlice), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kBob, "bob")));
  // The name and id are free again, and the old tags do not come back.
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "ALICE")), IsOk());
  EXPECT_THAT(Load().users,
              ElementsAre(MakeUser(kAcct1, kAlice, "ALICE"), MakeUser(kAcct1, kBob, "bob")));
}

TEST_P(MetadataStoreContract, DeleteMissingUserIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kBob), StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->DeleteUser(kAcct2, kAlice), StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));
}

TEST_P(MetadataStoreContract, DeleteUserWithAccessKeysIsFailedPreconditionUntilTheyAreDeleted) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey2, kAcct1, kAlice)), IsOk());

  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAccessKeys));
  ASSERT_THAT(store_->DeleteAccessKey(kKey1), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAccessKeys));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));

  ASSERT_THAT(store_->DeleteAccessKey(kKey2), IsOk());
  ASSERT_THAT(store_->DeleteUser(kAcct1, kAlice), IsOk());
  EXPECT_THAT(Load().users, IsEmpty());
}

TEST_P(MetadataStoreContract, RootKeysDoNotBlockDeletingUsers) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice")), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kRootKey, kAcct1, "")), IsOk());
  ASSERT_THAT(store_->DeleteUser(kAcct1, kAlice), IsOk());
  EXPECT_THAT(Load().access_keys, ElementsAre(MakeKey(kRootKey, kAcct1, "")));
}

TEST_P(MetadataStoreContract, SetUserTagsReplacesThemKeepingOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice", {{"a", "1"}, {"b", "2"}})),
              IsOk());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob", {{"keep", "me"}})), IsOk());

  const std::vector<Tag> replaced = {{"team", "x"}, {"b", "3"}, {"a", "0"}};
  ASSERT_THAT(store_->SetUserTags(kAcct1, kAlice, replaced), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice", replaced),
                                        MakeUser(kAcct1, kBob, "bob", {{"keep", "me"}})));

  ASSERT_THAT(store_->SetUserTags(kAcct1, kAlice, {}), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice"),
                                        MakeUser(kAcct1, kBob, "bob", {{"keep", "me"}})));
}

TEST_P(MetadataStoreContract, SetTagsOfMissingUserIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kAlice, "alice", {{"a", "1"}})), IsOk());
  EXPECT_THAT(store_->SetUserTags(kAcct1, kBob, {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->SetUserTags(kAcct2, kAlice, {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice", {{"a", "1"}})));
}

TEST_P(MetadataStoreContract, SetUserPermissionsBoundarySetsReplacesAndClears) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  User alice = MakeUser(kAcct1, kAlice, "alice");

  ASSERT_THAT(store_->SetUserPermissionsBoundary(kAcct1, kAlice, PolicyArn(kAcct1, "Boundary")),
              IsOk());
  alice.permissions_boundary_arn = PolicyArn(kAcct1, "Boundary");
  EXPECT_THAT(Load().users, ElementsAre(alice, MakeUser(kAcct1, kBob, "bob")));

  ASSERT_THAT(store_->SetUserPermissionsBoundary(kAcct1, kAlice, kAwsManagedArn), IsOk());
  alice.permissions_boundary_arn = kAwsManagedArn;
  EXPECT_THAT(Load().users, ElementsAre(alice, MakeUser(kAcct1, kBob, "bob")));

  ASSERT_THAT(store_->SetUserPermissionsBoundary(kAcct1, kAlice, ""), IsOk());
  EXPECT_THAT(Load().users,
              ElementsAre(MakeUser(kAcct1, kAlice, "alice"), MakeUser(kAcct1, kBob, "bob")));
  // Clearing what is already clear is not an error.
  EXPECT_THAT(store_->SetUserPermissionsBoundary(kAcct1, kAlice, ""), IsOk());
}

TEST_P(MetadataStoreContract, CreateUserKeepsItsPermissionsBoundary) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  User alice = MakeUser(kAcct1, kAlice, "alice");
  alice.permissions_boundary_arn = kAwsManagedArn;
  ASSERT_THAT(store_->CreateUser(alice), IsOk());
  EXPECT_THAT(Load().users, ElementsAre(alice));
}

TEST_P(MetadataStoreContract, SetBoundaryOfMissingUserIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  EXPECT_THAT(store_->SetUserPermissionsBoundary(kAcct1, kBob, kAwsManagedArn),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->SetUserPermissionsBoundary(kAcct2, kAlice, kAwsManagedArn),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));
}

// Each dependent blocks the delete with its own exact message, in the documented order, and
// the delete goes through only once none is left; nothing else is removed with the user.
TEST_P(MetadataStoreContract, DeleteUserIsRefusedByEachDependentInOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, "phone")), IsOk());
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, MfaSerial(kAcct1, "phone"), kAlice, kT0, 1), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kAdmins, kAlice), IsOk());
  ASSERT_THAT(store_->AttachPolicy(Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn)), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kAlice, "inline")), IsOk());

  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAccessKeys));
  ASSERT_THAT(store_->DeleteAccessKey(kKey1), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMfaDevices));
  ASSERT_THAT(store_->UnassignMfaDevice(kAlice, MfaSerial(kAcct1, "phone")), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentGroupMemberships));
  ASSERT_THAT(store_->RemoveUserFromGroup(kAcct1, kAdmins, kAlice), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAttachedPolicies));
  ASSERT_THAT(store_->DetachPolicy(Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn)), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentInlinePolicies));
  EXPECT_THAT(Load().users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));

  ASSERT_THAT(store_->DeleteInlinePolicy(kAcct1, kUserOwner, kAlice, "inline"), IsOk());
  ASSERT_THAT(store_->DeleteUser(kAcct1, kAlice), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.users, IsEmpty());
  EXPECT_THAT(data.groups, ElementsAre(MakeGroup(kAcct1, kAdmins, "admins")));
  EXPECT_THAT(data.memberships, IsEmpty());
  EXPECT_THAT(data.attachments, IsEmpty());
  EXPECT_THAT(data.inline_policies, IsEmpty());
  // The deactivated device stays (AWS keeps virtual devices until they are deleted), with the
  // step accepted while it was enabled.
  MfaDevice phone = MakeMfaDevice(kAcct1, "phone");
  phone.last_accepted_step = 1;
  EXPECT_THAT(data.mfa_devices, ElementsAre(phone));
}

// A dependent of another user, or of a group or role, does not block the delete.
TEST_P(MetadataStoreContract, DeleteUserIgnoresOtherOwnersDependents) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kAdmins, kBob), IsOk());
  ASSERT_THAT(store_->AttachPolicy(Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn)),
              IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kRoleOwner, kRoleA, "inline")), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kBob, "inline")), IsOk());
  // Bob's device, the root user's and an unassigned one.
  for (const char* name : {"bob", "root", "spare"}) {
    ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, name)), IsOk());
  }
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, MfaSerial(kAcct1, "bob"), kBob, kT0, 1), IsOk());
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, MfaSerial(kAcct1, "root"), kAcct1, kT0, 1), IsOk());

  ASSERT_THAT(store_->DeleteUser(kAcct1, kAlice), IsOk());
  IdentityData data = Load();
  EXPECT_EQ(data.mfa_devices.size(), 3u);
  EXPECT_THAT(data.users, ElementsAre(MakeUser(kAcct1, kBob, "bob")));
  EXPECT_THAT(data.memberships, ElementsAre(GroupMembership{kAcct1, kAdmins, kBob}));
  EXPECT_THAT(data.attachments,
              ElementsAre(Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn)));
  EXPECT_THAT(data.inline_policies, ElementsAre(Inline(kAcct1, kUserOwner, kBob, "inline"),
                                                Inline(kAcct1, kRoleOwner, kRoleA, "inline")));
}

// ---- Access keys and their usage

TEST_P(MetadataStoreContract, CreateAccessKeyRoundTripsUserAndRootKeys) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  AccessKey inactive = MakeKey(kKey2, kAcct1, kAlice);
  inactive.status = AccessKeyStatus::kInactive;
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kRootKey, kAcct1, "")), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(inactive), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  EXPECT_THAT(Load().access_keys,
              ElementsAre(MakeKey(kKey1, kAcct1, kAlice), inactive, MakeKey(kRootKey, kAcct1, "")));
}

TEST_P(MetadataStoreContract, CreateAccessKeyWithTakenIdIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  EXPECT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, "")),
              StatusIs(StatusCode::kAlreadyExists, kKey1));
  EXPECT_THAT(Load().access_keys, ElementsAre(MakeKey(kKey1, kAcct1, kAlice)));
}

TEST_P(MetadataStoreContract, CreateAccessKeyForMissingUserOrAccountIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  EXPECT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kBob)),
              StatusIs(StatusCode::kNotFound, kBob));
  // alice exists, but in another account.
  EXPECT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct2, kAlice)),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(store_->CreateAccessKey(MakeKey(kKey1, "999999999999", "")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  EXPECT_THAT(Load().access_keys, IsEmpty());
}

TEST_P(MetadataStoreContract, UpdateAccessKeyStatusChangesOnlyThatKey) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey2, kAcct1, kAlice)), IsOk());
  AccessKey key1 = MakeKey(kKey1, kAcct1, kAlice);

  ASSERT_THAT(store_->UpdateAccessKeyStatus(kKey1, AccessKeyStatus::kInactive), IsOk());
  key1.status = AccessKeyStatus::kInactive;
  EXPECT_THAT(Load().access_keys, ElementsAre(key1, MakeKey(kKey2, kAcct1, kAlice)));

  // Setting the status it already has is not an error.
  ASSERT_THAT(store_->UpdateAccessKeyStatus(kKey1, AccessKeyStatus::kInactive), IsOk());
  ASSERT_THAT(store_->UpdateAccessKeyStatus(kKey1, AccessKeyStatus::kActive), IsOk());
  key1.status = AccessKeyStatus::kActive;
  EXPECT_THAT(Load().access_keys, ElementsAre(key1, MakeKey(kKey2, kAcct1, kAlice)));
}

TEST_P(MetadataStoreContract, UpdateStatusOfMissingKeyIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  EXPECT_THAT(store_->UpdateAccessKeyStatus(kKey1, AccessKeyStatus::kInactive),
              StatusIs(StatusCode::kNotFound, kKey1));
}

TEST_P(MetadataStoreContract, DeleteAccessKeyTakesItsUsageWithIt) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey2, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(
      store_->RecordAccessKeyUsage({MakeUsage(kKey1, kT0, "iam"), MakeUsage(kKey2, kT0, "s3")}),
      IsOk());

  ASSERT_THAT(store_->DeleteAccessKey(kKey1), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.access_keys, ElementsAre(MakeKey(kKey2, kAcct1, kAlice)));
  EXPECT_THAT(data.key_usage, ElementsAre(MakeUsage(kKey2, kT0, "s3")));

  // A key recreated with the same id starts without usage.
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(MakeUsage(kKey2, kT0, "s3")));
}

TEST_P(MetadataStoreContract, DeleteMissingAccessKeyIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  EXPECT_THAT(store_->DeleteAccessKey(kKey2), StatusIs(StatusCode::kNotFound, kKey2));
  ASSERT_THAT(store_->DeleteAccessKey(kKey1), IsOk());
  EXPECT_THAT(store_->DeleteAccessKey(kKey1), StatusIs(StatusCode::kNotFound, kKey1));
}

TEST_P(MetadataStoreContract, RecordAccessKeyUsageUpsertsKeepingTheNewest) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kKey1, kAcct1, kAlice)), IsOk());
  ASSERT_THAT(store_->CreateAccessKey(MakeKey(kRootKey, kAcct1, "")), IsOk());
  const TimePoint t1 = kT0 + std::chrono::milliseconds(1);
  const TimePoint t2 = kT0 + std::chrono::milliseconds(2);

  ASSERT_THAT(store_->RecordAccessKeyUsage({MakeUsage(kKey1, t1, "iam")}), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(MakeUsage(kKey1, t1, "iam")));

  // Newer replaces; several records in one call; a record for a missing key is ignored.
  AccessKeyUsage elsewhere = MakeUsage(kKey1, t2, "s3");
  elsewhere.region = "eu-west-1";
  ASSERT_THAT(
      store_->RecordAccessKeyUsage({MakeUsage(kRootKey, t1, "sts"),
                                    MakeUsage("AKIAI44QH8DHBEXAMPLE", t2, "iam"), elsewhere}),
      IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));

  // Older is ignored.
  ASSERT_THAT(store_->RecordAccessKeyUsage({MakeUsage(kKey1, t1, "iam")}), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));

  ASSERT_THAT(store_->RecordAccessKeyUsage({}), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));
}

// ---- Groups

TEST_P(MetadataStoreContract, CreateGroupLoadsSortedByAccountAndId) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  Group ops = MakeGroup(kAcct1, kDevs, "ops");
  ops.path = "/division/ops/";
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct2, kFirstGroup, "admins")), IsOk());
  ASSERT_THAT(store_->CreateGroup(ops), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  EXPECT_THAT(Load().groups, ElementsAre(MakeGroup(kAcct1, kAdmins, "admins"), ops,
                                         MakeGroup(kAcct2, kFirstGroup, "admins")));
}

TEST_P(MetadataStoreContract, CreateGroupConflictsAreAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "Admins")), IsOk());
  EXPECT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kDevs, "aDMINS")),
              StatusIs(StatusCode::kAlreadyExists, "aDMINS"));
  EXPECT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "other")),
              StatusIs(StatusCode::kAlreadyExists, kAdmins));
  // Groups and users are separate namespaces.
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kDevs, "alice")), IsOk());
  EXPECT_THAT(Load().groups,
              ElementsAre(MakeGroup(kAcct1, kAdmins, "Admins"), MakeGroup(kAcct1, kDevs, "alice")));
}

TEST_P(MetadataStoreContract, CreateGroupInMissingAccountIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  EXPECT_THAT(store_->CreateGroup(MakeGroup("999999999999", kAdmins, "admins")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  EXPECT_THAT(Load().groups, IsEmpty());
}

TEST_P(MetadataStoreContract, UpdateGroupRenamesAndMoves) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kDevs, "devs")), IsOk());
  Group expected = MakeGroup(kAcct1, kAdmins, "root-ish");

  ASSERT_THAT(store_->UpdateGroup(kAcct1, kAdmins, "root-ish", std::nullopt), IsOk());
  EXPECT_THAT(Load().groups, ElementsAre(expected, MakeGroup(kAcct1, kDevs, "devs")));

  ASSERT_THAT(store_->UpdateGroup(kAcct1, kAdmins, "ROOT-ISH", "/ops/"), IsOk());
  expected.name = "ROOT-ISH";
  expected.path = "/ops/";
  EXPECT_THAT(Load().groups, ElementsAre(expected, MakeGroup(kAcct1, kDevs, "devs")));

  ASSERT_THAT(store_->UpdateGroup(kAcct1, kAdmins, std::nullopt, std::nullopt), IsOk());
  EXPECT_THAT(store_->UpdateGroup(kAcct1, kDevs, "Root-Ish", "/moved/"),
              StatusIs(StatusCode::kAlreadyExists, "Root-Ish"));
  EXPECT_THAT(store_->UpdateGroup(kAcct2, kAdmins, "x", std::nullopt),
              StatusIs(StatusCode::kNotFound, kAdmins));
  EXPECT_THAT(store_->UpdateGroup(kAcct1, "AGPANOSUCHGROUP000000", std::nullopt, std::nullopt),
              StatusIs(StatusCode::kNotFound, "AGPANOSUCHGROUP000000"));
  EXPECT_THAT(Load().groups, ElementsAre(expected, MakeGroup(kAcct1, kDevs, "devs")));
}

TEST_P(MetadataStoreContract, GroupMembershipIsIdempotentAndSorted) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kDevs, "devs")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());

  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kDevs, kBob), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kDevs, kAlice), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kAdmins, kBob), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kDevs, kBob), IsOk());  // again: still OK
  EXPECT_THAT(Load().memberships, ElementsAre(GroupMembership{kAcct1, kAdmins, kBob},
                                              GroupMembership{kAcct1, kDevs, kAlice},
                                              GroupMembership{kAcct1, kDevs, kBob}));

  ASSERT_THAT(store_->RemoveUserFromGroup(kAcct1, kDevs, kBob), IsOk());
  EXPECT_THAT(store_->RemoveUserFromGroup(kAcct1, kDevs, kBob),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(Load().memberships, ElementsAre(GroupMembership{kAcct1, kAdmins, kBob},
                                              GroupMembership{kAcct1, kDevs, kAlice}));
}

TEST_P(MetadataStoreContract, AddToMissingGroupOrMissingUserIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct2, kDevs, "devs")), IsOk());
  EXPECT_THAT(store_->AddUserToGroup(kAcct1, kAdmins, kBob), StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->AddUserToGroup(kAcct1, kDevs, kAlice),
              StatusIs(StatusCode::kNotFound, kDevs));
  // A user and a group of different accounts never meet.
  EXPECT_THAT(store_->AddUserToGroup(kAcct2, kDevs, kAlice),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(store_->RemoveUserFromGroup(kAcct1, kAdmins, kAlice),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().memberships, IsEmpty());
}

TEST_P(MetadataStoreContract, DeleteGroupIsRefusedByEachDependentInOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kDevs, "devs")), IsOk());
  ASSERT_THAT(store_->AddUserToGroup(kAcct1, kAdmins, kAlice), IsOk());
  ASSERT_THAT(store_->AttachPolicy(Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn)),
              IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kGroupOwner, kAdmins, "inline")), IsOk());

  EXPECT_THAT(store_->DeleteGroup(kAcct1, kAdmins),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMembers));
  ASSERT_THAT(store_->RemoveUserFromGroup(kAcct1, kAdmins, kAlice), IsOk());
  EXPECT_THAT(store_->DeleteGroup(kAcct1, kAdmins),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAttachedPolicies));
  ASSERT_THAT(store_->DetachPolicy(Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn)),
              IsOk());
  EXPECT_THAT(store_->DeleteGroup(kAcct1, kAdmins),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentInlinePolicies));
  ASSERT_THAT(store_->DeleteInlinePolicy(kAcct1, kGroupOwner, kAdmins, "INLINE"), IsOk());

  ASSERT_THAT(store_->DeleteGroup(kAcct1, kAdmins), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.groups, ElementsAre(MakeGroup(kAcct1, kDevs, "devs")));
  EXPECT_THAT(data.users, ElementsAre(MakeUser(kAcct1, kAlice, "alice")));
  EXPECT_THAT(data.memberships, IsEmpty());
  EXPECT_THAT(data.attachments, IsEmpty());
  EXPECT_THAT(data.inline_policies, IsEmpty());
  // The name and id are free again.
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "ADMINS")), IsOk());
}

TEST_P(MetadataStoreContract, DeleteMissingGroupIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  EXPECT_THAT(store_->DeleteGroup(kAcct1, kDevs), StatusIs(StatusCode::kNotFound, kDevs));
  EXPECT_THAT(store_->DeleteGroup(kAcct2, kAdmins), StatusIs(StatusCode::kNotFound, kAdmins));
  EXPECT_THAT(Load().groups, ElementsAre(MakeGroup(kAcct1, kAdmins, "admins")));
}

// ---- Customer managed policies

TEST_P(MetadataStoreContract, CreateManagedPolicyStoresItsFirstVersionAndTags) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "ReadBuckets", {{"z", "1"}, {"a", "2"}});
  policy.path = "/service/";
  policy.description = "Reads the buckets";
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(policy));
  EXPECT_THAT(data.policy_versions, ElementsAre(MakeVersion(kPolicyA, "v1")));
}

TEST_P(MetadataStoreContract, CreateManagedPolicyConflictsAreAlreadyExistsAndLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "ReadBuckets"),
                                          MakeVersion(kPolicyA, "v1")),
              IsOk());
  EXPECT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyB, "readbuckets", {{"k", "v"}}),
                                          MakeVersion(kPolicyB, "v1")),
              StatusIs(StatusCode::kAlreadyExists, "readbuckets"));
  EXPECT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct2, kPolicyA, "Other"),
                                          MakeVersion(kPolicyA, "v1")),
              StatusIs(StatusCode::kAlreadyExists, kPolicyA));
  // The same name in another account is fine.
  ASSERT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct2, kPolicyB, "ReadBuckets"),
                                          MakeVersion(kPolicyB, "v1")),
              IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(MakePolicy(kAcct1, kPolicyA, "ReadBuckets"),
                                                 MakePolicy(kAcct2, kPolicyB, "ReadBuckets")));
  EXPECT_THAT(data.policy_versions,
              ElementsAre(MakeVersion(kPolicyA, "v1"), MakeVersion(kPolicyB, "v1")));
}

TEST_P(MetadataStoreContract, CreateManagedPolicyInMissingAccountIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  EXPECT_THAT(store_->CreateManagedPolicy(MakePolicy("999999999999", kPolicyA, "p"),
                                          MakeVersion(kPolicyA, "v1")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  EXPECT_THAT(Load().managed_policies, IsEmpty());
  EXPECT_THAT(Load().policy_versions, IsEmpty());
}

TEST_P(MetadataStoreContract, CreateManagedPolicyWhoseFirstVersionIsNotTheDefaultIsInvalid) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  EXPECT_THAT(
      store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "p"), MakeVersion(kPolicyA, "v2")),
      StatusIs(StatusCode::kInvalidArgument, "default"));
  EXPECT_THAT(
      store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "p"), MakeVersion(kPolicyB, "v1")),
      StatusIs(StatusCode::kInvalidArgument, "default"));
  ManagedPolicy odd = MakePolicy(kAcct1, kPolicyA, "p");
  odd.default_version_id = "version1";
  EXPECT_THAT(store_->CreateManagedPolicy(odd, MakeVersion(kPolicyA, "version1")),
              StatusIs(StatusCode::kInvalidArgument, "version1"));
  EXPECT_THAT(Load().managed_policies, IsEmpty());
}

TEST_P(MetadataStoreContract, CreatePolicyVersionNumbersAndSwitchesTheDefault) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "p");
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());

  // Not the default: only the counter and `updated` move.
  const TimePoint t1 = kT0 + std::chrono::seconds(1);
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v2"), false, t1), IsOk());
  policy.next_version_number = 3;
  policy.updated = t1;
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(policy));
  EXPECT_THAT(data.policy_versions,
              ElementsAre(MakeVersion(kPolicyA, "v1"), MakeVersion(kPolicyA, "v2")));

  const TimePoint t2 = kT0 + std::chrono::seconds(2);
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v3"), true, t2), IsOk());
  policy.next_version_number = 4;
  policy.default_version_id = "v3";
  policy.updated = t2;
  EXPECT_THAT(Load().managed_policies, ElementsAre(policy));
}

TEST_P(MetadataStoreContract, PolicyVersionsSortNumericallyAndIdsAreNeverReused) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "p");
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  // AWS keeps at most five versions, so long-lived policies reach v10 by deleting old ones.
  for (int n = 2; n <= 9; ++n) {
    ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v" + std::to_string(n)),
                                            true, kT0),
                IsOk());
    ASSERT_THAT(store_->DeletePolicyVersion(kAcct1, kPolicyA, "v" + std::to_string(n - 1)), IsOk());
  }
  // A deleted id re-added by a misbehaving caller does not pull the counter back.
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v1"), false, kT0), IsOk());
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v10"), true, kT0), IsOk());
  policy.default_version_id = "v10";
  policy.next_version_number = 11;
  policy.updated = kT0;
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(policy));
  // Numerically, not as text (where "v10" < "v9").
  EXPECT_THAT(data.policy_versions,
              ElementsAre(MakeVersion(kPolicyA, "v1"), MakeVersion(kPolicyA, "v9"),
                          MakeVersion(kPolicyA, "v10")));

  // A version id past the counter pulls the counter up, so it is never handed out again.
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v20"), false, kT0),
              IsOk());
  policy.next_version_number = 21;
  EXPECT_THAT(Load().managed_policies, ElementsAre(policy));
}

TEST_P(MetadataStoreContract, CreatePolicyVersionErrors) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "p");
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  const TimePoint later = kT0 + std::chrono::hours(1);
  EXPECT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v1"), true, later),
              StatusIs(StatusCode::kAlreadyExists, "v1"));
  EXPECT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyB, "v2"), true, later),
              StatusIs(StatusCode::kNotFound, kPolicyB));
  EXPECT_THAT(store_->CreatePolicyVersion(kAcct2, MakeVersion(kPolicyA, "v2"), true, later),
              StatusIs(StatusCode::kNotFound, kPolicyA));
  for (const char* malformed : {"", "v", "v0", "v01", "V2", "v2a", "2"}) {
    EXPECT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, malformed), true, later),
                StatusIs(StatusCode::kInvalidArgument, "malformed version id"))
        << malformed;
  }
  // Nothing changed, `updated` included.
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(policy));
  EXPECT_THAT(data.policy_versions, ElementsAre(MakeVersion(kPolicyA, "v1")));
}

TEST_P(MetadataStoreContract, SetDefaultPolicyVersionSwitchesAndUpdates) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "p");
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v2"), true, kT0), IsOk());

  const TimePoint t1 = kT0 + std::chrono::minutes(1);
  ASSERT_THAT(store_->SetDefaultPolicyVersion(kAcct1, kPolicyA, "v1", t1), IsOk());
  policy.next_version_number = 3;
  policy.updated = t1;
  EXPECT_THAT(Load().managed_policies, ElementsAre(policy));

  const TimePoint t2 = kT0 + std::chrono::minutes(2);
  EXPECT_THAT(store_->SetDefaultPolicyVersion(kAcct1, kPolicyA, "v3", t2),
              StatusIs(StatusCode::kNotFound, "v3"));
  EXPECT_THAT(store_->SetDefaultPolicyVersion(kAcct1, kPolicyB, "v1", t2),
              StatusIs(StatusCode::kNotFound, kPolicyB));
  EXPECT_THAT(store_->SetDefaultPolicyVersion(kAcct2, kPolicyA, "v2", t2),
              StatusIs(StatusCode::kNotFound, kPolicyA));
  EXPECT_THAT(Load().managed_policies, ElementsAre(policy));
}

TEST_P(MetadataStoreContract, DeletePolicyVersionRefusesTheDefault) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "p");
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v2"), false, kT0), IsOk());
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v3"), false, kT0), IsOk());

  EXPECT_THAT(store_->DeletePolicyVersion(kAcct1, kPolicyA, "v1"),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDefaultPolicyVersion));
  ASSERT_THAT(store_->DeletePolicyVersion(kAcct1, kPolicyA, "v2"), IsOk());
  EXPECT_THAT(store_->DeletePolicyVersion(kAcct1, kPolicyA, "v2"),
              StatusIs(StatusCode::kNotFound, "v2"));
  EXPECT_THAT(store_->DeletePolicyVersion(kAcct1, kPolicyB, "v3"),
              StatusIs(StatusCode::kNotFound, kPolicyB));
  EXPECT_THAT(store_->DeletePolicyVersion(kAcct2, kPolicyA, "v3"),
              StatusIs(StatusCode::kNotFound, kPolicyA));

  // Deleting does not rewind the counter, nor touch `updated`.
  policy.next_version_number = 4;
  policy.updated = kT0;
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(policy));
  EXPECT_THAT(data.policy_versions,
              ElementsAre(MakeVersion(kPolicyA, "v1"), MakeVersion(kPolicyA, "v3")));
}

TEST_P(MetadataStoreContract, SetManagedPolicyTagsReplacesThemKeepingOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "a", {{"x", "1"}}),
                                          MakeVersion(kPolicyA, "v1")),
              IsOk());
  ASSERT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyB, "b", {{"keep", "me"}}),
                                          MakeVersion(kPolicyB, "v1")),
              IsOk());
  const std::vector<Tag> replaced = {{"team", "x"}, {"b", "3"}, {"a", "0"}};
  ASSERT_THAT(store_->SetManagedPolicyTags(kAcct1, kPolicyA, replaced), IsOk());
  EXPECT_THAT(Load().managed_policies,
              ElementsAre(MakePolicy(kAcct1, kPolicyA, "a", replaced),
                          MakePolicy(kAcct1, kPolicyB, "b", {{"keep", "me"}})));
  ASSERT_THAT(store_->SetManagedPolicyTags(kAcct1, kPolicyA, {}), IsOk());
  EXPECT_THAT(Load().managed_policies,
              ElementsAre(MakePolicy(kAcct1, kPolicyA, "a"),
                          MakePolicy(kAcct1, kPolicyB, "b", {{"keep", "me"}})));

  EXPECT_THAT(store_->SetManagedPolicyTags(kAcct2, kPolicyA, {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, kPolicyA));
  EXPECT_THAT(store_->SetManagedPolicyTags(kAcct1, "ANPANOSUCHPOLICY00000", {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, "ANPANOSUCHPOLICY00000"));
}

TEST_P(MetadataStoreContract, DeleteManagedPolicyIsRefusedWhileAttachedAnywhere) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());
  ManagedPolicy policy = MakePolicy(kAcct1, kPolicyA, "Deploy", {{"k", "v"}});
  policy.path = "/ci/";
  ASSERT_THAT(store_->CreateManagedPolicy(policy, MakeVersion(kPolicyA, "v1")), IsOk());
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyA, "v2"), true, kT0), IsOk());
  const std::string arn = PolicyArn(kAcct1, "Deploy", "/ci/");

  for (const PolicyAttachment& attachment :
       {Attachment(kAcct1, kUserOwner, kAlice, arn), Attachment(kAcct1, kGroupOwner, kAdmins, arn),
        // The ARN in another letter case still names this policy.
        Attachment(kAcct1, kRoleOwner, kRoleA, PolicyArn(kAcct1, "DEPLOY", "/ci/"))}) {
    SCOPED_TRACE(attachment.policy_arn);
    ASSERT_THAT(store_->AttachPolicy(attachment), IsOk());
    EXPECT_THAT(store_->DeleteManagedPolicy(kAcct1, kPolicyA),
                StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAttachments));
    ASSERT_THAT(store_->DetachPolicy(attachment), IsOk());
  }
  // Attachments of other policies do not block it.
  ASSERT_THAT(store_->AttachPolicy(Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn)), IsOk());
  ASSERT_THAT(store_->AttachPolicy(
                  Attachment(kAcct1, kUserOwner, kAlice, PolicyArn(kAcct1, "Deploy", "/"))),
              IsOk());

  ASSERT_THAT(store_->DeleteManagedPolicy(kAcct1, kPolicyA), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.managed_policies, IsEmpty());
  EXPECT_THAT(data.policy_versions, IsEmpty());
  EXPECT_THAT(data.attachments,
              ElementsAre(Attachment(kAcct1, kUserOwner, kAlice, PolicyArn(kAcct1, "Deploy", "/")),
                          Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn)));
  // The name and id are free again; the old versions and tags do not come back.
  ASSERT_THAT(store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "deploy"),
                                          MakeVersion(kPolicyA, "v1")),
              IsOk());
  data = Load();
  EXPECT_THAT(data.managed_policies, ElementsAre(MakePolicy(kAcct1, kPolicyA, "deploy")));
  EXPECT_THAT(data.policy_versions, ElementsAre(MakeVersion(kPolicyA, "v1")));
}

TEST_P(MetadataStoreContract, DeleteMissingManagedPolicyIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(
      store_->CreateManagedPolicy(MakePolicy(kAcct1, kPolicyA, "p"), MakeVersion(kPolicyA, "v1")),
      IsOk());
  EXPECT_THAT(store_->DeleteManagedPolicy(kAcct1, kPolicyB),
              StatusIs(StatusCode::kNotFound, kPolicyB));
  EXPECT_THAT(store_->DeleteManagedPolicy(kAcct2, kPolicyA),
              StatusIs(StatusCode::kNotFound, kPolicyA));
  EXPECT_THAT(Load().managed_policies, ElementsAre(MakePolicy(kAcct1, kPolicyA, "p")));
}

// ---- Attachments

TEST_P(MetadataStoreContract, AttachPolicyIsIdempotentAndLoadsSorted) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct2, kRoleB, "role")), IsOk());
  const std::string custom = PolicyArn(kAcct1, "Custom");
  const std::vector<PolicyAttachment> expected = {
      Attachment(kAcct1, kUserOwner, kAlice, custom),
      Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn),
      Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn),
      Attachment(kAcct1, kRoleOwner, kRoleA, custom),
      Attachment(kAcct2, kRoleOwner, kRoleB, kAwsManagedArn)};
  for (auto it = expected.rbegin(); it != expected.rend(); ++it) {
    ASSERT_THAT(store_->AttachPolicy(*it), IsOk());
  }
  ASSERT_THAT(store_->AttachPolicy(expected[0]), IsOk());  // again: still OK, still one
  EXPECT_EQ(Load().attachments, expected);

  ASSERT_THAT(store_->DetachPolicy(expected[1]), IsOk());
  EXPECT_THAT(store_->DetachPolicy(expected[1]), StatusIs(StatusCode::kNotFound, kAwsManagedArn));
  // The owner kind is part of the attachment.
  EXPECT_THAT(store_->DetachPolicy(Attachment(kAcct1, kGroupOwner, kAlice, custom)),
              StatusIs(StatusCode::kNotFound, custom));
  EXPECT_THAT(Load().attachments, ElementsAre(expected[0], expected[2], expected[3], expected[4]));
}

TEST_P(MetadataStoreContract, AttachPolicyToMissingOwnerIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());
  EXPECT_THAT(store_->AttachPolicy(Attachment(kAcct1, kUserOwner, kBob, kAwsManagedArn)),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->AttachPolicy(Attachment(kAcct1, kGroupOwner, kDevs, kAwsManagedArn)),
              StatusIs(StatusCode::kNotFound, kDevs));
  EXPECT_THAT(store_->AttachPolicy(Attachment(kAcct1, kRoleOwner, kRoleB, kAwsManagedArn)),
              StatusIs(StatusCode::kNotFound, kRoleB));
  // Existing owners, but of another kind or another account.
  EXPECT_THAT(store_->AttachPolicy(Attachment(kAcct1, kRoleOwner, kAlice, kAwsManagedArn)),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(store_->AttachPolicy(Attachment(kAcct2, kGroupOwner, kAdmins, kAwsManagedArn)),
              StatusIs(StatusCode::kNotFound, kAdmins));
  EXPECT_THAT(Load().attachments, IsEmpty());
}

// ---- Inline policies

TEST_P(MetadataStoreContract, PutInlinePolicyCreatesAndReplacesByCaseInsensitiveName) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateGroup(MakeGroup(kAcct1, kAdmins, "admins")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());

  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kAlice, "S3", "{\"s3\":1}")),
              IsOk());
  // The same name on another owner, of any kind, is another policy.
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kGroupOwner, kAdmins, "s3")), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kRoleOwner, kRoleA, "s3")), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kAlice, "b-ec2")), IsOk());
  EXPECT_THAT(Load().inline_policies,
              ElementsAre(Inline(kAcct1, kUserOwner, kAlice, "b-ec2"),
                          Inline(kAcct1, kUserOwner, kAlice, "S3", "{\"s3\":1}"),
                          Inline(kAcct1, kGroupOwner, kAdmins, "s3"),
                          Inline(kAcct1, kRoleOwner, kRoleA, "s3")));

  // Replacing in another case takes the new spelling and document.
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kAlice, "s3", "{\"s3\":2}")),
              IsOk());
  EXPECT_THAT(Load().inline_policies,
              ElementsAre(Inline(kAcct1, kUserOwner, kAlice, "b-ec2"),
                          Inline(kAcct1, kUserOwner, kAlice, "s3", "{\"s3\":2}"),
                          Inline(kAcct1, kGroupOwner, kAdmins, "s3"),
                          Inline(kAcct1, kRoleOwner, kRoleA, "s3")));
}

TEST_P(MetadataStoreContract, InlinePolicyOfMissingOwnerIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  EXPECT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kBob, "p")),
              StatusIs(StatusCode::kNotFound, kBob));
  EXPECT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kGroupOwner, kAdmins, "p")),
              StatusIs(StatusCode::kNotFound, kAdmins));
  EXPECT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kRoleOwner, kRoleA, "p")),
              StatusIs(StatusCode::kNotFound, kRoleA));
  EXPECT_THAT(store_->PutInlinePolicy(Inline(kAcct2, kUserOwner, kAlice, "p")),
              StatusIs(StatusCode::kNotFound, kAlice));
  EXPECT_THAT(Load().inline_policies, IsEmpty());
}

TEST_P(MetadataStoreContract, DeleteInlinePolicyMatchesTheNameInAnyCase) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "role")), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kUserOwner, kAlice, "ReadOnly")), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kRoleOwner, kRoleA, "ReadOnly")), IsOk());

  EXPECT_THAT(store_->DeleteInlinePolicy(kAcct1, kUserOwner, kAlice, "Other"),
              StatusIs(StatusCode::kNotFound, "Other"));
  EXPECT_THAT(store_->DeleteInlinePolicy(kAcct1, kGroupOwner, kAlice, "ReadOnly"),
              StatusIs(StatusCode::kNotFound, "ReadOnly"));
  ASSERT_THAT(store_->DeleteInlinePolicy(kAcct1, kUserOwner, kAlice, "readonly"), IsOk());
  EXPECT_THAT(store_->DeleteInlinePolicy(kAcct1, kUserOwner, kAlice, "ReadOnly"),
              StatusIs(StatusCode::kNotFound, "ReadOnly"));
  EXPECT_THAT(Load().inline_policies, ElementsAre(Inline(kAcct1, kRoleOwner, kRoleA, "ReadOnly")));
}

// ---- Roles

TEST_P(MetadataStoreContract, CreateRoleRoundTripsAndLoadsSorted) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  Role full = MakeRole(kAcct1, kRoleB, "Deployer", {{"z", "1"}, {"a", ""}});
  full.path = "/ci/";
  full.description = "Deploys from CI";
  full.max_session_duration = 43200;
  full.permissions_boundary_arn = PolicyArn(kAcct1, "Boundary");
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct2, kFirstRole, "r")), IsOk());
  ASSERT_THAT(store_->CreateRole(full), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "r")), IsOk());
  EXPECT_THAT(Load().roles,
              ElementsAre(MakeRole(kAcct1, kRoleA, "r"), full, MakeRole(kAcct2, kFirstRole, "r")));
}

TEST_P(MetadataStoreContract, CreateRoleConflictsAreAlreadyExistsAndLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "Deployer")), IsOk());
  EXPECT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleB, "DEPLOYER", {{"k", "v"}})),
              StatusIs(StatusCode::kAlreadyExists, "DEPLOYER"));
  EXPECT_THAT(store_->CreateRole(MakeRole(kAcct2, kRoleA, "other")),
              StatusIs(StatusCode::kAlreadyExists, kRoleA));
  EXPECT_THAT(store_->CreateRole(MakeRole("999999999999", kRoleB, "x")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  EXPECT_THAT(Load().roles, ElementsAre(MakeRole(kAcct1, kRoleA, "Deployer")));
  // The refused role's id and tags left no trace.
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleB, "other")), IsOk());
  EXPECT_THAT(Load().roles,
              ElementsAre(MakeRole(kAcct1, kRoleA, "Deployer"), MakeRole(kAcct1, kRoleB, "other")));
}

TEST_P(MetadataStoreContract, UpdateRoleReplacesTheMutableFieldsAndTags) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  Role role = MakeRole(kAcct1, kRoleA, "Deployer", {{"a", "1"}, {"b", "2"}});
  role.permissions_boundary_arn = kAwsManagedArn;
  ASSERT_THAT(store_->CreateRole(role), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleB, "other", {{"keep", "me"}})), IsOk());

  Role update = role;
  update.description = "now described";
  update.assume_role_policy = R"({"Version":"2012-10-17","Statement":[]})";
  update.max_session_duration = 7200;
  update.permissions_boundary_arn = PolicyArn(kAcct1, "Boundary");
  update.tags = {{"c", "3"}, {"a", "0"}};
  // Immutable fields are ignored.
  update.name = "Renamed";
  update.path = "/moved/";
  update.created = Ms(1);
  ASSERT_THAT(store_->UpdateRole(update), IsOk());
  Role expected = update;
  expected.name = role.name;
  expected.path = role.path;
  expected.created = role.created;
  EXPECT_THAT(Load().roles,
              ElementsAre(expected, MakeRole(kAcct1, kRoleB, "other", {{"keep", "me"}})));

  // Clearing the boundary, description and tags.
  Role cleared = expected;
  cleared.description = "";
  cleared.permissions_boundary_arn = "";
  cleared.tags = {};
  ASSERT_THAT(store_->UpdateRole(cleared), IsOk());
  EXPECT_THAT(Load().roles,
              ElementsAre(cleared, MakeRole(kAcct1, kRoleB, "other", {{"keep", "me"}})));
}

TEST_P(MetadataStoreContract, UpdateMissingRoleIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "r", {{"k", "v"}})), IsOk());
  EXPECT_THAT(store_->UpdateRole(MakeRole(kAcct1, kRoleB, "r")),
              StatusIs(StatusCode::kNotFound, kRoleB));
  EXPECT_THAT(store_->UpdateRole(MakeRole(kAcct2, kRoleA, "r")),
              StatusIs(StatusCode::kNotFound, kRoleA));
  EXPECT_THAT(Load().roles, ElementsAre(MakeRole(kAcct1, kRoleA, "r", {{"k", "v"}})));
}

TEST_P(MetadataStoreContract, DeleteRoleIsRefusedByEachDependentInOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "r", {{"k", "v"}})), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleB, "other")), IsOk());
  ASSERT_THAT(store_->AttachPolicy(Attachment(kAcct1, kRoleOwner, kRoleA, kAwsManagedArn)), IsOk());
  ASSERT_THAT(store_->PutInlinePolicy(Inline(kAcct1, kRoleOwner, kRoleA, "inline")), IsOk());

  EXPECT_THAT(store_->DeleteRole(kAcct1, kRoleA),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAttachedPolicies));
  ASSERT_THAT(store_->DetachPolicy(Attachment(kAcct1, kRoleOwner, kRoleA, kAwsManagedArn)), IsOk());
  EXPECT_THAT(store_->DeleteRole(kAcct1, kRoleA),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentInlinePolicies));
  ASSERT_THAT(store_->DeleteInlinePolicy(kAcct1, kRoleOwner, kRoleA, "inline"), IsOk());

  ASSERT_THAT(store_->DeleteRole(kAcct1, kRoleA), IsOk());
  IdentityData data = Load();
  EXPECT_THAT(data.roles, ElementsAre(MakeRole(kAcct1, kRoleB, "other")));
  EXPECT_THAT(data.attachments, IsEmpty());
  EXPECT_THAT(data.inline_policies, IsEmpty());
  // The name and id are free again, and the old tags do not come back.
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "R")), IsOk());
  EXPECT_THAT(Load().roles,
              ElementsAre(MakeRole(kAcct1, kRoleA, "R"), MakeRole(kAcct1, kRoleB, "other")));
}

TEST_P(MetadataStoreContract, DeleteMissingRoleIsNotFound) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "r")), IsOk());
  EXPECT_THAT(store_->DeleteRole(kAcct1, kRoleB), StatusIs(StatusCode::kNotFound, kRoleB));
  EXPECT_THAT(store_->DeleteRole(kAcct2, kRoleA), StatusIs(StatusCode::kNotFound, kRoleA));
  EXPECT_THAT(Load().roles, ElementsAre(MakeRole(kAcct1, kRoleA, "r")));
}

// ---- Virtual MFA devices

TEST_P(MetadataStoreContract, CreateMfaDeviceRoundTripsAndLoadsSorted) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  MfaDevice full = MakeMfaDevice(kAcct1, "Phone", {{"z", "1"}, {"a", ""}});
  full.path = "/division/";
  full.serial_number = MfaSerial(kAcct1, "Phone", "/division/");
  full.last_accepted_step = 57'000'000;
  full.sealed_seed = std::string(72, '\0');
  const std::vector<MfaDevice> devices = {MakeMfaDevice(kAcct1, "Backup"),  // ".../B" < ".../d"
                                          full, MakeMfaDevice(kAcct1, "phone"),
                                          MakeMfaDevice(kAcct2, "A")};
  for (auto it = devices.rbegin(); it != devices.rend(); ++it) {
    ASSERT_THAT(store_->CreateMfaDevice(*it), IsOk()) << it->serial_number;
  }
  EXPECT_EQ(Load().mfa_devices, devices);
}

TEST_P(MetadataStoreContract, CreateMfaDeviceRefusalsLeaveNothing) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, "Phone")), IsOk());

  MfaDevice other_case = MakeMfaDevice(kAcct1, "PHONE", {{"k", "v"}});
  EXPECT_THAT(store_->CreateMfaDevice(other_case),
              StatusIs(StatusCode::kAlreadyExists, other_case.serial_number));
  MfaDevice same = MakeMfaDevice(kAcct1, "Phone", {{"k", "v"}});
  EXPECT_THAT(store_->CreateMfaDevice(same), StatusIs(StatusCode::kAlreadyExists, "Phone"));
  EXPECT_THAT(store_->CreateMfaDevice(MakeMfaDevice("999999999999", "x")),
              StatusIs(StatusCode::kNotFound, "999999999999"));
  MfaDevice assigned = MakeMfaDevice(kAcct1, "assigned");
  assigned.user_id = kAlice;
  EXPECT_THAT(store_->CreateMfaDevice(assigned),
              StatusIs(StatusCode::kInvalidArgument, "not assigned"));
  assigned.user_id = "";
  assigned.enabled_at = kT0;
  EXPECT_THAT(store_->CreateMfaDevice(assigned),
              StatusIs(StatusCode::kInvalidArgument, "not assigned"));
  // The refused devices left no tags behind.
  EXPECT_THAT(Load().mfa_devices, ElementsAre(MakeMfaDevice(kAcct1, "Phone")));
}

TEST_P(MetadataStoreContract, AssignMfaDeviceToAUserOrTheRootUser) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone", {{"k", "v"}});
  const MfaDevice root = MakeMfaDevice(kAcct1, "root");
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  ASSERT_THAT(store_->CreateMfaDevice(root), IsOk());

  const TimePoint enabled = kT0 + std::chrono::milliseconds(42);
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, phone.serial_number, kAlice, enabled, 100), IsOk());
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, root.serial_number, kAcct1, enabled, 7), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, enabled, 100),
                                              Assigned(root, kAcct1, enabled, 7)));
}

TEST_P(MetadataStoreContract, AssignMfaDeviceRefusals) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct2, "AIDACAROL000000000000", "carol")), IsOk());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone");
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  const std::string& serial = phone.serial_number;

  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, MfaSerial(kAcct1, "none"), kAlice, kT0, 1),
              StatusIs(StatusCode::kNotFound, MfaSerial(kAcct1, "none")));
  // A device is found only in its own account, and a user only in the device's.
  EXPECT_THAT(store_->AssignMfaDevice(kAcct2, serial, kAlice, kT0, 1),
              StatusIs(StatusCode::kNotFound, serial));
  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, serial, "AIDACAROL000000000000", kT0, 1),
              StatusIs(StatusCode::kNotFound, "AIDACAROL000000000000"));
  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAcct2, kT0, 1),
              StatusIs(StatusCode::kNotFound, kAcct2));
  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, serial, "", kT0, 1),
              StatusIs(StatusCode::kInvalidArgument, serial));
  EXPECT_THAT(Load().mfa_devices, ElementsAre(phone));

  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 5), IsOk());
  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, serial, kBob, kT0, 9),
              StatusIs(StatusCode::kAlreadyExists, serial));
  EXPECT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 9),
              StatusIs(StatusCode::kAlreadyExists, serial));
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, kT0, 5)));
}

TEST_P(MetadataStoreContract, UnassignMfaDeviceKeepsTheDeviceAndItsStep) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  MfaDevice phone = MakeMfaDevice(kAcct1, "phone", {{"k", "v"}});
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  const std::string& serial = phone.serial_number;

  EXPECT_THAT(store_->UnassignMfaDevice(kAlice, serial), StatusIs(StatusCode::kNotFound, serial));
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 50), IsOk());
  EXPECT_THAT(store_->UnassignMfaDevice(kBob, serial), StatusIs(StatusCode::kNotFound, serial));
  EXPECT_THAT(store_->UnassignMfaDevice(kAlice, MfaSerial(kAcct1, "none")),
              StatusIs(StatusCode::kNotFound, MfaSerial(kAcct1, "none")));
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, kT0, 50)));

  ASSERT_THAT(store_->UnassignMfaDevice(kAlice, serial), IsOk());
  phone.last_accepted_step = 50;
  EXPECT_THAT(Load().mfa_devices, ElementsAre(phone));
  EXPECT_THAT(store_->UnassignMfaDevice(kAlice, serial), StatusIs(StatusCode::kNotFound, serial));

  // Enabling again never lowers the step: codes accepted before stay refused.
  const TimePoint later = kT0 + std::chrono::seconds(90);
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kBob, later, 20), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kBob, later, 50)));
}

TEST_P(MetadataStoreContract, ResyncMfaDeviceRaisesTheStepOfAnAssignedDevice) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone");
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  const std::string& serial = phone.serial_number;

  EXPECT_THAT(store_->ResyncMfaDevice(kAlice, serial, 10), StatusIs(StatusCode::kNotFound, serial));
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 10), IsOk());
  EXPECT_THAT(store_->ResyncMfaDevice(kBob, serial, 30), StatusIs(StatusCode::kNotFound, serial));
  ASSERT_THAT(store_->ResyncMfaDevice(kAlice, serial, 30), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, kT0, 30)));
  // An earlier pair is accepted but the step stays.
  ASSERT_THAT(store_->ResyncMfaDevice(kAlice, serial, 20), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, kT0, 30)));
}

TEST_P(MetadataStoreContract, AdvanceMfaStepIsACompareAndSet) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateUser(MakeUser(kAcct1, kBob, "bob")), IsOk());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone");
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  const std::string& serial = phone.serial_number;
  const TimePoint enabled = kT0 + std::chrono::milliseconds(5);

  // Not assigned: nothing to advance.
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 11),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, enabled, 10), IsOk());

  ASSERT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 11), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, enabled, 11)));
  // The same step again (a replayed code), or an earlier one.
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 11),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 3),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  // Another user, another enabling, another device.
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kBob, enabled, 12),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled + std::chrono::milliseconds(1), 12),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  EXPECT_THAT(store_->AdvanceMfaStep(MfaSerial(kAcct1, "none"), kAlice, enabled, 12),
              StatusIs(StatusCode::kFailedPrecondition, MfaSerial(kAcct1, "none")));
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, enabled, 11)));

  ASSERT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 13), IsOk());
  // Deactivated and enabled again for the same user: the old enabling no longer matches.
  ASSERT_THAT(store_->UnassignMfaDevice(kAlice, serial), IsOk());
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 14),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  const TimePoint again = enabled + std::chrono::seconds(60);
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, again, 0), IsOk());
  EXPECT_THAT(store_->AdvanceMfaStep(serial, kAlice, enabled, 14),
              StatusIs(StatusCode::kFailedPrecondition, serial));
  ASSERT_THAT(store_->AdvanceMfaStep(serial, kAlice, again, 14), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, again, 14)));
}

// Threads presenting the same code at once: exactly one is accepted.
TEST_P(MetadataStoreContract, AdvanceMfaStepAcceptsEachStepOnce) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone");
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, phone.serial_number, kAlice, kT0, 0), IsOk());
  constexpr int kThreads = 4;
  constexpr int kSteps = 20;
  std::vector<std::vector<int64_t>> accepted(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t step = 1; step <= kSteps; ++step) {
        Status s = store_->AdvanceMfaStep(phone.serial_number, kAlice, kT0, step);
        if (s.ok()) {
          accepted[t].push_back(step);
        } else {
          EXPECT_THAT(s, StatusIs(StatusCode::kFailedPrecondition, phone.serial_number));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<int64_t> all;
  for (const auto& steps : accepted) all.insert(all.end(), steps.begin(), steps.end());
  std::sort(all.begin(), all.end());
  EXPECT_TRUE(std::adjacent_find(all.begin(), all.end()) == all.end()) << "a step accepted twice";
  EXPECT_THAT(Load().mfa_devices, ElementsAre(Assigned(phone, kAlice, kT0, kSteps)));
}

TEST_P(MetadataStoreContract, DeleteMfaDeviceIsRefusedWhileAssigned) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  const MfaDevice phone = MakeMfaDevice(kAcct1, "phone", {{"k", "v"}});
  const MfaDevice other = MakeMfaDevice(kAcct1, "other", {{"keep", "me"}});
  ASSERT_THAT(store_->CreateMfaDevice(phone), IsOk());
  ASSERT_THAT(store_->CreateMfaDevice(other), IsOk());
  const std::string& serial = phone.serial_number;

  EXPECT_THAT(store_->DeleteMfaDevice(kAcct1, MfaSerial(kAcct1, "none")),
              StatusIs(StatusCode::kNotFound, MfaSerial(kAcct1, "none")));
  EXPECT_THAT(store_->DeleteMfaDevice(kAcct2, serial), StatusIs(StatusCode::kNotFound, serial));
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 1), IsOk());
  EXPECT_THAT(store_->DeleteMfaDevice(kAcct1, serial),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMfaUser));
  EXPECT_EQ(Load().mfa_devices.size(), 2u);

  ASSERT_THAT(store_->UnassignMfaDevice(kAlice, serial), IsOk());
  ASSERT_THAT(store_->DeleteMfaDevice(kAcct1, serial), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(other));
  EXPECT_THAT(store_->DeleteMfaDevice(kAcct1, serial), StatusIs(StatusCode::kNotFound, serial));
  // The serial is free again, and the old tags and step do not come back.
  ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, "phone")), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(other, MakeMfaDevice(kAcct1, "phone")));
}

TEST_P(MetadataStoreContract, SetMfaDeviceTagsReplacesThemKeepingOrder) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  const MfaDevice other = MakeMfaDevice(kAcct1, "other", {{"keep", "me"}});
  ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, "phone", {{"a", "1"}})), IsOk());
  ASSERT_THAT(store_->CreateMfaDevice(other), IsOk());
  const std::string serial = MfaSerial(kAcct1, "phone");

  const std::vector<Tag> replaced = {{"team", "x"}, {"b", "3"}, {"a", "0"}};
  ASSERT_THAT(store_->SetMfaDeviceTags(kAcct1, serial, replaced), IsOk());
  EXPECT_THAT(Load().mfa_devices, ElementsAre(other, MakeMfaDevice(kAcct1, "phone", replaced)));
  // Tags do not depend on the assignment.
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, serial, kAlice, kT0, 1), IsOk());
  ASSERT_THAT(store_->SetMfaDeviceTags(kAcct1, serial, {}), IsOk());
  EXPECT_THAT(Load().mfa_devices,
              ElementsAre(other, Assigned(MakeMfaDevice(kAcct1, "phone"), kAlice, kT0, 1)));

  EXPECT_THAT(store_->SetMfaDeviceTags(kAcct2, serial, {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, serial));
  EXPECT_THAT(store_->SetMfaDeviceTags(kAcct1, MfaSerial(kAcct1, "none"), {{"k", "v"}}),
              StatusIs(StatusCode::kNotFound, MfaSerial(kAcct1, "none")));
}

// Whatever else a backend detects, the store's own writes are never a change made elsewhere.
TEST_P(MetadataStoreContract, OwnWritesAreNotChangesElsewhere) {
  ASSERT_THAT(store_->ChangedElsewhere(), IsOk());  // the baseline
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  ASSERT_THAT(store_->CreateMfaDevice(MakeMfaDevice(kAcct1, "phone")), IsOk());
  ASSERT_THAT(store_->AssignMfaDevice(kAcct1, MfaSerial(kAcct1, "phone"), kAlice, kT0, 1), IsOk());
  ASSERT_THAT(store_->AdvanceMfaStep(MfaSerial(kAcct1, "phone"), kAlice, kT0, 2), IsOk());
  ASSERT_THAT(store_->RecordAccessKeyUsage({}), IsOk());
  Load();
  auto changed = store_->ChangedElsewhere();
  ASSERT_THAT(changed, IsOk());
  EXPECT_FALSE(*changed);
}

// ---- Everything together

TEST_P(MetadataStoreContract, ConcurrentWritersAllLand) {
  ASSERT_NO_FATAL_FAILURE(CreateAccounts());
  constexpr int kThreads = 4;
  constexpr int kUsersPerThread = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kUsersPerThread; ++i) {
        const std::string n = std::to_string(t * kUsersPerThread + i);
        const std::string id = "AIDA" + std::string(17 - n.size(), '0') + n;
        EXPECT_THAT(store_->CreateUser(MakeUser(kAcct1, id, "user" + n, {{"n", n}})), IsOk());
        EXPECT_THAT(store_->SetUserTags(kAcct1, id, {{"n", n}, {"t", std::to_string(t)}}), IsOk());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<User> users = Load().users;
  ASSERT_EQ(users.size(), size_t{kThreads * kUsersPerThread});
  for (const User& user : users) {
    ASSERT_EQ(user.tags.size(), 2u) << user.name;
    EXPECT_EQ("user" + user.tags[0].value, user.name);
  }
}

TEST_P(MetadataStoreContract, LoadIdentityReturnsExactlyWhatWasWritten) {
  IdentityData written;
  written.accounts = {MakeAccount(kAcct1), MakeAccount(kAcct2)};
  written.accounts[1].name = "";  // empty strings stay empty, not NULL-ish
  written.accounts[1].created = Ms(0);
  written.users = {
      MakeUser(kAcct1, kAlice, "alice@example.com", {{"a", "b"}, {"c", "d"}}),
      MakeUser(kAcct1, kBob, "Bob+Ops=1,2.-_", {{"unicode", "h\xC3\xA9llo \xE2\x9C\x93"}}),
      MakeUser(kAcct2, "AIDACAROL000000000000", "carol")};
  written.users[1].path = "/a/b/";
  written.users[2].created = Ms(-1);  // before the epoch still round-trips
  written.access_keys = {MakeKey(kKey1, kAcct1, kAlice), MakeKey(kKey2, kAcct2, ""),
                         MakeKey(kRootKey, kAcct1, "")};
  written.access_keys[1].status = AccessKeyStatus::kInactive;
  written.access_keys[2].sealed_secret = std::string(256, '\0');
  written.key_usage = {MakeUsage(kKey1, kT0, "iam"), MakeUsage(kRootKey, Ms(1), "ec2")};

  for (const Account& a : written.accounts) ASSERT_THAT(store_->CreateAccount(a), IsOk());
  for (const User& u : written.users) ASSERT_THAT(store_->CreateUser(u), IsOk());
  for (const AccessKey& k : written.access_keys) ASSERT_THAT(store_->CreateAccessKey(k), IsOk());
  ASSERT_THAT(store_->RecordAccessKeyUsage(written.key_usage), IsOk());

  IdentityData loaded = Load();
  EXPECT_EQ(loaded.accounts, written.accounts);
  EXPECT_EQ(loaded.users, written.users);
  EXPECT_EQ(loaded.access_keys, written.access_keys);
  EXPECT_EQ(loaded.key_usage, written.key_usage);
}

// Everything written in reverse id order loads in the documented order, field for field.
TEST_P(MetadataStoreContract, LoadIdentitySortsEveryListDeterministically) {
  ASSERT_NO_FATAL_FAILURE(CreateAccountsAndAlice());
  User bob = MakeUser(kAcct1, kBob, "bob");
  bob.permissions_boundary_arn = PolicyArn(kAcct1, "Boundary");
  User carol = MakeUser(kAcct2, "AIDACAROL000000000000", "carol");
  ASSERT_THAT(store_->CreateUser(carol), IsOk());
  ASSERT_THAT(store_->CreateUser(bob), IsOk());

  const std::vector<Group> groups = {MakeGroup(kAcct1, kAdmins, "admins"),
                                     MakeGroup(kAcct1, kDevs, "devs"),
                                     MakeGroup(kAcct2, kFirstGroup, "admins")};
  for (auto it = groups.rbegin(); it != groups.rend(); ++it) {
    ASSERT_THAT(store_->CreateGroup(*it), IsOk());
  }
  const std::vector<GroupMembership> memberships = {{kAcct1, kAdmins, kAlice},
                                                    {kAcct1, kAdmins, kBob},
                                                    {kAcct1, kDevs, kBob},
                                                    {kAcct2, groups[2].group_id, carol.user_id}};
  for (auto it = memberships.rbegin(); it != memberships.rend(); ++it) {
    ASSERT_THAT(store_->AddUserToGroup(it->account_id, it->group_id, it->user_id), IsOk());
  }

  ManagedPolicy described = MakePolicy(kAcct1, kPolicyA, "a", {{"t", "1"}});
  described.description = "with a description";
  described.path = "/p/";
  std::vector<ManagedPolicy> policies = {described, MakePolicy(kAcct1, kPolicyB, "b"),
                                         MakePolicy(kAcct2, "ANPAPOLICYC0000000000", "c")};
  for (auto it = policies.rbegin(); it != policies.rend(); ++it) {
    ASSERT_THAT(store_->CreateManagedPolicy(*it, MakeVersion(it->policy_id, "v1")), IsOk());
  }
  ASSERT_THAT(store_->CreatePolicyVersion(kAcct1, MakeVersion(kPolicyB, "v2"), true, kT0), IsOk());
  policies[1].default_version_id = "v2";
  policies[1].next_version_number = 3;
  policies[1].updated = kT0;

  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct2, kFirstRole, "r2")), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleB, "b", {{"x", "y"}})), IsOk());
  ASSERT_THAT(store_->CreateRole(MakeRole(kAcct1, kRoleA, "a")), IsOk());

  const std::vector<PolicyAttachment> attachments = {
      Attachment(kAcct1, kUserOwner, kAlice, kAwsManagedArn),
      Attachment(kAcct1, kUserOwner, kBob, PolicyArn(kAcct1, "b")),
      Attachment(kAcct1, kUserOwner, kBob, PolicyArn(kAcct1, "a", "/p/")),  // ".../b" < ".../p/a"
      Attachment(kAcct1, kGroupOwner, kAdmins, kAwsManagedArn),
      Attachment(kAcct1, kRoleOwner, kRoleA, kAwsManagedArn),
      Attachment(kAcct2, kUserOwner, carol.user_id, kAwsManagedArn)};
  for (auto it = attachments.rbegin(); it != attachments.rend(); ++it) {
    ASSERT_THAT(store_->AttachPolicy(*it), IsOk());
  }
  const std::vector<InlinePolicy> inline_policies = {
      Inline(kAcct1, kUserOwner, kAlice, "alpha"), Inline(kAcct1, kUserOwner, kAlice, "Beta"),
      Inline(kAcct1, kUserOwner, kAlice, "gamma"), Inline(kAcct1, kGroupOwner, kDevs, "x"),
      Inline(kAcct1, kRoleOwner, kRoleB, "x"),     Inline(kAcct2, kRoleOwner, kFirstRole, "x")};
  for (auto it = inline_policies.rbegin(); it != inline_policies.rend(); ++it) {
    ASSERT_THAT(store_->PutInlinePolicy(*it), IsOk());
  }

  IdentityData data = Load();
  EXPECT_THAT(data.users, ElementsAre(MakeUser(kAcct1, kAlice, "alice"), bob, carol));
  EXPECT_EQ(data.groups, groups);
  EXPECT_EQ(data.memberships, memberships);
  EXPECT_EQ(data.managed_policies, policies);
  EXPECT_THAT(data.policy_versions,
              ElementsAre(MakeVersion(kPolicyA, "v1"), MakeVersion(kPolicyB, "v1"),
                          MakeVersion(kPolicyB, "v2"), MakeVersion("ANPAPOLICYC0000000000", "v1")));
  EXPECT_EQ(data.attachments, attachments);
  EXPECT_EQ(data.inline_policies, inline_policies);
  EXPECT_THAT(data.roles, ElementsAre(MakeRole(kAcct1, kRoleA, "a"),
                                      MakeRole(kAcct1, kRoleB, "b", {{"x", "y"}}),
                                      MakeRole(kAcct2, kFirstRole, "r2")));
}

}  // namespace
}  // namespace sigil
