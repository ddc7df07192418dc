#include "store/postgres_db.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "store/metadata_store_contract.h"
#include "store/postgres_test_server.h"

namespace sigil::postgres {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class PostgresDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto conninfo = postgres_test::FreshSchema();
    ASSERT_THAT(conninfo, IsOk());
    conninfo_ = *conninfo;
    auto db = Db::Connect(conninfo_);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->Exec("CREATE TABLE parent (id TEXT NOT NULL PRIMARY KEY);"
                          "CREATE TABLE child (id TEXT NOT NULL PRIMARY KEY,"
                          " parent_id TEXT NOT NULL REFERENCES parent (id),"
                          " n BIGINT CHECK (n >= 0))"),
                IsOk());
  }

  // The first column of the first row of `sql`, as text.
  std::string QueryText(Db& db, std::string_view sql) {
    auto result = db.Exec(sql);
    EXPECT_THAT(result, IsOk());
    return result.ok() && result->Rows() > 0 ? result->Text(0, 0) : "<no row>";
  }

  std::string conninfo_;
  std::optional<Db> db_;
};

TEST_F(PostgresDbTest, ConnectionIsConfiguredForSigil) {
  EXPECT_EQ(QueryText(*db_, "SHOW client_encoding"), "UTF8");
  EXPECT_EQ(QueryText(*db_, "SHOW synchronous_commit"), "on");
  // Even where the server's or the connection's default says otherwise: an acknowledged write
  // must be on disk.
  auto relaxed =
      Db::Connect(postgres_test::WithOption(conninfo_, "options", "-c synchronous_commit=off"));
  ASSERT_THAT(relaxed, IsOk());
  EXPECT_EQ(QueryText(*relaxed, "SHOW synchronous_commit"), "on");
}

TEST_F(PostgresDbTest, BindsAndReadsEveryType) {
  ASSERT_THAT(db_->Exec("CREATE TABLE t (i BIGINT, s TEXT, o TEXT)"), IsOk());
  ASSERT_THAT(db_->Query("INSERT INTO t (i, s, o) VALUES ($1, $2, $3)", int64_t{-5},
                         std::string("h\xC3\xA9llo 'quoted' $1 \\"), std::optional<std::string>()),
              IsOk());
  // A parameter PostgreSQL cannot infer a type for from context is typed by its binding.
  ASSERT_THAT(db_->Query("INSERT INTO t (i, s, o) SELECT $1, $2, $3",
                         int64_t{9'007'199'254'740'993}, "", std::optional<std::string>("x")),
              IsOk());
  auto rows = db_->Query("SELECT i, s, o FROM t ORDER BY i");
  ASSERT_THAT(rows, IsOk());
  ASSERT_EQ(rows->Rows(), 2);
  auto negative = rows->Int64(0, 0);
  ASSERT_THAT(negative, IsOk());
  EXPECT_EQ(*negative, -5);
  EXPECT_EQ(rows->Text(0, 1), "h\xC3\xA9llo 'quoted' $1 \\");
  EXPECT_TRUE(rows->IsNull(0, 2));
  EXPECT_EQ(rows->Text(0, 2), "");
  EXPECT_FALSE(rows->IsNull(0, 1));
  auto large = rows->Int64(1, 0);
  ASSERT_THAT(large, IsOk());
  EXPECT_EQ(*large, int64_t{9'007'199'254'740'993});
  EXPECT_EQ(rows->Text(1, 1), "");
  EXPECT_FALSE(rows->IsNull(1, 1));  // empty, not NULL
  EXPECT_EQ(rows->Text(1, 2), "x");
  EXPECT_THAT(rows->Int64(1, 1), StatusIs(StatusCode::kInternal, "expected an integer"));
}

TEST_F(PostgresDbTest, AffectedRowsCountsWrites) {
  auto inserted = db_->Query("INSERT INTO parent VALUES ($1), ($2)", "a", "b");
  ASSERT_THAT(inserted, IsOk());
  EXPECT_EQ(inserted->AffectedRows(), 2);
  auto updated = db_->Query("UPDATE parent SET id = id WHERE id = $1", "nope");
  ASSERT_THAT(updated, IsOk());
  EXPECT_EQ(updated->AffectedRows(), 0);
  auto deleted = db_->Query("DELETE FROM parent WHERE id <> $1", "");
  ASSERT_THAT(deleted, IsOk());
  EXPECT_EQ(deleted->AffectedRows(), 2);
}

TEST_F(PostgresDbTest, PreparedStatementsAreReusedAcrossCalls) {
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", "p" + std::to_string(i)), IsOk());
  }
  EXPECT_EQ(QueryText(*db_,
                      "SELECT count(*) FROM pg_prepared_statements"
                      " WHERE statement = 'INSERT INTO parent VALUES ($1)'"),
            "1");
  EXPECT_EQ(QueryText(*db_, "SELECT count(*) FROM parent"), "3");
}

TEST_F(PostgresDbTest, UniqueViolationIsAlreadyExists) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"), IsOk());
  EXPECT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", "p"),
              StatusIsExactly(StatusCode::kAlreadyExists,
                              "postgres: duplicate key value violates unique constraint "
                              "\"parent_pkey\" (SQLSTATE 23505)"));
}

TEST_F(PostgresDbTest, ForeignKeyViolationIsFailedPrecondition) {
  EXPECT_THAT(db_->Query("INSERT INTO child VALUES ($1, $2, $3)", "c", "nope", int64_t{1}),
              StatusIs(StatusCode::kFailedPrecondition, "SQLSTATE 23503"));
}

// PostgreSQL's DETAIL quotes the failing row; rows hold sealed secrets, so it is never used.
TEST_F(PostgresDbTest, ErrorsNeverQuoteRowValues) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"), IsOk());
  auto check =
      db_->Query("INSERT INTO child VALUES ($1, $2, $3)", "secret-value", "p", int64_t{-1});
  EXPECT_THAT(check, StatusIs(StatusCode::kInternal, "SQLSTATE 23514"));
  EXPECT_THAT(check.status().message(), Not(HasSubstr("secret-value")));
  auto duplicate = db_->Query("INSERT INTO parent VALUES ($1)", "p");
  EXPECT_THAT(duplicate.status().message(), Not(HasSubstr("(p)")));
}

