#include "store/sqlite_metadata_store.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "common/crypto.h"
#include "store/metadata_store_contract.h"
#include "store/migrations.h"
#include "store/sqlite_db.h"

namespace sigil {
namespace {

constexpr char kDbName[] = "sigil.db";

INSTANTIATE_TEST_SUITE_P(
    Sqlite, MetadataStoreContract,
    ::testing::Values(StoreFactory{
        .name = "Sqlite",
        .create = [](const std::string& dir) -> StatusOr<std::unique_ptr<MetadataStore>> {
          SIGIL_ASSIGN_OR_RETURN(auto store, SqliteMetadataStore::Open(dir + "/" + kDbName));
          return std::unique_ptr<MetadataStore>(std::move(store));
        }}),
    StoreFactoryName);

const TimePoint kT0 = TimePoint(std::chrono::milliseconds(1'700'000'000'000));
constexpr char kAccount[] = "123456789012";
// SHA-256 of migration 1's statements, each followed by ";\n" (see Version1IsUnchanged).
constexpr char kMigration1Sha256[] =
    "91a1bf8aa72aae4e52a8250c754bfc5ba4bc6dc5e4e544318036fc5dbe82e181";

Account TestAccount() { return Account{.account_id = kAccount, .name = "test", .created = kT0}; }

// A user whose id and name are derived from `i`.
User NumberedUser(uint32_t i) {
  const std::string n = std::to_string(i);
  return User{.account_id = kAccount,
              .user_id = "AIDA" + std::string(17 - n.size(), '0') + n,
              .name = "user-" + n,
              .path = "/",
              .created = kT0,
              .tags = {{"index", n}}};
}

std::unique_ptr<SqliteMetadataStore> OpenOrDie(const std::string& path) {
  auto store = SqliteMetadataStore::Open(path);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? std::move(store).value() : nullptr;
}

// (version, applied_at) rows of schema_migrations, read over a separate connection.
std::vector<std::pair<int64_t, int64_t>> AppliedMigrations(const std::string& path) {
  std::vector<std::pair<int64_t, int64_t>> rows;
  auto db = sqlite::Db::Open(path);
  EXPECT_THAT(db, IsOk());
  if (!db.ok()) return rows;
  auto select = db->Prepare("SELECT version, applied_at FROM schema_migrations ORDER BY version");
  EXPECT_THAT(select, IsOk());
  if (!select.ok()) return rows;
  EXPECT_THAT(select->ForEachRow([&] {
    rows.emplace_back(select->ColumnInt64(0), select->ColumnInt64(1));
    return OkStatus();
  }),
              IsOk());
  return rows;
}

off_t FileSize(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

TEST(MigrationsTest, VersionsAreContiguousFromOne) {
  const std::vector<Migration>& migrations = Migrations();
  ASSERT_FALSE(migrations.empty());
  for (size_t i = 0; i < migrations.size(); ++i) {
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(migrations[i].description.empty());
    EXPECT_FALSE(migrations[i].statements.empty());
  }
  EXPECT_EQ(LatestSchemaVersion(), migrations.back().version);
}

TEST(SqliteMetadataStoreTest, ReopenKeepsData) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
    ASSERT_THAT(store->CreateUser(NumberedUser(7)), IsOk());
  }
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->accounts, ::testing::ElementsAre(TestAccount()));
  EXPECT_THAT(data->users, ::testing::ElementsAre(NumberedUser(7)));
  // And the reopened store is writable.
  EXPECT_THAT(store->CreateUser(NumberedUser(8)), IsOk());
}

// store.ChangedElsewhere(), failing the test (and answering false) on error.
bool ChangedElsewhere(SqliteMetadataStore& store) {
  auto changed = store.ChangedElsewhere();
  EXPECT_THAT(changed, IsOk());
  return changed.ok() && *changed;
}

// ChangedElsewhere reads PRAGMA data_version on the store's one connection: commits through
// another connection (another process, here another store on the same file) count; the store's
// own never do.
TEST(SqliteMetadataStoreTest, ChangedElsewhereSeesOnlyOtherConnectionsCommits) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  auto store = OpenOrDie(path);
  auto other = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_NE(other, nullptr);
  // The other store's migration check (a read) changed nothing.
  EXPECT_FALSE(ChangedElsewhere(*store));

  ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
  ASSERT_THAT(store->CreateUser(NumberedUser(1)), IsOk());
  EXPECT_FALSE(ChangedElsewhere(*store));

  ASSERT_THAT(other->CreateUser(NumberedUser(2)), IsOk());
  EXPECT_TRUE(ChangedElsewhere(*store));
  EXPECT_FALSE(ChangedElsewhere(*store));  // reported once
  // And the other store saw this one's writes.
  EXPECT_TRUE(ChangedElsewhere(*other));

  // A refused write commits nothing.
  EXPECT_THAT(other->CreateUser(NumberedUser(2)), StatusIs(StatusCode::kAlreadyExists, ""));
  EXPECT_FALSE(ChangedElsewhere(*store));
}

