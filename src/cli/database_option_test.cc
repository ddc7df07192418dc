#include "cli/database_option.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/postgres_test_server.h"

namespace sigil::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// For a Status; call .status() on a StatusOr.
MATCHER_P2(StatusIsExactly, code, message, "") {
  *result_listener << "status " << arg.ToString();
  return arg.code() == code && arg.message() == message;
}

constexpr char kNotADatabase[] =
    "must be sqlite, postgresql, a postgresql:// URI or a libpq key=value connection string";

TEST(ParseDatabaseOptionTest, SqliteAndTheFormsOfAPostgresConnection) {
  auto sqlite = ParseDatabaseOption("sqlite");
  ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
  EXPECT_EQ(sqlite->kind, DatabaseKind::kSqlite);

  for (const std::string value :
       {"postgresql://sigil:pw@db.example:5433/iam?sslmode=require", "postgres://db.example/iam",
        "host=/run/postgresql dbname=sigil user=sigil", "service=sigil"}) {
    auto choice = ParseDatabaseOption(value);
    ASSERT_TRUE(choice.ok()) << value << ": " << choice.status().ToString();
    EXPECT_EQ(choice->kind, DatabaseKind::kPostgres);
    EXPECT_EQ(choice->conninfo, value);
  }
  // Everything from PGHOST, PGDATABASE, PGUSER, PGPASSWORD...
  for (const std::string value : {"postgresql", "postgres"}) {
    auto choice = ParseDatabaseOption(value);
    ASSERT_TRUE(choice.ok()) << value;
    EXPECT_EQ(choice->kind, DatabaseKind::kPostgres);
    EXPECT_EQ(choice->conninfo, "");
  }
}

// Refusals never quote the value: it may be a mistyped URI that holds a password.
TEST(ParseDatabaseOptionTest, RefusalsNeverQuoteTheValue) {
  for (const std::string value : {"", "SQLite", "mysql://root:hunter2@db",
                                  "postgresq://u:hunter2@h", "/var/lib/sigil/sigil.db"}) {
    EXPECT_THAT(ParseDatabaseOption(value).status(),
                StatusIsExactly(StatusCode::kInvalidArgument, kNotADatabase))
        << value;
  }
  EXPECT_THAT(ParseDatabaseOption("host=/tmp password=hunter2 user").status(),
              StatusIsExactly(StatusCode::kInvalidArgument,
                              "the PostgreSQL connection string is malformed"));
  EXPECT_THAT(ParseDatabaseOption("password=hunter2 no_such_option=1").status(),
              StatusIsExactly(StatusCode::kInvalidArgument,
                              "the PostgreSQL connection string is malformed"));
}

TEST(AddDatabaseOptionTest, DefaultFlagAndEnvironment) {
  {
    CLI::App app;
    std::string database = "sqlite";
    AddDatabaseOption(&app, &database);
    unsetenv("SIGIL_DATABASE");
    app.parse(std::vector<std::string>{});
    EXPECT_EQ(database, "sqlite");
  }
  {
    CLI::App app;
    std::string database = "sqlite";
    AddDatabaseOption(&app, &database);
    setenv("SIGIL_DATABASE", "postgresql://from-env/iam", 1);
    app.parse(std::vector<std::string>{});
    EXPECT_EQ(database, "postgresql://from-env/iam");
    // CLI11 takes the argument vector reversed.
    app.parse(std::vector<std::string>{"host=flag", "--database"});
    EXPECT_EQ(database, "host=flag");
    unsetenv("SIGIL_DATABASE");
  }
}

class OpenStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/sigil-dbopt-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
};

