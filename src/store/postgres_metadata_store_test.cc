#include "store/postgres_metadata_store.h"

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>

#include "common/crypto.h"
#include "store/metadata_store_contract.h"
#include "store/migrations.h"
#include "store/postgres_db.h"
#include "store/postgres_test_server.h"

namespace sigil {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

Status OpenToMigrate(const std::string& conninfo) {
  return PostgresMetadataStore::Open(conninfo).status();
}

// Each contract test gets a store on an empty schema: migrated by the first test, emptied of
// its rows for each later one (the tests below cover migrating fresh schemas).
INSTANTIATE_TEST_SUITE_P(
    Postgres, MetadataStoreContract,
    ::testing::Values(StoreFactory{
        .name = "Postgres",
        .create = [](const std::string&) -> StatusOr<std::unique_ptr<MetadataStore>> {
          SIGIL_ASSIGN_OR_RETURN(std::string conninfo,
                                 postgres_test::EmptiedSharedSchema(OpenToMigrate));
          SIGIL_ASSIGN_OR_RETURN(auto store, PostgresMetadataStore::Open(conninfo));
          return std::unique_ptr<MetadataStore>(std::move(store));
        }}),
    StoreFactoryName);

const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'700'000'000'000));
constexpr char kAccount[] = "123456789012";

Account TestAccount() { return Account{.account_id = kAccount, .name = "test", .created = kT0}; }

User MakeUser(const std::string& user_id, const std::string& name, std::vector<Tag> tags = {}) {
  return User{.account_id = kAccount,
              .user_id = user_id,
              .name = name,
              .path = "/",
              .created = kT0,
              .tags = std::move(tags)};
}

// A user whose id and name are derived from `i`.
User NumberedUser(uint32_t i) {
  const std::string n = std::to_string(i);
  return MakeUser("AIDA" + std::string(17 - n.size(), '0') + n, "user-" + n, {{"index", n}});
}

class PostgresMetadataStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = postgres_test::FreshSchema(&schema_);
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = *conninfo;
  }

  std::unique_ptr<PostgresMetadataStore> OpenOrDie() {
    auto store = PostgresMetadataStore::Open(conninfo_);
    EXPECT_THAT(store, IsOk());
    return store.ok() ? std::move(store).value() : nullptr;
  }

  // A separate connection to the schema, for looking behind the store's back.
  postgres::Db Connect() {
    auto db = postgres::Db::Connect(conninfo_);
    EXPECT_THAT(db, IsOk());
    return std::move(db).value();
  }

  // (version, applied_at) rows of schema_migrations.
  std::vector<std::pair<int64_t, int64_t>> AppliedMigrations() {
    std::vector<std::pair<int64_t, int64_t>> rows;
    postgres::Db db = Connect();
    auto result = db.Exec("SELECT version, applied_at FROM schema_migrations ORDER BY version");
    EXPECT_THAT(result, IsOk());
    if (!result.ok()) return rows;
    for (int row = 0; row < result->Rows(); ++row) {
      auto version = result->Int64(row, 0);
      auto applied_at = result->Int64(row, 1);
      EXPECT_THAT(version, IsOk());
      EXPECT_THAT(applied_at, IsOk());
      if (version.ok() && applied_at.ok()) rows.emplace_back(*version, *applied_at);
    }
    return rows;
  }

  std::string schema_;
  std::string conninfo_;  // puts schema_ first on search_path
};

TEST_F(PostgresMetadataStoreTest, ReopenKeepsData) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
    ASSERT_THAT(store->CreateUser(NumberedUser(7)), IsOk());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->accounts, ElementsAre(TestAccount()));
  EXPECT_THAT(data->users, ElementsAre(NumberedUser(7)));
  EXPECT_THAT(store->CreateUser(NumberedUser(8)), IsOk());
}

// The shared migration list runs verbatim on PostgreSQL, once.
TEST_F(PostgresMetadataStoreTest, MigrationsApplyOnceAndAreIdempotentOnReopen) {
  ASSERT_NE(OpenOrDie(), nullptr);
  const auto first = AppliedMigrations();
  ASSERT_EQ(first.size(), Migrations().size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].first, Migrations()[i].version);
    EXPECT_GT(first[i].second, 0);  // applied_at, in Unix milliseconds
  }
  ASSERT_NE(OpenOrDie(), nullptr);
  ASSERT_NE(OpenOrDie(), nullptr);
  EXPECT_EQ(AppliedMigrations(), first);
}

