// The EC2 store on SQLite: the contract suite on its own connection and on the metadata store's
// (as a server runs it), plus opening and the reason a server shares the connection.
#include "store/ec2_store_contract.h"
#include "store/migrations.h"
#include "store/sql_ec2_store.h"
#include "store/sqlite_db.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {
namespace {

const Ec2Scope kScope{"111111111111", "us-east-1"};

// The metadata store creates and migrates the database, as at server start; the EC2 store then
// opens a connection of its own.
StatusOr<std::unique_ptr<Ec2Store>> OpenOwnConnection(const std::string& path) {
  SIGIL_RETURN_IF_ERROR(SqliteMetadataStore::Open(path).status());
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, OpenSqliteDatabase(path));
  return OpenSqlEc2Store(std::move(db));
}

INSTANTIATE_TEST_SUITE_P(Sqlite, Ec2StoreContract,
                         ::testing::Values(Ec2StoreFactory{
                             .name = "Sqlite",
                             .create =
                                 [](const std::string& dir) -> StatusOr<std::unique_ptr<Ec2Store>> {
                               return OpenOwnConnection(dir + "/sigil.db");
                             }}),
                         Ec2StoreFactoryName);

// The same suite on the metadata store's connection. The metadata store of the running test
// lives here: replaced by the next test's (its EC2 store is gone by then).
std::unique_ptr<SqliteMetadataStore>& SharedMetadataStore() {
  static auto* store = new std::unique_ptr<SqliteMetadataStore>;
  return *store;
}

INSTANTIATE_TEST_SUITE_P(
    SqliteShared, Ec2StoreContract,
    ::testing::Values(Ec2StoreFactory{
        .name = "SqliteShared",
        .create = [](const std::string& dir) -> StatusOr<std::unique_ptr<Ec2Store>> {
          const std::string path = dir + "/sigil.db";
          SIGIL_ASSIGN_OR_RETURN(SharedMetadataStore(), SqliteMetadataStore::Open(path));
          return OpenSqlEc2Store(SqliteDatabaseSharing(*SharedMetadataStore(), path));
        }}),
    Ec2StoreFactoryName);

TEST(SqlEc2StoreSqliteTest, OpenRefusesADatabaseWithoutTheSchema) {
  ScratchDir dir;
  auto db = OpenSqliteDatabase(dir.File("empty.db"));
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT(OpenSqlEc2Store(std::move(db).value()),
              StatusIsExactly(StatusCode::kFailedPrecondition,
                              "open ec2 store on sqlite " + dir.File("empty.db") +
                                  ": no Sigil schema (sqlite: no such table: schema_migrations); "
                                  "open the metadata store first, which creates it"));
}

TEST(SqlEc2StoreSqliteTest, OpenRefusesASchemaWithoutTheEc2Tables) {
  ScratchDir dir;
  const std::string path = dir.File("sigil.db");
  {
    auto db = sqlite::Db::Open(path);
    ASSERT_THAT(db, IsOk());
    ASSERT_THAT(db->Exec("CREATE TABLE schema_migrations (version BIGINT NOT NULL PRIMARY KEY,"
                         " applied_at BIGINT NOT NULL);"
                         "INSERT INTO schema_migrations VALUES (4, 0)"),
                IsOk());
  }
  auto db = OpenSqliteDatabase(path);
  ASSERT_THAT(db, IsOk());
  EXPECT_THAT(
      OpenSqlEc2Store(std::move(db).value()),
      StatusIsExactly(StatusCode::kFailedPrecondition,
                      "open ec2 store on sqlite " + path +
                          ": database schema version 4, this sigil needs " +
                          std::to_string(LatestSchemaVersion()) + ": migrations not applied"));
}

// EC2 writes on the metadata store's connection are not changes made elsewhere; those of a
// second connection are (PRAGMA data_version), and would make a server's refresher reload the
// whole identity snapshot after every EC2 write.
TEST(SqlEc2StoreSqliteTest, SharingTheConnectionIsNotAChangeElsewhere) {
  ScratchDir dir;
  const std::string path = dir.File("sigil.db");
  auto metadata = SqliteMetadataStore::Open(path);
  ASSERT_THAT(metadata, IsOk());
  auto shared = OpenSqlEc2Store(SqliteDatabaseSharing(**metadata, path));
  ASSERT_THAT(shared, IsOk());
  auto own_db = OpenSqliteDatabase(path);
  ASSERT_THAT(own_db, IsOk());
  auto own = OpenSqlEc2Store(std::move(own_db).value());
  ASSERT_THAT(own, IsOk());
  ASSERT_THAT((*metadata)->ChangedElsewhere(), IsOk());

  ASSERT_THAT((*shared)->CreateTags(kScope, {"i-1"}, {{"", "team", "blue"}}), IsOk());
  auto changed = (*metadata)->ChangedElsewhere();
  ASSERT_THAT(changed, IsOk());
  EXPECT_FALSE(*changed);

  ASSERT_THAT((*own)->CreateTags(kScope, {"i-2"}, {{"", "team", "red"}}), IsOk());
  changed = (*metadata)->ChangedElsewhere();
  ASSERT_THAT(changed, IsOk());
  EXPECT_TRUE(*changed);
  auto tags = (*shared)->ListTags(kScope);
  ASSERT_THAT(tags, IsOk());
  EXPECT_EQ(tags->size(), 2u);
}

}  // namespace
}  // namespace sigil
