// SqlObjectStore on SQLite: the contract suite on a fresh database file, plus what is particular
// to opening it and to the SQL rewriting it relies on.
#include <fstream>

#include "store/migrations.h"
#include "store/object_store_contract.h"
#include "store/sql_object_store.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {
namespace {

// The metadata store creates and migrates the database, as at server start.
StatusOr<std::unique_ptr<SqlObjectStore>> OpenMigrated(const std::string& path) {
  SIGIL_RETURN_IF_ERROR(SqliteMetadataStore::Open(path).status());
  return SqlObjectStore::OpenSqlite(path);
}

INSTANTIATE_TEST_SUITE_P(
    Sqlite, ObjectStoreContract,
    ::testing::Values(ObjectStoreFactory{
        .name = "Sqlite",
        .create = [](const std::string& dir) -> StatusOr<std::unique_ptr<ObjectStore>> {
          SIGIL_ASSIGN_OR_RETURN(auto store, OpenMigrated(dir + "/sigil.db"));
          return std::unique_ptr<ObjectStore>(std::move(store));
        }}),
    ObjectStoreFactoryName);

// The same suite on the metadata store's connection. The metadata store of the running test
// lives here: replaced by the next test's (its object store is gone by then).
std::unique_ptr<SqliteMetadataStore>& SharedMetadataStore() {
  static auto* store = new std::unique_ptr<SqliteMetadataStore>;
  return *store;
}

INSTANTIATE_TEST_SUITE_P(
    SqliteShared, ObjectStoreContract,
    ::testing::Values(ObjectStoreFactory{
        .name = "SqliteShared",
        .create = [](const std::string& dir) -> StatusOr<std::unique_ptr<ObjectStore>> {
          const std::string path = dir + "/sigil.db";
          SIGIL_ASSIGN_OR_RETURN(SharedMetadataStore(), SqliteMetadataStore::Open(path));
          SIGIL_ASSIGN_OR_RETURN(auto store,
                                 SqlObjectStore::OpenSharingSqlite(*SharedMetadataStore(), path));
          return std::unique_ptr<ObjectStore>(std::move(store));
        }}),
    ObjectStoreFactoryName);

TEST(SqliteDialectTest, RewritesPlaceholdersAndByteOrderCollation) {
  EXPECT_EQ(SqliteDialect("SELECT a FROM t WHERE b = $1 AND c > $12 ORDER BY a COLLATE \"C\""),
            "SELECT a FROM t WHERE b = ?1 AND c > ?12 ORDER BY a COLLATE BINARY");
  EXPECT_EQ(SqliteDialect("CREATE TABLE t (k TEXT COLLATE \"C\" NOT NULL, v TEXT)"),
            "CREATE TABLE t (k TEXT COLLATE BINARY NOT NULL, v TEXT)");
  // A '$' not followed by a digit is left alone.
  EXPECT_EQ(SqliteDialect("SELECT '$' || $1"), "SELECT '$' || ?1");
}

TEST(SqlObjectStoreSqliteTest, OpenRefusesADatabaseWithoutTheSchema) {
  ScratchDir dir;
  auto store = SqlObjectStore::OpenSqlite(dir.File("empty.db"));
  EXPECT_THAT(store, StatusIs(StatusCode::kFailedPrecondition,
                              "no Sigil schema (sqlite: no such table: schema_migrations); open "
                              "the metadata store first"));
}

TEST(SqlObjectStoreSqliteTest, OpenRefusesAnOutdatedSchema) {
  ScratchDir dir;
  const std::string path = dir.File("sigil.db");
  ASSERT_THAT(SqliteMetadataStore::Open(path), IsOk());
  {
    auto db = sqlite::Db::Open(path);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("DELETE FROM schema_migrations WHERE version = " +
                         std::to_string(LatestSchemaVersion())),
                IsOk());
  }
  EXPECT_THAT(SqlObjectStore::OpenSqlite(path),
              StatusIs(StatusCode::kFailedPrecondition, "migrations not applied"));
}

// The object store's own connection and the metadata store's share the file, as in the server.
TEST(SqlObjectStoreSqliteTest, SharesTheFileWithTheMetadataStore) {
  ScratchDir dir;
  const std::string path = dir.File("sigil.db");
  auto metadata = SqliteMetadataStore::Open(path);
  ASSERT_THAT(metadata, IsOk());
  auto objects = SqlObjectStore::OpenSqlite(path);
  ASSERT_THAT(objects, IsOk());
  EXPECT_EQ((*objects)->Describe(), "sqlite " + path);
  ASSERT_THAT((*metadata)->CreateAccount(Account{.account_id = "111111111111", .name = "a"}),
              IsOk());
  ASSERT_THAT((*objects)->CreateBucket(BucketRecord{.name = "b", .account_id = "111111111111"}),
              IsOk());
  auto data = (*metadata)->LoadIdentity();
  ASSERT_THAT(data, IsOk());
  EXPECT_EQ(data->accounts.size(), 1u);
  auto bucket = (*objects)->GetBucket("b");
  ASSERT_THAT(bucket, IsOk());
  EXPECT_EQ(bucket->account_id, "111111111111");
}

// Writes on the metadata store's own connection are not changes made elsewhere; those of a
// second connection are (PRAGMA data_version), which would make a server reload its identity
// snapshot after S3 writes.
TEST(SqlObjectStoreSqliteTest, SharingTheConnectionIsNotAChangeElsewhere) {
  ScratchDir dir;
  const std::string path = dir.File("sigil.db");
  auto metadata = SqliteMetadataStore::Open(path);
  ASSERT_THAT(metadata, IsOk());
  auto shared = SqlObjectStore::OpenSharingSqlite(**metadata, path);
  ASSERT_THAT(shared, IsOk());
  auto own = SqlObjectStore::OpenSqlite(path);
  ASSERT_THAT(own, IsOk());
  EXPECT_EQ((*shared)->Describe(), "sqlite " + path);
  ASSERT_THAT((*metadata)->ChangedElsewhere(), IsOk());

  ASSERT_THAT((*shared)->CreateBucket(BucketRecord{.name = "b", .account_id = "111111111111"}),
              IsOk());
  auto changed = (*metadata)->ChangedElsewhere();
  ASSERT_THAT(changed, IsOk());
  EXPECT_FALSE(*changed);

  ASSERT_THAT((*own)->CreateBucket(BucketRecord{.name = "c", .account_id = "111111111111"}),
              IsOk());
  changed = (*metadata)->ChangedElsewhere();
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(*changed);
  auto buckets = (*shared)->ListBuckets("111111111111");
  ASSERT_THAT(buckets, IsOk());
  EXPECT_EQ(buckets->size(), 2u);
}

}  // namespace
}  // namespace sigil