TEST_F(PostgresDbTest, BadSqlIsInternal) {
  EXPECT_THAT(db_->Exec("SELEC 1"), StatusIs(StatusCode::kInternal, "SQLSTATE 42601"));
  EXPECT_THAT(db_->Query("SELECT * FROM missing WHERE id = $1", "x"),
              StatusIs(StatusCode::kInternal, "SQLSTATE 42P01"));
  EXPECT_FALSE(db_->LastErrorRetryable());
}

TEST_F(PostgresDbTest, ValuesPostgresCannotStoreAreInvalidArgument) {
  // libpq would cut a text parameter at its first NUL byte: refused before sending.
  EXPECT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", std::string("a\0b", 3)),
              StatusIs(StatusCode::kInvalidArgument, "NUL byte"));
  EXPECT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", "\xff\xfe"),
              StatusIs(StatusCode::kInvalidArgument, "SQLSTATE 22021"));
  EXPECT_EQ(QueryText(*db_, "SELECT count(*) FROM parent"), "0");
}

TEST_F(PostgresDbTest, TransactionRollsBackWhenNotCommitted) {
  {
    auto txn = Transaction::Begin(*db_, Transaction::Mode::kSerializable);
    ASSERT_THAT(txn, IsOk());
    EXPECT_TRUE(db_->InTransaction());
    ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('gone')"), IsOk());
  }
  EXPECT_FALSE(db_->InTransaction());
  {
    auto txn = Transaction::Begin(*db_, Transaction::Mode::kSerializable);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('kept')"), IsOk());
    ASSERT_THAT(txn->Commit(), IsOk());
  }
  EXPECT_EQ(QueryText(*db_, "SELECT string_agg(id, ',') FROM parent"), "kept");
}

// A transaction the server aborted cannot be committed: COMMIT would quietly roll it back.
TEST_F(PostgresDbTest, CommitOfAnAbortedTransactionFails) {
  auto txn = Transaction::Begin(*db_, Transaction::Mode::kSerializable);
  ASSERT_THAT(txn, IsOk());
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"), IsOk());
  EXPECT_THAT(db_->Exec("SELEC 1"), StatusIs(StatusCode::kInternal, "SQLSTATE 42601"));
  EXPECT_THAT(db_->Exec("SELECT 1"), StatusIs(StatusCode::kInternal, "SQLSTATE 25P02"));
  EXPECT_THAT(txn->Commit(), StatusIs(StatusCode::kInternal, "COMMIT rolled it back"));
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(QueryText(*db_, "SELECT count(*) FROM parent"), "0");
}

TEST_F(PostgresDbTest, ReadOnlySnapshotRefusesWritesAndIgnoresLaterCommits) {
  auto other = Db::Connect(conninfo_);
  ASSERT_THAT(other, IsOk());
  auto txn = Transaction::Begin(*db_, Transaction::Mode::kReadOnlySnapshot);
  ASSERT_THAT(txn, IsOk());
  EXPECT_EQ(QueryText(*db_, "SELECT count(*) FROM parent"), "0");
  ASSERT_THAT(other->Exec("INSERT INTO parent VALUES ('later')"), IsOk());
  EXPECT_EQ(QueryText(*db_, "SELECT count(*) FROM parent"), "0");  // still the same snapshot
  EXPECT_THAT(db_->Exec("INSERT INTO parent VALUES ('x')"),
              StatusIs(StatusCode::kInternal, "SQLSTATE 25006"));
}