// Nodes starting together on an empty database: the advisory lock lets one migrate while the
// others wait, and they then find the schema current. Without it, concurrent CREATE TABLEs
// fail or the steps are recorded twice.
TEST_F(PostgresMetadataStoreTest, ConcurrentOpensApplyMigrationsOnce) {
  constexpr int kNodes = 4;
  std::latch start(kNodes);
  std::vector<Status> results(kNodes);
  std::vector<std::thread> nodes;
  for (int i = 0; i < kNodes; ++i) {
    nodes.emplace_back([&, i] {
      start.arrive_and_wait();
      results[i] = PostgresMetadataStore::Open(conninfo_).status();
    });
  }
  for (std::thread& node : nodes) node.join();
  for (const Status& result : results) EXPECT_THAT(result, IsOk());
  const auto applied = AppliedMigrations();
  ASSERT_EQ(applied.size(), Migrations().size());
  for (size_t i = 0; i < applied.size(); ++i) EXPECT_EQ(applied[i].first, Migrations()[i].version);
}

TEST_F(PostgresMetadataStoreTest, NewerSchemaVersionIsRefused) {
  ASSERT_NE(OpenOrDie(), nullptr);
  const int future = LatestSchemaVersion() + 1;
  postgres::Db db = Connect();
  ASSERT_THAT(db.Query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)",
                       int64_t{future}),
              IsOk());
  EXPECT_THAT(
      PostgresMetadataStore::Open(conninfo_),
      StatusIs(StatusCode::kFailedPrecondition,
               "database schema version " + std::to_string(future) + " is newer than this sigil (" +
                   std::to_string(LatestSchemaVersion()) + ")"));
  EXPECT_EQ(AppliedMigrations().back().first, future);  // refusing changed nothing
}

// A database a version-1 Sigil wrote is upgraded in place on open, keeping its data.
TEST_F(PostgresMetadataStoreTest, Version1SchemaUpgradesKeepingUsersAndKeys) {
  const std::string sealed("\x00\x01sealed\xff", 9);
  {
    postgres::Db db = Connect();
    ASSERT_THAT(db.Exec(kCreateSchemaMigrationsTable), IsOk());
    for (std::string_view statement : Migrations()[0].statements) {
      ASSERT_THAT(db.Exec(statement), IsOk());
    }
    ASSERT_THAT(db.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (1, 42);"
                        "INSERT INTO accounts VALUES ('123456789012', 'test', 1700000000000);"
                        "INSERT INTO users (user_id, account_id, name, path, created_ms) VALUES"
                        " ('AIDA00000000000000007', '123456789012', 'user-7', '/', 1700000000000);"
                        "INSERT INTO user_tags VALUES ('AIDA00000000000000007', 0, 'index', '7')"),
                IsOk());
    ASSERT_THAT(
        db.Query("INSERT INTO access_keys VALUES ($1, '123456789012', $2, 'Active', 1700000000000,"
                 " $3)",
                 "AKIAUSER000000000000", "AIDA00000000000000007", Base64Encode(sealed)),
        IsOk());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  const auto applied = AppliedMigrations();
  ASSERT_EQ(applied.size(), Migrations().size());
  EXPECT_EQ(applied[0], std::make_pair(int64_t{1}, int64_t{42}));  // untouched
  for (size_t i = 1; i < applied.size(); ++i) EXPECT_EQ(applied[i].first, Migrations()[i].version);

  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->users, ElementsAre(NumberedUser(7)));
  ASSERT_EQ(data->access_keys.size(), 1u);
  EXPECT_EQ(data->access_keys[0].sealed_secret, sealed);
  const std::string user_id = NumberedUser(7).user_id;
  ASSERT_THAT(store->SetUserPermissionsBoundary(kAccount, user_id, "arn:aws:iam::aws:policy/X"),
              IsOk());
  EXPECT_THAT(store->DeleteUser(kAccount, user_id),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAccessKeys));
}

