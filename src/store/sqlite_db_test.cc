#include "store/sqlite_db.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/metadata_store_contract.h"

namespace sigil::sqlite {
namespace {

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(scratch_.File("test.db"));
    ASSERT_THAT(db, IsOk());
    db_ = std::move(db).value();
    ASSERT_THAT(db_->Exec("CREATE TABLE parent (id TEXT NOT NULL PRIMARY KEY);"
                          "CREATE TABLE child (id TEXT NOT NULL PRIMARY KEY,"
                          " parent_id TEXT NOT NULL REFERENCES parent (id),"
                          " n BIGINT CHECK (n >= 0))"),
                IsOk());
  }

  // The first column of the first row of `sql`, as text.
  std::string QueryText(std::string_view sql) {
    auto statement = db_->Prepare(sql);
    EXPECT_THAT(statement, IsOk());
    if (!statement.ok()) return "";
    auto row = statement->Step();
    EXPECT_THAT(row, IsOk());
    return row.ok() && *row ? statement->ColumnText(0) : "<no row>";
  }

  ScratchDir scratch_;
  std::optional<Db> db_;
};

TEST_F(DbTest, ConnectionIsConfiguredForDurability) {
  EXPECT_EQ(QueryText("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText("PRAGMA synchronous"), "2");  // FULL
  EXPECT_EQ(QueryText("PRAGMA foreign_keys"), "1");
}

TEST_F(DbTest, BindsAndReadsEveryType) {
  ASSERT_THAT(db_->Exec("CREATE TABLE t (i BIGINT, s TEXT, o TEXT)"), IsOk());
  {
    auto insert = db_->Prepare("INSERT INTO t (i, s, o) VALUES (?1, ?2, ?3)");
    ASSERT_THAT(insert, IsOk());
    ASSERT_THAT(
        insert->Bind(int64_t{-5}, std::string("a\0b", 3), std::optional<std::string>()).Run(),
        IsOk());
  }
  auto select = db_->Prepare("SELECT i, s, o FROM t");
  ASSERT_THAT(select, IsOk());
  auto row = select->Step();
  ASSERT_THAT(row, IsOk());
  ASSERT_TRUE(*row);
  EXPECT_EQ(select->ColumnInt64(0), -5);
  EXPECT_EQ(select->ColumnText(1), std::string("a\0b", 3));
  EXPECT_TRUE(select->ColumnIsNull(2));
  EXPECT_FALSE(select->ColumnIsNull(1));
  EXPECT_EQ(select->ColumnText(2), "");
  auto more = select->Step();
  ASSERT_THAT(more, IsOk());
  EXPECT_FALSE(*more);
}

TEST_F(DbTest, UniqueViolationIsAlreadyExists) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"), IsOk());
  EXPECT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"),
              StatusIs(StatusCode::kAlreadyExists, "UNIQUE constraint failed: parent.id"));
}

TEST_F(DbTest, ForeignKeyViolationIsFailedPrecondition) {
  EXPECT_THAT(db_->Exec("INSERT INTO child VALUES ('c', 'nope', 1)"),
              StatusIs(StatusCode::kFailedPrecondition, "FOREIGN KEY constraint failed"));
}

TEST_F(DbTest, OtherConstraintViolationsAreInternal) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('p')"), IsOk());
  EXPECT_THAT(db_->Exec("INSERT INTO child VALUES ('c', 'p', -1)"),
              StatusIs(StatusCode::kInternal, "CHECK constraint failed"));
}

TEST_F(DbTest, SyntaxErrorIsInternal) {
  EXPECT_THAT(db_->Exec("SELEC 1"), StatusIs(StatusCode::kInternal, "syntax error"));
  EXPECT_THAT(db_->Prepare("SELEC 1"), StatusIs(StatusCode::kInternal, "syntax error"));
}

TEST_F(DbTest, PrepareTakesExactlyOneStatement) {
  EXPECT_THAT(db_->Prepare("SELECT 1; SELECT 2"),
              StatusIs(StatusCode::kInternal, "exactly one SQL statement"));
}