// Two serializable transactions that read and then write the same row: the second to write
// is aborted with a retryable serialization failure.
TEST_F(PostgresDbTest, SerializationFailureIsRetryableUnavailable) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p');"
                        "INSERT INTO child VALUES ('c', 'p', 0)"),
              IsOk());
  auto other = Db::Connect(conninfo_);
  ASSERT_THAT(other, IsOk());
  auto mine = Transaction::Begin(*db_, Transaction::Mode::kSerializable);
  ASSERT_THAT(mine, IsOk());
  EXPECT_EQ(QueryText(*db_, "SELECT n FROM child WHERE id = 'c'"), "0");
  {
    auto theirs = Transaction::Begin(*other, Transaction::Mode::kSerializable);
    ASSERT_THAT(theirs, IsOk());
    ASSERT_THAT(other->Exec("UPDATE child SET n = n + 1 WHERE id = 'c'"), IsOk());
    ASSERT_THAT(theirs->Commit(), IsOk());
  }
  EXPECT_THAT(db_->Exec("UPDATE child SET n = n + 1 WHERE id = 'c'"),
              StatusIs(StatusCode::kUnavailable, "SQLSTATE 40001"));
  EXPECT_TRUE(db_->LastErrorRetryable());
  EXPECT_FALSE(db_->ConnectionLost());
  // The next statement that succeeds clears the flag.
  EXPECT_THAT(db_->Exec("ROLLBACK"), IsOk());
  EXPECT_FALSE(db_->LastErrorRetryable());
  EXPECT_EQ(QueryText(*db_, "SELECT n FROM child WHERE id = 'c'"), "1");
}

TEST_F(PostgresDbTest, LostConnectionIsUnavailableUntilReset) {
  ASSERT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", "p"), IsOk());  // prepares it
  auto admin = Db::Connect(conninfo_);
  ASSERT_THAT(admin, IsOk());
  const int pid = db_->BackendPid();
  ASSERT_NE(pid, 0);
  // With a timeout it returns once the backend is gone, so the next statement meets a closed
  // connection rather than racing the signal.
  ASSERT_EQ(QueryText(*admin, "SELECT pg_terminate_backend(" + std::to_string(pid) + ", 10000)"),
            "t");

  EXPECT_THAT(db_->Exec("SELECT 1"), StatusIs(StatusCode::kUnavailable, "connection"));
  EXPECT_TRUE(db_->ConnectionLost());
  EXPECT_FALSE(db_->LastErrorRetryable());
  ASSERT_THAT(db_->Reset(), IsOk());
  EXPECT_FALSE(db_->ConnectionLost());
  EXPECT_NE(db_->BackendPid(), pid);
  // The new session is set up like the first, and statements are prepared again on demand.
  EXPECT_EQ(QueryText(*db_, "SHOW synchronous_commit"), "on");
  EXPECT_THAT(db_->Query("INSERT INTO parent VALUES ($1)", "q"), IsOk());
  EXPECT_EQ(QueryText(*db_, "SELECT string_agg(id, ',' ORDER BY id) FROM parent"), "p,q");
}

TEST(PostgresConnectTest, UnreachableServerIsUnavailable) {
  auto db = Db::Connect("host=/nonexistent-sigil-dir port=5432 user=postgres connect_timeout=2");
  EXPECT_THAT(db, StatusIs(StatusCode::kUnavailable, "cannot connect"));
  // libpq's two-line message (the second a hint) becomes one line, for the log.
  EXPECT_THAT(db.status().message(), Not(HasSubstr("\n")));
  EXPECT_THAT(db.status().message(), HasSubstr("No such file or directory; Is the server running"));
}

// The connection string may hold a password: a malformed one is refused without quoting it.
TEST(PostgresConnectTest, MalformedConnectionStringIsInvalidArgumentAndNotQuoted) {
  auto db = Db::Connect("host=/tmp password=hunter2 user");
  EXPECT_THAT(
      db, StatusIsExactly(StatusCode::kInvalidArgument, "postgres: malformed connection string"));
  auto unknown = Db::Connect("password=hunter2 no_such_option=1");
  EXPECT_THAT(unknown, StatusIs(StatusCode::kInvalidArgument, "malformed"));
  EXPECT_THAT(unknown.status().message(), Not(HasSubstr("hunter2")));
}