// The database's own collation must not leak into the documented orders: these ids and names
// sort one way by bytes (as SQLite sorts) and another way by a linguistic collation.
TEST_F(PostgresMetadataStoreTest, SortsByBytesWhateverTheDatabaseCollation) {
  auto server = postgres_test::ServerConninfo();
  ASSERT_THAT(server, IsOk());
  const std::string database = schema_ + "_icu";
  auto admin = postgres::Db::Connect(*server);
  ASSERT_THAT(admin, IsOk());
  ASSERT_THAT(admin->Exec("CREATE DATABASE " + database +
                          " TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'"
                          " LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"),
              IsOk());
  const std::string conninfo = postgres_test::WithOption(*server, "dbname", database);
  {
    auto db = postgres::Db::Connect(conninfo);
    ASSERT_THAT(db, IsOk());
    // The premise: by default this database sorts 'a' before 'B' and '_' before '-'.
    auto premise = db->Exec("SELECT 'a' < 'B', 'a_x' < 'a-x'");
    ASSERT_THAT(premise, IsOk());
    ASSERT_EQ(premise->Text(0, 0) + premise->Text(0, 1), "tt");

    auto opened = PostgresMetadataStore::Open(conninfo);  // a brand-new database: schema public
    ASSERT_THAT(opened, IsOk());
    PostgresMetadataStore& store = **opened;
    ASSERT_THAT(store.CreateAccount(TestAccount()), IsOk());
    const std::vector<User> users = {MakeUser("AIDAB1", "b"), MakeUser("AIDA_1", "underscore"),
                                     MakeUser("AIDAa1", "a")};
    for (auto it = users.rbegin(); it != users.rend(); ++it) {
      ASSERT_THAT(store.CreateUser(*it), IsOk());
    }
    for (const char* name : {"a_x", "a-x", "B", "a"}) {
      ASSERT_THAT(store.PutInlinePolicy(InlinePolicy{.account_id = kAccount,
                                                     .owner_kind = PolicyOwnerKind::kUser,
                                                     .owner_id = "AIDAB1",
                                                     .name = name,
                                                     .document = "{}"}),
                  IsOk());
    }
    for (const char* name : {"b2", "B1", "a_x", "a-x"}) {
      ASSERT_THAT(store.CreateMfaDevice(MfaDevice{
                      .account_id = kAccount,
                      .serial_number = std::string("arn:aws:iam::") + kAccount + ":mfa/" + name,
                      .name = name,
                      .path = "/",
                      .created = kT0,
                      .sealed_seed = "sealed"}),
                  IsOk());
    }
    auto data = store.LoadIdentity();
    ASSERT_THAT(data, IsOk());
    EXPECT_EQ(data->users, users);
    std::vector<std::string> names;
    for (const InlinePolicy& policy : data->inline_policies) names.push_back(policy.name);
    // By lower(name), bytewise: "a" < "a-x" < "a_x" < "b".
    EXPECT_THAT(names, ElementsAre("a", "a-x", "a_x", "B"));
    std::vector<std::string> devices;
    for (const MfaDevice& device : data->mfa_devices) devices.push_back(device.name);
    // By serial number, bytewise: ".../B1" < ".../a-x" < ".../a_x" < ".../b2".
    EXPECT_THAT(devices, ElementsAre("B1", "a-x", "a_x", "b2"));
  }
  EXPECT_THAT(admin->Exec("DROP DATABASE " + database + " WITH (FORCE)"), IsOk());
}

// A connection the server dropped while idle (restart, failover, idle timeout) is replaced
// before the next call, which then succeeds.
TEST_F(PostgresMetadataStoreTest, ReconnectsAfterTheServerDroppedTheConnection) {
  postgres::Db admin = Connect();
  const std::string name = schema_ + "_conn";
  conninfo_ = postgres_test::WithOption(conninfo_, "application_name", name);
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());

  auto terminated = admin.Query(
      "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE application_name = $1"
      " AND query <> 'LISTEN sigil_identity'",  // not the notification connection
      name);
  ASSERT_THAT(terminated, IsOk());
  ASSERT_EQ(terminated->Rows(), 1);
  ASSERT_EQ(terminated->Text(0, 0), "t");

  EXPECT_THAT(store->CreateUser(NumberedUser(1)), IsOk());
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->users, ElementsAre(NumberedUser(1)));
}