TEST_F(DbTest, BindingErrorIsReportedByStep) {
  auto statement = db_->Prepare("SELECT ?1");
  ASSERT_THAT(statement, IsOk());
  statement->Bind(int64_t{1}, int64_t{2});  // there is no ?2
  EXPECT_THAT(statement->Step(), StatusIs(StatusCode::kInternal, "column index out of range"));
}

TEST_F(DbTest, PreparedStatementsAreReusedAfterALeaseEnds) {
  for (int64_t i = 0; i < 3; ++i) {
    auto statement = db_->Prepare("SELECT ?1 + 1");
    ASSERT_THAT(statement, IsOk());
    auto row = statement->Bind(i).Step();
    ASSERT_THAT(row, IsOk());
    ASSERT_TRUE(*row);
    EXPECT_EQ(statement->ColumnInt64(0), i + 1);
  }
}

TEST_F(DbTest, ChangesCountsRowsOfTheLastStatement) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('a'), ('b')"), IsOk());
  EXPECT_EQ(db_->Changes(), 2);
  ASSERT_THAT(db_->Exec("DELETE FROM parent WHERE id = 'zzz'"), IsOk());
  EXPECT_EQ(db_->Changes(), 0);
}

TEST_F(DbTest, UncommittedTransactionRollsBack) {
  {
    auto txn = Transaction::Begin(*db_);
    ASSERT_THAT(txn, IsOk());
    EXPECT_TRUE(db_->InTransaction());
    ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('gone')"), IsOk());
  }
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(QueryText("SELECT COUNT(*) FROM parent"), "0");
}

TEST_F(DbTest, CommittedTransactionPersists) {
  {
    auto txn = Transaction::Begin(*db_);
    ASSERT_THAT(txn, IsOk());
    ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('kept')"), IsOk());
    ASSERT_THAT(txn->Commit(), IsOk());
    EXPECT_FALSE(db_->InTransaction());
  }
  EXPECT_EQ(QueryText("SELECT id FROM parent"), "kept");
}

TEST_F(DbTest, NestedTransactionIsRefused) {
  auto outer = Transaction::Begin(*db_);
  ASSERT_THAT(outer, IsOk());
  EXPECT_THAT(Transaction::BeginRead(*db_),
              StatusIs(StatusCode::kInternal, "cannot start a transaction within a transaction"));
}

TEST(DbOpenTest, MissingDirectoryIsInternalNamingThePath) {
  ScratchDir scratch;
  const std::string path = scratch.File("no/such/dir/test.db");
  EXPECT_THAT(Db::Open(path), StatusIs(StatusCode::kInternal, path));
  EXPECT_THAT(Db::Open(path), StatusIs(StatusCode::kInternal, "unable to open database file"));
}

TEST_F(DbTest, BackupCopiesACommittedSnapshotIntoOneFile) {
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('a'), ('b')"), IsOk());
  const std::string copy = scratch_.File("copy.db");
  ASSERT_THAT(db_->BackupTo(copy), IsOk());
  // Later writes stay out of the copy.
  ASSERT_THAT(db_->Exec("INSERT INTO parent VALUES ('c')"), IsOk());
  auto restored = Db::Open(copy);
  ASSERT_THAT(restored, IsOk());
  auto count = restored->Prepare("SELECT COUNT(*) FROM parent");
  ASSERT_THAT(count, IsOk());
  auto row = count->Step();
  ASSERT_THAT(row, IsOk());
  ASSERT_TRUE(*row);
  EXPECT_EQ(count->ColumnInt64(0), 2);
}

TEST_F(DbTest, BackupNeverOverwritesAFile) {
  const std::string copy = scratch_.File("copy.db");
  ASSERT_THAT(db_->BackupTo(copy), IsOk());
  EXPECT_THAT(db_->BackupTo(copy), StatusIs(StatusCode::kAlreadyExists, "already exists"));
}

}  // namespace
}  // namespace sigil::sqlite