// Two stores on one file (two processes) presenting the same TOTP step: one is accepted.
TEST(SqliteMetadataStoreTest, SameStepThroughTwoConnectionsIsAcceptedOnce) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  auto store = OpenOrDie(path);
  auto other = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_NE(other, nullptr);
  const User user = NumberedUser(1);
  const std::string serial = std::string("arn:aws:iam::") + kAccount + ":mfa/phone";
  ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
  ASSERT_THAT(store->CreateUser(user), IsOk());
  ASSERT_THAT(store->CreateMfaDevice(MfaDevice{.account_id = kAccount,
                                               .serial_number = serial,
                                               .name = "phone",
                                               .path = "/",
                                               .created = kT0,
                                               .sealed_seed = "sealed"}),
              IsOk());
  ASSERT_THAT(store->AssignMfaDevice(kAccount, serial, user.user_id, kT0, 0), IsOk());
  constexpr int64_t kSteps = 50;
  std::vector<int64_t> accepted[2];
  std::thread threads[2];
  SqliteMetadataStore* stores[2] = {store.get(), other.get()};
  for (int t = 0; t < 2; ++t) {
    threads[t] = std::thread([&, t] {
      for (int64_t step = 1; step <= kSteps; ++step) {
        if (stores[t]->AdvanceMfaStep(serial, user.user_id, kT0, step).ok()) {
          accepted[t].push_back(step);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<int64_t> all(accepted[0].begin(), accepted[0].end());
  all.insert(accepted[1].begin(), accepted[1].end());
  EXPECT_EQ(all.size(), accepted[0].size() + accepted[1].size()) << "a step accepted twice";
  auto data = other->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  ASSERT_EQ(data->mfa_devices.size(), 1u);
  EXPECT_EQ(data->mfa_devices[0].last_accepted_step, kSteps);
}

TEST(SqliteMetadataStoreTest, MigrationsApplyOnceAndAreIdempotentOnReopen) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  ASSERT_NE(OpenOrDie(path), nullptr);
  const auto first = AppliedMigrations(path);
  ASSERT_EQ(first.size(), Migrations().size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].first, Migrations()[i].version);
    EXPECT_GT(first[i].second, 0);  // applied_at, in Unix milliseconds
  }
  ASSERT_NE(OpenOrDie(path), nullptr);
  ASSERT_NE(OpenOrDie(path), nullptr);
  EXPECT_EQ(AppliedMigrations(path), first);
}

// Shipped migrations are immutable: databases in the field already ran them, so an edit would
// never reach them. Append a new step instead.
TEST(MigrationsTest, Version1IsUnchanged) {
  std::string text;
  for (std::string_view statement : Migrations()[0].statements) {
    text += statement;
    text += ";\n";
  }
  EXPECT_EQ(Sha256Hex(text), kMigration1Sha256) << text;
}

// A database written by a Sigil that knew only schema version 1 is upgraded in place on open,
// keeping its accounts, users, tags, keys and usage, and then supports the new entities.
TEST(SqliteMetadataStoreTest, Version1DatabaseUpgradesKeepingUsersAndKeys) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  const std::string sealed("\x00\x01sealed\xff", 9);
  {
    auto db = sqlite::Db::Open(path);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec(kCreateSchemaMigrationsTable), IsOk());
    for (std::string_view statement : Migrations()[0].statements) {
      ASSERT_THAT(db->Exec(statement), IsOk());
    }
    ASSERT_THAT(db->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (1, 42);"
                         "INSERT INTO accounts VALUES ('123456789012', 'test', 1700000000000);"
                         "INSERT INTO users (user_id, account_id, name, path, created_ms) VALUES"
                         " ('AIDA00000000000000007', '123456789012', 'user-7', '/', 1700000000000);"
                         "INSERT INTO user_tags VALUES ('AIDA00000000000000007', 0, 'index', '7')"),
                IsOk());
    auto insert_key = db->Prepare(
        "INSERT INTO access_keys VALUES (?1, '123456789012', ?2, 'Active', 1700000000000, ?3)");
    ASSERT_THAT(insert_key, IsOk());
    ASSERT_THAT(
        insert_key->Bind("AKIAUSER000000000000", "AIDA00000000000000007", Base64Encode(sealed))
            .Run(),
        IsOk());
    ASSERT_THAT(db->Exec("INSERT INTO access_key_usage VALUES"
                         " ('AKIAUSER000000000000', 1700000000500, 'us-east-1', 'iam')"),
                IsOk());
  }

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  const auto applied = AppliedMigrations(path);
  ASSERT_EQ(applied.size(), Migrations().size());
  EXPECT_EQ(applied[0], std::make_pair(int64_t{1}, int64_t{42}));  // untouched
  for (size_t i = 1; i < applied.size(); ++i) EXPECT_EQ(applied[i].first, Migrations()[i].version);

  const AccessKey key{.access_key_id = "AKIAUSER000000000000",
                      .account_id = kAccount,
                      .user_id = NumberedUser(7).user_id,
                      .status = AccessKeyStatus::kActive,
                      .created = kT0,
                      .sealed_secret = sealed};
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->accounts, ::testing::ElementsAre(TestAccount()));
  EXPECT_THAT(data->users, ::testing::ElementsAre(NumberedUser(7)));  // no boundary
  EXPECT_THAT(data->access_keys, ::testing::ElementsAre(key));
  EXPECT_THAT(data->key_usage, ::testing::ElementsAre(
                                   AccessKeyUsage{.access_key_id = key.access_key_id,
                                                  .last_used = kT0 + std::chrono::milliseconds(500),
                                                  .region = "us-east-1",
                                                  .service = "iam"}));

  // The upgraded database has the new tables and column, and the old rules still hold.
  const std::string user_id = NumberedUser(7).user_id;
  ASSERT_THAT(store->SetUserPermissionsBoundary(kAccount, user_id, "arn:aws:iam::aws:policy/X"),
              IsOk());
  ASSERT_THAT(store->CreateGroup(Group{.account_id = kAccount,
                                       .group_id = "AGPA00000000000000001",
                                       .name = "g",
                                       .path = "/",
                                       .created = kT0}),
              IsOk());
  ASSERT_THAT(store->AddUserToGroup(kAccount, "AGPA00000000000000001", user_id), IsOk());
  const std::string serial = std::string("arn:aws:iam::") + kAccount + ":mfa/phone";
  ASSERT_THAT(store->CreateMfaDevice(MfaDevice{.account_id = kAccount,
                                               .serial_number = serial,
                                               .name = "phone",
                                               .path = "/",
                                               .created = kT0,
                                               .sealed_seed = sealed}),
              IsOk());
  ASSERT_THAT(store->AssignMfaDevice(kAccount, serial, user_id, kT0, 1), IsOk());
  EXPECT_THAT(store->DeleteUser(kAccount, user_id),
              StatusIsExactly(StatusCode::kFailedPrecondition, kDependentAccessKeys));
  data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  ASSERT_EQ(data->users.size(), 1u);
  EXPECT_EQ(data->users[0].permissions_boundary_arn, "arn:aws:iam::aws:policy/X");
  EXPECT_EQ(data->memberships.size(), 1u);
  ASSERT_EQ(data->mfa_devices.size(), 1u);
  EXPECT_EQ(data->mfa_devices[0].user_id, user_id);
}