TEST(PostgresMetadataStoreOpenTest, UnreachableServerIsUnavailable) {
  EXPECT_THAT(PostgresMetadataStore::Open(
                  "host=/nonexistent-sigil-dir port=5432 user=postgres connect_timeout=2"),
              StatusIs(StatusCode::kUnavailable, "cannot connect"));
}

TEST(PostgresMetadataStoreOpenTest, MalformedConnectionStringIsInvalidArgumentAndNotQuoted) {
  auto store = PostgresMetadataStore::Open("host=/tmp password=hunter2 user");
  EXPECT_THAT(store, StatusIs(StatusCode::kInvalidArgument, "malformed connection string"));
  EXPECT_THAT(store.status().message(), Not(HasSubstr("hunter2")));
}

// Where PostgreSQL is stricter than SQLite: text must be UTF-8 without NUL bytes. The store
// refuses such a value with kInvalidArgument and stores nothing (SQLite would store it).
TEST_F(PostgresMetadataStoreTest, TextPostgresCannotStoreIsInvalidArgument) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
  EXPECT_THAT(store->CreateUser(MakeUser("AIDA1", "nul", {{"k", std::string("a\0b", 3)}})),
              StatusIs(StatusCode::kInvalidArgument, "NUL byte"));
  EXPECT_THAT(store->CreateUser(MakeUser("AIDA2", "latin1-\xe9")),
              StatusIs(StatusCode::kInvalidArgument, "SQLSTATE 22021"));
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->users, IsEmpty());
}

// One node makes a version the default while another deletes it. Each checks the other's
// precondition and then writes; under SERIALIZABLE one of them sees the other's write (after a
// retry) and refuses, so the default version always exists.
TEST_F(PostgresMetadataStoreTest, DefaultVersionRaceNeverLeavesADanglingDefault) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_THAT(node_a->CreateAccount(TestAccount()), IsOk());
  const ManagedPolicy policy{.account_id = kAccount,
                             .policy_id = "ANPA1",
                             .name = "p",
                             .path = "/",
                             .description = "",
                             .default_version_id = "v1",
                             .next_version_number = 2,
                             .created = kT0,
                             .updated = kT0};
  ASSERT_THAT(node_a->CreateManagedPolicy(
                  policy, PolicyVersion{.policy_id = "ANPA1", .version_id = "v1", .created = kT0}),
              IsOk());
  int defaults_won = 0;
  int deletes_won = 0;
  for (int round = 2; round < 22; ++round) {
    const std::string id = "v" + std::to_string(round);
    SCOPED_TRACE(id);
    ASSERT_THAT(node_a->CreatePolicyVersion(
                    kAccount, PolicyVersion{.policy_id = "ANPA1", .version_id = id, .created = kT0},
                    /*set_as_default=*/false, kT0),
                IsOk());
    std::latch start(2);
    Status set_default;
    Status deleted;
    std::thread a([&] {
      start.arrive_and_wait();
      set_default = node_a->SetDefaultPolicyVersion(kAccount, "ANPA1", id, kT0);
    });
    std::thread b([&] {
      start.arrive_and_wait();
      deleted = node_b->DeletePolicyVersion(kAccount, "ANPA1", id);
    });
    a.join();
    b.join();
    if (set_default.ok()) {
      ++defaults_won;
      EXPECT_THAT(deleted, StatusIsExactly(StatusCode::kFailedPrecondition, kDefaultPolicyVersion));
    } else {
      ++deletes_won;
      EXPECT_THAT(set_default, StatusIs(StatusCode::kNotFound, id));
      EXPECT_THAT(deleted, IsOk());
    }
    auto data = node_b->LoadIdentity();
    ASSERT_THAT(data, IsOk());
    ASSERT_EQ(data->managed_policies.size(), 1u);
    const std::string& default_id = data->managed_policies[0].default_version_id;
    EXPECT_TRUE(std::any_of(data->policy_versions.begin(), data->policy_versions.end(),
                            [&](const PolicyVersion& v) { return v.version_id == default_id; }))
        << "the default " << default_id << " was deleted";
  }
  EXPECT_EQ(defaults_won + deletes_won, 20);
}

