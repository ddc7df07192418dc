#include "store/metadata_store_contract.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

namespace sigil {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

ScratchDir::ScratchDir() {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string pattern = std::string(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp") +
                        "/sigil-store-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp(" << pattern << "): " << std::strerror(errno);
    return;
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

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
              StatusIs(StatusCode::kFailedPrecondition, "access keys"));
  ASSERT_THAT(store_->DeleteAccessKey(kKey1), IsOk());
  EXPECT_THAT(store_->DeleteUser(kAcct1, kAlice),
              StatusIs(StatusCode::kFailedPrecondition, "access keys"));
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
                                    MakeUsage("AKIANOSUCHKEY0000000", t2, "iam"), elsewhere}),
      IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));

  // Older is ignored.
  ASSERT_THAT(store_->RecordAccessKeyUsage({MakeUsage(kKey1, t1, "iam")}), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));

  ASSERT_THAT(store_->RecordAccessKeyUsage({}), IsOk());
  EXPECT_THAT(Load().key_usage, ElementsAre(elsewhere, MakeUsage(kRootKey, t1, "sts")));
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

}  // namespace
}  // namespace sigil