// Policies, their counters, versions, attachments, inline policies and roles survive a reopen.
TEST(SqliteMetadataStoreTest, ReopenKeepsPoliciesAndRoles) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  const ManagedPolicy policy{.account_id = kAccount,
                             .policy_id = "ANPA00000000000000001",
                             .name = "p",
                             .path = "/",
                             .description = "d",
                             .default_version_id = "v1",
                             .next_version_number = 2,
                             .created = kT0,
                             .updated = kT0,
                             .tags = {{"k", "v"}}};
  const Role role{.account_id = kAccount,
                  .role_id = "AROA00000000000000001",
                  .name = "r",
                  .path = "/",
                  .description = "",
                  .assume_role_policy = "{}",
                  .max_session_duration = 3600,
                  .permissions_boundary_arn = "arn:aws:iam::aws:policy/X",
                  .created = kT0,
                  .tags = {{"a", "b"}}};
  IdentityData before;
  {
    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
    ASSERT_THAT(store->CreateManagedPolicy(policy, PolicyVersion{.policy_id = policy.policy_id,
                                                                 .version_id = "v1",
                                                                 .document = "{}",
                                                                 .created = kT0}),
                IsOk());
    ASSERT_THAT(store->CreatePolicyVersion(kAccount,
                                           PolicyVersion{.policy_id = policy.policy_id,
                                                         .version_id = "v2",
                                                         .document = "{\"v\":2}",
                                                         .created = kT0},
                                           true, kT0 + std::chrono::seconds(1)),
                IsOk());
    ASSERT_THAT(store->CreateRole(role), IsOk());
    ASSERT_THAT(store->AttachPolicy(PolicyAttachment{
                    .account_id = kAccount,
                    .owner_kind = PolicyOwnerKind::kRole,
                    .owner_id = role.role_id,
                    .policy_arn = "arn:aws:iam::" + std::string(kAccount) + ":policy/p"}),
                IsOk());
    ASSERT_THAT(store->PutInlinePolicy(InlinePolicy{.account_id = kAccount,
                                                    .owner_kind = PolicyOwnerKind::kRole,
                                                    .owner_id = role.role_id,
                                                    .name = "inline",
                                                    .document = "{}"}),
                IsOk());
    auto data = store->LoadIdentity();
    ASSERT_THAT(data, IsOk());
    before = std::move(data).value();
  }
  ASSERT_EQ(before.managed_policies.size(), 1u);
  EXPECT_EQ(before.managed_policies[0].next_version_number, 3);
  EXPECT_EQ(before.managed_policies[0].default_version_id, "v2");

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto after = store->LoadIdentity();
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(after->managed_policies, before.managed_policies);
  EXPECT_EQ(after->policy_versions, before.policy_versions);
  EXPECT_EQ(after->roles, before.roles);
  EXPECT_EQ(after->attachments, before.attachments);
  EXPECT_EQ(after->inline_policies, before.inline_policies);
  EXPECT_EQ(after->roles, std::vector<Role>{role});
  // The persisted counter keeps numbering after the reopen.
  EXPECT_THAT(
      store->CreatePolicyVersion(
          kAccount,
          PolicyVersion{
              .policy_id = policy.policy_id, .version_id = "v3", .document = "{}", .created = kT0},
          false, kT0),
      IsOk());
  after = store->LoadIdentity();
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->managed_policies.size(), 1u);
  EXPECT_EQ(after->managed_policies[0].next_version_number, 4);
}