// One node deletes a user while another gives it an inline policy. Either may win, but never
// both: a user deleted with a policy still attached would leave an orphan that no later call
// can remove (SQLite gets this from its single writer; PostgreSQL from SERIALIZABLE).
TEST_F(PostgresMetadataStoreTest, DeleteRacingADependentNeverLeavesAnOrphan) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_THAT(node_a->CreateAccount(TestAccount()), IsOk());
  int deletes_won = 0;
  int puts_won = 0;
  for (uint32_t round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const User user = NumberedUser(round);
    ASSERT_THAT(node_a->CreateUser(user), IsOk());
    std::latch start(2);
    Status deleted;
    Status put;
    std::thread a([&] {
      start.arrive_and_wait();
      deleted = node_a->DeleteUser(kAccount, user.user_id);
    });
    std::thread b([&] {
      start.arrive_and_wait();
      put = node_b->PutInlinePolicy(InlinePolicy{.account_id = kAccount,
                                                 .owner_kind = PolicyOwnerKind::kUser,
                                                 .owner_id = user.user_id,
                                                 .name = "p",
                                                 .document = "{}"});
    });
    a.join();
    b.join();
    if (deleted.ok()) {
      ++deletes_won;
      EXPECT_THAT(put, StatusIs(StatusCode::kNotFound, user.user_id));
    } else {
      ++puts_won;
      EXPECT_THAT(deleted,
                  StatusIsExactly(StatusCode::kFailedPrecondition, kDependentInlinePolicies));
      EXPECT_THAT(put, IsOk());
    }
    auto data = node_a->LoadIdentity();
    ASSERT_THAT(data, IsOk());
    for (const InlinePolicy& policy : data->inline_policies) {
      EXPECT_TRUE(std::any_of(data->users.begin(), data->users.end(),
                              [&](const User& u) { return u.user_id == policy.owner_id; }))
          << "orphaned inline policy of " << policy.owner_id;
    }
  }
  EXPECT_EQ(deletes_won + puts_won, 20);
}

MfaDevice UnassignedPhone() {
  return MfaDevice{.account_id = kAccount,
                   .serial_number = std::string("arn:aws:iam::") + kAccount + ":mfa/phone",
                   .name = "phone",
                   .path = "/",
                   .created = kT0,
                   .sealed_seed = "sealed"};
}

// Two nodes presenting the same code at the same moment: the compare-and-set lets exactly one
// through, so a code cannot be used twice by sending it to two nodes.
TEST_F(PostgresMetadataStoreTest, SameStepOnTwoNodesIsAcceptedOnce) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_THAT(node_a->CreateAccount(TestAccount()), IsOk());
  const User user = NumberedUser(1);
  ASSERT_THAT(node_a->CreateUser(user), IsOk());
  const MfaDevice phone = UnassignedPhone();
  ASSERT_THAT(node_a->CreateMfaDevice(phone), IsOk());
  ASSERT_THAT(node_a->AssignMfaDevice(kAccount, phone.serial_number, user.user_id, kT0, 0), IsOk());
  int a_won = 0;
  int b_won = 0;
  constexpr int kRounds = 20;
  for (int64_t step = 1; step <= kRounds; ++step) {
    SCOPED_TRACE("step " + std::to_string(step));
    std::latch start(2);
    Status a_result;
    Status b_result;
    std::thread a([&] {
      start.arrive_and_wait();
      a_result = node_a->AdvanceMfaStep(phone.serial_number, user.user_id, kT0, step);
    });
    std::thread b([&] {
      start.arrive_and_wait();
      b_result = node_b->AdvanceMfaStep(phone.serial_number, user.user_id, kT0, step);
    });
    a.join();
    b.join();
    EXPECT_NE(a_result.ok(), b_result.ok()) << a_result.ToString() << " / " << b_result.ToString();
    const Status& loser = a_result.ok() ? b_result : a_result;
    EXPECT_THAT(loser, StatusIs(StatusCode::kFailedPrecondition, phone.serial_number));
    a_won += a_result.ok() ? 1 : 0;
    b_won += b_result.ok() ? 1 : 0;
  }
  EXPECT_EQ(a_won + b_won, kRounds);
  auto data = node_b->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  ASSERT_EQ(data->mfa_devices.size(), 1u);
  EXPECT_EQ(data->mfa_devices[0].last_accepted_step, kRounds);
}