TEST_F(OpenStoreTest, SqliteIsNotShared) {
  const std::string path = dir_ + "/sigil.db";
  auto opened = OpenStore(DatabaseChoice{.kind = DatabaseKind::kSqlite, .conninfo = ""}, path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_FALSE(opened->shared);
  EXPECT_EQ(opened->description, "sqlite " + path);
  EXPECT_TRUE(std::filesystem::exists(path));
  ASSERT_TRUE(
      opened->store->CreateAccount(Account{.account_id = "123456789012", .name = "a"}).ok());
  bool ran = false;
  EXPECT_THAT(opened->run_exclusively([&] {
    ran = true;
    return NotFoundError("the step's own status");
  }),
              StatusIsExactly(StatusCode::kNotFound, "the step's own status"));
  EXPECT_TRUE(ran);
}

// The object and EC2 stores write on the identity store's connection, so their commits are not
// identity changes made elsewhere (which would reload the identity snapshot).
TEST_F(OpenStoreTest, SqliteObjectAndEc2StoresShareTheIdentityConnection) {
  const std::string path = dir_ + "/sigil.db";
  auto opened = OpenStore(DatabaseChoice{.kind = DatabaseKind::kSqlite, .conninfo = ""}, path);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto objects = opened->open_objects();
  ASSERT_TRUE(objects.ok()) << objects.status().ToString();
  auto ec2 = opened->open_ec2();
  ASSERT_TRUE(ec2.ok()) << ec2.status().ToString();
  ASSERT_TRUE(opened->store->ChangedElsewhere().ok());
  ASSERT_TRUE(
      (*objects)->CreateBucket(BucketRecord{.name = "b", .account_id = "123456789012"}).ok());
  ASSERT_TRUE(
      (*ec2)->CreateTags(Ec2Scope{"123456789012", "us-east-1"}, {"i-1"}, {{"", "k", "v"}}).ok());
  auto changed = opened->store->ChangedElsewhere();
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_FALSE(*changed);
}

TEST_F(OpenStoreTest, SqliteFailureNamesTheFile) {
  const std::string path = dir_ + "/missing-folder/sigil.db";
  auto opened = OpenStore(DatabaseChoice{.kind = DatabaseKind::kSqlite, .conninfo = ""}, path);
  ASSERT_FALSE(opened.ok());
  EXPECT_THAT(opened.status().message(), StartsWith("sqlite " + path + ": "));
}

TEST_F(OpenStoreTest, PostgresIsSharedAndNeverShowsThePassword) {
  auto conninfo = postgres_test::FreshSchema();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  // The test cluster trusts local connections: the password is accepted and ignored.
  auto choice = ParseDatabaseOption(*conninfo + " password=hunter2secret");
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  auto opened = OpenStore(*choice, dir_ + "/unused.db");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->shared);
  EXPECT_THAT(opened->description, StartsWith("postgresql host=/tmp/"));
  EXPECT_THAT(opened->description, HasSubstr("dbname=postgres user=postgres"));
  EXPECT_THAT(opened->description, Not(HasSubstr("hunter2secret")));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/unused.db"));
  ASSERT_TRUE(
      opened->store->CreateAccount(Account{.account_id = "123456789012", .name = "a"}).ok());
  EXPECT_THAT(opened->run_exclusively([] { return FailedPreconditionError("inside the lock"); }),
              StatusIsExactly(StatusCode::kFailedPrecondition, "inside the lock"));
  auto data = opened->store->LoadIdentity();
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->accounts.size(), 1u);
  auto ec2 = opened->open_ec2();
  ASSERT_TRUE(ec2.ok()) << ec2.status().ToString();
  const Ec2Scope scope{"123456789012", "us-east-1"};
  ASSERT_TRUE((*ec2)->CreateTags(scope, {"i-1"}, {{"", "k", "v"}}).ok());
  auto tags = (*ec2)->ListTags(scope);
  ASSERT_TRUE(tags.ok()) << tags.status().ToString();
  ASSERT_EQ(tags->size(), 1u);
  EXPECT_EQ((*tags)[0].value, "v");
}

TEST_F(OpenStoreTest, UnreachablePostgresNamesTheServerButNotThePassword) {
  auto choice = ParseDatabaseOption(
      "postgresql://sigil:hunter2secret@/iam?host=/nonexistent-sigil-dir&connect_timeout=2");
  ASSERT_TRUE(choice.ok()) << choice.status().ToString();
  auto opened = OpenStore(*choice, dir_ + "/unused.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(opened.status().message(),
              StartsWith("postgresql host=/nonexistent-sigil-dir dbname=iam user=sigil: "
                         "postgres: cannot connect"));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("hunter2secret")));
}

}  // namespace
}  // namespace sigil::cli