TEST(SqliteMetadataStoreTest, NewerSchemaVersionIsRefused) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  ASSERT_NE(OpenOrDie(path), nullptr);
  const int future = LatestSchemaVersion() + 1;
  {
    auto db = sqlite::Db::Open(path);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
                         std::to_string(future) + ", 1)"),
                IsOk());
  }
  EXPECT_THAT(
      SqliteMetadataStore::Open(path),
      StatusIs(StatusCode::kFailedPrecondition,
               "database schema version " + std::to_string(future) + " is newer than this sigil (" +
                   std::to_string(LatestSchemaVersion()) + ")"));
  // Refusing changed nothing.
  EXPECT_EQ(AppliedMigrations(path).back().first, future);
}

TEST(SqliteMetadataStoreTest, PingReportsASchemaVersionMismatch) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  std::unique_ptr<SqliteMetadataStore> store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  ASSERT_THAT(store->Ping(), IsOk());
  const std::string latest = std::to_string(LatestSchemaVersion());
  const std::string previous = std::to_string(LatestSchemaVersion() - 1);
  const std::string future = std::to_string(LatestSchemaVersion() + 1);
  auto db = sqlite::Db::Open(path);
  ASSERT_THAT(db, IsOk());
  ASSERT_THAT(db->Exec("DELETE FROM schema_migrations WHERE version = " + latest), IsOk());
  EXPECT_THAT(store->Ping(),
              StatusIs(StatusCode::kFailedPrecondition, "database schema version " + previous +
                                                            ", this sigil needs " + latest +
                                                            ": migrations not applied"));
  ASSERT_THAT(
      db->Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" + future + ", 1)"),
      IsOk());
  EXPECT_THAT(store->Ping(), StatusIs(StatusCode::kFailedPrecondition,
                                      "database schema version " + future +
                                          " is newer than this sigil (" + latest + ")"));
}

TEST(SqliteMetadataStoreTest, FileThatIsNotADatabaseIsInternal) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  std::ofstream(path) << "this is not an SQLite database, just some text long enough to "
                         "fill the header SQLite expects at the start of its file format.";
  EXPECT_THAT(SqliteMetadataStore::Open(path),
              StatusIs(StatusCode::kInternal, "file is not a database"));
}