// user_id cannot reference users (the root user's devices name the account), so the store's
// checks must hold across nodes: a device is never left assigned to a deleted user.
TEST_F(PostgresMetadataStoreTest, DeleteUserRacingAnEnableNeverLeavesADeviceOfNoUser) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  ASSERT_THAT(node_a->CreateAccount(TestAccount()), IsOk());
  const MfaDevice phone = UnassignedPhone();
  ASSERT_THAT(node_a->CreateMfaDevice(phone), IsOk());
  int deletes_won = 0;
  int enables_won = 0;
  for (uint32_t round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const User user = NumberedUser(round);
    ASSERT_THAT(node_a->CreateUser(user), IsOk());
    std::latch start(2);
    Status deleted;
    Status enabled;
    std::thread a([&] {
      start.arrive_and_wait();
      deleted = node_a->DeleteUser(kAccount, user.user_id);
    });
    std::thread b([&] {
      start.arrive_and_wait();
      enabled = node_b->AssignMfaDevice(kAccount, phone.serial_number, user.user_id, kT0, 1);
    });
    a.join();
    b.join();
    if (deleted.ok()) {
      ++deletes_won;
      EXPECT_THAT(enabled, StatusIs(StatusCode::kNotFound, user.user_id));
    } else {
      ++enables_won;
      EXPECT_THAT(deleted, StatusIsExactly(StatusCode::kFailedPrecondition, kDependentMfaDevices));
      EXPECT_THAT(enabled, IsOk());
      ASSERT_THAT(node_a->UnassignMfaDevice(user.user_id, phone.serial_number), IsOk());
    }
    auto data = node_a->LoadIdentity();
    ASSERT_THAT(data, IsOk());
    for (const MfaDevice& device : data->mfa_devices) {
      EXPECT_TRUE(device.user_id.empty() ||
                  std::any_of(data->users.begin(), data->users.end(),
                              [&](const User& u) { return u.user_id == device.user_id; }))
          << "device assigned to missing user " << device.user_id;
    }
  }
  EXPECT_EQ(deletes_won + enables_won, 20);
}

// ---- Change notification across nodes (LISTEN/NOTIFY)

// ChangedElsewhere, failing the test (and answering false) on error.
bool ChangedElsewhere(MetadataStore& store) {
  auto changed = store.ChangedElsewhere();
  EXPECT_THAT(changed, IsOk());
  return changed.ok() && *changed;
}