TEST_F(PostgresDbTest, NotificationsArriveWithoutAStatement) {
  auto listener = Db::Connect(conninfo_);
  ASSERT_THAT(listener, IsOk());
  ASSERT_THAT(listener->Exec("LISTEN sigil_test_channel"), IsOk());
  auto none = listener->TakeNotifications();
  ASSERT_THAT(none, IsOk());
  EXPECT_TRUE(none->empty());

  // Queued inside a transaction, delivered only when it commits; a rolled back one never is.
  {
    auto txn = Transaction::Begin(*db_, Transaction::Mode::kSerializable);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(db_->Query("SELECT pg_notify('sigil_test_channel', $1)", "rolled back"), IsOk());
  }
  ASSERT_THAT(db_->Query("SELECT pg_notify('sigil_test_channel', $1)", "first"), IsOk());
  ASSERT_THAT(db_->Query("SELECT pg_notify('sigil_test_channel', $1)", "second"), IsOk());
  ASSERT_THAT(db_->Query("SELECT pg_notify('other_channel', $1)", "not listened to"), IsOk());

  std::vector<std::string> payloads;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (payloads.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    auto batch = listener->TakeNotifications();
    ASSERT_THAT(batch, IsOk());
    for (const Notification& n : *batch) {
      EXPECT_EQ(n.channel, "sigil_test_channel");
      payloads.push_back(n.payload);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(payloads, (std::vector<std::string>{"first", "second"}));
}

TEST_F(PostgresDbTest, TakeNotificationsReportsALostConnection) {
  auto listener = Db::Connect(conninfo_);
  ASSERT_THAT(listener, IsOk());
  ASSERT_THAT(listener->Exec("LISTEN sigil_test_channel"), IsOk());
  ASSERT_EQ(QueryText(*db_, "SELECT pg_terminate_backend(" +
                                std::to_string(listener->BackendPid()) + ", 10000)"),
            "t");
  EXPECT_THAT(listener->TakeNotifications(), StatusIs(StatusCode::kUnavailable, "lost"));
  EXPECT_TRUE(listener->ConnectionLost());
}

TEST_F(PostgresDbTest, DescribeNamesTheServer) {
  const std::string described = db_->Describe();
  EXPECT_THAT(described, HasSubstr("port=5432"));
  EXPECT_THAT(described, HasSubstr("dbname=postgres"));
  EXPECT_THAT(described, HasSubstr("user=postgres"));
}

TEST(PostgresConnectTest, DescribeConninfoLeavesThePasswordOut) {
  auto uri = DescribeConninfo("postgresql://sigil:hunter2@db.example:6543/iam?sslmode=require");
  ASSERT_THAT(uri, IsOk());
  EXPECT_EQ(*uri, "host=db.example port=6543 dbname=iam user=sigil");
  auto pairs = DescribeConninfo("password=hunter2 dbname=iam host=/run/pg");
  ASSERT_THAT(pairs, IsOk());
  EXPECT_EQ(*pairs, "host=/run/pg dbname=iam");
  auto empty = DescribeConninfo("");  // everything from PG* variables and libpq's defaults
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(*empty, "");
  auto malformed = DescribeConninfo("host=/tmp password=hunter2 user");
  EXPECT_THAT(malformed, StatusIsExactly(StatusCode::kInvalidArgument,
                                         "postgres: malformed connection string"));
}

TEST(PostgresConnectTest, SplitConninfoPasswordKeepsEverythingElseQuoted) {
  auto uri =
      SplitConninfoPassword("postgresql://sigil:hunter2@db.example:6543/iam?sslmode=require");
  ASSERT_THAT(uri, IsOk());
  EXPECT_EQ(uri->password, "hunter2");
  // libpq's own order of keywords, not the string's.
  EXPECT_EQ(uri->without_password,
            "user='sigil' dbname='iam' host='db.example' port='6543' sslmode='require'");
  auto pairs = SplitConninfoPassword(R"(dbname='it\'s' host=/run/pg password='a b\\c')");
  ASSERT_THAT(pairs, IsOk());
  EXPECT_EQ(pairs->password, "a b\\c");
  EXPECT_EQ(pairs->without_password, R"(dbname='it\'s' host='/run/pg')");
  auto empty = SplitConninfoPassword("");
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->without_password, "");
  EXPECT_EQ(empty->password, "");
  EXPECT_THAT(
      SplitConninfoPassword("host=/tmp password=hunter2 user"),
      StatusIsExactly(StatusCode::kInvalidArgument, "postgres: malformed connection string"));
}

}  // namespace
}  // namespace sigil::postgres