// A write acknowledged to the caller is in the WAL even if the process dies before any
// checkpoint copies it into the main file: the child exits without closing (so without the
// checkpoint a clean close would run) and the parent finds the data.
TEST(SqliteMetadataStoreTest, AcknowledgedWriteSurvivesExitWithoutCheckpoint) {
  ScratchDir dir;
  const std::string path = dir.File(kDbName);
  ASSERT_NE(OpenOrDie(path), nullptr);  // create the schema, then close cleanly
  const off_t checkpointed_size = FileSize(path);

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = SqliteMetadataStore::Open(path);
    bool ok = store.ok() && (*store)->CreateAccount(TestAccount()).ok() &&
              (*store)->CreateUser(NumberedUser(1)).ok();
    _exit(ok ? 0 : 1);  // no destructors: the connection is never closed
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 0);
  // The writes are in the WAL only.
  EXPECT_GT(FileSize(path + "-wal"), 0);
  EXPECT_EQ(FileSize(path), checkpointed_size);

  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  auto data = store->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_THAT(data->accounts, ::testing::ElementsAre(TestAccount()));
  EXPECT_THAT(data->users, ::testing::ElementsAre(NumberedUser(1)));
}

// Reads one acknowledgement (a user index) from `fd`: nullopt at EOF; fails the test after
// `timeout_ms` without one.
std::optional<uint32_t> ReadAck(int fd, int timeout_ms) {
  uint32_t index = 0;
  size_t got = 0;
  while (got < sizeof index) {
    pollfd pfd{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&pfd, 1, timeout_ms) != 1) {
      ADD_FAILURE() << "no acknowledgement from the writer within " << timeout_ms << " ms";
      return std::nullopt;
    }
    ssize_t n = read(fd, reinterpret_cast<char*>(&index) + got, sizeof index - got);
    if (n == 0) return std::nullopt;
    if (n < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << "read: " << std::strerror(errno);
      return std::nullopt;
    }
    got += static_cast<size_t>(n);
  }
  return index;
}

// A child writes users one by one, acknowledging each over a pipe once CreateUser returned OK,
// and is SIGKILLed at a random point. Every acknowledged user must be in the database.
TEST(SqliteMetadataStoreCrashTest, EveryAcknowledgedWriteSurvivesSigkill) {
  const uint32_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ScratchDir dir;
    const std::string path = dir.File(kDbName);
    {
      auto store = OpenOrDie(path);
      ASSERT_NE(store, nullptr);
      ASSERT_THAT(store->CreateAccount(TestAccount()), IsOk());
    }
    const uint32_t kill_after = std::uniform_int_distribution<uint32_t>(1, 100)(random);
    // Lets the kill land anywhere inside the next write, not just between writes.
    const int delay_us = std::uniform_int_distribution<int>(0, 2000)(random);

    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      auto store = SqliteMetadataStore::Open(path);
      if (!store.ok()) _exit(2);
      for (uint32_t i = 0;; ++i) {  // until killed
        if (!(*store)->CreateUser(NumberedUser(i)).ok()) _exit(3);
        if (write(fds[1], &i, sizeof i) != static_cast<ssize_t>(sizeof i)) _exit(4);
      }
    }
    close(fds[1]);

    uint32_t acknowledged = 0;
    bool killed = false;
    while (std::optional<uint32_t> ack = ReadAck(fds[0], 5000)) {
      EXPECT_EQ(*ack, acknowledged);  // acknowledgements arrive in order
      ++acknowledged;
      if (!killed && acknowledged == kill_after) {
        usleep(static_cast<useconds_t>(delay_us));
        ASSERT_EQ(kill(child, SIGKILL), 0);
        killed = true;
      }
    }
    close(fds[0]);
    int wait_status = 0;
    ASSERT_EQ(waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(killed);
    ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
        << "the writer ended on its own with status " << wait_status;

    auto store = OpenOrDie(path);
    ASSERT_NE(store, nullptr);
    auto data = store->LoadIdentity();
    ASSERT_THAT(data, IsOk());
    std::set<std::string> present;
    for (const User& user : data->users) present.insert(user.user_id);
    for (uint32_t i = 0; i < acknowledged; ++i) {
      EXPECT_TRUE(present.count(NumberedUser(i).user_id)) << "acknowledged user " << i << " lost";
    }
    // At most the one write in flight when the kill landed may also be there, and whole.
    ASSERT_GE(data->users.size(), acknowledged);
    ASSERT_LE(data->users.size(), acknowledged + 1);
    for (const User& user : data->users) {
      ASSERT_EQ(user.tags.size(), 1u) << user.name;
      EXPECT_EQ(user, NumberedUser(static_cast<uint32_t>(std::stoul(user.tags[0].value))));
    }
    // The survivor is writable.
    EXPECT_THAT(store->CreateUser(NumberedUser(1'000'000)), IsOk());
  }
}

}  // namespace
}  // namespace sigil