// Polls ChangedElsewhere until it answers true or `timeout` passes (a notification reaches the
// other session a moment after COMMIT returns). Returns whether it answered true.
bool ChangedWithin(MetadataStore& store, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (ChangedElsewhere(store)) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

TEST_F(PostgresMetadataStoreTest, ChangedElsewhereSeesOtherNodesWritesNotItsOwn) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  EXPECT_NE(node_a->node_id(), node_b->node_id());
  EXPECT_EQ(node_a->node_id().size(), 32u);
  EXPECT_FALSE(ChangedElsewhere(*node_a));
  EXPECT_FALSE(ChangedElsewhere(*node_b));

  // Delivery is asynchronous: give each notification time to reach every listener before
  // asserting that one was ignored.
  const auto settle = [] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); };
  ASSERT_THAT(node_a->CreateAccount(TestAccount()), IsOk());
  EXPECT_TRUE(ChangedWithin(*node_b, std::chrono::seconds(5)));
  settle();
  EXPECT_FALSE(ChangedElsewhere(*node_b));  // reported once
  EXPECT_FALSE(ChangedElsewhere(*node_a));  // its own write

  // b's own write is not a change for b, and is one for a.
  ASSERT_THAT(node_b->CreateUser(NumberedUser(1)), IsOk());
  EXPECT_TRUE(ChangedWithin(*node_a, std::chrono::seconds(5)));
  settle();
  EXPECT_FALSE(ChangedElsewhere(*node_b));
  EXPECT_FALSE(ChangedElsewhere(*node_a));

  // Several writes between two looks: at least one change, then nothing more once all arrived.
  ASSERT_THAT(node_a->SetUserTags(kAccount, NumberedUser(1).user_id, {{"k", "v"}}), IsOk());
  ASSERT_THAT(node_a->DeleteUser(kAccount, NumberedUser(1).user_id), IsOk());
  EXPECT_TRUE(ChangedWithin(*node_b, std::chrono::seconds(5)));
  settle();
  ChangedElsewhere(*node_b);  // the second write's notification, if it came after the first look
  EXPECT_FALSE(ChangedElsewhere(*node_b));

  // A write that fails (here: refused by the store's checks) commits nothing and tells nobody.
  ASSERT_THAT(node_a->CreateUser(NumberedUser(2)), IsOk());
  ASSERT_TRUE(ChangedWithin(*node_b, std::chrono::seconds(5)));
  EXPECT_THAT(node_b->CreateUser(NumberedUser(2)), StatusIs(StatusCode::kAlreadyExists, ""));
  settle();
  EXPECT_FALSE(ChangedElsewhere(*node_a));
}

// Key-usage flushes and accepted MFA steps change nothing a snapshot enforces: they must not
// make every other node reload (each node flushes usage every second). Notifications from one
// session arrive in commit order, so an observer that sees the write sent after them has seen
// everything they sent.
TEST_F(PostgresMetadataStoreTest, UsageAndMfaStepsSendNoNotification) {
  auto node = OpenOrDie();
  ASSERT_NE(node, nullptr);
  ASSERT_THAT(node->CreateAccount(TestAccount()), IsOk());
  const User user = NumberedUser(1);
  ASSERT_THAT(node->CreateUser(user), IsOk());
  ASSERT_THAT(node->CreateAccessKey(AccessKey{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                                              .account_id = kAccount,
                                              .user_id = user.user_id,
                                              .created = kT0,
                                              .sealed_secret = "sealed"}),
              IsOk());
  const MfaDevice phone = UnassignedPhone();
  ASSERT_THAT(node->CreateMfaDevice(phone), IsOk());
  ASSERT_THAT(node->AssignMfaDevice(kAccount, phone.serial_number, user.user_id, kT0, 0), IsOk());

  postgres::Db observer = Connect();
  ASSERT_THAT(observer.Exec("LISTEN sigil_identity"), IsOk());
  ASSERT_THAT(node->RecordAccessKeyUsage({AccessKeyUsage{.access_key_id = "AKIAIOSFODNN7EXAMPLE",
                                                         .last_used = kT0,
                                                         .region = "us-east-1",
                                                         .service = "sts"}}),
              IsOk());
  ASSERT_THAT(node->AdvanceMfaStep(phone.serial_number, user.user_id, kT0, 5), IsOk());
  ASSERT_THAT(node->SetUserTags(kAccount, user.user_id, {{"sentinel", "1"}}), IsOk());

  std::vector<postgres::Notification> received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (received.empty() && std::chrono::steady_clock::now() < deadline) {
    auto batch = observer.TakeNotifications();
    ASSERT_THAT(batch, IsOk());
    received.insert(received.end(), batch->begin(), batch->end());
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(received.size(), 1u) << "expected only the sentinel write's notification";
  EXPECT_EQ(received[0].channel, kIdentityChannel);
  EXPECT_EQ(received[0].payload, node->node_id());
}

// The safety net: whatever it heard, ChangedElsewhere answers true once per interval.
TEST_F(PostgresMetadataStoreTest, FullCheckIntervalReportsAChangePeriodically) {
  auto store = PostgresMetadataStore::Open(
      conninfo_,
      PostgresMetadataStore::Options{.full_check_interval = std::chrono::milliseconds(300)});
  ASSERT_THAT(store, IsOk());
  EXPECT_FALSE(ChangedElsewhere(**store));
  std::this_thread::sleep_for(std::chrono::milliseconds(350));
  EXPECT_TRUE(ChangedElsewhere(**store));
  EXPECT_FALSE(ChangedElsewhere(**store));  // the interval starts again
  // The default is a minute.
  EXPECT_EQ(PostgresMetadataStore::Options{}.full_check_interval, std::chrono::seconds(60));
}

// A notification connection that broke (server restart, terminated backend) is re-established,
// and the call that notices reports a change: notifications sent meanwhile are lost, so the
// caller must reload everything. Afterwards notifications flow again.
TEST_F(PostgresMetadataStoreTest, LostNotificationConnectionReconnectsAndReportsAChange) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  EXPECT_FALSE(ChangedElsewhere(*node_a));

  postgres::Db admin = Connect();
  // Every session of this schema's stores that last ran LISTEN: node a's and node b's listeners.
  auto terminated = admin.Exec(
      "SELECT count(*) FROM (SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity"
      " WHERE query = 'LISTEN sigil_identity' AND pid <> pg_backend_pid()) t");
  ASSERT_THAT(terminated, IsOk());
  ASSERT_EQ(terminated->Text(0, 0), "2");
  // A change lost while the connection was down: committed before anyone noticed the loss.
  ASSERT_THAT(node_b->CreateAccount(TestAccount()), IsOk());

  EXPECT_TRUE(ChangedElsewhere(*node_a));
  EXPECT_FALSE(ChangedElsewhere(*node_a));
  ASSERT_THAT(node_b->CreateUser(NumberedUser(1)), IsOk());
  EXPECT_TRUE(ChangedWithin(*node_a, std::chrono::seconds(5)));
}

// RunExclusively serializes start-up steps across nodes: a second node's step starts only after
// the first one's has returned (and the first one's write is then visible to it).
TEST_F(PostgresMetadataStoreTest, RunExclusivelyLetsOneNodeAtATime) {
  auto node_a = OpenOrDie();
  auto node_b = OpenOrDie();
  ASSERT_NE(node_a, nullptr);
  ASSERT_NE(node_b, nullptr);
  std::latch a_inside(1);
  std::atomic<bool> a_done{false};
  bool b_saw_a_done = false;
  bool b_saw_account = false;
  std::thread a([&] {
    EXPECT_THAT(node_a->RunExclusively([&]() -> Status {
      a_inside.count_down();
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      SIGIL_RETURN_IF_ERROR(node_a->CreateAccount(TestAccount()));
      a_done = true;
      return OkStatus();
    }),
                IsOk());
  });
  a_inside.wait();
  EXPECT_THAT(node_b->RunExclusively([&]() -> Status {
    b_saw_a_done = a_done;
    SIGIL_ASSIGN_OR_RETURN(IdentityData data, node_b->LoadIdentity());
    b_saw_account = data.accounts.size() == 1;
    return OkStatus();
  }),
              IsOk());
  a.join();
  EXPECT_TRUE(b_saw_a_done);
  EXPECT_TRUE(b_saw_account);
  // The step's own status comes back, and the lock is released after a failure too.
  EXPECT_THAT(node_a->RunExclusively([] { return NotFoundError("step failed"); }),
              StatusIsExactly(StatusCode::kNotFound, "step failed"));
  EXPECT_THAT(node_b->RunExclusively([] { return OkStatus(); }), IsOk());
}

// The password of a connection string never shows in what the store says about itself.
TEST_F(PostgresMetadataStoreTest, DescribeNamesTheServerButNeverThePassword) {
  // The test cluster trusts local connections, so any password is accepted and ignored.
  auto store = PostgresMetadataStore::Open(conninfo_ + " password=hunter2secret");
  ASSERT_THAT(store, IsOk());
  const std::string described = (*store)->Describe();
  EXPECT_THAT(described, HasSubstr("dbname=postgres"));
  EXPECT_THAT(described, HasSubstr("user=postgres"));
  EXPECT_THAT(described, Not(HasSubstr("hunter2secret")));
}

}  // namespace
}  // namespace sigil
